/* app/orders/consumer.c: a consumer-group worker on a Redis stream as a feed for the order
 * pipeline (see consumer.h).
 *
 * Entries in the pipeline are slots of a ring indexed by their tag (tags count up from 0), so
 * at most RING entries are between "read" and "committed": the feed waits for room. Two
 * connections: the feed's XREADGROUP BLOCK would hold up commits queued behind it on one. */
#include "app/orders/consumer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "app/orders/orders.h"
#include "core/coro.h"
#include "core/event.h"
#include "core/group.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "redis/client.h"

#define RING 65536u                 /* entries between read and committed, at most */
#define MAX_SOURCES 1024
#define ID_MAX 48                   /* "ms-seq" as text */
#define RENEW_CHUNK 1000            /* ids per renewal script */

/* KEYS: stream, worker hash, dead-letter stream. ARGV: group, consumer, results length,
 * rejects length, number of dead letters, their ids, then the other ids. Each id is checked
 * (still pending, and this consumer's), then those that pass are acked together: one XACK per
 * ACK_CHUNK ids (Lua's unpack takes at most about 8000 values), not one per id. */
#define ACK_CHUNK "4096"
static const char COMMIT_LUA[] =
    "local group, me = ARGV[1], ARGV[2]\n"
    "local ndead = tonumber(ARGV[5])\n"
    "local acked, gone, lost = 0, 0, 0\n"
    "local mine = {}\n"
    "for i = 6, #ARGV do\n"
    "  local id = ARGV[i]\n"
    "  local p = redis.call('XPENDING', KEYS[1], group, id, id, 1)\n"
    "  if #p == 0 then\n"
    "    gone = gone + 1\n"
    "  elseif p[1][2] ~= me then\n"
    "    lost = lost + 1\n"
    "  else\n"
    "    if i < 6 + ndead then\n"
    "      local e = redis.call('XRANGE', KEYS[1], id, id)\n"
    "      local f = {}\n"
    "      if #e > 0 and e[1][2] then f = e[1][2] end\n"
    "      redis.call('XADD', KEYS[3], '*', 'stream_id', id, 'deliveries', p[1][4],\n"
    "                 'worker', me, unpack(f))\n"
    "    end\n"
    "    mine[#mine + 1] = id\n"
    "  end\n"
    "end\n"
    "for i = 1, #mine, " ACK_CHUNK " do\n"
    "  local last = math.min(i + " ACK_CHUNK " - 1, #mine)\n"
    "  acked = acked + redis.call('XACK', KEYS[1], group, unpack(mine, i, last))\n"
    "end\n"
    "redis.call('HSET', KEYS[2], 'results', ARGV[3], 'rejects', ARGV[4])\n"
    "return {acked, gone, lost}\n";

/* KEYS: stream. ARGV: group, consumer, ids: reset the idle time of those still ours. */
static const char RENEW_LUA[] =
    "local n = 0\n"
    "for i = 3, #ARGV do\n"
    "  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)\n"
    "  if #p > 0 and p[1][2] == ARGV[2] then\n"
    "    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* KEYS: the id hash. ARGV: pairs of an order id and its entry's id. Each id goes to the first
 * entry that asks for it; an entry asking again (redone after a kill, or by the worker that
 * took it over) still gets it. Returns 1 (the entry's) or 0 (another's: a duplicate) each. */
static const char IDS_LUA[] =
    "local out = {}\n"
    "for i = 1, #ARGV, 2 do\n"
    "  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 or\n"
    "     redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then\n"
    "    out[#out + 1] = 1\n"
    "  else\n"
    "    out[#out + 1] = 0\n"
    "  end\n"
    "end\n"
    "return out\n";

struct slot {
    uint64_t ms, seq;               /* the entry's id */
    unsigned dead;                  /* deliveries, when a dead letter */
    bool live;                      /* read and not yet committed */
};

struct orders_consumer {
    struct orders_consumer_opts o;
    struct core_loop *loop;
    struct redis_client *rd;        /* the feed's connection */
    struct redis_client *ctl;       /* commits, renewals, take-overs */
    struct redis_script commit_lua, renew_lua, ids_lua;
    char hash[512];                 /* NAME:worker:ID */
    char ids_key[512];              /* NAME:ids: order id -> the entry that has it */
    char dead_key[512];             /* NAME:dead */
    struct orders_feed feed;
    struct core_group *bg;          /* committer and claimer */
    struct core_event *room;        /* set by commits: the ring has room again */
    struct slot *ring;
    uint64_t next_tag;              /* the tag of the next entry read */
    uint64_t low;                   /* every tag below is committed */
    /* the feed */
    bool replay;                    /* still reading this worker's PEL, one entry at a time */
    bool recover;                   /* reading this worker's PEL after cursor (see feed_read) */
    char cursor[ID_MAX];            /* the last entry read from the stream or the PEL */
    uint64_t read_conn;             /* rd's connection count at the last answered read */
    struct redis_reply *cur;        /* the reply the lines given out point into */
    struct redis_reply *claimed;    /* entries taken over, waiting for the feed */
    char claim_cursor[ID_MAX];
    char *sources[MAX_SOURCES];
    size_t nsources;
    /* written by the recorders (under lock) */
    uv_mutex_t lock;
    uint64_t *wtags;
    size_t nw, capw;
    int64_t out_len, rej_len;       /* the outputs' lengths with what is written */
    int wfail;                      /* -ENOMEM growing wtags: the run can no longer commit */
    /* the committer's (loop thread) */
    uint64_t *pend;                 /* written, not yet committed */
    size_t npend, cappend;
    int64_t committed_out, committed_rej;
    struct orders_consumer_stats st;
    int fatal;                      /* a commit could not be made (outage): the feed ends */
    char error[512];
};

