/* fuzz/fuzz_lines.c: libFuzzer target for app/orders/lines.c, checked against a reference splitter.
 *
 * The first byte picks the chunk size and the second the line limit; the lines come back
 * exactly as a plain memchr split of the whole input would give them (CR LF and a leading BOM
 * removed, lines past the limit cut and flagged). Built by scripts/fuzz. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/orders/lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: line number n (1-based) of the whole input, cut to max. */
static int reference(const char *all, size_t size, uint64_t n, size_t max, const char **s,
                     size_t *len, int *too_long)
{
    const char *p = all, *end = all + size;
    uint64_t k = 1;

    if (size >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (k < n) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        if (!nl)
            return -1;
        p = nl + 1;
        k++;
    }
    {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)((nl ? nl : end) - p);

        if (nl && l > 0 && p[l - 1] == '\r')
            l--;
        *too_long = l > max;
        *len = l > max ? max : l;
        *s = p;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lines *l;
    struct lines_line line;
    size_t chunk, max, off = 0;
    int rc = 0;

    if (size < 2)
        return 0;
    chunk = (size_t)data[0] % 97 + 1;
    max = (size_t)data[1] % 200 + 1;
    data += 2;
    size -= 2;
    if (lines_create(max, &l) != 0)
        return 0;
    while (rc >= 0) {
        size_t n = size - off < chunk ? size - off : chunk;
        bool eof = off + n == size;

        rc = lines_feed(l, (const char *)data + off, n, eof);
        while (rc >= 0 && (rc = lines_next(l, &line)) == 1) {
            const char *s;
            size_t len;
            int too_long;

            if (reference((const char *)data, size, line.lineno, max, &s, &len, &too_long) < 0)
                abort();
            if (line.too_long != (too_long != 0))
                abort();
            if (!line.too_long && (line.len != len || memcmp(line.text, s, len) != 0))
                abort();
        }
        off += n;
        if (eof)
            break;
    }
    lines_destroy(l);
    return 0;
}
