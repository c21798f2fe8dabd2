/* test_sd - RFC 5424 structured-data parser (plugin/sd.c). */

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "../../plugin/sd.h"
#include "tap.h"

static const struct {
    const char *in;
    int ret;
    const char *json; /* expected compact JSON, NULL for no object */
} cases[] = {
    {"-", 0, NULL},
    {"", 0, NULL},
    {"[id]", 0, "{\"id\":{}}"},
    {"[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]", 0,
     "{\"exampleSDID@32473\":{\"iut\":\"3\",\"eventSource\":\"Application\",\"eventID\":\"1011\"}}"},
    {"[a x=\"1\"][b y=\"2\"]", 0, "{\"a\":{\"x\":\"1\"},\"b\":{\"y\":\"2\"}}"},
    {"[a x=\"q\\\"uote\" y=\"back\\\\slash\" z=\"br\\]acket\"]", 0,
     "{\"a\":{\"x\":\"q\\\"uote\",\"y\":\"back\\\\slash\",\"z\":\"br]acket\"}}"},
    {"[a x=\"keep\\n\"]", 0, "{\"a\":{\"x\":\"keep\\\\n\"}}"}, /* only \" \\ \] are escapes */
    {"[a x=\"\"]", 0, "{\"a\":{\"x\":\"\"}}"},
    {"[a x=\"with ] inside\"]", 0, "{\"a\":{\"x\":\"with ] inside\"}}"},
    {"[origin ip=\"10.0.0.1\" ip=\"10.0.0.2\"]", 0, "{\"origin\":{\"ip\":[\"10.0.0.1\",\"10.0.0.2\"]}}"},
    {"[a x=\"1\"][a y=\"2\"]", 0, "{\"a\":{\"x\":\"1\",\"y\":\"2\"}}"},
    {"[a x=\"1\" ]", 0, "{\"a\":{\"x\":\"1\"}}"},
    {"[a x=\"1\"", -EINVAL, NULL},
    {"[a x=\"1]", -EINVAL, NULL},
    {"[a x=1]", -EINVAL, NULL},
    {"[ x=\"1\"]", -EINVAL, NULL},
    {"a x=\"1\"]", -EINVAL, NULL},
    {"[a x=\"1\"] trailing", -EINVAL, NULL},
    {"[a x=\"1\"]x", -EINVAL, NULL},
    {"[a=b]", -EINVAL, NULL},
    {"[", -EINVAL, NULL},
    {"-x", -EINVAL, NULL},
};

int main(void) {
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *o = (struct json_object *)1;
        int r = omp_sd_parse(cases[i].in, strlen(cases[i].in), &o);
        CHECK_INT(r, cases[i].ret, "parse '%s' returns %d", cases[i].in, cases[i].ret);
        CHECK_STR(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL, cases[i].json,
                  "parse '%s' object", cases[i].in);
        json_object_put(o);
    }

    /* NUL bytes inside a value are kept (length-based) */
    {
        static const char in[] = "[a x=\"n\0l\"]";
        struct json_object *o, *a, *x;
        CHECK_INT(omp_sd_parse(in, sizeof(in) - 1, &o), 0, "value with NUL parses");
        CHECK(o && json_object_object_get_ex(o, "a", &a) && json_object_object_get_ex(a, "x", &x) &&
                  json_object_get_string_len(x) == 3,
              "value with NUL keeps 3 bytes");
        json_object_put(o);
    }

    /* trace ids */
    static const struct {
        const char *in, *trace;
    } traces[] = {
        {"[meta traceId=\"abc123\"]", "abc123"},
        {"[meta trace_id=\"t-1\"]", "t-1"},
        {"[a trace_id=\"second\"][b traceId=\"first\"]", "first"},
        {"[a traceId=\"\" trace_id=\"x\"]", "x"},
        {"[a other=\"1\"]", NULL},
        {"[a traceId=\"one\" traceId=\"two\"]", "one"},
    };
    for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
        struct json_object *o = NULL;
        size_t len = 0;
        omp_sd_parse(traces[i].in, strlen(traces[i].in), &o);
        const char *t = omp_sd_trace_id(o, &len);
        CHECK_STR(t, traces[i].trace, "trace id of '%s'", traces[i].in);
        if (t)
            CHECK_INT(len, strlen(traces[i].trace), "trace id length of '%s'", traces[i].in);
        json_object_put(o);
    }
    CHECK(omp_sd_trace_id(NULL, NULL) == NULL, "no sd, no trace id");
    return tap_done();
}
