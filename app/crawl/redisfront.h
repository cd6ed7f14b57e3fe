/* app/crawl/redisfront.h: the Redis side of a crawl frontier shared by many trawl processes.
 *
 * Every operation is one Lua script (EVALSHA, atomic in Redis), timed by Redis's own clock
 * (redis.call('TIME')), so workers on machines whose clocks disagree still share one notion of
 * "now" for politeness and lease expiry. Operations are batched: a worker leases a batch of
 * jobs in one call and reports a batch of completions, each carrying the links its page had,
 * in one more, so a page costs 2 / batch round trips (renewals aside).
 *
 * Keys, all under P = "trawl:crawl:NAME:" (NAME is the crawl's name):
 *   P opts      HASH  per_host, delay_ms, lease_ms, max_leases, config (the caller's other
 *                     options, compared byte for byte), created_ms
 *   P seen      SET   every URL ever known: its 64-bit fingerprint as 8 bytes (big-endian).
 *                     Exact (never a Bloom filter or HyperLogLog): a URL is queued at most once.
 *   P jobs      HASH  fingerprint -> the job, as text: "KIND DEPTH OLEN LEASES\nURL\nPARENT"
 *                     (OLEN: its origin's length; LEASES: leases that ended without its
 *                     completion, "over" ones not counted; PARENT empty for a seed), for every
 *                     job queued or leased; removed when completed or dead-lettered. Written
 *                     when queued and when requeued, never by a lease or a completion
 *   P lt        HASH  fingerprint -> "TOKEN WORKER" for every leased job: its current fencing
 *                     token and holder; and the field "" (no fingerprint is empty) with a long
 *                     value, set at create, that keeps the hash out of Redis's listpack
 *                     encoding, where each lookup is a scan of the hash
 *   P q:ORIGIN  LIST  the fingerprints queued for one host (ORIGIN = scheme://host[:port]),
 *                     FIFO; a requeued job goes back to the head
 *   P ready     ZSET  hosts with queued jobs and a free slot (in flight < per_host), scored by
 *                     their next-allowed time (ms, Redis clock): leasing takes the lowest
 *                     score <= now, O(log hosts) per job
 *   P inflight  HASH  host -> slots taken: jobs leased and not completed nor over, jobs leased
 *                     ahead not counted until a slot is handed on to them (absent: 0)
 *   P next      HASH  host -> next-allowed time (ms, Redis clock), advanced by delay_ms at
 *                     each lease and pushed out by redisfront_host_delay
 *   P leases    ZSET  fingerprints of leased jobs, scored by lease expiry (ms, Redis clock)
 *   P token     STRING the last fencing token handed out (INCR: tokens only grow)
 *   P stats     HASH  queued, done, failed, dead, requeued
 *   P dead      HASH  fingerprint -> the job (as in P jobs), for jobs dead-lettered
 *   P hold      SET   hosts whose robots job (kind 1) has not ended: such a host is leased
 *                     nothing but that job, at the head of its queue, and is out of the
 *                     ready set while the job is leased
 *   P robots    HASH  host -> the robots outcome its robots job's completion carried (opaque,
 *                     the client's encoding of the rules); "" for no rules (a robots job that
 *                     failed, was dead-lettered, or completed with none)
 *   P hdelay    HASH  host -> crawl delay (ms) from its robots outcome: each lease of the host
 *                     moves its next-allowed time to now + max(delay_ms, hdelay)
 *   P hostload  ZSET  host -> jobs queued + in flight (removed at 0): the busiest hosts
 *   P over      SET   fingerprints of leased jobs whose request is over (redisfront_ask's
 *                     fetched): their host slots are free already, before their completion
 *   P ahead     SET   fingerprints of jobs leased ahead (redisfront_ahead) that hold no slot
 *                     yet: a request over with one as its successor hands its slot on to it
 *   P suspect   SET   fingerprints of jobs whose lease ahead ended with their holder (expired
 *                     or released): they may have killed it unseen, so they are leased with a
 *                     slot only (and counted) from then on, until completed or dead-lettered
 *   P workers   SET   the workers that ever committed (redisfront_complete)
 *   P hungry    STRING a worker whose lease call found nothing free while jobs were queued
 *                     (expires after 200 ms): every other worker's lease call takes half as
 *                     many jobs while it exists, so that no worker is starved by the others
 *                     taking back the slots their own requests free
 *   P w:W       HASH  worker W's commits: done, failed, first_ms, last_ms (Redis clock, of
 *                     its first and last commit with completions), lengths (the opaque blob of
 *                     its last commit that carried one); lease_seqN and lease_replyN, the last
 *                     lease call of its lane N and its reply (redisfront_ask)
 * (One crawl's keys are not in one Redis Cluster slot: a Cluster deployment would put NAME in
 * a hash tag, or partition by host.)
 *
 * Leases and fencing: each lease gives the job a new token and an expiry (now + lease_ms). A
 * lease stays its holder's until it is reaped: the holder may renew it (a new expiry) or
 * complete it, with its token, for as long as the job still carries that token. Once the
 * expiry has passed, any lease or reap call may reap it: the job goes back to the head of its
 * host's queue (or, after max_leases leases, to the dead-letter set) and its token is void,
 * so the old holder's renewal and completion are refused (it must drop what it made for the
 * job) and only the next holder's are accepted. Every lease call reaps the expired leases it
 * meets (continuous requeue); redisfront_reap does the same for a timer. A lease lost after
 * its holder said the job's request was over (redisfront_ask's fetched) does not count
 * toward max_leases: the holder died after the job, not of it.
 *
 * Politeness: a host is leased a job only when its jobs in flight are fewer than per_host and
 * Redis's clock has reached its next-allowed time, which each lease moves to now + delay_ms
 * (the delay counts from the lease, so a worker starts the fetch at once); redisfront_host_delay
 * pushes it out for a Retry-After or a backoff, for every worker at once.
 *
 * robots.txt: a URL added with kind 1 (FRONTIER_ROBOTS) is its host's robots job. When new, it
 * goes to the head of the host's queue and the host into hold: a held host is leased its
 * robots job only, and none of its jobs while that one is leased. Completing the robots job
 * stores its outcome (redisfront_done.robots) and crawl delay, releases the hold and wakes the
 * host; from then on each lease of the host keeps its next lease at least the crawl delay
 * later. A reaped robots job goes back to the head, the host still held; a dead-lettered or
 * failed one releases the hold with no rules stored (clients treat no rules as allow all).
 * redisfront_robots reads the stored outcomes.
 *
 * Commits: redisfront_complete is a worker's commit, all or nothing: if any completion's token
 * is stale nothing is written (-ESTALE, with the stale ones flagged, to retry without them);
 * otherwise the completions, their links, the worker's counters and its opaque lengths blob
 * (redisfront_worker_lengths) are written in the one script. A restarted worker, which lost its
 * leases with its memory, calls redisfront_release first: its leases go back at once.
 *
 * Redis: 6.2 or later (SMISMEMBER, ZMSCORE), with maxmemory-policy noeviction (an evicted key
 * would lose jobs) and appendonly yes for a crawl that must survive a Redis restart. A script
 * that fails half-way is not rolled back by Redis: the scripts fail only before their first
 * write (no crawl), so a failure other than Redis's own (out of memory) leaves nothing half
 * done.
 *
 * Costs (bench/bench_redisfront, a local redis-server): about 59 bytes of Redis memory per
 * known URL (the visited set) and 227 per queued one (53-byte URL, 28-byte parent); with
 * batches of 32, 0.06 round trips and about 50 µs of Redis CPU per page of 10 links (the
 * commits' lengths, worker counters and host load add up to about 10%: BENCHMARKS.md).
 *
 * Errors: 0 or a negative code: those of redis_client_evalv (-ETIMEDOUT, -ECONNRESET,
 * CORE_EOUTAGE, -ECANCELED, -ENOMEM), -ENOENT when the crawl does not exist, -EEXIST when
 * redisfront_create_crawl meets different options, -ESTALE when redisfront_complete committed
 * nothing, -EAGAIN when Redis answered that it cannot run scripts yet (LOADING its data after a
 * restart, BUSY with another script, MASTERDOWN, TRYAGAIN: nothing ran, call again a little
 * later), CORE_EREPLY for an unexpected reply; redisfront_error says why in a sentence.
 *
 * Ownership: the client is borrowed and must outlive the frontier; the name and every string
 * argument are borrowed for the call. A lease, robots or status result's strings point into
 * the Redis reply it keeps, until its _free call. Loop thread only (the client's). */
