/* tests/test_app_page.c: what the crawler does to a fetched page off the loop: title and links,
 * links resolved against the page URL and <base href> and normalised, links not followed
 * reported with their reason (scheme, too_long, nofollow, malformed), links_found, title_only,
 * charset conversion (windows-1252, Shift_JIS, from the header, a meta tag or the default),
 * input that is not HTML, the deep-nesting fallback, and releasing the output (ASan checks),
 * out of memory included. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/crawl/page.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "parse/html.h"
#include "parse/url.h"
#include "tests/support/corotest.h"

#define FFFD "\xEF\xBF\xBD"
#define PAGE "http://example.com/dir/page.html"

/* Defaults for a page: HTML in UTF-8 at PAGE, links wanted, nofollow obeyed, 2048-byte URLs. */
static struct page_input input(const char *body)
{
    struct page_input in;

    memset(&in, 0, sizeof(in));
    in.body = body;
    in.len = strlen(body);
    in.content_type = "text/html; charset=utf-8";
    in.url = PAGE;
    in.max_url_len = 2048;
    return in;
}

/* Everything an output promises, whatever the page: links are NUL-terminated normalised URLs
 * (normalising again changes nothing) and nlinks counts them; skipped holds nskipped entries of
 * a reason byte, a URL and a NUL; each link found was either kept or skipped. */
static void check_output(const struct page_input *in, const struct page_output *o)
{
    struct core_buf again;
    size_t off, n;

    assert_int_equal(o->err, 0);
    if (o->title)
        assert_true(core_utf8_is_valid(o->title, strlen(o->title)));
    core_buf_init(&again, 1 << 20);
    for (off = 0, n = 0; off < o->links.len; n++) {
        const char *l = o->links.data + off;
        const size_t len = strlen(l);

        assert_true(off + len < o->links.len);            /* NUL-terminated inside the buffer */
        assert_true(len > 0 && len <= in->max_url_len);
        assert_int_equal(parse_url_normalize(l, len, &again), 0);
        assert_string_equal(again.data, l);
        off += len + 1;
    }
    assert_int_equal(n, o->nlinks);
    for (off = 0, n = 0; off < o->skipped.len; n++) {
        const char *e = o->skipped.data + off;

        assert_true((unsigned char)e[0] <= PAGE_SKIP_NOFOLLOW);
        assert_true(off + 1 + strlen(e + 1) < o->skipped.len);
        off += strlen(e + 1) + 2;
    }
    assert_int_equal(n, o->nskipped);
    if (!in->title_only)
        assert_int_equal(o->links_found, o->nlinks + o->nskipped + o->links_dropped);
    core_buf_free(&again);
}

static void analyze(const struct page_input *in, struct page_output *o)
{
    page_output_init(o);
    assert_int_equal(page_analyze(in, o), 0);
    check_output(in, o);
}

/* The i-th link, or NULL. */
static const char *link_at(const struct page_output *o, size_t i)
{
    size_t off = 0;

    for (; off < o->links.len; i--) {
        if (i == 0)
            return o->links.data + off;
        off += strlen(o->links.data + off) + 1;
    }
    return NULL;
}

static void assert_links(const struct page_output *o, const char *const *want, size_t n)
{
    size_t i;

    if (o->nlinks != n) {
        for (i = 0; i < o->nlinks; i++)
            print_message("  link %zu: %s\n", i, link_at(o, i));
        fail_msg("%zu links, want %zu", o->nlinks, n);
    }
    for (i = 0; i < n; i++)
        if (strcmp(link_at(o, i), want[i]) != 0)
            fail_msg("link %zu is %s, want %s", i, link_at(o, i), want[i]);
}

#define LINKS(o, ...)                                                                           \
    do {                                                                                        \
        static const char *const want_[] = {__VA_ARGS__};                                      \
        assert_links(o, want_, sizeof(want_) / sizeof(want_[0]));                               \
    } while (0)

struct skip {
    enum page_skip why;
    const char *url;
};

