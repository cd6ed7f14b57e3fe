/* app/crawl_cmd.c: `trawl crawl` (see crawl_cmd.h and the README for every option).
 *
 * Everything that can be refused is checked before the first fetch: options, regexes, seeds,
 * and the output files (opened at once). Then one loop runs the crawl engine in a coroutine,
 * with SIGINT/SIGTERM watched on the loop; records stream to the output as they are made.
 * At the end the summary goes to stderr and, with --summary, to a JSON file, both from the
 * engine's struct crawl_stats, so they always agree. */
#include "app/crawl_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/cli_state.h"
#include "app/crawl_summary.h"
#include "app/crawl/crawl.h"
#include "app/crawl/redisfront.h"
#include "app/crawl/scope.h"
#include "app/crawl/state.h"
#include "app/crawl/warc.h"
#include "app/export/crawl_output.h"
#include "app/export/warcgz.h"
#include "app/export/outfile.h"
#include "app/state/runargs.h"
#include "app/state/statedb.h"
#include "core/ascii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/sigwatch.h"
#include "parse/html.h"
#include "parse/url.h"
#include "redis/client.h"

/* In two parts: C11 compilers need only take string literals of up to 4095 bytes. */
static const char usage_text[] =
    "Usage: trawl crawl [options] URL...\n"
    "       trawl crawl --resume DIR [-q] [-v] [--grace SECONDS] [--workers N]\n"
    "Crawl from the seed URLs and write one record per URL attempted.\n"
    "\n"
    "Seeds:\n"
    "  URL...                  seed URLs (http or https)\n"
    "  -i, --input FILE        more seeds, one per line ('-' = stdin; # comments)\n"
    "What to crawl:\n"
    "  -d, --depth N           follow links up to N hops from a seed (default 2)\n"
    "      --max-pages N       attempt at most N URLs (default 0 = no limit)\n"
    "      --order ORDER       bfs, dfs or best (default bfs)\n"
    "      --scope SCOPE       host, domain or any (default host)\n"
    "      --allow REGEX       only URLs matching REGEX (repeatable; POSIX extended)\n"
    "      --deny REGEX        never URLs matching REGEX (repeatable)\n"
    "      --follow-nofollow   follow rel=nofollow links and meta robots nofollow pages\n"
    "      --max-url-length N  drop longer links (default 2048)\n"
    "      --max-path-repeat N a path repeating a segment more often is a trap (default 3)\n"
    "      --max-query-variants N  distinct query strings per path (default 1000)\n"
    "      --max-links-per-page N  follow at most N links of a page; more are dropped,\n"
    "                          counted and listed (default 1000000)\n"
    "      --html-parser P     scanner (linear, gumbo only where it cannot be exact) or\n"
    "                          gumbo (every page) (default scanner)\n"
    "Politeness:\n"
    "      --per-host N        requests in flight per host (default 2; 0 = no limit)\n"
    "      --delay MS          between requests to one host (default 0)\n"
    "      --no-robots         do not fetch or obey robots.txt\n"
    "      --sitemaps          also seed from the sitemaps robots.txt lists\n";
static const char usage_text_fetch[] =
    "How to fetch:\n"
    "  -w, --workers N         concurrent fetches (default 32)\n"
    "      --timeout SECONDS   whole request (default 30)\n"
    "      --connect-timeout SECONDS  (default 10)\n"
    "      --max-bytes N       largest body kept, after decompression (default 10485760)\n"
    "      --max-redirects N   redirect hops per URL (default 5)\n"
    "      --retries N         retries on timeouts, connection errors, 5xx, 429 (default 2)\n"
    "      --max-retry-wait SECONDS  cap on backoff and Retry-After (default 60)\n"
    "      --low-speed-limit BYTES   abort a transfer slower than this ... (default 1000)\n"
    "      --low-speed-time SECONDS  ... for this long (default 15)\n"
    "      --user-agent STR    (default trawl/" TRAWL_VERSION ")\n"
    "  -H, --header 'Name: value'  extra request header (repeatable)\n"
    "      --connect-to H:P:H2:P2  connect to H2:P2 for requests to H:P, as curl does\n"
    "                          (repeatable; empty H or P match any)\n"
    "      --cacert FILE       trust the CA certificates in FILE (PEM) for https instead\n"
    "                          of the system's, as curl does\n"
    "Output:\n"
    "  -o, --output FILE       records file ('-' = stdout, the default)\n"
    "      --format FORMAT     jsonl or csv (default: from the file name, else jsonl)\n"
    "      --skipped FILE      one JSONL line per discovered URL not fetched, and why\n"
    "      --summary FILE      the end-of-crawl summary as JSON (also when interrupted)\n"
    "Archive:\n"
    "      --warc NAME         write every fetch to NAME.warc.gz (NAME.warc.gz.open while\n"
    "                          written; NAME-00001.warc.gz ... past --warc-max-size)\n"
    "      --warc-max-size BYTES  rotate WARC files at this size, numbered from\n"
    "                          NAME-00000.warc.gz (default 1073741824)\n"
    "      --warc-level N      gzip level of the WARC records, 1 (fastest) to 12, or 0 to\n"
    "                          store them uncompressed in gzip members (default 1)\n"
    "      --cdx FILE          CDXJ index of the response and revisit records (needs --warc)\n"
    "      --wacz FILE         WACZ package of the archive at the end (needs --warc)\n"
    "State:\n"
    "      --state DIR         keep the crawl's state in DIR (created), so that it can be\n"
    "                          resumed after a kill, a crash or Ctrl-C (needs -o FILE)\n"
    "      --resume DIR        go on with the crawl kept in DIR, with its own options\n"
    "Shared crawl (Redis):\n"
    "      --redis URL         share the crawl through Redis at redis://HOST:PORT/DB\n"
    "      --crawl NAME        the shared crawl's name (created by the first worker with\n"
    "                          seeds; joined by the others)\n"
    "      --worker-id ID      this worker's name: a worker restarted with it goes on with\n"
    "                          its outputs and archive (needs -o FILE)\n"
    "      --redis-timeout SECONDS  stop (exit 1, resumable) when Redis stays unreachable\n"
    "                          this long (default 60)\n"
    "      --lease SECONDS     a job's lease, renewed while it runs (default 30)\n"
    "      --max-leases N      leases of a URL before it is dead-lettered (default 3)\n"
    "  -q, --quiet             no progress line and no summary\n"
    "  -v, --verbose           one line per URL on stderr\n"
    "      --grace SECONDS     after Ctrl-C, let fetches in flight finish (default 5)\n"
    "  -h, --help\n"
    "\n"
    "Exit status: 0 crawl finished (failed pages are in the output; also a --resume of a\n"
    "finished crawl), 1 fatal error,\n"
    "2 usage error, 130 interrupted.\n";

