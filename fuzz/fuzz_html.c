/* fuzz/fuzz_html.c: libFuzzer target for parse/charset.c + parse/html*.c.
 *
 * Each input is a fetched body: its charset is detected and it is converted to UTF-8, then
 * links and title are extracted the default way (the scanner, gumbo where it gives up), in
 * title_only mode, with gumbo asked for, and with gumbo asked for and a tiny max_depth (so
 * that nested pages are read by the scanner best effort); the raw bytes are also extracted
 * directly, as if a caller skipped the conversion. (fuzz_html_diff compares the readers.) Whatever the input, results
 * must keep their promises: titles valid UTF-8 without controls or outer spaces and within
 * PARSE_HTML_TITLE_MAX, hrefs valid UTF-8 and NUL-terminated. Not built by CMake:
 *   clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_html.c \
 *     parse/charset.c parse/html*.c core/buf.c core/mem.c core/utf8.c -lgumbo -lpsl -o fuzz_html
 *   ./fuzz_html -dict=fuzz/html.dict fuzz/corpus/html */
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

static void check(const struct parse_html_result *r)
{
    size_t i, n;

    if (r->title) {
        n = strlen(r->title);
        CHECK(n <= PARSE_HTML_TITLE_MAX);
        CHECK(core_utf8_is_valid(r->title, n));
        for (i = 0; i < n; i++)
            CHECK((unsigned char)r->title[i] >= 0x20 && r->title[i] != 0x7F);
        CHECK(n == 0 || (r->title[0] != ' ' && r->title[n - 1] != ' '));
    }
    if (r->base_href)
        CHECK(core_utf8_is_valid(r->base_href, strlen(r->base_href)));
    for (i = 0; i < r->nlinks; i++) {
        CHECK(r->links[i].href[r->links[i].len] == '\0');
        CHECK(core_utf8_is_valid(r->links[i].href, r->links[i].len));
        CHECK(r->links[i].kind <= PARSE_HTML_LINK_LINK_PREV);
    }
    CHECK(r->truncated_links == (r->links_dropped > 0));
}

static void extract_all(const char *s, size_t len)
{
    struct parse_html_opts o;
    struct parse_html_result r, t;

    parse_html_opts_init(&o);
    o.max_links = 50;
    CHECK(parse_html_extract(s, len, &o, &r) == 0);
    check(&r);
    CHECK(r.nlinks <= 50);
    o.title_only = true;
    CHECK(parse_html_extract(s, len, &o, &t) == 0);
    check(&t);
    CHECK(t.nlinks == 0);
    parse_html_result_free(&t);
    parse_html_result_free(&r);
    o.title_only = false;
    o.parser = PARSE_HTML_GUMBO;
    CHECK(parse_html_extract(s, len, &o, &r) == 0);
    check(&r);
    parse_html_result_free(&r);
    o.max_depth = 3;
    CHECK(parse_html_extract(s, len, &o, &r) == 0);
    check(&r);
    parse_html_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char name[PARSE_CHARSET_NAME_MAX];
    struct core_buf b;

    CHECK(parse_charset_detect(s, size, NULL, 0, name, sizeof(name)) == 0);
    core_buf_init(&b, 4 * size + 64);
    CHECK(parse_charset_to_utf8(s, size, name, &b) == 0);
    CHECK(core_utf8_is_valid(b.data, b.len));
    extract_all(b.data, b.len);
    core_buf_free(&b);
    extract_all(s, size);
    return 0;
}
