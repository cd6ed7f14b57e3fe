/* tests/test_parse_robots.c: robots.txt groups, rules, matching, crawl-delay and sitemaps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "parse/robots.h"
#include "parse/robots_int.h"
#include "tests/support/corotest.h"

/* One question to one robots.txt: may agent fetch target? */
struct rcase {
    const char *body;
    const char *agent;
    const char *target;
    bool allowed;
};

#define YES(body, agent, target) {body, agent, target, true}
#define NO(body, agent, target) {body, agent, target, false}

static struct parse_robots *parse(const char *body, size_t len, const char *agent)
{
    struct parse_robots *r = NULL;

    assert_int_equal(parse_robots_create(body, len, agent, &r), 0);
    assert_non_null(r);
    return r;
}

static struct parse_robots *parse_str(const char *body, const char *agent)
{
    return parse(body, strlen(body), agent);
}

static bool allowed(const struct parse_robots *r, const char *target)
{
    return parse_robots_allowed(r, target, strlen(target));
}

static void run_cases(const struct rcase *c, size_t n)
{
    struct parse_robots *r;
    size_t i;

    for (i = 0; i < n; i++) {
        r = parse_str(c[i].body, c[i].agent);
        if (allowed(r, c[i].target) != c[i].allowed)
            fail_msg("case %zu: agent '%s', target '%s': expected %s\n---\n%s\n---", i,
                     c[i].agent, c[i].target, c[i].allowed ? "allowed" : "disallowed",
                     c[i].body);
        parse_robots_destroy(r);
    }
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* A realistic file: BOM, comments, mixed line ends, two groups for us, sitemaps. */
static const char realistic[] =
    "\xEF\xBB\xBF# robots.txt for www.example.com\n"
    "User-agent: *\r\n"
    "Disallow: /cgi-bin/\r\n"
    "Disallow: /*.pdf$\n"
    "Allow: /cgi-bin/public/\n"
    "Crawl-delay: 2.5\n"
    "\n"
    "User-agent: Trawl/1.0\n"
    "User-agent: OtherBot\n"
    "Disallow: /private/   # keep out\n"
    "Allow: /private/ok$\n"
    "Disallow: /search?q=*&page=\n"
    "Crawl-delay: 10\n"
    "\r"
    "Sitemap: https://www.example.com/sitemap.xml\n"
    "User-agent: trawl\n"
    "Disallow: /tmp\n"
    "Sitemap:https://www.example.com/news/sitemap-index.xml.gz # news\n";

static void test_robots_group_selection(void **state)
{
#define SPEC "User-agent: *\nDisallow: /\n\nUser-agent: trawl\nDisallow: /private\n"
#define MERGED                                                                                \
    "User-agent: trawl\nDisallow: /a\n\nUser-agent: other\nDisallow: /b\n\n"                  \
    "User-agent: TRAWL\nDisallow: /c\n"
#define SHARED "User-agent: other\n\n# comment\nUser-agent: trawl\nDisallow: /x\n"
#define LATE "Disallow: /early\nUser-agent: trawl\nDisallow: /x\n"
#define NEWGRP "User-agent: trawl\nDisallow: /x\nUser-agent: other\nDisallow: /y\n"
#define EMPTYSPEC "User-agent: trawl\n\nUser-agent: *\n"
#define EMPTYSPEC2 "User-agent: *\nDisallow: /\n\nUser-agent: trawl\nCrawl-delay: 1\n"
#define TWOSTAR "User-agent: *\nDisallow: /a\nUser-agent: x\nDisallow: /\nUser-agent: *\nDisallow: /b\n"
#define BOTH "User-agent: *\nUser-agent: trawl\nDisallow: /x\n"
#define UNKNOWN "User-agent: trawl\nHost: example.com\nUser-agent: other\nDisallow: /\n"
#define ONLYOTHER "User-agent: foo\nDisallow: /\nUser-agent: bar\nDisallow: /\n"
#define GOOGLE                                                                                \
    "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\n"   \
    "disallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\n"     \
    "allow: /z/\ndisallow: /\n"
    static const struct rcase cases[] = {
        /* the specific group wins over "*", and only for us */
        YES(SPEC, "trawl", "/public"),
        NO(SPEC, "trawl", "/private/x"),
        NO(SPEC, "other", "/public"),
        NO(SPEC, "", "/public"),
        /* the product token is compared ignoring case, whole or before '/' or a space */
        NO("USER-AGENT: TRAWL\nDISALLOW: /x\n", "trawl", "/x"),
        NO("User-agent: trawl\nDisallow: /x\n", "Trawl", "/x"),
        NO("User-agent: Trawl/2.1\nDisallow: /\n", "trawl", "/a"),
        NO("User-agent: trawl bot\nDisallow: /\n", "trawl", "/a"),
        NO("User-agent: trawl\tbot\nDisallow: /\n", "trawl", "/a"),
        NO("User-agent:trawl\nDisallow:/\n", "trawl", "/a"),
        NO("User-agent:   trawl   # us\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: trawler\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: trawl-x\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: xtrawl\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: traw\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: \nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: /trawl\nDisallow: /\n", "trawl", "/a"),
        /* "*" alone or followed by blanks is the global group; "*x" is not */
        NO("User-agent: * everyone\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: *bot\nDisallow: /\n", "trawl", "/a"),
        YES("User-agent: **\nDisallow: /\n", "trawl", "/a"),
        /* every group for us is merged */
        NO(MERGED, "trawl", "/a"),
        YES(MERGED, "trawl", "/b"),
        NO(MERGED, "trawl", "/c"),
        /* consecutive user-agent lines share a group, blank and comment lines between too */
        NO(SHARED, "trawl", "/x"),
        NO(SHARED, "other", "/x"),
        /* rules before any user-agent line are ignored */
        YES(LATE, "trawl", "/early"),
        YES(LATE, "other", "/early"),
        /* a user-agent line after rules starts a new group */
        NO(NEWGRP, "trawl", "/x"),
        YES(NEWGRP, "trawl", "/y"),
        YES(NEWGRP, "other", "/x"),
        NO(NEWGRP, "other", "/y"),
        /* a group naming us wins even with no rules */
        YES(EMPTYSPEC, "trawl", "/x"),
        YES(EMPTYSPEC2, "trawl", "/x"),
        NO(EMPTYSPEC2, "other", "/x"),
        YES("User-agent: *\nDisallow: /\nUser-agent: trawl\n", "trawl", "/x"),
        /* several "*" groups are merged */
        NO(TWOSTAR, "trawl", "/a"),
        NO(TWOSTAR, "trawl", "/b"),
        YES(TWOSTAR, "trawl", "/c"),
        NO(TWOSTAR, "x", "/c"),
        /* a group naming both "*" and us */
        NO(BOTH, "trawl", "/x"),
        NO(BOTH, "other", "/x"),
        /* an unknown record does not end a run of user-agent lines (RFC 9309 2.2.4) */
        NO(UNKNOWN, "trawl", "/x"),
        NO(UNKNOWN, "other", "/x"),
        /* no group for us and no "*": no rules */
        YES(ONLYOTHER, "trawl", "/x"),
        YES("", "trawl", "/x"),
        YES("Disallow: /\n", "trawl", "/x"),
        /* Google's group test: FooBot's two groups merge, BazBot shares FooBot's last one */
        YES(GOOGLE, "FooBot", "/x/b"),
        YES(GOOGLE, "FooBot", "/z/d"),
        NO(GOOGLE, "FooBot", "/y/c"),
        YES(GOOGLE, "BarBot", "/y/c"),
        YES(GOOGLE, "BarBot", "/w/a"),
        NO(GOOGLE, "BarBot", "/z/d"),
        YES(GOOGLE, "BazBot", "/z/d"),
        NO(GOOGLE, "FooBot", "/foo/bar/"),
        NO(GOOGLE, "BarBot", "/foo/bar/"),
        NO(GOOGLE, "BazBot", "/foo/bar/"),
        YES(GOOGLE, "QuxBot", "/foo/bar/"),
    };

    (void)state;
    RUN(cases);
}

/* Only a group member line ends a run of user-agent lines: a sitemap, unknown, blank, comment
 * or key-less line between two user-agent lines leaves them in one group (RFC 9309 2.2.4).
 * Ending the run there gave the first agents an empty group, which allows everything. */
static void test_robots_agent_run_spans_other_records(void **state)
{
#define RUN_MAP "User-agent: BarBot\nSitemap: http://foo.bar/sitemap\nUser-agent: *\nDisallow: /\n"
#define RUN_UNK "User-agent: BarBot\nInvalid-Unknown-Line: x\nUser-agent: *\nDisallow: /\n"
#define RUN_US "User-agent: *\nSitemap: http://a/s\nUser-agent: trawl\nDisallow: /x\n"
#define RUN_QUIET                                                                             \
    "User-agent: BarBot\n\n# comment\nSitemap: http://a/s\n\nnot a record\nHost: a  # x\n"    \
    "  \t\n: empty key\nUser-agent: *\n\nDisallow: /\n"
#define RUN_BLANK "User-agent: BarBot\n\n\n# comment\n  # more\nUser-agent: *\nDisallow: /\n"
#define RUN_AFTER                                                                             \
    "User-agent: a\nDisallow: /x\nSitemap: http://a/s\nFoo: bar\nUser-agent: b\nDisallow: /y\n"
    static const struct rcase cases[] = {
        /* RFC 9309's own example of a record that must not end a group */
        NO(RUN_MAP, "BarBot", "/"),
        NO(RUN_MAP, "barbot", "/x"),
        NO(RUN_MAP, "other", "/x"),
        NO(RUN_UNK, "BarBot", "/"),
        NO(RUN_UNK, "other", "/x"),
        /* the same with the product token second and "*" first */
        NO(RUN_US, "trawl", "/x"),
        NO(RUN_US, "other", "/x"),
        YES(RUN_US, "trawl", "/y"),
        /* any mix of lines that are not group members keeps the run open */
        NO(RUN_QUIET, "BarBot", "/"),
        NO(RUN_QUIET, "other", "/"),
        /* blank and comment lines alone never ended a run, and still do not */
        NO(RUN_BLANK, "BarBot", "/"),
        /* after a rule, such lines do not join the next user-agent line to the group */
        NO(RUN_AFTER, "a", "/x"),
        YES(RUN_AFTER, "a", "/y"),
        YES(RUN_AFTER, "b", "/x"),
        NO(RUN_AFTER, "b", "/y"),
    };

    (void)state;
    RUN(cases);
}

static void test_robots_longest_match(void **state)
{
#define LM1 "User-agent: trawl\nDisallow: /x/page.html\nAllow: /x/\n"
#define LM2 "User-agent: trawl\nAllow: /x/page.html\nDisallow: /x/\n"
#define LM3 "User-agent: trawl\nDisallow: /\nAllow: /\n"
#define LM4 "User-agent: trawl\nDisallow: /x\nAllow: /x/\n"
#define LM5 "User-agent: trawl\nAllow: /page\nDisallow: /*.html\n"
#define LM6 "User-agent: trawl\nAllow: /x/page.\nDisallow: /*.html\n"
#define LM7 "User-agent: trawl\nAllow: /$\nDisallow: /\n"
#define LM8 "User-agent: trawl\nAllow: /folder\nDisallow: /folder\n"
#define LM9 "User-agent: trawl\nDisallow: /a*\nAllow: /a/\n"
#define LM10 "User-agent: trawl\nDisallow: /%7Ea\nAllow: /~a/\n"
    static const struct rcase cases[] = {
        NO(LM1, "trawl", "/x/page.html"),
        YES(LM1, "trawl", "/x/other"),
        YES(LM2, "trawl", "/x/page.html"),
        NO(LM2, "trawl", "/x/"),
        YES(LM3, "trawl", "/x"),   /* a tie goes to Allow */
        NO(LM4, "trawl", "/x"),
        YES(LM4, "trawl", "/x/"),
        NO(LM4, "trawl", "/xy"),
        NO(LM5, "trawl", "/page.html"),   /* the 7-byte '*' rule beats "/page" */
        YES(LM5, "trawl", "/page"),
        YES(LM6, "trawl", "/x/page.html"),   /* "/x/page." beats the 7-byte rule */
        NO(LM6, "trawl", "/x/y.html"),
        YES(LM7, "trawl", "/"),
        NO(LM7, "trawl", "/page.html"),
        YES(LM8, "trawl", "/folder/page"),
        /* '*' counts as a byte of the pattern: "/a*" and "/a/" tie, and Allow wins */
        YES(LM9, "trawl", "/a/b"),
        NO(LM9, "trawl", "/ab"),
        /* lengths are of the normalised pattern: "/%7Ea" is "/~a" (3) < "/~a/" (4) */
        YES(LM10, "trawl", "/~a/b"),
        NO(LM10, "trawl", "/~ab"),
        /* the RFC 9309 5.2 example */
        NO("User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n",
           "foobot", "/example/page/disallowed.gif"),
        YES("User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n",
            "foobot", "/example/page/other.gif"),
    };

    (void)state;
    RUN(cases);
}

static void test_robots_wildcards_and_anchor(void **state)
{
#define W(p) "User-agent: *\nDisallow: " p "\n"
    static const struct rcase cases[] = {
        NO(W("/fish"), "t", "/fish"),
        NO(W("/fish"), "t", "/fish.html"),
        NO(W("/fish"), "t", "/fishheads/yummy.html"),
        NO(W("/fish"), "t", "/fish.html?id=anything"),
        YES(W("/fish"), "t", "/Fish.asp"),
        YES(W("/fish"), "t", "/catfish"),
        YES(W("/fish"), "t", "/?id=fish"),
        NO(W("/fish*"), "t", "/fishheads"),
        YES(W("/fish*"), "t", "/Fish"),
        NO(W("/fish/"), "t", "/fish/salmon"),
        YES(W("/fish/"), "t", "/fish"),
        NO(W("/*.php"), "t", "/filename.php"),
        NO(W("/*.php"), "t", "/folder/filename.php?parameters"),
        NO(W("/*.php"), "t", "//folder/any.php.file.html"),
        NO(W("/*.php"), "t", "/index?f=filename.php/"),
        YES(W("/*.php"), "t", "/php/"),
        YES(W("/*.php"), "t", "/windows.PHP"),
        NO(W("/*.php$"), "t", "/filename.php"),
        NO(W("/*.php$"), "t", "/a.php.php"),
        YES(W("/*.php$"), "t", "/filename.php?parameters"),
        YES(W("/*.php$"), "t", "/filename.php/"),
        YES(W("/*.php$"), "t", "/filename.php5"),
        YES(W("/*.php$"), "t", "/aaaphpaaa"),
        NO(W("/fish*.php"), "t", "/fishheads/catfish.php?parameters"),
        YES(W("/fish*.php"), "t", "/Fish.PHP"),
        NO(W("*.gif$"), "t", "/a/b.gif"),   /* a pattern may start with '*' */
        YES(W("*.gif$"), "t", "/a/b.gif?x"),
        NO(W("*"), "t", "/"),
        NO(W("/*"), "t", "/anything"),
        NO(W("/*$"), "t", "/anything"),
        NO(W("/a**b"), "t", "/ab"),
        NO(W("/a**b"), "t", "/axxb"),
        NO(W("/a*b*c$"), "t", "/abbcbc"),
        YES(W("/a*b*c$"), "t", "/abbcbcd"),
        NO(W("/a*bc$"), "t", "/abc"),
        YES(W("/a*bc$"), "t", "/bc"),
        NO(W("/a*a$"), "t", "/aa"),
        YES(W("/a*a$"), "t", "/a"),   /* the pieces may not overlap */
        NO(W("/x$"), "t", "/x"),
        YES(W("/x$"), "t", "/x/"),
        YES(W("/x$"), "t", "/x?"),
        YES(W("$"), "t", "/"),
        /* '$' anywhere but at the end is a plain byte */
        NO(W("/a$b"), "t", "/a$b"),
        YES(W("/a$b"), "t", "/ab"),
        NO(W("/a$$"), "t", "/a$"),
        YES(W("/a$$"), "t", "/a$b"),
        /* an encoded '*' or '$' is not special */
        NO(W("/a%2Ab"), "t", "/a%2Ab"),
        YES(W("/a%2Ab"), "t", "/axb"),
        NO(W("/a%24"), "t", "/a%24b"),
        /* patterns that start with neither '/' nor '*' never match */
        YES(W("fish"), "t", "/fish"),
        YES(W("?q"), "t", "/?q"),
        /* matching is case-sensitive */
        YES(W("/X/"), "t", "/x/y"),
        /* KMP fallbacks: a piece whose prefix repeats */
        NO(W("/*aab"), "t", "/aaab"),
        NO(W("/*abab$"), "t", "/abababab"),
        NO(W("/*aabaaab"), "t", "/aabaabaaab"),
        YES(W("/*aabaaab"), "t", "/aabaabaab"),
    };

    (void)state;
    RUN(cases);
}

static void test_robots_percent_encoding(void **state)
{
    static const struct rcase cases[] = {
        /* unreserved characters decoded in the pattern, as parse/url.c does in URLs */
        NO(W("/%7Efoo"), "t", "/~foo"),
        NO(W("/%7efoo"), "t", "/~foo"),
        NO(W("/foo/bar/%62%61%7A"), "t", "/foo/bar/baz"),
        /* others kept encoded, hex uppercased */
        NO(W("/a%2fb"), "t", "/a%2Fb"),
        YES(W("/a%2fb"), "t", "/a/b"),
        NO(W("/%e3%83%84"), "t", "/%E3%83%84"),
        /* non-ASCII bytes encoded (UTF-8, or whatever bytes they are) */
        NO(W("/\xC3\xA4"), "t", "/%C3%A4"),
        NO(W("/foo/bar/\xE3\x83\x84"), "t", "/foo/bar/%E3%83%84"),
        NO(W("/\xFF"), "t", "/%FF"),
        /* bytes outside pchar encoded as parse/url.c does */
        NO(W("/a b"), "t", "/a%20b"),
        NO(W("/a\"<>\\^`{|}"), "t", "/a%22%3C%3E%5C%5E%60%7B%7C%7D"),
        NO(W("/[x]"), "t", "/%5Bx%5D"),
        NO(W("/a\x01"), "t", "/a%01"),
        NO(W("/a\x7F"), "t", "/a%7F"),
        /* a stray '%' is %25 */
        NO(W("/100%"), "t", "/100%25"),
        NO(W("/%zz"), "t", "/%25zz"),
        NO(W("/%4"), "t", "/%254"),
        /* tabs removed, as WHATWG removes them from URLs */
        NO(W("/a\tb"), "t", "/ab"),
        /* sub-delims, ':', '@', '/', '?' kept raw */
        NO(W("/foo/bar?baz=https://foo.bar"), "t", "/foo/bar?baz=https://foo.bar"),
        NO(W("/!$&'()+,;=:@"), "t", "/!$&'()+,;=:@x"),
        /* except '\'' in a query, which browsers (and parse/url.c) send as %27 */
        NO(W("/s?q='x"), "t", "/s?q=%27x"),
    };

    (void)state;
    RUN(cases);
}

static void test_robots_pattern_normalisation(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"/a/b?c=d", "/a/b?c=d"},
        {"/%7e%41%2d%2e%5f", "/~A-._"},
        {"/%2f%3a%40%2a%24%25", "/%2F%3A%40%2A%24%25"},
        {"/\xC3\xA4", "/%C3%A4"},
        {"/%", "/%25"},
        {"/%%41", "/%25A"},
        {"/%4g", "/%254g"},
        {"/a\tb\t", "/ab"},
        {"/a b", "/a%20b"},
        {"/*x$", "/*x$"},
        {"/it's?q='a'&b=%27", "/it's?q=%27a%27&b=%27"},
        {"", ""},
    };
    char out[64];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = parse__robots_pattern(cases[i].in, strlen(cases[i].in), NULL);
        assert_int_equal(n, strlen(cases[i].out));
        assert_int_equal(parse__robots_pattern(cases[i].in, strlen(cases[i].in), out), n);
        out[n] = '\0';
        assert_string_equal(out, cases[i].out);
    }
}

