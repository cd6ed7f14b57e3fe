/* tests/test_parse_html.c: links, base, title and meta robots from HTML, through gumbo and
 * through the linear scanner. (tests/test_parse_html_diff.c compares the two on corpora.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "parse/html.h"
#include "tests/support/corotest.h"

#define FFFD "\xEF\xBF\xBD"

enum { GUMBO, SCAN, TITLE_ONLY };

static void opts_for(int mode, struct parse_html_opts *o)
{
    parse_html_opts_init(o);
    if (mode == GUMBO)
        o->parser = PARSE_HTML_GUMBO;
    if (mode == TITLE_ONLY)
        o->title_only = true;
}

/* Everything a result promises, whatever the input. */
static void check_result(const struct parse_html_result *r)
{
    size_t i;

    if (r->title) {
        assert_true(core_utf8_is_valid(r->title, strlen(r->title)));
        assert_true(strlen(r->title) <= PARSE_HTML_TITLE_MAX);
        for (i = 0; r->title[i]; i++)
            assert_true((unsigned char)r->title[i] >= 0x20 && r->title[i] != 0x7F);
        if (r->title[0])
            assert_true(r->title[0] != ' ' && r->title[strlen(r->title) - 1] != ' ');
    }
    if (r->base_href)
        assert_true(core_utf8_is_valid(r->base_href, strlen(r->base_href)));
    for (i = 0; i < r->nlinks; i++) {
        assert_non_null(r->links[i].href);
        assert_int_equal(r->links[i].href[r->links[i].len], '\0');
        assert_true(core_utf8_is_valid(r->links[i].href, r->links[i].len));
        assert_true(r->links[i].kind <= PARSE_HTML_LINK_LINK_PREV);
    }
    assert_int_equal(r->truncated_links, r->links_dropped > 0);
}

static void extract_n(const char *body, size_t len, const struct parse_html_opts *o,
                      struct parse_html_result *r)
{
    assert_int_equal(parse_html_extract(body, len, o, r), 0);
    check_result(r);
}

static void extract(const char *body, int mode, struct parse_html_result *r)
{
    struct parse_html_opts o;

    opts_for(mode, &o);
    extract_n(body, strlen(body), &o, r);
    assert_false(r->deep_fallback);
    if (mode == GUMBO) {
        assert_int_equal(r->parser, PARSE_HTML_GUMBO);
        assert_int_equal(r->defer, PARSE_HTML_DEFER_ASKED);
    }
}

static void assert_links(const struct parse_html_result *r, const char *const *want, size_t n)
{
    size_t i;

    if (r->nlinks != n) {
        for (i = 0; i < r->nlinks; i++)
            print_message("  link %zu: %s\n", i, r->links[i].href);
        fail_msg("%zu links, want %zu", r->nlinks, n);
    }
    for (i = 0; i < n; i++)
        assert_string_equal(r->links[i].href, want[i]);
}

#define LINKS(r, ...)                                                                           \
    do {                                                                                        \
        static const char *const want_[] = {__VA_ARGS__};                                      \
        assert_links(r, want_, sizeof(want_) / sizeof(want_[0]));                               \
    } while (0)

static void test_html_every_link_kind_in_document_order(void **state)
{
    static const char page[] =
        "<html><head><link rel=stylesheet href=/css><link rel=\"Next\" href=/next>"
        "<link rel='prev' href=/prev><title>t</title></head><body>"
        "<a href=/a1>one</a><a name=anchor>no href</a><map><area href=/area shape=rect></map>"
        "<iframe src=/frame.html>fallback <a href=/not-a-link></iframe>"
        "<a href=\"\">self</a><p><a HREF=/a2>two</a></body></html>";
    static const char frames[] =
        "<html><frameset cols=\"50%,50%\"><frame src=/left><frame src=/right>"
        "<noframes><a href=/nf>x</a></noframes></frameset></html>";
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract(page, mode, &r);
        LINKS(&r, "/next", "/prev", "/a1", "/area", "/frame.html", "", "/a2");
        assert_int_equal(r.links[0].kind, PARSE_HTML_LINK_LINK_NEXT);
        assert_int_equal(r.links[1].kind, PARSE_HTML_LINK_LINK_PREV);
        assert_int_equal(r.links[2].kind, PARSE_HTML_LINK_A);
        assert_int_equal(r.links[3].kind, PARSE_HTML_LINK_AREA);
        assert_int_equal(r.links[4].kind, PARSE_HTML_LINK_IFRAME);
        assert_int_equal(r.links[5].kind, PARSE_HTML_LINK_A);
        assert_int_equal(r.links[5].len, 0);
        parse_html_result_free(&r);

        extract(frames, mode, &r);
        LINKS(&r, "/left", "/right");
        assert_int_equal(r.links[0].kind, PARSE_HTML_LINK_FRAME);
        parse_html_result_free(&r);
    }
}

