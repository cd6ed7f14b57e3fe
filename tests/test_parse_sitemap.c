/* tests/test_parse_sitemap.c: <loc> extraction from sitemaps, indexes, gzip, hostile input. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"
#include "parse/sitemap.h"
#include "tests/support/corotest.h"

#define MAX_DOC (8u << 20)

/* The URLs reported, each followed by '\n'. */
struct got {
    char *all;
    size_t len;
    size_t cap;
    size_t count;
};

static void on_loc(const char *loc, size_t len, void *arg)
{
    struct got *g = arg;

    assert_int_equal(loc[len], '\0');
    assert_true(len > 0);
    if (g->len + len + 2 > g->cap) {
        g->cap = (g->len + len + 2) * 2;
        g->all = realloc(g->all, g->cap);
        assert_non_null(g->all);
    }
    memcpy(g->all + g->len, loc, len);
    g->len += len;
    g->all[g->len++] = '\n';
    g->all[g->len] = '\0';
    g->count++;
}

static void got_reset(struct got *g)
{
    g->len = 0;
    g->count = 0;
    if (g->all)
        g->all[0] = '\0';
}

static int run(const char *doc, size_t len, size_t max, struct got *g, bool *is_index)
{
    got_reset(g);
    return parse_sitemap(doc, len, max, on_loc, g, is_index);
}

struct scase {
    const char *doc;
    int rc;
    int is_index;     /* -1: not set */
    const char *want; /* URLs, each followed by '\n' */
};

#define US(body) "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                \
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">" body "</urlset>\n"
#define U(loc) "<url><loc>" loc "</loc></url>"

