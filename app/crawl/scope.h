/* app/crawl/scope.h: which discovered URLs the crawl may fetch.
 *
 * A URL is in scope when its host matches a seed's (mode host: the same host; mode domain: the
 * same registrable domain, via libpsl; mode any: every host), and it matches every rule of the
 * user's --allow regexes (if any: at least one must match) and none of the --deny regexes
 * (POSIX extended, matched against the normalised URL). Seeds that redirect add the target's
 * host, so a crawl of http://example.com that lands on https://www.example.com/ stays there.
 *
 * Ownership: create/destroy; patterns are compiled at add time, hosts copied. Loop thread
 * only. */
#ifndef APP_SCOPE_H
#define APP_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct scope;

enum scope_mode {
    SCOPE_HOST,
    SCOPE_DOMAIN,
    SCOPE_ANY
};

enum scope_verdict {
    SCOPE_IN = 0,
    SCOPE_OUT_HOST,       /* another host or domain */
    SCOPE_OUT_RULE        /* refused by --allow / --deny */
};

CORE_MUST_CHECK int scope_create(enum scope_mode mode, struct scope **out);
void scope_destroy(struct scope *s);
/* Add the host of a normalised seed URL. 0, CORE_EPARSE or -ENOMEM. */
int scope_add_seed(struct scope *s, const char *url, size_t len);
/* Compile a regex. 0, or CORE_EPARSE with the reason in err. */
int scope_add_rule(struct scope *s, bool allow, const char *regex, char *err, size_t errcap);
/* The verdict for url[0..len) (not read past len; need not be NUL-terminated). */
enum scope_verdict scope_check(const struct scope *s, const char *url, size_t len);

#endif