static void assert_skips(const struct page_output *o, const struct skip *want, size_t n)
{
    size_t off = 0, i;

    if (o->nskipped != n) {
        for (off = 0; off < o->skipped.len; off += strlen(o->skipped.data + off + 1) + 2)
            print_message("  skipped %d: %s\n", o->skipped.data[off], o->skipped.data + off + 1);
        fail_msg("%zu skipped, want %zu", o->nskipped, n);
    }
    for (i = 0; i < n; i++) {
        const char *e = o->skipped.data + off;

        if ((unsigned char)e[0] != want[i].why || strcmp(e + 1, want[i].url) != 0)
            fail_msg("skipped %zu is %d %s, want %d %s", i, e[0], e + 1, want[i].why,
                     want[i].url);
        off += strlen(e + 1) + 2;
    }
}

#define SKIPS(o, ...)                                                                           \
    do {                                                                                        \
        static const struct skip want_[] = {__VA_ARGS__};                                      \
        assert_skips(o, want_, sizeof(want_) / sizeof(want_[0]));                               \
    } while (0)

/* ---- title and links ------------------------------------------------------------------------ */

static void test_page_title_and_links(void **state)
{
    static const char body[] =
        "<!doctype html><html><head><title>  Hello \n  World </title></head><body>"
        "<p><a href=\"/a\">a</a> and <a href='http://example.com/b'>b</a></p>"
        "<a href=/a>a again</a></body></html>";
    const struct page_input in = input(body);
    struct page_output o;

    (void)state;
    analyze(&in, &o);
    assert_string_equal(o.title, "Hello World");
    /* in document order, not deduplicated */
    LINKS(&o, "http://example.com/a", "http://example.com/b", "http://example.com/a");
    assert_int_equal(o.links_found, 3);
    assert_int_equal(o.nskipped, 0);
    assert_int_equal(o.skipped.len, 0);
    assert_false(o.meta_nofollow);
    assert_false(o.deep_fallback);
    assert_string_equal(o.charset, "utf-8");
    page_output_free(&o);

    /* no <title>: NULL; an empty one: "" */
    {
        const struct page_input none = input("<p>no title</p>");
        const struct page_input empty = input("<title></title>");

        analyze(&none, &o);
        assert_null(o.title);
        assert_int_equal(o.nlinks, 0);
        assert_int_equal(o.links_found, 0);
        page_output_free(&o);
        analyze(&empty, &o);
        assert_non_null(o.title);
        assert_string_equal(o.title, "");
        page_output_free(&o);
    }
}

static void test_page_relative_links_resolved(void **state)
{
    static const struct {
        const char *href;
        const char *want;
    } cases[] = {
        {"/abs", "http://example.com/abs"},
        {"rel", "http://example.com/dir/rel"},
        {"./rel2", "http://example.com/dir/rel2"},
        {"../up", "http://example.com/up"},
        {"../../../over", "http://example.com/over"},
        {"sub/", "http://example.com/dir/sub/"},
        {"?q=2", "http://example.com/dir/page.html?q=2"},
        {"#frag", "http://example.com/dir/page.html?x=1"},
        {"", "http://example.com/dir/page.html?x=1"},
        {"//cdn.example.com/s", "http://cdn.example.com/s"},
        {"https://other.example/p", "https://other.example/p"},
        {"a b", "http://example.com/dir/a%20b"},
        {"q?x=1&amp;y=2", "http://example.com/dir/q?x=1&y=2"},
        {"  /trimmed  ", "http://example.com/trimmed"},
    };
    struct page_input in;
    struct page_output o;
    struct core_buf body;
    size_t i;

    (void)state;
    core_buf_init(&body, 1 << 20);
    assert_int_equal(core_buf_puts(&body, "<title>t</title>"), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(core_buf_printf(&body, "<a href=\"%s\">%zu</a>", cases[i].href, i), 0);
    in = input(body.data);
    in.url = PAGE "?x=1";
    analyze(&in, &o);
    assert_int_equal(o.nlinks, sizeof(cases) / sizeof(cases[0]));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(link_at(&o, i), cases[i].want) != 0)
            fail_msg("href \"%s\" gave %s, want %s", cases[i].href, link_at(&o, i), cases[i].want);
    page_output_free(&o);
    core_buf_free(&body);
}