static const struct scase cases[] = {
    /* plain sitemap and index */
    {US(U("http://e/a") "\n  " U("http://e/b")), 0, 0, "http://e/a\nhttp://e/b\n"},
    {"<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
     "<sitemap><loc>http://e/s1.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap>"
     "<sitemap><loc>http://e/s2.xml</loc></sitemap></sitemapindex>",
     0, 1, "http://e/s1.xml.gz\nhttp://e/s2.xml\n"},
    {US("<url><lastmod>2024</lastmod><changefreq>daily</changefreq><priority>0.5</priority>"
        "<loc>http://e/late</loc></url>"), 0, 0, "http://e/late\n"},
    {US(""), 0, 0, ""},
    {"<urlset/>", 0, 0, ""},
    /* entities */
    {US(U("http://e/?a=1&amp;b=2&lt;&gt;&quot;&apos;")), 0, 0, "http://e/?a=1&b=2<>\"'\n"},
    {US(U("http://e/&#65;&#x42;&#X43;&#0067;&#xe9;&#8364;&#x1F600;&#x0010FFFF;")), 0, 0,
     "http://e/ABCC\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\n"},
    {US(U("http://e/&foo;&#;&#x;&#xD800;&#0;&#1114112;&#xG1;& amp;&amp&AMP;")), 0, 0,
     "http://e/&foo;&#;&#x;&#xD800;&#0;&#1114112;&#xG1;& amp;&amp&AMP;\n"},
    {US(U("http://e/&#x00000000041;&#99999999999999999999;")), 0, 0,
     "http://e/&#x00000000041;&#99999999999999999999;\n"},
    {US(U("&")), 0, 0, "&\n"},
    /* CDATA, comments, whitespace */
    {US(U("<![CDATA[http://e/?a=1&b=2]]>")), 0, 0, "http://e/?a=1&b=2\n"},
    {US(U("http://e/<![CDATA[<x>&amp;]]>&amp;<![CDATA[]]>z")), 0, 0, "http://e/<x>&amp;&z\n"},
    {US(U(" \n\t<![CDATA[ http://e/c ]]>\r\n ")), 0, 0, "http://e/c\n"},
    {US(U("http://e/<!-- comment -->a<!---->")), 0, 0, "http://e/a\n"},
    {US(U("\n  http://e/ws \t\r\n")), 0, 0, "http://e/ws\n"},
    {US(U("http://e/a b")), 0, 0, "http://e/a b\n"},
    {US("<!-- <url><loc>http://e/hidden</loc></url> -->" U("http://e/shown")), 0, 0,
     "http://e/shown\n"},
    {US("<![CDATA[<url><loc>http://e/hidden</loc></url>]]>" U("http://e/shown")), 0, 0,
     "http://e/shown\n"},
    /* empty locs are skipped */
    {US("<url><loc/></url><url><loc></loc></url><url><loc> \n </loc></url>" U("http://e/x")),
     0, 0, "http://e/x\n"},
    /* namespaces, prefixes, case */
    {"<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sm:url>"
     "<sm:loc>http://e/p</sm:loc></sm:url></sm:urlset>",
     0, 0, "http://e/p\n"},
    {"<URLSET><URL><LOC>http://e/u</LOC></URL></URLSET>", 0, 0, "http://e/u\n"},
    {"<a:b:sitemapindex><a:sitemap><x:loc >http://e/i</x:loc ></a:sitemap></a:b:sitemapindex>",
     0, 1, "http://e/i\n"},
    /* extensions: image and video locations are not pages */
    {US("<url><loc>http://e/page</loc><image:image><image:loc>http://e/i.jpg</image:loc>"
        "<image:caption>c</image:caption></image:image><video:video><video:content_loc>"
        "http://e/v.mp4</video:content_loc><video:player_loc>http://e/p</video:player_loc>"
        "</video:video><xhtml:link rel=\"alternate\" href=\"http://e/de\"/></url>"),
     0, 0, "http://e/page\n"},
    {US("<url><foo><loc>http://e/deep</loc></foo></url>" U("http://e/ok")), 0, 0,
     "http://e/ok\n"},
    /* lenient placement: <loc> right under the root */
    {US("<loc>http://e/bare</loc>"), 0, 0, "http://e/bare\n"},
    /* declarations, processing instructions, attributes with '>' and quotes */
    {"\xEF\xBB\xBF  <?xml version='1.0'?>\n<!DOCTYPE urlset [ <!ENTITY x 'y'> <!ELEMENT a (b)> ]>"
     "<?pi stuff?><urlset a='>' b=\"<loc>'\">" U("http://e/&x;") "</urlset>",
     0, 0, "http://e/&x;\n"},
    {"<!DOCTYPE html><urlset>" U("http://e/d") "</urlset>", 0, 0, "http://e/d\n"},
    {"text < before <1> and <urlset>" U("http://e/t") "</urlset>", 0, 0, "http://e/t\n"},
    /* malformed: interrupted locs are dropped, later ones still count */
    {US("<url><loc>http://e/a<b>x</b></loc></url><url><loc>http://e/ok</loc></url>"), 0, 0,
     "http://e/ok\n"},
    {US("<url><loc>http://e/a</url>" U("http://e/b")), 0, 0, "http://e/b\n"},
    {US("<url><loc>http://e/a</lo></loc></url>" U("http://e/b")), 0, 0, "http://e/b\n"},
    {US("</x></y></z>" U("http://e/after-stray")), 0, 0, "http://e/after-stray\n"},
    {US("<url><loc>http://e/a<?pi?></loc></url>" U("http://e/b")), 0, 0, "http://e/b\n"},
    {"<urlset>" U("http://e/a") "</urlset><urlset>" U("http://e/b") "</urlset>", 0, 0,
     "http://e/a\nhttp://e/b\n"},
    {"<urlset><url><loc>http://e/cut", 0, 0, ""},
    {"<urlset><url><loc>http://e/cut</loc", 0, 0, ""},
    {"<urlset><url><loc>http://e/cut<![CDATA[x", 0, 0, ""},
    {"<urlset><url><loc>http://e/cut<!-- x", 0, 0, ""},
    {"<urlset><url><loc", 0, 0, ""},
    {"<urlset", 0, 0, ""},   /* the root is known from its name */
    /* not sitemaps */
    {"", CORE_EPARSE, -1, ""},
    {"just text", CORE_EPARSE, -1, ""},
    {"<?xml version=\"1.0\"?>", CORE_EPARSE, -1, ""},
    {"<!-- only a comment -->", CORE_EPARSE, -1, ""},
    {"<html><body><urlset><url><loc>http://e/no</loc></url></urlset></body></html>", CORE_EPARSE,
     -1, ""},
    {"<rss version=\"2.0\"><channel><item><link>http://e/</link></item></channel></rss>",
     CORE_EPARSE, -1, ""},
    {"<url><loc>http://e/no-root</loc></url>", CORE_EPARSE, -1, ""},
    {"<urlsets><url><loc>http://e/no</loc></url></urlsets>", CORE_EPARSE, -1, ""},
};

