/* app/crawl/scope.c: host/domain/any scope plus allow/deny regexes (see scope.h). */
#include "app/crawl/scope.h"

#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "parse/domain.h"
#include "parse/url.h"

struct scope {
    enum scope_mode mode;
    char **keys;          /* open-addressing set of hosts or registrable domains */
    size_t nkeys;
    size_t cap;           /* a power of two, or 0 */
    regex_t *allow;
    size_t nallow;
    regex_t *deny;
    size_t ndeny;
};

int scope_create(enum scope_mode mode, struct scope **out)
{
    struct scope *s = core_calloc(1, sizeof(*s));

    if (!s)
        return -ENOMEM;
    s->mode = mode;
    *out = s;
    return 0;
}

void scope_destroy(struct scope *s)
{
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->cap; i++)
        core_free(s->keys[i]);
    core_free(s->keys);
    for (i = 0; i < s->nallow; i++)
        regfree(&s->allow[i]);
    for (i = 0; i < s->ndeny; i++)
        regfree(&s->deny[i]);
    core_free(s->allow);
    core_free(s->deny);
    core_free(s);
}

/* The part of url's host that scope compares: the host, or its registrable domain. */
static int key_of(const struct scope *s, const char *url, size_t len, const char **key,
                  size_t *klen)
{
    struct parse_url_view v;
    int rc = parse_url_split(url, len, &v);

    if (rc < 0)
        return rc;
    *key = v.host;
    *klen = v.host_len;
    if (s->mode == SCOPE_DOMAIN)
        return parse_domain_registrable(v.host, v.host_len, key, klen);
    return 0;
}

static uint64_t hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211u;
    return h;
}

/* The slot holding key, or the empty slot where it would go. cap must be > 0. */
static size_t find(char *const *keys, size_t cap, const char *key, size_t klen)
{
    size_t i = (size_t)hash(key, klen) & (cap - 1);

    while (keys[i] && !(strlen(keys[i]) == klen && memcmp(keys[i], key, klen) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static bool has_key(const struct scope *s, const char *key, size_t klen)
{
    return s->cap > 0 && s->keys[find(s->keys, s->cap, key, klen)] != NULL;
}

static int grow(struct scope *s)
{
    size_t cap = s->cap ? s->cap * 2 : 16, i;
    char **keys = core_calloc(cap, sizeof(*keys));

    if (!keys)
        return -ENOMEM;
    for (i = 0; i < s->cap; i++)
        if (s->keys[i])
            keys[find(keys, cap, s->keys[i], strlen(s->keys[i]))] = s->keys[i];
    core_free(s->keys);
    s->keys = keys;
    s->cap = cap;
    return 0;
}

int scope_add_seed(struct scope *s, const char *url, size_t len)
{
    const char *key;
    size_t klen;
    char *copy;
    int rc = key_of(s, url, len, &key, &klen);

    if (rc < 0 || has_key(s, key, klen))
        return rc;
    if ((s->nkeys + 1) * 2 > s->cap && (rc = grow(s)) < 0)
        return rc;
    if (!(copy = core_strndup(key, klen)))
        return -ENOMEM;
    s->keys[find(s->keys, s->cap, key, klen)] = copy;
    s->nkeys++;
    return 0;
}

int scope_add_rule(struct scope *s, bool allow, const char *regex, char *err, size_t errcap)
{
    regex_t **set = allow ? &s->allow : &s->deny;
    size_t *n = allow ? &s->nallow : &s->ndeny;
    regex_t *grown = core_reallocarray(*set, *n + 1, sizeof(**set));
    int rc;

    if (!grown)
        return -ENOMEM;
    *set = grown;
    rc = regcomp(&grown[*n], regex, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &grown[*n], err, errcap);
        return CORE_EPARSE;
    }
    (*n)++;
    return 0;
}

/* Whether re matches url[0..len): REG_STARTEND bounds the match, so url need not be
 * NUL-terminated and nothing past len is read. */
static bool matches(const regex_t *re, const char *url, size_t len)
{
    regmatch_t range[1];

    range[0].rm_so = 0;
    range[0].rm_eo = (regoff_t)len;
    return regexec(re, url, 1, range, REG_STARTEND) == 0;
}

enum scope_verdict scope_check(const struct scope *s, const char *url, size_t len)
{
    const char *key;
    size_t klen, i;
    bool allowed;

    if (s->mode != SCOPE_ANY) {
        if (key_of(s, url, len, &key, &klen) < 0 || !has_key(s, key, klen))
            return SCOPE_OUT_HOST;
    }
    allowed = s->nallow == 0;
    for (i = 0; i < s->nallow && !allowed; i++)
        allowed = matches(&s->allow[i], url, len);
    if (!allowed)
        return SCOPE_OUT_RULE;
    for (i = 0; i < s->ndeny; i++)
        if (matches(&s->deny[i], url, len))
            return SCOPE_OUT_RULE;
    return SCOPE_IN;
}