#ifndef APP_CRAWL_REDISFRONT_H
#define APP_CRAWL_REDISFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_buf;
struct core_coro;
struct redis_client;
struct redis_reply;
struct redisfront;

/* A crawl's shared options, stored in Redis by the crawl's creator. */
struct redisfront_opts {
    unsigned per_host;          /* jobs in flight per host at most, 0 = no limit */
    int64_t delay_ms;           /* between leases of one host's jobs */
    int64_t lease_ms;           /* a lease's length (and each renewal's) */
    unsigned max_leases;        /* leases of a job before it is dead-lettered, >= 1 */
    const char *config;         /* the caller's other options, opaque; NULL = "" */
};

/* per_host 1, delay 0, lease 30 s, max_leases 3, config "". */
void redisfront_opts_init(struct redisfront_opts *o);

/* A URL to queue. Its fingerprint must be computed the same way by every worker. */
struct redisfront_url {
    const char *url;
    size_t len;
    size_t origin_len;          /* scheme://host[:port]: its host's queue */
    uint64_t fp;
    uint32_t depth;
    uint8_t kind;               /* the caller's (enum frontier_kind), kept with the job */
};

/* A job as Redis hands it out (leased, or dead-lettered). Strings point into the reply. */
struct redisfront_job {
    uint64_t fp;
    uint64_t token;             /* the fencing token of this lease (0 for a dead job) */
    int64_t expiry_ms;          /* the lease's expiry, Redis clock (0 for a dead job) */
    const char *url;
    size_t len;
    size_t origin_len;
    const char *parent;         /* NULL for a seed */
    uint32_t depth;
    uint32_t leases;            /* leases so far, this one included */
    uint8_t kind;
};

