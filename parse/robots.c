/* parse/robots.c: robots.txt parsing and matching (see robots.h for the rules it follows).
 *
 * One pass splits the body into lines, classifies each key and collects rules into two
 * candidate groups at once, the product token's and "*"'s, because which of them applies is
 * only known at the end of the file; the loser is freed. The winner's rules are then sorted by
 * precedence (longest pattern first, Allow first on a tie) and the Knuth-Morris-Pratt failure
 * tables of its patterns are built, so that a query allocates nothing, writes nothing (any
 * number of threads may share one object) and stops at the first rule that matches.
 *
 * Patterns are stored back to back in one buffer per group, with a parallel uint16_t failure
 * table: a line is at most PARSE_ROBOTS_LINE_MAX (16 KiB) bytes and normalising at most
 * triples it, so no piece of a pattern reaches 65536 bytes and every border length fits. */
#include "parse/robots.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "parse/robots_int.h"

enum {
    KEY_UNKNOWN,
    KEY_AGENT,
    KEY_ALLOW,
    KEY_DISALLOW,
    KEY_DELAY,
    KEY_SITEMAP
};

/* Every accepted spelling of a key, compared whole and ignoring ASCII case (see robots.h). */
static const struct {
    const char *name;
    int key;
} robots_keys[] = {
    {"user-agent", KEY_AGENT},   {"useragent", KEY_AGENT},     {"user agent", KEY_AGENT},
    {"user_agent", KEY_AGENT},   {"allow", KEY_ALLOW},         {"disallow", KEY_DISALLOW},
    {"dissallow", KEY_DISALLOW}, {"dissalow", KEY_DISALLOW},   {"disalow", KEY_DISALLOW},
    {"diasllow", KEY_DISALLOW},  {"disallaw", KEY_DISALLOW},   {"crawl-delay", KEY_DELAY},
    {"crawldelay", KEY_DELAY},   {"crawl delay", KEY_DELAY},   {"crawl_delay", KEY_DELAY},
    {"sitemap", KEY_SITEMAP},    {"site-map", KEY_SITEMAP},
};

static const char robots_hex[] = "0123456789ABCDEF";
static const char robots_txt[] = "/robots.txt";

struct robots_rule {
    uint32_t off;   /* first byte of the pattern in the group's pat (and in fail) */
    uint32_t len;   /* bytes of the normalised pattern: its precedence */
    bool allow;
};

struct robots_span {
    uint32_t off;   /* first byte in map_bytes; a NUL follows the value */
    uint32_t len;
};

/* What one kind of group (the product token's, or "*") collects. */
struct robots_group {
    struct robots_rule *rules;
    size_t n;
    size_t cap;
    struct core_buf pat;   /* normalised patterns back to back */
    int64_t delay_ms;      /* -1: none yet */
    bool seen;             /* a user-agent line named this kind */
};

struct parse_robots {
    struct robots_group g;       /* the chosen group, rules sorted by precedence */
    uint16_t *fail;              /* KMP failure table, one entry per byte of g.pat */
    struct robots_span *maps;    /* sitemap values in map_bytes */
    size_t n_maps;
    size_t maps_cap;
    struct core_buf map_bytes;
};

struct robots_parser {
    struct parse_robots *r;      /* sitemaps go straight here */
    struct robots_group specific;
    struct robots_group global;
    const char *agent;
    size_t agent_len;
    bool in_agents;              /* no group member line since the last user-agent line */
    bool cur_specific;           /* the current group names the product token */
    bool cur_global;             /* the current group names "*" */
};

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static inline char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c & ~0x20) : c;
}

