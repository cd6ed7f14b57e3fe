/* app/export/dedup.c: payload digest -> first capture, an open-addressing hash table (see
 * dedup.h). */
#include "app/export/dedup.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "core/mem.h"
#include "core/siphash.h"

struct entry {
    uint64_t hash;                          /* 0: empty slot */
    char digest[APP_WARC_DIGEST_LEN + 1];
    struct app_warc_id id;
    int64_t date_ms;
    char *uri;
};

struct app_dedup {
    struct core_siphash_key key;
    struct entry *slots;
    size_t mask;   /* slots - 1, a power of two less one */
    size_t count, max;
};

int app_dedup_create(size_t max_entries, struct app_dedup **out)
{
    struct app_dedup *d = core_calloc(1, sizeof(*d));
    uint64_t seed = 0;

    if (!d)
        return -ENOMEM;
    /* a fixed key only makes flooding possible, not the table wrong: go on without entropy */
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = (uint64_t)(uintptr_t)d;
    core_siphash_key_from_seed(seed, &d->key);
    d->slots = core_calloc(64, sizeof(*d->slots));
    if (!d->slots) {
        core_free(d);
        return -ENOMEM;
    }
    d->mask = 63;
    d->max = max_entries;
    *out = d;
    return 0;
}

static uint64_t hash_of(const struct app_dedup *d, const char *digest)
{
    uint64_t h = core_siphash13(&d->key, digest, strlen(digest));

    return h ? h : 1;   /* 0 marks an empty slot */
}

/* The slot holding digest, or the empty slot where it would go. */
static struct entry *slot_for(const struct app_dedup *d, const char *digest, uint64_t h)
{
    size_t i = (size_t)h & d->mask;

    while (d->slots[i].hash &&
           (d->slots[i].hash != h || strcmp(d->slots[i].digest, digest) != 0))
        i = (i + 1) & d->mask;
    return &d->slots[i];
}

bool app_dedup_find(const struct app_dedup *d, const char *digest, struct app_dedup_hit *hit)
{
    const struct entry *e = slot_for(d, digest, hash_of(d, digest));

    if (!e->hash)
        return false;
    hit->uri = e->uri;
    hit->date_ms = e->date_ms;
    hit->id = &e->id;
    return true;
}

/* Double the table (kept at most half full). */
static int grow(struct app_dedup *d)
{
    const size_t n = (d->mask + 1) * 2;
    struct entry *old = d->slots, *slots = core_calloc(n, sizeof(*slots));
    size_t i, j;

    if (!slots)
        return -ENOMEM;
    for (i = 0; i <= d->mask; i++) {
        if (!old[i].hash)
            continue;
        for (j = (size_t)old[i].hash & (n - 1); slots[j].hash; j = (j + 1) & (n - 1))
            ;
        slots[j] = old[i];
    }
    d->slots = slots;
    d->mask = n - 1;
    core_free(old);
    return 0;
}

int app_dedup_add(struct app_dedup *d, const char *digest, const char *uri, int64_t date_ms,
                  const struct app_warc_id *id)
{
    const uint64_t h = hash_of(d, digest);
    struct entry *e = slot_for(d, digest, h);
    char *copy;
    int rc;

    if (e->hash)
        return -EEXIST;
    if (strlen(digest) > APP_WARC_DIGEST_LEN)
        return -EINVAL;
    if (d->max && d->count >= d->max)
        return CORE_EFULL;
    if ((d->count + 1) * 2 > d->mask + 1) {
        rc = grow(d);
        if (rc < 0)
            return rc;
        e = slot_for(d, digest, h);
    }
    copy = core_strdup(uri);
    if (!copy)
        return -ENOMEM;
    e->hash = h;
    memcpy(e->digest, digest, strlen(digest) + 1);
    e->id = *id;
    e->date_ms = date_ms;
    e->uri = copy;
    d->count++;
    return 0;
}

size_t app_dedup_count(const struct app_dedup *d)
{
    return d->count;
}

void app_dedup_destroy(struct app_dedup *d)
{
    size_t i;

    if (!d)
        return;
    for (i = 0; i <= d->mask; i++)
        core_free(d->slots[i].uri);
    core_free(d->slots);
    core_free(d);
}
