/* app/crawl/linkstore.h: the in-scope links of fetched pages, kept on disk for later re-expansion.
 *
 * With --order dfs or best, a page can be fetched at depth 3 and found later at depth 1: its
 * links must then be followed as far as the shorter depth allows, without fetching the page
 * again. The crawler keeps each fetched page's in-scope links here, in an unlinked temporary
 * file (so memory stays flat: 24 bytes of index per page), and reads them back in that rare
 * case. bfs never needs it: its levels make every depth final when a page is fetched.
 *
 * Ownership: create/destroy; the file is removed from the directory at once and disappears
 * when destroyed or when the process dies (but for a --state crawl's, linkstore_open, which
 * stays in its state directory). Loop thread only. */
#ifndef APP_LINKSTORE_H
#define APP_LINKSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct linkstore;

/* Create in $TMPDIR (default /tmp). 0 or a negated errno. */
CORE_MUST_CHECK int linkstore_create(struct linkstore **out);
void linkstore_destroy(struct linkstore *ls);
/* --state: the links file DIR/links, kept (not unlinked), cut back to len committed bytes, for
 * a crawl that will be resumed; its index comes back through linkstore_index. 0 or a negated
 * errno (-EIO: the file is shorter than len). */
CORE_MUST_CHECK int linkstore_open(const char *path, uint64_t len, struct linkstore **out);
/* fn hears of every put (where the page's links went), for the state. */
typedef void linkstore_keep_fn(void *arg, uint64_t fp, uint64_t off, uint64_t len);
void linkstore_keep(struct linkstore *ls, linkstore_keep_fn *fn, void *arg);
/* Put back what a put recorded (a resumed crawl). 0, -EINVAL past the file's end, -ENOMEM. */
int linkstore_index(struct linkstore *ls, uint64_t fp, uint64_t off, uint64_t len);
/* The file (for a commit's fdatasync) and its length. */
int linkstore_fd(const struct linkstore *ls);
uint64_t linkstore_end(const struct linkstore *ls);
/* Keep links (NUL-separated URLs, len bytes) for the page with fingerprint fp. */
int linkstore_put(struct linkstore *ls, uint64_t fp, const char *links, size_t len);
/* Append the page's links to out. 0, -ENOENT (none kept), or an I/O error. */
int linkstore_get(struct linkstore *ls, uint64_t fp, struct core_buf *out);

#endif
