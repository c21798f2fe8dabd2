/* gzip.h - compress a request body for compression = gzip (SPEC §13).
 *
 * One deflate stream, reset and reused for every request, so the hot path
 * allocates nothing once warm.  Batch limits stay on the uncompressed size;
 * this only changes what goes on the wire. */
#pragma once
#include <stddef.h>

struct aura_buf;
struct aura_gzip;

struct aura_gzip *aura_gzip_new(void);
void aura_gzip_free(struct aura_gzip *z);
/* out = gzip(in) (RFC 1952, what Content-Encoding: gzip means); out is reset
 * first.  0 / -ENOMEM / -EIO. */
int aura_gzip_compress(struct aura_gzip *z, const void *in, size_t len, struct aura_buf *out);
/* The same for an input in pieces (transport.h), read where they lie. */
struct aura_segment;
int aura_gzip_compress_segments(struct aura_gzip *z, const struct aura_segment *segs, size_t n_segs,
                                struct aura_buf *out);