enum {
    OPT_MAX_PAGES = 256, OPT_ORDER, OPT_SCOPE, OPT_ALLOW, OPT_DENY, OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT, OPT_USER_AGENT, OPT_FORMAT, OPT_GRACE, OPT_MAX_BYTES,
    OPT_MAX_REDIRECTS, OPT_FOLLOW_NOFOLLOW, OPT_MAX_URL_LENGTH, OPT_PER_HOST, OPT_DELAY,
    OPT_NO_ROBOTS, OPT_RETRIES, OPT_MAX_RETRY_WAIT, OPT_LOW_SPEED_LIMIT, OPT_LOW_SPEED_TIME,
    OPT_MAX_PATH_REPEAT, OPT_MAX_QUERY_VARIANTS, OPT_SKIPPED, OPT_CONNECT_TO, OPT_SITEMAPS,
    OPT_SUMMARY, OPT_MAX_LINKS_PER_PAGE, OPT_HTML_PARSER, OPT_WARC, OPT_WARC_MAX_SIZE, OPT_CDX,
    OPT_WACZ, OPT_WARC_LEVEL, OPT_STATE, OPT_RESUME, OPT_CACERT, OPT_REDIS, OPT_CRAWL,
    OPT_WORKER_ID, OPT_REDIS_TIMEOUT, OPT_LEASE, OPT_MAX_LEASES
};

#define SHORT_OPTS ":i:d:w:H:o:qvh"