/* --- helpers ---------------------------------------------------------------------------- */

static void say(struct orders_consumer *c, const char *what, int rc)
{
    const char *why = c->ctl ? redis_client_last_error(c->ctl) : "";

    snprintf(c->error, sizeof(c->error), "Redis: %s: %s%s%s", what, core_strerror(rc),
             *why ? "; last: " : "", why);
}

static int parse_id(const char *s, uint64_t *ms, uint64_t *seq)
{
    char *end;

    *ms = strtoull(s, &end, 10);
    if (*end != '-')
        return CORE_EPARSE;
    *seq = strtoull(end + 1, &end, 10);
    return *end ? CORE_EPARSE : 0;
}

static void format_id(const struct slot *s, char *buf)
{
    snprintf(buf, ID_MAX, "%" PRIu64 "-%" PRIu64, s->ms, s->seq);
}

static const char *field(const struct redis_reply *fields, const char *name, size_t *len)
{
    for (size_t i = 0; fields && i + 1 < fields->elements; i += 2)
        if (fields->element[i]->str && strcmp(fields->element[i]->str, name) == 0) {
            if (len)
                *len = fields->element[i + 1]->len;
            return fields->element[i + 1]->str;
        }
    return NULL;
}

/* A reply a moment's wait cures: a server loading its data after a restart (LOADING), busy
 * with a script (BUSY), a cluster in transition (TRYAGAIN, MASTERDOWN). */
static bool transient(const struct redis_reply *r)
{
    return r && r->type == REDIS_T_ERROR && r->str &&
           (strncmp(r->str, "LOADING", 7) == 0 || strncmp(r->str, "BUSY ", 5) == 0 ||
            strncmp(r->str, "TRYAGAIN", 8) == 0 || strncmp(r->str, "MASTERDOWN", 10) == 0);
}

/* After a transient reply: wait 50 ms before asking again, unless such replies have lasted
 * past the outage timeout (*since: when the first came, 0 before it). 0 to ask again,
 * CORE_EOUTAGE or -ECANCELED. */
static int wait_transient(struct core_coro *co, const struct orders_consumer *c, int64_t *since)
{
    const int64_t limit = c->o.redis ? c->o.redis->outage_timeout_ms : 60000;

    if (*since == 0)
        *since = core_now_ms();
    else if (limit >= 0 && core_now_ms() - *since > limit)
        return CORE_EOUTAGE;
    return core_sleep(co, core_deadline_in(50));
}

/* The index of a source's name, added when new; -E2BIG past MAX_SOURCES. */
static int source_index(struct orders_consumer *c, const char *name, unsigned *out)
{
    for (size_t i = c->nsources; i-- > 0;)
        if (strcmp(c->sources[i], name) == 0) {
            *out = (unsigned)i;
            return 0;
        }
    if (c->nsources == MAX_SOURCES)
        return -E2BIG;
    if (!(c->sources[c->nsources] = core_strdup(name)))
        return -ENOMEM;
    *out = (unsigned)c->nsources++;
    return 0;
}

static bool is_live(const struct orders_consumer *c, uint64_t ms, uint64_t seq)
{
    for (uint64_t t = c->low; t < c->next_tag; t++) {
        const struct slot *s = &c->ring[t % RING];

        if (s->live && s->ms == ms && s->seq == seq)
            return true;
    }
    return false;
}

/* --- written (the recorders) --------------------------------------------------------------- */

static void on_written(void *arg, const uint64_t *tags, size_t n, size_t results_bytes,
                       size_t rejects_bytes)
{
    struct orders_consumer *c = arg;

    uv_mutex_lock(&c->lock);
    if (c->nw + n > c->capw) {
        size_t cap = c->capw ? c->capw : 1024;
        uint64_t *w;

        while (cap < c->nw + n)
            cap *= 2;
        w = core_malloc(cap * sizeof(*w));
        if (!w) {
            c->wfail = -ENOMEM;
            uv_mutex_unlock(&c->lock);
            return;
        }
        if (c->nw)
            memcpy(w, c->wtags, c->nw * sizeof(*w));
        core_free(c->wtags);
        c->wtags = w;
        c->capw = cap;
    }
    memcpy(c->wtags + c->nw, tags, n * sizeof(*tags));
    c->nw += n;
    c->out_len += (int64_t)results_bytes;
    c->rej_len += (int64_t)rejects_bytes;
    uv_mutex_unlock(&c->lock);
}

