/* app/orders_state.h: what `trawl orders --state` keeps of its batches besides its command line
 * (app/cli_state.h keeps that): each batch's size and modification time, in the table
 * orders_inputs of the state, so that --resume refuses a batch that changed since the run
 * began (its committed lines might no longer be the same lines).
 * Ownership: everything is borrowed for the call. Main thread only. */
#ifndef APP_ORDERS_STATE_H
#define APP_ORDERS_STATE_H

#include <stddef.h>

#include "core/err.h"

struct statedb;

/* Store the batches' sizes and times (a new run, right after the state is made). 0, or a
 * negated errno with a sentence in msg. */
CORE_MUST_CHECK int orders_state_save_inputs(struct statedb *db, const char *const *inputs,
                                             size_t n, char *msg, size_t msgsz);
/* Whether the batches are those stored, unchanged: 0, or -EINVAL (changed, or not those) or
 * another negated errno, with a sentence in msg. A state without the table (killed before it
 * was written, so before anything was committed) gets it now, from the batches as they are. */
int orders_state_check_inputs(struct statedb *db, const char *const *inputs, size_t n, char *msg,
                              size_t msgsz);

#endif
