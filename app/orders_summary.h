/* app/orders_summary.h: the end-of-run summary of `trawl orders`, on stderr and as JSON: one set
 * of figures (struct orders_stats), two forms, so that they always agree; and the accounting
 * check every run makes (results + rejects + abandoned = entries).
 * Ownership: everything is borrowed for the call. Main thread only. */
#ifndef APP_ORDERS_SUMMARY_H
#define APP_ORDERS_SUMMARY_H

#include <stdbool.h>

#include "app/orders/orders.h"
#include "core/buf.h"
#include "core/err.h"

/* The summary lines on stderr; state_dir (NULL without --state/--resume) adds the state's. */
void orders_summary_print(const struct orders_stats *s, const char *state_dir);
/* Append the summary as one JSON object and a newline to out. 0, -ENOMEM or -EMSGSIZE. */
CORE_MUST_CHECK int orders_summary_json(const struct orders_stats *s, const char *state_dir,
                                        struct core_buf *out);
/* Whether every entry released became exactly one result, reject or abandoned delivery, and
 * the pipeline's items all went back to its pool. */
bool orders_summary_adds_up(const struct orders_stats *s);

#endif
