/* fuzz/fuzz_html_diff.c: libFuzzer target: the linear scanner must read every page exactly
 * as gumbo does, unless it hands the page to gumbo.
 *
 * Each input is a fetched body: its charset is detected and it is converted to UTF-8, as the
 * crawler does (so the readers never see invalid UTF-8, which each repairs its own way), then
 * read by parse_html_extract twice, the default way and with gumbo asked for, and compared with tests/support/htmldiff.c (compiled in, see fuzz/CMakeLists.txt):
 * links (href, kind, nofollow, resolved URL), base, meta robots, title, counts. A page the
 * scanner did not give to gumbo and on which the two disagree aborts, and the message says
 * what differs. Seed corpus: fuzz/corpus/html_diff/, with fuzz/corpus/html/ and html.dict.
 *   ./scripts/fuzz 120 fuzz_html_diff */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "parse/charset.h"
#include "tests/support/htmldiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char name[PARSE_CHARSET_NAME_MAX], msg[600];
    struct core_buf b;
    unsigned why;
    int v;

    if (parse_charset_detect(s, size, NULL, 0, name, sizeof(name)) != 0)
        abort();
    core_buf_init(&b, 4 * size + 64);
    if (parse_charset_to_utf8(s, size, name, &b) != 0)
        abort();
    v = htmldiff_page(b.data ? b.data : "", b.len, "http://fuzz.test/a/b.html", &why, msg,
                      sizeof(msg));
    core_buf_free(&b);
    if (v < 0)
        abort();
    if (v == HTMLDIFF_DIFFERENT) {
        fprintf(stderr, "fuzz_html_diff: scanner and gumbo disagree: %s\n", msg);
        abort();
    }
    return 0;
}
