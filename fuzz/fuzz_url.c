/* fuzz/fuzz_url.c: libFuzzer target for parse/url.c.
 *
 * The input is "base\nref": the base (up to the first newline) is normalised and the input is
 * skipped when that fails; the ref (the rest, newlines included) is resolved against it. Checks:
 * only documented errors; a result is printable ASCII, starts with http:// or https://, is a
 * fixed point of parse_url_normalize and splits back into itself; resolving against the raw
 * base gives the same as against its normal form; the seed form (the ref normalised alone)
 * obeys the same rules.
 *
 * Build (not wired into CMake yet), from the repository root:
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -I. fuzz/fuzz_url.c parse/url.c parse/host.c \
 *       core/buf.c core/mem.c -lidn2 -o fuzz_url
 *   ./fuzz_url -max_total_time=60 fuzz/corpus/url
 * Finds so far: one, in this harness (memcmp of two NULL buffers after two failed calls); none in
 * parse/url.c. A crash in the parser belongs in tests/test_parse_url.c's table as well. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "parse/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX 4096

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

static void check_normal(const char *s, size_t n)
{
    struct core_buf again;
    struct parse_url_view v;
    size_t i;

    for (i = 0; i < n; i++)
        CHECK(s[i] >= 0x21 && s[i] <= 0x7e);
    CHECK(n > 8 && (memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0));
    CHECK(strlen(s) == n);
    core_buf_init(&again, OUT_MAX);
    CHECK(parse_url_normalize(s, n, &again) == 0);
    CHECK(again.len == n && memcmp(again.data, s, n) == 0);
    core_buf_free(&again);
    CHECK(parse_url_split(s, n, &v) == 0);
    CHECK(v.origin_len + v.target_len == n);
    CHECK(v.path_len + (v.has_query ? 1 + v.query_len : 0) == v.target_len);
    CHECK(v.path[0] == '/' && v.host_len > 0);
}

static bool documented(int rc)
{
    return rc == 0 || rc == CORE_EPARSE || rc == CORE_ESCHEME || rc == -EMSGSIZE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t base_len = nl ? (size_t)(nl - in) : size;
    const char *ref = nl ? nl + 1 : in + size;
    size_t ref_len = size - (size_t)(ref - in);
    struct core_buf base, out, raw;
    int rc, rc_raw;

    core_buf_init(&base, OUT_MAX);
    core_buf_init(&out, OUT_MAX);
    core_buf_init(&raw, OUT_MAX);

    rc = parse_url_normalize(ref, ref_len, &out);
    CHECK(documented(rc));
    if (rc == 0)
        check_normal(out.data, out.len);
    else
        CHECK(out.len == 0);

    if (parse_url_normalize(in, base_len, &base) != 0)
        goto out;
    check_normal(base.data, base.len);
    rc = parse_url_resolve(base.data, base.len, ref, ref_len, &out);
    CHECK(documented(rc));
    if (rc == 0)
        check_normal(out.data, out.len);
    else
        CHECK(out.len == 0);

    rc_raw = parse_url_resolve(in, base_len, ref, ref_len, &raw);
    CHECK(documented(rc_raw));
    if (rc != -EMSGSIZE && rc_raw != -EMSGSIZE) {
        CHECK(rc_raw == rc);
        CHECK(raw.len == out.len);
        CHECK(rc != 0 || memcmp(raw.data, out.data, out.len) == 0);
    }
out:
    core_buf_free(&base);
    core_buf_free(&out);
    core_buf_free(&raw);
    return 0;
}
