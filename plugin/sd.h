/* sd.h - RFC 5424 STRUCTURED-DATA parser (SPEC §4: metadata structured_data).
 *
 *   [exampleSDID@32473 iut="3" eventSource="App"][origin ip="10.0.0.1"]
 *     -> {"exampleSDID@32473":{"iut":"3","eventSource":"App"},"origin":{"ip":"10.0.0.1"}}
 *
 * Param values are unescaped (\" \\ \]).  A param repeated within an element
 * keeps every value: the value becomes an array of strings in order.  An
 * SD-ID repeated in the string merges into the first element.  Bytes are
 * kept as they are (the encoder repairs invalid UTF-8). */
#pragma once
#include <stddef.h>

struct json_object;

/* Parse s[0..len).  "-" and "" give 0 with *ret = NULL (no structured data).
 * Otherwise 0 and a new object in *ret (caller puts it), or -EINVAL when the
 * text is not well-formed SD (*ret = NULL). */
int omp_sd_parse(const char *s, size_t len, struct json_object **ret);

/* The trace id carried by parsed SD: the first param named traceId or
 * trace_id (in any element, traceId preferred).  NULL when none; the string
 * belongs to sd. */
const char *omp_sd_trace_id(struct json_object *sd, size_t *len);