static void check_case(size_t i, const struct scase *c, struct got *g)
{
    bool is_index = false, *pi = &is_index;
    int rc;

    /* a sentinel: is_index must stay untouched when no root is recognised */
    *(unsigned char *)pi = 7;
    rc = run(c->doc, strlen(c->doc), MAX_DOC, g, &is_index);
    if (rc != c->rc || strcmp(g->all ? g->all : "", c->want) != 0)
        fail_msg("case %zu: rc %d (want %d), got\n%s---want\n%s---", i, rc, c->rc,
                 g->all ? g->all : "", c->want);
    if (c->is_index < 0)
        assert_int_equal(*(unsigned char *)pi, 7);
    else
        assert_int_equal(is_index, c->is_index == 1);
}

static void test_sitemap_table(void **state)
{
    struct got g = {0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(i, &cases[i], &g);
    free(g.all);
}

/* Build a gzip file of doc (one member) with zlib. Z_RLE makes long runs cheap to build. */
static unsigned char *gzip_strategy(const void *doc, size_t len, int strategy, size_t *out_len)
{
    z_stream z;
    size_t cap = deflateBound(NULL, (uLong)len) + 64;
    unsigned char *out = malloc(cap);

    assert_non_null(out);
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, strategy), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)doc;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static unsigned char *gzip(const void *doc, size_t len, size_t *out_len)
{
    return gzip_strategy(doc, len, Z_DEFAULT_STRATEGY, out_len);
}

static void test_sitemap_gzip(void **state)
{
    static const char doc[] = US(U("http://e/a") U("http://e/b?x=1&amp;y=2"));
    static const char idx[] = "<sitemapindex><sitemap><loc>http://e/s.xml</loc></sitemap>"
                              "</sitemapindex>";
    unsigned char *gz, *gz2, *two;
    size_t gz_len, gz2_len;
    bool is_index = true;
    struct got g = {0};

    (void)state;
    gz = gzip(doc, sizeof(doc) - 1, &gz_len);
    assert_int_equal(run((char *)gz, gz_len, MAX_DOC, &g, &is_index), 0);
    assert_string_equal(g.all, "http://e/a\nhttp://e/b?x=1&y=2\n");
    assert_false(is_index);

    /* two members back to back: a sitemap's first member decides the root, the second adds */
    gz2 = gzip(idx, sizeof(idx) - 1, &gz2_len);
    assert_int_equal(run((char *)gz2, gz2_len, MAX_DOC, &g, &is_index), 0);
    assert_string_equal(g.all, "http://e/s.xml\n");
    assert_true(is_index);
    two = malloc(gz_len + gz2_len + 3);
    assert_non_null(two);
    memcpy(two, gz, gz_len);
    memcpy(two + gz_len, gz2, gz2_len);
    assert_int_equal(run((char *)two, gz_len + gz2_len, MAX_DOC, &g, &is_index), 0);
    assert_string_equal(g.all, "http://e/a\nhttp://e/b?x=1&y=2\nhttp://e/s.xml\n");
    assert_false(is_index);
    /* trailing bytes that are not gzip are ignored */
    memcpy(two + gz_len, "\0\0junk", 6);
    assert_int_equal(run((char *)two, gz_len + 6, MAX_DOC, &g, NULL), 0);
    assert_string_equal(g.all, "http://e/a\nhttp://e/b?x=1&y=2\n");

    /* exactly max_bytes fits; one byte less is -EMSGSIZE, after what fitted was reported */
    assert_int_equal(run((char *)gz, gz_len, sizeof(doc) - 1, &g, NULL), 0);
    assert_int_equal(g.count, 2);
    assert_int_equal(run((char *)gz, gz_len, sizeof(doc) - 2, &g, NULL), -EMSGSIZE);
    assert_int_equal(g.count, 2);   /* only the final newline was cut */
    assert_int_equal(run((char *)gz, gz_len, 0, &g, NULL), -EMSGSIZE);
    assert_int_equal(g.count, 0);

    /* every truncation of the gzip data: what was inflated is scanned, then CORE_EPARSE */
    for (size_t n = 0; n < gz_len; n++) {
        int rc = run((char *)gz, n, MAX_DOC, &g, NULL);

        assert_int_equal(rc, CORE_EPARSE);
        assert_true(g.count <= 2);
        assert_int_equal(strncmp(g.all ? g.all : "", "http://e/a\nhttp://e/b?x=1&y=2\n", g.len),
                         0);
    }
    /* a damaged stream (bad block type in the first deflate block) */
    memcpy(two, gz, gz_len);
    two[10] = (unsigned char)(two[10] | 0x06);
    assert_int_equal(run((char *)two, gz_len, MAX_DOC, &g, NULL), CORE_EPARSE);
    /* a bad header */
    memcpy(two, gz, gz_len);
    two[2] = 7;   /* compression method other than deflate */
    assert_int_equal(run((char *)two, gz_len, MAX_DOC, &g, NULL), CORE_EPARSE);
    assert_int_equal(g.count, 0);

    free(gz);
    free(gz2);
    free(two);
    free(g.all);
}