/* --- commit (loop thread) ----------------------------------------------------------------- */

static int sync_on_pool(void *arg)
{
    const struct orders_consumer *c = arg;

    return c->o.sync_outputs ? c->o.sync_outputs(c->o.arg) : 0;
}

static int pend_reserve(struct orders_consumer *c, size_t more)
{
    size_t cap = c->cappend ? c->cappend : 1024;
    uint64_t *p;

    if (c->npend + more <= c->cappend)
        return 0;
    while (cap < c->npend + more)
        cap *= 2;
    if (!(p = core_malloc(cap * sizeof(*p))))
        return -ENOMEM;
    if (c->npend)
        memcpy(p, c->pend, c->npend * sizeof(*p));
    core_free(c->pend);
    c->pend = p;
    c->cappend = cap;
    return 0;
}

/* Commit what is written: sync, then the script. On failure the entries stay for the next. */
static int commit(struct core_coro *co, struct orders_consumer *c)
{
    int64_t out_len, rej_len;
    char num[2][24], ndead_s[24], (*ids)[ID_MAX] = NULL;
    const char **args = NULL;
    const char *keys[3] = {c->o.stream, c->hash, c->dead_key};
    struct redis_reply *r = NULL;
    size_t ndead = 0, k = 0;
    int rc;

    uv_mutex_lock(&c->lock);
    rc = c->wfail ? c->wfail : pend_reserve(c, c->nw);
    if (rc == 0) {
        if (c->nw)
            memcpy(c->pend + c->npend, c->wtags, c->nw * sizeof(*c->wtags));
        c->npend += c->nw;
        c->nw = 0;
    }
    out_len = c->out_len;
    rej_len = c->rej_len;
    uv_mutex_unlock(&c->lock);
    if (rc < 0)
        return rc;
    if (c->npend == 0 && out_len == c->committed_out && rej_len == c->committed_rej)
        return 0;
    rc = core_offload(co, sync_on_pool, c, -1);
    if (rc < 0) {
        say(c, "syncing the outputs", rc);
        return rc;
    }
    ids = core_malloc((c->npend ? c->npend : 1) * sizeof(*ids));
    args = core_malloc((c->npend + 5) * sizeof(*args));
    if (!ids || !args) {
        rc = -ENOMEM;
        goto out;
    }
    snprintf(num[0], sizeof(num[0]), "%" PRId64, out_len);
    snprintf(num[1], sizeof(num[1]), "%" PRId64, rej_len);
    args[k++] = ORDERS_CONSUMER_GROUP;
    args[k++] = c->o.worker;
    args[k++] = num[0];
    args[k++] = num[1];
    args[k++] = ndead_s;
    for (int pass = 0; pass < 2; pass++)       /* dead letters first */
        for (size_t i = 0; i < c->npend; i++) {
            const struct slot *s = &c->ring[c->pend[i] % RING];

            if ((s->dead != 0) != (pass == 0))
                continue;
            format_id(s, ids[k - 5]);
            args[k] = ids[k - 5];
            k++;
            ndead += pass == 0;
        }
    snprintf(ndead_s, sizeof(ndead_s), "%zu", ndead);
    rc = redis_client_eval(co, c->ctl, &c->commit_lua, 3, keys, (int)k, args, &r);
    if (rc == 0 && transient(r)) {
        snprintf(c->error, sizeof(c->error), "Redis: commit: %s", r->str);
        rc = -EAGAIN;   /* made again by the next one */
        goto out;
    }
    if (rc == 0 && (r->type != REDIS_T_ARRAY || r->elements != 3)) {
        snprintf(c->error, sizeof(c->error), "Redis refused the commit: %s",
                 r->type == REDIS_T_ERROR ? r->str : "an unexpected reply");
        rc = CORE_EREPLY;
    }
    if (rc < 0) {
        if (rc != CORE_EREPLY)
            say(c, "commit", rc);
        goto out;
    }
    c->st.acked += (uint64_t)r->element[0]->integer;
    c->st.lost += (uint64_t)r->element[2]->integer;
    c->st.commits++;
    for (size_t i = 0; i < c->npend; i++) {
        struct slot *s = &c->ring[c->pend[i] % RING];

        c->st.dead += s->dead != 0;
        s->live = false;
    }
    c->npend = 0;
    c->committed_out = out_len;
    c->committed_rej = rej_len;
    while (c->low < c->next_tag && !c->ring[c->low % RING].live)
        c->low++;
    core_event_set(c->room);
    core_event_clear(c->room);
out:
    redis_reply_free(r);
    core_free(ids);
    core_free(args);
    return rc;
}

