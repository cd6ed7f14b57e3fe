/* app/orders/stream.h: order batches appended to a Redis stream (trawl orders --enqueue).
 *
 * Every line of every input becomes one stream entry with the fields source (the file name as
 * given, "-" for stdin), line (1-based, counting every line) and data (the line without its
 * CR LF); blank lines are entries too, since the consumer accounts for every line. A line
 * longer than max_line bytes keeps its first max_line bytes and gets too_long=1 (the
 * consumer rejects it, as a local run would). Entries go out as XADD NAME * ... in pipelined
 * batches of ORDERS_STREAM_BATCH (one round trip each), in input order.
 *
 * Not idempotent: a batch that fails (the connection lost, a deadline passed) may have been
 * added in part, and the count tells only what Redis confirmed. A stop request (Ctrl-C) is
 * honoured between batches.
 *
 * Ownership: everything is borrowed for the call. Loop thread only. */
#ifndef APP_ORDERS_STREAM_H
#define APP_ORDERS_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct core_coro;
struct core_sigwatch;
struct redis_client;

#define ORDERS_STREAM_BATCH 256

struct orders_stream_enqueue {
    const char *const *inputs;   /* file paths, "-" = stdin */
    size_t ninputs;
    const char *stream;          /* the stream's key */
    size_t max_line;             /* 0: LINES_DEFAULT_MAX */
    struct core_sigwatch *stop;  /* may be NULL */
    /* results */
    uint64_t added;              /* entries Redis confirmed */
    char error[256];             /* what went wrong, when the call fails */
};

/* Append the inputs as above. 0; -ECANCELED when stopped; a negated errno reading an input;
 * the client's errors (redis/client.h); CORE_EREPLY when Redis answered an XADD with an
 * error. On failure e->error says what, and where. */
int orders_stream_enqueue(struct core_coro *co, struct redis_client *c,
                          struct orders_stream_enqueue *e);

#endif
