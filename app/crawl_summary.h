/* app/crawl_summary.h: the end-of-crawl summary of `trawl crawl`, on stderr and as JSON: one set
 * of figures (struct crawl_stats), two forms, so that they always agree.
 * Ownership: everything is borrowed for the call. Main thread only. */
#ifndef APP_CRAWL_SUMMARY_H
#define APP_CRAWL_SUMMARY_H

#include "app/crawl/crawl.h"
#include "app/crawl/warc.h"
#include "core/buf.h"

/* The summary lines on stderr; warc (NULL without --warc) adds what was archived in warc_name. */
void crawl_summary_print(const struct crawl_stats *s, const struct crawl_warc_counts *warc,
                         const char *warc_name);
/* Append the summary as one JSON object and a newline to out; warc as above (its "warc" is
 * null without). 0, -ENOMEM or -EMSGSIZE. */
CORE_MUST_CHECK int crawl_summary_json(const struct crawl_stats *s,
                                       const struct crawl_warc_counts *warc, struct core_buf *out);

#endif
