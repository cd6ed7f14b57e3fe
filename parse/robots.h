/* parse/robots.h: robots.txt (RFC 9309) parsed for one user-agent product token.
 *
 * Lines: CR, LF and CRLF all end a line; a UTF-8 byte order mark (or a leading part of one) at
 * the start of the file is skipped; '#' starts a comment; each line is cut to
 * PARSE_ROBOTS_LINE_MAX bytes and the rest of it skipped; leading and trailing spaces, tabs, VT
 * and FF are removed around the key and the value. A line is "key: value" split at the first
 * ':'; lines without one, or with an empty key, are skipped. Keys are compared ignoring ASCII
 * case, and these spellings are accepted (Google's parser accepts the same typos, but as
 * prefixes; here the whole key must match):
 *   user-agent:  "user-agent", "useragent", "user agent", "user_agent"
 *   allow:       "allow"
 *   disallow:    "disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"
 *   crawl-delay: "crawl-delay", "crawldelay", "crawl delay", "crawl_delay"
 *   sitemap:     "sitemap", "site-map"
 * Any other key is an unknown record: ignored.
 *
 * Groups: allow, disallow and crawl-delay lines are group members. User-agent lines with no
 * member line between them open one group (blank, comment, key-less, sitemap and unknown lines
 * in between do not count: RFC 9309 2.2.4 says other records must not end a group, and
 * Google's parser agrees), which takes every member line up to the next user-agent line that
 * follows a member line. Crawl-delay is not in RFC 9309, but as a member it ends a run too (see
 * parse_line in robots.c for why). Member lines before the first user-agent line belong to no
 * group and are ignored. A user-agent value matches the product token when it equals it
 * ignoring ASCII case, or starts with it followed by '/', space or tab ("trawl/2.1",
 * "Trawl bot"); "*" (alone or followed by space or tab) names the global group. Every group
 * that names the token is merged into one; when none does, every "*" group is merged into one;
 * when there is no "*" group either, there are no rules. A group that names the token wins
 * even when it has no rules (then everything is allowed), as RFC 9309 2.2.1 says.
 *
 * Patterns: the value of allow and disallow lines, normalised the way parse/url.c normalises
 * a path and query, so that they compare byte for byte with its output: %XX of an unreserved
 * character (ALPHA DIGIT - . _ ~) decoded, any other %XX written with uppercase hex, a '%'
 * without two hex digits written as %25, tabs removed (WHATWG removes them from URLs), and
 * every byte outside pchar, '/' and '?' percent-encoded (space, controls, '"', '<', '>', '\',
 * '^', '`', '{', '|', '}', '[', ']' and every non-ASCII byte, so "/ä" in UTF-8 becomes
 * "/%C3%A4"), and so is an apostrophe after the first '?', where the query begins ("/it's?q='"
 * becomes "/it's?q=%27"). '*' stays special and so does a '$' at the very end; "%2A" and "%24"
 * are plain bytes. An empty value matches nothing and is not kept. Values are kept as written
 * otherwise: a pattern that starts with neither '/' nor '*' can never match a target.
 *
 * Matching (parse_robots_allowed): a pattern matches when it matches a prefix of the target
 * ('*' matching any run of bytes, '/' included), or all of it when it ends in '$'. The rule
 * with the longest normalised pattern wins (its length in bytes, '*' and '$' included), and
 * Allow wins a tie. Rules are kept sorted by that order, so the first rule that matches
 * decides. One pattern is matched greedily: its first '*'-free piece must be a prefix of the
 * target, each later piece is found at its leftmost place after the previous one with
 * Knuth-Morris-Pratt (failure tables built when parsing), and with '$' the last piece must end
 * the target; leftmost placement never loses a match, so there is no backtracking. One
 * pattern of m bytes costs O(m + n) on a target of n bytes, whatever '*' it holds (and a
 * pattern whose first piece differs from the target costs only that comparison); a query costs
 * O(R * n + M) at worst for R rules of M bytes in all, and usually far less, since most rules
 * fail within their first few bytes. The target must be a path plus optional query as
 * parse/url.c writes it; it is compared as given.
 *
 * Limits: at most PARSE_ROBOTS_RULES_MAX rules and PARSE_ROBOTS_PATTERN_BYTES normalised
 * pattern bytes are kept per kind of group (specific, global), and at most
 * PARSE_ROBOTS_SITEMAPS_MAX sitemaps of PARSE_ROBOTS_SITEMAP_BYTES bytes in all; lines past a
 * limit are dropped, never an error. Callers cap the body (RFC 9309 2.5 allows 500 KiB), but
 * any length is safe.
 *
 * Ownership: parse_robots_create copies what it keeps (patterns, sitemaps), so body and agent
 * are borrowed for the call only. The object is immutable after create: any number of threads
 * may query one object at once. Views from parse_robots_sitemap live as long as the object. */
