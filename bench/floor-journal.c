/* floor-journal - the floor of the sd-journal interface, for bench/run:
 * iterate every entry of a journal directory and touch every field, as
 * auralog-journald reads them (data threshold 0: whole fields, and
 * sd_journal_enumerate_available_data), and nothing else.
 *
 *   floor-journal DIR    prints "entries N fields N bytes N checksum N" */
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

int main(int argc, char **argv) {
    sd_journal *j;
    uint64_t entries = 0, fields = 0, bytes = 0, sum = 0;
    int r;

    if (argc != 2) {
        fprintf(stderr, "usage: floor-journal DIR\n");
        return 2;
    }
    r = sd_journal_open_directory(&j, argv[1], 0);
    if (r < 0) {
        fprintf(stderr, "floor-journal: cannot open %s: %d\n", argv[1], r);
        return 1;
    }
    sd_journal_set_data_threshold(j, 0);
    SD_JOURNAL_FOREACH(j) {
        const void *d;
        size_t l;
        uint64_t rt = 0;
        sd_journal_restart_data(j);
        while (sd_journal_enumerate_available_data(j, &d, &l) > 0) {
            /* touch the first and the last byte: the field is mapped and read */
            const unsigned char *p = d;
            sum += p[0] + p[l - 1];
            fields++;
            bytes += l;
        }
        sd_journal_get_realtime_usec(j, &rt);
        sum += rt & 0xff;
        entries++;
    }
    printf("entries %llu fields %llu bytes %llu checksum %llu\n", (unsigned long long)entries,
           (unsigned long long)fields, (unsigned long long)bytes, (unsigned long long)sum);
    sd_journal_close(j);
    return 0;
}