static const struct option long_opts[] = {
    {"input", required_argument, NULL, 'i'},
    {"depth", required_argument, NULL, 'd'},
    {"workers", required_argument, NULL, 'w'},
    {"max-pages", required_argument, NULL, OPT_MAX_PAGES},
    {"order", required_argument, NULL, OPT_ORDER},
    {"scope", required_argument, NULL, OPT_SCOPE},
    {"allow", required_argument, NULL, OPT_ALLOW},
    {"deny", required_argument, NULL, OPT_DENY},
    {"follow-nofollow", no_argument, NULL, OPT_FOLLOW_NOFOLLOW},
    {"max-url-length", required_argument, NULL, OPT_MAX_URL_LENGTH},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
    {"max-redirects", required_argument, NULL, OPT_MAX_REDIRECTS},
    {"user-agent", required_argument, NULL, OPT_USER_AGENT},
    {"header", required_argument, NULL, 'H'},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"per-host", required_argument, NULL, OPT_PER_HOST},
    {"delay", required_argument, NULL, OPT_DELAY},
    {"no-robots", no_argument, NULL, OPT_NO_ROBOTS},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"max-retry-wait", required_argument, NULL, OPT_MAX_RETRY_WAIT},
    {"low-speed-limit", required_argument, NULL, OPT_LOW_SPEED_LIMIT},
    {"low-speed-time", required_argument, NULL, OPT_LOW_SPEED_TIME},
    {"max-path-repeat", required_argument, NULL, OPT_MAX_PATH_REPEAT},
    {"max-query-variants", required_argument, NULL, OPT_MAX_QUERY_VARIANTS},
    {"max-links-per-page", required_argument, NULL, OPT_MAX_LINKS_PER_PAGE},
    {"skipped", required_argument, NULL, OPT_SKIPPED},
    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"sitemaps", no_argument, NULL, OPT_SITEMAPS},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"html-parser", required_argument, NULL, OPT_HTML_PARSER},
    {"warc", required_argument, NULL, OPT_WARC},
    {"warc-max-size", required_argument, NULL, OPT_WARC_MAX_SIZE},
    {"warc-level", required_argument, NULL, OPT_WARC_LEVEL},
    {"cdx", required_argument, NULL, OPT_CDX},
    {"wacz", required_argument, NULL, OPT_WACZ},
    {"state", required_argument, NULL, OPT_STATE},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"crawl", required_argument, NULL, OPT_CRAWL},
    {"worker-id", required_argument, NULL, OPT_WORKER_ID},
    {"redis-timeout", required_argument, NULL, OPT_REDIS_TIMEOUT},
    {"lease", required_argument, NULL, OPT_LEASE},
    {"max-leases", required_argument, NULL, OPT_MAX_LEASES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

struct cmd {
    struct crawl_config cfg;
    const char *output;
    enum file_format format;            /* --format, when format_set */
    bool format_set;
    const char *input;
    const char *skipped_path;
    struct crawl_output *skipped;
    const char *summary_path;
    struct app_outfile *summary; /* opened before the crawl, written whole at its end */
    const char **headers;
    size_t nheaders;
    const char **connect_to;
    size_t nconnect_to;
    char **seeds;
    size_t nseeds;
    size_t bad_seeds;
    int verbosity;
    bool progress_shown;
    struct crawl_output *out;
    struct core_sigwatch *stop;
    int write_error;
    struct crawl_stats st;
    int run_rc;
    struct crawl_warc_opts warc;        /* --warc and friends; warc.name NULL: no archive */
    struct crawl_warc_counts archived;  /* what the archive holds once the crawl has run */
    const char *state_dir;              /* --state */
    const char *resume_dir;             /* --resume */
    struct statedb *db;                 /* either's state */
    struct crawl_state *cstate;
    struct runargs *stored;             /* --resume: the arguments the crawl began with */
    bool workers_set, grace_set;        /* given (what --resume may change) */
    char *state_abs;                    /* the state directory's absolute path (malloc'ed) */
    char *links_path;                   /* STATE/links, the link store of dfs and best */
    const char *redis_url;              /* --redis */
    const char *crawl_name;             /* --crawl */
    int64_t redis_timeout_ms;           /* --redis-timeout */
    unsigned max_leases;                /* --max-leases */
    char **shared;                      /* the options every worker of a shared crawl has,
                                           "--name\targ" each (malloc'ed) */
    size_t nshared;
    char *adopted;                      /* a joined crawl's options (their arguments) */
    int shared_code;                    /* why a shared crawl did not run (an exit code) */
    char *kept;                         /* --redis: the worker's committed lengths in Redis
                                           ("seq N\nNAME LEN\n..."), NULL for a new worker */
    char *command;                      /* the command line, for the warcinfo records */
};

static int push(const char ***list, size_t *n, const char *s)
{
    const char **l = core_reallocarray(*list, *n + 1, sizeof(**list));

    if (!l)
        return -ENOMEM;
    l[(*n)++] = s;
    *list = l;
    return 0;
}

/* --- seeds -------------------------------------------------------------------------------- */

static void add_seed(struct cmd *c, const char *text, const char *where, size_t lineno)
{
    struct core_buf b;
    char **grown;
    int rc;

    core_buf_init(&b, c->cfg.max_url_len);
    rc = parse_url_normalize(text, strlen(text), &b);
    if (rc < 0) {
        const char *why = rc == CORE_ESCHEME ? "not an http or https URL"
                          : rc == -EMSGSIZE  ? "longer than --max-url-length"
                          : rc == CORE_EPARSE ? "not a valid URL"
                                              : core_strerror(rc);

        if (lineno)
            fprintf(stderr, "trawl crawl: %s:%zu: skipping invalid seed '%s': %s\n", where,
                    lineno, text, why);
        else
            fprintf(stderr, "trawl crawl: skipping invalid seed '%s': %s\n", text, why);
        c->bad_seeds++;
        core_buf_free(&b);
        return;
    }
    grown = core_reallocarray(c->seeds, c->nseeds + 1, sizeof(*grown));
    if (!grown) {
        core_buf_free(&b);
        return;
    }
    c->seeds = grown;
    c->seeds[c->nseeds++] = core_buf_steal(&b);
}

static void seed_from_list(const char *entry, size_t lineno, void *arg)
{
    struct cmd *c = arg;

    add_seed(c, entry, strcmp(c->input, "-") == 0 ? "stdin" : c->input, lineno);
}

/* --- options ------------------------------------------------------------------------------ */

static int bad_number(const char *opt, const char *val)
{
    return cli_usage_error("crawl", "invalid value '%s' for %s", val, opt);
}

/* The options that shape a shared crawl (--redis): every worker must have the same. */
static bool is_shared(int opt)
{
    static const int shared[] = {
        'd', OPT_ORDER, OPT_SCOPE, OPT_ALLOW, OPT_DENY, OPT_FOLLOW_NOFOLLOW, OPT_MAX_URL_LENGTH,
        OPT_MAX_PATH_REPEAT, OPT_MAX_QUERY_VARIANTS, OPT_MAX_LINKS_PER_PAGE, OPT_HTML_PARSER,
        OPT_PER_HOST, OPT_DELAY, OPT_NO_ROBOTS, OPT_SITEMAPS, OPT_MAX_REDIRECTS, OPT_RETRIES,
        OPT_MAX_RETRY_WAIT, OPT_USER_AGENT, OPT_LEASE, OPT_MAX_LEASES, 0};

    for (size_t i = 0; shared[i]; i++)
        if (shared[i] == opt)
            return true;
    return false;
}

static int keep_shared(struct cmd *c, int opt, const char *arg)
{
    struct core_buf b;
    char **l;
    size_t i;

    if (!is_shared(opt))
        return 0;
    for (i = 0; long_opts[i].name && long_opts[i].val != opt; i++)
        ;
    if (opt != OPT_ALLOW && opt != OPT_DENY && long_opts[i].name) {
        /* given again: the last one counts, as parse_options takes it */
        size_t n = strlen(long_opts[i].name);

        for (size_t k = 0; k < c->nshared; k++)
            if (strncmp(c->shared[k] + 2, long_opts[i].name, n) == 0 &&
                c->shared[k][n + 2] == '\t') {
                core_free(c->shared[k]);
                c->shared[k] = c->shared[--c->nshared];
                break;
            }
    }
    core_buf_init(&b, 1u << 16);
    if (!long_opts[i].name || core_buf_printf(&b, "--%s\t%s", long_opts[i].name,
                                              arg ? arg : "") < 0 ||
        !(l = core_reallocarray(c->shared, c->nshared + 1, sizeof(*l)))) {
        core_buf_free(&b);
        return -ENOMEM;
    }
    c->shared = l;
    c->shared[c->nshared++] = core_buf_steal(&b);
    return 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(struct cmd *c, int argc, char **argv)
{
    struct crawl_config *cfg = &c->cfg;
    char err[256];
    uint64_t n;
    int opt, rc;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, SHORT_OPTS, long_opts, NULL)) != -1) {
        if (keep_shared(c, opt, optarg) < 0)
            return CLI_EXIT_FATAL;
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            fputs(usage_text_fetch, stdout);
            return CLI_EXIT_OK;
        case 'i': c->input = optarg; break;
        case 'd':
            if (!cli_parse_u64(optarg, 0, 254, &n))
                return bad_number("--depth", optarg);
            cfg->max_depth = (unsigned)n;
            break;
        case 'w':
            if (!cli_parse_u64(optarg, 1, 10000, &n))
                return bad_number("--workers", optarg);
            cfg->workers = (unsigned)n;
            c->workers_set = true;
            break;
        case OPT_MAX_PAGES:
            if (!cli_parse_u64(optarg, 0, UINT64_MAX, &cfg->max_pages))
                return bad_number("--max-pages", optarg);
            break;
        case OPT_ORDER:
            if (strcmp(optarg, "bfs") == 0)
                cfg->order = FRONTIER_BFS;
            else if (strcmp(optarg, "dfs") == 0)
                cfg->order = FRONTIER_DFS;
            else if (strcmp(optarg, "best") == 0)
                cfg->order = FRONTIER_BEST;
            else
                return cli_usage_error("crawl", "--order must be bfs, dfs or best, not '%s'", optarg);
            break;
        case OPT_SCOPE: {
            enum scope_mode m;

            if (strcmp(optarg, "host") == 0)
                m = SCOPE_HOST;
            else if (strcmp(optarg, "domain") == 0)
                m = SCOPE_DOMAIN;
            else if (strcmp(optarg, "any") == 0)
                m = SCOPE_ANY;
            else
                return cli_usage_error("crawl", "--scope must be host, domain or any, not '%s'", optarg);
            scope_destroy(cfg->scope);
            cfg->scope = NULL;
            if (scope_create(m, &cfg->scope) < 0)
                return CLI_EXIT_FATAL;
            break;
        }
        case OPT_ALLOW:
        case OPT_DENY:
            rc = scope_add_rule(cfg->scope, opt == OPT_ALLOW, optarg, err, sizeof(err));
            if (rc < 0)
                return cli_usage_error("crawl", "bad %s regex '%s': %s",
                                       opt == OPT_ALLOW ? "--allow" : "--deny", optarg, err);
            break;
        case OPT_FOLLOW_NOFOLLOW: cfg->follow_nofollow = true; break;
        case OPT_HTML_PARSER:
            if (!strcmp(optarg, "scanner"))
                cfg->html_parser = PARSE_HTML_SCANNER;
            else if (!strcmp(optarg, "gumbo"))
                cfg->html_parser = PARSE_HTML_GUMBO;
            else
                return cli_usage_error("crawl", "--html-parser must be scanner or gumbo, not '%s'",
                                       optarg);
            break;
        case OPT_MAX_URL_LENGTH:
            if (!cli_parse_u64(optarg, 16, 1u << 20, &n))
                return bad_number("--max-url-length", optarg);
            cfg->max_url_len = (size_t)n;
            break;
        case OPT_TIMEOUT:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->fetch.timeout_ms))
                return bad_number("--timeout", optarg);
            break;
        case OPT_CONNECT_TIMEOUT:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->fetch.connect_timeout_ms))
                return bad_number("--connect-timeout", optarg);
            break;
        case OPT_WARC: c->warc.name = optarg; break;
        case OPT_WARC_MAX_SIZE:
            if (!cli_parse_u64(optarg, 1, UINT64_MAX, &n))
                return bad_number("--warc-max-size", optarg);
            c->warc.max_size = n;
            c->warc.numbered = true;
            break;
        case OPT_WARC_LEVEL:
            if (!cli_parse_u64(optarg, 0, 12, &n))
                return bad_number("--warc-level", optarg);
            c->warc.level = n == 0 ? APP_WARCGZ_STORE : (int)n;
            break;
        case OPT_CDX: c->warc.cdx = optarg; break;
        case OPT_WACZ: c->warc.wacz = optarg; break;
        case OPT_MAX_BYTES:
            if (!cli_parse_u64(optarg, 1, 1ull << 32, &n))
                return bad_number("--max-bytes", optarg);
            cfg->fetch.max_body = (size_t)n;
            break;
        case OPT_MAX_REDIRECTS:
            if (!cli_parse_u64(optarg, 0, 30, &n))
                return bad_number("--max-redirects", optarg);
            cfg->max_redirects = (unsigned)n;
            break;
        case OPT_USER_AGENT: cfg->fetch.user_agent = optarg; break;
        case 'H':
            if (!strchr(optarg, ':'))
                return cli_usage_error("crawl", "-H wants 'Name: value', not '%s'", optarg);
            if (push(&c->headers, &c->nheaders, optarg) < 0)
                return CLI_EXIT_FATAL;
            break;
        case 'o': c->output = optarg; break;
        case OPT_FORMAT:
            if (file_format_parse(optarg, &c->format) < 0)
                return cli_usage_error("crawl", "--format must be jsonl or csv, not '%s'", optarg);
            c->format_set = true;
            break;
        case 'q': c->verbosity = -1; break;
        case 'v': c->verbosity = 1; break;
        case OPT_GRACE:
            if (!cli_parse_seconds(optarg, 3600000, &cfg->grace_ms))
                return bad_number("--grace", optarg);
            c->grace_set = true;
            break;
        case OPT_PER_HOST:
            if (!cli_parse_u64(optarg, 0, 10000, &n))
                return bad_number("--per-host", optarg);
            cfg->per_host = (unsigned)n;
            break;
        case OPT_DELAY:
            if (!cli_parse_u64(optarg, 0, 86400000, &n))
                return bad_number("--delay", optarg);
            cfg->delay_ms = (int64_t)n;
            break;
        case OPT_NO_ROBOTS: cfg->robots = false; break;
        case OPT_SITEMAPS: cfg->sitemaps = true; break;
        case OPT_RETRIES:
            if (!cli_parse_u64(optarg, 0, 100, &n))
                return bad_number("--retries", optarg);
            cfg->retries = (unsigned)n;
            break;
        case OPT_MAX_RETRY_WAIT:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->max_retry_wait_ms))
                return bad_number("--max-retry-wait", optarg);
            break;
        case OPT_LOW_SPEED_LIMIT:
            if (!cli_parse_u64(optarg, 0, 1ull << 32, &n))
                return bad_number("--low-speed-limit", optarg);
            cfg->fetch.low_speed_bytes = (int64_t)n;
            break;
        case OPT_LOW_SPEED_TIME:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->fetch.low_speed_ms))
                return bad_number("--low-speed-time", optarg);
            break;
        case OPT_MAX_PATH_REPEAT:
            if (!cli_parse_u64(optarg, 0, 1000, &n))
                return bad_number("--max-path-repeat", optarg);
            cfg->max_path_repeat = (unsigned)n;
            break;
        case OPT_MAX_QUERY_VARIANTS:
            if (!cli_parse_u64(optarg, 0, 100000000, &n))
                return bad_number("--max-query-variants", optarg);
            cfg->max_query_variants = (unsigned)n;
            break;
        case OPT_MAX_LINKS_PER_PAGE:
            if (!cli_parse_u64(optarg, 1, SIZE_MAX, &n))
                return bad_number("--max-links-per-page", optarg);
            cfg->max_links_per_page = (size_t)n;
            break;
        case OPT_SKIPPED: c->skipped_path = optarg; break;
        case OPT_STATE: c->state_dir = optarg; break;
        case OPT_RESUME: c->resume_dir = optarg; break;
        case OPT_SUMMARY: c->summary_path = optarg; break;
        case OPT_REDIS: {
            struct redis_url u;
            const char *why;

            if (redis_url_parse(optarg, &u, &why) < 0)
                return cli_usage_error("crawl", "--redis '%s': %s", optarg, why);
            c->redis_url = optarg;
            break;
        }
        case OPT_CRAWL: c->crawl_name = optarg; break;
        case OPT_WORKER_ID: cfg->worker_id = optarg; break;
        case OPT_REDIS_TIMEOUT:
            if (!cli_parse_seconds(optarg, 86400000, &c->redis_timeout_ms))
                return bad_number("--redis-timeout", optarg);
            break;
        case OPT_LEASE:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->lease_ms) || cfg->lease_ms < 100)
                return bad_number("--lease", optarg);
            break;
        case OPT_MAX_LEASES:
            if (!cli_parse_u64(optarg, 1, 1000, &n))
                return bad_number("--max-leases", optarg);
            c->max_leases = (unsigned)n;
            break;
        case OPT_CONNECT_TO:
            if (push(&c->connect_to, &c->nconnect_to, optarg) < 0)
                return CLI_EXIT_FATAL;
            break;
        case OPT_CACERT:
            /* refused now rather than as a TLS error on every https page */
            if (access(optarg, R_OK) != 0)
                return cli_usage_error("crawl", "cannot read --cacert '%s'", optarg);
            cfg->fetch.ca_file = optarg;
            break;
        case ':':
            return cli_usage_error("crawl", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("crawl", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!c->warc.name && (c->warc.cdx || c->warc.wacz || c->warc.numbered || c->warc.level))
        return cli_usage_error("crawl",
                               "--cdx, --wacz, --warc-max-size and --warc-level need --warc");
    cfg->fetch.headers = c->headers;
    cfg->fetch.nheaders = c->nheaders;
    cfg->fetch.connect_to = c->connect_to;
    cfg->fetch.nconnect_to = c->nconnect_to;
    return -1;
}