static int committer(struct core_coro *co, void *arg)
{
    struct orders_consumer *c = arg;

    for (;;) {
        /* while the feed gives out this worker's own pending entries one at a time, each is
         * committed as soon as it is written (see feed_read) */
        int rc = core_sleep(co, core_deadline_in(c->replay ? 2 : c->o.commit_ms));

        if (rc < 0)
            return rc == -ECANCELED ? 0 : rc;
        /* shielded: a commit cancelled after its script went out would only be made again
         * (harmless, but twice the work) by the last one */
        core_coro_shield(co, true);
        rc = commit(co, c);
        core_coro_shield(co, false);
        if (rc == -ECANCELED)
            return 0;
        if (rc == CORE_EOUTAGE || rc == -ENOMEM || rc == CORE_EREPLY)
            c->fatal = rc;  /* the feed ends; what is written is committed at the end */
    }
}

/* --- claimer (loop thread) ---------------------------------------------------------------- */

static int renew(struct core_coro *co, struct orders_consumer *c)
{
    const char *keys[1] = {c->o.stream};
    char (*ids)[ID_MAX] = core_malloc(RENEW_CHUNK * sizeof(*ids));
    const char **args = core_malloc((RENEW_CHUNK + 2) * sizeof(*args));
    uint64_t t = c->low, end = c->next_tag;
    int rc = 0;

    if (!ids || !args) {
        rc = -ENOMEM;
        goto out;
    }
    while (rc == 0 && t < end) {
        struct redis_reply *r = NULL;
        int k = 2;

        args[0] = ORDERS_CONSUMER_GROUP;
        args[1] = c->o.worker;
        for (; t < end && k < RENEW_CHUNK + 2; t++) {
            const struct slot *s = &c->ring[t % RING];

            if (!s->live)
                continue;
            format_id(s, ids[k - 2]);
            args[k] = ids[k - 2];
            k++;
        }
        if (k == 2)
            break;
        rc = redis_client_eval(co, c->ctl, &c->renew_lua, 1, keys, k, args, &r);
        redis_reply_free(r);
    }
out:
    core_free(ids);
    core_free(args);
    return rc;
}

/* Take over entries idle past the lease (XAUTOCLAIM, so their delivery counters go up). */
static int take_over(struct core_coro *co, struct orders_consumer *c)
{
    struct redis_reply *r = NULL;
    char lease[24];
    int rc;

    if (c->claimed)
        return 0;  /* the feed has not taken the last ones yet */
    snprintf(lease, sizeof(lease), "%" PRId64, c->o.lease_ms);
    rc = redis_client_cmdf(co, c->ctl, &r, "XAUTOCLAIM %s %s %s %s %s COUNT 256", c->o.stream,
                           ORDERS_CONSUMER_GROUP, c->o.worker, lease, c->claim_cursor);
    if (rc < 0)
        return rc;
    if (r->type != REDIS_T_ARRAY || r->elements < 2 || r->element[0]->type != REDIS_T_STRING ||
        r->element[1]->type != REDIS_T_ARRAY) {
        redis_reply_free(r);
        return CORE_EREPLY;
    }
    snprintf(c->claim_cursor, sizeof(c->claim_cursor), "%s", r->element[0]->str);
    if (r->element[1]->elements > 0)
        c->claimed = r;
    else
        redis_reply_free(r);
    return 0;
}

static int claimer(struct core_coro *co, void *arg)
{
    struct orders_consumer *c = arg;
    int64_t tick = c->o.lease_ms / 4 > 10 ? c->o.lease_ms / 4 : 10;

    for (;;) {
        int rc = core_sleep(co, core_deadline_in(tick));

        if (rc < 0)
            return rc == -ECANCELED ? 0 : rc;
        if (c->replay)
            continue;  /* this worker's own PEL first: the take-over would hand it out twice */
        rc = renew(co, c);
        if (rc == 0)
            rc = take_over(co, c);
        if (rc == -ECANCELED)
            return 0;
        /* other errors: tried again next tick (an outage ends the run through the commits) */
    }
}

/* --- the feed (the reader's coroutine) ---------------------------------------------------- */