static inline bool is_alnum(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
static inline bool is_unres(unsigned c)
{
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Raw in a normalised path or query: pchar, '/' and '?', except that parse/url.c encodes an
 * apostrophe in a query (the caller sees to that). '%' is handled apart. */
static inline bool is_raw(unsigned c)
{
    switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
    case ';': case '=': case ':': case '@': case '/': case '?':
        return true;
    default:
        return is_unres(c);
    }
}

static bool ascii_case_eq(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (core_ascii_lower(a[i]) != core_ascii_lower(b[i]))
            return false;
    return true;
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* A bigger array for at least need elements: the new pointer (old contents kept), arr itself
 * when it is big enough, or NULL when out of memory (arr is then untouched). */
static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return arr;
    while (ncap < need)
        ncap *= 2;
    p = core_reallocarray(arr, ncap, elem);
    if (p)
        *cap = ncap;
    return p;
}

size_t parse__robots_pattern(const char *v, size_t n, char *out)
{
    bool query = false;   /* past the first '?', where parse/url.c encodes an apostrophe */
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        unsigned c = (unsigned char)v[i];

        if (c == '%' && n - i >= 3 && core_ascii_is_hex(v[i + 1]) && core_ascii_is_hex(v[i + 2])) {
            unsigned d = core_ascii_xdigit(v[i + 1]) << 4 | core_ascii_xdigit(v[i + 2]);

            if (is_unres(d)) {
                if (out)
                    out[k] = (char)d;
                k++;
            } else {
                if (out) {
                    out[k] = '%';
                    out[k + 1] = ascii_upper(v[i + 1]);
                    out[k + 2] = ascii_upper(v[i + 2]);
                }
                k += 3;
            }
            i += 2;
        } else if (c == '\t') {
            continue;   /* WHATWG drops tabs from URLs, so parse/url.c's never hold one */
        } else if (c != '%' && is_raw(c) && !(query && c == '\'')) {
            if (out)
                out[k] = (char)c;
            k++;
            query = query || c == '?';
        } else {
            if (out) {
                out[k] = '%';
                out[k + 1] = robots_hex[c >> 4];
                out[k + 2] = robots_hex[c & 15];
            }
            k += 3;
        }
    }
    return k;
}

void parse__robots_fail(const char *p, size_t m, uint16_t *fail)
{
    size_t i = 0, s, q, k;

    while (i < m) {
        if (p[i] == '*') {
            fail[i++] = 0;
            continue;
        }
        /* The piece p[s..e) up to the next '*': classic KMP prefix function. */
        s = i;
        fail[s] = 0;
        k = 0;
        for (q = s + 1; q < m && p[q] != '*'; q++) {
            while (k > 0 && p[q] != p[s + k])
                k = fail[s + k - 1];
            if (p[q] == p[s + k])
                k++;
            assert(k <= UINT16_MAX);
            fail[q] = (uint16_t)k;
        }
        i = q;
    }
}

/* Leftmost start of the piece p[0..m) (m > 0) in t[0..n), or SIZE_MAX when it is not there.
 * Each text byte is compared once, plus at most as many fallbacks as matched bytes: 2n. */
static size_t kmp_find(const char *p, const uint16_t *fail, size_t m, const char *t, size_t n,
                       uint64_t *steps)
{
    size_t q = 0, j;

    for (j = 0; j < n && n - j >= m - q; j++) {
        while (q > 0 && t[j] != p[q]) {
            q = fail[q - 1];
            (*steps)++;
        }
        (*steps)++;
        if (t[j] == p[q] && ++q == m)
            return j + 1 - m;
    }
    return SIZE_MAX;
}

