/* tests/support/htmldiff.h: the linear scanner against gumbo on one page.
 *
 * Shared by the differential test (tests/test_parse_html_diff.c) and the fuzz target
 * fuzz/fuzz_html_diff.c (which compiles htmldiff.c in; it uses no cmocka). A page is read
 * twice by parse_html_extract, once as the crawler reads it (the scanner, gumbo where the
 * scanner gives up) and once with gumbo asked for, both with keep_nofollow so that every
 * link comes back, and the two results must agree on: the links (href as decoded, kind,
 * nofollow, and the URL each resolves to against the page's base with parse_url_resolve,
 * as the crawler resolves them), the base, the title, meta robots and the counts.
 *
 * Ownership: nothing is kept between calls. Any thread. */
#ifndef TESTS_SUPPORT_HTMLDIFF_H
#define TESTS_SUPPORT_HTMLDIFF_H

#include <stddef.h>

enum htmldiff_verdict {
    HTMLDIFF_SAME,      /* the scanner read the page alone, with gumbo's result */
    HTMLDIFF_DEFERRED,  /* the scanner gave the page to gumbo (*why says why): same by design */
    HTMLDIFF_SKIPPED,   /* gumbo cannot be given the page (too deep): nothing to compare */
    HTMLDIFF_DIFFERENT  /* a disagreement, described in msg */
};

/* Compare the two readings of page, which is UTF-8 (or is treated as such) and was fetched
 * from url (an absolute http(s) URL). Returns an enum htmldiff_verdict, or -ENOMEM. *why is
 * the scanner's enum parse_html_defer; msg (cap bytes, NUL-terminated) says what differs. */
int htmldiff_page(const char *page, size_t len, const char *url, unsigned *why, char *msg,
                  size_t cap);

#endif