/* Delivery counts of entries from a PEL or taken over: one XPENDING each, pipelined. */
static int deliveries(struct core_coro *co, struct orders_consumer *c,
                      const struct redis_reply *entries, unsigned *out)
{
    const size_t n = entries->elements;
    struct redis_cmd *cmds = core_calloc(n, sizeof(*cmds));
    const char **argv = core_calloc(n * 6, sizeof(*argv));
    struct redis_reply **replies = core_calloc(n, sizeof(*replies));
    int rc = 0;

    if (!cmds || !argv || !replies) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char **a = argv + 6 * i;

        a[0] = "XPENDING";
        a[1] = c->o.stream;
        a[2] = ORDERS_CONSUMER_GROUP;
        a[3] = a[4] = entries->element[i]->element[0]->str;
        a[5] = "1";
        cmds[i] = (struct redis_cmd){6, a, NULL};
    }
    rc = redis_client_pipeline(co, c->rd, cmds, n, replies);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct redis_reply *p = replies[i];

        /* 0: no longer pending (acked meanwhile: by this worker's commit of it, when the
         * take-over took its own entry before that commit) or another consumer's now */
        out[i] = 0;
        if (p->type == REDIS_T_ARRAY && p->elements == 1 && p->element[0]->elements == 4 &&
            p->element[0]->element[1]->str &&
            strcmp(p->element[0]->element[1]->str, c->o.worker) == 0)
            out[i] = (unsigned)p->element[0]->element[3]->integer;
        else if (p->type == REDIS_T_ERROR)
            out[i] = 1;     /* not known (a transient error): processed as a first delivery */
    }
    if (rc == 0)
        redis_replies_free(replies, n);
out:
    core_free(cmds);
    core_free(argv);
    core_free(replies);
    return rc;
}

/* Lines from entries (an array of [id, fields]); *n of them. Entries already in the pipeline
 * (this worker's own, taken over again after a late renewal) are left out. */
static int to_lines(struct core_coro *co, struct orders_consumer *c,
                    const struct redis_reply *entries, bool check, struct orders_feed_line *out,
                    size_t max, int *n)
{
    unsigned *dlv = NULL;
    bool *live = NULL;
    int rc = 0, k = 0;

    if (entries->elements > max)
        return CORE_EREPLY;
    if (check && entries->elements) {
        /* Which are in the pipeline here now, before asking whether they are still pending
         * and ours: one in the pipeline stays skipped; one that is not, and is still pending
         * and ours after, is not (only this coroutine puts entries in the ring). */
        live = core_calloc(entries->elements, sizeof(*live));
        dlv = core_calloc(entries->elements, sizeof(*dlv));
        rc = dlv && live ? 0 : -ENOMEM;
        for (size_t i = 0; rc == 0 && i < entries->elements; i++) {
            const struct redis_reply *e = entries->element[i];
            uint64_t ms, seq;

            if (e->type == REDIS_T_ARRAY && e->elements == 2 && e->element[0]->str &&
                parse_id(e->element[0]->str, &ms, &seq) == 0)
                live[i] = is_live(c, ms, seq);
        }
        /* read-only: asked again after a lost reply (as after a restart, when the PEL is
         * read again), up to the outage timeout */
        for (int64_t since = 0; rc == 0;) {
            rc = deliveries(co, c, entries, dlv);
            if (rc != -ECONNRESET && rc != -ETIMEDOUT)
                break;
            rc = wait_transient(co, c, &since);
        }
    }
    for (size_t i = 0; rc == 0 && i < entries->elements; i++) {
        const struct redis_reply *e = entries->element[i];
        const struct redis_reply *fields;
        struct orders_feed_line *l = &out[k];
        const char *src, *line, *data, *tl;
        struct slot *s;
        uint64_t ms, seq;
        size_t len = 0;
        unsigned idx;

        if (e->type != REDIS_T_ARRAY || e->elements != 2 || !e->element[0]->str ||
            parse_id(e->element[0]->str, &ms, &seq) < 0) {
            rc = CORE_EREPLY;
            break;
        }
        fields = e->element[1];
        if (fields->type != REDIS_T_ARRAY) {
            /* deleted from the stream while pending: nothing to process */
            struct redis_reply *r = NULL;

            rc = redis_client_cmdf(co, c->rd, &r, "XACK %s %s %s", c->o.stream,
                                   ORDERS_CONSUMER_GROUP, e->element[0]->str);
            redis_reply_free(r);
            c->st.missing++;
            continue;
        }
        if (check && (live[i] || dlv[i] == 0))
            continue;   /* in the pipeline here, or no longer this worker's to do */
        src = field(fields, "source", NULL);
        line = field(fields, "line", NULL);
        data = field(fields, "data", &len);
        tl = field(fields, "too_long", NULL);
        rc = source_index(c, src ? src : "?", &idx);
        if (rc < 0)
            break;
        memset(l, 0, sizeof(*l));
        l->text = data ? data : "";
        l->len = data ? len : 0;
        l->too_long = (tl && strcmp(tl, "1") == 0) || l->len > c->o.max_line;
        if (l->len > c->o.max_line)
            l->len = c->o.max_line;
        l->src = idx;
        l->lineno = line ? strtoull(line, NULL, 10) : 0;
        l->tag = c->next_tag++;
        l->dead = dlv && dlv[i] > c->o.max_deliveries ? dlv[i] : 0;
        s = &c->ring[l->tag % RING];
        *s = (struct slot){ms, seq, l->dead, true};
        k++;
    }
    core_free(dlv);
    core_free(live);
    *n = k;
    return rc;
}