static void test_robots_empty_values(void **state)
{
    static const struct rcase cases[] = {
        YES("User-agent: *\nDisallow:\n", "t", "/x"),
        YES("User-agent: *\nDisallow:   \n", "t", "/x"),
        YES("User-agent: *\nDisallow: # nothing\n", "t", "/x"),
        YES("User-agent: *\nDisallow:\nDisallow: /y\n", "t", "/x"),
        NO("User-agent: *\nDisallow:\nDisallow: /y\n", "t", "/y"),
        NO("User-agent: *\nAllow:\nDisallow: /\n", "t", "/x"),
        YES("User-agent: *\nDisallow: \nAllow: \n", "t", "/x"),
    };
    struct parse_robots *r;

    (void)state;
    RUN(cases);
    r = parse_str("User-agent: *\nDisallow:\nAllow:\n", "t");
    assert_int_equal(parse_robots_rules(r), 0);
    parse_robots_destroy(r);
}

static void test_robots_txt_always_allowed(void **state)
{
    struct parse_robots *r;

    (void)state;
    r = parse_str("User-agent: *\nDisallow: /\nDisallow: /robots.txt\n", "t");
    assert_true(allowed(r, "/robots.txt"));
    assert_false(allowed(r, "/robots.txt?x"));
    assert_false(allowed(r, "/robots.txt.bak"));
    assert_false(allowed(r, "/"));
    parse_robots_destroy(r);
}

