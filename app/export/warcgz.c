/* app/export/warcgz.c: a record's parts compressed into one gzip member with libdeflate (see
 * warcgz.h for the choice of compressor). */
#include "app/export/warcgz.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"

/* The scratch buffer may grow to hold a whole record; records are capped by the caller's body
 * cap, and this only bounds the scratch against a runaway size. */
#define SCRATCH_MAX ((size_t)1 << 40)

/* Inputs up to this size are stored, not compressed (see warcgz.h). */
#define STORE_MAX ((size_t)1024)

struct app_warcgz {
    struct libdeflate_compressor *c;
    struct core_buf scratch;   /* the parts, back to back, for the whole-buffer compressor */
};

int app_warcgz_create(int level, struct app_warcgz **out)
{
    struct app_warcgz *gz;

    if (level == 0)
        level = APP_WARCGZ_DEFAULT_LEVEL;
    else if (level == APP_WARCGZ_STORE)
        level = 0; /* libdeflate's level 0: stored blocks */
    else if (level < 1 || level > 12)
        return -EINVAL;
    gz = core_calloc(1, sizeof(*gz));
    if (!gz)
        return -ENOMEM;
    gz->c = libdeflate_alloc_compressor(level);
    if (!gz->c) {
        core_free(gz);
        return -ENOMEM;
    }
    core_buf_init(&gz->scratch, SCRATCH_MAX);
    *out = gz;
    return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* A member whose deflate stream is one stored block (RFC 1951 3.2.4): the gzip header, the
 * block's header (BFINAL, type 00, LEN and its complement), the bytes, CRC-32 and size. */
static int stored_member(const struct app_warcgz_part *parts, size_t n, size_t total,
                         struct core_buf *out)
{
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    unsigned char *p;
    uint32_t crc = 0;
    size_t i;
    int rc;

    rc = core_buf_reserve(out, sizeof(head) + 5 + total + 8);
    if (rc < 0)
        return rc;
    p = (unsigned char *)out->data + out->len;
    memcpy(p, head, sizeof(head));
    p += sizeof(head);
    p[0] = 1; /* BFINAL, BTYPE 00 */
    p[1] = (unsigned char)total;
    p[2] = (unsigned char)(total >> 8);
    p[3] = (unsigned char)~p[1];
    p[4] = (unsigned char)~p[2];
    p += 5;
    for (i = 0; i < n; i++) {
        if (parts[i].len == 0)
            continue;
        memcpy(p, parts[i].p, parts[i].len);
        crc = libdeflate_crc32(crc, parts[i].p, parts[i].len);
        p += parts[i].len;
    }
    put_le32(p, crc);
    put_le32(p + 4, (uint32_t)total);
    out->len += sizeof(head) + 5 + total + 8;
    out->data[out->len] = '\0';
    return 0;
}

int app_warcgz_member(struct app_warcgz *gz, const struct app_warcgz_part *parts, size_t n,
                      struct core_buf *out)
{
    size_t i, total = 0, bound, got;
    const void *in;
    int rc;

    for (i = 0; i < n; i++) {
        if (parts[i].len > SIZE_MAX - total)
            return -EOVERFLOW;
        total += parts[i].len;
    }
    if (total <= STORE_MAX)
        return stored_member(parts, n, total, out);
    if (n == 1) {
        in = parts[0].p;   /* already contiguous: no copy */
    } else {
        core_buf_reset(&gz->scratch);
        rc = core_buf_reserve(&gz->scratch, total);
        if (rc < 0)
            return rc;
        for (i = 0; i < n; i++) {
            rc = core_buf_append(&gz->scratch, parts[i].p, parts[i].len);
            if (rc < 0)
                return rc;   /* cannot happen after the reserve */
        }
        in = gz->scratch.data;
    }
    bound = libdeflate_gzip_compress_bound(gz->c, total);
    if (bound < total)
        return -EOVERFLOW;
    rc = core_buf_reserve(out, bound);
    if (rc < 0)
        return rc;
    got = libdeflate_gzip_compress(gz->c, in ? in : "", total, out->data + out->len,
                                   out->cap - out->len - 1);
    if (got == 0)
        return -EOVERFLOW;   /* cannot happen: the bound is libdeflate's own */
    out->len += got;
    out->data[out->len] = '\0';
    return 0;
}

void app_warcgz_destroy(struct app_warcgz *gz)
{
    if (!gz)
        return;
    libdeflate_free_compressor(gz->c);
    core_buf_free(&gz->scratch);
    core_free(gz);
}