/* 32 MiB of sitemap from well under 1% of that in gzip: inflation stops at max_bytes. */
static void test_sitemap_gzip_bomb(void **state)
{
    const size_t big = 32u << 20, max = 1u << 20;
    static const char head[] = "<urlset>" U("http://e/first");
    char *doc = malloc(big);
    unsigned char *gz;
    size_t gz_len;
    struct got g = {0};
    bool is_index = true;

    (void)state;
    assert_non_null(doc);
    memcpy(doc, head, sizeof(head) - 1);
    memset(doc + sizeof(head) - 1, ' ', big - (sizeof(head) - 1));
    gz = gzip_strategy(doc, big, Z_RLE, &gz_len);
    free(doc);
    assert_true(gz_len < big / 100);
    assert_int_equal(run((char *)gz, gz_len, max, &g, &is_index), -EMSGSIZE);
    assert_string_equal(g.all, "http://e/first\n");
    assert_false(is_index);
    free(gz);

    /* nothing but zeros: no root in what fits, and the size is what is reported */
    doc = calloc(1, big);
    assert_non_null(doc);
    gz = gzip_strategy(doc, big, Z_RLE, &gz_len);
    free(doc);
    assert_int_equal(run((char *)gz, gz_len, max, &g, NULL), -EMSGSIZE);
    assert_int_equal(g.count, 0);
    free(gz);
    free(g.all);
}

static void test_sitemap_plain_size_cap(void **state)
{
    static const char doc[] = "<urlset>" U("http://e/a") U("http://e/b") "</urlset>";
    struct got g = {0};

    (void)state;
    assert_int_equal(run(doc, sizeof(doc) - 1, sizeof(doc) - 1, &g, NULL), 0);
    assert_int_equal(g.count, 2);
    assert_int_equal(run(doc, sizeof(doc) - 1, sizeof(doc) - 2, &g, NULL), -EMSGSIZE);
    assert_int_equal(g.count, 2);
    /* cut inside the second <loc>: only the first */
    assert_int_equal(run(doc, sizeof(doc) - 1, 55, &g, NULL), -EMSGSIZE);
    assert_string_equal(g.all, "http://e/a\n");
    /* a wrong root is reported as such even when the document is too long */
    assert_int_equal(run("<html>....", 10, 7, &g, NULL), CORE_EPARSE);
    assert_int_equal(run("<!-- x -->", 10, 5, &g, NULL), -EMSGSIZE);
    free(g.all);
}

static char *many_urls(size_t n, bool index, size_t *len)
{
    char *doc = malloc(n * 48 + 64);
    size_t k, i;

    assert_non_null(doc);
    k = (size_t)sprintf(doc, index ? "<sitemapindex>" : "<urlset>");
    for (i = 0; i < n; i++)
        k += (size_t)sprintf(doc + k, index ? "<sitemap><loc>http://e/%zu</loc></sitemap>\n"
                                            : "<url><loc>http://e/%zu</loc></url>\n", i);
    k += (size_t)sprintf(doc + k, index ? "</sitemapindex>" : "</urlset>");
    *len = k;
    return doc;
}