/* The command line, for the warcinfo records (arguments joined by spaces). */
static char *command_line(int argc, char **argv)
{
    struct core_buf b;
    int i;

    core_buf_init(&b, 1u << 20);
    for (i = 0; i < argc; i++)
        if (core_buf_printf(&b, "%s%s", i ? " " : "", argv[i]) < 0)
            break;
    return core_buf_steal(&b);
}

static int64_t state_len(void *arg, const char *name)
{
    return statedb_output_len(arg, name);
}

/* The committed length of output name in a worker's lengths ("seq N\nname LEN\n..."), 0 when
 * it has none. */
static int64_t committed_len(const char *lengths, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = lengths; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return strtoll(p + n + 1, NULL, 10);
    return 0;
}

static int64_t kept_len(void *arg, const char *name)
{
    return committed_len(arg, name);
}

/* The archive's blob in a worker's committed lengths (an "archive HEX" line) into *saved:
 * 0, -ENOENT when there is none, or an error. */
static int kept_archive(const char *kept, struct core_buf *saved)
{
    const char *p = kept;
    size_t n;

    while (p && strncmp(p, "archive ", 8) != 0)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    if (!p)
        return -ENOENT;
    p += 8;
    n = strcspn(p, "\n");
    if (n % 2 || core_buf_reserve(saved, n / 2) < 0)
        return -EINVAL;
    if (core_ascii_unhex(p, n, saved->data) < 0)
        return -EINVAL;
    saved->len = n / 2;
    return 0;
}

static int mark_finished(struct statedb *db);

/* Open the archive (--warc): new, or going on from its last commit (--resume, or a worker of a
 * shared crawl restarted with its id). -1 to go on, or an exit code after saying why (0 when
 * the archive was finished after that commit: the crawl is over). */
