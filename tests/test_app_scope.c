/* tests/test_app_scope.c: which URLs the crawl may fetch (see app/crawl/scope.h): host, domain
 * (libpsl registrable domains) and any modes, seeds that redirect adding their target's host,
 * --allow/--deny as POSIX extended regexes (at least one allow must match, no deny may), which
 * verdict says why a URL was refused, and errors (malformed seed, invalid regex, no memory). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/crawl/scope.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

struct verdict_case {
    const char *url;
    enum scope_verdict want;
};

static struct scope *mkscope(enum scope_mode mode)
{
    struct scope *s = NULL;

    assert_int_equal(scope_create(mode, &s), 0);
    assert_non_null(s);
    return s;
}

static void add_seed(struct scope *s, const char *url)
{
    assert_int_equal(scope_add_seed(s, url, strlen(url)), 0);
}

static void add_rule(struct scope *s, bool allow, const char *regex)
{
    char err[128] = "";

    if (scope_add_rule(s, allow, regex, err, sizeof(err)) != 0)
        fail_msg("rule '%s' refused: %s", regex, err);
}

static enum scope_verdict check(const struct scope *s, const char *url)
{
    return scope_check(s, url, strlen(url));
}

static void check_table(const struct scope *s, const struct verdict_case *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        enum scope_verdict got = check(s, c[i].url);

        if (got != c[i].want)
            fail_msg("%s: verdict %d, want %d", c[i].url, (int)got, (int)c[i].want);
    }
}

#define CHECK_TABLE(s, cases) check_table((s), (cases), sizeof(cases) / sizeof((cases)[0]))

static void test_scope_verdicts_are_distinct_and_in_is_zero(void **state)
{
    (void)state;
    /* callers test "!= SCOPE_IN" and report the two refusals under different names */
    assert_int_equal(SCOPE_IN, 0);
    assert_int_not_equal(SCOPE_OUT_HOST, SCOPE_IN);
    assert_int_not_equal(SCOPE_OUT_RULE, SCOPE_IN);
    assert_int_not_equal(SCOPE_OUT_HOST, SCOPE_OUT_RULE);
}

static void test_scope_host_mode_same_host_only(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://example.com/", SCOPE_IN},
        {"http://example.com/a/b?c=d", SCOPE_IN},
        {"https://example.com/", SCOPE_IN},            /* the host, not the origin */
        {"http://example.com:8080/", SCOPE_IN},         /* ports are not part of the host */
        {"http://www.example.com/", SCOPE_OUT_HOST},    /* a subdomain is another host */
        {"http://ample.com/", SCOPE_OUT_HOST},
        {"http://example.com.evil.net/", SCOPE_OUT_HOST},
        {"http://example.org/", SCOPE_OUT_HOST},
        {"http://example.co/", SCOPE_OUT_HOST},
        {"http://127.0.0.1/", SCOPE_OUT_HOST},
    };
    struct scope *s = mkscope(SCOPE_HOST);

    (void)state;
    add_seed(s, "http://example.com/start");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_host_mode_several_seeds(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://a.test/x", SCOPE_IN},
        {"http://127.0.0.1:8080/y", SCOPE_IN},
        {"http://[::1]/z", SCOPE_IN},
        {"http://b.test/", SCOPE_OUT_HOST},
        {"http://127.0.0.2/", SCOPE_OUT_HOST},
    };
    struct scope *s = mkscope(SCOPE_HOST);

    (void)state;
    add_seed(s, "http://a.test/");
    add_seed(s, "http://127.0.0.1:8080/");
    add_seed(s, "https://[::1]/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_no_seeds_refuses_every_host(void **state)
{
    struct scope *h = mkscope(SCOPE_HOST), *d = mkscope(SCOPE_DOMAIN);

    (void)state;
    assert_int_equal(check(h, "http://example.com/"), SCOPE_OUT_HOST);
    assert_int_equal(check(d, "http://example.com/"), SCOPE_OUT_HOST);
    scope_destroy(h);
    scope_destroy(d);
}

static void test_scope_domain_mode_same_registrable_domain(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://a.example.co.uk/", SCOPE_IN},
        {"http://b.example.co.uk/", SCOPE_IN},          /* a sibling: the same site */
        {"https://example.co.uk/", SCOPE_IN},
        {"http://x.y.z.example.co.uk/", SCOPE_IN},
        {"http://other.co.uk/", SCOPE_OUT_HOST},        /* same public suffix, another site */
        {"http://co.uk/", SCOPE_OUT_HOST},              /* the suffix itself */
        {"http://example.uk/", SCOPE_OUT_HOST},
        {"http://example.com/", SCOPE_OUT_HOST},
        {"http://example.co.uk.evil.net/", SCOPE_OUT_HOST},
    };
    struct scope *s = mkscope(SCOPE_DOMAIN);

    (void)state;
    add_seed(s, "http://a.example.co.uk/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_domain_mode_private_suffixes(void **state)
{
    /* github.io is a private suffix on the PSL: each user's site is its own domain */
    static const struct verdict_case cases[] = {
        {"https://alice.github.io/", SCOPE_IN},
        {"https://docs.alice.github.io/", SCOPE_IN},
        {"https://bob.github.io/", SCOPE_OUT_HOST},
        {"https://github.io/", SCOPE_OUT_HOST},
        {"https://github.com/", SCOPE_OUT_HOST},
    };
    struct scope *s = mkscope(SCOPE_DOMAIN);

    (void)state;
    add_seed(s, "https://alice.github.io/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_domain_mode_plain_and_ip_hosts(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://www.example.com/", SCOPE_IN},
        {"http://example.com/", SCOPE_IN},
        {"http://deep.sub.example.com/", SCOPE_IN},
        {"http://localhost:9000/", SCOPE_IN},           /* a single label is its own domain */
        {"http://10.0.0.1/", SCOPE_IN},                 /* an IP address is its own domain */
        {"http://10.0.0.2/", SCOPE_OUT_HOST},
        {"http://example.net/", SCOPE_OUT_HOST},
        {"http://otherhost/", SCOPE_OUT_HOST},
    };
    struct scope *s = mkscope(SCOPE_DOMAIN);

    (void)state;
    add_seed(s, "http://www.example.com/");
    add_seed(s, "http://localhost:8000/");
    add_seed(s, "http://10.0.0.1/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_any_mode_every_host(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://example.com/", SCOPE_IN},
        {"https://elsewhere.org/x", SCOPE_IN},
        {"http://127.0.0.1:1/", SCOPE_IN},
    };
    struct scope *s = mkscope(SCOPE_ANY);

    (void)state;
    CHECK_TABLE(s, cases);     /* no seed needed */
    add_seed(s, "http://example.com/");
    CHECK_TABLE(s, cases);     /* and a seed does not narrow it */
    scope_destroy(s);
}

