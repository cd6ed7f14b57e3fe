/* app/crawl/traps.c: repeated path segments and query-string explosions (see traps.h). */
#include "app/crawl/traps.h"

#include <errno.h>
#include <string.h>

#include "core/mem.h"

struct slot {
    uint64_t key;       /* fingerprint of scheme://host/path, 0 = empty */
    uint64_t count;
};

struct traps {
    unsigned max_repeat;
    unsigned max_variants;
    struct slot *tab;
    size_t cap;         /* power of two */
    size_t n;
    traps_keep_fn *keep;
    void *keep_arg;
};

int traps_create(unsigned max_repeat, unsigned max_variants, struct traps **out)
{
    struct traps *t = core_calloc(1, sizeof(*t));

    if (!t)
        return -ENOMEM;
    t->max_repeat = max_repeat;
    t->max_variants = max_variants;
    *out = t;
    return 0;
}

void traps_destroy(struct traps *t)
{
    if (!t)
        return;
    core_free(t->tab);
    core_free(t);
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h ? h : 1;
}

/* Does any segment of path[0..n) occur more than max times? Segments are compared as
 * written; a path has at most n / 2 segments, compared pairwise only when n is small. */
static bool repeats(const char *path, size_t n, unsigned max)
{
    const char *seg[64];
    size_t len[64], k = 0, i, j;
    const char *p = path, *end = path + n;

    if (max == 0)
        return false;
    while (p < end && k < 64) {
        const char *q;

        p++; /* the '/' */
        q = memchr(p, '/', (size_t)(end - p));
        if (!q)
            q = end;
        if (q > p) {
            seg[k] = p;
            len[k++] = (size_t)(q - p);
        }
        p = q;
    }
    if (k == 64)
        return true; /* 64 segments deep is a trap in itself */
    for (i = 0; i < k; i++) {
        unsigned same = 1;

        for (j = i + 1; j < k; j++)
            same += len[j] == len[i] && memcmp(seg[j], seg[i], len[i]) == 0;
        if (same > max)
            return true;
    }
    return false;
}

static struct slot *find(struct slot *tab, size_t cap, uint64_t key)
{
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15u >> 17) & (cap - 1);

    while (tab[i].key && tab[i].key != key)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

static int grow(struct traps *t)
{
    size_t cap = t->cap ? t->cap * 2 : 256, i;
    struct slot *tab = core_calloc(cap, sizeof(*tab));

    if (!tab)
        return -ENOMEM;
    for (i = 0; i < t->cap; i++)
        if (t->tab[i].key)
            *find(tab, cap, t->tab[i].key) = t->tab[i];
    core_free(t->tab);
    t->tab = tab;
    t->cap = cap;
    return 0;
}

/* The slot of key, made if new. NULL when out of memory. */
static struct slot *slot_of(struct traps *t, uint64_t key)
{
    struct slot *s;

    if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
        return NULL;
    s = find(t->tab, t->cap, key);
    if (!s->key) {
        s->key = key;
        t->n++;
    }
    return s;
}

bool traps_check(struct traps *t, const char *url, size_t len, size_t origin_len)
{
    const char *path = url + origin_len, *q = memchr(path, '?', len - origin_len);
    size_t plen = (size_t)((q ? q : url + len) - path);
    struct slot *s;

    if (repeats(path, plen, t->max_repeat))
        return true;
    if (!q || t->max_variants == 0)
        return false;
    s = slot_of(t, fnv(url, (size_t)(q - url)));
    if (!s)
        return false;
    if (s->count >= t->max_variants)
        return true;
    s->count++;
    if (t->keep)
        t->keep(t->keep_arg, s->key, s->count);
    return false;
}

void traps_keep(struct traps *t, traps_keep_fn *fn, void *arg)
{
    t->keep = fn;
    t->keep_arg = arg;
}

int traps_set(struct traps *t, uint64_t key, uint64_t count)
{
    struct slot *s = key ? slot_of(t, key) : NULL;

    if (!key)
        return 0; /* never a fingerprint */
    if (!s)
        return -ENOMEM;
    s->count = count;
    return 0;
}
