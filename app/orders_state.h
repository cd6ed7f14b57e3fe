/* app/orders_state.h: what `trawl orders --state DIR` keeps of its command line, so that
 * `trawl orders --resume DIR` runs with the same options (output paths included).
 *
 * The options are stored as JSON in the state (statedb_options):
 *   {"version":1,"cwd":"/where/it/ran","argv":["-o","out.jsonl","batch.jsonl",...],
 *    "inputs":[{"path":"batch.jsonl","size":123,"mtime_ns":456},...]}
 * argv is the command line after `orders`, --state DIR left out; cwd makes its relative paths
 * mean on resume what they meant at the start; inputs are the batches as they were, so a batch
 * that changed since (its committed lines would no longer be the same lines) is refused.
 *
 * Ownership: orders_saved_decode allocates what struct orders_saved holds, orders_saved_free
 * frees it; the JSON is written into the caller's buffer. Main thread only. */
#ifndef APP_ORDERS_STATE_H
#define APP_ORDERS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct orders_saved_input {
    char *path;
    int64_t size;               /* bytes */
    int64_t mtime_ns;
};

struct orders_saved {
    char *cwd;
    char **argv;                /* NULL-terminated */
    size_t argc;
    struct orders_saved_input *inputs;
    size_t ninputs;
};

/* The JSON for args (nargs of them) and the inputs (stat'ed now) into out. 0, or -EINVAL with a
 * sentence in msg (an argument that is not UTF-8; an input that cannot be stat'ed), -ENOMEM. */
CORE_MUST_CHECK int orders_saved_encode(char *const *args, size_t nargs,
                                        const char *const *inputs, size_t ninputs,
                                        struct core_buf *out, char *msg, size_t msgsz);
/* Parse what orders_saved_encode wrote. 0, -EINVAL (not ours), -ENOMEM. */
CORE_MUST_CHECK int orders_saved_decode(const char *json, struct orders_saved *out);
void orders_saved_free(struct orders_saved *s);
/* Whether the inputs (after orders_saved_abs) are those saved, unchanged: 0, or -EINVAL or
 * -ENOENT with a sentence in msg. */
int orders_saved_check_inputs(const struct orders_saved *s, const char *const *inputs, size_t n,
                              char *msg, size_t msgsz);
/* path made absolute against s->cwd (a copy either way), or NULL when out of memory. */
char *orders_saved_abs(const struct orders_saved *s, const char *path);

#endif