#ifndef PARSE_ROBOTS_H
#define PARSE_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define PARSE_ROBOTS_LINE_MAX 16384         /* bytes of a line read; the rest is skipped */
#define PARSE_ROBOTS_RULES_MAX 10000        /* rules kept per kind of group */
#define PARSE_ROBOTS_PATTERN_BYTES (1u << 20) /* normalised pattern bytes per kind of group */
#define PARSE_ROBOTS_SITEMAPS_MAX 1000
#define PARSE_ROBOTS_SITEMAP_BYTES (1u << 20)
#define PARSE_ROBOTS_DELAY_MAX_MS 86400000  /* crawl-delay values above a day are this */

struct parse_robots;

/* Parse body (any bytes; NULL when len is 0) and keep the rules for product token agent (a
 * NUL-terminated string such as "trawl"; an empty one only gets the "*" group). Malformed
 * lines are skipped, never an error. Returns 0 and sets *out, or -ENOMEM. */
CORE_MUST_CHECK int parse_robots_create(const char *body, size_t len, const char *agent,
                                        struct parse_robots **out);
/* Free r. NULL is a no-op. */
void parse_robots_destroy(struct parse_robots *r);

/* May target[0..len) (path and query, e.g. "/a/b?x=1", normalised as parse/url.c writes it)
 * be fetched? No matching rule means yes, and "/robots.txt" itself always may. */
bool parse_robots_allowed(const struct parse_robots *r, const char *target, size_t len);

/* Crawl-delay of the chosen group in ms, or -1 when it has none. The value is a decimal
 * number of seconds ("10", "0.5", ".25", "3."), cut to whole ms and capped at
 * PARSE_ROBOTS_DELAY_MAX_MS; anything else ("abc", "-1", "1e3", "5s") is ignored. When the
 * merged groups give several, the first valid one counts. */
int64_t parse_robots_crawl_delay_ms(const struct parse_robots *r);

/* Sitemap lines of the whole file (not per group), in order, with values as written (comment
 * and surrounding whitespace removed; empty ones skipped): usually absolute URLs, which the
 * caller resolves and normalises. A value holds any bytes but CR, LF and '#' (even a NUL, so
 * use *len); the view is NUL-terminated at *len. i must be below parse_robots_sitemaps(). */
size_t parse_robots_sitemaps(const struct parse_robots *r);
const char *parse_robots_sitemap(const struct parse_robots *r, size_t i, size_t *len);

/* RFC 9309 2.3.1: the rules to use when robots.txt is unavailable (4xx: allow everything) or
 * unreachable (5xx, network error: disallow everything but /robots.txt). 0 or -ENOMEM. */
CORE_MUST_CHECK int parse_robots_allow_all(struct parse_robots **out);
CORE_MUST_CHECK int parse_robots_disallow_all(struct parse_robots **out);

/* Number of rules kept (allow and disallow lines of the chosen group, empty ones excluded). */
size_t parse_robots_rules(const struct parse_robots *r);

#endif