static void test_html_hrefs_decoded_and_trimmed(void **state)
{
    static const char page[] =
        "<body><a href=\"/?a=1&amp;b=2&lt;&#38;&#x26;\">1</a>"
        "<a href=' \n /sp ace \t'>2</a>"
        "<a href=/q?x=1&copy=2&amp;y&ampz>3</a>"
        "<a href=\"&eacute;&#xe9;&#233;&#128512;&#0;&#x80;\">4</a>"
        "<a href=\"a\rb\r\nc\">5</a>"
        "<a href=x href=y>6</a>"
        "<a/href=/slash/>7</a>"
        "<a href = \"/spaced\" >8</a></body>";
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract(page, mode, &r);
        LINKS(&r, "/?a=1&b=2<&&", "/sp ace", "/q?x=1&copy=2&y&ampz",
              "\xC3\xA9\xC3\xA9\xC3\xA9\xF0\x9F\x98\x80" FFFD "\xE2\x82\xAC", "a\nb\nc", "x",
              "/slash/", "/spaced");
        parse_html_result_free(&r);
    }
}

static void test_html_base_href(void **state)
{
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract("<head><base target=_top><base href=\" /b/&amp;x \"><base href=/second></head>"
                "<a href=x>",
                mode, &r);
        assert_string_equal(r.base_href, "/b/&x");
        parse_html_result_free(&r);
        extract("<p><a href=x></a></p>", mode, &r);
        assert_null(r.base_href);
        parse_html_result_free(&r);
    }
}

static void test_html_rel_nofollow_skipped_and_counted(void **state)
{
    static const char page[] =
        "<body><a href=/1>1</a><a rel=\"external NoFollow\" href=/2>2</a>"
        "<a rel=nofollow>no href</a><area rel=nofollow href=/3>"
        "<a rel=nofollowing href=/4>4</a><link rel=\"next nofollow\" href=/5></body>";
    struct parse_html_opts o;
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract(page, mode, &r);
        LINKS(&r, "/1", "/4");
        assert_int_equal(r.nofollow_skipped, 3);
        parse_html_result_free(&r);

        opts_for(mode, &o);
        o.follow_nofollow = true;
        extract_n(page, sizeof(page) - 1, &o, &r);
        LINKS(&r, "/1", "/2", "/3", "/4", "/5");
        assert_int_equal(r.nofollow_skipped, 0);
        parse_html_result_free(&r);
    }
}

/* keep_nofollow: the links nofollow would drop come back marked, and still counted. */
static void test_html_keep_nofollow_returns_them_marked(void **state)
{
    static const char page[] =
        "<body><a href=/1>1</a><a rel=\"external NoFollow\" href=/2>2</a></body>";
    static const char meta[] =
        "<head><meta name=robots content=nofollow></head><body><a href=/a>a</a></body>";
    struct parse_html_opts o;
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        opts_for(mode, &o);
        o.keep_nofollow = true;
        extract_n(page, sizeof(page) - 1, &o, &r);
        LINKS(&r, "/1", "/2");
        assert_false(r.links[0].nofollow);
        assert_true(r.links[1].nofollow);
        assert_int_equal(r.nofollow_skipped, 1);
        parse_html_result_free(&r);

        extract_n(meta, sizeof(meta) - 1, &o, &r);
        LINKS(&r, "/a");
        assert_true(r.links[0].nofollow); /* meta robots nofollow marks every link */
        assert_true(r.meta_nofollow);
        parse_html_result_free(&r);

        o.follow_nofollow = true;          /* following them: nothing is marked */
        extract_n(page, sizeof(page) - 1, &o, &r);
        assert_false(r.links[1].nofollow);
        parse_html_result_free(&r);
    }
}

