/* fuzz/fuzz_robots.c: libFuzzer target for parse/robots.c.
 *
 * The input is parsed as a robots.txt for a few product tokens ("trawl", "Googlebot", "*" and
 * the empty token), and each result is queried with targets taken from the input: every line
 * as it is, with a '/' in front, and the value after its first ':'. Checks: create never fails
 * (no allocation failure is injected); "/robots.txt" is always allowed; the rule count, the
 * crawl-delay and the sitemaps stay within their documented limits and shapes.
 *
 * The input is also read as "pattern\ntarget": the pattern is normalised and matched against
 * the target with the KMP matcher, which must agree with a dynamic-programming reference and
 * stay within 2n + 3m + 2 byte comparisons (m, n: pattern and target lengths).
 *
 * Build (not wired into CMake yet), from the repository root:
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -I. fuzz/fuzz_robots.c parse/robots.c core/buf.c \
 *       core/mem.c -o fuzz_robots
 *   ./fuzz_robots -max_total_time=120 fuzz/corpus/robots
 * Finds so far: none (two 120 s runs). A crash belongs in tests/test_parse_robots.c too. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/robots.h"
#include "parse/robots_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

enum { TARGET_MAX = 1024, MATCH_MAX = 256 };

static void query(const struct parse_robots *r, const char *t, size_t n)
{
    char buf[TARGET_MAX + 1];

    if (n > TARGET_MAX)
        n = TARGET_MAX;
    (void)parse_robots_allowed(r, t, n);
    buf[0] = '/';
    memcpy(buf + 1, t, n);
    (void)parse_robots_allowed(r, buf, n + 1);
}

static void check_robots(const char *in, size_t size, const char *agent)
{
    struct parse_robots *r = NULL;
    const char *line = in, *end = in + size, *eol, *colon, *s;
    size_t i, n;
    int64_t d;

    CHECK(parse_robots_create(in, size, agent, &r) == 0);
    CHECK(r != NULL);
    CHECK(parse_robots_allowed(r, "/robots.txt", 11));
    CHECK(parse_robots_rules(r) <= PARSE_ROBOTS_RULES_MAX);
    d = parse_robots_crawl_delay_ms(r);
    CHECK(d >= -1 && d <= PARSE_ROBOTS_DELAY_MAX_MS);
    CHECK(parse_robots_sitemaps(r) <= PARSE_ROBOTS_SITEMAPS_MAX);
    for (i = 0; i < parse_robots_sitemaps(r); i++) {
        s = parse_robots_sitemap(r, i, &n);
        CHECK(n > 0 && n <= PARSE_ROBOTS_LINE_MAX && s[n] == '\0');
        CHECK(!memchr(s, '\n', n) && !memchr(s, '\r', n) && !memchr(s, '#', n));
        CHECK(s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' && s[n - 1] != '\t');
    }
    (void)parse_robots_allowed(r, "/", 1);
    (void)parse_robots_allowed(r, "", 0);
    for (i = 0; line < end && i < 64; i++) {
        for (eol = line; eol < end && *eol != '\n' && *eol != '\r'; eol++)
            ;
        query(r, line, (size_t)(eol - line));
        colon = memchr(line, ':', (size_t)(eol - line));
        if (colon) {
            for (s = colon + 1; s < eol && (*s == ' ' || *s == '\t'); s++)
                ;
            query(r, s, (size_t)(eol - s));
        }
        line = eol + 1;
    }
    parse_robots_destroy(r);
}

/* Reference: does p[0..m) match a prefix of t[0..n) (all of it with a final '$')? */
static bool ref_match(const char *p, size_t m, const char *t, size_t n)
{
    bool dp[3 * MATCH_MAX + 1], nd[3 * MATCH_MAX + 1], any;
    bool anchored = m > 0 && p[m - 1] == '$';
    size_t i, j;

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
        memcpy(dp, nd, (n + 1) * sizeof(dp[0]));
    }
    if (anchored)
        return dp[n];
    for (j = 0; j <= n; j++)
        if (dp[j])
            return true;
    return false;
}

static void check_matcher(const char *in, size_t size)
{
    const char *nl = memchr(in, '\n', size);
    size_t plen = nl ? (size_t)(nl - in) : size;
    const char *t = nl ? nl + 1 : in + size;
    size_t n = size - (size_t)(t - in), m;
    char pat[3 * MATCH_MAX];
    uint16_t fail[3 * MATCH_MAX];
    uint64_t steps = 0;
    bool got;

    if (plen > MATCH_MAX)
        plen = MATCH_MAX;
    if (n > MATCH_MAX)
        n = MATCH_MAX;
    m = parse__robots_pattern(in, plen, NULL);
    CHECK(m <= 3 * plen);
    CHECK(parse__robots_pattern(in, plen, pat) == m);
    parse__robots_fail(pat, m, fail);
    got = parse__robots_match(pat, fail, m, t, n, &steps);
    CHECK(got == ref_match(pat, m, t, n));
    CHECK(steps <= 2 * (uint64_t)n + 3 * (uint64_t)m + 2);
    /* the raw bytes as a pattern too (no normalisation), so '*' and '$' meet any byte */
    if (plen <= sizeof(pat)) {
        memcpy(pat, in, plen);
        parse__robots_fail(pat, plen, fail);
        steps = 0;
        got = parse__robots_match(pat, fail, plen, t, n, &steps);
        CHECK(got == ref_match(pat, plen, t, n));
        CHECK(steps <= 2 * (uint64_t)n + 3 * (uint64_t)plen + 2);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const agents[] = {"trawl", "Googlebot", "*", ""};
    const char *in = (const char *)data;
    size_t i;

    for (i = 0; i < sizeof(agents) / sizeof(agents[0]); i++)
        check_robots(in, size, agents[i]);
    check_matcher(in, size);
    return 0;
}
