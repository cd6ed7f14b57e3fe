/* tests/test_parse_domain.c: registrable domains and same-site checks via libpsl. */
#include <string.h>

#include "parse/domain.h"
#include "tests/support/corotest.h"

struct dcase {
    const char *host;
    int rc;
    const char *dom;   /* when rc == 0 */
};

static const struct dcase cases[] = {
    {"a.b.example.co.uk", 0, "example.co.uk"},
    {"example.co.uk", 0, "example.co.uk"},
    {"www.example.com", 0, "example.com"},
    {"example.com", 0, "example.com"},
    {"WWW.Example.COM", 0, "Example.COM"},   /* a view into the host: case kept */
    {"www.example.com.", 0, "example.com"},  /* trailing dot never in the view */
    {"x.alice.github.io", 0, "alice.github.io"}, /* private suffix */
    {"alice.github.io", 0, "alice.github.io"},
    {"github.io", 0, "github.io"},           /* itself a public suffix */
    {"co.uk", 0, "co.uk"},
    {"com", 0, "com"},
    {"localhost", 0, "localhost"},
    {"a.localhost", 0, "a.localhost"},
    {"127.0.0.1", 0, "127.0.0.1"},
    {"192.168.10.20", 0, "192.168.10.20"},
    {"10.0.0.1.", 0, "10.0.0.1"},
    {"[::1]", 0, "[::1]"},
    {"[2001:db8::1]", 0, "[2001:db8::1]"},
    {"::1", 0, "::1"},
    {"xn--caf-dma.example.fr", 0, "example.fr"},
    {"a.b.c.kawasaki.jp", 0, "b.c.kawasaki.jp"}, /* wildcard rule *.kawasaki.jp */
    {"city.kawasaki.jp", 0, "city.kawasaki.jp"}, /* exception rule !city.kawasaki.jp */
    {"under_score.example.org", 0, "example.org"},
    {"", CORE_EPARSE, NULL},
    {".", CORE_EPARSE, NULL},
    {"exa mple.com", CORE_EPARSE, NULL},
    {"ex\xC3\xA9.com", CORE_EPARSE, NULL},
    {"example.com/", CORE_EPARSE, NULL},
    {"user@example.com", CORE_EPARSE, NULL},
    {"[::1", CORE_EPARSE, NULL},
    {"[::g]", CORE_EPARSE, NULL},
    {"[", CORE_EPARSE, NULL},
};

static void test_domain_registrable_table(void **state)
{
    const char *dom;
    size_t i, len;
    int rc;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dom = NULL;
        len = 12345;
        rc = parse_domain_registrable(cases[i].host, strlen(cases[i].host), &dom, &len);
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d", cases[i].host, rc, cases[i].rc);
        if (rc != 0) {
            assert_null(dom);   /* out-parameters untouched on failure */
            assert_int_equal(len, 12345);
            continue;
        }
        if (len != strlen(cases[i].dom) || memcmp(dom, cases[i].dom, len) != 0)
            fail_msg("'%s': got '%.*s', want '%s'", cases[i].host, (int)len, dom, cases[i].dom);
        assert_true(dom >= cases[i].host && dom + len <= cases[i].host + strlen(cases[i].host));
    }
}

static void test_domain_length_limit(void **state)
{
    char host[300];
    const char *dom;
    size_t len;

    (void)state;
    memset(host, 'a', sizeof(host));
    memcpy(host + 253 - 4, ".com", 4);   /* 253 bytes */
    assert_int_equal(parse_domain_registrable(host, 253, &dom, &len), 0);
    assert_int_equal(len, 253);          /* one long label under .com */
    host[253] = '.';
    assert_int_equal(parse_domain_registrable(host, 254, &dom, &len), 0);
    assert_int_equal(len, 253);
    host[253] = 'a';
    assert_int_equal(parse_domain_registrable(host, 254, &dom, &len), CORE_EPARSE);
    assert_int_equal(parse_domain_registrable(host, sizeof(host), &dom, &len), CORE_EPARSE);
}

static void test_domain_same_site(void **state)
{
    static const struct {
        const char *a, *b;
        bool same;
    } pairs[] = {
        {"a.example.co.uk", "b.example.co.uk", true},
        {"example.co.uk", "www.example.co.uk", true},
        {"Example.COM", "www.example.com.", true},
        {"alice.github.io", "bob.github.io", false},
        {"x.alice.github.io", "alice.github.io", true},
        {"example.com", "example.org", false},
        {"example.com", "notexample.com", false},
        {"1.2.3.4", "5.6.3.4", false},
        {"1.2.3.4", "1.2.3.4", true},
        {"[::1]", "[::1]", true},
        {"localhost", "localhost", true},
        {"a.localhost", "b.localhost", false},
        {"co.uk", "example.co.uk", false},
        {"", "", false},
        {"bad host", "bad host", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        bool got = parse_domain_same_site(pairs[i].a, strlen(pairs[i].a), pairs[i].b,
                                          strlen(pairs[i].b));

        if (got != pairs[i].same)
            fail_msg("'%s' vs '%s': %d", pairs[i].a, pairs[i].b, got);
        assert_int_equal(parse_domain_same_site(pairs[i].b, strlen(pairs[i].b), pairs[i].a,
                                                strlen(pairs[i].a)), got);
    }
}

/* Every prefix, and every byte value at every position: 0 with a view inside the host, or
 * CORE_EPARSE. The host is not NUL-terminated at len. */
static void test_domain_hostile_bytes(void **state)
{
    static const char *const samples[] = {"www.example.co.uk.", "[2001:db8::1]", "10.1.2.3"};
    char buf[64];
    const char *dom;
    size_t i, pos, n, len;
    unsigned c;
    int rc;

    (void)state;
    for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        n = strlen(samples[i]);
        for (pos = 0; pos <= n; pos++) {
            memcpy(buf, samples[i], n);
            memset(buf + pos, 'Z', sizeof(buf) - pos);   /* no NUL after the prefix */
            rc = parse_domain_registrable(buf, pos, &dom, &len);
            assert_true(rc == 0 || rc == CORE_EPARSE);
            if (rc == 0)
                assert_true(dom >= buf && dom + len <= buf + pos && len > 0);
            for (c = 0; c < 256 && pos < n; c++) {
                memcpy(buf, samples[i], n);
                buf[pos] = (char)c;
                rc = parse_domain_registrable(buf, n, &dom, &len);
                assert_true(rc == 0 || rc == CORE_EPARSE);
                if (rc == 0)
                    assert_true(dom >= buf && dom + len <= buf + n && len > 0);
            }
        }
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domain_registrable_table),
        cmocka_unit_test(test_domain_length_limit),
        cmocka_unit_test(test_domain_same_site),
        cmocka_unit_test(test_domain_hostile_bytes),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
