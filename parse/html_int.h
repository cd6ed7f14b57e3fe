/* parse/html_int.h: the parts of parse/html.c's module that its files share.
 *
 * html_tok.c is a linear HTML tokenizer that follows the WHATWG tokenizer closely enough to
 * agree with gumbo about where tags, comments and raw text begin and end, plus the character
 * reference decoder (html_entities.c holds the named references). html_cost.c uses it to
 * decide whether gumbo can be given a page (gumbo's tree builder is quadratic in nesting);
 * html_scan.c uses it to extract links and titles without gumbo. html.c owns the public
 * API, the gumbo path and the result builder (the "sink") that both paths feed.
 *
 * Ownership: tokens and attributes are views into the input, valid while it is. The sink
 * owns what it has collected until parse_html_extract moves it into the result. Any thread;
 * nothing is shared between calls. */
#ifndef PARSE_HTML_INT_H
#define PARSE_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "parse/html.h"

/* --- tokenizer (html_tok.c) --- */

enum parse__html_tok_type {
    PARSE__TOK_EOF,
    PARSE__TOK_START,      /* a start tag */
    PARSE__TOK_END,        /* an end tag */
    PARSE__TOK_RAW,        /* the text of a raw-text element (text, text_len) */
    PARSE__TOK_CDATA,      /* a CDATA section (text, text_len), when the caller set cdata */
    PARSE__TOK_CDATA_BOGUS, /* "<![CDATA[" read as a bogus comment (text: its data), when it
                               did not */
    /* only when the caller set all: */
    PARSE__TOK_TEXT,       /* character data (text, text_len), references not decoded */
    PARSE__TOK_COMMENT,    /* a comment, bogus ones included: its data (text, text_len) */
    PARSE__TOK_DOCTYPE     /* a doctype: name (NULL when missing), public_id, system_id,
                              force_quirks */
};

/* How the content after a start tag is tokenized (set with parse__html_tok_raw). */
enum parse__html_raw {
    PARSE__RAW_NONE,
    PARSE__RAW_RCDATA,   /* title, textarea: text with character references */
    PARSE__RAW_RAWTEXT,  /* style, xmp, iframe, noembed, noframes */
    PARSE__RAW_SCRIPT,   /* script, with its <!-- --> escaping rules */
    PARSE__RAW_PLAINTEXT /* the rest of the document */
};

struct parse__html_tag {
    const char *name;  /* as in the source (any case); may contain any byte but ws / > */
    size_t name_len;
    const char *attrs; /* the attribute text, for parse__html_attr_next */
    size_t attrs_len;
    size_t nattrs;     /* attributes in attrs, duplicates included */
    size_t offset;     /* of the '<' in the input */
    bool self_closing; /* ended with "/>" */
    const char *text;  /* PARSE__TOK_RAW: the raw text */
    size_t text_len;
    const char *public_id, *system_id; /* PARSE__TOK_DOCTYPE: NULL when missing */
    size_t public_id_len, system_id_len;
    bool force_quirks; /* PARSE__TOK_DOCTYPE */
};

struct parse__html_tok {
    const char *s;
    size_t len, pos;
    unsigned raw;         /* enum parse__html_raw for the next token */
    const char *raw_name; /* the element whose end tag ends the raw text */
    size_t raw_name_len;
    bool cdata;           /* caller: "<![CDATA[" opens a CDATA section (the current node
                             is an SVG or MathML element) */
    bool all;             /* caller: also return text, comments and doctypes (for tests;
                             the link scanner leaves it off and skips them) */
};

struct parse__html_attr {
    const char *name, *value; /* views into the tag; value is not decoded */
    size_t name_len, value_len;
};

void parse__html_tok_init(struct parse__html_tok *t, const char *s, size_t len);
/* The next token (an enum parse__html_tok_type); tag describes it. Text, comments and
 * doctypes are skipped unless t->all. A tag cut off by the end of the input is dropped, as
 * in HTML. */
unsigned parse__html_tok_next(struct parse__html_tok *t, struct parse__html_tag *tag);
/* After start tag tag, read its content as raw text of the given kind: the next token is
 * PARSE__TOK_RAW (possibly empty), then the end tag, if any. A tag with an empty name has
 * no end tag: the raw text runs to the end of the input. */
void parse__html_tok_raw(struct parse__html_tok *t, unsigned kind, const struct parse__html_tag *tag);
/* Iterate over the attributes of a tag: start with *p = tag->attrs; false at the end. */
bool parse__html_attr_next(const char **p, const char *end, struct parse__html_attr *a);
/* The first attribute named lname (lower case), as HTML keeps the first of duplicates. */
bool parse__html_attr_get(const struct parse__html_tag *tag, const char *lname,
                          struct parse__html_attr *a);
/* ASCII case-insensitive equality of s[0..n) with the lower-case string lname. */
bool parse__html_eq(const char *s, size_t n, const char *lname);
/* Tag name lower-cased into buf (cap bytes, NUL-terminated), or "" when it does not fit or
 * has a byte no known tag name has (anything but ASCII letters, digits and '-'). */
void parse__html_lower(const char *s, size_t n, char *buf, size_t cap);

/* --- character references (html_tok.c, html_entities.c) --- */

struct parse__html_entity {
    const char *name; /* without the '&', with the ';' when the reference has one */
    const char *utf8; /* what it stands for */
};
extern const struct parse__html_entity parse__html_entities[];
extern const size_t parse__html_nentities;