static void test_robots_allow_all_disallow_all(void **state)
{
    struct parse_robots *r = NULL;

    (void)state;
    assert_int_equal(parse_robots_allow_all(&r), 0);
    assert_true(allowed(r, "/"));
    assert_true(allowed(r, "/a?b"));
    assert_int_equal(parse_robots_rules(r), 0);
    assert_int_equal(parse_robots_crawl_delay_ms(r), -1);
    assert_int_equal(parse_robots_sitemaps(r), 0);
    parse_robots_destroy(r);

    r = NULL;
    assert_int_equal(parse_robots_disallow_all(&r), 0);
    assert_false(allowed(r, "/"));
    assert_false(allowed(r, "/a?b"));
    assert_true(allowed(r, "/robots.txt"));
    assert_int_equal(parse_robots_rules(r), 1);
    assert_int_equal(parse_robots_crawl_delay_ms(r), -1);
    assert_int_equal(parse_robots_sitemaps(r), 0);
    parse_robots_destroy(r);
    parse_robots_destroy(NULL);
}

static void test_robots_crawl_delay(void **state)
{
    static const struct {
        const char *value;
        int64_t ms;
    } cases[] = {
        {"10", 10000},     {"0.5", 500},     {".25", 250},   {"3.", 3000},
        {"0", 0},          {"1.2345", 1234}, {"007", 7000},  {" 2 ", 2000},
        {"86400", 86400000}, {"86399.9999", 86399999}, {"1e3", -1},
        {"999999999999999999999999", 86400000}, {"abc", -1},  {"", -1},
        {"-1", -1},        {"+1", -1},       {"1,5", -1},    {"5s", -1},
        {".", -1},         {"1..2", -1},     {"0x10", -1},   {"1 2", -1},
    };
    char body[128];
    struct parse_robots *r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "User-agent: *\nCrawl-delay: %s\n", cases[i].value);
        r = parse_str(body, "trawl");
        if (parse_robots_crawl_delay_ms(r) != cases[i].ms)
            fail_msg("'%s': %lld ms, want %lld", cases[i].value,
                     (long long)parse_robots_crawl_delay_ms(r), (long long)cases[i].ms);
        parse_robots_destroy(r);
    }

    /* the chosen group's, the first valid one when merged, none outside groups */
    r = parse_str("Crawl-delay: 1\nUser-agent: *\nCrawl-delay: 2\nUser-agent: trawl\n"
                  "Crawl-delay: x\nDisallow: /\nUser-agent: trawl\nCrawl-delay: 3\n"
                  "Crawl-delay: 4\n", "trawl");
    assert_int_equal(parse_robots_crawl_delay_ms(r), 3000);
    parse_robots_destroy(r);
    r = parse_str("Crawl-delay: 1\nUser-agent: *\nCrawl-delay: 2\nUser-agent: trawl\n"
                  "Crawl-delay: 3\n", "other");
    assert_int_equal(parse_robots_crawl_delay_ms(r), 2000);
    parse_robots_destroy(r);
    r = parse_str("Crawl-delay: 1\nUser-agent: *\nDisallow: /\n", "trawl");
    assert_int_equal(parse_robots_crawl_delay_ms(r), -1);
    parse_robots_destroy(r);
    /* a group naming us without a delay does not inherit the "*" one */
    r = parse_str("User-agent: *\nCrawl-delay: 2\nUser-agent: trawl\nDisallow: /x\n", "trawl");
    assert_int_equal(parse_robots_crawl_delay_ms(r), -1);
    parse_robots_destroy(r);
    /* spellings */
    r = parse_str("User-agent: *\nCRAWL DELAY: 7\n", "trawl");
    assert_int_equal(parse_robots_crawl_delay_ms(r), 7000);
    parse_robots_destroy(r);
}

