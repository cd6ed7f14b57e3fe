/* parse/sitemap.h: the <loc> URLs of an XML sitemap or sitemap index (sitemaps.org 0.9).
 *
 * Not a full XML parser: a small tolerant scanner, linear in the input, that never recurses,
 * never expands declared entities and never fails on malformed markup. The document's first
 * element decides what it is: <urlset> (a sitemap) or <sitemapindex> (an index), compared by
 * local name ignoring ASCII case and any namespace prefix ("<sm:urlset>"); any other first
 * element, or none at all, is CORE_EPARSE. Text, comments, processing instructions, a DOCTYPE
 * (internal subset included) and stray CDATA before and between elements are skipped.
 *
 * A <loc> counts when its parent is the root or a <url>/<sitemap> entry that is a child of the
 * root (or of the top level, after stray end tags), so <image:loc> inside <image:image> is not
 * taken for a page. Its text has the five predefined entities (&amp; &lt; &gt; &quot; &apos;)
 * and numeric references (&#NN; &#xHH;, as UTF-8) decoded, other '&' kept as they are, CDATA
 * sections taken literally, comments dropped and surrounding XML whitespace trimmed. An empty
 * <loc>, one longer than PARSE_SITEMAP_LOC_MAX bytes after decoding (before trimming), one cut
 * by the end of the input, and one interrupted by another tag are skipped. URLs are reported
 * as decoded: they are neither resolved nor normalised nor checked here.
 *
 * Input: bytes that start with the gzip magic (1F 8B) are inflated with zlib (concatenated
 * members too); max_bytes caps the document after inflation, and also caps a plain document.
 * Whatever fits is scanned, then -EMSGSIZE says that the rest was not. Inflation allocates the
 * document up to max_bytes (through core/mem.h, zlib's own state too).
 *
 * Ownership: body is borrowed for the call. fn gets a view of the URL, NUL-terminated at len,
 * valid only during that call. Pure: no I/O, no globals; thread-safe (calls share nothing). */
#ifndef PARSE_SITEMAP_H
#define PARSE_SITEMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define PARSE_SITEMAP_MAX_URLS 50000   /* per file, as the protocol says */
#define PARSE_SITEMAP_LOC_MAX 8192     /* bytes of one decoded <loc>; the protocol allows 2048 */

typedef void parse_sitemap_fn(const char *loc, size_t len, void *arg);

/* Call fn(loc, len, arg) for each <loc> of body[0..len), in document order. *is_index (may be
 * NULL) is set as soon as the root is recognised, so also when fn has been called and an error
 * follows. Returns 0; CORE_EPARSE when the document is not a sitemap (another root, no root,
 * corrupt or truncated gzip data: URLs found before the damage have been reported); -EMSGSIZE
 * when the document (inflated) is longer than max_bytes; -E2BIG after PARSE_SITEMAP_MAX_URLS
 * URLs when there are more; -ENOMEM. */
CORE_MUST_CHECK int parse_sitemap(const char *body, size_t len, size_t max_bytes,
                                  parse_sitemap_fn *fn, void *arg, bool *is_index);

#endif
