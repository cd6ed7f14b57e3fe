/* fuzz/fuzz_charset.c: libFuzzer target for parse/charset.c.
 *
 * The input's first line is a Content-Type header value and the rest the body. Detection
 * must name a known encoding, and decoding the body from it, and from an encoding picked by
 * the first byte, must succeed with valid UTF-8. A title and links are then extracted from
 * the result, as the crawler does. Not built by CMake:
 *   clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_charset.c \
 *     parse/charset.c parse/html*.c core/buf.c core/mem.c core/utf8.c -lgumbo -lpsl -o fuzz_charset
 *   ./fuzz_charset fuzz/corpus/charset */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "parse/charset.h"
#include "parse/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

static const char *const names[] = {
    "utf-8", "windows-1252", "iso-8859-2", "iso-8859-7", "iso-8859-8-i", "windows-1251",
    "windows-1255", "windows-1258", "windows-874", "koi8-u", "ibm866", "macintosh",
    "x-mac-cyrillic", "shift_jis", "euc-jp", "iso-2022-jp", "gbk", "gb18030", "big5",
    "euc-kr", "utf-16le", "utf-16be",
};

static void decode(const char *body, size_t len, const char *charset)
{
    struct core_buf b;
    struct parse_html_result r;
    struct parse_html_opts o;
    int rc;

    core_buf_init(&b, 4 * len + 64);
    CHECK(parse_charset_to_utf8(body, len, charset, &b) == 0);
    CHECK(core_utf8_is_valid(b.data, b.len));
    parse_html_opts_init(&o);
    o.max_depth = 64;
    rc = parse_html_extract(b.data, b.len, &o, &r);
    CHECK(rc == 0);
    CHECK(!r.title || core_utf8_is_valid(r.title, strlen(r.title)));
    parse_html_result_free(&r);
    /* a small maximum: -EMSGSIZE or success, and the buffer unchanged on error */
    core_buf_reset(&b);
    b.max = len / 2;
    rc = parse_charset_to_utf8(body, len, charset, &b);
    CHECK(rc == 0 || (rc == -EMSGSIZE && b.len == 0));
    core_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *nl = memchr(s, '\n', size);
    const char *ct = nl ? s : NULL, *body = nl ? nl + 1 : s;
    size_t ct_len = nl ? (size_t)(nl - s) : 0, len = size - (size_t)(body - s);
    char name[PARSE_CHARSET_NAME_MAX];

    CHECK(parse_charset_detect(body, len, ct, ct_len, name, sizeof(name)) == 0);
    CHECK(parse_charset_canonical(name, strlen(name)) != NULL);
    CHECK(strcmp(parse_charset_canonical(name, strlen(name)), name) == 0);
    decode(body, len, name);
    if (size > 0)
        decode(body, len, names[data[0] % (sizeof(names) / sizeof(names[0]))]);
    return 0;
}