static void test_page_base_href(void **state)
{
    static const struct {
        const char *head;
        const char *want;   /* what <a href="rel/x"> becomes */
    } cases[] = {
        {"<base href=\"http://base.example/sub/\">", "http://base.example/sub/rel/x"},
        {"<base href=\"https://base.example/a/b.html\">", "https://base.example/a/rel/x"},
        {"<base href=\"/other/\">", "http://example.com/other/rel/x"},   /* against the page */
        {"<base href=\"../\">", "http://example.com/rel/x"},
        {"<base href=\"//cdn.example/c/\">", "http://cdn.example/c/rel/x"},
        {"<base href=\"HTTP://BASE.EXAMPLE:80/./s/../t/\">", "http://base.example/t/rel/x"},
        {"<base target=_blank>", "http://example.com/dir/rel/x"},        /* no href */
        /* first one wins */
        {"<base href=\"http://one.example/\"><base href=\"http://two.example/\">",
         "http://one.example/rel/x"},
        /* a base that is no http(s) URL is ignored: the page URL is the base */
        {"<base href=\"javascript:void(0)\">", "http://example.com/dir/rel/x"},
        {"<base href=\"http://[::1/\">", "http://example.com/dir/rel/x"},
        {"<base href=\"ftp://files.example/\">", "http://example.com/dir/rel/x"},
    };
    struct page_output o;
    char body[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct page_input in;

        snprintf(body, sizeof(body),
                 "<html><head>%s</head><body><a href=\"rel/x\">r</a>"
                 "<a href=\"http://abs.example/\">a</a></body></html>", cases[i].head);
        in = input(body);
        analyze(&in, &o);
        if (o.nlinks != 2 || strcmp(link_at(&o, 0), cases[i].want) != 0)
            fail_msg("%s: got %s, want %s", cases[i].head, o.nlinks ? link_at(&o, 0) : "nothing",
                     cases[i].want);
        assert_string_equal(link_at(&o, 1), "http://abs.example/");  /* absolute: no base */
        page_output_free(&o);
    }
}

static void test_page_links_normalised(void **state)
{
    static const struct {
        const char *href;
        const char *want;
    } cases[] = {
        {"HTTP://EXAMPLE.COM/Path", "http://example.com/Path"},
        {"http://Example.Com:80/a", "http://example.com/a"},
        {"https://example.com:443/", "https://example.com/"},
        {"http://example.com:8080/", "http://example.com:8080/"},
        {"http://example.com:0080/", "http://example.com/"},
        {"http://example.com", "http://example.com/"},
        {"http://example.com/a/./b/../c", "http://example.com/a/c"},
        {"http://example.com/a/%2e%2E/b", "http://example.com/b"},
        {"http://example.com/%7Euser/%3f", "http://example.com/~user/%3F"},
        {"http://user:secret@example.com/private", "http://example.com/private"},
        {"http://example.com/p?b=2&a=1#top", "http://example.com/p?b=2&a=1"},
        {"http://example.com/caf\xC3\xA9", "http://example.com/caf%C3%A9"},
        {"http://0x7f.1/", "http://127.0.0.1/"},
    };
    struct page_input in;
    struct page_output o;
    struct core_buf body;
    size_t i;

    (void)state;
    core_buf_init(&body, 1 << 20);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(core_buf_printf(&body, "<a href=\"%s\">%zu</a>", cases[i].href, i), 0);
    in = input(body.data);
    analyze(&in, &o);
    assert_int_equal(o.nlinks, sizeof(cases) / sizeof(cases[0]));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(link_at(&o, i), cases[i].want) != 0)
            fail_msg("href \"%s\" gave %s, want %s", cases[i].href, link_at(&o, i), cases[i].want);
    page_output_free(&o);
    core_buf_free(&body);
}

/* ---- links not followed --------------------------------------------------------------------- */