static void test_html_meta_robots(void **state)
{
    static const char nofollow[] =
        "<head><title>T</title><meta name=\"Robots\" content=\"noindex, NOFOLLOW\"></head>"
        "<body><a href=/1>1</a><a rel=nofollow href=/2>2</a></body>";
    static const char none[] = "<meta name=robots content=\" none \"><a href=/1>";
    static const char noindex[] = "<meta name=robots content=noindex,follow><a href=/1>";
    static const char other[] = "<meta name=googlebot content=nofollow><meta content=nofollow>"
                                "<meta name=robots content=nofollowx><a href=/1>";
    static const char late[] = "<body><a href=/1>1</a><meta name=robots content=nofollow></body>";
    struct parse_html_opts o;
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
        extract(nofollow, mode, &r);
        assert_true(r.meta_nofollow);
        assert_true(r.meta_noindex);
        assert_int_equal(r.nlinks, 0);
        assert_false(r.truncated_links);
        assert_string_equal(r.title, "T");
        parse_html_result_free(&r);

        extract(none, mode, &r);
        assert_true(r.meta_nofollow && r.meta_noindex);
        assert_int_equal(r.nlinks, 0);
        parse_html_result_free(&r);

        extract(noindex, mode, &r);
        assert_true(!r.meta_nofollow && r.meta_noindex);
        assert_int_equal(r.nlinks, mode == TITLE_ONLY ? 0 : 1);
        parse_html_result_free(&r);

        extract(other, mode, &r);
        assert_true(!r.meta_nofollow && !r.meta_noindex);
        parse_html_result_free(&r);
        if (mode == TITLE_ONLY)
            break;

        extract(late, mode, &r);
        assert_true(r.meta_nofollow);
        assert_int_equal(r.nlinks, 0);
        parse_html_result_free(&r);

        opts_for(mode, &o);
        o.follow_nofollow = true;
        extract_n(nofollow, sizeof(nofollow) - 1, &o, &r);
        assert_true(r.meta_nofollow);
        LINKS(&r, "/1", "/2");
        parse_html_result_free(&r);
    }
}

struct tcase {
    const char *page;
    const char *want; /* NULL: no title */
};

static const struct tcase title_cases[] = {
    {"<title>Hello</title>", "Hello"},
    {"<title>\n\t  Hello \r\n  World\f </title>", "Hello World"},
    {"<TITLE>a &amp; b &lt;c&gt; &eacute; &#x263A; &nbsp;x</TITLE>",
     "a & b <c> \xC3\xA9 \xE2\x98\xBA \xC2\xA0x"},
    {"<title>a<b>not a tag</b></title>", "a<b>not a tag</b>"},
    {"<title>a\x01" "b\x7F" "c\x0B" "d</title>", "a" FFFD "b" FFFD "c" FFFD "d"},
    {"<title>bad \xFF\xC3 bytes</title>", "bad " FFFD FFFD " bytes"},
    {"<p>no title here</p>", NULL},
    {"", NULL},
    {"<title></title>", ""},
    {"<title>   </title>", ""},
    {"<title>One</title><title>Two</title>", "One"},
    {"<head><title>Head</title></head><body><title>Body</title></body>", "Head"},
    {"<body><p>text</p><title>In body</title></body>", "In body"},
    {"<svg><title>icon</title></svg><p>x</p>", NULL},
    {"<body><svg><title>icon</title></svg><title>Real</title></body>", "Real"},
    {"<title>unterminated", "unterminated"},
    {"<title>x</title ><title>y</title>", "x"},
    {"<!-- <title>no</title> --><title>yes</title>", "yes"},
    {"<script>document.write('<title>no</title>')</script><title>yes</title>", "yes"},
};

static void test_html_titles(void **state)
{
    struct parse_html_result r;
    size_t i;
    int mode;

    (void)state;
    for (i = 0; i < sizeof(title_cases) / sizeof(title_cases[0]); i++) {
        for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
            const char *want = title_cases[i].want;

            extract(title_cases[i].page, mode, &r);
            if (!want ? r.title != NULL : !r.title || strcmp(r.title, want) != 0)
                fail_msg("case %zu mode %d: got '%s', want '%s'", i, mode,
                         r.title ? r.title : "(null)", want ? want : "(null)");
            parse_html_result_free(&r);
        }
    }
}

static void test_html_title_with_nul_bytes(void **state)
{
    static const char page[] = "<title>a\0b</title><a href=\"x\0y\">l</a>";
    struct parse_html_opts o;
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
        opts_for(mode, &o);
        extract_n(page, sizeof(page) - 1, &o, &r);
        assert_string_equal(r.title, "a" FFFD "b");
        if (mode != TITLE_ONLY) {
            assert_int_equal(r.nlinks, 1);
            assert_int_equal(r.links[0].len, 5);
            assert_string_equal(r.links[0].href, "x" FFFD "y");
        }
        parse_html_result_free(&r);
    }
}

static void test_html_long_title_cut_at_character(void **state)
{
    char *page = malloc(8192);
    struct parse_html_result r;
    size_t i, n = 0;
    int mode;

    (void)state;
    n += (size_t)sprintf(page, "<title>x");
    for (i = 0; i < 2000; i++)
        n += (size_t)sprintf(page + n, "\xC3\xA9"); /* é: the cut falls inside one */
    sprintf(page + n, "</title>");
    for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
        extract(page, mode, &r);
        assert_int_equal(strlen(r.title), PARSE_HTML_TITLE_MAX - 1);
        parse_html_result_free(&r);
    }
    free(page);
}