/* Whether the group is done: nothing pending anywhere (this worker's entries included). */
static int drained(struct core_coro *co, struct orders_consumer *c, bool *out)
{
    struct redis_reply *r = NULL;
    int rc = redis_client_cmdf(co, c->rd, &r, "XPENDING %s %s", c->o.stream,
                               ORDERS_CONSUMER_GROUP);

    if (rc < 0)
        return rc;
    *out = r->type == REDIS_T_ARRAY && r->elements >= 1 && r->element[0]->integer == 0 &&
           c->low == c->next_tag && !c->claimed;
    redis_reply_free(r);
    return 0;
}

static int feed_read(struct core_coro *co, void *arg, struct orders_feed_line *out, size_t max)
{
    struct orders_consumer *c = arg;
    char count[24], block[24];
    int64_t since = 0;
    int rc, n = 0;

    redis_reply_free(c->cur);
    c->cur = NULL;
    snprintf(count, sizeof(count), "%zu", max);
    snprintf(block, sizeof(block), "%" PRId64, c->o.block_ms);
    while (n == 0) {
        struct redis_reply *r = NULL;
        const struct redis_reply *entries = NULL;
        bool mine = false, claimed = false;

        rc = 0;
        if (c->fatal) {
            snprintf(c->error + strlen(c->error), sizeof(c->error) - strlen(c->error),
                     " (stopped reading)");
            return c->fatal;
        }
        /* room in the ring for what a read may bring */
        while (c->next_tag + max - c->low > RING) {
            rc = core_event_wait(co, c->room, core_deadline_in(c->o.commit_ms));
            if (rc < 0 && rc != -ETIMEDOUT)
                return rc;
        }
        if (c->claimed) {
            r = c->claimed;
            c->claimed = NULL;
            entries = r->element[1];
            claimed = true;
        } else if (c->replay || c->recover) {
            /* This worker's own pending entries after cursor. At the start (replay: its last
             * run died holding them) one at a time, each committed before the next is read:
             * every read raises the entry's delivery counter, so an entry that kills the
             * worker is then the only one whose counter its deaths raise, and the others never
             * become dead letters with it. After a lost connection (recover), as many as a
             * read of new ones would bring. */
            while (c->replay && c->low != c->next_tag) {
                rc = core_event_wait(co, c->room, core_deadline_in(c->o.commit_ms));
                if (rc < 0 && rc != -ETIMEDOUT)
                    return rc;
                if (c->fatal)
                    return c->fatal;
            }
            rc = redis_client_cmdf(co, c->rd, &r, "XREADGROUP GROUP %s %s COUNT %s STREAMS %s %s",
                                   ORDERS_CONSUMER_GROUP, c->o.worker, c->replay ? "1" : count,
                                   c->o.stream, c->cursor);
            mine = true;
        } else if (!redis_client_is_connected(c->rd) ||
                   redis_client_connects(c->rd) != c->read_conn) {
            /* The connection was lost since the last read was answered: a read whose reply
             * was lost with it may have been run, its entries now in this worker's PEL, not
             * in the pipeline. Those come first, in stream order (so the first line of an id
             * is still judged before a later one), then new ones. */
            c->recover = true;
            continue;
        } else {
            rc = redis_client_cmdf(co, c->rd, &r,
                                   "XREADGROUP GROUP %s %s COUNT %s BLOCK %s STREAMS %s >",
                                   ORDERS_CONSUMER_GROUP, c->o.worker, count, block, c->o.stream);
        }
        if (!claimed) {
            if (rc < 0) {
                if (rc == -ECANCELED)
                    return rc;
                say(c, "XREADGROUP", rc);
                if (rc == CORE_EOUTAGE)
                    return rc;
                /* a reset or a deadline: the read may have been run without its reply; the
                 * client reconnects, and this worker's PEL is read again after cursor */
                c->recover = true;
                continue;
            }
            if (transient(r)) {
                redis_reply_free(r);
                rc = wait_transient(co, c, &since);
                if (rc < 0)
                    return rc;
                continue;
            }
            since = 0;
            if (!mine)
                c->read_conn = redis_client_connects(c->rd);
            if (r->type == REDIS_T_ERROR) {
                snprintf(c->error, sizeof(c->error), "Redis refused XREADGROUP: %s", r->str);
                redis_reply_free(r);
                return CORE_EREPLY;
            }
            if (r->type == REDIS_T_ARRAY && r->elements == 1 &&
                r->element[0]->elements == 2)
                entries = r->element[0]->element[1];
        }
        if (mine && (!entries || entries->elements == 0)) {
            /* the PEL is read: new entries from now on (on the connection it was read on) */
            c->replay = false;
            c->recover = false;
            c->read_conn = redis_client_connects(c->rd);
            redis_reply_free(r);
            continue;
        }
        if (!entries || entries->elements == 0) {
            bool done = false;

            redis_reply_free(r);
            rc = 0;
            if (c->o.until_drained && (rc = drained(co, c, &done)) == 0 && done)
                return 0;
            if (c->o.until_drained && rc < 0 && rc != -ECANCELED)
                say(c, "XPENDING", rc);
            if (rc == -ECANCELED)
                return rc;
            if (c->o.until_drained && c->low != c->next_tag)
                (void)core_event_wait(co, c->room, core_deadline_in(c->o.commit_ms));
            continue;
        }
        if (!claimed)
            snprintf(c->cursor, sizeof(c->cursor), "%s",
                     entries->element[entries->elements - 1]->element[0]->str);
        rc = to_lines(co, c, entries, mine || claimed, out, max, &n);
        if (rc < 0) {
            redis_reply_free(r);
            if (rc != -ECANCELED && !c->error[0])
                say(c, "reading entries", rc);
            return rc;
        }
        c->st.read += (uint64_t)n;
        if (mine)
            c->st.replayed += (uint64_t)n;
        if (claimed)
            c->st.claimed += (uint64_t)n;
        if (n > 0)
            c->cur = r;     /* the lines point into it */
        else
            redis_reply_free(r);
    }
    return n;
}

