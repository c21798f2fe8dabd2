/* test_entry_id - journal cursors to entry ids and sd-journal's order
 * (journal-reader/entry_id.c), which the errors read ahead of a backlog
 * are matched and ordered by.  Table-driven. */
#include <stdio.h>
#include <string.h>

#include "entry_id.h"
#include "tap.h"

#define S1 "2d7d571bddd24fc894a28e46b460e33f"
#define S2 "0123456789abcdef0123456789abcdef"
#define B1 "d4268ba1ceb54b40ae9d720f3e077064"
#define B2 "fedcba9876543210fedcba9876543210"
#define C(s, i, b, m, t) "s=" s ";i=" i ";b=" b ";m=" m ";t=" t ";x=a4461a1ee5fe3991"

static const struct {
    const char *name, *cursor;
    bool ok;
    unsigned long long seqnum, mono, realtime;
} parses[] = {
    {"a cursor as sd-journal writes it", C(S1, "3207b", B1, "2e844d497", "661a4e06687d6"), true, 0x3207b, 0x2e844d497,
     0x661a4e06687d6},
    {"keys in another order", "t=5;m=4;i=3;b=" B1 ";s=" S1, true, 3, 4, 5},
    {"upper-case hex", C(S1, "ABC", B1, "1", "2"), true, 0xabc, 1, 2},
    {"no seqnum", "s=" S1 ";b=" B1 ";m=1;t=2", false, 0, 0, 0},
    {"no boot ID", "s=" S1 ";i=1;m=1;t=2", false, 0, 0, 0},
    {"a seqnum that is not hex", C(S1, "12g", B1, "1", "2"), false, 0, 0, 0},
    {"a seqnum of 17 digits", C(S1, "12345678901234567", B1, "1", "2"), false, 0, 0, 0},
    {"a short seqnum ID", C("2d7d571bddd24fc894a28e46b460e33", "1", B1, "1", "2"), false, 0, 0, 0},
    {"empty", "", false, 0, 0, 0},
    {"garbage", "hello world", false, 0, 0, 0},
};

static const struct {
    const char *name, *a, *b;
    int cmp;
    bool same;
} orders[] = {
    {"one seqnum ID: by seqnum, whatever the times", C(S1, "10", B1, "900", "900"), C(S1, "11", B2, "1", "1"), -1,
     false},
    {"the same entry", C(S1, "10", B1, "5", "6"), C(S1, "10", B1, "5", "6"), 0, true},
    {"the same seqnum in another boot is another entry", C(S1, "10", B1, "5", "6"), C(S1, "10", B2, "5", "6"), 0,
     false},
    {"two seqnum IDs, one boot: by monotonic time", C(S1, "900", B1, "7", "1"), C(S2, "1", B1, "8", "0"), -1, false},
    {"two seqnum IDs, two boots: by realtime", C(S1, "1", B1, "1", "20"), C(S2, "900", B2, "900", "10"), 1, false},
};

static int sign(int v) {
    return v < 0 ? -1 : v > 0;
}

int main(void) {
    for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
        struct jr_entry_id id;
        bool ok = jr_entry_id_parse(parses[i].cursor, &id);
        CHECK(ok == parses[i].ok, "%s: %s", parses[i].name, parses[i].ok ? "parses" : "refused");
        if (ok && parses[i].ok)
            CHECK(id.seqnum == parses[i].seqnum && id.mono == parses[i].mono && id.realtime == parses[i].realtime,
                  "%s: seqnum, monotonic and realtime", parses[i].name);
    }
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        struct jr_entry_id a, b;
        CHECK(jr_entry_id_parse(orders[i].a, &a) && jr_entry_id_parse(orders[i].b, &b), "%s: parse",
              orders[i].name);
        CHECK_INT(sign(jr_entry_id_compare(&a, &b)), orders[i].cmp, "%s: order", orders[i].name);
        CHECK_INT(sign(jr_entry_id_compare(&b, &a)), -orders[i].cmp, "%s: reversed", orders[i].name);
        CHECK(jr_entry_id_same(&a, &b) == orders[i].same, "%s: %s", orders[i].name,
              orders[i].same ? "same entry" : "different entries");
    }
    return tap_done();
}