static void test_html_max_links(void **state)
{
    static const char page[] = "<a href=1>1</a><div><a href=2>2</a><a href=3>3</a>"
                               "<a rel=nofollow href=n>n</a><a href=4>4</a></div>";
    struct parse_html_opts o;
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        opts_for(mode, &o);
        o.max_links = 3;
        extract_n(page, sizeof(page) - 1, &o, &r);
        LINKS(&r, "1", "2", "3");
        assert_true(r.truncated_links);
        assert_int_equal(r.links_dropped, 1); /* 4: the nofollow one is skipped, not dropped */
        assert_int_equal(r.nofollow_skipped, 1);
        parse_html_result_free(&r);
        o.max_links = 4;
        extract_n(page, sizeof(page) - 1, &o, &r);
        LINKS(&r, "1", "2", "3", "4");
        assert_false(r.truncated_links);
        parse_html_result_free(&r);
    }
}

/* Real pages have more than ten thousand links (a contents page with 13,961, an "all items"
 * page with 17,942): by default every one comes back; max_links keeps the first ones and
 * counts the rest. */
static void test_html_many_links_all_returned_by_default(void **state)
{
    const size_t n = 20000;
    char *page = malloc(n * 32), want[32];
    struct parse_html_opts o;
    struct parse_html_result r;
    size_t len = 0, i;
    int mode;

    (void)state;
    assert_non_null(page);
    for (i = 0; i < n; i++)
        len += (size_t)sprintf(page + len, "<li><a href=/p%zu>%zu</a>", i, i);
    for (mode = GUMBO; mode <= SCAN; mode++) {
        opts_for(mode, &o);
        extract_n(page, len, &o, &r);
        assert_int_equal(r.parser, mode == GUMBO ? PARSE_HTML_GUMBO : PARSE_HTML_SCANNER);
        assert_int_equal(r.nlinks, n);
        assert_false(r.truncated_links);
        assert_int_equal(r.links_dropped, 0);
        for (i = 0; i < n; i++) {
            sprintf(want, "/p%zu", i);
            assert_string_equal(r.links[i].href, want);
        }
        parse_html_result_free(&r);

        o.max_links = 100;
        extract_n(page, len, &o, &r);
        assert_int_equal(r.nlinks, 100);
        assert_true(r.truncated_links);
        assert_int_equal(r.links_dropped, n - 100);
        assert_string_equal(r.links[99].href, "/p99");
        parse_html_result_free(&r);
    }
    free(page);
}

/* Gumbo's tree does not keep document order (foster parenting moves content out of
 * tables) and repeats <a> elements when it repairs misnesting; the results must not. */
static void test_html_links_in_input_order_once(void **state)
{
    static const char page[] =
        "<table><tr><td><a href=/in-cell>c</a></td></tr><a href=/fostered>f</a></table>"
        "<a href=/outer><div>inside</a>after</div><p><b><a href=/p>x</b>y</a></p>";
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract(page, mode, &r);
        LINKS(&r, "/in-cell", "/fostered", "/outer", "/p");
        parse_html_result_free(&r);
    }
}

static void test_html_markup_that_hides_links(void **state)
{
    static const char page[] =
        "<!-- <a href=/c1> --><!--><a href=/1><!---><a href=/2><!-- --!><a href=/3>"
        "<script>var s = '<a href=/s1>'; if (a<b) x();</script>"
        "<script><!-- document.write('<script></script><a href=/s2>'); --></script>"
        "<style>a[href='<a href=/s3>']{}</style><textarea><a href=/t></textarea>"
        "<xmp><a href=/x></xmp><noscript><a href=/4></noscript>"
        "<template><a href=/t5></template><?php <a href=/p1> ?>"
        "<![CDATA[<a href=/cd>]]><svg><![CDATA[<a href=/cd2>]]><a href=/6></a></svg>"
        "</ a href=/e1><a href=/7></><a href=/8>";
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract(page, mode, &r);
        LINKS(&r, "/1", "/2", "/3", "/4", "/6", "/7", "/8");
        parse_html_result_free(&r);
    }
}

static void test_html_plaintext_ends_markup(void **state)
{
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract("<a href=/1></a><plaintext><a href=/2></plaintext><a href=/3>", mode, &r);
        LINKS(&r, "/1");
        parse_html_result_free(&r);
    }
}

/* What the tree builder decides, both ways: which tags are the document's elements (not a
 * template's contents, not what <select> or a frameset ignores, SVG's <a> but not its
 * <iframe>) and where raw text is. */
