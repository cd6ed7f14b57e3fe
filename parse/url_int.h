/* parse/url_int.h: what parse/url.c hands to parse/host.c.
 *
 * url.c splits the authority (userinfo, host, port) and writes the rest of the URL; host.c
 * turns the host text into its one canonical spelling (see url.h, Hosts).
 *
 * Ownership: pure functions; h is borrowed for the call, out is the caller's buffer and only
 * ever appended to. Thread-safe. */
#ifndef PARSE_URL_INT_H
#define PARSE_URL_INT_H

#include <stddef.h>

#include "core/buf.h"

/* Append the normalised form of the host h[0..n) (non-empty; an IPv6 address with its
 * brackets) to out. Returns 0; CORE_EPARSE for a host that is not valid; -EMSGSIZE or -ENOMEM
 * from out. On failure out may hold part of the host: the caller discards it. */
int parse__url_put_host(struct core_buf *out, const char *h, size_t n);

#endif
