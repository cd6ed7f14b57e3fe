/* fuzz/fuzz_html_cost.c: differential check of parse/html_cost.c against gumbo.
 *
 * Whenever the cost check accepts a page for a small max_depth, gumbo's tree must not be
 * much deeper than that: the check is an estimate from above (up to the elements gumbo
 * implies, such as <tbody>, and the formatting elements it re-creates). A failure is an
 * input whose nesting the check underestimates. Build by hand:
 *   clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_html_cost.c \
 *     parse/html*.c core/buf.c core/mem.c core/utf8.c -lgumbo -o fuzz_html_cost
 *   ./fuzz_html_cost -dict=fuzz/html.dict NEW_DIR fuzz/corpus/html
 * -DMAX_DEPTH=8 makes underestimates easier to find. Leak detection is off because gumbo
 * 0.10.1 leaks on some inputs when called directly, as here (parse_html_extract frees
 * what it leaks; fuzz_html checks that). A gumbo assertion failure (abort) is a finding
 * too: the check must keep such pages from gumbo. */
#include <gumbo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "parse/html_int.h"

#ifndef MAX_DEPTH
#define MAX_DEPTH 24
#endif

static size_t depth_of(const GumboNode *n)
{
    const GumboVector *c;
    size_t d = 0, m = 0, i;

    if (n->type == GUMBO_NODE_DOCUMENT)
        c = &n->v.document.children;
    else if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        c = &n->v.element.children;
    else
        return 0;
    for (i = 0; i < c->length; i++) {
        d = depth_of(c->data[i]);
        if (d > m)
            m = d;
    }
    return m + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    GumboOutput *g;
    bool ok = false;
    size_t d;

    if (parse__html_cost_ok(s, size, MAX_DEPTH, &ok) != 0 || !ok)
        return 0;
    g = gumbo_parse_with_options(&kGumboDefaultOptions, s, size);
    d = depth_of(g->document);
    gumbo_destroy_output(&kGumboDefaultOptions, g);
    /* document + html + body, and up to twice the shadow depth for implied elements */
    if (d > 3 * MAX_DEPTH + 4) {
        fprintf(stderr, "gumbo depth %zu, accepted for max_depth %d\n", d, MAX_DEPTH);
        abort();
    }
    return 0;
}