static int open_archive(struct cmd *c)
{
    struct core_buf saved;
    int rc = 0;

    if (!c->warc.name)
        return -1;
    if (!c->warc.numbered)
        c->warc.max_size = 1ull << 30;
    c->warc.user_agent = c->cfg.fetch.user_agent ? c->cfg.fetch.user_agent : FETCH_USER_AGENT;
    c->warc.robots = c->cfg.robots;
    c->warc.options = c->command;
    core_buf_init(&saved, 1u << 20);
    if (c->resume_dir) {
        c->warc.committed_len = state_len;
        c->warc.committed_arg = c->db;
        rc = crawl_state_blob(c->cstate, "warc", &saved);
    } else if (c->kept) {
        c->warc.committed_len = kept_len;
        c->warc.committed_arg = c->kept;
        rc = kept_archive(c->kept, &saved);
    }
    /* nothing committed of the archive (-ENOENT): it begins again */
    c->warc.saved = rc == 0 ? saved.data : NULL;
    c->warc.saved_len = rc == 0 ? saved.len : 0;
    if (rc == 0 || rc == -ENOENT)
        rc = crawl_warc_open(&c->warc, &c->cfg.warc);
    core_buf_free(&saved);
    c->warc.saved = NULL;
    if (rc == 0 && c->cstate)
        crawl_warc_keep(c->cfg.warc, crawl_state_digest, c->cstate);
    if (rc == -EALREADY) {
        /* killed after the archive was finished, before anything else could say so */
        if (c->db && (rc = mark_finished(c->db)) < 0)
            goto fail;
        fprintf(stderr, "trawl crawl: the archive '%s' is finished: nothing to do\n",
                c->warc.name);
        return CLI_EXIT_OK;
    }
    if (rc == 0)
        return -1;
fail:
    fprintf(stderr, "trawl crawl: cannot write the archive '%s': %s\n", c->warc.name,
            core_strerror(rc));
    return CLI_EXIT_FATAL;
}

/* Open --summary FILE (after the archive: a run that finds it finished writes no summary).
 * -1 to go on, or an exit code after saying why (the archive then left as it was). */
static int open_summary(struct cmd *c)
{
    int rc;

    if (!c->summary_path || (rc = app_outfile_open(c->summary_path, &c->summary)) == 0)
        return -1;
    fprintf(stderr, "trawl crawl: cannot write '%s': %s\n", c->summary_path, core_strerror(rc));
    if (c->cfg.warc) {
        crawl_warc_suspend(c->cfg.warc);
        crawl_warc_destroy(c->cfg.warc);
        c->cfg.warc = NULL;
    }
    return CLI_EXIT_FATAL;
}

/* With --state and --warc, the crawl is finished once its archive is (a kill while it is being
 * finished resumes into finishing it again). */
static int mark_finished(struct statedb *db)
{
    int rc = statedb_begin(db);

    if (rc == 0)
        rc = statedb_set_finished(db);
    if (rc == 0)
        rc = statedb_commit(db);
    else
        statedb_rollback(db);
    return rc;
}

/* Does the crawl go on after this run (run_rc its result)? With --state after a stop or a
 * failed commit; a worker of a shared crawl unless it saw the crawl's end. */
static bool goes_on(const struct cmd *c, int run_rc)
{
    if (c->redis_url)
        return run_rc < 0 || c->st.interrupted || c->st.state_error || c->write_error;
    return c->cstate && (c->st.interrupted || c->st.state_error);
}

/* Finish the archive, unless the crawl goes on (then it is left as that needs it); also after
 * a stop without --state, so that what was written is whole. 0, or an exit code after saying
 * why. */
static int close_archive(struct cmd *c, int run_rc)
{
    int rc;

    if (!c->cfg.warc)
        return 0;
    if (goes_on(c, run_rc)) {
        /* leave every file as the crawl going on needs them */
        crawl_warc_suspend(c->cfg.warc);
        crawl_warc_destroy(c->cfg.warc);
        c->cfg.warc = NULL;
        return 0;
    }
    rc = crawl_warc_finish(c->cfg.warc, c->nseeds ? c->seeds[0] : NULL);
    if (rc == 0 && c->db)
        rc = mark_finished(c->db);
    crawl_warc_destroy(c->cfg.warc);
    c->cfg.warc = NULL;
    if (rc < 0) {
        fprintf(stderr, "trawl crawl: writing the archive '%s' failed: %s\n", c->warc.name,
                core_strerror(rc));
        return CLI_EXIT_FATAL;
    }
    return 0;
}

/* --- running ------------------------------------------------------------------------------ */

static void clear_progress(struct cmd *c)
{
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        c->progress_shown = false;
    }
}

static void on_record(const struct crawl_record *r, void *arg)
{
    struct cmd *c = arg;
    int rc = crawl_output_write(c->out, r);

    if (c->verbosity > 0) {
        clear_progress(c);
        fprintf(stderr, "%3ld %s%s%s\n", r->status, r->url, r->error ? " " : "",
                r->error ? r->error : "");
    }
    if (rc < 0 && c->write_error == 0) {
        /* The output is gone (disk full, closed pipe): stop at once, say why at the end. */
        c->write_error = rc;
        core_sigwatch_request(c->stop, CORE_STOP_IMMEDIATE);
    }
}

static void on_skip(const char *url, const char *parent, enum crawl_skip why, void *arg)
{
    struct cmd *c = arg;
    int rc = crawl_output_skip(c->skipped, url, parent, crawl_skip_name(why));

    if (rc < 0 && c->write_error == 0) {
        c->write_error = rc;
        core_sigwatch_request(c->stop, CORE_STOP_IMMEDIATE);
    }
}

static void on_progress(const struct crawl_progress *p, void *arg)
{
    struct cmd *c = arg;

    fprintf(stderr, "\r\033[Ktrawl: %llu done, %zu queued, %zu in flight, %llu errors",
            (unsigned long long)p->done, p->queued, p->in_flight,
            (unsigned long long)p->errors);
    c->progress_shown = true;
}

static int crawl_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;

    c->run_rc = crawl_run(co, &c->cfg, c->stop, &c->st);
    return c->run_rc;
}

/* The summary as JSON, written to the --summary file in one write (the file was opened, and
 * so emptied, before the crawl: it is empty or complete). */
static int write_summary(struct cmd *c)
{
    struct core_buf b;
    int rc;

    core_buf_init(&b, 64u << 10);
    rc = crawl_summary_json(&c->st, c->warc.name ? &c->archived : NULL, &b);
    if (rc == 0)
        rc = app_outfile_write(c->summary, b.data, b.len);
    core_buf_free(&b);
    return rc;
}

static void cmd_free(struct cmd *c)
{
    size_t i;

    for (i = 0; i < c->nseeds; i++)
        core_free(c->seeds[i]);
    core_free(c->seeds);
    core_free(c->headers);
    core_free(c->connect_to);
    scope_destroy(c->cfg.scope);
    crawl_state_destroy(c->cstate);
    statedb_close(c->db);
    core_free(c->stored);
    free(c->state_abs);
    core_free(c->links_path);
    for (i = 0; i < c->nshared; i++)
        core_free(c->shared[i]);
    core_free(c->shared);
    core_free(c->adopted);
    core_free(c->kept);
    core_free(c->command);
}

/* --- --state and --resume ------------------------------------------------------------------ */

/* --resume DIR: the options the crawl began with, from DIR, with the harmless ones given now on
 * top. -1 to go on (c holds the stored options, *argc and *argv the stored command line), or an
 * exit code. */