/* Crawl-delay is a group member, so unlike a sitemap or unknown line it ends a run of
 * user-agent lines, as allow and disallow do (see parse_line in robots.c). */
static void test_robots_crawl_delay_ends_agent_run(void **state)
{
    static const struct {
        const char *body, *agent, *target;
        bool allowed;
        int64_t ms;
        size_t rules;
    } cases[] = {
        {"User-agent: a\nCrawl-delay: 5\nUser-agent: b\nDisallow: /x\n", "a", "/x", true, 5000, 0},
        {"User-agent: a\nCrawl-delay: 5\nUser-agent: b\nDisallow: /x\n", "b", "/x", false, -1, 1},
        /* the usual "you may crawl, slowly" group, then everyone else shut out */
        {"User-agent: trawl\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /\n", "trawl", "/", true,
         2000, 0},
        {"User-agent: trawl\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /\n", "other", "/", false,
         -1, 1},
        /* a sitemap line before it keeps the run open; the crawl-delay line ends it */
        {"User-agent: a\nSitemap: http://a/s\nUser-agent: b\nCrawl-delay: 3\nUser-agent: c\n"
         "Disallow: /x\n", "a", "/x", true, 3000, 0},
        {"User-agent: a\nSitemap: http://a/s\nUser-agent: b\nCrawl-delay: 3\nUser-agent: c\n"
         "Disallow: /x\n", "c", "/x", false, -1, 1},
        /* after the user-agent lines it applies to all of them, rules after it too */
        {"User-agent: a\nUser-agent: b\nCrawl-delay: 3\nDisallow: /x\n", "a", "/x", false, 3000, 1},
        {"User-agent: a\nUser-agent: b\nCrawl-delay: 3\nDisallow: /x\n", "b", "/x", false, 3000, 1},
    };
    struct parse_robots *r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        r = parse_str(cases[i].body, cases[i].agent);
        if (allowed(r, cases[i].target) != cases[i].allowed ||
            parse_robots_crawl_delay_ms(r) != cases[i].ms ||
            parse_robots_rules(r) != cases[i].rules)
            fail_msg("case %zu: agent '%s': allowed %d, %lld ms, %zu rules", i, cases[i].agent,
                     allowed(r, cases[i].target), (long long)parse_robots_crawl_delay_ms(r),
                     parse_robots_rules(r));
        parse_robots_destroy(r);
    }
}

static void check_sitemaps(const struct parse_robots *r, const char *const *want, size_t n)
{
    const char *s;
    size_t i, len;

    assert_int_equal(parse_robots_sitemaps(r), n);
    for (i = 0; i < n; i++) {
        s = parse_robots_sitemap(r, i, &len);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(s, want[i], len);
        assert_int_equal(s[len], '\0');
    }
}