/* j's url, len, origin_len, depth, kind, parent and leases (as stored: not counting a
 * current lease) from a job record of P jobs, s's len bytes (s[len] must be readable, and NUL
 * for the parent to be a string): the newline after the URL becomes its NUL, the strings point
 * into s. false (j partly written) when s is not such a record. For the lease replies, and
 * exposed for its fuzz target. */
bool redisfront_parse_record(char *s, size_t len, struct redisfront_job *j);

/* What a lease or reap call returns. Plain struct, filled by the call. */
struct redisfront_lease {
    int64_t now_ms;             /* Redis's clock when the script ran */
    int64_t ready_ms;           /* the earliest next-allowed time of a host with a job
                                   waiting (<= now: one is ready), -1 when none */
    int64_t expiry_ms;          /* the earliest lease expiry, -1 when none is leased */
    uint64_t queued;            /* jobs queued, after the call */
    uint64_t in_flight;         /* jobs leased, after the call */
    size_t requeued;            /* expired leases this call put back in a queue */
    struct redisfront_job *jobs;  /* leased */
    size_t njobs;
    struct redisfront_job *dead;  /* dead-lettered by this call: reported here once only */
    size_t ndead;
    struct redisfront_job *ahead; /* leased ahead (redisfront_ask's ahead): each holds no slot
                                     of its host until a request over hands one on to it */
    size_t nahead;
    struct redis_reply *reply;  /* owns the strings */
};

/* A completion: the job, the token it was leased with, and the links its page had (queued
 * with the job's URL as parent, only if the completion is accepted). The job's url, origin
 * length and kind are as it was leased (redisfront_done_of fills them): an accepted token
 * vouches for them, so Redis does not read the job's record back. */
struct redisfront_done {
    uint64_t fp;
    uint64_t token;
    const char *url;
    size_t len;
    size_t origin_len;
    uint8_t kind;
    bool failed;                /* counted as failed rather than done */
    const struct redisfront_url *links;
    size_t nlinks;
    const char *robots;         /* a robots job's outcome (opaque), NULL: none (and for
                                   every other job) */
    size_t robots_len;
    int64_t crawl_delay_ms;     /* a robots job's crawl delay, < 0: none */
};

/* A completion of leased job j (strings borrowed from it), not failed, with no links. */
struct redisfront_done redisfront_done_of(const struct redisfront_job *j);

struct redisfront_stats {
    int64_t now_ms;
    uint64_t known;             /* URLs in the visited set */
    uint64_t queued;
    uint64_t in_flight;
    uint64_t done;
    uint64_t failed;
    uint64_t dead;
    uint64_t requeued;          /* expired leases put back, in all */
    uint64_t hosts_busy;        /* hosts with a job in flight */
    uint64_t hosts_waiting;     /* hosts with a job queued and a free slot (ready, or waiting
                                   for their next-allowed time) */
    uint64_t hosts_held;        /* hosts waiting for their robots job to end */
};

/* A frontier for crawl name (1 to 200 bytes, no control characters) on c; no I/O yet.
 * 0 and *out, -EINVAL or -ENOMEM. */
CORE_MUST_CHECK int redisfront_create(struct redis_client *c, const char *name,
                                      struct redisfront **out);
/* Free. NULL is a no-op. */
void redisfront_destroy(struct redisfront *rf);
/* Why the last call failed, as a sentence ("" after a success). Valid until the next call. */
const char *redisfront_error(const struct redisfront *rf);

