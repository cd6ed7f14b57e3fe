/* parse/domain.c: registrable domains through libpsl's built-in Public Suffix List.
 *
 * libpsl wants a NUL-terminated lowercase name, so the host is validated and lowercased into a
 * stack buffer (hosts are at most 253 bytes); the answer is a pointer into that buffer, which is
 * turned back into an offset into the caller's host. */
#include "parse/domain.h"

#include <libpsl.h>
#include <string.h>

enum { DOMAIN_MAX = 253 };

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

static bool is_name_char(char c)
{
    char l = lower(c);

    return (l >= 'a' && l <= 'z') || is_digit(c) || c == '-' || c == '.' || c == '_';
}

static bool is_ipv6_char(char c)
{
    char l = lower(c);

    return is_digit(c) || (l >= 'a' && l <= 'f') || c == ':' || c == '.';
}

int parse_domain_registrable(const char *host, size_t len, const char **dom, size_t *dom_len)
{
    char name[DOMAIN_MAX + 1];
    const char *r;
    size_t i, last;

    if (len && host[len - 1] == '.' && host[0] != '[')
        len--;
    if (len == 0 || len > DOMAIN_MAX)
        return CORE_EPARSE;
    if (host[0] == '[' || memchr(host, ':', len)) {
        /* IPv6: "[...]" as in a URL, or bare. */
        size_t a = host[0] == '[', b = len - (host[0] == '[');

        if (host[0] == '[' && (len < 2 || host[len - 1] != ']'))
            return CORE_EPARSE;
        for (i = a; i < b; i++)
            if (!is_ipv6_char(host[i]))
                return CORE_EPARSE;
        *dom = host;
        *dom_len = len;
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!is_name_char(host[i]))
            return CORE_EPARSE;
        name[i] = lower(host[i]);
    }
    name[len] = '\0';
    /* A name whose last label is numeric is an IPv4 address (the WHATWG rule). */
    for (last = len; last > 0 && name[last - 1] != '.'; last--)
        ;
    for (i = last; i < len && is_digit(name[i]); i++)
        ;
    if (i == len && last < len) {
        *dom = host;
        *dom_len = len;
        return 0;
    }
    r = psl_registrable_domain(psl_builtin(), name);
    if (r) {
        *dom = host + (r - name);
        *dom_len = len - (size_t)(r - name);
    } else {
        *dom = host;   /* a public suffix itself, or a name libpsl rejects */
        *dom_len = len;
    }
    return 0;
}

bool parse_domain_same_site(const char *host_a, size_t la, const char *host_b, size_t lb)
{
    const char *a, *b;
    size_t na, nb, i;

    if (parse_domain_registrable(host_a, la, &a, &na) < 0 ||
        parse_domain_registrable(host_b, lb, &b, &nb) < 0 || na != nb)
        return false;
    for (i = 0; i < na; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}
