/* parse/domain.h: registrable domains ("eTLD+1") for --scope domain.
 *
 * Two hosts are the same site when their registrable domains are equal: "a.example.co.uk" and
 * "b.example.co.uk" share "example.co.uk", while "alice.github.io" and "bob.github.io" do not,
 * because github.io is a private suffix on the Public Suffix List. The list is libpsl's built-in
 * copy (psl_builtin()), a read-only table inside libpsl, so this module keeps no state.
 *
 * Hosts are ASCII as parse/url.c writes them (IDNs in punycode); case is ignored, and a trailing
 * dot is ignored and never part of a returned view. An IP address (dotted IPv4, or IPv6 with or
 * without brackets), a single-label host such as "localhost", and a host that is itself a public
 * suffix ("co.uk", "github.io") are their own registrable domain.
 *
 * Ownership: pure functions; views point into the host passed in and live as long as it does.
 * Thread-safe. */
#ifndef PARSE_DOMAIN_H
#define PARSE_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* The registrable domain of host[0..len) (e.g. "example.co.uk" for "a.b.example.co.uk") as a
 * view into host, in its original case. Returns 0, or CORE_EPARSE for an empty host, one longer
 * than 253 bytes (plus a trailing dot) or one with bytes outside letters, digits, '-', '.', '_'
 * (and, for IPv6, ':' and brackets); *dom and *dom_len are written only on success. */
CORE_MUST_CHECK int parse_domain_registrable(const char *host, size_t len, const char **dom,
                                             size_t *dom_len);

/* True when both hosts are valid and have the same registrable domain (ignoring case). */
bool parse_domain_same_site(const char *host_a, size_t la, const char *host_b, size_t lb);

#endif
