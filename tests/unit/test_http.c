/* test_http.c - response classification (SPEC §7) and Retry-After parsing. */
#include "http.h"

#include "tap.h"

int main(void) {
    static const struct {
        long status;
        enum aura_outcome want;
    } cls[] = {
        {200, AURA_OUTCOME_OK},       {202, AURA_OUTCOME_OK},         {204, AURA_OUTCOME_OK},
        {0, AURA_OUTCOME_RETRY},      {408, AURA_OUTCOME_RETRY},      {429, AURA_OUTCOME_RETRY},
        {500, AURA_OUTCOME_RETRY},    {502, AURA_OUTCOME_RETRY},      {503, AURA_OUTCOME_RETRY},
        {504, AURA_OUTCOME_RETRY},    {401, AURA_OUTCOME_CONFIG},     {403, AURA_OUTCOME_CONFIG},
        {301, AURA_OUTCOME_CONFIG},   {302, AURA_OUTCOME_CONFIG},     {307, AURA_OUTCOME_CONFIG},
        {308, AURA_OUTCOME_CONFIG},   {400, AURA_OUTCOME_REJECTED},   {404, AURA_OUTCOME_REJECTED},
        {413, AURA_OUTCOME_REJECTED}, {422, AURA_OUTCOME_REJECTED},   {100, AURA_OUTCOME_RETRY},
        {415, AURA_OUTCOME_CONFIG},
    };
    for (size_t i = 0; i < sizeof cls / sizeof cls[0]; i++)
        CHECK_INT(aura_http_classify(cls[i].status), cls[i].want, "HTTP %ld is classified right", cls[i].status);

    const int64_t now = 1445412480; /* Wed, 21 Oct 2015 07:28:00 GMT */
    static const struct {
        const char *value;
        int64_t want_us;
    } ra[] = {
        {"0", 0},
        {"1", 1000000},
        {"120", 120000000},
        {"  7 ", 7000000},
        {"Wed, 21 Oct 2015 07:28:00 GMT", 0},
        {"Wed, 21 Oct 2015 07:28:30 GMT", 30000000},
        {"Wed, 21 Oct 2015 07:27:00 GMT", 0}, /* in the past: now */
        {"", -1},
        {"soon", -1},
        {"12abc", -1},
        {"-5", -1},
    };
    for (size_t i = 0; i < sizeof ra / sizeof ra[0]; i++)
        CHECK_INT(aura_http_parse_retry_after(ra[i].value, now), ra[i].want_us, "Retry-After \"%s\"", ra[i].value);
    CHECK_INT(aura_http_parse_retry_after(NULL, now), -1, "no Retry-After");
    return tap_done();
}