/* --- duplicate ids (the sequencer) --------------------------------------------------------- */

static void check_ids(struct core_coro *co, void *arg, const struct orders_feed_id *ids, size_t n,
                      int *results)
{
    struct orders_consumer *c = arg;
    const char *keys[1] = {c->ids_key};
    const char **args = core_calloc(2 * n, sizeof(*args));
    char (*eids)[ID_MAX] = core_calloc(n, sizeof(*eids));
    char **copies = core_calloc(n, sizeof(*copies));
    struct redis_reply *r = NULL;
    int64_t since = 0;
    int rc = args && eids && copies ? 0 : -ENOMEM;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!(copies[i] = core_strndup(ids[i].id, ids[i].len)))
            rc = -ENOMEM;
        format_id(&c->ring[ids[i].tag % RING], eids[i]);
        args[2 * i] = copies[i];
        args[2 * i + 1] = eids[i];
    }
    /* A lost reply (a reset, a deadline) is asked again, as a transient reply is: the script
     * gives an entry its own ids again. Up to the outage timeout: an id left unjudged must not
     * be recorded (a later line with it would then take it), so giving up ends the run. */
    while (rc == 0) {
        rc = redis_client_eval(co, c->ctl, &c->ids_lua, 1, keys, (int)(2 * n), args, &r);
        if (rc == -ECONNRESET || rc == -ETIMEDOUT || (rc == 0 && transient(r))) {
            redis_reply_free(r);
            r = NULL;
            rc = wait_transient(co, c, &since);
            continue;
        }
        if (rc == 0 && (r->type != REDIS_T_ARRAY || r->elements != n)) {
            snprintf(c->error, sizeof(c->error), "Redis refused the id script: %s",
                     r->type == REDIS_T_ERROR ? r->str : "an unexpected reply");
            rc = CORE_EREPLY;
        }
        break;
    }
    for (size_t i = 0; i < n; i++)
        results[i] = rc < 0 ? rc : (r->element[i]->integer == 1 ? 1 : 0);
    if (rc < 0 && rc != -ECANCELED && rc != CORE_EREPLY)
        say(c, "judging duplicate ids", rc);
    redis_reply_free(r);
    for (size_t i = 0; copies && i < n; i++)
        core_free(copies[i]);
    core_free(copies);
    core_free(eids);
    core_free(args);
}

/* --- setup ---------------------------------------------------------------------------------- */

int orders_consumer_open(struct core_coro *co, const struct orders_consumer_opts *opts,
                         struct orders_consumer **out, char *err, size_t errsz)
{
    struct orders_consumer *c = core_calloc(1, sizeof(*c));
    struct redis_reply *r = NULL;
    int64_t since = 0;
    int rc;