/* Create the crawl with o, or join it if it exists with the same options. 0 (and *created, if
 * not NULL, says which), -EEXIST when it exists with other options (redisfront_error names
 * the first that differs and both values), or an error as above. */
int redisfront_create_crawl(struct core_coro *co, struct redisfront *rf,
                            const struct redisfront_opts *o, bool *created);
/* Join an existing crawl: 0 and its options in *o (o->config points into rf, valid until the
 * next join or destroy), or -ENOENT when there is no such crawl. */
int redisfront_join(struct core_coro *co, struct redisfront *rf, struct redisfront_opts *o);

/* Queue the URLs not known yet (one script for the whole batch; repeats within it count
 * once), with parent (NULL for seeds). *added (if not NULL) gets how many were new, and
 * is_new[i] (if is_new is not NULL) whether urls[i] was. 0 or an error. */
int redisfront_add(struct core_coro *co, struct redisfront *rf, const struct redisfront_url *urls,
                   size_t n, const char *parent, size_t *added, bool *is_new);
/* Lease up to max jobs for worker (an id for status), reaping expired leases first. 0 and
 * *out (free with redisfront_lease_free; it may hold no job), or an error. */
int redisfront_lease(struct core_coro *co, struct redisfront *rf, const char *worker, size_t max,
                     struct redisfront_lease *out);
/* Reap up to max expired leases (a timer's job). 0 and *out as redisfront_lease fills it
 * (requeued and dead set, no jobs), or an error. */
int redisfront_reap(struct core_coro *co, struct redisfront *rf, size_t max,
                    struct redisfront_lease *out);
void redisfront_lease_free(struct redisfront_lease *l);

/* A lease call in full (redisfront_lease is one with seq 0 and nothing fetched). */
struct redisfront_ask {
    const char *worker;
    size_t max;                 /* jobs to lease at most */
    uint64_t seq;               /* > 0: the worker's call number in its lane; a call made
                                   again with the same number after a lost reply gets the same
                                   reply (the same jobs), not new leases */
    unsigned lane;              /* a worker with lease calls in flight at once gives each its
                                   own lane (0, 1, ...), and makes one call at a time in each:
                                   Redis keeps each lane's last reply */
    const struct redisfront_held *fetched;  /* leases whose request is over: their hosts'
                                   slots are free now (and their delay counts from now),
                                   before their commit, or go on to their successors */
    size_t nfetched;
    const struct redisfront_ahead *ahead;   /* hosts to lease jobs ahead for */
    size_t nahead;
    const struct redisfront_held *back;     /* jobs leased ahead that no request of the
                                   worker's can hand a slot on to: back to the head of their
                                   queues, their leases not counted (before this call leases) */
    size_t nback;
};

/* Lease up to n jobs of the host origin ahead: jobs that hold no slot of their host, each to
 * take over the slot of one of the worker's own requests to it when that request ends (the
 * request is then told over with the job as its successor), so that a host's slot turns over
 * without a round trip. Only for a host with no delay (neither --delay nor a Crawl-delay) and
 * not waiting out a Retry-After or its robots job, and none while another worker is hungry.
 * A job leased ahead that never gets a slot is given back as any lease is. */
struct redisfront_ahead {
    const char *origin;
    size_t origin_len;
    size_t n;
};
int redisfront_lease_ask(struct core_coro *co, struct redisfront *rf,
                         const struct redisfront_ask *ask, struct redisfront_lease *out);

/* A lease its holder still has: the job and its token (and, for redisfront_ask's fetched,
 * the job's origin: its host's slot is the one freed). */
struct redisfront_held {
    uint64_t fp;
    uint64_t token;
    const char *origin;
    size_t origin_len;
    bool has_succ;              /* fetched: its slot goes on to succ, a job this worker */
    uint64_t succ;              /* leased ahead of the same host (it holds the slot now) */
};
/* Extend each lease to now + lease_ms. expiry[i] gets the new expiry (Redis clock), or 0
 * when the token is stale (the job was requeued or finished: drop it). 0 or an error. */
int redisfront_renew(struct core_coro *co, struct redisfront *rf, const struct redisfront_held *h,
                     size_t n, int64_t *expiry);
/* A worker's commit, all or nothing. accepted[i] says whether d[i]'s token was current (a job
 * named twice: the second is not). If any was not, nothing is written and the call returns
 * -ESTALE with accepted filled in: drop the refused ones (their holders lost them) and call
 * again with the rest. Otherwise every completion is taken, its links queued (with the job's
 * URL as parent), a robots job's outcome stored, worker's counters updated and lengths (if
 * not NULL: the caller's opaque record of its committed output) stored as the worker's; 0,
 * and *added (if not NULL) gets how many links were new. Or an error (then accepted is not
 * written). */
