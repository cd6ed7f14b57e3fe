/* tests/test_parse_html_cost.c: the check that keeps pages gumbo would take quadratic time
 * on away from it (parse/html_cost.c, module-internal). */
#include <gumbo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "parse/html_int.h"
#include "tests/support/corotest.h"

/* pre + pattern x n + post; "%d" in the pattern becomes the repetition number. */
static char *repeat(const char *pre, const char *pattern, size_t n, const char *post, size_t *len)
{
    struct core_buf b;
    size_t i;

    core_buf_init(&b, 64u << 20);
    assert_int_equal(core_buf_puts(&b, pre), 0);
    for (i = 0; i < n; i++) {
        if (strstr(pattern, "%d")) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            assert_int_equal(core_buf_printf(&b, pattern, (int)i), 0);
#pragma GCC diagnostic pop
        } else {
            assert_int_equal(core_buf_puts(&b, pattern), 0);
        }
    }
    assert_int_equal(core_buf_puts(&b, post), 0);
    *len = b.len;
    return core_buf_steal(&b);
}

static bool cost_ok(const char *s, size_t len, size_t max_depth)
{
    bool ok = false;

    assert_int_equal(parse__html_cost_ok(s, len, max_depth, &ok), 0);
    return ok;
}

/* The smallest max_depth the check accepts s for: its estimate of gumbo's depth. */
static size_t estimate(const char *s, size_t len)
{
    size_t lo = 0, hi = 1u << 20, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (cost_ok(s, len, mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Depth of gumbo's tree, without recursion. */
static size_t gumbo_depth(const char *s, size_t len)
{
    GumboOutput *g = gumbo_parse_with_options(&kGumboDefaultOptions, s, len);
    const GumboNode *n = g->document;
    size_t d = 0, max = 0;

    for (;;) {
        const GumboVector *c = n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children
                               : (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
                                   ? &n->v.element.children
                                   : NULL;

        if (c && c->length > 0) {
            n = c->data[0];
            if (++d > max)
                max = d;
            continue;
        }
        for (;;) {
            const GumboNode *p = n->parent;

            if (!p)
                goto out;
            c = p->type == GUMBO_NODE_DOCUMENT ? &p->v.document.children : &p->v.element.children;
            if (n->index_within_parent + 1 < c->length) {
                n = c->data[n->index_within_parent + 1];
                break;
            }
            n = p;
            d--;
        }
    }
out:
    gumbo_destroy_output(&kGumboDefaultOptions, g);
    return max;
}

struct pattern {
    const char *pre, *rep, *post;
};

/* Ways to make gumbo hold many elements open: each must be caught. */
static const struct pattern hostile[] = {
    {"", "<div>", ""},
    {"", "<div></span>", ""},                  /* end tags that close nothing */
    {"", "<div><b id=%d></div>", "x"},         /* formatting elements re-created */
    {"", "<p><font color=%d>x</p>", "x"},
    {"", "<table><td>", ""},                   /* implied tbody and tr */
    {"", "<form><table></form></table></form>", ""},
    {"", "<li><dd>", ""},
    {"", "<option><span>", ""},
    {"", "<a><div></a>", ""},
    {"", "<nobr><div></nobr>x", ""},
    {"", "<svg></span><path/>", ""},
    {"<svg><style>", "<div>", ""},             /* style in SVG is no raw text */
    {"<select><title></select>", "<div>", ""}, /* title in select is no raw text */
    {"<math><mi><mglyph>", "<option>", ""},    /* MathML inside a text integration point */
    {"", "<ruby><rb><rt>", ""},
    /* fuzzer finds: an end tag for a <tr> gumbo ignored (HTML content at an SVG integration
     * point) closes the SVG elements around it instead, leaving the shadow stack wrong */
    {"<svg><tr><desc><tr></tr>", "<tr>", ""},
    {"<svg><tr><desc><tr></tr>", "<option>", ""},
    /* gumbo compares foreign end tags by their raw text: these close nothing */
    {"<svg>", "<g></g >", ""},
    {"<svg>", "<g x></g x>", ""},
    /* annotation-xml holds HTML only with encoding=text/html (fuzzer find) */
    {"<math><annotation-xml>", "<th><tr><td>", ""},
    /* a CDATA section at an integration point hides "<!--" from gumbo (fuzzer find) */
    {"<svg><title><![CDATA[><!--]]>", "<c>", ""},
    {"<svg></p><![CDATA[><!--]]>", "<c>", ""},
    {"", "<template>", ""},
    {"", "<frameset>", ""},
    {"", "<xmp\x01><div>", ""},
};

static void test_cost_hostile_nesting_rejected(void **state)
{
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        char *s = repeat(hostile[i].pre, hostile[i].rep, 5000, hostile[i].post, &len);

        if (cost_ok(s, len, 1000))
            fail_msg("pattern %zu '%s' accepted", i, hostile[i].rep);
        free(s);
    }
}

static void test_cost_attribute_floods_rejected(void **state)
{
    size_t len;
    char *one = repeat("<a", " a%d", 100000, ">", &len);
    char *many;

    (void)state;
    assert_false(cost_ok(one, len, 1000));
    free(one);
    /* a realistic number of attributes per tag is fine, however many tags */
    many = repeat("", "<a href=x class=y id=z title=t data-a=1 data-b=2 rel=r>", 50000, "", &len);
    assert_true(cost_ok(many, len, 1000));
    free(many);
}

/* Sloppy but ordinary markup at scale must still go to gumbo. */
static const struct pattern ordinary[] = {
    {"<ul>", "<li><a href=x>y</a>", "</ul>"},
    {"<ul>", "<li><p>para", "</ul>"},
    {"<body>", "<p>paragraph <b>bold</b> <i>it</i>", "</body>"},
    {"<table>", "<tr><td>a<td><font face=x>b</font>", "</table>"},
    {"<table><tbody>", "<tr><th>a<td>b</tr>", "</tbody></table>"},
    {"<select>", "<option value=%d>x", "</select>"},
    {"<dl>", "<dt>a<dd>b", "</dl>"},
    {"", "<svg viewBox='0 0 1 1'><path d=x/><g><circle r=1/></g><title>t</title></svg>", ""},
    {"", "<div><p>text</div>", ""},
    {"", "<br><img src=x><hr><input><meta><link><wbr>", ""},
    {"", "<script>if (a<b) document.write('<div>');</script><style>a>b{}</style>", ""},
    {"", "<!-- <div> --><![CDATA[<div>]]><?x <div>?>", ""},
    {"", "<a href=1>x</a><a href=2>y", ""},
    {"", "<h1>a<h2>b</h2>", ""},
    {"", "<form><input></form>", ""},
    {"", "<table><tr><td><table><tr><td>x</table></table>", ""},
    {"", "<math><mi>x</mi><mo>+</mo></math>", ""},
    {"", "<textarea><div></textarea><title><div></title>", ""},
    {"<svg>", "<g/>", "</svg>"},               /* self-closed SVG elements nest nothing */
    {"<svg><![CDATA[", "<li><li>", ""},        /* CDATA to the end: no tags at all */
    {"", "<h1><h2>x</h1>", ""},
    {"", "<div class=a><span>x</span ></div\n>", ""}, /* in HTML, "</span >" does close */
    {"<svg>", "<g><path d=x/></g>", "</svg>"},
    {"<math><annotation-xml encoding=text/html>", "<li>x", "</annotation-xml></math>"},
};

static void test_cost_ordinary_markup_accepted(void **state)
{
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++) {
        char *s = repeat(ordinary[i].pre, ordinary[i].rep, 5000, ordinary[i].post, &len);

        if (!cost_ok(s, len, 1000))
            fail_msg("pattern %zu '%s' rejected (estimate %zu)", i, ordinary[i].rep,
                     estimate(s, len));
        free(s);
    }
}

/* The estimate is an upper bound, up to the few elements gumbo adds on its own. */
static void test_cost_estimate_bounds_gumbo(void **state)
{
    const struct pattern *sets[] = {hostile, ordinary};
    const size_t counts[] = {sizeof(hostile) / sizeof(hostile[0]),
                             sizeof(ordinary) / sizeof(ordinary[0])};
    size_t k, i, len, est, depth;

    (void)state;
    for (k = 0; k < 2; k++) {
        for (i = 0; i < counts[k]; i++) {
            char *s = repeat(sets[k][i].pre, sets[k][i].rep, 60, sets[k][i].post, &len);

            est = estimate(s, len);
            depth = gumbo_depth(s, len);
            if (depth > 2 * est + 4)
                fail_msg("pattern '%s': gumbo depth %zu, estimate %zu", sets[k][i].rep, depth,
                         est);
            free(s);
        }
    }
}

/* gumbo 0.10.1 fails an assertion, and aborts, on a CDATA section at an integration point
 * inside a table (fuzzer find); such pages must not reach it. */
static void test_cost_gumbo_assertion_avoided(void **state)
{
    static const char *const pages[] = {
        "<table><math><mi><![CDATA[x]]> ",
        "<table><svg><foreignObject><![CDATA[x]]> ",
        "<table><tr><svg><desc><![CDATA[x]]> ",
        /* ... and on a MathML <select> when it resets the insertion mode (fuzz_html_diff) */
        "<table><math><select><mi><select><table>",
        "<svg><td><foreignObject><select></select>",
        "<math><template><mi><b>",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        assert_false(cost_ok(pages[i], strlen(pages[i]), 1000));
    /* a CDATA section in plain SVG is fine, and so is an HTML <select> beside SVG */
    assert_true(cost_ok("<svg><style><![CDATA[a{}]]></style></svg>", 41, 1000));
    assert_true(cost_ok("<svg><g></g></svg><select><option>x</select>", 44, 1000));
}

static void test_cost_empty_and_tiny(void **state)
{
    (void)state;
    assert_true(cost_ok("", 0, 1));
    assert_true(cost_ok("<div>", 5, 1));
    assert_false(cost_ok("<div><div>", 10, 1));
    assert_true(cost_ok("<div></div><div></div>", 22, 1));
    assert_true(cost_ok("<html><head><body>", 18, 0));
    assert_false(cost_ok("<p>", 3, 0));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_hostile_nesting_rejected),
        cmocka_unit_test(test_cost_attribute_floods_rejected),
        cmocka_unit_test(test_cost_ordinary_markup_accepted),
        cmocka_unit_test(test_cost_estimate_bounds_gumbo),
        cmocka_unit_test(test_cost_gumbo_assertion_avoided),
        cmocka_unit_test(test_cost_empty_and_tiny),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