bool parse__robots_match(const char *p, const uint16_t *fail, size_t m, const char *t, size_t n,
                         uint64_t *steps)
{
    bool anchored = m > 0 && p[m - 1] == '$';
    uint64_t st = 0;
    size_t i, s, pos, at;
    bool ok;

    if (anchored)
        m--;
    /* The first piece is anchored at the start of the target. */
    for (i = 0; i < m && p[i] != '*'; i++)
        ;
    st += i;
    if (i > n || memcmp(p, t, i) != 0) {
        ok = false;
        goto out;
    }
    pos = i;
    if (i == m) {
        ok = !anchored || pos == n;
        goto out;
    }
    /* p[i] is '*'. Placing each later piece leftmost leaves the most room for the rest, so
     * a match exists exactly when this greedy walk finds one. */
    for (;;) {
        while (i < m && p[i] == '*')
            i++;
        st += 1;
        if (i == m) {
            ok = true;   /* a final '*' takes the rest of the target */
            break;
        }
        for (s = i; i < m && p[i] != '*'; i++)
            ;
        if (i == m && anchored) {
            /* The last piece of a '$' pattern must end the target, after pos. */
            st += i - s;
            ok = n - pos >= i - s && memcmp(p + s, t + n - (i - s), i - s) == 0;
            break;
        }
        at = kmp_find(p + s, fail + s, i - s, t + pos, n - pos, &st);
        if (at == SIZE_MAX) {
            ok = false;
            break;
        }
        pos += at + (i - s);
    }
out:
    if (steps)
        *steps += st;
    return ok;
}

static void group_init(struct robots_group *g)
{
    g->rules = NULL;
    g->n = 0;
    g->cap = 0;
    core_buf_init(&g->pat, PARSE_ROBOTS_PATTERN_BYTES);
    g->delay_ms = -1;
    g->seen = false;
}

static void group_free(struct robots_group *g)
{
    core_free(g->rules);
    core_buf_free(&g->pat);
    group_init(g);
}

static int key_of(const char *k, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(robots_keys) / sizeof(robots_keys[0]); i++)
        if (strlen(robots_keys[i].name) == n && ascii_case_eq(k, robots_keys[i].name, n))
            return robots_keys[i].key;
    return KEY_UNKNOWN;
}

static bool names_agent(const struct robots_parser *p, const char *v, size_t n)
{
    size_t k = p->agent_len;

    if (k == 0 || n < k || !ascii_case_eq(v, p->agent, k))
        return false;
    return n == k || v[k] == '/' || v[k] == ' ' || v[k] == '\t';
}

static void on_agent(struct robots_parser *p, const char *v, size_t n)
{
    if (!p->in_agents) {
        /* The first user-agent line after a group member line starts a new group. */
        p->in_agents = true;
        p->cur_specific = false;
        p->cur_global = false;
    }
    if (n >= 1 && v[0] == '*' && (n == 1 || v[1] == ' ' || v[1] == '\t')) {
        p->cur_global = true;
        p->global.seen = true;
    } else if (names_agent(p, v, n)) {
        p->cur_specific = true;
        p->specific.seen = true;
    }
}

static int add_rule(struct robots_group *g, const char *v, size_t n, bool allow)
{
    struct robots_rule *rules;
    size_t len;
    int rc;

    if (g->n >= PARSE_ROBOTS_RULES_MAX)
        return 0;
    len = parse__robots_pattern(v, n, NULL);
    if (len == 0)
        return 0;   /* an empty value matches nothing */
    rc = core_buf_reserve(&g->pat, len);
    if (rc == -EMSGSIZE)
        return 0;   /* over the pattern byte limit: dropped, like rules past the count limit */
    if (rc < 0)
        return rc;
    rules = grow(g->rules, &g->cap, g->n + 1, sizeof(*g->rules));
    if (!rules)
        return -ENOMEM;
    g->rules = rules;
    parse__robots_pattern(v, n, g->pat.data + g->pat.len);
    rules[g->n].off = (uint32_t)g->pat.len;
    rules[g->n].len = (uint32_t)len;
    rules[g->n].allow = allow;
    g->n++;
    g->pat.len += len;
    g->pat.data[g->pat.len] = '\0';
    return 0;
}

/* A decimal number of seconds (digits, optionally '.', digits; at least one digit) in ms,
 * truncated and capped at a day; -1 for anything else. */
