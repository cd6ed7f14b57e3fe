/* app/export/warchttp.h: what the WARC writers need to know about an HTTP message, as pure
 * functions over its bytes.
 *
 * - The payload: WARC defines a response's payload as its entity body with the transfer coding
 *   removed and the content coding kept (WARC 1.1 section 6.3.2). A body received with
 *   Transfer-Encoding: chunked is archived as received, chunk framing and all, but its payload
 *   digest is computed over the de-chunked bytes: app_warchttp_dechunk hands those to a sink
 *   without copying the body. A gzip Content-Encoding is not touched: the payload is the gzip
 *   bytes. (wget, wpull, Python warcio and Heritrix have each at some point digested chunked
 *   bodies with their framing; replay tools that deduplicate by payload digest then miss.)
 *   Transfer codings other than chunked ("Transfer-Encoding: gzip, chunked", which servers do
 *   not send in practice) are not undone.
 * - HTTP/2 and HTTP/3 as HTTP/1.1 text: a WARC block holds HTTP/1.x message syntax; curl's
 *   "HTTP/2 200" status line and "GET / HTTP/2" request line are not valid HTTP and must never
 *   be written (IIPC warc-specifications, "WARC Extensions for HTTP/2"). The rewrite helpers turn
 *   them into "HTTP/1.1 200 " (HTTP/2 carries no reason phrase; the proposal writes none, with
 *   the trailing space the HTTP/1.1 grammar needs) and "GET / HTTP/1.1"; the record then says
 *   WARC-Protocol: h2. Header lines are kept as received (lower-case names included).
 * - Status code, header values and the CDXJ "mime" of a response.
 *
 * Header blocks are the status or request line and the header lines up to and including the
 * blank line; lines may end in CRLF or a bare LF. Malformed input never fails these functions:
 * they answer "no status", "no such header" or "not chunked".
 *
 * Ownership: pure functions; inputs are read during the call, returned views point into them.
 * Thread-safe. */
#ifndef APP_WARCHTTP_H
#define APP_WARCHTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Receives a piece of a payload. */
typedef void app_warchttp_sink_fn(void *arg, const void *p, size_t n);

/* The status code of a response header block (100-999), or 0 when the first line is not an
 * "HTTP/x[.y] NNN" status line. */
int app_warchttp_status(const char *head, size_t len);
/* The first header field called name (case-insensitive): true and its value, with surrounding
 * blanks trimmed, in *val and *vlen; false when there is none. */
bool app_warchttp_header(const char *head, size_t len, const char *name, const char **val,
                         size_t *vlen);
/* Whether the message body is chunked: the last transfer coding of its Transfer-Encoding
 * field(s), read as one comma-separated list, is "chunked" (RFC 9112 section 6.3). */
bool app_warchttp_is_chunked(const char *head, size_t len);
/* Hand the chunk data of a chunked body to sink, in order, and return the number of payload
 * bytes handed over. Best effort, as WARC asks of writers: a body cut short (a truncated record)
 * gives the data up to the cut; a chunk-size line that does not parse, or chunk data not
 * followed by its line end, makes the rest of the body payload as it stands (servers that say
 * chunked and then do not chunk exist); chunk extensions and trailers are skipped. */
size_t app_warchttp_dechunk(const char *body, size_t len, app_warchttp_sink_fn *sink, void *arg);
/* Hand the payload of a message to sink: the body de-chunked when head says chunked, else the
 * body as it is. Returns the payload's length. */
size_t app_warchttp_payload(const char *head, size_t hlen, const char *body, size_t blen,
                            app_warchttp_sink_fn *sink, void *arg);
/* Append to out a response header block fit for a WARC record: an "HTTP/2 NNN ..." or
 * "HTTP/3 NNN ..." status line becomes "HTTP/1.1 NNN " (the rest of the block is copied); an
 * HTTP/1.x block is copied unchanged. 0, -EINVAL when the first line is not a status line, or
 * -ENOMEM / -EMSGSIZE from out. */
CORE_MUST_CHECK int app_warchttp_response_to_http11(const char *head, size_t len,
                                                    struct core_buf *out);
/* The same for a request: "GET /x HTTP/2" becomes "GET /x HTTP/1.1"; the headers and any body
 * are copied. 0, -EINVAL when the first line is not "METHOD TARGET HTTP/x", or out's errors. */
CORE_MUST_CHECK int app_warchttp_request_to_http11(const char *req, size_t len,
                                                   struct core_buf *out);
/* The "mime" of a CDXJ line as pywb's cdxj-indexer computes it: the Content-Type value up to
 * the first ';' or blank. Returns its length (0 when there is no Content-Type) and points *mime
 * at it. */
size_t app_warchttp_mime(const char *head, size_t len, const char **mime);
/* Length of the header block at the start of msg, through the blank line; 0 when msg holds no
 * complete header block. */
size_t app_warchttp_head_len(const char *msg, size_t len);

#endif