static int resume_options(struct cmd *c, int *argc, char ***argv)
{
    static const int allowed[] = {'q', 'v', 'w', OPT_GRACE, OPT_RESUME, 0};
    const char *dir = c->resume_dir;
    struct cmd given = *c;
    struct statedb *db;
    struct runargs *stored;
    bool finished;
    char *abs;
    int code;

    code = cli_state_check_resume("crawl", *argc, *argv, SHORT_OPTS, long_opts, allowed);
    /* the state directory as it is named now, before the move to the crawl's own directory */
    abs = code == 0 ? realpath(dir, NULL) : NULL;
    if (code == 0)
        code = cli_state_open("crawl", dir, true, *argc, *argv, &db, &stored, &finished);
    if (code != 0) {
        free(abs);
        return code;
    }
    if (finished) {
        free(abs);
        fprintf(stderr, "trawl crawl: the crawl kept in '%s' is finished: nothing to do\n", dir);
        statedb_close(db);
        core_free(stored);
        return CLI_EXIT_OK;
    }
    cmd_free(c);
    memset(c, 0, sizeof(*c));
    crawl_config_init(&c->cfg);
    c->output = "-";
    c->state_abs = abs;
    c->db = db;
    c->stored = stored;
    if (scope_create(SCOPE_HOST, &c->cfg.scope) < 0)
        return CLI_EXIT_FATAL;
    if (parse_options(c, stored->argc, stored->argv) >= 0) {
        fprintf(stderr, "trawl crawl: the options kept in '%s' are no longer valid\n", dir);
        return CLI_EXIT_FATAL;
    }
    c->state_dir = NULL;
    c->resume_dir = dir;
    if (given.verbosity)
        c->verbosity = given.verbosity;
    if (given.workers_set)
        c->cfg.workers = given.cfg.workers;
    if (given.grace_set)
        c->cfg.grace_ms = given.cfg.grace_ms;
    *argc = stored->argc;
    *argv = stored->argv;
    return -1;
}

/* --state: outputs that can be cut back and gone on with, checked before anything is made. */
static int check_state_options(const struct cmd *c)
{
    if (!c->state_dir)
        return -1;
    if (strcmp(c->output, "-") == 0 || (c->skipped_path && strcmp(c->skipped_path, "-") == 0))
        return cli_usage_error("crawl", "--state needs -o FILE (and --skipped FILE): a resumed "
                               "crawl goes on writing them, which stdout cannot do");
    if (c->input && strcmp(c->input, "-") == 0)
        return cli_usage_error("crawl", "--state cannot take seeds from stdin (-i -): a resumed "
                               "crawl reads its seeds again; use -i FILE");
    return -1;
}

static void state_file(struct crawl_state_file *f, const char *name, struct crawl_output *o)
{
    struct app_outfile *file = crawl_output_file(o);

    f->name = name;
    f->path = app_outfile_path(file);
    f->fd = app_outfile_fd(file);
    f->len = app_outfile_length(file);
}

/* The files a commit of the state records. */
static size_t state_files(struct crawl_state_file *files, size_t max, void *arg)
{
    struct cmd *c = arg;
    size_t n = 0;

    if (n < max)
        state_file(&files[n++], "records", c->out);
    if (c->skipped && n < max)
        state_file(&files[n++], "skipped", c->skipped);
    return n;
}

/* Open --state DIR (a new crawl) or the state --resume found, and the crawl's part of it.
 * -1 to go on, or an exit code. */
static int open_state(struct cmd *c, int argc, char **argv)
{
    const char *dir = c->state_dir ? c->state_dir : c->resume_dir;
    int rc, code;

    if (!dir)
        return -1;
    if (!c->db) {
        code = cli_state_open("crawl", dir, false, argc, argv, &c->db, &c->stored, &(bool){0});
        if (code != 0)
            return code;
    }
    rc = crawl_state_open(c->db, &c->cstate);
    if (rc < 0) {
        fprintf(stderr, "trawl crawl: cannot use the state in '%s': %s\n", dir,
                core_strerror(rc));
        return CLI_EXIT_FATAL;
    }
    c->cfg.state = c->cstate;
    c->cfg.resume = c->resume_dir != NULL;
    c->cfg.state_files = state_files;
    if (c->cfg.order != FRONTIER_BFS) {
        /* dfs and best keep their link store in the state, to re-expand after a resume */
        struct core_buf p;
        int64_t len = c->resume_dir ? statedb_output_len(c->db, "links") : 0;

        if (!c->state_abs)
            c->state_abs = realpath(dir, NULL);
        core_buf_init(&p, 1u << 16);
        if (!c->state_abs || len < 0 || core_buf_printf(&p, "%s/links", c->state_abs) < 0) {
            core_buf_free(&p);
            fprintf(stderr, "trawl crawl: cannot use the state in '%s'\n", dir);
            return CLI_EXIT_FATAL;
        }
        c->links_path = core_buf_steal(&p);
        c->cfg.links_path = c->links_path;
        c->cfg.links_len = (uint64_t)len;
    }
    return -1;
}

/* What the state says at the end: a failed commit is fatal; a stop can be resumed. */
static int state_end(const struct cmd *c, int code)
{
    const char *dir = c->state_dir ? c->state_dir : c->resume_dir;

    if (!dir)
        return code;
    if (c->st.state_error) {
        fprintf(stderr, "trawl crawl: keeping the state in '%s' failed: %s; the crawl can be "
                "resumed from its last commit with: trawl crawl --resume %s\n", dir,
                core_strerror(c->st.state_error), dir);
        return CLI_EXIT_FATAL;
    }
    if (c->st.interrupted && c->verbosity >= 0)
        fprintf(stderr, "trawl crawl: stopped; go on with: trawl crawl --resume %s\n", dir);
    return code;
}

/* Open a records file: new, or (resuming) cut back to its committed length. */
static int open_output(struct cmd *c, const char *name, const char *path, enum file_format fmt,
                       struct crawl_output **out)
{
    int64_t len;
    int rc;

    if (!c->resume_dir) {
        rc = crawl_output_create(path, fmt, out);
        /* a commit will vouch for its bytes: its directory entry must outlast a power loss */
        if (rc == 0 && c->state_dir && (rc = statedb_sync_parent(path)) < 0)
            crawl_output_destroy(*out);
        return rc;
    }
    len = statedb_output_len(c->db, name);
    if (len < 0)
        return (int)len;
    return crawl_output_reopen(path, fmt, len, out);
}

/* --- --redis: a crawl shared by many workers -------------------------------------------------- */