static void test_html_tree_builder_rules(void **state)
{
    struct rules {
        const char *page;
        const char *want[4];
        size_t n;
    };
    static const struct rules cases[] = {
        {"<template><a href=/t></template><a href=/1>", {"/1"}, 1},
        {"<select><a href=/s><iframe src=/i><option>x</select><a href=/1>", {"/1"}, 1},
        {"<select><style></select><a href=/1></style>", {"/1"}, 1},
        {"<body><frame src=/f><a href=/1>", {"/1"}, 1},
        {"<frameset><a href=/a><frame src=/f><script></frameset><frame src=/g>", {"/f"}, 1},
        {"<svg><iframe src=/i></iframe><a xlink:href=/x></a><style><a href=/s></style></svg>",
         {"/x", "/s"}, 2},
        {"<svg><foreignObject><style><a href=/raw></style><a href=/fo></foreignObject></svg>",
         {"/fo"}, 1},
        {"<math><a href=/m></a><mi><a href=/mi></mi></math>", {"/mi"}, 1},
        {"<svg><title><a href=/t></a></title></svg><noscript><a href=/n></noscript>",
         {"/t", "/n"}, 2},
    };
    struct parse_html_result r;
    size_t i, k;
    int mode;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (mode = GUMBO; mode <= SCAN; mode++) {
            extract(cases[i].page, mode, &r);
            if (r.nlinks != cases[i].n)
                fail_msg("case %zu mode %d: %zu links, want %zu", i, mode, r.nlinks, cases[i].n);
            for (k = 0; k < r.nlinks; k++)
                assert_string_equal(r.links[k].href, cases[i].want[k]);
            if (mode == SCAN)
                assert_int_equal(r.defer, PARSE_HTML_DEFER_NONE);
            parse_html_result_free(&r);
        }
    }
    /* the base of every link is the first <base href> in tree order; a template's is not */
    for (mode = GUMBO; mode <= SCAN; mode++) {
        extract("<a href=x><template><base href=/t/></template><base href=/b/><base href=/c/>",
                mode, &r);
        assert_string_equal(r.base_href, "/b/");
        parse_html_result_free(&r);
        extract("<svg><title>icon</title></svg><template><title>T</title></template>"
                "<select><title>S</title></select><title>Real</title>", mode, &r);
        assert_string_equal(r.title, "Real");
        parse_html_result_free(&r);
    }
}

/* Ordinary pages: the scanner must find exactly what gumbo finds. */
static const char *const ordinary_pages[] = {
    /* a blog page */
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>My Blog &mdash; Posts about &lt;C&gt;</title>\n"
    "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
    "<link rel=\"next\" href=\"/page/2/\">\n<link rel=\"canonical\" href=\"https://blog.example/\">\n"
    "<script src=\"/js/app.js\"></script>\n"
    "<script>window.x = \"<a href='/nope'>\"; if (1 < 2) { y(); }</script>\n"
    "<style>body { font: 12px/1.4 sans-serif } a > b { }</style>\n</head>\n<body>\n"
    "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/about/\">About</a></li>"
    "<li><a href=\"/archive/?y=2024&amp;m=05\">Archive</a></li></ul></nav>\n"
    "<main><article><h2><a href=\"/2024/05/hello-world/\" title=\"Hello\">Hello, world</a></h2>"
    "<p>Text with <a href=\"https://example.org/x?a=1&amp;b=2#frag\">a link</a> and "
    "<a href=\"mailto:me@example.org\">mail</a>.</p>"
    "<p><img src=\"/img/a.png\" alt=\"\"><br><a rel=\"nofollow\" href=\"/ad\">ad</a></p>"
    "</article></main>\n<footer><p>&copy; 2024 &middot; <a href=\"/rss.xml\">RSS</a></p></footer>\n"
    "</body>\n</html>\n",
    /* a 1990s table layout, sloppy */
    "<HTML><HEAD><TITLE>Old  Site\n Home</TITLE><BASE HREF=\"http://old.example/dir/\"></HEAD>"
    "<BODY BGCOLOR=#ffffff><CENTER><TABLE WIDTH=600><TR><TD><FONT FACE=Arial SIZE=2>"
    "<A HREF=index.html>Home</A> | <A HREF='links.html'>Links</A><TD><IMG SRC=logo.gif>"
    "<TR><TD COLSPAN=2><P>Welcome!<P>See <A HREF=new.html>what's new</A>"
    "<MAP NAME=m><AREA SHAPE=rect COORDS=0,0,10,10 HREF=map1.html><AREA HREF=\"map2.html\"></MAP>"
    "</TABLE></CENTER><HR><ADDRESS><A HREF=mailto:webmaster@old.example>mail</A></ADDRESS>"
    "</BODY></HTML>",
    /* inline SVG icons and MathML */
    "<html><head><title>Icons</title></head><body>"
    "<a href=/home><svg viewBox=\"0 0 10 10\"><title>home icon</title><path d=\"M0 0\"/>"
    "<use xlink:href=\"#i\"/></svg>Home</a>"
    "<svg><a href=\"/svg-link\"><circle r=1 /></a><foreignObject><div><a href=/fo>fo</a>"
    "</div></foreignObject><style>.a{fill:red}</style></svg>"
    "<math><mi>x</mi><mo>=</mo></math><p><a href=/after>after</a></p>"
    "<svg><a class=link xlink:href=\"/xlink\"><text>t</text></a></svg><a xlink:href=/html>h</a>"
    "</body></html>",
    /* forms, selects, buttons */
    "<html><head><title>Search</title></head><body><form action=/search method=get>"
    "<select name=c><option value=1>One<option value=2 selected>Two<optgroup label=g>"
    "<option>Three</select><input name=q><button type=submit>Go</button></form>"
    "<dl><dt>Term<dd><a href=/def>definition</a><dt>Other<dd>x</dl>"
    "<ol><li><a href=/1>1</a><li><a href=/2>2</a></ol>"
    "<iframe src=\"https://video.example/embed/1\" width=1></iframe>"
    "<textarea name=t>&lt;a href=/no&gt;</textarea></body></html>",
    /* uppercase, odd quoting, entities, comments, conditional comments */
    "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
    "<html><head><!--[if IE]><link rel=next href=/ie><![endif]--><title>T&eacute;st</title>"
    "<meta name=\"robots\" content=\"index,follow\"></head><body>"
    "<a href='/single'>s</a><a href=/un?a=b&c=d>u</a><A HREF=\"/UPPER\">U</A>"
    "<a href=\"/x&quot;y\">q</a><a\nhref\n=\n\"/newlines\"\n>n</a>"
    "<a href=\"/\xE4\xB8\xAD\xE6\x96\x87\">utf8</a><a href=\"/%E4%B8%AD\">pct</a>"
    "<p>un<b>closed <i>formatting</b> tags</i><a href=/last>last</a></body></html>",
    /* a document without html/head/body tags */
    "<title>Bare</title><p>Paragraph <a href=a.html>a</a><p>Another <a href=b.html>b</a>"
    "<ul><li><a href=c.html>c</a><li><a href=d.html>d</a></ul>",
};