static void test_robots_sitemaps(void **state)
{
    static const char *const want[] = {
        "https://www.example.com/sitemap.xml",
        "https://www.example.com/news/sitemap-index.xml.gz",
    };
    static const char *const want2[] = {"http://a/1", "http://a/2", "relative.xml",
                                        "http://a/3", "http://a/ 4"};
    struct parse_robots *r;

    (void)state;
    /* file-wide: the same for every agent, whichever group is chosen */
    r = parse_str(realistic, "trawl");
    check_sitemaps(r, want, 2);
    parse_robots_destroy(r);
    r = parse_str(realistic, "nobody");
    check_sitemaps(r, want, 2);
    parse_robots_destroy(r);

    r = parse_str("Sitemap: http://a/1\nUser-agent: x\nsitemap:http://a/2\nSITE-MAP: relative.xml\n"
                  "Sitemap:\nSitemap: # none\n  Sitemap  :  http://a/3  \r\nSitemap: http://a/ 4\n",
                  "trawl");
    check_sitemaps(r, want2, 5);
    parse_robots_destroy(r);

    r = parse_str("Sitemaps: http://a/1\nSite map: http://a/1\n", "trawl");
    check_sitemaps(r, NULL, 0);
    parse_robots_destroy(r);
}

/* Sitemap lines inside a run of user-agent lines are still collected, and the run still
 * opens one group. */
static void test_robots_sitemaps_in_agent_run(void **state)
{
    static const char body[] =
        "User-agent: BarBot\n"
        "Sitemap: http://foo.bar/sitemap\n"
        "User-agent: *\n"
        "Sitemap: http://foo.bar/s2 # two\n"
        "Disallow: /private\n"
        "Sitemap: http://foo.bar/s3\n"
        "User-agent: trawl\n"
        "Sitemap: http://foo.bar/s4\n"
        "User-agent: other\n"
        "Disallow: /x\n";
    static const char *const want[] = {"http://foo.bar/sitemap", "http://foo.bar/s2",
                                       "http://foo.bar/s3", "http://foo.bar/s4"};
    static const char *const agents[] = {"BarBot", "trawl", "nobody"};
    struct parse_robots *r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
        r = parse_str(body, agents[i]);
        check_sitemaps(r, want, 4);
        parse_robots_destroy(r);
    }
    r = parse_str(body, "BarBot");
    assert_false(allowed(r, "/private"));
    assert_true(allowed(r, "/x"));
    assert_int_equal(parse_robots_rules(r), 1);
    parse_robots_destroy(r);
    r = parse_str(body, "trawl");
    assert_true(allowed(r, "/private"));
    assert_false(allowed(r, "/x"));
    assert_int_equal(parse_robots_rules(r), 1);
    parse_robots_destroy(r);
}

static void test_robots_sitemap_limits(void **state)
{
    size_t n = PARSE_ROBOTS_SITEMAPS_MAX + 5, i, len, k = 0;
    char *body = malloc(n * 40);
    struct parse_robots *r;

    (void)state;
    assert_non_null(body);
    for (i = 0; i < n; i++)
        k += (size_t)sprintf(body + k, "Sitemap: http://a.example/%zu\n", i);
    r = parse(body, k, "trawl");
    assert_int_equal(parse_robots_sitemaps(r), PARSE_ROBOTS_SITEMAPS_MAX);
    assert_string_equal(parse_robots_sitemap(r, 999, &len), "http://a.example/999");
    parse_robots_destroy(r);
    free(body);

    /* 100 sitemaps of 16 KiB: only what fits in PARSE_ROBOTS_SITEMAP_BYTES is kept */
    body = malloc(100 * (PARSE_ROBOTS_LINE_MAX + 1));
    assert_non_null(body);
    for (i = 0, k = 0; i < 100; i++) {
        memcpy(body + k, "Sitemap: ", 9);
        memset(body + k + 9, 'a', PARSE_ROBOTS_LINE_MAX - 9);
        k += PARSE_ROBOTS_LINE_MAX;
        body[k++] = '\n';
    }
    r = parse(body, k, "trawl");
    assert_int_equal(parse_robots_sitemaps(r),
                     PARSE_ROBOTS_SITEMAP_BYTES / (PARSE_ROBOTS_LINE_MAX - 9 + 1));
    parse_robots_destroy(r);
    free(body);
}

static void test_robots_key_spellings(void **state)
{
    static const char *const agent_keys[] = {"User-agent", "user-agent", "USER-AGENT",
                                             "useragent", "User Agent", "user_agent"};
    static const char *const disallow_keys[] = {"Disallow", "DISALLOW", "dissallow",
                                                "dissalow", "disalow", "diasllow", "disallaw"};
    static const char *const not_keys[] = {"User-agents", "user--agent", "agent", "Disallowed",
                                           "Dis allow", "allows", "disallow2", "Disallow-x"};
    char body[128];
    struct parse_robots *r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(agent_keys) / sizeof(agent_keys[0]); i++) {
        snprintf(body, sizeof(body), "%s: trawl\nDisallow: /x\n", agent_keys[i]);
        r = parse_str(body, "trawl");
        assert_false(allowed(r, "/x"));
        parse_robots_destroy(r);
    }
    for (i = 0; i < sizeof(disallow_keys) / sizeof(disallow_keys[0]); i++) {
        snprintf(body, sizeof(body), "User-agent: trawl\n%s: /x\n", disallow_keys[i]);
        r = parse_str(body, "trawl");
        assert_false(allowed(r, "/x"));
        assert_int_equal(parse_robots_rules(r), 1);
        parse_robots_destroy(r);
    }
    for (i = 0; i < sizeof(not_keys) / sizeof(not_keys[0]); i++) {
        snprintf(body, sizeof(body), "User-agent: trawl\n%s: /x\n%s: trawl\nDisallow: /y\n",
                 not_keys[i], not_keys[i]);
        r = parse_str(body, "trawl");
        assert_true(allowed(r, "/x"));
        assert_false(allowed(r, "/y"));   /* an unknown key did not open a group either */
        assert_int_equal(parse_robots_rules(r), 1);
        parse_robots_destroy(r);
    }
    r = parse_str("user-agent: trawl\nALLOW: /x/\nDisallow: /\n", "trawl");
    assert_true(allowed(r, "/x/y"));
    parse_robots_destroy(r);
}