static int check_redis_options(const struct cmd *c)
{
    const char *id = c->cfg.worker_id;

    if (!c->redis_url && !c->crawl_name && !id)
        return -1;
    if (!c->redis_url || !c->crawl_name || !id)
        return cli_usage_error("crawl", "--redis, --crawl and --worker-id go together");
    if (c->state_dir || c->resume_dir)
        return cli_usage_error("crawl", "--redis keeps the crawl's state in Redis: no --state or "
                               "--resume");
    if (strcmp(c->output, "-") == 0 || (c->skipped_path && strcmp(c->skipped_path, "-") == 0))
        return cli_usage_error("crawl", "--redis needs -o FILE (and --skipped FILE): a worker "
                               "restarted with its --worker-id goes on writing them");
    if (c->cfg.order != FRONTIER_BFS)
        return cli_usage_error("crawl", "--redis crawls in the shared frontier's order (each "
                               "host's URLs first in, first out): no --order dfs or best");
    if (strlen(id) > 64 || strcspn(id, " \t\r\n:") != strlen(id) || !*id)
        return cli_usage_error("crawl", "--worker-id '%s': 1 to 64 characters, no spaces or ':'",
                               id);
    return -1;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What every worker of the crawl must agree on: its options, then (with_seeds) its seeds,
 * each sorted, a line each. NULL when out of memory. */
static char *shared_config(struct cmd *c, bool with_seeds)
{
    struct core_buf b;
    size_t i;
    int rc = 0;

    if (c->nshared)
        qsort(c->shared, c->nshared, sizeof(*c->shared), cmp_text);
    if (c->nseeds)
        qsort(c->seeds, c->nseeds, sizeof(*c->seeds), cmp_text);
    core_buf_init(&b, 64u << 20);
    rc = core_buf_puts(&b, "");
    for (i = 0; rc == 0 && i < c->nshared; i++)
        rc = core_buf_printf(&b, "%s\n", c->shared[i]);
    for (i = 0; rc == 0 && with_seeds && i < c->nseeds; i++)
        rc = core_buf_printf(&b, "seed\t%s\n", c->seeds[i]);
    if (rc < 0) {
        core_buf_free(&b);
        return NULL;
    }
    return core_buf_steal(&b);
}

/* A worker started without seeds takes the crawl's options and seeds from Redis (options it
 * was given must be the same). -1 to go on, or an exit code. */
static int adopt_config(struct cmd *c, const char *config)
{
    char *mine = shared_config(c, false);
    size_t olen = 0, n = 0;
    char **argv;
    char *p;
    int code = -1;

    while (config[olen] && strncmp(config + olen, "seed\t", 5) != 0)
        olen += strcspn(config + olen, "\n") + 1;
    if (!mine || (c->nshared > 0 && (strlen(mine) != olen || memcmp(mine, config, olen) != 0))) {
        fprintf(stderr, "trawl crawl: crawl '%s' has other options; it was made with:\n%.*s",
                c->crawl_name, (int)olen, config);
        core_free(mine);
        return CLI_EXIT_USAGE;
    }
    core_free(mine);
    c->adopted = core_strdup(config);
    argv = core_calloc(strlen(config) + 2, sizeof(*argv));
    if (!c->adopted || !argv) {
        core_free(argv);
        return CLI_EXIT_FATAL;
    }
    argv[n++] = c->adopted + strlen(c->adopted); /* getopt skips argv[0]: any string */
    for (p = c->adopted; *p;) {
        char *nl = strchr(p, '\n'), *tab = strchr(p, '\t');

        if (!nl)
            break;
        *nl = '\0';
        if (strncmp(p, "seed\t", 5) == 0) {
            add_seed(c, p + 5, NULL, 0);
        } else {
            /* "--name\targ": --name=arg, or --name alone for a flag */
            if (tab && tab < nl)
                *tab = tab[1] ? '=' : '\0';
            argv[n++] = p;
        }
        p = nl + 1;
    }
    if (c->nshared == 0 && n > 1) {
        const char *output = c->output;

        code = parse_options(c, (int)n, argv);
        c->output = output;
    }
    core_free(argv);
    return code;
}

/* Create the shared crawl (a worker with seeds) or join it. -1 to go on, or an exit code. */
static int join_shared(struct core_coro *co, struct cmd *c, struct redisfront *rf)
{
    struct redisfront_opts o;
    char *config;
    int rc, code;

    if (c->nseeds == 0) {
        rc = redisfront_join(co, rf, &o);
        if (rc == -ENOENT) {
            fprintf(stderr, "trawl crawl: there is no crawl '%s' in Redis: start one with seed "
                    "URLs\n", c->crawl_name);
            return CLI_EXIT_USAGE;
        }
        if (rc < 0)
            goto fail;
        code = adopt_config(c, o.config);
        if (code >= 0)
            return code;
        if (c->nseeds == 0) {
            fprintf(stderr, "trawl crawl: crawl '%s' in Redis has no seeds\n", c->crawl_name);
            return CLI_EXIT_FATAL;
        }
        c->cfg.lease_ms = o.lease_ms;
        return -1;
    }
    redisfront_opts_init(&o);
    o.per_host = c->cfg.per_host;
    o.delay_ms = c->cfg.delay_ms;
    if (c->cfg.lease_ms > 0)
        o.lease_ms = c->cfg.lease_ms;
    if (c->max_leases)
        o.max_leases = c->max_leases;
    config = shared_config(c, true);
    if (!config)
        return CLI_EXIT_FATAL;
    o.config = config;
    rc = redisfront_create_crawl(co, rf, &o, NULL);
    core_free(config);
    if (rc == -EEXIST) {
        fprintf(stderr, "trawl crawl: %s\n", redisfront_error(rf));
        return CLI_EXIT_USAGE;
    }
    if (rc < 0)
        goto fail;
    c->cfg.lease_ms = o.lease_ms;
    return -1;

fail:
    fprintf(stderr, "trawl crawl: %s\n", redisfront_error(rf)[0] ? redisfront_error(rf)
                                                                 : core_strerror(rc));
    return CLI_EXIT_FATAL;
}

/* This worker's outputs: new, or (a worker restarted with its id) cut back to what Redis
 * recorded as committed. -1 to go on, or an exit code. */
static int open_shared_outputs(struct core_coro *co, struct cmd *c, struct redisfront *rf)
{
    enum file_format fmt = c->format_set ? c->format : file_format_for_path(c->output);
    struct core_buf kept;
    int rc, code;

    core_buf_init(&kept, 1u << 20);
    rc = redisfront_worker_lengths(co, rf, c->cfg.worker_id, &kept);
    if (rc == 0 && core_buf_putc(&kept, '\0') == 0) {
        c->cfg.redis_seq = (uint64_t)committed_len(kept.data, "seq");
        rc = crawl_output_reopen(c->output, fmt, committed_len(kept.data, "records"), &c->out);
        if (rc == 0 && c->skipped_path)
            rc = crawl_output_reopen(c->skipped_path, FILE_FORMAT_JSONL,
                                     committed_len(kept.data, "skipped"), &c->skipped);
    } else if (rc == -ENOENT) {
        rc = crawl_output_create(c->output, fmt, &c->out);
        if (rc == 0 && c->skipped_path)
            rc = crawl_output_create(c->skipped_path, FILE_FORMAT_JSONL, &c->skipped);
    }
    if (rc == 0 && kept.len > 0 && !(c->kept = core_buf_steal(&kept)))
        rc = -ENOMEM;
    core_buf_free(&kept);
    if (rc < 0) {
        fprintf(stderr, "trawl crawl: cannot go on with worker '%s''s outputs: %s\n",
                c->cfg.worker_id, redisfront_error(rf)[0] ? redisfront_error(rf)
                                                          : core_strerror(rc));
        return CLI_EXIT_FATAL;
    }
    if ((code = open_archive(c)) >= 0)
        return code;
    return open_summary(c);
}

static int finish(struct cmd *c, int rc);

static int shared_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;
    struct redis_client *client = NULL;
    struct redisfront *rf = NULL;
    struct redis_opts o;
    int rc;

    redis_opts_init(&o);
    o.outage_timeout_ms = c->redis_timeout_ms;
    rc = redis_client_create(core_coro_loop(co), c->redis_url, &o, &client);
    if (rc == 0)
        rc = redisfront_create(client, c->crawl_name, &rf);
    if (rc < 0) {
        fprintf(stderr, "trawl crawl: %s\n", core_strerror(rc));
        c->shared_code = CLI_EXIT_FATAL;
    }
    if (rc == 0 && (c->shared_code = join_shared(co, c, rf)) < 0)
        c->shared_code = open_shared_outputs(co, c, rf);
    if (c->shared_code < 0) {
        if (c->skipped)
            c->cfg.on_skip = on_skip;
        c->cfg.seeds = (const char *const *)c->seeds;
        c->cfg.nseeds = c->nseeds;
        c->cfg.on_record = on_record;
        c->cfg.state_files = state_files;
        c->cfg.arg = c;
        c->cfg.redis = rf;
        if (c->verbosity >= 0 && isatty(STDERR_FILENO))
            c->cfg.on_progress = on_progress;
        c->run_rc = crawl_run(co, &c->cfg, c->stop, &c->st);
    }
    redisfront_destroy(rf);
    redis_client_destroy(client);
    return 0;
}

