/* app/export/warcgz.c: a record's parts compressed into one gzip member with libdeflate (see
 * warcgz.h for the choice of compressor). */
#include "app/export/warcgz.h"

#include <errno.h>
#include <libdeflate.h>
#include <string.h>

#include "core/mem.h"

/* The scratch buffer may grow to hold a whole record; records are capped by the caller's body
 * cap, and this only bounds the scratch against a runaway size. */
#define SCRATCH_MAX ((size_t)1 << 40)

struct app_warcgz {
    struct libdeflate_compressor *c;
    struct core_buf scratch;   /* the parts, back to back, for the whole-buffer compressor */
};

int app_warcgz_create(int level, struct app_warcgz **out)
{
    struct app_warcgz *gz;

    if (level == 0)
        level = APP_WARCGZ_DEFAULT_LEVEL;
    if (level < 1 || level > 12)
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