static void assert_same(const struct parse_html_result *a, const struct parse_html_result *b)
{
    size_t i;

    assert_true((a->title == NULL) == (b->title == NULL));
    if (a->title)
        assert_string_equal(a->title, b->title);
    assert_true((a->base_href == NULL) == (b->base_href == NULL));
    if (a->base_href)
        assert_string_equal(a->base_href, b->base_href);
    assert_int_equal(a->meta_nofollow, b->meta_nofollow);
    assert_int_equal(a->meta_noindex, b->meta_noindex);
    assert_int_equal(a->nofollow_skipped, b->nofollow_skipped);
    assert_int_equal(a->truncated_links, b->truncated_links);
    if (a->nlinks != b->nlinks) {
        for (i = 0; i < a->nlinks || i < b->nlinks; i++)
            print_message("  %-30s %s\n", i < a->nlinks ? a->links[i].href : "",
                          i < b->nlinks ? b->links[i].href : "");
        fail_msg("%zu links vs %zu", a->nlinks, b->nlinks);
    }
    for (i = 0; i < a->nlinks; i++) {
        assert_string_equal(a->links[i].href, b->links[i].href);
        assert_int_equal(a->links[i].len, b->links[i].len);
        assert_int_equal(a->links[i].kind, b->links[i].kind);
    }
}

static void test_html_scanner_agrees_with_gumbo(void **state)
{
    struct parse_html_result g, s, t;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ordinary_pages) / sizeof(ordinary_pages[0]); i++) {
        extract(ordinary_pages[i], GUMBO, &g);
        extract(ordinary_pages[i], SCAN, &s);
        extract(ordinary_pages[i], TITLE_ONLY, &t);
        assert_int_equal(s.parser, PARSE_HTML_SCANNER);
        assert_int_equal(s.defer, PARSE_HTML_DEFER_NONE);
        assert_true(g.nlinks >= 2);
        if (i == 2)
            assert_string_equal(g.links[g.nlinks - 1].href, "/xlink");
        assert_non_null(g.title);
        assert_same(&g, &s);
        assert_string_equal(g.title, t.title);
        assert_int_equal(t.nlinks, 0);
        parse_html_result_free(&g);
        parse_html_result_free(&s);
        parse_html_result_free(&t);
    }
}

/* The scanner keeps no HTML elements, so nesting costs it nothing; gumbo, asked for, would
 * take minutes, and the cost check sends the page to the scanner instead. */