static void test_scope_seed_redirect_adds_host(void **state)
{
    struct scope *s = mkscope(SCOPE_HOST);

    (void)state;
    add_seed(s, "http://example.com/");
    assert_int_equal(check(s, "https://www.example.com/page"), SCOPE_OUT_HOST);
    /* the seed answered 301 Location: https://www.example.com/ */
    add_seed(s, "https://www.example.com/");
    assert_int_equal(check(s, "https://www.example.com/page"), SCOPE_IN);
    assert_int_equal(check(s, "http://example.com/other"), SCOPE_IN);  /* the first stays */
    assert_int_equal(check(s, "http://cdn.example.com/"), SCOPE_OUT_HOST);
    scope_destroy(s);
}

static void test_scope_many_seeds(void **state)
{
    struct scope *s = mkscope(SCOPE_HOST);
    char url[64];
    int i;

    (void)state;
    /* enough hosts to grow the set several times; each seed added twice */
    for (i = 0; i < 1000; i++) {
        snprintf(url, sizeof(url), "http://h%d.test/", i);
        add_seed(s, url);
        add_seed(s, url);
    }
    for (i = 0; i < 1000; i++) {
        snprintf(url, sizeof(url), "http://h%d.test/page", i);
        assert_int_equal(check(s, url), SCOPE_IN);
        snprintf(url, sizeof(url), "http://g%d.test/page", i);
        assert_int_equal(check(s, url), SCOPE_OUT_HOST);
    }
    assert_int_equal(check(s, "http://h1000.test/"), SCOPE_OUT_HOST);
    scope_destroy(s);
}

static void test_scope_malformed_seed_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "example.com",          /* no scheme */
        "//example.com/",
        "http://",
        "not a url",
    };
    struct scope *s = mkscope(SCOPE_HOST);
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (scope_add_seed(s, bad[i], strlen(bad[i])) != CORE_EPARSE)
            fail_msg("seed '%s' was not refused with CORE_EPARSE", bad[i]);
    assert_int_equal(check(s, "http://example.com/"), SCOPE_OUT_HOST);
    scope_destroy(s);
}