int redisfront_complete(struct core_coro *co, struct redisfront *rf, const char *worker,
                        const struct redisfront_done *d, size_t n, const void *lengths,
                        size_t lengths_len, bool *accepted, size_t *added);
/* redisfront_complete with the requests over that no lease call has told yet (as
 * redisfront_ask's fetched), told first whatever becomes of the completions: a request whose
 * slot went on to a successor must be told so before its own commit or its successor's. */
struct redisfront_commit {
    const char *worker;
    const struct redisfront_held *over;
    size_t nover;
    const struct redisfront_done *done;
    size_t ndone;
    const void *lengths;
    size_t lengths_len;
};
int redisfront_commit(struct core_coro *co, struct redisfront *rf,
                      const struct redisfront_commit *cm, bool *accepted, size_t *added);
/* The lengths blob of worker's last commit that carried one: 0 and the blob appended to out,
 * -ENOENT when it never committed one (or the crawl does not exist: see redisfront_error),
 * -EMSGSIZE past out's maximum, or an error. */
int redisfront_worker_lengths(struct core_coro *co, struct redisfront *rf, const char *worker,
                              struct core_buf *out);
/* Every lease worker holds goes back at once (found in a scan of every worker's leases, P lt:
 * the jobs in flight), as a reap would put it: to the head of its queue, or the dead letters
 * after max_leases leases; its token void, the lease counted (not one leased ahead, which is
 * suspect instead, nor one whose request was over).
 * For a restarted worker, before it leases, and for one that stops. 0 and *out as a lease
 * call fills it (requeued: the leases given back; dead: those dead-lettered, reported here
 * once; no jobs; free with redisfront_lease_free), or an error. */
int redisfront_release(struct core_coro *co, struct redisfront *rf, const char *worker,
                       struct redisfront_lease *out);

/* One host's stored robots outcome. */
struct redisfront_robots_host {
    bool known;                 /* its robots job has ended (done, failed or dead-lettered) */
    const char *rules;          /* the outcome stored, NULL (len 0) for no rules: allow all */
    size_t len;
};
/* What redisfront_robots returns. Plain struct, filled by the call. */
struct redisfront_robots {
    struct redisfront_robots_host *hosts;   /* one per origin asked, in order */
    size_t n;
    struct redis_reply *reply;  /* owns the rules */
};
/* The stored robots outcome of each origins[i] (lens[i] bytes). 0 and *out (free with
 * redisfront_robots_free), or an error. */
int redisfront_robots(struct core_coro *co, struct redisfront *rf, const char *const *origins,
                      const size_t *lens, size_t n, struct redisfront_robots *out);
void redisfront_robots_free(struct redisfront_robots *r);

/* The host origin (scheme://host[:port]) starts nothing before now + delay_ms (Redis clock;
 * an earlier time than it has already is kept). *next_ms (if not NULL) gets its next-allowed
 * time. 0 or an error. */
int redisfront_host_delay(struct core_coro *co, struct redisfront *rf, const char *origin,
                          size_t len, int64_t delay_ms, int64_t *next_ms);
/* The crawl's counters, read atomically. 0 and *out, or an error. */
int redisfront_stats(struct core_coro *co, struct redisfront *rf, struct redisfront_stats *out);

/* A worker's commits, for status. */
struct redisfront_worker {
    const char *id;             /* NUL-terminated, id_len bytes */
    size_t id_len;
    uint64_t done;
    uint64_t failed;
    int64_t first_ms;           /* its first commit with completions (Redis clock) */
    int64_t last_ms;            /* its last one */
    double pages_per_s;         /* done / (last - first), 0 while last == first */
    int64_t idle_ms;            /* now - last */
};
/* A busy host. */
struct redisfront_hostload {
    const char *origin;         /* NUL-terminated, len bytes */
    size_t len;
    uint64_t queued;
    uint64_t in_flight;
};
/* What redisfront_status returns. Plain struct, filled by the call. */
struct redisfront_status {
    struct redisfront_stats stats;
    struct redisfront_worker *workers;      /* every worker that committed, sorted by id */
    size_t nworkers;
    struct redisfront_hostload *hosts;      /* the busiest (queued + in flight), busiest first */
    size_t nhosts;
    struct redis_reply *reply;  /* owns the strings */
};
/* The counters, the workers and the top_n busiest hosts, read atomically. 0 and *out (free
 * with redisfront_status_free), or an error. */
int redisfront_status(struct core_coro *co, struct redisfront *rf, size_t top_n,
                      struct redisfront_status *out);
void redisfront_status_free(struct redisfront_status *s);

#endif
