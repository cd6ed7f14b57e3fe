/* app/orders/money.h: exact money in integer minor units, with no binary floating point anywhere.
 *
 * An amount is an int64_t count of the currency's minor unit (cents for EUR, yen for JPY,
 * fils for KWD); money_decimals says how many decimal places that unit is (ISO 4217). Amounts
 * are parsed from and formatted to plain decimal text ("12.50", "-0.05", "1000"); arithmetic
 * reports overflow as -ERANGE instead of wrapping. Tax is a percentage with up to 6 decimals,
 * applied exactly (128-bit intermediate) and rounded half to even on the minor unit.
 *
 * Error codes: CORE_EPARSE for malformed text, -EDOM for more fraction digits than allowed,
 * -ERANGE for a value that does not fit, -ENOENT for a well-formed but unknown currency,
 * -EINVAL for a bad argument (decimals outside 0..MONEY_MAX_DECIMALS), -EMSGSIZE for a buffer
 * too small. Out-parameters are written only on success.
 *
 * Ownership: pure functions; strings are read during the call only, out-parameters and buffers
 * are the caller's. No state, thread-safe. */
#ifndef APP_MONEY_H
#define APP_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum {
    MONEY_MAX_DECIMALS = 18,  /* 10^18 still fits an int64_t */
    MONEY_FMT_CAP = 32,       /* bytes that hold any money_format output and its NUL */
    MONEY_RATE_DECIMALS = 6   /* fraction digits of a tax rate in percent */
};

/* A tax rate in millionths of a percent: 19% is 19000000, 7.25% is 7250000. 0..1000%. */
struct money_rate {
    int64_t millionths;
};

/* Minor-unit digits of an ISO 4217 currency code (0 for JPY, 2 for EUR, 3 for KWD, 4 for CLF):
 * 0..4, -ENOENT for 3 uppercase ASCII letters that are not a known code (the funds and metals
 * codes without a minor unit, XAU XDR XTS XXX and so on, count as unknown), CORE_EPARSE for
 * anything that is not 3 uppercase ASCII letters. */
int money_decimals(const char *currency, size_t len);

/* Parse the decimal amount s[0..len) into minor units with decimals places: optional '-',
 * digits without leading zeros ("0" and "0.50" are fine, "012" is not), then optionally '.'
 * and 1..decimals digits (fewer are padded: "12.5" is 1250 for 2 decimals). No '+', exponent,
 * spaces or lone '.'. This is JSON's number grammar without exponents, so a number token or a
 * string's content can be passed as is. 0, CORE_EPARSE (malformed), -EDOM (too many fraction
 * digits; only for otherwise well-formed text), -ERANGE (does not fit int64_t), -EINVAL. */
int money_parse(const char *s, size_t len, int decimals, int64_t *minor);

/* *out = unit * qty, or -ERANGE on overflow. */
int money_mul(int64_t unit, int64_t qty, int64_t *out);
/* *out = a + b, or -ERANGE on overflow. */
int money_add(int64_t a, int64_t b, int64_t *out);

/* Parse a --tax-rate PERCENT such as "19", "7.25" or "0.125" (NUL-terminated, money_parse's
 * grammar, up to 6 fraction digits). 0, CORE_EPARSE, -EDOM (more than 6 fraction digits) or
 * -ERANGE (outside 0..1000). */
int money_rate_parse(const char *s, struct money_rate *out);

/* *tax = subtotal * rate / 100, exactly, rounded half to even on the minor unit (symmetric for
 * negative subtotals: -0.5 rounds to 0, -1.5 to -2). 0, -ERANGE when the result does not fit,
 * -EINVAL for a rate outside 0..1000%. */
int money_tax(int64_t subtotal, const struct money_rate *r, int64_t *tax);

/* Write minor as decimal text with decimals places ("12.50", "-0.05", "1000" for 0 decimals)
 * and a NUL into buf. Returns the length written (not counting the NUL), -EMSGSIZE when cap is
 * too small (MONEY_FMT_CAP always suffices; buf is then left untouched), or -EINVAL. */
int money_format(int64_t minor, int decimals, char *buf, size_t cap);

#endif