static void test_scope_malformed_url_is_out_of_host(void **state)
{
    struct scope *s = mkscope(SCOPE_HOST);

    (void)state;
    add_seed(s, "http://example.com/");
    assert_int_equal(check(s, "example.com/a"), SCOPE_OUT_HOST);
    assert_int_equal(check(s, ""), SCOPE_OUT_HOST);
    scope_destroy(s);
}

static void test_scope_allow_at_least_one_must_match(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://h.test/blog/post", SCOPE_IN},
        {"http://h.test/news/today", SCOPE_IN},
        {"http://h.test/blog/news/", SCOPE_IN},         /* both: still in */
        {"http://h.test/shop/", SCOPE_OUT_RULE},
        {"http://h.test/", SCOPE_OUT_RULE},
    };
    struct scope *s = mkscope(SCOPE_ANY);

    (void)state;
    add_rule(s, true, "/blog/");
    add_rule(s, true, "/news/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_deny_none_may_match(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://h.test/docs/a.html", SCOPE_IN},
        {"http://h.test/pdf/index.html", SCOPE_IN},     /* "pdf" but not "\.pdf$" */
        {"http://h.test/docs/a.pdf", SCOPE_OUT_RULE},
        {"http://h.test/private/x", SCOPE_OUT_RULE},
        {"http://h.test/private/a.pdf", SCOPE_OUT_RULE},
    };
    struct scope *s = mkscope(SCOPE_ANY);

    (void)state;
    add_rule(s, false, "\\.pdf$");
    add_rule(s, false, "/private/");
    CHECK_TABLE(s, cases);
    /* only url[0..len) is checked: what follows it is not part of the URL */
    assert_int_equal(scope_check(s, "http://h.test/a.pdfx", 19), SCOPE_OUT_RULE);
    assert_int_equal(scope_check(s, "http://h.test/a.html/private/", 20), SCOPE_IN);
    assert_int_equal(scope_check(s, "http://h.test/a.pdf", 17), SCOPE_IN);
    scope_destroy(s);
}