static void test_sitemap_url_cap(void **state)
{
    struct got g = {0};
    size_t len;
    char *doc;

    (void)state;
    doc = many_urls(PARSE_SITEMAP_MAX_URLS, false, &len);
    assert_int_equal(run(doc, len, MAX_DOC, &g, NULL), 0);
    assert_int_equal(g.count, PARSE_SITEMAP_MAX_URLS);
    free(doc);
    doc = many_urls(PARSE_SITEMAP_MAX_URLS + 1, true, &len);
    assert_int_equal(run(doc, len, MAX_DOC, &g, NULL), -E2BIG);
    assert_int_equal(g.count, PARSE_SITEMAP_MAX_URLS);
    assert_string_equal(g.all + g.len - strlen("http://e/49999\n"), "http://e/49999\n");
    free(doc);
    free(g.all);
}

static void test_sitemap_long_loc(void **state)
{
    size_t n = PARSE_SITEMAP_LOC_MAX + 100, k;
    char *doc = malloc(n + 256);
    struct got g = {0};

    (void)state;
    assert_non_null(doc);
    /* exactly PARSE_SITEMAP_LOC_MAX bytes is kept, one more is skipped */
    k = (size_t)sprintf(doc, "<urlset><url><loc>");
    memset(doc + k, 'a', PARSE_SITEMAP_LOC_MAX);
    k += PARSE_SITEMAP_LOC_MAX;
    k += (size_t)sprintf(doc + k, "</loc></url>" U("http://e/next") "</urlset>");
    assert_int_equal(run(doc, k, MAX_DOC, &g, NULL), 0);
    assert_int_equal(g.count, 2);
    assert_int_equal(g.len, PARSE_SITEMAP_LOC_MAX + 1 + strlen("http://e/next\n"));

    k = (size_t)sprintf(doc, "<urlset><url><loc>");
    memset(doc + k, 'a', PARSE_SITEMAP_LOC_MAX + 1);
    k += PARSE_SITEMAP_LOC_MAX + 1;
    k += (size_t)sprintf(doc + k, "</loc></url>" U("http://e/next") "</urlset>");
    assert_int_equal(run(doc, k, MAX_DOC, &g, NULL), 0);
    assert_string_equal(g.all, "http://e/next\n");
    free(doc);
    free(g.all);
}

/* A realistic document, cut at every length: never a crash, and what is reported is always
 * a prefix of the full list. */
static const char realistic[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- generated -->\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"\n"
    "        xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n"
    "  <url>\n    <loc>https://www.example.com/</loc>\n    <lastmod>2024-05-01</lastmod>\n"
    "    <image:image><image:loc>https://www.example.com/a.jpg</image:loc></image:image>\n"
    "  </url>\n"
    "  <url><loc><![CDATA[https://www.example.com/search?q=a&b=c]]></loc></url>\n"
    "  <url><loc>https://www.example.com/caf&#xE9;?x=1&amp;y=2</loc></url>\n"
    "</urlset>\n";

static const char realistic_want[] =
    "https://www.example.com/\n"
    "https://www.example.com/search?q=a&b=c\n"
    "https://www.example.com/caf\xC3\xA9?x=1&y=2\n";

static void test_sitemap_every_prefix(void **state)
{
    struct got g = {0};
    size_t n;
    int rc;

    (void)state;
    assert_int_equal(run(realistic, sizeof(realistic) - 1, MAX_DOC, &g, NULL), 0);
    assert_string_equal(g.all, realistic_want);
    for (n = 0; n < sizeof(realistic) - 1; n++) {
        char *copy = malloc(n ? n : 1);   /* exact size, so ASan sees any over-read */

        assert_non_null(copy);
        memcpy(copy, realistic, n);
        rc = run(copy, n, MAX_DOC, &g, NULL);
        assert_true(rc == 0 || rc == CORE_EPARSE);
        assert_int_equal(strncmp(g.all ? g.all : "", realistic_want, g.len), 0);
        /* and the same cut made by max_bytes */
        rc = run(realistic, sizeof(realistic) - 1, n, &g, NULL);
        assert_int_equal(rc == -EMSGSIZE || rc == CORE_EPARSE, 1);
        assert_int_equal(strncmp(g.all ? g.all : "", realistic_want, g.len), 0);
        free(copy);
    }
    free(g.all);
}

static bool documented(int rc)
{
    return rc == 0 || rc == CORE_EPARSE || rc == -EMSGSIZE || rc == -E2BIG;
}

static void test_sitemap_hostile_bytes(void **state)
{
    static const char *const samples[] = {
        "<urlset><url><loc>http://e/&amp;<![CDATA[x]]></loc></url></urlset>",
        "<!DOCTYPE x [<!-- -->]><sitemapindex><sitemap><loc a='>'>u</loc></sitemap>",
    };
    char buf[128];
    struct got g = {0};
    size_t i, pos, n;
    unsigned c;

    (void)state;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        n = strlen(samples[i]);
        for (pos = 0; pos <= n; pos++) {
            for (c = 0; c < 256; c++) {
                memcpy(buf, samples[i], pos);
                buf[pos] = (char)c;
                memcpy(buf + pos + 1, samples[i] + pos, n - pos);
                assert_true(documented(run(buf, n + 1, MAX_DOC, &g, NULL)));
                if (pos < n) {
                    memcpy(buf, samples[i], n);
                    buf[pos] = (char)c;
                    assert_true(documented(run(buf, n, MAX_DOC, &g, NULL)));
                }
            }
        }
    }
    free(g.all);
}