static void test_html_deep_nesting_uses_scanner(void **state)
{
    const size_t depth = 100000;
    static const char link[] = "<title>Deep</title><a href=\"/deep\">x</a>";
    size_t n = depth * 11 + sizeof(link);
    char *page = malloc(n), *p = page;
    struct parse_html_opts o;
    struct parse_html_result r;
    size_t i;

    (void)state;
    for (i = 0; i < depth; i++, p += 5)
        memcpy(p, "<div>", 5);
    memcpy(p, link, sizeof(link) - 1);
    p += sizeof(link) - 1;
    for (i = 0; i < depth; i++, p += 6)
        memcpy(p, "</div>", 6);
    extract_n(page, (size_t)(p - page), NULL, &r);
    assert_false(r.deep_fallback);
    assert_int_equal(r.parser, PARSE_HTML_SCANNER);
    LINKS(&r, "/deep");
    assert_string_equal(r.title, "Deep");
    parse_html_result_free(&r);
    opts_for(GUMBO, &o);
    extract_n(page, (size_t)(p - page), &o, &r);
    assert_true(r.deep_fallback);
    assert_int_equal(r.parser, PARSE_HTML_SCANNER);
    assert_int_equal(r.defer, PARSE_HTML_DEFER_ASKED);
    LINKS(&r, "/deep");
    parse_html_result_free(&r);
    free(page);
}

static void test_html_title_only(void **state)
{
    static const char page[] =
        "<html><head><meta name=robots content=noindex><title> Only\n this </title>"
        "<link rel=next href=/n></head><body><a href=/a>a</a><title>late</title></body></html>";
    struct parse_html_result r;

    (void)state;
    extract(page, TITLE_ONLY, &r);
    assert_string_equal(r.title, "Only this");
    assert_true(r.meta_noindex);
    assert_int_equal(r.nlinks, 0);
    assert_null(r.base_href);
    assert_false(r.deep_fallback);
    parse_html_result_free(&r);
    /* a title in the body is still found */
    extract("<p>intro</p><a href=/a>a</a><title>In body</title>", TITLE_ONLY, &r);
    assert_string_equal(r.title, "In body");
    parse_html_result_free(&r);
}

static void test_html_empty_input(void **state)
{
    struct parse_html_opts o;
    struct parse_html_result r;
    int mode;

    (void)state;
    for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
        opts_for(mode, &o);
        extract_n(NULL, 0, &o, &r);
        assert_null(r.title);
        assert_int_equal(r.nlinks, 0);
        parse_html_result_free(&r);
        extract_n("", 0, &o, &r);
        assert_null(r.title);
        parse_html_result_free(&r);
    }
    parse_html_result_free(NULL);
}

static const char sample[] =
    "<!DOCTYPE html><html><head><title>Sample &amp; \xC3\xA9</title>"
    "<base href=/b/><meta name=robots content=noindex></head><body>"
    "<!-- c --><div class=\"a\"><a href=\"/one?x=1&amp;y=2\">one</a>"
    "<a href='/two'>two</a><table><tr><td><a href=/three>3</a></table>"
    "<script>if (a < b) {}</script><svg><path d=''/></svg><area href=/four>"
    "<iframe src=/five></iframe><link rel=next href=/six></div></body></html>";

static void test_html_every_prefix(void **state)
{
    struct parse_html_opts o;
    struct parse_html_result r;
    size_t n;
    int mode;

    (void)state;
    for (n = 0; n <= sizeof(sample) - 1; n++) {
        for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
            opts_for(mode, &o);
            extract_n(sample, n, &o, &r);
            parse_html_result_free(&r);
        }
    }
    /* and the whole page, both ways */
    extract(sample, GUMBO, &r);
    LINKS(&r, "/one?x=1&y=2", "/two", "/three", "/four", "/five", "/six");
    parse_html_result_free(&r);
}