/* Where a run of source text comes from, which decides what the tokenizer rewrites in it:
 * everywhere CR LF and CR become LF, then: */
enum parse__html_text {
    PARSE__TEXT_DATA,   /* character data: references decoded, NUL kept */
    PARSE__TEXT_RCDATA, /* title, textarea: references decoded, NUL as U+FFFD */
    PARSE__TEXT_ATTR,   /* an attribute value: references decoded as in attributes, NUL as
                           U+FFFD */
    PARSE__TEXT_RAW,    /* RAWTEXT, script data, PLAINTEXT, comments, names and doctype ids:
                           NUL as U+FFFD */
    PARSE__TEXT_CDATA   /* a CDATA section: nothing else */
};

/* Append s[0..n) to out as the HTML tokenizer reads text of the given kind (enum
 * parse__html_text). 0, -ENOMEM or -EMSGSIZE. */
CORE_MUST_CHECK int parse__html_text(const char *s, size_t n, unsigned kind, struct core_buf *out);
/* Append s[0..n) to out with character references decoded as the HTML tokenizer does in an
 * attribute value (in_attr) or in RCDATA text, NUL as U+FFFD and CR LF or CR as LF
 * (parse__html_text with PARSE__TEXT_ATTR or PARSE__TEXT_RCDATA). 0, -ENOMEM or -EMSGSIZE. */
CORE_MUST_CHECK int parse__html_decode(const char *s, size_t n, bool in_attr, struct core_buf *out);

/* --- gumbo cost check (html_cost.c) --- */

/* Whether gumbo can parse s in about linear time: *ok is false when the elements it would
 * hold open at once could exceed max_depth (an upper estimate), or when attributes are so
 * many that its duplicate check turns quadratic. 0 or -ENOMEM. */
CORE_MUST_CHECK int parse__html_cost_ok(const char *s, size_t len, size_t max_depth, bool *ok);

/* --- result builder (html.c) --- */

struct parse__html_sink_link {
    size_t off, len; /* href in pool */
    size_t src;      /* offset of the element's tag in the input, for document order */
    unsigned kind;
    bool nofollow;   /* kept only because opts.keep_nofollow asked for it */
};

struct parse__html_sink {
    const struct parse_html_opts *o;
    struct core_buf pool;    /* hrefs, each NUL-terminated */
    struct parse__html_sink_link *links;
    size_t nlinks, cap;
    struct core_buf title;   /* whitespace-collapsed, not yet sanitised, capped */
    size_t title_src;        /* input offset of the title's tag; SIZE_MAX while none */
    bool title_space;        /* a whitespace run is pending in the title */
    char *base;
    size_t base_src;         /* SIZE_MAX while none */
    size_t nofollow_skipped;
    size_t dropped;          /* wanted links past max_links */
    bool meta_nofollow, meta_noindex, truncated;
    struct core_buf scratch; /* for callers that decode before adding */
};

enum {
    PARSE__REL_NOFOLLOW = 1,
    PARSE__REL_NEXT = 2,
    PARSE__REL_PREV = 4
};

/* len is the input's length: it bounds what the sink can collect (hrefs decode to at most
 * three bytes per input byte), which sets the maximum of its buffers. */
void parse__html_sink_init(struct parse__html_sink *s, const struct parse_html_opts *o, size_t len);
void parse__html_sink_free(struct parse__html_sink *s);
/* The PARSE__REL_* tokens in a rel value (space-separated, case-insensitive). */
unsigned parse__html_rel(const char *v, size_t n);
/* Account for a link whose element has these rel tokens (rel=nofollow skips and counts it,
 * meta robots nofollow and max_links drop it). True when its href should now be decoded and
 * passed to parse__html_sink_link. */
bool parse__html_sink_wants(struct parse__html_sink *s, unsigned rel);
/* Add a wanted link (href decoded, rel as given to parse__html_sink_wants) of a tag at input
 * offset src. 0, -ENOMEM. */
CORE_MUST_CHECK int parse__html_sink_link(struct parse__html_sink *s, unsigned kind, unsigned rel,
                                          const char *href, size_t len, size_t src);
/* A <base href> (decoded): the first one given wins (both readers give them in tree order). */
CORE_MUST_CHECK int parse__html_sink_base(struct parse__html_sink *s, const char *href, size_t len,
                                          size_t src);
/* A <meta name content> (both decoded). */
void parse__html_sink_meta(struct parse__html_sink *s, const char *name, size_t name_len,
                           const char *content, size_t content_len);
/* A <title> at input offset src: true when it is the earliest so far (its text then
 * replaces any earlier-found one's and follows, decoded, in any number of _more calls). */
bool parse__html_sink_title_begin(struct parse__html_sink *s, size_t src);
CORE_MUST_CHECK int parse__html_sink_title_more(struct parse__html_sink *s, const char *text,
                                                size_t len);

/* --- extraction without gumbo (html_scan.c) --- */

/* Feed s's links, base, meta robots and title to sink using the tokenizer alone. With
 * title_only, stop as soon as the title is known and the head is over. strict: stop at the
 * first markup whose reading needs tree-building state the scanner does not keep, and say
 * why in *defer (a PARSE_HTML_DEFER_*; the sink then holds a partial result); else read on
 * best effort, *defer naming the first such markup. PARSE_HTML_DEFER_NONE in *defer: the
 * result is gumbo's. 0, -ENOMEM. */
CORE_MUST_CHECK int parse__html_scan(const char *s, size_t len, bool title_only, bool strict,
                                     unsigned *defer, struct parse__html_sink *sink);

#endif