static void test_robots_malformed_lines(void **state)
{
    /* Each is inserted between "User-agent: trawl" and "Disallow: /x"; none may hide the
     * rule or add one. */
    static const char *const junk[] = {
        "", "   ", "\t", "#", "# Disallow: /", "Disallow /y", "Disallow", ":", ": /y", "  : /y",
        "Disallow#: /y", "#Disallow: /y", "::::", "\x01\x02:\x03", "Disallow\x00: /y",
        "<html><body>not robots</body></html>", "\xEF\xBB\xBF" "Disallow: /y", "\xFF\xFE:\xFF",
        "Disallow : /y#", "Allow\v:\f/y", "random text without separator", "=: /y",
    };
    static const unsigned expect_rules[] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1,
    };
    char body[256];
    struct parse_robots *r;
    size_t i, n, jl;

    (void)state;
    assert_int_equal(sizeof(junk) / sizeof(junk[0]), sizeof(expect_rules) / sizeof(expect_rules[0]));
    for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        /* "Disallow\x00: /y" holds a NUL: its length is written out */
        jl = i == 14 ? sizeof("Disallow\x00: /y") - 1 : strlen(junk[i]);
        n = (size_t)sprintf(body, "User-agent: trawl\n");
        memcpy(body + n, junk[i], jl);
        n += jl;
        n += (size_t)sprintf(body + n, "\nDisallow: /x\n");
        r = parse(body, n, "trawl");
        if (allowed(r, "/x") || parse_robots_rules(r) != expect_rules[i])
            fail_msg("junk line %zu: allowed %d, %zu rules", i, allowed(r, "/x"),
                     parse_robots_rules(r));
        parse_robots_destroy(r);
    }
    /* "Disallow : /y#" really disallows "/y", and "Allow\v:\f/y" allows it */
    r = parse_str("User-agent: trawl\nDisallow : /y#\nAllow\v:\f/y/\n", "trawl");
    assert_false(allowed(r, "/y"));
    assert_true(allowed(r, "/y/"));
    parse_robots_destroy(r);
    /* a value may hold more ':' */
    r = parse_str("User-agent: trawl\nDisallow: /a:b:c\n", "trawl");
    assert_false(allowed(r, "/a:b:c"));
    assert_true(allowed(r, "/a:b"));
    parse_robots_destroy(r);
    /* NUL bytes in a value are data (encoded %00) */
    r = parse("User-agent: trawl\nDisallow: /a\0b\n", sizeof("User-agent: trawl\nDisallow: /a\0b\n") - 1,
              "trawl");
    assert_false(allowed(r, "/a%00b"));
    assert_true(allowed(r, "/a"));
    parse_robots_destroy(r);
}

static void test_robots_line_endings_and_bom(void **state)
{
    static const char *const bodies[] = {
        "User-agent: trawl\nAllow: /x/\nDisallow: /\n",
        "User-agent: trawl\r\nAllow: /x/\r\nDisallow: /\r\n",
        "User-agent: trawl\rAllow: /x/\rDisallow: /\r",
        "User-agent: trawl\r\n\r\nAllow: /x/\n\rDisallow: /",
        "\xEF\xBB\xBFUser-agent: trawl\nAllow: /x/\nDisallow: /\n",
        "\xEF\xBBUser-agent: trawl\nAllow: /x/\nDisallow: /\n",
        "\xEFUser-agent: trawl\nAllow: /x/\nDisallow: /\n",
        "\xEF\xBB\xBF\nUser-agent: trawl\nAllow: /x/\nDisallow: /\n",
        "  User-agent  :  trawl  \n\tAllow\t:\t/x/\t\n Disallow : / ",
    };
    struct parse_robots *r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        r = parse_str(bodies[i], "trawl");
        if (!allowed(r, "/x/a") || allowed(r, "/y") || parse_robots_rules(r) != 2)
            fail_msg("body %zu", i);
        parse_robots_destroy(r);
    }
    /* a broken BOM spoils only the first line; a BOM elsewhere is part of its line */
    r = parse_str("\xEF\x11\xBFUser-agent: trawl\nDisallow: /\n", "trawl");
    assert_true(allowed(r, "/y"));
    parse_robots_destroy(r);
    r = parse_str("User-agent: trawl\n\xEF\xBB\xBF" "Disallow: /\nDisallow: /z\n", "trawl");
    assert_true(allowed(r, "/y"));
    assert_false(allowed(r, "/z"));
    parse_robots_destroy(r);
}

/* Lines past PARSE_ROBOTS_LINE_MAX are cut there; the rest of the line is skipped, and the
 * next line is read normally. */
static void test_robots_long_lines(void **state)
{
    size_t head = strlen("User-agent: trawl\n"), n = head, plen;
    size_t cap = head + 3 * PARSE_ROBOTS_LINE_MAX + 64;
    char *body = malloc(cap), *target = malloc(cap);
    struct parse_robots *r;

    (void)state;
    assert_non_null(body);
    assert_non_null(target);
    memcpy(body, "User-agent: trawl\n", head);
    memcpy(body + n, "Disallow: /x/", 13);
    n += 13;
    memset(body + n, 'a', 2 * PARSE_ROBOTS_LINE_MAX);
    n += 2 * PARSE_ROBOTS_LINE_MAX;
    memcpy(body + n, "/qux\nDisallow: /next\n", 21);
    n += 21;
    r = parse(body, n, "trawl");
    assert_int_equal(parse_robots_rules(r), 2);
    assert_false(allowed(r, "/next"));
    assert_true(allowed(r, "/fux"));
    /* the cut pattern is "/x/" plus 16384 - 13 'a's: it matches a target that long */
    plen = PARSE_ROBOTS_LINE_MAX - 10;
    memcpy(target, "/x/", 3);
    memset(target + 3, 'a', plen - 3);
    assert_false(parse_robots_allowed(r, target, plen));
    assert_true(parse_robots_allowed(r, target, plen - 1));
    parse_robots_destroy(r);
    free(body);
    free(target);
}

static void test_robots_rule_limits(void **state)
{
    size_t n = PARSE_ROBOTS_RULES_MAX + 10, i, k;
    char *body = malloc(n * 32 + 64);
    struct parse_robots *r;

    (void)state;
    assert_non_null(body);
    k = (size_t)sprintf(body, "User-agent: *\n");
    for (i = 0; i < n; i++)
        k += (size_t)sprintf(body + k, "Disallow: /p%zu$\n", i);
    r = parse(body, k, "trawl");
    assert_int_equal(parse_robots_rules(r), PARSE_ROBOTS_RULES_MAX);
    assert_false(allowed(r, "/p0"));
    assert_false(allowed(r, "/p9999"));
    assert_true(allowed(r, "/p10000"));   /* past the limit: dropped */
    parse_robots_destroy(r);
    free(body);

    /* 200 rules of 3 * 16 KiB normalised bytes: only what fits in the byte limit is kept */
    body = malloc(200 * (PARSE_ROBOTS_LINE_MAX + 1) + 64);
    assert_non_null(body);
    k = (size_t)sprintf(body, "User-agent: *\n");
    for (i = 0; i < 200; i++) {
        memcpy(body + k, "Disallow:/", 10);
        memset(body + k + 10, ' ', PARSE_ROBOTS_LINE_MAX - 11);
        body[k + PARSE_ROBOTS_LINE_MAX - 1] = 'x';
        k += PARSE_ROBOTS_LINE_MAX;
        body[k++] = '\n';
    }
    r = parse(body, k, "trawl");
    assert_int_equal(parse_robots_rules(r),
                     PARSE_ROBOTS_PATTERN_BYTES / (1 + 3 * (PARSE_ROBOTS_LINE_MAX - 11) + 1));
    parse_robots_destroy(r);
    free(body);
}