/* Run this worker of a shared crawl. The exit code. */
static int run_shared(struct cmd *c)
{
    int rc, code;

    signal(SIGPIPE, SIG_IGN);
    c->shared_code = -1;
    rc = cli_run(shared_body, c, &c->stop);
    if (c->shared_code >= 0 || !c->out) {
        crawl_output_destroy(c->skipped);
        crawl_output_destroy(c->out);
        app_outfile_close(c->summary);
        return c->shared_code >= 0 ? c->shared_code : CLI_EXIT_FATAL;
    }
    code = finish(c, rc);
    if (c->st.state_error && code != CLI_EXIT_FATAL)
        code = CLI_EXIT_FATAL;
    if (c->st.state_error)
        fprintf(stderr, "trawl crawl: worker '%s' stopped; start it again with the same "
                "--worker-id to go on with crawl '%s'\n", c->cfg.worker_id, c->crawl_name);
    return code;
}

/* After the run: the summaries, the archive and the outputs finished. The exit code. */
static int finish(struct cmd *c, int rc)
{
    int code, close_rc;

    if (rc == 0)
        rc = c->run_rc;
    clear_progress(c);
    /* one snapshot for both summaries: finishing the archive adds no record */
    if (c->cfg.warc)
        crawl_warc_counts(c->cfg.warc, &c->archived);
    if (c->verbosity >= 0)
        crawl_summary_print(&c->st, c->cfg.warc ? &c->archived : NULL, c->warc.name);
    code = c->st.interrupted && !c->write_error ? CLI_EXIT_INTERRUPTED : CLI_EXIT_OK;
    if (rc < 0) {
        fprintf(stderr, "trawl crawl: %s\n", core_strerror(rc));
        code = CLI_EXIT_FATAL;
    }
    code = state_end(c, code);
    if (close_archive(c, rc) != 0)
        code = CLI_EXIT_FATAL;
    if ((rc = crawl_output_destroy(c->skipped)) < 0 && !c->write_error)
        c->write_error = rc;
    rc = crawl_output_destroy(c->out);
    if (rc < 0 || c->write_error) {
        fprintf(stderr, "trawl crawl: writing '%s' failed: %s\n", c->output,
                core_strerror(c->write_error ? c->write_error : rc));
        code = CLI_EXIT_FATAL;
    }
    if (c->summary) {
        /* also after a stop or a failed output: what was done is still worth saying */
        rc = write_summary(c);
        close_rc = app_outfile_close(c->summary);
        if (rc == 0)
            rc = close_rc;
        if (rc < 0) {
            fprintf(stderr, "trawl crawl: writing '%s' failed: %s\n", c->summary_path,
                    core_strerror(rc));
            code = CLI_EXIT_FATAL;
        }
    }
    return code;
}

int crawl_cmd_main(int argc, char **argv)
{
    struct cmd c;
    enum file_format fmt;
    int code, i, rc;

    memset(&c, 0, sizeof(c));
    crawl_config_init(&c.cfg);
    c.output = "-";
    c.redis_timeout_ms = 60000;
    if (scope_create(SCOPE_HOST, &c.cfg.scope) < 0)
        return CLI_EXIT_FATAL;
    code = parse_options(&c, argc, argv);
    if (code >= 0)
        goto out;
    if (c.resume_dir && (code = resume_options(&c, &argc, &argv)) >= 0)
        goto out;
    if ((code = check_state_options(&c)) >= 0 || (code = check_redis_options(&c)) >= 0)
        goto out;
    for (i = optind; i < argc; i++)
        add_seed(&c, argv[i], NULL, 0);
    if (c.input && (rc = cli_read_list(c.input, seed_from_list, &c)) < 0) {
        fprintf(stderr, "trawl crawl: cannot read '%s': %s\n", c.input, core_strerror(rc));
        code = CLI_EXIT_FATAL;
        goto out;
    }
    if (c.nseeds == 0 && (c.bad_seeds || !c.redis_url)) {
        code = cli_usage_error("crawl", c.bad_seeds ? "no valid seed URL" : "no seed URL given");
        goto out;
    }
    if (c.warc.name && !(c.command = command_line(argc, argv))) {
        code = CLI_EXIT_FATAL;
        goto out;
    }
    if (c.redis_url) {
        code = run_shared(&c);
        goto out;
    }
    if ((code = open_state(&c, argc, argv)) >= 0)
        goto out;
    fmt = c.format_set ? c.format : file_format_for_path(c.output);
    signal(SIGPIPE, SIG_IGN); /* a closed output pipe is an error to report, not a death */
    rc = open_output(&c, "records", c.output, fmt, &c.out);
    if (rc < 0) {
        fprintf(stderr, "trawl crawl: cannot write '%s': %s\n", c.output, core_strerror(rc));
        code = CLI_EXIT_FATAL;
        goto out;
    }
    if (c.skipped_path &&
        (rc = open_output(&c, "skipped", c.skipped_path, FILE_FORMAT_JSONL, &c.skipped)) < 0) {
        fprintf(stderr, "trawl crawl: cannot write '%s': %s\n", c.skipped_path, core_strerror(rc));
        crawl_output_destroy(c.out);
        code = CLI_EXIT_FATAL;
        goto out;
    }
    if ((code = open_archive(&c)) >= 0 || (code = open_summary(&c)) >= 0) {
        crawl_output_destroy(c.skipped);
        crawl_output_destroy(c.out);
        goto out;
    }
    if (c.skipped)
        c.cfg.on_skip = on_skip;
    c.cfg.seeds = (const char *const *)c.seeds;
    c.cfg.nseeds = c.nseeds;
    c.cfg.on_record = on_record;
    c.cfg.arg = &c;
    if (c.verbosity >= 0 && isatty(STDERR_FILENO))
        c.cfg.on_progress = on_progress;
    rc = cli_run(crawl_body, &c, &c.stop);
    code = finish(&c, rc);
out:
    cmd_free(&c);
    return code;
}