static void test_scope_allow_and_deny_together(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://h.test/docs/new/", SCOPE_IN},
        {"http://h.test/docs/old/page", SCOPE_OUT_RULE},  /* allowed, then denied */
        {"http://h.test/blog/", SCOPE_OUT_RULE},          /* not allowed */
    };
    struct scope *s = mkscope(SCOPE_ANY);

    (void)state;
    add_rule(s, false, "/docs/old/");   /* the order rules are added in does not matter */
    add_rule(s, true, "/docs/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_rules_are_posix_extended(void **state)
{
    /* +, | and {m,n} are operators in ERE (in a BRE they would be literal or need '\');
     * matches are searches (unanchored) and case-sensitive */
    static const struct verdict_case cases[] = {
        {"http://h.test/abab", SCOPE_IN},
        {"http://h.test/a", SCOPE_IN},
        {"http://h.test/abc", SCOPE_OUT_RULE},
        {"http://h.test/", SCOPE_OUT_RULE},
        {"http://h.test/p/12", SCOPE_IN},
        {"http://h.test/p/1", SCOPE_OUT_RULE},
        {"http://h.test/p/1234", SCOPE_OUT_RULE},
        {"http://h.test/x?id=77", SCOPE_IN},
        {"http://h.test/X?ID=77", SCOPE_OUT_RULE},
    };
    struct scope *s = mkscope(SCOPE_ANY);

    (void)state;
    add_rule(s, true, "^http://h\\.test/(a|b)+$");
    add_rule(s, true, "/p/[0-9]{2}$");
    add_rule(s, true, "id=[[:digit:]]+");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_host_checked_before_rules(void **state)
{
    static const struct verdict_case cases[] = {
        {"http://example.com/docs/", SCOPE_IN},
        {"http://other.com/docs/", SCOPE_OUT_HOST},      /* allowed by the rule, wrong host */
        {"http://other.com/private/", SCOPE_OUT_HOST},   /* wrong host and denied */
        {"http://example.com/shop/", SCOPE_OUT_RULE},
        {"http://example.com/docs/private/", SCOPE_OUT_RULE},
    };
    struct scope *s = mkscope(SCOPE_HOST);

    (void)state;
    add_seed(s, "http://example.com/");
    add_rule(s, true, "/docs/");
    add_rule(s, false, "/private/");
    CHECK_TABLE(s, cases);
    scope_destroy(s);
}

static void test_scope_invalid_regex_reports_reason(void **state)
{
    static const char *const bad[] = {"(", "[z-a]", "x{2,1}", "*a", "[[:nope:]]", "a{1", "\\"};
    struct scope *s = mkscope(SCOPE_ANY);
    char err[128], tiny[8];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool allow = i % 2 == 0;

        memset(err, 0, sizeof(err));
        if (scope_add_rule(s, allow, bad[i], err, sizeof(err)) != CORE_EPARSE)
            fail_msg("regex '%s' was not refused with CORE_EPARSE", bad[i]);
        if (err[0] == '\0')
            fail_msg("regex '%s': no reason given", bad[i]);
    }
    /* a short buffer gets a truncated, terminated reason */
    memset(tiny, 'x', sizeof(tiny));
    assert_int_equal(scope_add_rule(s, true, "(", tiny, sizeof(tiny)), CORE_EPARSE);
    assert_non_null(memchr(tiny, '\0', sizeof(tiny)));
    /* refused rules are not kept: with no allow rule in force, everything is still in */
    assert_int_equal(check(s, "http://h.test/"), SCOPE_IN);
    add_rule(s, true, "ok");
    assert_int_equal(check(s, "http://h.test/ok"), SCOPE_IN);
    assert_int_equal(check(s, "http://h.test/no"), SCOPE_OUT_RULE);
    scope_destroy(s);
}

static void test_scope_destroy_null_is_noop(void **state)
{
    (void)state;
    scope_destroy(NULL);
}

static void test_scope_nomem_fails_cleanly(void **state)
{
    struct scope *s;
    char url[64], err[64];
    long k;
    int i, rc;

    (void)state;
    core_mem_fail_after(0);
    s = (struct scope *)0x1;
    rc = scope_create(SCOPE_HOST, &s);
    core_mem_fail_after(-1);
    assert_int_equal(rc, -ENOMEM);
    assert_ptr_equal(s, (struct scope *)0x1);   /* out-parameters only on success */

    s = mkscope(SCOPE_HOST);
    /* fail each allocation of each add in turn (copies and the set growing), then retry: a
     * failed add leaves the scope as it was and a later one goes through */
    for (i = 0; i < 100; i++) {
        snprintf(url, sizeof(url), "http://h%d.test/", i);
        for (k = 0;; k++) {
            core_mem_fail_after(k);
            rc = scope_add_seed(s, url, strlen(url));
            core_mem_fail_after(-1);
            if (rc == 0)
                break;
            assert_int_equal(rc, -ENOMEM);
            assert_int_equal(check(s, url), SCOPE_OUT_HOST);
        }
        assert_int_equal(check(s, url), SCOPE_IN);
    }
    for (i = 0; i < 100; i++) {
        snprintf(url, sizeof(url), "http://h%d.test/x", i);
        assert_int_equal(check(s, url), SCOPE_IN);
    }
    core_mem_fail_after(0);
    rc = scope_add_rule(s, true, "/only/", err, sizeof(err));
    core_mem_fail_after(-1);
    assert_int_equal(rc, -ENOMEM);
    assert_int_equal(check(s, "http://h1.test/any"), SCOPE_IN);   /* the rule is not in force */
    scope_destroy(s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_verdicts_are_distinct_and_in_is_zero),
        cmocka_unit_test(test_scope_host_mode_same_host_only),
        cmocka_unit_test(test_scope_host_mode_several_seeds),
        cmocka_unit_test(test_scope_no_seeds_refuses_every_host),
        cmocka_unit_test(test_scope_domain_mode_same_registrable_domain),
        cmocka_unit_test(test_scope_domain_mode_private_suffixes),
        cmocka_unit_test(test_scope_domain_mode_plain_and_ip_hosts),
        cmocka_unit_test(test_scope_any_mode_every_host),
        cmocka_unit_test(test_scope_seed_redirect_adds_host),
        cmocka_unit_test(test_scope_many_seeds),
        cmocka_unit_test(test_scope_malformed_seed_refused),
        cmocka_unit_test(test_scope_malformed_url_is_out_of_host),
        cmocka_unit_test(test_scope_allow_at_least_one_must_match),
        cmocka_unit_test(test_scope_deny_none_may_match),
        cmocka_unit_test(test_scope_allow_and_deny_together),
        cmocka_unit_test(test_scope_rules_are_posix_extended),
        cmocka_unit_test(test_scope_host_checked_before_rules),
        cmocka_unit_test(test_scope_invalid_regex_reports_reason),
        cmocka_unit_test(test_scope_destroy_null_is_noop),
        cmocka_unit_test(test_scope_nomem_fails_cleanly),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