/* Reference matcher: dynamic programming over (pattern prefix, target prefix). */
static bool ref_match(const char *p, size_t m, const char *t, size_t n)
{
    bool dp[64], nd[64], any;
    bool anchored = m > 0 && p[m - 1] == '$';
    size_t i, j;

    assert_true(n < 64);
    if (anchored)
        m--;
    for (j = 0; j <= n; j++)
        dp[j] = j == 0;
    for (i = 0; i < m; i++) {
        any = false;
        for (j = 0; j <= n; j++) {
            if (p[i] == '*') {
                any = any || dp[j];
                nd[j] = any;
            } else {
                nd[j] = j > 0 && dp[j - 1] && t[j - 1] == p[i];
            }
        }
        memcpy(dp, nd, sizeof(dp));
    }
    if (anchored)
        return dp[n];
    for (j = 0; j <= n; j++)
        if (dp[j])
            return true;
    return false;
}

static uint64_t rnd_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The greedy KMP matcher agrees with the reference on many small random cases. */
static void test_robots_match_agrees_with_reference(void **state)
{
    static const char pat_alpha[] = "ab*$/";
    static const char txt_alpha[] = "ab$/";
    char p[16], t[24];
    uint16_t fail[16];
    uint64_t s = 0x2545F4914F6CDD1Du;
    size_t m, n, i;
    int iter;

    (void)state;
    for (iter = 0; iter < 300000; iter++) {
        m = rnd_next(&s) % 10;
        n = rnd_next(&s) % 16;
        for (i = 0; i < m; i++)
            p[i] = pat_alpha[rnd_next(&s) % 5];
        for (i = 0; i < n; i++)
            t[i] = txt_alpha[rnd_next(&s) % 4];
        parse__robots_fail(p, m, fail);
        if (parse__robots_match(p, fail, m, t, n, NULL) != ref_match(p, m, t, n))
            fail_msg("pattern '%.*s' target '%.*s': reference says %d", (int)m, p, (int)n, t,
                     ref_match(p, m, t, n));
    }
}

/* Patterns full of '*' against long targets cost O(m + n) comparisons, not more. */
static void test_robots_pathological_wildcards(void **state)
{
    enum { M = 4001, N = 10000 };
    char *p = malloc(M + 16), *t = malloc(N + 1), *body;
    uint16_t *fail = malloc((M + 16) * sizeof(*fail));
    struct parse_robots *r;
    uint64_t steps;
    size_t m, i, k;

    (void)state;
    assert_non_null(p);
    assert_non_null(t);
    assert_non_null(fail);
    t[0] = '/';
    memset(t + 1, 'a', N - 1);

    /* '/' then "*a" 1,999 times then "*b": 2,000 '*', each "a" found at once, then "b" scanned
     * for to the end */
    p[0] = '/';
    for (m = 1; m < M - 2; m += 2) {
        p[m] = '*';
        p[m + 1] = 'a';
    }
    p[m++] = '*';
    p[m++] = 'b';
    parse__robots_fail(p, m, fail);
    steps = 0;
    assert_false(parse__robots_match(p, fail, m, t, N, &steps));
    assert_true(steps <= 3 * (uint64_t)(m + N));
    /* the same ending in '$' and in "a": a match, as cheap */
    p[m - 1] = 'a';
    p[m] = '$';
    parse__robots_fail(p, m + 1, fail);
    steps = 0;
    assert_true(parse__robots_match(p, fail, m + 1, t, N, &steps));
    assert_true(steps <= 3 * (uint64_t)(m + N));

    /* 2,000 '*' in a row, then a piece KMP must fall back in often: "aaaa...ab" */
    p[0] = '/';
    memset(p + 1, '*', 2000);
    memset(p + 2001, 'a', 1000);
    p[3001] = 'b';
    m = 3002;
    parse__robots_fail(p, m, fail);
    steps = 0;
    assert_false(parse__robots_match(p, fail, m, t, N, &steps));
    assert_true(steps <= 3 * (uint64_t)(m + N));

    /* the same through the parser: a rule like that and a 10,000-byte target */
    body = malloc(M + 64);
    assert_non_null(body);
    k = (size_t)sprintf(body, "User-agent: *\nDisallow: /");
    for (i = 0; i < 2000; i++)
        k += (size_t)sprintf(body + k, "*a");
    k += (size_t)sprintf(body + k, "*b\n");
    r = parse(body, k, "trawl");
    assert_true(parse_robots_allowed(r, t, N));
    t[N - 1] = 'b';
    assert_false(parse_robots_allowed(r, t, N));
    parse_robots_destroy(r);
    free(body);
    free(p);
    free(t);
    free(fail);
}

static void check_sane(const char *body, size_t len, const char *agent)
{
    static const char *const targets[] = {"/", "/cgi-bin/x", "/a.pdf", "/private/ok",
                                          "/search?q=a&page=2", "/robots.txt", "", "/tmp/x"};
    struct parse_robots *r = parse(body, len, agent);
    size_t i, n;
    const char *s;

    for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
        (void)parse_robots_allowed(r, targets[i], strlen(targets[i]));
    assert_true(parse_robots_allowed(r, "/robots.txt", 11));
    assert_true(parse_robots_rules(r) <= PARSE_ROBOTS_RULES_MAX);
    assert_true(parse_robots_crawl_delay_ms(r) >= -1);
    assert_true(parse_robots_crawl_delay_ms(r) <= PARSE_ROBOTS_DELAY_MAX_MS);
    for (i = 0; i < parse_robots_sitemaps(r); i++) {
        s = parse_robots_sitemap(r, i, &n);
        /* any bytes but line ends and '#', NUL-terminated (a NUL inside stays data) */
        assert_true(n > 0);
        assert_int_equal(s[n], '\0');
        assert_null(memchr(s, '\n', n));
        assert_null(memchr(s, '\r', n));
        assert_null(memchr(s, '#', n));
    }
    parse_robots_destroy(r);
}

static void test_robots_realistic(void **state)
{
    static const struct {
        const char *agent, *target;
        bool allowed;
    } q[] = {
        {"trawl", "/cgi-bin/x", true},   {"trawl", "/private/x", false},
        {"trawl", "/private/ok", true},  {"trawl", "/private/ok2", false},
        {"trawl", "/search?q=a&page=2", false}, {"trawl", "/search?q=a", true},
        {"trawl", "/tmp/x", false},      {"trawl", "/a.pdf", true},
        {"otherbot", "/tmp/x", true},    {"otherbot", "/private/", false},
        {"x", "/cgi-bin/x", false},      {"x", "/cgi-bin/public/y", true},
        {"x", "/a/b.pdf", false},        {"x", "/a/b.pdf?x", true},
    };
    struct parse_robots *r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        r = parse(realistic, sizeof(realistic) - 1, q[i].agent);
        if (allowed(r, q[i].target) != q[i].allowed)
            fail_msg("%s %s", q[i].agent, q[i].target);
        parse_robots_destroy(r);
    }
    r = parse(realistic, sizeof(realistic) - 1, "trawl");
    assert_int_equal(parse_robots_crawl_delay_ms(r), 10000);
    assert_int_equal(parse_robots_rules(r), 4);
    parse_robots_destroy(r);
    r = parse(realistic, sizeof(realistic) - 1, "x");
    assert_int_equal(parse_robots_crawl_delay_ms(r), 2500);
    assert_int_equal(parse_robots_rules(r), 3);
    parse_robots_destroy(r);
}