static void test_page_skipped_links_have_reasons(void **state)
{
    static const char body[] =
        "<title>skips</title>"
        "<a href=\"/ok1\">ok</a>"
        "<a href=\"mailto:someone@example.com\">mail</a>"
        "<a href=\"javascript:void(0)\">js</a>"
        "<a href=\"ftp://ftp.example.com/file\">ftp</a>"
        "<a href=\"data:text/html,hi\">data</a>"
        "<a href=\"http://1.2.3.256/\">bad ip</a>"
        "<a href=\"http://example.com:99999/\">bad port</a>"
        "<a href=\"http://[::1/\">bad v6</a>"
        "<a rel=\"nofollow\" href=\"nf\">nofollow</a>"
        "<a href=\"/ok2\">ok</a>";
    struct page_input in = input(body);
    struct page_output o;

    (void)state;
    analyze(&in, &o);
    LINKS(&o, "http://example.com/ok1", "http://example.com/ok2");
    /* in document order; scheme and malformed give the href as written, nofollow the URL that
     * would have been fetched */
    SKIPS(&o, {PAGE_SKIP_SCHEME, "mailto:someone@example.com"},
          {PAGE_SKIP_SCHEME, "javascript:void(0)"},
          {PAGE_SKIP_SCHEME, "ftp://ftp.example.com/file"},
          {PAGE_SKIP_SCHEME, "data:text/html,hi"},
          {PAGE_SKIP_MALFORMED, "http://1.2.3.256/"},
          {PAGE_SKIP_MALFORMED, "http://example.com:99999/"},
          {PAGE_SKIP_MALFORMED, "http://[::1/"},
          {PAGE_SKIP_NOFOLLOW, "http://example.com/dir/nf"});
    assert_int_equal(o.links_found, 10);
    page_output_free(&o);
}

