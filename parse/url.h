/* parse/url.h: resolve and normalise http(s) URLs into one canonical spelling.
 *
 * The crawler dedups pages by URL and sends the same bytes to the server, so the same page
 * spelled differently must come out byte-identical. Resolution follows RFC 3986 section 5.2
 * with the WHATWG URL standard's leniency where browsers accept more; the output is
 *   scheme "://" host [":" port] path ["?" query]
 * with: scheme and host lowercased; the default port (http 80, https 443) dropped and any other
 * port written without leading zeros; an empty path written as "/"; dot segments removed
 * (including "%2e" spellings); no fragment; no userinfo; every %XX in path and query with
 * uppercase hex, %XX of unreserved characters (ALPHA DIGIT - . _ ~) decoded, a '%' without two
 * hex digits written as %25, and every byte outside RFC 3986's pchar set (plus '/' and '?' in
 * the query) percent-encoded: space, controls, non-ASCII, " # < > [ \ ] ^ ` { | }, and ' in the
 * query (in WHATWG's special-query set: browsers send it as %27). Nothing else changes: "//"
 * in a path, a trailing slash, an empty query ("?") and the order of query parameters are
 * kept. The output is printable ASCII (0x21-0x7E) and normalising it again gives the same
 * bytes.
 *
 * Input leniency (WHATWG): leading and trailing C0 controls and spaces are stripped, tab, LF
 * and CR are removed anywhere, '\' separates path segments like '/', "http:foo" against an
 * http base is a relative reference, and any number of slashes may follow the scheme.
 *
 * Hosts: a name is percent-decoded first. A name with non-ASCII bytes is read as UTF-8 and
 * converted to punycode with UTS #46, as WHATWG's host parser does (IDNA: "BÜCHER.example" and
 * "b%C3%BCcher.example" -> "xn--bcher-kva.example"; parse/host.c has the details); one that
 * UTS #46 refuses is malformed. The name written is letters, digits, '-', '.', '_', at most 253
 * bytes plus one trailing dot, which is kept; ASCII names, "xn--" labels included, are only
 * lowercased. A host whose last label is a number is an IPv4 address and is written as a
 * dotted quad without a trailing dot, as WHATWG does ("0x7f.1." -> "127.0.0.1"), or refused
 * when it is not a valid one ("1.2.3.256", "example.123"). An IPv6 address in brackets is
 * written as WHATWG serialises it: lowercase hex pieces, the first longest zero run as "::"
 * ("[0:0::1]" -> "[::1]", "[::ffff:1.2.3.4]" -> "[::ffff:102:304]"); zone IDs are refused.
 * Numeric hosts are not checked against private ranges here. Userinfo ("user:pass@") is dropped:
 * credentials must never travel into output files, logs or dedup keys.
 *
 * Ownership: pure functions. Inputs are borrowed for the call (any bytes, no NUL needed); out
 * is the caller's buffer and is reset first, so one buffer can be reused for every call; on
 * failure it is left empty. No allocation other than growing out, except a scratch copy of an
 * input longer than 1 KiB that contains tabs or newlines, and libidn2's own (plain malloc, freed
 * before returning) for a non-ASCII host name. Thread-safe.
 *
 * Limit: out->max bounds every byte written on the way, not only the result. Resolving a
 * relative reference writes the whole normalised base before cutting it back, and writes each
 * path segment before a later ".." removes it, so a URL whose result fits but whose resolution
 * passes through more than out->max bytes gets -EMSGSIZE. Only URLs within a few segments of
 * the cap are affected, and a second buffer per call is not worth it for them. */
#ifndef PARSE_URL_H
#define PARSE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Resolve ref (an href as found in HTML) against base (an absolute http(s) URL, normally one
 * this module produced), normalise the result and write it to out. Returns 0; CORE_EPARSE for
 * a malformed reference (empty or bad host, an international name that IDNA refuses, bad port,
 * ...); CORE_ESCHEME for a scheme other
 * than http and https (mailto:, javascript:, data:, ftp:, ...); -EINVAL when base is needed
 * and is not a valid http(s) URL (a scheme-relative or other-scheme reference needs only its
 * scheme); -EMSGSIZE when the result is longer than out->max (see Limit above); -ENOMEM. */
CORE_MUST_CHECK int parse_url_resolve(const char *base, size_t base_len, const char *ref,
                                      size_t ref_len, struct core_buf *out);

/* Normalise an absolute URL (a seed from the command line). The same errors as
 * parse_url_resolve; a URL without a scheme (or "//host") is CORE_EPARSE. */
CORE_MUST_CHECK int parse_url_normalize(const char *url, size_t len, struct core_buf *out);

/* Views into a normalised URL; every pointer points into the string given to parse_url_split. */
struct parse_url_view {
    const char *scheme;   /* "http" or "https" */
    size_t scheme_len;
    const char *host;     /* as written in the URL: an IPv6 address keeps its brackets */
    size_t host_len;
    uint16_t port;        /* the explicit port, else 80 or 443 */
    bool port_explicit;   /* the URL spells a (non-default) port */
    const char *path;     /* starts with '/' */
    size_t path_len;
    const char *query;    /* without the '?'; empty when there is none */
    size_t query_len;
    bool has_query;       /* the URL has a '?' (tells "/p?" from "/p") */
    const char *target;   /* path plus "?query": the HTTP request-target */
    size_t target_len;
    const char *origin;   /* scheme "://" host [":" port] */
    size_t origin_len;
};

/* Split a URL produced by parse_url_resolve or parse_url_normalize. No allocation, no copy.
 * Returns 0, or CORE_EPARSE when url is not in normalised form (out is then not written). It
 * checks the shape only; normalise untrusted input first. */
CORE_MUST_CHECK int parse_url_split(const char *url, size_t len, struct parse_url_view *out);

#endif