static int64_t parse_delay(const char *v, size_t n)
{
    const int64_t max_s = PARSE_ROBOTS_DELAY_MAX_MS / 1000;
    int64_t s = 0, ms = 0, scale = 100;
    bool digits = false;
    size_t i = 0;

    for (; i < n && core_ascii_is_digit(v[i]); i++, digits = true)
        if (s <= max_s)
            s = s * 10 + (v[i] - '0');
    if (i < n && v[i] == '.')
        for (i++; i < n && core_ascii_is_digit(v[i]); i++, digits = true, scale /= 10)
            ms += scale * (v[i] - '0');
    if (!digits || i != n)
        return -1;
    if (s >= max_s)
        return PARSE_ROBOTS_DELAY_MAX_MS;
    return s * 1000 + ms;
}

static int add_sitemap(struct parse_robots *r, const char *v, size_t n)
{
    struct robots_span *maps;
    int rc;

    if (n == 0 || r->n_maps >= PARSE_ROBOTS_SITEMAPS_MAX)
        return 0;
    rc = core_buf_reserve(&r->map_bytes, n + 1);
    if (rc == -EMSGSIZE)
        return 0;
    if (rc < 0)
        return rc;
    maps = grow(r->maps, &r->maps_cap, r->n_maps + 1, sizeof(*r->maps));
    if (!maps)
        return -ENOMEM;
    r->maps = maps;
    maps[r->n_maps].off = (uint32_t)r->map_bytes.len;
    maps[r->n_maps].len = (uint32_t)n;
    r->n_maps++;
    memcpy(r->map_bytes.data + r->map_bytes.len, v, n);
    r->map_bytes.len += n;
    r->map_bytes.data[r->map_bytes.len++] = '\0';
    r->map_bytes.data[r->map_bytes.len] = '\0';
    return 0;
}

static int parse_line(struct robots_parser *p, const char *line, size_t n)
{
    const char *hash = memchr(line, '#', n), *colon, *v;
    struct robots_group *g;
    size_t klen, vlen;
    int64_t delay;
    int key;

    if (hash)
        n = (size_t)(hash - line);
    colon = memchr(line, ':', n);
    if (!colon)
        return 0;
    v = colon + 1;
    vlen = (size_t)(line + n - v);
    klen = (size_t)(colon - line);
    trim(&line, &klen);
    if (klen == 0)
        return 0;
    trim(&v, &vlen);
    key = key_of(line, klen);
    if (key == KEY_AGENT) {
        on_agent(p, v, vlen);
        return 0;
    }
    g = p->cur_specific ? &p->specific : p->cur_global ? &p->global : NULL;
    switch (key) {
    case KEY_ALLOW:
    case KEY_DISALLOW:
        p->in_agents = false;
        return g ? add_rule(g, v, vlen, key == KEY_ALLOW) : 0;
    case KEY_DELAY:
        /* Crawl-delay is not in RFC 9309, but we honour it as a group member, so it ends a
         * run like allow and disallow do: "User-agent: a", "Crawl-delay: 5", "User-agent: b",
         * "Disallow: /x" gives a the delay and no rules, and b the rule and no delay. A group
         * holding only a crawl-delay is the usual way to say "a may crawl, slowly"; letting
         * the run go on would hand a the rules of the next group (often "Disallow: /" for
         * everyone else) and b (often "*") a delay meant for a. Python's urllib.robotparser
         * and crawler-commons, which honour it too, read it the same way. Google's parser,
         * which ignores Crawl-delay, treats it as an unknown line and would keep a and b in
         * one group. */
        p->in_agents = false;
        delay = parse_delay(v, vlen);
        if (g && g->delay_ms < 0 && delay >= 0)
            g->delay_ms = delay;
        return 0;
    case KEY_SITEMAP:
        /* Sitemap and unknown lines are not group members, so they leave a run of user-agent
         * lines open: "User-agent: a", "Sitemap: ...", "User-agent: b" is one group for a and
         * b (RFC 9309 2.2.4: other records MUST NOT terminate a group; Google's parser agrees
         * since 2021). Ending the run here gave a an empty group, which allows everything. */
        return add_sitemap(p->r, v, vlen);
    default:
        return 0;
    }
}

