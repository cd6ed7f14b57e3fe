/* app/orders/money.c: exact money arithmetic and text (see money.h). */
#include "app/orders/money.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

__extension__ typedef __int128 money_i128;
__extension__ typedef unsigned __int128 money_u128;

/* ISO 4217 codes in use and their minor units (the list of 2025, with XCG and ZWG), sorted so
 * that money_decimals can search it. Codes whose minor unit is "N.A." (gold, SDRs, the test
 * code XTS, XXX) are left out: an order cannot be priced in them. Codes withdrawn since 2023
 * but still seen in old data (ANG, CUC, SLL, ZWL) are kept; HRK (replaced by EUR in 2023) is
 * not. tests/test_app_money.c checks that the table is sorted. */
static const struct {
    char code[4];
    unsigned char decimals;
} currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2}, {"ARS", 2},
    {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2},
    {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2},
    {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2},
    {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4}, {"CLP", 0}, {"CNY", 2}, {"COP", 2},
    {"COU", 2}, {"CRC", 2}, {"CUC", 2}, {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0},
    {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2},
    {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2},
    {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2},
    {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2},
    {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2},
    {"KRW", 0}, {"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2},
    {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2},
    {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2},
    {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2}, {"NIO", 2},
    {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2},
    {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2},
    {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2},
    {"SGD", 2}, {"SHP", 2}, {"SLE", 2}, {"SLL", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2},
    {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2},
    {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2}, {"UAH", 2},
    {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2},
    {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2},
    {"XCG", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
    {"ZWL", 2},
};

/* A 3-letter code as one number that sorts as the code does. */
static uint32_t code_number(const char *c)
{
    return (uint32_t)(unsigned char)c[0] << 16 | (uint32_t)(unsigned char)c[1] << 8 |
           (uint32_t)(unsigned char)c[2];
}

int money_decimals(const char *currency, size_t len)
{
    size_t lo = 0, hi = sizeof(currencies) / sizeof(currencies[0]), i;
    uint32_t want;

    if (len != 3)
        return CORE_EPARSE;
    for (i = 0; i < 3; i++)
        if (currency[i] < 'A' || currency[i] > 'Z')
            return CORE_EPARSE;
    want = code_number(currency);
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const uint32_t have = code_number(currencies[mid].code);

        if (want == have)
            return currencies[mid].decimals;
        if (want < have)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -ENOENT;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int money_parse(const char *s, size_t len, int decimals, int64_t *minor)
{
    size_t i = 0, int_start, int_len, frac_start = 0, frac_len = 0, k;
    int64_t acc = 0;
    bool neg = false;
    int pad;

    if (decimals < 0 || decimals > MONEY_MAX_DECIMALS)
        return -EINVAL;
    /* the whole text is checked first, so that a malformed amount is CORE_EPARSE whatever
     * its length or number of decimals */
    if (i < len && s[i] == '-') {
        neg = true;
        i++;
    }
    int_start = i;
    while (i < len && is_digit(s[i]))
        i++;
    int_len = i - int_start;
    if (int_len == 0 || (int_len > 1 && s[int_start] == '0'))
        return CORE_EPARSE;
    if (i < len && s[i] == '.') {
        frac_start = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        frac_len = i - frac_start;
        if (frac_len == 0)
            return CORE_EPARSE;
    }
    if (i != len)
        return CORE_EPARSE;
    if (frac_len > (size_t)decimals)
        return -EDOM;

    /* accumulate negatively: INT64_MIN has no positive counterpart */
    for (k = 0; k < int_len + frac_len; k++) {
        const char c = k < int_len ? s[int_start + k] : s[frac_start + k - int_len];

        if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_sub_overflow(acc, c - '0', &acc))
            return -ERANGE;
    }
    for (pad = decimals - (int)frac_len; pad > 0; pad--)
        if (__builtin_mul_overflow(acc, 10, &acc))
            return -ERANGE;
    if (!neg) {
        if (acc == INT64_MIN)
            return -ERANGE;
        acc = -acc;
    }
    *minor = acc;
    return 0;
}

int money_mul(int64_t unit, int64_t qty, int64_t *out)
{
    int64_t r;

    if (__builtin_mul_overflow(unit, qty, &r))
        return -ERANGE;
    *out = r;
    return 0;
}

int money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;

    if (__builtin_add_overflow(a, b, &r))
        return -ERANGE;
    *out = r;
    return 0;
}

enum { RATE_SCALE = 1000000, RATE_MAX = 1000 * RATE_SCALE };

int money_rate_parse(const char *s, struct money_rate *out)
{
    int64_t v;
    int rc = money_parse(s, strlen(s), MONEY_RATE_DECIMALS, &v);

    if (rc < 0)
        return rc;
    if (v < 0 || v > RATE_MAX)
        return -ERANGE;
    out->millionths = v;
    return 0;
}

int money_tax(int64_t subtotal, const struct money_rate *r, int64_t *tax)
{
    /* rate percent * 10^6 / 100 per unit: tax = subtotal * millionths / 10^8 */
    const money_u128 div = (money_u128)100 * RATE_SCALE;
    money_i128 p;
    money_u128 mag, q, rem;
    bool neg;

    if (r->millionths < 0 || r->millionths > RATE_MAX)
        return -EINVAL;
    /* |subtotal| <= 2^63 and millionths <= 10^9 < 2^30, so the product fits in 94 bits */
    p = (money_i128)subtotal * r->millionths;
    neg = p < 0;
    mag = neg ? (money_u128)0 - (money_u128)p : (money_u128)p;
    q = mag / div;
    rem = mag % div;
    if (rem * 2 > div || (rem * 2 == div && (q & 1)))
        q++;
    if (neg ? q > (money_u128)INT64_MAX + 1 : q > (money_u128)INT64_MAX)
        return -ERANGE;
    *tax = neg ? (int64_t)((money_u128)0 - q) : (int64_t)q;
    return 0;
}

int money_format(int64_t minor, int decimals, char *buf, size_t cap)
{
    char digits[24];
    uint64_t mag;
    size_t n = 0, total, i, o = 0;

    if (decimals < 0 || decimals > MONEY_MAX_DECIMALS)
        return -EINVAL;
    mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    do {
        digits[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    while (n < (size_t)decimals + 1)
        digits[n++] = '0';
    /* digits[] is least significant first; n >= decimals + 1 */
    total = (minor < 0) + n + (decimals > 0);
    if (total + 1 > cap)
        return -EMSGSIZE;
    if (minor < 0)
        buf[o++] = '-';
    for (i = n; i > 0; i--) {
        if (i == (size_t)decimals && decimals > 0)
            buf[o++] = '.';
        buf[o++] = digits[i - 1];
    }
    buf[o] = '\0';
    return (int)o;
}