static void test_html_malformed(void **state)
{
    static const char *const pages[] = {
        "<<<>>><a href=x<b>y</a>",
        "<a href='unterminated",
        "<a href=\"x\" <b>",
        "</a></b></c></html></body>",
        "<div><span><p><table><tr><td><ul><li>unclosed",
        "<html><html><body><body><head><title>t</title>",
        "<a href=/1><a href=/2><a href=/3>",
        "<table><a href=/t>x</a><tr>y<td>z</table>",
        "<select><a href=/s></a><option>x</select>",
        "<frameset><a href=/f></frameset>",
        "<svg><p><a href=/x></svg></math></svg>",
        "<math><annotation-xml encoding=text/html><a href=/m></math>",
        "<!DOCTYPE><!----><!---><!--><!><?><? x <a href=/q>",
        "<a href=\"&#xFFFFFFFF;&#99999999999;&#xD800;&#;&#x;&;&unknown;&amp\">",
        "<title><title></title></title>",
        "<a \x01\x02=\x03 href=/ctl>",
        "<a\0href=/nul>",
        "\xEF\xBB\xBF<a href=/bom>",
        "<script>",
        "<script><!--<script>",
        "<style>",
        "<!--",
        "<![CDATA[",
        "<svg><![CDATA[",
        "<a href=\"\xED\xA0\x80\">",
        "<iframe src=/i>",
        "<p><b id=1></p><p><b id=2></p><p>text</p>",
        /* gumbo 0.10.1 leaks a DOCTYPE's strings here (found by fuzz_html_cost) */
        "<noscript><!DOCTYPE html>>/><DATA[>",
        "<head><noscript><!DOCTYPE a PUBLIC \"b\" \"c\"><!DOCTYPE d>",
        /* gumbo 0.10.1 aborts on this (an assertion); it must not be given it */
        "<table><math><mi><![CDATA[<]]> ",
        "<svg><title><![CDATA[><!--]]><a href=/x>",
        "<table><math><select><mi><select><table>", /* and on this (fuzz_html_diff) */
    };
    struct parse_html_result r;
    size_t i;
    int mode;

    (void)state;
    for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
            struct parse_html_opts o;

            opts_for(mode, &o);
            extract_n(pages[i], strlen(pages[i]), &o, &r);
            parse_html_result_free(&r);
        }
}

static void test_html_binary_garbage(void **state)
{
    struct parse_html_opts o;
    struct parse_html_result r;
    char *buf = malloc(65536);
    unsigned long x = 12345;
    size_t i, round;
    int mode;

    (void)state;
    for (i = 0; i < 65536; i++)
        buf[i] = (char)(i & 0xFF);
    for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
        opts_for(mode, &o);
        extract_n(buf, 65536, &o, &r);
        parse_html_result_free(&r);
    }
    /* random bytes, and random bytes rich in markup characters */
    for (round = 0; round < 40; round++) {
        size_t n = 1 + (round * 1637) % 8192;

        for (i = 0; i < n; i++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            buf[i] = round % 2 ? "<>/=\"' a!-?&#;x\0\n"[(x >> 33) % 18] : (char)(x >> 56);
        }
        for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
            opts_for(mode, &o);
            extract_n(buf, n, &o, &r);
            parse_html_result_free(&r);
        }
    }
    free(buf);
}

static void test_html_out_of_memory(void **state)
{
    struct parse_html_opts o;
    struct parse_html_result r;
    long n;
    int mode, rc;

    (void)state;
    for (mode = GUMBO; mode <= TITLE_ONLY; mode++) {
        opts_for(mode, &o);
        for (n = 0;; n++) {
            core_mem_fail_after(n);
            rc = parse_html_extract(sample, sizeof(sample) - 1, &o, &r);
            core_mem_fail_after(-1);
            if (rc == 0)
                break;
            assert_int_equal(rc, -ENOMEM);
        }
        assert_true(n > 0);
        parse_html_result_free(&r);
    }
}

static void test_html_result_fields_can_be_taken(void **state)
{
    struct parse_html_result r;
    char *title, *base;

    (void)state;
    extract("<title>T</title><base href=/b>", GUMBO, &r);
    title = r.title;
    base = r.base_href;
    r.title = NULL;
    r.base_href = NULL;
    parse_html_result_free(&r);
    assert_string_equal(title, "T");
    assert_string_equal(base, "/b");
    core_free(title);
    core_free(base);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_every_link_kind_in_document_order),
        cmocka_unit_test(test_html_hrefs_decoded_and_trimmed),
        cmocka_unit_test(test_html_base_href),
        cmocka_unit_test(test_html_keep_nofollow_returns_them_marked),
        cmocka_unit_test(test_html_rel_nofollow_skipped_and_counted),
        cmocka_unit_test(test_html_meta_robots),
        cmocka_unit_test(test_html_titles),
        cmocka_unit_test(test_html_title_with_nul_bytes),
        cmocka_unit_test(test_html_long_title_cut_at_character),
        cmocka_unit_test(test_html_max_links),
        cmocka_unit_test(test_html_many_links_all_returned_by_default),
        cmocka_unit_test(test_html_links_in_input_order_once),
        cmocka_unit_test(test_html_markup_that_hides_links),
        cmocka_unit_test(test_html_tree_builder_rules),
        cmocka_unit_test(test_html_plaintext_ends_markup),
        cmocka_unit_test(test_html_scanner_agrees_with_gumbo),
        cmocka_unit_test(test_html_deep_nesting_uses_scanner),
        cmocka_unit_test(test_html_title_only),
        cmocka_unit_test(test_html_empty_input),
        cmocka_unit_test(test_html_every_prefix),
        cmocka_unit_test(test_html_malformed),
        cmocka_unit_test(test_html_binary_garbage),
        cmocka_unit_test(test_html_out_of_memory),
        cmocka_unit_test(test_html_result_fields_can_be_taken),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
