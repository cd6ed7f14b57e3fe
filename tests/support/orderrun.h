/* tests/support/orderrun.h: what the end-to-end tests of `trawl orders` share (--state, and
 * --worker-id on Redis streams): a batch of order lines whose outcomes are known in advance, an
 * idempotent delivery endpoint that counts every processing and replay, the trawl binary run in
 * a directory with a file-size limit, and its outputs read back and checked.
 *
 * Ownership: endpoint_new/endpoint_free; orun_slurp_n's string is the caller's (free()). Test
 * thread, but for the endpoint handler (the server's thread). */
#ifndef TRAWL_TESTS_ORDERRUN_H
#define TRAWL_TESTS_ORDERRUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tools/httpd.h"

#define TRAWL TRAWL_BINARY_DIR "/app/trawl"

/* --- the endpoint ------------------------------------------------------------------------------
 * Idempotent by Idempotency-Key, as a real payment or order API is: the first 2xx processes the
 * order; the same key again gets the stored answer and is counted as a replay, never processed
 * twice. Keys BAD-* get 400 (a delivery reject), FLAKY-* a 503 on the first try. The test marks
 * the keys whose delivery a commit recorded (committed); a request for one of them later is a
 * violation: a committed delivery must never be sent again. */
#define EP_SLOTS (1u << 18)

struct ep_key {
    char key[32];
    unsigned tries;
    unsigned ok;            /* 2xx answers, replays included */
    unsigned processed;     /* first-time processing: at most 1 */
    bool committed;
};

struct endpoint {
    pthread_mutex_t mu;
    struct ep_key *slots;
    unsigned long requests, processed, replays, violations;
    unsigned delay_ms;      /* answer this late (a slow endpoint) */
};

/* --- the batch ----------------------------------------------------------------------------------
 * Line i (from 1) of a batch is, by i alone: a JSON parse error (every 97th), an invalid order
 * (89th), a duplicate of an earlier plain order's id (83rd, when the batch has duplicates), an
 * order the endpoint refuses (BAD-*, 211th), one it fails once (FLAKY-*, 101st), or a plain
 * order K-i. */
enum orun_kind { ORUN_PLAIN, ORUN_PARSE, ORUN_INVALID, ORUN_DUP, ORUN_BAD, ORUN_FLAKY };

/* Write lines 1..n to path (dups: with duplicate ids); the last batch written is the one the
 * functions below describe. */
void orun_write_batch(const char *path, unsigned n, bool dups);
enum orun_kind orun_kind_of(unsigned i);
/* The reject class line i gets, or NULL for a result (delivery: run with an endpoint). */
const char *orun_expected_class(unsigned i, bool delivery);

struct endpoint;
/* One output line of batch line ln (line: a results line when result, else a rejects line) is
 * the outcome the batch gives it; with an endpoint e, a result is delivered and its key was
 * processed there exactly once. Fails the calling test if not. */
void orun_check_record(const char *line, unsigned long ln, bool result, struct endpoint *e);

/* Monotonic ms. */
int64_t orun_now_ms(void);

/* The record of key (made when new); the caller holds e->mu. */
struct ep_key *ep_slot(struct endpoint *e, const char *key);

/* The httpd handler (arg: the endpoint). */
void endpoint(const struct httpd_request *req, struct httpd_response *resp, void *arg);

struct endpoint *endpoint_new(void);

void endpoint_free(struct endpoint *e);

unsigned long ep_requests(struct endpoint *e);

/* Read or set a counter of e under its lock (the server thread writes them). */
unsigned long ep_get(struct endpoint *e, const unsigned long *field);

void ep_set_delay(struct endpoint *e, unsigned ms);

/* Start trawl with argv (without the program name) in directory cwd (NULL: here), stderr to
 * errpath, and files no larger than fsize bytes (0: no limit; SIGXFSZ ignored, so a write past
 * it fails with EFBIG). */
pid_t orun_spawn_limited(const char *cwd, const char *const *argv, const char *errpath,
                         long fsize);

pid_t orun_spawn(const char *cwd, const char *const *argv, const char *errpath);

/* Reap pid if it has ended: true and *code (exit status, or 128 + signal). */
bool orun_ended(pid_t pid, int *code);

/* Wait for pid to end (a watchdog: the test fails after timeout_ms). */
int orun_reap(pid_t pid, int64_t timeout_ms);

/* Spawn and reap with the watchdog: the exit code. */
int orun_run(const char *cwd, const char *const *argv, const char *errpath);

/* Run to the end and expect exit code want; else show its stderr and fail. */
void orun_expect_run(const char *cwd, const char *const *argv, const char *errpath, int want);

/* The file's bytes, NUL-terminated, and their number ("" when missing). */
char *orun_slurp_n(const char *path, size_t *len);

/* The value of "key":"..." in line (up to 31 bytes) into out; false when absent. */
bool orun_str_field(const char *line, const char *key, char *out, size_t cap);

/* Mark, at the endpoint, every delivery the results file's first len bytes record. */
void orun_mark_committed(struct endpoint *e, const char *results, int64_t len);

#endif
