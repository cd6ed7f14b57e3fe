/* core/objpool.h: a thread-safe pool of same-size blocks, handed out and taken back in batches.
 *
 * For objects made in bulk on one thread and freed in bulk on another (a pipeline's per-item
 * records: made by the validating pool thread, freed by the recording one). Going through
 * malloc for each of them defeats its per-thread caches (which hold a few blocks per size, not
 * a thousand) and makes both threads take the allocator's lock for every block; here a batch
 * costs one lock round trip each way, and blocks are reused rather than freed.
 *
 * Blocks are not cleared: a reused one holds what its last holder left (the caller
 * initialises what it uses, which for a large block with a small header is much less than
 * all of it). The pool keeps every block given back until it is destroyed, so it holds at
 * most as many as were ever out at once, provided only its own blocks are given back. Blocks
 * are core_malloc'd: a holder may also core_free one instead of giving it back (an error
 * path, a teardown).
 *
 * Ownership: create/destroy; blocks belong to the caller between get and put. Any thread;
 * calls are serialised by a mutex. */
#ifndef CORE_OBJPOOL_H
#define CORE_OBJPOOL_H

#include <stddef.h>

#include "core/err.h"

struct core_objpool;

/* A pool of blocks of size bytes (aligned as malloc aligns).
 * 0 and *out, -ENOMEM or -EINVAL (size 0). */
CORE_MUST_CHECK int core_objpool_create(size_t size, struct core_objpool **out);
/* Free the pool and every block in it. NULL is a no-op. */
void core_objpool_destroy(struct core_objpool *p);
/* Fill blocks[0..n) with blocks: reused ones, else new ones. Returns how many it gave: n, or
 * fewer when out of memory. */
size_t core_objpool_get(struct core_objpool *p, void **blocks, size_t n);
/* Take blocks[0..n) back (NULL entries are skipped). If the pool cannot grow its list of idle
 * blocks (out of memory) they are freed instead. */
void core_objpool_put(struct core_objpool *p, void *const *blocks, size_t n);
/* Blocks held for reuse right now. */
size_t core_objpool_idle(struct core_objpool *p);
/* Blocks the pool has allocated so far: the most that were ever out at once (blocks are reused
 * before new ones are made), plus any a holder freed itself. Never less than idle, unless
 * blocks that were not the pool's were given to it. */
size_t core_objpool_made(struct core_objpool *p);

#endif