/* RFC 9309 section 5.1's example file. */
static void test_robots_rfc9309_example(void **state)
{
#define RFC                                                                                   \
    "User-Agent: *\nDisallow: *.gif$\nDisallow: /example/\nAllow: /publications/\n\n"          \
    "User-Agent: foobot\nDisallow:/\nAllow:/example/page.html\nAllow:/example/allowed.gif\n\n" \
    "User-Agent: barbot\nUser-Agent: bazbot\nDisallow: /example/page.html\n\n"                 \
    "User-Agent: quxbot\n\nEOF\n"
    static const struct rcase cases[] = {
        NO(RFC, "foobot", "/"),
        YES(RFC, "foobot", "/example/page.html"),
        YES(RFC, "foobot", "/example/allowed.gif"),
        NO(RFC, "foobot", "/example/other.gif"),
        NO(RFC, "barbot", "/example/page.html"),
        NO(RFC, "bazbot", "/example/page.html"),
        YES(RFC, "bazbot", "/example/x.gif"),
        YES(RFC, "quxbot", "/example/x.gif"),
        YES(RFC, "quxbot", "/"),
        NO(RFC, "other", "/example/"),
        NO(RFC, "other", "/a.gif"),
        YES(RFC, "other", "/publications/x"),
        YES(RFC, "other", "/page.html"),
    };

    (void)state;
    RUN(cases);
}

static void test_robots_every_prefix(void **state)
{
    static const char *const agents[] = {"trawl", "otherbot", "x", ""};
    size_t n, a;

    (void)state;
    for (n = 0; n <= sizeof(realistic) - 1; n++) {
        char *copy = malloc(n ? n : 1);   /* exact size, so ASan sees any over-read */

        assert_non_null(copy);
        memcpy(copy, realistic, n);
        for (a = 0; a < sizeof(agents) / sizeof(agents[0]); a++)
            check_sane(copy, n, agents[a]);
        free(copy);
    }
}

static void test_robots_hostile_bytes(void **state)
{
    static const char *const samples[] = {
        "User-agent: trawl\nDisallow: /a*b$\nAllow: /a%41\n",
        "Sitemap: http://x/\nCrawl-delay: 1.5\n",
    };
    char buf[96];
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
                check_sane(buf, n + 1, "trawl");
                if (pos < n) {
                    memcpy(buf, samples[i], n);
                    buf[pos] = (char)c;
                    check_sane(buf, n, "trawl");
                }
            }
        }
    }
}

/* Invalid UTF-8 anywhere is harmless: keys do not match, values are percent-encoded. */
static void test_robots_invalid_utf8(void **state)
{
    struct parse_robots *r;

    (void)state;
    r = parse_str("User-agent: tr\xC3\n\xC0\xAF: x\nUser-agent: trawl\xFF\nDisallow: /\xC0\xAF\xED\xA0\x80\n"
                  "User-agent: trawl\nDisallow: /\xF8\x88\x80\x80\x80\n",
                  "trawl");
    assert_int_equal(parse_robots_rules(r), 1);
    assert_false(allowed(r, "/%F8%88%80%80%80"));
    assert_true(allowed(r, "/%C0%AF%ED%A0%80"));
    parse_robots_destroy(r);
}

/* Fail each allocation in turn: -ENOMEM, *out untouched, nothing leaked (ASan checks). */
static void test_robots_enomem(void **state)
{
    struct parse_robots *r;
    long n;
    int rc;

    (void)state;
    for (n = 0;; n++) {
        r = (struct parse_robots *)&n;   /* a sentinel that must survive a failure */
        core_mem_fail_after(n);
        rc = parse_robots_create(realistic, sizeof(realistic) - 1, "trawl", &r);
        core_mem_fail_after(-1);
        if (rc == 0) {
            assert_true(n > 3);
            assert_false(allowed(r, "/tmp"));
            parse_robots_destroy(r);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
        assert_ptr_equal(r, (struct parse_robots *)&n);
        assert_true(n < 100);
    }
    for (n = 0;; n++) {
        r = NULL;
        core_mem_fail_after(n);
        rc = parse_robots_disallow_all(&r);
        core_mem_fail_after(-1);
        if (rc == 0) {
            parse_robots_destroy(r);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
        assert_null(r);
    }
    core_mem_fail_after(0);
    assert_int_equal(parse_robots_allow_all(&r), -ENOMEM);
    core_mem_fail_after(-1);
}

/* Queries allocate nothing. */
static void test_robots_query_allocates_nothing(void **state)
{
    struct parse_robots *r;
    unsigned long before;
    int i;

    (void)state;
    r = parse(realistic, sizeof(realistic) - 1, "trawl");
    before = core_mem_allocs();
    for (i = 0; i < 100; i++) {
        assert_false(allowed(r, "/private/a"));
        assert_true(allowed(r, "/ok"));
        assert_int_equal(parse_robots_crawl_delay_ms(r), 10000);
    }
    assert_int_equal(core_mem_allocs(), before);
    parse_robots_destroy(r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_robots_group_selection),
        cmocka_unit_test(test_robots_agent_run_spans_other_records),
        cmocka_unit_test(test_robots_longest_match),
        cmocka_unit_test(test_robots_wildcards_and_anchor),
        cmocka_unit_test(test_robots_percent_encoding),
        cmocka_unit_test(test_robots_pattern_normalisation),
        cmocka_unit_test(test_robots_empty_values),
        cmocka_unit_test(test_robots_txt_always_allowed),
        cmocka_unit_test(test_robots_allow_all_disallow_all),
        cmocka_unit_test(test_robots_crawl_delay),
        cmocka_unit_test(test_robots_crawl_delay_ends_agent_run),
        cmocka_unit_test(test_robots_sitemaps),
        cmocka_unit_test(test_robots_sitemaps_in_agent_run),
        cmocka_unit_test(test_robots_sitemap_limits),
        cmocka_unit_test(test_robots_key_spellings),
        cmocka_unit_test(test_robots_malformed_lines),
        cmocka_unit_test(test_robots_line_endings_and_bom),
        cmocka_unit_test(test_robots_long_lines),
        cmocka_unit_test(test_robots_rule_limits),
        cmocka_unit_test(test_robots_match_agrees_with_reference),
        cmocka_unit_test(test_robots_pathological_wildcards),
        cmocka_unit_test(test_robots_realistic),
        cmocka_unit_test(test_robots_rfc9309_example),
        cmocka_unit_test(test_robots_every_prefix),
        cmocka_unit_test(test_robots_hostile_bytes),
        cmocka_unit_test(test_robots_invalid_utf8),
        cmocka_unit_test(test_robots_enomem),
        cmocka_unit_test(test_robots_query_allocates_nothing),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