static uint64_t rnd_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random garbage, plain and behind a gzip magic, and random markup-ish soup. */
static void test_sitemap_garbage(void **state)
{
    static const char *const bits[] = {"<", ">", "</", "<urlset>", "<url>", "<loc>", "</loc>",
                                       "<![CDATA[", "]]>", "<!--", "-->", "&amp;", "&#x41;",
                                       "&", "'", "\"", "<?", "?>", "<!", "[", "]", "x", " ",
                                       "/>", ":", "<sitemapindex>"};
    char buf[512];
    uint64_t s = 0x9E3779B97F4A7C15u;
    struct got g = {0};
    size_t n, i, k;
    int iter;

    (void)state;
    for (iter = 0; iter < 20000; iter++) {
        n = rnd_next(&s) % sizeof(buf);
        for (i = 0; i < n; i++)
            buf[i] = (char)rnd_next(&s);
        if (iter & 1 && n >= 2) {
            buf[0] = (char)0x1F;
            buf[1] = (char)0x8B;
        }
        assert_true(documented(run(buf, n, 4096, &g, NULL)));
    }
    for (iter = 0; iter < 20000; iter++) {
        k = 0;
        n = rnd_next(&s) % 40;
        for (i = 0; i < n; i++) {
            const char *b = bits[rnd_next(&s) % (sizeof(bits) / sizeof(bits[0]))];

            memcpy(buf + k, b, strlen(b));
            k += strlen(b);
        }
        assert_true(documented(run(buf, k, MAX_DOC, &g, NULL)));
    }
    free(g.all);
}

/* Fail each allocation in turn, plain and gzip: -ENOMEM and nothing leaked (ASan checks). */
static void test_sitemap_enomem(void **state)
{
    unsigned char *gz;
    size_t gz_len;
    struct got g = {0};
    long n;
    int rc, pass;

    (void)state;
    gz = gzip(realistic, sizeof(realistic) - 1, &gz_len);
    for (pass = 0; pass < 2; pass++) {
        for (n = 0;; n++) {
            core_mem_fail_after(n);
            rc = pass ? run((char *)gz, gz_len, MAX_DOC, &g, NULL)
                      : run(realistic, sizeof(realistic) - 1, MAX_DOC, &g, NULL);
            core_mem_fail_after(-1);
            if (rc == 0) {
                assert_string_equal(g.all, realistic_want);
                break;
            }
            assert_int_equal(rc, -ENOMEM);
            assert_true(n < 100);
        }
    }
    free(gz);
    free(g.all);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sitemap_table),
        cmocka_unit_test(test_sitemap_gzip),
        cmocka_unit_test(test_sitemap_gzip_bomb),
        cmocka_unit_test(test_sitemap_plain_size_cap),
        cmocka_unit_test(test_sitemap_url_cap),
        cmocka_unit_test(test_sitemap_long_loc),
        cmocka_unit_test(test_sitemap_every_prefix),
        cmocka_unit_test(test_sitemap_hostile_bytes),
        cmocka_unit_test(test_sitemap_garbage),
        cmocka_unit_test(test_sitemap_enomem),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