static void test_page_too_long_past_max_url_len(void **state)
{
    struct page_input in;
    struct page_output o;
    char body[2048], at[64], over[64], huge[400];

    (void)state;
    /* "http://example.com/" is 19 bytes: 45 more make 64 */
    memset(at, 'a', 45);
    at[45] = '\0';
    memset(over, 'b', 46);
    over[46] = '\0';
    memset(huge, 'c', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    snprintf(body, sizeof(body), "<a href=\"/%s\">at</a><a href=\"/%s\">over</a>"
                                 "<a href=\"/%s\">huge</a>", at, over, huge);
    in = input(body);
    in.max_url_len = 64;
    analyze(&in, &o);
    assert_int_equal(o.nlinks, 1);
    assert_int_equal(strlen(link_at(&o, 0)), 64);
    assert_int_equal(o.nskipped, 2);
    assert_int_equal(o.links_found, 3);
    {
        const char *e1 = o.skipped.data, *e2 = e1 + strlen(e1 + 1) + 2;

        assert_int_equal(e1[0], PAGE_SKIP_TOO_LONG);
        assert_true(strncmp(e1 + 1, "/b", 2) == 0);       /* the href (or its start) */
        assert_true(strncmp(e1 + 1, "/", 1) == 0 && strspn(e1 + 2, "b") == strlen(e1 + 2));
        assert_int_equal(e2[0], PAGE_SKIP_TOO_LONG);
        assert_true(strlen(e2 + 1) <= strlen(huge) + 1);
        assert_true(strspn(e2 + 2, "c") == strlen(e2 + 2) && strlen(e2 + 2) > 0);
    }
    page_output_free(&o);

    /* with room, all three are followed */
    in.max_url_len = 2048;
    analyze(&in, &o);
    assert_int_equal(o.nlinks, 3);
    assert_int_equal(o.nskipped, 0);
    page_output_free(&o);
}

static void test_page_nofollow_unless_follow_nofollow(void **state)
{
    static const char rel[] =
        "<a href=/a>a</a><a rel=\"external NoFollow\" href=/b>b</a>"
        "<area rel=nofollow href=/c><a rel=nofollowing href=/d>d</a>";
    static const char meta[] =
        "<head><meta name=\"robots\" content=\"index, nofollow\"><title>m</title></head>"
        "<body><a href=/a>a</a><a href=\"mailto:x@example.com\">m</a><a href=/b>b</a></body>";
    static const char none[] =
        "<head><meta name=robots content=none></head><body><a href=/a>a</a></body>";
    static const char noindex[] =
        "<head><meta name=robots content=noindex></head><body><a href=/a>a</a></body>";
    struct page_input in;
    struct page_output o;

    (void)state;
    /* rel=nofollow (a token, any case) */
    in = input(rel);
    analyze(&in, &o);
    LINKS(&o, "http://example.com/a", "http://example.com/d");
    SKIPS(&o, {PAGE_SKIP_NOFOLLOW, "http://example.com/b"},
          {PAGE_SKIP_NOFOLLOW, "http://example.com/c"});
    assert_false(o.meta_nofollow);
    page_output_free(&o);
    in.follow_nofollow = true;
    analyze(&in, &o);
    LINKS(&o, "http://example.com/a", "http://example.com/b", "http://example.com/c",
          "http://example.com/d");
    assert_int_equal(o.nskipped, 0);
    page_output_free(&o);

    /* meta robots nofollow: every link is one not to follow, and still counted */
    in = input(meta);
    analyze(&in, &o);
    assert_true(o.meta_nofollow);
    assert_int_equal(o.nlinks, 0);
    assert_int_equal(o.links.len, 0);
    assert_int_equal(o.links_found, 3);
    assert_int_equal(o.nskipped, 3);
    assert_string_equal(o.title, "m");
    {
        const char *e = o.skipped.data;

        assert_int_equal(e[0], PAGE_SKIP_NOFOLLOW);
        assert_string_equal(e + 1, "http://example.com/a");
        e += strlen(e + 1) + 2;
        e += strlen(e + 1) + 2;                           /* the mailto: link, whatever reason */
        assert_int_equal(e[0], PAGE_SKIP_NOFOLLOW);
        assert_string_equal(e + 1, "http://example.com/b");
    }
    page_output_free(&o);
    in.follow_nofollow = true;
    analyze(&in, &o);
    LINKS(&o, "http://example.com/a", "http://example.com/b");
    SKIPS(&o, {PAGE_SKIP_SCHEME, "mailto:x@example.com"});
    page_output_free(&o);

    /* "none" means nofollow too; "noindex" alone does not */
    in = input(none);
    analyze(&in, &o);
    assert_true(o.meta_nofollow);
    assert_int_equal(o.nlinks, 0);
    SKIPS(&o, {PAGE_SKIP_NOFOLLOW, "http://example.com/a"});
    page_output_free(&o);
    in = input(noindex);
    analyze(&in, &o);
    assert_false(o.meta_nofollow);
    LINKS(&o, "http://example.com/a");
    page_output_free(&o);
}

static void test_page_links_found_counts_every_link(void **state)
{
    static const char body[] =
        "<link rel=next href=/next><link rel=stylesheet href=/css>"
        "<a href=/1>1</a><a href=/1>1 again</a><a href=mailto:a@b.example>m</a>"
        "<a rel=nofollow href=/nf>nf</a><area href=/area><iframe src=/frame></iframe>"
        "<a href=\"http://h:0x/\">bad</a><a name=no-href>x</a>";
    struct page_input in = input(body);
    struct page_output o;

    (void)state;
    analyze(&in, &o);
    /* next, 1, 1, mailto, nofollow, area, iframe, bad: not the stylesheet, not the anchor */
    assert_int_equal(o.links_found, 8);
    assert_int_equal(o.nlinks, 5);
    assert_int_equal(o.nskipped, 3);
    page_output_free(&o);
}

/* max_links keeps the first links (followed or skipped) and counts the rest as dropped;
 * links_found is still every link on the page. */
static void test_page_max_links_drops_and_counts_the_rest(void **state)
{
    static const char body[] =
        "<a href=/1>1</a><a href=mailto:a@b.example>m</a><a href=/2>2</a><a href=/3>3</a>"
        "<a href=javascript:x()>j</a>";
    struct page_input in = input(body);
    struct page_output o;

    (void)state;
    analyze(&in, &o);          /* the default keeps them all */
    assert_int_equal(o.links_found, 5);
    assert_int_equal(o.links_dropped, 0);
    page_output_free(&o);
    in.max_links = 3;
    analyze(&in, &o);
    LINKS(&o, "http://example.com/1", "http://example.com/2");
    SKIPS(&o, {PAGE_SKIP_SCHEME, "mailto:a@b.example"});
    assert_int_equal(o.links_found, 5);
    assert_int_equal(o.links_dropped, 2);
    page_output_free(&o);
}

/* Links resolve to more bytes than their hrefs (a bare <a href> is the page's whole URL), so
 * the links kept and skipped have a byte cap too: past it, the page is not lost, the rest of
 * its links are dropped and counted like those past max_links. */
static void test_page_links_past_the_byte_cap_are_dropped(void **state)
{
    static const char body[] =
        "<title>T</title><a href=/1>1</a><a href=mailto:a@b.example>m</a><a href=/2>2</a>"
        "<a href=mailto:c@d.example>m</a><a href=/3>3</a><a href>self</a>";
    struct page_input in = input(body);
    struct page_output o;

    (void)state;
    page_output_init(&o);
    o.links.max = 2 * sizeof("http://example.com/1");   /* room for two */
    assert_int_equal(page_analyze(&in, &o), 0);
    check_output(&in, &o);
    assert_string_equal(o.title, "T");
    LINKS(&o, "http://example.com/1", "http://example.com/2");
    assert_int_equal(o.nskipped, 2);
    assert_int_equal(o.links_dropped, 2);                /* /3 and the page itself */
    assert_int_equal(o.links_found, 6);
    page_output_free(&o);

    page_output_init(&o);
    o.skipped.max = sizeof("mailto:a@b.example") + 1;   /* room for one, with its tag */
    assert_int_equal(page_analyze(&in, &o), 0);
    check_output(&in, &o);
    LINKS(&o, "http://example.com/1", "http://example.com/2");
    SKIPS(&o, {PAGE_SKIP_SCHEME, "mailto:a@b.example"});
    assert_int_equal(o.links_dropped, 3);                /* from the second mailto: on */
    assert_int_equal(o.links_found, 6);
    page_output_free(&o);
}

/* ---- title only ----------------------------------------------------------------------------- */

static void test_page_title_only_gives_no_links(void **state)
{
    static const char body[] =
        "<html><head><title>Only &amp; this</title></head><body><a href=/a>a</a>"
        "<a href=mailto:x@example.com>m</a><a rel=nofollow href=/nf>n</a></body></html>";
    struct page_input in = input(body);
    struct page_output o;

    (void)state;
    in.title_only = true;
    analyze(&in, &o);
    assert_string_equal(o.title, "Only & this");
    assert_int_equal(o.nlinks, 0);
    assert_int_equal(o.links.len, 0);
    assert_int_equal(o.nskipped, 0);
    assert_int_equal(o.skipped.len, 0);
    page_output_free(&o);

    /* the same page in full has them */
    in.title_only = false;
    analyze(&in, &o);
    assert_string_equal(o.title, "Only & this");
    assert_int_equal(o.nlinks, 1);
    assert_int_equal(o.nskipped, 2);
    page_output_free(&o);
}

/* ---- charsets ------------------------------------------------------------------------------- */

static void test_page_charset_converted_to_utf8(void **state)
{
    static const struct {
        const char *content_type;
        const char *body;
        const char *charset;
        const char *title;
    } cases[] = {
        /* windows-1252 from the header: é, en dash, curly quotes, euro sign */
        {"text/html; charset=windows-1252", "<title>Caf\xE9 \x96 \x93quoted\x94 \x80</title>",
         "windows-1252", "Caf\xC3\xA9 \xE2\x80\x93 \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC"},
        /* latin1 is windows-1252 (WHATWG), and so is a page with no label at all */
        {"text/html; charset=ISO-8859-1", "<title>\x80 na\xEFve</title>", "windows-1252",
         "\xE2\x82\xAC na\xC3\xAFve"},
        {"text/html", "<title>\x80 na\xEFve</title>", "windows-1252",
         "\xE2\x82\xAC na\xC3\xAFve"},
        {"", "<title>\x80 na\xEFve</title>", "windows-1252", "\xE2\x82\xAC na\xC3\xAFve"},
        /* Shift_JIS from the header, from <meta charset>, from http-equiv */
        {"text/html; charset=Shift_JIS", "<title>\x93\xFA\x96\x7B\x8C\xEA</title>", "shift_jis",
         "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
        {"text/html", "<meta charset=\"Shift_JIS\"><title>\x93\xFA\x96\x7B\x8C\xEA</title>",
         "shift_jis", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
        {"", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=sjis\">"
             "<title>\x93\xFA\x96\x7B\x8C\xEA</title>",
         "shift_jis", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
        /* the header wins over the meta tag */
        {"text/html; charset=shift_jis",
         "<meta charset=windows-1252><title>\x93\xFA\x96\x7B\x8C\xEA</title>", "shift_jis",
         "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"},
        /* a byte order mark wins over both */
        {"text/html; charset=windows-1252",
         "\xEF\xBB\xBF<meta charset=shift_jis><title>caf\xC3\xA9</title>", "utf-8",
         "caf\xC3\xA9"},
        /* UTF-8 that is not: repaired */
        {"text/html; charset=utf-8", "<title>caf\xE9</title>", "utf-8", "caf" FFFD},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct page_input in = input(cases[i].body);
        struct page_output o;

        in.content_type = cases[i].content_type;
        analyze(&in, &o);
        if (strcmp(o.charset, cases[i].charset) != 0)
            fail_msg("case %zu: charset %s, want %s", i, o.charset, cases[i].charset);
        if (!o.title || strcmp(o.title, cases[i].title) != 0)
            fail_msg("case %zu: title \"%s\", want \"%s\"", i, o.title ? o.title : "(null)",
                     cases[i].title);
        page_output_free(&o);
    }
}

static void test_page_charset_applies_to_links(void **state)
{
    /* a Shift_JIS href: decoded to UTF-8 first, then percent-encoded */
    struct page_input in = input("<meta charset=shift_jis><a href=\"/\x93\xFA/\">x</a>"
                                 "<a href=\"/caf\xE9\">y</a>");
    struct page_output o;

    (void)state;
    in.content_type = "text/html";
    analyze(&in, &o);
    assert_string_equal(o.charset, "shift_jis");
    assert_string_equal(link_at(&o, 0), "http://example.com/%E6%97%A5/");
    page_output_free(&o);
    in = input("<a href=\"/caf\xE9\">y</a>");
    in.content_type = "text/html; charset=windows-1252";
    analyze(&in, &o);
    LINKS(&o, "http://example.com/caf%C3%A9");
    page_output_free(&o);
}

/* ---- not HTML ------------------------------------------------------------------------------- */

/* page.h is for fetched HTML pages (the crawler only sends text/html and XHTML here); the
 * content type only matters for its charset. Anything else is parsed as HTML would be, which is
 * never an error: bytes without markup give no title and no links. */
static void test_page_non_html_input(void **state)
{
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0"
                              "\x1f\xf3\xff\x61\0\0\0\0IEND\xae\x42\x60\x82";
    static const char text[] = "just some text, with a URL http://example.com/x in it\n";
    struct page_input in = input("");
    struct page_output o;

    (void)state;
    in.body = png;
    in.len = sizeof(png) - 1;
    in.content_type = "image/png";
    analyze(&in, &o);
    assert_null(o.title);
    assert_int_equal(o.nlinks, 0);
    assert_int_equal(o.links_found, 0);
    assert_int_equal(o.nskipped, 0);
    page_output_free(&o);

    in = input(text);
    in.content_type = "text/plain";
    analyze(&in, &o);
    assert_null(o.title);
    assert_int_equal(o.nlinks, 0);
    page_output_free(&o);

    /* an empty body */
    in = input("");
    in.content_type = "";
    analyze(&in, &o);
    assert_null(o.title);
    assert_int_equal(o.nlinks, 0);
    assert_string_equal(o.charset, "windows-1252");
    page_output_free(&o);
}

/* ---- deep nesting --------------------------------------------------------------------------- */

static void test_page_deep_nesting_read_linearly(void **state)
{
    enum { DEPTH = 5000 };
    struct core_buf body;
    struct page_input in;
    struct page_output o;
    int i;

    (void)state;
    core_buf_init(&body, 1 << 20);
    assert_int_equal(core_buf_puts(&body, "<title>deep</title><a href=first>1</a>"), 0);
    for (i = 0; i < DEPTH; i++)
        assert_int_equal(core_buf_puts(&body, "<div>"), 0);
    assert_int_equal(core_buf_puts(&body, "<a href=\"../last\">2</a><a href=mailto:x@y.z>m</a>"),
                     0);
    in = input(body.data);
    analyze(&in, &o);
    assert_false(o.deep_fallback); /* the scanner keeps no HTML elements: depth costs nothing */
    assert_int_equal(o.parser, PARSE_HTML_SCANNER);
    assert_int_equal(o.defer, PARSE_HTML_DEFER_NONE);
    assert_string_equal(o.title, "deep");
    LINKS(&o, "http://example.com/dir/first", "http://example.com/last");
    SKIPS(&o, {PAGE_SKIP_SCHEME, "mailto:x@y.z"});
    page_output_free(&o);
    /* asked for, gumbo would take too long: the scanner reads the page best effort */
    in.html_parser = PARSE_HTML_GUMBO;
    analyze(&in, &o);
    assert_true(o.deep_fallback);
    assert_int_equal(o.parser, PARSE_HTML_SCANNER);
    assert_int_equal(o.defer, PARSE_HTML_DEFER_ASKED);
    LINKS(&o, "http://example.com/dir/first", "http://example.com/last");
    page_output_free(&o);
    core_buf_free(&body);
}

/* ---- releasing ------------------------------------------------------------------------------ */

static void test_page_output_free_releases_everything(void **state)
{
    static const char body[] =
        "<base href=\"http://base.example/\"><title>t</title><a href=/a>a</a>"
        "<a href=mailto:x@example.com>m</a><a rel=nofollow href=/n>n</a>";
    struct page_input in = input(body);
    struct page_output o;

    (void)state;
    /* an output never used */
    page_output_init(&o);
    page_output_free(&o);

    /* a full one: title, links and skipped all allocated, all released (ASan: no leak) */
    analyze(&in, &o);
    assert_non_null(o.title);
    assert_true(o.links.len > 0 && o.skipped.len > 0);
    page_output_free(&o);
    assert_null(o.title);
    assert_null(o.links.data);
    assert_null(o.skipped.data);

    /* the struct can be set up again for the next page */
    analyze(&in, &o);
    LINKS(&o, "http://base.example/a");
    page_output_free(&o);
}

/* Fail allocation N in turn: page_analyze returns -ENOMEM (also in out->err) and
 * page_output_free leaks nothing (ASan), or, where a failure is absorbed on the way (a
 * fallback), the output is the full one all the same. */
static void test_page_out_of_memory(void **state)
{
    static const char body[] =
        "<html><head><base href=\"/base/\"><title>Caf\xE9</title></head><body>"
        "<a href=one>1</a><a href=mailto:x@example.com>m</a><a rel=nofollow href=nf>n</a>"
        "<a href=\"//other.example/two\">2</a></body></html>";
    struct page_input in = input(body);
    long n, failed = 0;
    bool done = false;

    (void)state;
    in.content_type = "text/html; charset=windows-1252";
    for (n = 0; !done; n++) {
        struct page_output o;
        unsigned long before;
        int rc;

        assert_true(n < 10000);
        page_output_init(&o);
        before = core_mem_allocs();
        core_mem_fail_after(n);
        rc = page_analyze(&in, &o);
        core_mem_fail_after(-1);
        done = core_mem_allocs() - before <= (unsigned long)n;   /* no failure was due */
        assert_int_equal(o.err, rc);
        if (rc != 0) {
            if (rc != -ENOMEM || done)
                fail_msg("allocation %ld failed, page_analyze returned %d", n, rc);
            failed++;
        } else {
            check_output(&in, &o);
            if (!o.title || strcmp(o.title, "Caf\xC3\xA9") != 0)
                fail_msg("allocation %ld failed: title %s", n, o.title ? o.title : "(null)");
            if (o.nlinks != 2 || strcmp(link_at(&o, 0), "http://example.com/base/one") != 0 ||
                strcmp(link_at(&o, 1), "http://other.example/two") != 0)
                fail_msg("allocation %ld failed: %zu links, first %s", n, o.nlinks,
                         o.nlinks ? link_at(&o, 0) : "-");
            SKIPS(&o, {PAGE_SKIP_SCHEME, "mailto:x@example.com"},
                  {PAGE_SKIP_NOFOLLOW, "http://example.com/base/nf"});
        }
        page_output_free(&o);
    }
    assert_true(failed > 5);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_title_and_links),
        cmocka_unit_test(test_page_relative_links_resolved),
        cmocka_unit_test(test_page_base_href),
        cmocka_unit_test(test_page_links_normalised),
        cmocka_unit_test(test_page_skipped_links_have_reasons),
        cmocka_unit_test(test_page_too_long_past_max_url_len),
        cmocka_unit_test(test_page_nofollow_unless_follow_nofollow),
        cmocka_unit_test(test_page_links_found_counts_every_link),
        cmocka_unit_test(test_page_max_links_drops_and_counts_the_rest),
        cmocka_unit_test(test_page_links_past_the_byte_cap_are_dropped),
        cmocka_unit_test(test_page_title_only_gives_no_links),
        cmocka_unit_test(test_page_charset_converted_to_utf8),
        cmocka_unit_test(test_page_charset_applies_to_links),
        cmocka_unit_test(test_page_non_html_input),
        cmocka_unit_test(test_page_deep_nesting_read_linearly),
        cmocka_unit_test(test_page_output_free_releases_everything),
        cmocka_unit_test(test_page_out_of_memory),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