    if (!c) {
        snprintf(err, errsz, "%s", core_strerror(-ENOMEM));
        return -ENOMEM;
    }
    c->o = *opts;
    c->loop = core_coro_loop(co);
    c->replay = true;
    snprintf(c->cursor, sizeof(c->cursor), "0");
    snprintf(c->claim_cursor, sizeof(c->claim_cursor), "0-0");
    c->feed = (struct orders_feed){feed_read, on_written, check_ids, c};
    rc = uv_mutex_init(&c->lock);
    if (rc < 0) {
        core_free(c);
        snprintf(err, errsz, "%s", core_strerror(rc));
        return rc;
    }
    if ((size_t)snprintf(c->hash, sizeof(c->hash), "%s:worker:%s", opts->stream, opts->worker) >=
            sizeof(c->hash) ||
        (size_t)snprintf(c->dead_key, sizeof(c->dead_key), "%s:dead", opts->stream) >=
            sizeof(c->dead_key) ||
        (size_t)snprintf(c->ids_key, sizeof(c->ids_key), "%s:ids", opts->stream) >=
            sizeof(c->ids_key)) {
        rc = -ENAMETOOLONG;
        snprintf(c->error, sizeof(c->error), "the stream's name or the worker id is too long");
        goto fail;
    }
    c->ring = core_calloc(RING, sizeof(*c->ring));
    rc = c->ring ? 0 : -ENOMEM;
    if (rc == 0)
        rc = redis_script_init(&c->commit_lua, COMMIT_LUA);
    if (rc == 0)
        rc = redis_script_init(&c->renew_lua, RENEW_LUA);
    if (rc == 0)
        rc = redis_script_init(&c->ids_lua, IDS_LUA);
    if (rc == 0)
        rc = core_event_create(&c->room);
    if (rc == 0)
        rc = core_group_create(c->loop, 0, &c->bg);
    if (rc == 0)
        rc = redis_client_create(c->loop, opts->url, opts->redis, &c->rd);
    if (rc == 0)
        rc = redis_client_create(c->loop, opts->url, opts->redis, &c->ctl);
    if (rc < 0) {
        snprintf(c->error, sizeof(c->error), "%s", core_strerror(rc));
        goto fail;
    }
    do {
        redis_reply_free(r);
        r = NULL;
        rc = redis_client_cmdf(co, c->ctl, &r, "XGROUP CREATE %s %s 0 MKSTREAM", opts->stream,
                               ORDERS_CONSUMER_GROUP);
    } while (rc == 0 && transient(r) && (rc = wait_transient(co, c, &since)) == 0);
    if (rc == 0 && r->type == REDIS_T_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0) {
        snprintf(c->error, sizeof(c->error), "Redis refused XGROUP CREATE: %s", r->str);
        rc = CORE_EREPLY;
    }
    redis_reply_free(r);
    r = NULL;
    since = 0;
    while (rc == 0) {
        rc = redis_client_cmdf(co, c->ctl, &r, "HMGET %s results rejects", c->hash);
        if (rc < 0 || !transient(r))
            break;
        redis_reply_free(r);
        r = NULL;
        rc = wait_transient(co, c, &since);
    }
    if (rc == 0 && (r->type != REDIS_T_ARRAY || r->elements != 2)) {
        snprintf(c->error, sizeof(c->error), "Redis: %.400s is not a hash", c->hash);
        rc = CORE_EREPLY;
    }
    if (rc == 0) {
        c->committed_out = r->element[0]->str ? strtoll(r->element[0]->str, NULL, 10) : 0;
        c->committed_rej = r->element[1]->str ? strtoll(r->element[1]->str, NULL, 10) : 0;
    }
    redis_reply_free(r);
    if (rc < 0 && !c->error[0])
        say(c, "setting up the group", rc);
    if (rc < 0)
        goto fail;
    *out = c;
    return 0;

fail:
    snprintf(err, errsz, "%s", c->error);
    orders_consumer_destroy(c);
    return rc;
}

void orders_consumer_committed(const struct orders_consumer *c, int64_t *results, int64_t *rejects)
{
    *results = c->committed_out;
    *rejects = c->committed_rej;
}

int orders_consumer_start(struct orders_consumer *c, int64_t results_len, int64_t rejects_len)
{
    int rc;

    c->out_len = results_len;
    c->rej_len = rejects_len;
    rc = core_group_spawn(c->bg, committer, c, NULL);
    if (rc == 0)
        rc = core_group_spawn(c->bg, claimer, c, NULL);
    return rc;
}

const struct orders_feed *orders_consumer_feed(struct orders_consumer *c)
{
    return &c->feed;
}

const char *const *orders_consumer_sources(const struct orders_consumer *c)
{
    return (const char *const *)c->sources;
}

int orders_consumer_finish(struct core_coro *co, struct orders_consumer *c)
{
    int rc;

    core_group_cancel(c->bg);
    rc = core_group_wait(co, c->bg, -1);
    /* the last commit: made again while Redis is restarting or a connection was lost (it is
     * idempotent), up to the outage timeout */
    for (int64_t since = 0; rc == 0;) {
        rc = commit(co, c);
        if (rc != -EAGAIN && rc != -ECONNRESET && rc != -ETIMEDOUT)
            break;
        rc = wait_transient(co, c, &since);
    }
    return rc;
}

void orders_consumer_stats(const struct orders_consumer *c, struct orders_consumer_stats *out)
{
    *out = c->st;
}

const char *orders_consumer_error(const struct orders_consumer *c)
{
    return c->error;
}

void orders_consumer_destroy(struct orders_consumer *c)
{
    if (!c)
        return;
    core_group_destroy(c->bg);
    redis_reply_free(c->cur);
    redis_reply_free(c->claimed);
    redis_client_destroy(c->rd);
    redis_client_destroy(c->ctl);
    core_event_destroy(c->room);
    for (size_t i = 0; i < c->nsources; i++)
        core_free(c->sources[i]);
    core_free(c->ring);
    core_free(c->wtags);
    core_free(c->pend);
    uv_mutex_destroy(&c->lock);
    core_free(c);
}
