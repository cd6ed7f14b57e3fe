/* app/export/surt.h: the SURT key of a URL, the sort key of CDX and CDXJ indexes.
 *
 * The key is what pywb and cdxj-indexer write, that is Python surt's surt(url) with its
 * defaults (surt 0.3: GoogleURLCanonicalizer then IAURLCanonicalizer, no scheme, no trailing
 * comma), so that trawl's indexes sort and look up like theirs:
 *   http://www.Example.com:80/A/b/?b=2&a=1#top  ->  com,example)/a/b?a=1&b=2
 * Step by step: leading and trailing blanks and any tab, CR or LF are dropped; the scheme
 * (http:// when there is none), user info and fragment are dropped; percent-escapes are decoded
 * repeatedly, then bytes outside printable ASCII, '#' and '%' are escaped once (%XX); the host
 * loses repeated and outer dots, becomes a dotted quad when it is a number (3279880203,
 * 10.0.258, 017.0.0.1), is lower-cased, loses a leading "www.", "www1." ..., and is written
 * with its labels reversed and joined by ','; a port other than the scheme's default (80, 443)
 * stays as ":port"; the path has its "." and ".." segments resolved and empty segments
 * dropped, is lower-cased, loses ASP.NET session ids and a trailing '/' (but "/" stays); the
 * query loses jsessionid, phpsessid, sid, ASPSESSIONID and cfid/cftoken session ids, is
 * lower-cased and has its arguments sorted (by name, then value), and an empty query is
 * dropped; ')' joins host and path. "dns:host" gives the reversed host and ')'; URLs with no
 * host ("mailto:...", "urn:...") and the "filedesc"/"warcinfo"/"whois://" names of old indexes
 * are returned as they are, as surt does.
 *
 * One deliberate difference: surt converts a non-ASCII host to IDNA (punycode); here its bytes
 * are percent-escaped. trawl's URL parser gives hosts in punycode already, so crawled URLs do
 * not meet this.
 *
 * warcio.js (and so ReplayWeb.page) computes a simpler key: it keeps a trailing '/', the path's
 * case and percent-escapes, and sorts the query as whole "name=value" strings. Both are sorted
 * SURT keys of the same URLs; only the exact bytes differ for such URLs.
 *
 * Ownership: pure; url is read during the call and the key appended to out. Thread-safe. */
#ifndef APP_SURT_H
#define APP_SURT_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Append the SURT key of the len bytes of url to out. 0, or -ENOMEM / -EMSGSIZE from out (out
 * is then as it was). */
CORE_MUST_CHECK int app_surt_key(const char *url, size_t len, struct core_buf *out);

#endif