static int parse_body(struct robots_parser *p, const char *s, size_t n)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t i = 0, start, end;
    int rc;

    /* A byte order mark, or the start of one, is skipped (as Google's parser does). */
    while (i < 3 && i < n && (unsigned char)s[i] == bom[i])
        i++;
    while (i < n) {
        start = i;
        while (i < n && s[i] != '\n' && s[i] != '\r')
            i++;
        end = i;
        if (i < n)
            i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
        if (end - start > PARSE_ROBOTS_LINE_MAX)
            end = start + PARSE_ROBOTS_LINE_MAX;
        rc = parse_line(p, s + start, end - start);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Longest pattern first; Allow before Disallow when they are as long. */
static int rule_cmp(const void *a, const void *b)
{
    const struct robots_rule *x = a, *y = b;

    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return (int)y->allow - (int)x->allow;
}

static int finish(struct robots_parser *p)
{
    struct parse_robots *r = p->r;
    struct robots_group *win = p->specific.seen ? &p->specific
                               : p->global.seen ? &p->global
                                                : NULL;
    size_t i;

    if (win) {
        r->g = *win;
        group_init(win);   /* r owns the storage now */
    }
    if (r->g.n == 0)
        return 0;
    qsort(r->g.rules, r->g.n, sizeof(*r->g.rules), rule_cmp);
    r->fail = core_calloc(r->g.pat.len, sizeof(*r->fail));
    if (!r->fail)
        return -ENOMEM;
    for (i = 0; i < r->g.n; i++)
        parse__robots_fail(r->g.pat.data + r->g.rules[i].off, r->g.rules[i].len,
                           r->fail + r->g.rules[i].off);
    return 0;
}

int parse_robots_create(const char *body, size_t len, const char *agent,
                        struct parse_robots **out)
{
    struct parse_robots *r = core_calloc(1, sizeof(*r));
    struct robots_parser p;
    int rc;

    if (!r)
        return -ENOMEM;
    group_init(&r->g);
    core_buf_init(&r->map_bytes, PARSE_ROBOTS_SITEMAP_BYTES);
    memset(&p, 0, sizeof(p));
    p.r = r;
    group_init(&p.specific);
    group_init(&p.global);
    p.agent = agent ? agent : "";
    p.agent_len = strlen(p.agent);

    rc = parse_body(&p, body, len);
    if (rc == 0)
        rc = finish(&p);
    group_free(&p.specific);
    group_free(&p.global);
    if (rc < 0) {
        parse_robots_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}

void parse_robots_destroy(struct parse_robots *r)
{
    if (!r)
        return;
    group_free(&r->g);
    core_free(r->fail);
    core_free(r->maps);
    core_buf_free(&r->map_bytes);
    core_free(r);
}

bool parse_robots_allowed(const struct parse_robots *r, const char *target, size_t len)
{
    const struct robots_rule *rule;
    size_t i;

    if (len == sizeof(robots_txt) - 1 && memcmp(target, robots_txt, len) == 0)
        return true;
    for (i = 0; i < r->g.n; i++) {
        rule = &r->g.rules[i];
        if (parse__robots_match(r->g.pat.data + rule->off, r->fail + rule->off, rule->len,
                                target, len, NULL))
            return rule->allow;
    }
    return true;
}

int64_t parse_robots_crawl_delay_ms(const struct parse_robots *r)
{
    return r->g.delay_ms;
}

size_t parse_robots_sitemaps(const struct parse_robots *r)
{
    return r->n_maps;
}

const char *parse_robots_sitemap(const struct parse_robots *r, size_t i, size_t *len)
{
    assert(i < r->n_maps);
    *len = r->maps[i].len;
    return r->map_bytes.data + r->maps[i].off;
}

int parse_robots_allow_all(struct parse_robots **out)
{
    return parse_robots_create(NULL, 0, "", out);
}

int parse_robots_disallow_all(struct parse_robots **out)
{
    static const char all[] = "User-agent: *\nDisallow: /\n";

    return parse_robots_create(all, sizeof(all) - 1, "", out);
}

size_t parse_robots_rules(const struct parse_robots *r)
{
    return r->g.n;
}
