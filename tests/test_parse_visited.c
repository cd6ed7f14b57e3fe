/* tests/test_parse_visited.c: the visited set (fingerprints, depths, states, growth, memory). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "parse/visited.h"
#include "tests/support/corotest.h"

/* States are the caller's; these are the crawl's (a new entry has state 0). */
enum { ST_QUEUED = 0, ST_BEYOND = 1, ST_ACTIVE = 2, ST_DONE = 3 };

/* Test keys: splitmix64 of a counter, i.e. uniformly spread fingerprints. */
static uint64_t rnd_fp(uint64_t i)
{
    uint64_t x = i * 0x9e3779b97f4a7c15u + 0x1234567u;

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* Fingerprints that all share the last home slot, so that they pile up past the end. */
static uint64_t clustered_fp(uint64_t i)
{
    return UINT64_MAX - (i << 10);
}

static struct parse_visited *new_set(uint64_t seed)
{
    struct parse_visited *v = NULL;

    assert_int_equal(parse_visited_create(seed, &v), 0);
    assert_non_null(v);
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* A saved set read back by key comes in sorted order: reserved first, the table never grows and
 * every entry is found (without the reservation, sorted keys all land in the first slots of a
 * small table and loading turns quadratic). */
static void test_visited_reserve_then_sorted_adds(void **state)
{
    enum { N = 200000 };
    struct parse_visited *v;
    uint64_t *keys = malloc(N * sizeof(*keys)), x = 88172645463325252ull;
    size_t bytes, i;
    unsigned depth;

    (void)state;
    assert_non_null(keys);
    for (i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        keys[i] = x;
    }
    qsort(keys, N, sizeof(*keys), cmp_u64);
    assert_int_equal(parse_visited_create(7, &v), 0);
    assert_int_equal(parse_visited_reserve(v, N), 0);
    bytes = parse_visited_bytes(v);
    assert_int_equal(parse_visited_reserve(v, N / 2), 0); /* smaller: nothing to do */
    assert_int_equal(parse_visited_bytes(v), bytes);
    for (i = 0; i < N; i++)
        assert_int_equal(parse_visited_add(v, keys[i], 1, NULL, NULL), PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_bytes(v), bytes); /* never grew */
    for (i = 0; i < N; i++)
        assert_int_equal(parse_visited_get(v, keys[i], &depth, NULL), 0);
    assert_int_equal(parse_visited_count(v), N);
    parse_visited_destroy(v);
    free(keys);
}

static void test_visited_fingerprint_depends_on_bytes_and_seed(void **state)
{
    struct parse_visited *a = new_set(1), *a2 = new_set(1), *b = new_set(2);
    static const char u[] = "https://example.com/a";

    (void)state;
    assert_int_equal(parse_visited_fingerprint(a, u, sizeof(u) - 1),
                     parse_visited_fingerprint(a2, u, sizeof(u) - 1));
    assert_int_not_equal(parse_visited_fingerprint(a, u, sizeof(u) - 1),
                         parse_visited_fingerprint(b, u, sizeof(u) - 1));
    assert_int_not_equal(parse_visited_fingerprint(a, u, sizeof(u) - 1),
                         parse_visited_fingerprint(a, u, sizeof(u) - 2));
    assert_int_not_equal(parse_visited_fingerprint(a, "", 0),
                         parse_visited_fingerprint(a, "\0", 1));
    parse_visited_destroy(a);
    parse_visited_destroy(a2);
    parse_visited_destroy(b);
    parse_visited_destroy(NULL);
}

static void test_visited_add_get_shorter_seen(void **state)
{
    struct parse_visited *v = new_set(7);
    const uint64_t fp = parse_visited_fingerprint(v, "https://a.test/", 15);
    unsigned st = 0;
    unsigned d = 99;

    (void)state;
    assert_int_equal(parse_visited_count(v), 0);
    assert_int_equal(parse_visited_get(v, fp, &d, &st), -ENOENT);
    assert_int_equal(parse_visited_add(v, fp, 3, &d, &st), PARSE_VISITED_NEW);
    assert_int_equal(d, 99);                            /* NEW leaves the out-parameters alone */
    assert_int_equal(parse_visited_count(v), 1);
    assert_int_equal(parse_visited_get(v, fp, &d, &st), 0);
    assert_int_equal(d, 3);
    assert_int_equal(st, ST_QUEUED);

    assert_int_equal(parse_visited_add(v, fp, 3, &d, &st), PARSE_VISITED_SEEN);  /* same depth */
    assert_int_equal(d, 3);
    assert_int_equal(parse_visited_add(v, fp, 9, &d, &st), PARSE_VISITED_SEEN);  /* deeper */
    assert_int_equal(d, 3);
    assert_int_equal(st, ST_QUEUED);
    assert_int_equal(parse_visited_add(v, fp, 1, &d, &st), PARSE_VISITED_SHORTER);
    assert_int_equal(d, 3);                             /* what it was */
    assert_int_equal(st, ST_QUEUED);
    assert_int_equal(parse_visited_get(v, fp, &d, NULL), 0);
    assert_int_equal(d, 1);
    assert_int_equal(parse_visited_add(v, fp, 0, NULL, NULL), PARSE_VISITED_SHORTER);
    assert_int_equal(parse_visited_get(v, fp, &d, NULL), 0);
    assert_int_equal(d, 0);
    assert_int_equal(parse_visited_count(v), 1);

    /* only the top 54 bits are the URL's identity */
    assert_int_equal(parse_visited_add(v, fp ^ 0x3FF, 5, NULL, NULL), PARSE_VISITED_SEEN);
    assert_int_equal(parse_visited_add(v, fp ^ 0x400, 5, NULL, NULL), PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_count(v), 2);
    parse_visited_destroy(v);
}

static void test_visited_state_transitions(void **state)
{
    struct parse_visited *v = new_set(7);
    unsigned st = 0;
    unsigned d = 0;

    (void)state;
    assert_int_equal(parse_visited_set_state(v, 42, ST_ACTIVE), -ENOENT);
    assert_int_equal(parse_visited_add(v, 42u << 10, 4, NULL, NULL), PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_set_state(v, 42u << 10, ST_ACTIVE), 0);
    assert_int_equal(parse_visited_get(v, 42u << 10, &d, &st), 0);
    assert_int_equal(st, ST_ACTIVE);
    assert_int_equal(d, 4);
    assert_int_equal(parse_visited_set_state(v, 42u << 10, ST_DONE), 0);
    assert_int_equal(parse_visited_add(v, 42u << 10, 9, &d, &st), PARSE_VISITED_SEEN);
    assert_int_equal(st, ST_DONE);
    /* a shorter path keeps the state and reports it, so the caller can decide to re-queue */
    assert_int_equal(parse_visited_add(v, 42u << 10, 2, &d, &st), PARSE_VISITED_SHORTER);
    assert_int_equal(st, ST_DONE);
    assert_int_equal(d, 4);
    assert_int_equal(parse_visited_get(v, 42u << 10, &d, &st), 0);
    assert_int_equal(st, ST_DONE);
    assert_int_equal(d, 2);
    assert_int_equal(parse_visited_set_state(v, 42u << 10, ST_QUEUED), 0);
    assert_int_equal(parse_visited_get(v, 42u << 10, NULL, &st), 0);
    assert_int_equal(st, ST_QUEUED);
    assert_int_equal(parse_visited_set_state(v, 42u << 10, (unsigned)4), -EINVAL);
    assert_int_equal(parse_visited_get(v, 42u << 10, &d, &st), 0);
    assert_int_equal(st, ST_QUEUED);
    assert_int_equal(d, 2);
    /* BEYOND is state 0: the entry must still not look like an empty slot, even for a
     * fingerprint whose key bits are all 0 */
    assert_int_equal(parse_visited_set_state(v, 42u << 10, ST_BEYOND), 0);
    assert_int_equal(parse_visited_get(v, 42u << 10, NULL, &st), 0);
    assert_int_equal(st, ST_BEYOND);
    assert_int_equal(parse_visited_add(v, 0, 1, NULL, NULL), PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_set_state(v, 0, ST_BEYOND), 0);
    assert_int_equal(parse_visited_get(v, 0, &d, &st), 0);
    assert_int_equal(st, ST_BEYOND);
    assert_int_equal(d, 1);
    assert_int_equal(parse_visited_add(v, 0, 1, NULL, NULL), PARSE_VISITED_SEEN);
    assert_int_equal(parse_visited_count(v), 2);
    parse_visited_destroy(v);
}

static void test_visited_depth_saturates(void **state)
{
    struct parse_visited *v = new_set(7);
    unsigned d = 0;

    (void)state;
    assert_int_equal(parse_visited_add(v, 1u << 10, 1000, NULL, NULL), PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_get(v, 1u << 10, &d, NULL), 0);
    assert_int_equal(d, PARSE_VISITED_MAX_DEPTH);
    assert_int_equal(parse_visited_add(v, 1u << 10, 300, NULL, NULL), PARSE_VISITED_SEEN);
    assert_int_equal(parse_visited_add(v, 1u << 10, 255, NULL, NULL), PARSE_VISITED_SEEN);
    assert_int_equal(parse_visited_add(v, 1u << 10, 254, &d, NULL), PARSE_VISITED_SHORTER);
    assert_int_equal(d, 255);
    assert_int_equal(parse_visited_add(v, 2u << 10, UINT32_MAX, NULL, NULL), PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_get(v, 2u << 10, &d, NULL), 0);
    assert_int_equal(d, 255);
    /* fingerprint 0 is usable: its key is stored as 1 (so no entry is ever 0), which makes it
     * the same URL as a fingerprint with key 1, as documented */
    assert_int_equal(parse_visited_add(v, 0, 0, NULL, NULL), PARSE_VISITED_SHORTER);
    assert_int_equal(parse_visited_get(v, 0, &d, NULL), 0);
    assert_int_equal(d, 0);
    assert_int_equal(parse_visited_get(v, 1u << 10, &d, NULL), 0);
    assert_int_equal(d, 0);
    parse_visited_destroy(v);
}

/* Every key [0, n) of gen is present with depth i % 256 and state i % 3 + 1, and a few absent
 * keys [n, n + 64) are not. */
static void check_all(const struct parse_visited *v, uint64_t (*gen)(uint64_t), uint64_t n)
{
    unsigned st;
    unsigned d;
    uint64_t i;

    assert_int_equal(parse_visited_count(v), n);
    for (i = 0; i < n; i++) {
        if (parse_visited_get(v, gen(i), &d, &st) != 0)
            fail_msg("key %llu of %llu lost", (unsigned long long)i, (unsigned long long)n);
        assert_int_equal(d, i % 256);
        assert_int_equal(st, i % 3 + 1);
    }
    for (i = n; i < n + 64; i++)
        assert_int_equal(parse_visited_get(v, gen(i), NULL, NULL), -ENOENT);
}

static void add_key(struct parse_visited *v, uint64_t (*gen)(uint64_t), uint64_t i)
{
    assert_int_equal(parse_visited_add(v, gen(i), (unsigned)(i % 256), NULL, NULL),
                     PARSE_VISITED_NEW);
    assert_int_equal(parse_visited_set_state(v, gen(i), (unsigned)(i % 3 + 1)), 0);
}

static void test_visited_growth_keeps_every_entry(void **state)
{
    struct parse_visited *v;
    uint64_t n, i;
    size_t bytes;
    int growths = 0;

    (void)state;
    /* every small size from scratch, in both key patterns */
    for (n = 0; n <= 200; n++) {
        v = new_set(0);
        for (i = 0; i < n; i++)
            add_key(v, rnd_fp, i);
        check_all(v, rnd_fp, n);
        parse_visited_destroy(v);
        v = new_set(0);
        for (i = 0; i < n; i++)
            add_key(v, clustered_fp, i);
        check_all(v, clustered_fp, n);
        parse_visited_destroy(v);
    }
    /* one set grown to 300,000, checked in full after every growth */
    v = new_set(0);
    bytes = parse_visited_bytes(v);
    for (i = 0; i < 300000; i++) {
        add_key(v, rnd_fp, i);
        if (parse_visited_bytes(v) != bytes) {
            bytes = parse_visited_bytes(v);
            growths++;
            check_all(v, rnd_fp, i + 1);
        }
    }
    check_all(v, rnd_fp, 300000);
    assert_true(growths >= 20);
    parse_visited_destroy(v);
}

static void test_visited_clustered_keys_spill_past_the_end(void **state)
{
    struct parse_visited *v = new_set(0);
    uint64_t i;

    (void)state;
    /* all share the last home slot, so most live in overflow slots added as they fill */
    for (i = 0; i < 3000; i++)
        add_key(v, clustered_fp, i);
    check_all(v, clustered_fp, 3000);
    /* and ordinary keys still work around them */
    for (i = 0; i < 3000; i++)
        assert_int_equal(parse_visited_add(v, rnd_fp(i), 1, NULL, NULL), PARSE_VISITED_NEW);
    for (i = 0; i < 3000; i++) {
        assert_int_equal(parse_visited_get(v, rnd_fp(i), NULL, NULL), 0);
        assert_int_equal(parse_visited_get(v, clustered_fp(i), NULL, NULL), 0);
    }
    assert_int_equal(parse_visited_count(v), 6000);
    parse_visited_destroy(v);
}

static void test_visited_million_urls_all_found(void **state)
{
    enum { N = 1000000 };
    struct parse_visited *v = new_set(0x5eed);
    char url[128];
    unsigned d;
    size_t i, bytes;
    int len;

    (void)state;
    for (i = 0; i < N; i++) {
        len = snprintf(url, sizeof(url), "https://shop%zu.example.com/item?id=%zu&p=%zu", i % 97,
                       i, i % 13);
        /* distinct URLs must get distinct fingerprints (a collision here has p = 2.8e-5) */
        if (parse_visited_add(v, parse_visited_fingerprint(v, url, (size_t)len),
                              (unsigned)(i % 200), NULL, NULL) != PARSE_VISITED_NEW)
            fail_msg("URL %zu (%s) collided", i, url);
    }
    assert_int_equal(parse_visited_count(v), N);
    bytes = parse_visited_bytes(v);
    print_message("1M URLs: %zu bytes, %.2f bytes/URL\n", bytes, (double)bytes / N);
    assert_true(bytes <= 16u * N);
    for (i = 0; i < N; i++) {
        len = snprintf(url, sizeof(url), "https://shop%zu.example.com/item?id=%zu&p=%zu", i % 97,
                       i, i % 13);
        assert_int_equal(parse_visited_get(v, parse_visited_fingerprint(v, url, (size_t)len), &d,
                                           NULL), 0);
        assert_int_equal(d, i % 200);
        /* the same URL one byte shorter was never added (misses stay misses) */
        assert_int_equal(parse_visited_get(v, parse_visited_fingerprint(v, url, (size_t)len - 1),
                                           NULL, NULL), -ENOENT);
    }
    parse_visited_destroy(v);
}

/* Make the first (then the second) allocation of every add fail: -ENOMEM and the set exactly
 * as before, then the same add succeeds. */
static void nomem_run(uint64_t (*gen)(uint64_t), uint64_t n)
{
    struct parse_visited *v = new_set(3);
    uint64_t i;
    long k;
    int failures = 0;

    for (i = 0; i < n; i++) {
        for (k = 0; k <= 1; k++) {
            const size_t bytes = parse_visited_bytes(v);
            int rc;

            core_mem_fail_after(k);
            rc = parse_visited_add(v, gen(i), (unsigned)(i % 256), NULL, NULL);
            core_mem_fail_after(-1);
            if (rc == PARSE_VISITED_NEW) {
                assert_int_equal(parse_visited_set_state(v, gen(i),
                                                         (unsigned)(i % 3 + 1)), 0);
                break;
            }
            assert_int_equal(rc, -ENOMEM);
            failures++;
            assert_int_equal(parse_visited_bytes(v), bytes);
            check_all(v, gen, i);
        }
        if (k > 1) /* both attempts failed: the third must not */
            add_key(v, gen, i);
    }
    check_all(v, gen, n);
    assert_true(failures >= 10);
    parse_visited_destroy(v);
}

static void test_visited_nomem_during_growth_leaves_set_unchanged(void **state)
{
    struct parse_visited *v;

    (void)state;
    core_mem_fail_after(0);
    v = (struct parse_visited *)0x1;
    assert_int_equal(parse_visited_create(1, &v), -ENOMEM);
    assert_ptr_equal(v, (struct parse_visited *)0x1);  /* out untouched on failure */
    core_mem_fail_after(-1);
    nomem_run(rnd_fp, 5000);
    nomem_run(clustered_fp, 600);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_visited_fingerprint_depends_on_bytes_and_seed),
        cmocka_unit_test(test_visited_add_get_shorter_seen),
        cmocka_unit_test(test_visited_state_transitions),
        cmocka_unit_test(test_visited_depth_saturates),
        cmocka_unit_test(test_visited_growth_keeps_every_entry),
        cmocka_unit_test(test_visited_clustered_keys_spill_past_the_end),
        cmocka_unit_test(test_visited_million_urls_all_found),
        cmocka_unit_test(test_visited_reserve_then_sorted_adds),
        cmocka_unit_test(test_visited_nomem_during_growth_leaves_set_unchanged),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
