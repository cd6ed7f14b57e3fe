/* app/orders_cmd.c: `trawl orders` (see orders_cmd.h and the README for every option).
 *
 * Everything that can be refused is refused before the first order is read: options, every
 * input file (exit 2 when one is missing), and both output files (opened at once; exit 1 when
 * one cannot be written). Results and rejects are buffered and written in whole lines, at
 * least whenever the pipeline has nothing more to record for the moment, and always before
 * exit, also after Ctrl-C.
 *
 * --state DIR keeps the run's progress in DIR (app/state/statedb.h; the engine commits it,
 * app/orders/progress.c), its command line (app/cli_state.h) and its batches' sizes and times
 * (app/orders_state.h); --resume DIR runs that command line again, in the directory it began
 * in, with only options that cannot change the run's outcome added, and reopens the outputs cut
 * back to their committed lengths. Without either, nothing differs.
 *
 * --enqueue with --redis and --stream appends the batches' lines to a Redis stream
 * (app/orders/stream.h) instead of processing them; --worker-id with them processes the stream
 * as a worker of its consumer group (app/orders/consumer.h): the outputs are cut back to the
 * lengths this worker committed in Redis, never truncated, and the pipeline reads from the
 * stream instead of batch files. */
#include "app/orders_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/cli_state.h"
#include "app/common/format.h"
#include "app/export/csvw.h"
#include "app/export/jsonw.h"
#include "app/orders/consumer.h"
#include "app/orders/orders.h"
#include "app/orders/stream.h"
#include "app/orders_state.h"
#include "app/orders_summary.h"
#include "app/export/outfile.h"
#include "app/state/runargs.h"
#include "app/state/statedb.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/sigwatch.h"
#include "redis/client.h"

#define FLUSH_AT (64u * 1024u)

static const char usage_text[] =
    "Usage: trawl orders [options] -o FILE BATCH...\n"
    "       trawl orders --resume DIR [-q] [--grace S] [--workers SPEC] [--concurrency N]\n"
    "                    [--rate N] [--summary FILE]\n"
    "       trawl orders --redis URL --stream NAME --enqueue BATCH...\n"
    "       trawl orders --redis URL --stream NAME --worker-id ID [options] -o FILE\n"
    "Process order batches: validate, price, optionally deliver over HTTP; every input line\n"
    "ends up exactly once in the results file or in the rejects file.\n"
    "\n"
    "Input:\n"
    "  BATCH...                JSONL files (one order per line) or CSV files (one row per item);\n"
    "                          '-' = stdin\n"
    "      --input-format F    jsonl or csv (default: .csv files are CSV, the rest JSONL)\n"
    "      --max-line-bytes N  longer lines are rejected (default 1048576)\n"
    "Processing:\n"
    "      --workers SPEC      e.g. validate=2,price=2,deliver=16 (the defaults)\n"
    "      --tax-rate PERCENT  add tax: PERCENT of the subtotal, rounded half to even\n"
    "Delivery (only with --endpoint):\n"
    "      --endpoint URL      POST each priced order as JSON, with Idempotency-Key: <id>\n"
    "      --concurrency N     requests in flight at most (default 16)\n"
    "      --rate N[/s]        at most N requests per second (default: no limit)\n"
    "      --timeout SECONDS   per request (default 10)\n"
    "      --retries N         retries on errors, timeouts, 5xx and 429 (default 3)\n"
    "      --max-retry-wait SECONDS  cap on backoff and Retry-After (default 30)\n"
    "Output:\n"
    "  -o, --output FILE       results ('-' = stdout)\n"
    "      --format FORMAT     jsonl or csv (default: from the file name, else jsonl)\n"
    "      --rejects FILE      rejects as JSONL (default: OUTPUT.rejects.jsonl)\n"
    "      --summary FILE      the summary as JSON\n"
    "  -q, --quiet             no summary on stderr\n"
    "      --grace SECONDS     after Ctrl-C, let deliveries in flight finish (default 5)\n"
    "Resuming (batches and outputs must be files):\n"
    "      --state DIR         keep the run's progress in DIR (created if missing; it must\n"
    "                          hold no state yet), so that the run can be resumed after a\n"
    "                          kill, Ctrl-C or a crash\n"
    "      --resume DIR        continue the run kept in DIR with its stored options; lines\n"
    "                          with a committed outcome are not done again\n"
    "On Redis:\n"
    "      --redis URL         redis://HOST:PORT/DB\n"
    "      --stream NAME       the stream of order lines\n"
    "      --enqueue           append every line of the batches to the stream (entries with\n"
    "                          source, line and data) instead of processing them\n"
    "      --worker-id ID      process the stream as worker ID of its consumer group;\n"
    "                          a worker restarted with its ID resumes its outputs\n"
    "      --until-drained     exit once the stream has no undelivered entry and the\n"
    "                          group none pending\n"
    "      --lease-ms N        take over entries idle this long in other workers\n"
    "                          (default 30000)\n"
    "      --max-deliveries N  an entry delivered more often is a dead letter: rejected\n"
    "                          and moved to NAME:dead (default 5)\n"
    "      --redis-timeout SECONDS  give up when Redis stays unreachable this long\n"
    "                          (default 60)\n"
    "  -h, --help\n"
    "\n"
    "Exit status: 0 done (rejected orders are data; also --resume of a finished run),\n"
    "1 fatal error, 2 usage error, 130 interrupted.\n";

enum {
    OPT_INPUT_FORMAT = 256, OPT_MAX_LINE, OPT_WORKERS, OPT_TAX, OPT_ENDPOINT, OPT_CONCURRENCY,
    OPT_RATE, OPT_TIMEOUT, OPT_RETRIES, OPT_MAX_RETRY_WAIT, OPT_FORMAT, OPT_REJECTS,
    OPT_SUMMARY, OPT_GRACE, OPT_STATE, OPT_RESUME, OPT_REDIS, OPT_STREAM, OPT_ENQUEUE,
    OPT_REDIS_TIMEOUT, OPT_WORKER_ID, OPT_UNTIL_DRAINED, OPT_LEASE_MS, OPT_MAX_DELIVERIES
};

static const struct option long_opts[] = {
    {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
    {"max-line-bytes", required_argument, NULL, OPT_MAX_LINE},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"tax-rate", required_argument, NULL, OPT_TAX},
    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"rate", required_argument, NULL, OPT_RATE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"max-retry-wait", required_argument, NULL, OPT_MAX_RETRY_WAIT},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"quiet", no_argument, NULL, 'q'},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"state", required_argument, NULL, OPT_STATE},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"stream", required_argument, NULL, OPT_STREAM},
    {"enqueue", no_argument, NULL, OPT_ENQUEUE},
    {"redis-timeout", required_argument, NULL, OPT_REDIS_TIMEOUT},
    {"worker-id", required_argument, NULL, OPT_WORKER_ID},
    {"until-drained", no_argument, NULL, OPT_UNTIL_DRAINED},
    {"lease-ms", required_argument, NULL, OPT_LEASE_MS},
    {"max-deliveries", required_argument, NULL, OPT_MAX_DELIVERIES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

struct sink {
    struct app_outfile *file;
    int err;
};

struct cmd {
    struct orders_config cfg;
    const char *output;
    const char *rejects_path;
    const char *summary_path;
    bool csv_out;
    bool quiet;
    char rejects_default[4096];
    struct sink results;
    struct sink rejects;
    struct core_sigwatch *stop;
    struct orders_stats st;
    int run_rc;
    struct core_buf *quoted;    /* each of cfg.inputs as a JSON string, or NULL */
    /* --state / --resume */
    const char *state_dir;      /* --state DIR */
    const char *resume_dir;     /* --resume DIR */
    const char *dir;            /* whichever of the two */
    char *resume_arg[2];        /* the argv elements of --resume DIR */
    bool summary_given;         /* --summary on this command line */
    struct statedb *state;
    struct runargs *stored;     /* the command line kept in the state */
    char **argv2;               /* --resume: the command line rebuilt from it */
    char *summary_abs;          /* --resume: a --summary given with it, made absolute */
    /* on Redis */
    const char *redis_url;      /* --redis */
    const char *stream;         /* --stream */
    bool enqueue;               /* --enqueue */
    int64_t redis_timeout_ms;   /* --redis-timeout */
    struct orders_stream_enqueue enq;
    int enq_rc;
    const char *worker_id;      /* --worker-id: process the stream */
    bool until_drained;
    int64_t lease_ms;
    unsigned max_deliveries;
    struct orders_consumer *consumer;
    struct orders_consumer_stats cst;
    int consumer_rc;            /* opening the consumer or its last commit failed */
    char consumer_error[512];
};

/* --- options ------------------------------------------------------------------------------ */

static int bad(const char *opt, const char *val)
{
    return cli_usage_error("orders", "invalid value '%s' for %s", val, opt);
}

/* "validate=2,price=2,deliver=16", any subset, any order. */
static bool parse_workers(const char *spec, struct orders_config *cfg)
{
    char copy[256], *tok, *save = NULL;

    if (strlen(spec) >= sizeof(copy))
        return false;
    strcpy(copy, spec);
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        uint64_t n;

        if (!eq || !cli_parse_u64(eq + 1, 1, 4096, &n))
            return false;
        *eq = '\0';
        if (strcmp(tok, "validate") == 0)
            cfg->validate_workers = (unsigned)n;
        else if (strcmp(tok, "price") == 0)
            cfg->price_workers = (unsigned)n;
        else if (strcmp(tok, "deliver") == 0)
            cfg->deliver_workers = (unsigned)n;
        else
            return false;
    }
    return true;
}

/* Options that --resume takes: they change how fast or how verbosely the run goes, never an
 * outcome (a result or a reject) or where it is written. */
static const int resume_allowed[] = {'q', OPT_GRACE, OPT_WORKERS, OPT_CONCURRENCY, OPT_RATE,
                                     OPT_SUMMARY, OPT_RESUME, 0};

static int parse_options(struct cmd *c, int argc, char **argv)
{
    struct orders_config *cfg = &c->cfg;
    const char *format = NULL;
    enum file_format ff;
    uint64_t n;
    int opt;

#if defined(__GLIBC__)
    optind = 0;     /* a full restart: --resume parses a second command line */
#else
    optind = 1;
#endif
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:qh", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage_text, stdout);
            return CLI_EXIT_OK;
        case OPT_INPUT_FORMAT:
            if (file_format_parse(optarg, &ff) < 0)
                return cli_usage_error("orders", "--input-format must be jsonl or csv, not '%s'", optarg);
            cfg->format = ff == FILE_FORMAT_CSV ? ORDERS_INPUT_CSV : ORDERS_INPUT_JSONL;
            break;
        case OPT_MAX_LINE:
            if (!cli_parse_u64(optarg, 64, ORDER_MAX_LINE, &n))
                return bad("--max-line-bytes", optarg);
            cfg->max_line = (size_t)n;
            break;
        case OPT_WORKERS:
            if (!parse_workers(optarg, cfg))
                return cli_usage_error("orders", "--workers wants e.g. validate=2,price=2,deliver=16, not '%s'", optarg);
            break;
        case OPT_TAX:
            if (money_rate_parse(optarg, &cfg->tax) < 0)
                return bad("--tax-rate", optarg);
            cfg->has_tax = true;
            break;
        case OPT_ENDPOINT:
            if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
                return cli_usage_error("orders", "--endpoint must be an http or https URL, not '%s'", optarg);
            cfg->endpoint = optarg;
            break;
        case OPT_CONCURRENCY:
            if (!cli_parse_u64(optarg, 1, 10000, &n))
                return bad("--concurrency", optarg);
            cfg->concurrency = (unsigned)n;
            break;
        case OPT_RATE: {
            char *end;
            double r = strtod(optarg, &end);

            if (end == optarg || !(r > 0) || (*end && strcmp(end, "/s") != 0))
                return bad("--rate", optarg);
            cfg->rate = r;
            break;
        }
        case OPT_TIMEOUT:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->fetch.timeout_ms))
                return bad("--timeout", optarg);
            break;
        case OPT_RETRIES:
            if (!cli_parse_u64(optarg, 0, 100, &n))
                return bad("--retries", optarg);
            cfg->retries = (unsigned)n;
            break;
        case OPT_MAX_RETRY_WAIT:
            if (!cli_parse_seconds(optarg, 86400000, &cfg->max_retry_wait_ms))
                return bad("--max-retry-wait", optarg);
            break;
        case 'o': c->output = optarg; break;
        case OPT_FORMAT:
            if (file_format_parse(optarg, &ff) < 0)
                return cli_usage_error("orders", "--format must be jsonl or csv, not '%s'", optarg);
            format = optarg;
            break;
        case OPT_REJECTS: c->rejects_path = optarg; break;
        case OPT_SUMMARY:
            c->summary_path = optarg;
            c->summary_given = true;
            break;
        case OPT_STATE:
        case OPT_RESUME:
            if (c->state_dir || c->resume_dir)
                return cli_usage_error("orders", "give one of --state and --resume, once");
            if (opt == OPT_RESUME) {
                /* the elements that hold it: "--resume=DIR", or "--resume" "DIR" */
                c->resume_arg[0] = argv[optind - 1];
                if (optarg == argv[optind - 1] && optind >= 2) {
                    c->resume_arg[0] = argv[optind - 2];
                    c->resume_arg[1] = argv[optind - 1];
                }
            }
            if (opt == OPT_STATE)
                c->state_dir = optarg;
            else
                c->resume_dir = optarg;
            c->dir = optarg;
            break;
        case OPT_REDIS: {
            struct redis_url u;
            const char *why;

            if (redis_url_parse(optarg, &u, &why) < 0)
                return cli_usage_error("orders", "--redis '%s': %s", optarg, why);
            c->redis_url = optarg;
            break;
        }
        case OPT_STREAM:
            if (!*optarg)
                return bad("--stream", optarg);
            c->stream = optarg;
            break;
        case OPT_ENQUEUE: c->enqueue = true; break;
        case OPT_REDIS_TIMEOUT:
            if (!cli_parse_seconds(optarg, 86400000, &c->redis_timeout_ms))
                return bad("--redis-timeout", optarg);
            break;
        case OPT_WORKER_ID:
            if (!*optarg || strlen(optarg) > 200)
                return bad("--worker-id", optarg);
            c->worker_id = optarg;
            break;
        case OPT_UNTIL_DRAINED: c->until_drained = true; break;
        case OPT_LEASE_MS:
            if (!cli_parse_u64(optarg, 10, 86400000, &n))
                return bad("--lease-ms", optarg);
            c->lease_ms = (int64_t)n;
            break;
        case OPT_MAX_DELIVERIES:
            if (!cli_parse_u64(optarg, 1, 1000000, &n))
                return bad("--max-deliveries", optarg);
            c->max_deliveries = (unsigned)n;
            break;
        case 'q': c->quiet = true; break;
        case OPT_GRACE:
            if (!cli_parse_seconds(optarg, 3600000, &cfg->grace_ms))
                return bad("--grace", optarg);
            break;
        case ':':
            return cli_usage_error("orders", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("orders", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!c->worker_id && (c->until_drained || c->lease_ms || c->max_deliveries))
        return cli_usage_error("orders", "--until-drained, --lease-ms and --max-deliveries need "
                               "--worker-id");
    if (c->worker_id) {
        if (!c->redis_url || !c->stream || c->enqueue)
            return cli_usage_error("orders", "--worker-id needs --redis and --stream, and no "
                                   "--enqueue");
        if (c->dir)
            return cli_usage_error("orders", "--worker-id keeps its progress in Redis: no --state "
                                   "or --resume");
        if (optind < argc)
            return cli_usage_error("orders", "--worker-id reads the stream: no batch file");
        if (!c->output || strcmp(c->output, "-") == 0 ||
            (c->rejects_path && strcmp(c->rejects_path, "-") == 0))
            return cli_usage_error("orders", "--worker-id needs -o and --rejects to be files: a "
                                   "restarted worker cuts them back to what it committed");
        if (cfg->format == ORDERS_INPUT_CSV)
            return cli_usage_error("orders", "a stream holds JSONL lines: no --input-format csv");
        if (!c->rejects_path) {
            snprintf(c->rejects_default, sizeof(c->rejects_default), "%s.rejects.jsonl",
                     c->output);
            c->rejects_path = c->rejects_default;
        }
        if (!format || file_format_parse(format, &ff) < 0)
            ff = file_format_for_path(c->output);
        c->csv_out = ff == FILE_FORMAT_CSV;
        cfg->format = ORDERS_INPUT_JSONL;
        if (cfg->deliver_workers < cfg->concurrency)
            cfg->deliver_workers = cfg->concurrency;
        return -1;
    }
    if (c->redis_url || c->stream || c->enqueue) {
        if (!c->redis_url || !c->stream || !c->enqueue)
            return cli_usage_error("orders", "--redis and --stream go with --enqueue or "
                                   "--worker-id");
        if (c->dir || c->output)
            return cli_usage_error("orders", "--enqueue takes no -o, --state or --resume");
        if (optind >= argc)
            return cli_usage_error("orders", "no batch file given");
        cfg->inputs = (const char *const *)argv + optind;
        cfg->ninputs = (size_t)(argc - optind);
        return -1;
    }
    if (c->resume_dir)
        return -1;  /* the rest comes from the state (state_resume) */
    if (!c->output)
        return cli_usage_error("orders", "-o FILE is required (the results file; '-' = stdout)");
    if (optind >= argc)
        return cli_usage_error("orders", "no batch file given");
    if (!c->rejects_path) {
        if (strcmp(c->output, "-") == 0)
            return cli_usage_error("orders", "with -o -, say where rejects go: --rejects FILE");
        snprintf(c->rejects_default, sizeof(c->rejects_default), "%s.rejects.jsonl", c->output);
        c->rejects_path = c->rejects_default;
    }
    if (!format || file_format_parse(format, &ff) < 0)
        ff = file_format_for_path(c->output);
    c->csv_out = ff == FILE_FORMAT_CSV;
    cfg->inputs = (const char *const *)argv + optind;
    cfg->ninputs = (size_t)(argc - optind);
    if (cfg->deliver_workers < cfg->concurrency)
        cfg->deliver_workers = cfg->concurrency; /* enough workers to fill the concurrency */
    return -1;
}

/* Every input must exist and be readable before anything is processed. */
static int check_inputs(const struct orders_config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->ninputs; i++) {
        int fd;

        if (strcmp(cfg->inputs[i], "-") == 0)
            continue;
        fd = open(cfg->inputs[i], O_RDONLY);
        if (fd < 0)
            return cli_usage_error("orders", "cannot read '%s': %s", cfg->inputs[i],
                                   strerror(errno));
        close(fd);
    }
    return -1;
}

/* --- output ------------------------------------------------------------------------------- */

/* Write whole records (one thread at a time: see orders.h). The first error sticks; the
 * pipeline stops the run when it sees it. */
static int sink_write(struct sink *s, const char *data, size_t len)
{
    if (!s->file || s->err)
        return s->err;
    s->err = app_outfile_write(s->file, data, len);
    return s->err;
}

static int write_results(const char *data, size_t len, void *arg)
{
    struct cmd *c = arg;

    return sink_write(&c->results, data, len);
}

static int write_rejects(const char *data, size_t len, void *arg)
{
    struct cmd *c = arg;

    return sink_write(&c->rejects, data, len);
}

/* A failed record is cut back out of the buffer, so what is written stays whole lines. */
static int finish_record(struct core_buf *out, size_t mark, int rc)
{
    if (rc < 0) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

static const char *const result_fields[] = {
    "id", "customer", "priority", "currency", "items", "units", "subtotal", "tax", "total",
    "status", "attempts", "http_status", "latency_ms", "source", "line"};
#define NRESULT (sizeof(result_fields) / sizeof(result_fields[0]))

/* Append a decimal integer. */
static int put_int(struct core_buf *out, int64_t v)
{
    char num[24], *p = num + sizeof(num);
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        *--p = '-';
    return core_buf_append(out, p, (size_t)(num + sizeof(num) - p));
}

#define LIT(out, s) core_buf_append(out, s, sizeof(s) - 1)

/* One JSONL result line, laid out directly: the record has a fixed shape, and the general
 * writer's bookkeeping cost as much as the rest of an order's processing. */
static int result_jsonl(const struct cmd *c, const struct orders_result *r, const char *status,
                        const char *prio, const char *sub, const char *tax, const char *tot,
                        const char *lat, struct core_buf *out)
{
    const struct core_buf *src = c->quoted ? &c->quoted[r->source_index] : NULL;
    const struct order *o = r->order;
    int rc;

    rc = LIT(out, "{\"id\":");
    rc = rc ? rc : jsonw_quote(out, o->id, o->id_len);
    rc = rc ? rc : LIT(out, ",\"customer\":");
    rc = rc ? rc : jsonw_quote(out, o->customer, o->customer_len);
    rc = rc ? rc : LIT(out, ",\"priority\":\"");
    rc = rc ? rc : core_buf_puts(out, prio);
    rc = rc ? rc : LIT(out, "\",\"currency\":\"");
    rc = rc ? rc : core_buf_append(out, o->currency, 3);
    rc = rc ? rc : LIT(out, "\",\"items\":");
    rc = rc ? rc : put_int(out, (int64_t)o->nitems);
    rc = rc ? rc : LIT(out, ",\"units\":");
    rc = rc ? rc : put_int(out, r->units);
    rc = rc ? rc : LIT(out, ",\"subtotal\":\"");
    rc = rc ? rc : core_buf_puts(out, sub);
    rc = rc ? rc : LIT(out, "\",\"tax\":\"");
    rc = rc ? rc : core_buf_puts(out, tax);
    rc = rc ? rc : LIT(out, "\",\"total\":\"");
    rc = rc ? rc : core_buf_puts(out, tot);
    rc = rc ? rc : LIT(out, "\",\"status\":\"");
    rc = rc ? rc : core_buf_puts(out, status);
    rc = rc ? rc : LIT(out, "\",\"attempts\":");
    rc = rc ? rc : put_int(out, r->attempts);
    rc = rc ? rc : LIT(out, ",\"http_status\":");
    rc = rc ? rc : (r->http_status ? put_int(out, r->http_status) : LIT(out, "null"));
    rc = rc ? rc : LIT(out, ",\"latency_ms\":");
    rc = rc ? rc : (r->delivered ? core_buf_puts(out, lat) : LIT(out, "null"));
    rc = rc ? rc : LIT(out, ",\"source\":");
    rc = rc ? rc : (src ? core_buf_append(out, src->data, src->len)
                        : jsonw_quote(out, r->source, strlen(r->source)));
    rc = rc ? rc : LIT(out, ",\"line\":");
    rc = rc ? rc : put_int(out, (int64_t)r->first_line);
    rc = rc ? rc : LIT(out, "}\n");
    return rc;
}

/* The formatters run on pool threads: they read the cmd's settings and touch nothing else. */
static int format_result(const struct orders_result *r, struct core_buf *out, void *arg)
{
    const struct cmd *c = arg;
    const struct order *o = r->order;
    char sub[48], tax[48], tot[48], lat[32];
    const char *status = r->delivered ? "delivered" : "priced";
    const char *prio = order_priority_name(o->priority);
    size_t mark = out->len;
    int rc;

    money_format(r->subtotal, o->decimals, sub, sizeof(sub));
    money_format(r->tax, o->decimals, tax, sizeof(tax));
    money_format(r->total, o->decimals, tot, sizeof(tot));
    if (r->delivered)
        snprintf(lat, sizeof(lat), "%.1f", r->latency_ms);
    if (c->csv_out) {
        struct csvw w;

        csvw_init(&w, out);
        csvw_field(&w, o->id, o->id_len);
        csvw_field(&w, o->customer, o->customer_len);
        csvw_field(&w, prio, strlen(prio));
        csvw_field(&w, o->currency, 3);
        csvw_field_int(&w, (int64_t)o->nitems);
        csvw_field_int(&w, r->units);
        csvw_field(&w, sub, strlen(sub));
        csvw_field(&w, tax, strlen(tax));
        csvw_field(&w, tot, strlen(tot));
        csvw_field(&w, status, strlen(status));
        csvw_field_int(&w, r->attempts);
        if (r->http_status)
            csvw_field_int(&w, r->http_status);
        else
            csvw_field(&w, "", 0);
        if (r->delivered)
            csvw_field(&w, lat, strlen(lat));
        else
            csvw_field(&w, "", 0);
        csvw_field(&w, r->source, strlen(r->source));
        csvw_field_int(&w, (int64_t)r->first_line);
        rc = csvw_end_row(&w);
    } else {
        rc = result_jsonl(c, r, status, prio, sub, tax, tot, lat, out);
    }
    return finish_record(out, mark, rc);
}

static int format_reject(const struct orders_reject *r, struct core_buf *out, void *arg)
{
    const char *cls = orders_reject_class_name(r->cls);
    size_t mark = out->len;
    struct jsonw w;
    int rc;

    (void)arg;
    jsonw_init(&w, out);
    jsonw_begin_object(&w);
    jsonw_key(&w, "source");
    jsonw_string(&w, r->source, strlen(r->source));
    jsonw_key(&w, "line");
    jsonw_int(&w, (int64_t)r->first_line);
    if (r->last_line != r->first_line) {
        jsonw_key(&w, "last_line");
        jsonw_int(&w, (int64_t)r->last_line);
    }
    jsonw_key(&w, "class");
    jsonw_string(&w, cls, strlen(cls));
    jsonw_key(&w, "error");
    jsonw_string(&w, r->error, strlen(r->error));
    jsonw_key(&w, "input");
    if (r->input)
        jsonw_string(&w, r->input, r->input_len);
    else
        jsonw_null(&w);
    if (r->cls == ORDERS_R_DELIVERY) {
        jsonw_key(&w, "http_status");
        if (r->http_status)
            jsonw_int(&w, r->http_status);
        else
            jsonw_null(&w);
        jsonw_key(&w, "attempts");
        jsonw_int(&w, r->attempts);
    }
    jsonw_end_object(&w);
    rc = jsonw_finish(&w);
    if (rc == 0)
        rc = core_buf_putc(out, '\n');
    return finish_record(out, mark, rc);
}

static int sink_open(struct sink *s, const char *path)
{
    return app_outfile_open(path, &s->file);
}

static int sink_close(struct sink *s)
{
    int rc = app_outfile_close(s->file);

    s->file = NULL;
    return s->err ? s->err : rc;
}

/* --- --state and --resume ------------------------------------------------------------------- */

/* An output of a run with a state: cut back to its committed length (0 for a new run), never
 * truncated; a new one's directory entry synced. 0, or an error said on stderr. */
static int sink_reopen(struct cmd *c, struct sink *s, const char *name, const char *path)
{
    const int64_t len = statedb_output_len(c->state, name);
    int rc;

    if (len < 0) {
        fprintf(stderr, "trawl orders: cannot read the state in %s: %s\n", c->dir,
                core_strerror((int)len));
        return (int)len;
    }
    rc = app_outfile_reopen(path, len, &s->file);
    if (rc == 0 && len == 0 && (rc = statedb_sync_parent(path)) < 0) {
        (void)app_outfile_close(s->file);
        s->file = NULL;
    }
    if (rc == -EIO || (rc == -ENOENT && len > 0))
        fprintf(stderr, "trawl orders: '%s' is %s, but %lld bytes of it were committed: the "
                "run cannot resume without them\n", path, rc == -EIO ? "shorter" : "missing",
                (long long)len);
    else if (rc < 0)
        fprintf(stderr, "trawl orders: cannot write '%s': %s\n", path, core_strerror(rc));
    return rc;
}

/* Both outputs' bytes so far onto the disk, before a commit records their lengths (a pool
 * thread, while the recorders may write). */
static int sync_outputs(void *arg)
{
    const struct cmd *c = arg;
    int rc = statedb_sync_file(app_outfile_fd(c->results.file));

    return rc ? rc : statedb_sync_file(app_outfile_fd(c->rejects.file));
}

static void free_state(struct cmd *c)
{
    core_free(c->argv2);
    core_free(c->stored);
    core_free(c->summary_abs);
    statedb_close(c->state);
    c->argv2 = NULL;
    c->stored = NULL;
    c->summary_abs = NULL;
    c->state = NULL;
}

/* --state DIR: a new state in DIR, with this command line and the batches as they are now. -1
 * to go on, else an exit code (said on stderr). */
static int state_create(struct cmd *c, int argc, char **argv)
{
    char msg[512] = "";
    bool finished;
    size_t i;
    int code;

    for (i = 0; i < c->cfg.ninputs; i++)
        if (strcmp(c->cfg.inputs[i], "-") == 0)
            return cli_usage_error("orders", "--state needs BATCH files: stdin cannot be read "
                                   "again on resume");
    if (strcmp(c->output, "-") == 0 || strcmp(c->rejects_path, "-") == 0)
        return cli_usage_error("orders", "--state needs -o and --rejects to be files: a resumed "
                               "run cuts them back to what was committed");
    code = cli_state_open("orders", c->state_dir, false, argc, argv, &c->state, &c->stored,
                          &finished);
    if (code != 0)
        return code;
    if (orders_state_save_inputs(c->state, c->cfg.inputs, c->cfg.ninputs, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "trawl orders: %s\n", msg);
        free_state(c);
        return CLI_EXIT_FATAL;
    }
    return -1;
}

/* A --summary given with --resume names a file where the caller is: made absolute before the
 * resume moves to the directory the run began in. NULL when out of memory. */
static char *callers_path(const char *path)
{
    char cwd[4096], *out;
    size_t a, b;

    if (path[0] == '/' || strcmp(path, "-") == 0 || !getcwd(cwd, sizeof(cwd)))
        return core_strdup(path);
    a = strlen(cwd);
    b = strlen(path);
    out = core_malloc(a + b + 2);
    if (out) {
        memcpy(out, cwd, a);
        out[a] = '/';
        memcpy(out + a + 1, path, b + 1);
    }
    return out;
}

/* --resume DIR: the command line kept in DIR, run again where it began (cli_state_open moves
 * there), with the options given now (only resume_allowed) after the stored ones, so that they
 * win. -1 to go on, else an exit code (said on stderr). */
static int state_resume(struct cmd *c, int argc, char **argv)
{
    const char *dir = c->resume_dir;
    const bool quiet = c->quiet, summary_now = c->summary_given;
    char *const resume_arg[2] = {c->resume_arg[0], c->resume_arg[1]};
    char msg[512] = "", **argv2, *summary = NULL;
    struct runargs *stored = NULL;
    struct statedb *db = NULL;
    bool finished;
    int code, i, k = 0;

    code = cli_state_check_resume("orders", argc, argv, ":o:qh", long_opts, resume_allowed);
    if (code != 0)
        return code;
    if (summary_now && !(summary = callers_path(c->summary_path)))
        return CLI_EXIT_FATAL;
    code = cli_state_open("orders", dir, true, argc, argv, &db, &stored, &finished);
    if (code != 0) {
        core_free(summary);
        return code;
    }
    if (finished) {
        if (!quiet)
            fprintf(stderr, "trawl orders: the run kept in %s has finished: nothing to resume\n",
                    dir);
        statedb_close(db);
        core_free(stored);
        core_free(summary);
        return CLI_EXIT_OK;
    }
    argv2 = core_calloc((size_t)stored->argc + (size_t)argc + 2, sizeof(*argv2));
    if (!argv2) {
        statedb_close(db);
        core_free(stored);
        core_free(summary);
        return CLI_EXIT_FATAL;
    }
    argv2[k++] = stored->argv[0];
    for (i = 1; i < stored->argc && strcmp(stored->argv[i], "--") != 0; i++)
        argv2[k++] = stored->argv[i];
    for (int j = 1; j < argc; j++)
        if (argv[j] != resume_arg[0] && argv[j] != resume_arg[1])
            argv2[k++] = argv[j];
    for (; i < stored->argc; i++)   /* after "--": only batches */
        argv2[k++] = stored->argv[i];
    memset(c, 0, sizeof(*c));
    orders_config_init(&c->cfg);
    c->state = db;
    c->stored = stored;
    c->argv2 = argv2;
    c->summary_abs = summary;
    code = parse_options(c, k, argv2);
    c->state_dir = NULL;        /* the stored line has --state DIR: this run resumes it */
    c->resume_dir = c->dir = dir;
    if (code >= 0) {
        fprintf(stderr, "trawl orders: the options kept in %s are no longer valid\n", dir);
        free_state(c);
        return CLI_EXIT_FATAL;
    }
    if (summary)
        c->summary_path = summary;
    code = check_inputs(&c->cfg);
    if (code < 0 &&
        orders_state_check_inputs(c->state, c->cfg.inputs, c->cfg.ninputs, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "trawl orders: %s\n", msg);
        code = CLI_EXIT_FATAL;
    }
    if (code >= 0)
        free_state(c);
    return code;
}

/* --- summary ------------------------------------------------------------------------------ */

static int write_summary(const struct cmd *c)
{
    struct app_outfile *f;
    struct core_buf b;
    int rc;

    core_buf_init(&b, 1u << 20);
    rc = orders_summary_json(&c->st, c->state ? c->dir : NULL, &b);
    if (rc == 0)
        rc = app_outfile_open(c->summary_path, &f);
    if (rc == 0) {
        rc = app_outfile_write(f, b.data, b.len);
        if (app_outfile_close(f) < 0 && rc == 0)
            rc = -EIO;
    }
    core_buf_free(&b);
    return rc;
}

/* --- running ------------------------------------------------------------------------------ */

/* The CSV header, unless the results already have it (a resumed output: committed with the
 * first records). */
static void write_csv_header(struct cmd *c)
{
    struct core_buf head;
    struct csvw w;
    size_t i;

    if (!c->csv_out || app_outfile_length(c->results.file) != 0)
        return;
    core_buf_init(&head, 4096);
    csvw_init(&w, &head);
    for (i = 0; i < NRESULT; i++)
        csvw_field(&w, result_fields[i], strlen(result_fields[i]));
    if (csvw_end_row(&w) == 0)
        (void)sink_write(&c->results, head.data, head.len);
    core_buf_free(&head);
}

/* A worker's output, cut back to the length it committed in Redis (never truncated). 0, or an
 * error said in c->consumer_error. */
static int stream_reopen(struct cmd *c, struct sink *s, const char *path, int64_t len)
{
    int rc = app_outfile_reopen(path, len, &s->file);

    if (rc == -EIO || (rc == -ENOENT && len > 0))
        snprintf(c->consumer_error, sizeof(c->consumer_error), "'%s' is %s, but worker %s "
                 "committed %lld bytes of it: it cannot go on without them", path,
                 rc == -EIO ? "shorter" : "missing", c->worker_id, (long long)len);
    else if (rc < 0)
        snprintf(c->consumer_error, sizeof(c->consumer_error), "cannot write '%s': %s", path,
                 core_strerror(rc));
    return rc;
}

/* --worker-id: join the group, cut the outputs back, run the pipeline on the stream, commit. */
static int stream_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;
    struct orders_consumer_opts o;
    struct redis_opts ro;
    int64_t out_len = 0, rej_len = 0;
    int rc;

    redis_opts_init(&ro);
    ro.outage_timeout_ms = c->redis_timeout_ms;
    memset(&o, 0, sizeof(o));
    o.url = c->redis_url;
    o.redis = &ro;
    o.stream = c->stream;
    o.worker = c->worker_id;
    o.lease_ms = c->lease_ms ? c->lease_ms : 30000;
    o.max_deliveries = c->max_deliveries ? c->max_deliveries : 5;
    o.until_drained = c->until_drained;
    o.commit_ms = c->cfg.commit_ms;
    o.block_ms = 100;
    o.max_line = c->cfg.max_line;
    o.sync_outputs = sync_outputs;
    o.arg = c;
    rc = orders_consumer_open(co, &o, &c->consumer, c->consumer_error,
                              sizeof(c->consumer_error));
    if (rc < 0) {
        c->consumer_rc = rc;
        return 0;
    }
    orders_consumer_committed(c->consumer, &out_len, &rej_len);
    rc = stream_reopen(c, &c->results, c->output, out_len);
    if (rc == 0)
        rc = stream_reopen(c, &c->rejects, c->rejects_path, rej_len);
    if (rc == 0) {
        write_csv_header(c);
        c->cfg.feed = orders_consumer_feed(c->consumer);
        c->cfg.inputs = orders_consumer_sources(c->consumer);
        c->cfg.ninputs = 0;
        rc = orders_consumer_start(c->consumer, app_outfile_length(c->results.file),
                                   app_outfile_length(c->rejects.file));
    }
    if (rc == 0) {
        c->run_rc = orders_run(co, &c->cfg, c->stop, &c->st);
        /* everything written is committed, also after an error or a stop */
        rc = orders_consumer_finish(co, c->consumer);
    }
    if (rc < 0) {
        c->consumer_rc = rc;
        if (!c->consumer_error[0])
            snprintf(c->consumer_error, sizeof(c->consumer_error), "%s",
                     orders_consumer_error(c->consumer));
    } else if (!c->consumer_error[0]) {
        snprintf(c->consumer_error, sizeof(c->consumer_error), "%s",
                 orders_consumer_error(c->consumer));
    }
    orders_consumer_stats(c->consumer, &c->cst);
    orders_consumer_destroy(c->consumer);
    c->consumer = NULL;
    return 0;
}

static void free_sources(struct cmd *c)
{
    size_t i;

    for (i = 0; c->quoted && i < c->cfg.ninputs; i++)
        core_buf_free(&c->quoted[i]);
    core_free(c->quoted);
    c->quoted = NULL;
}

/* Quote the input paths once, not in every result line. Out of memory leaves c->quoted NULL
 * (each line then quotes its own). */
static void quote_sources(struct cmd *c)
{
    size_t i;

    c->quoted = core_calloc(c->cfg.ninputs, sizeof(*c->quoted));
    for (i = 0; c->quoted && i < c->cfg.ninputs; i++) {
        core_buf_init(&c->quoted[i], 1u << 20);
        if (jsonw_quote(&c->quoted[i], c->cfg.inputs[i], strlen(c->cfg.inputs[i])) < 0) {
            free_sources(c);
            return;
        }
    }
}

static int orders_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;

    c->run_rc = orders_run(co, &c->cfg, c->stop, &c->st);
    return c->run_rc;
}

/* Open the outputs, run, close, report: the exit code. */
static int orders_with_outputs(struct cmd *c)
{
    int code, rc;

    signal(SIGPIPE, SIG_IGN);
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    /* Orders and their items are made on one pool thread and freed on another; with an arena
     * per thread every such free goes to a foreign arena and each arena keeps its own slack.
     * One arena (set before the pool's threads exist) measured 45.6 instead of 48.6 MB peak
     * RSS at 10M orders, and no slower: the per-thread caches still serve most calls. */
    mallopt(M_ARENA_MAX, 1);
    /* Fixed thresholds: glibc otherwise raises them as large blocks (the id set's filters) are
     * freed, and then keeps up to twice the largest such block unreturned. 10M orders: peak
     * RSS 49.5 -> 47.1 MB. The pipeline reuses its large buffers, so no mmap churn follows. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#endif
    if (c->worker_id) {
        /* opened by stream_body, once Redis has said how long they are */
    } else if (c->state) {
        if (sink_reopen(c, &c->results, "results", c->output) < 0)
            return CLI_EXIT_FATAL;
        if (sink_reopen(c, &c->rejects, "rejects", c->rejects_path) < 0) {
            sink_close(&c->results);
            return CLI_EXIT_FATAL;
        }
    } else {
        rc = sink_open(&c->results, c->output);
        if (rc < 0) {
            fprintf(stderr, "trawl orders: cannot write '%s': %s\n", c->output, core_strerror(rc));
            return CLI_EXIT_FATAL;
        }
        rc = sink_open(&c->rejects, c->rejects_path);
        if (rc < 0) {
            fprintf(stderr, "trawl orders: cannot write '%s': %s\n", c->rejects_path,
                    core_strerror(rc));
            sink_close(&c->results);
            return CLI_EXIT_FATAL;
        }
    }
    if (!c->worker_id)
        write_csv_header(c);
    c->cfg.format_result = format_result;
    c->cfg.format_reject = format_reject;
    c->cfg.write_results = write_results;
    c->cfg.write_rejects = write_rejects;
    c->cfg.arg = c;
    if (c->state) {
        c->cfg.state = c->state;
        c->cfg.results_path = c->output;
        c->cfg.rejects_path = c->rejects_path;
        c->cfg.results_len = app_outfile_length(c->results.file);
        c->cfg.rejects_len = app_outfile_length(c->rejects.file);
        c->cfg.sync_outputs = sync_outputs;
    }
    if (!c->worker_id)
        quote_sources(c);
    /* a commit waits for fdatasync on a pool thread: one more thread, so that the validators
     * and recorders keep a thread per CPU meanwhile (it is idle between commits) */
    if (c->state)
        cli_pool_size_extra(1);
    rc = cli_run(c->worker_id ? stream_body : orders_body, c, &c->stop);
    free_sources(c);
    if (rc == 0)
        rc = c->run_rc;
    code = c->st.interrupted ? CLI_EXIT_INTERRUPTED : CLI_EXIT_OK;
    if (c->consumer_rc < 0) {
        if (c->consumer_error[0])
            fprintf(stderr, "trawl orders: %s\n", c->consumer_error);
        fprintf(stderr, "trawl orders: stream %s: %s; the entries not committed stay pending "
                "for worker %s\n", c->stream, core_strerror(c->consumer_rc), c->worker_id);
        code = CLI_EXIT_FATAL;
    } else if (c->worker_id && (c->st.input_error || rc < 0) && c->consumer_error[0]) {
        /* the feed's or the id check's (rc: the run ended on it, see orders_feed) */
        fprintf(stderr, "trawl orders: %s\n", c->consumer_error);
    }
    if (c->st.state_error) {
        fprintf(stderr, "trawl orders: cannot commit the state in %s: %s; it stays resumable "
                "from its last commit\n", c->dir, core_strerror(c->st.state_error));
        code = CLI_EXIT_FATAL;
    } else if (rc < 0) {
        fprintf(stderr, "trawl orders: %s\n", core_strerror(rc));
        code = CLI_EXIT_FATAL;
    }
    if (c->st.input_error)
        code = CLI_EXIT_FATAL;
    if ((rc = sink_close(&c->results)) < 0) {
        fprintf(stderr, "trawl orders: writing '%s' failed: %s\n", c->output, core_strerror(rc));
        code = CLI_EXIT_FATAL;
    }
    if ((rc = sink_close(&c->rejects)) < 0) {
        fprintf(stderr, "trawl orders: writing '%s' failed: %s\n", c->rejects_path,
                core_strerror(rc));
        code = CLI_EXIT_FATAL;
    }
    if (!c->quiet)
        orders_summary_print(&c->st, c->state ? c->dir : NULL);
    if (!c->quiet && c->worker_id)
        fprintf(stderr, "stream %s, worker %s: %" PRIu64 " entries read (%" PRIu64 " from its "
                "own pending list, %" PRIu64 " taken over), %" PRIu64 " acked in %" PRIu64
                " commits, %" PRIu64 " dead letters, %" PRIu64 " taken over by others before "
                "their commit, %" PRIu64 " deleted while pending, %" PRIu64 " deliveries cut off "
                "by the stop left pending\n", c->stream, c->worker_id, c->cst.read,
                c->cst.replayed, c->cst.claimed, c->cst.acked, c->cst.commits, c->cst.dead,
                c->cst.lost, c->cst.missing, c->st.abandoned);
    if (!orders_summary_adds_up(&c->st)) {
        fprintf(stderr, "trawl orders: internal error: results and rejects do not add up to the input\n");
        code = CLI_EXIT_FATAL;
    }
    if (c->summary_path && (rc = write_summary(c)) < 0) {
        fprintf(stderr, "trawl orders: writing '%s' failed: %s\n", c->summary_path, core_strerror(rc));
        code = CLI_EXIT_FATAL;
    }
    return code;
}

/* --- --enqueue ---------------------------------------------------------------------------- */

static int enqueue_body(struct core_coro *co, void *arg)
{
    struct cmd *c = arg;
    struct redis_client *rc;
    struct redis_opts o;

    redis_opts_init(&o);
    o.outage_timeout_ms = c->redis_timeout_ms;
    c->enq_rc = redis_client_create(core_coro_loop(co), c->redis_url, &o, &rc);
    if (c->enq_rc < 0) {
        snprintf(c->enq.error, sizeof(c->enq.error), "Redis: %s", core_strerror(c->enq_rc));
        return c->enq_rc;
    }
    c->enq.stop = c->stop;
    c->enq_rc = orders_stream_enqueue(co, rc, &c->enq);
    redis_client_destroy(rc);
    return c->enq_rc;
}

/* Append the batches to the stream: the exit code. */
static int orders_enqueue(struct cmd *c)
{
    int rc;

    signal(SIGPIPE, SIG_IGN);
    c->enq.inputs = c->cfg.inputs;
    c->enq.ninputs = c->cfg.ninputs;
    c->enq.stream = c->stream;
    c->enq.max_line = c->cfg.max_line;
    rc = cli_run(enqueue_body, c, &c->stop);
    if (rc < 0) {
        fprintf(stderr, "trawl orders: %s\n", core_strerror(rc));
        return CLI_EXIT_FATAL;
    }
    printf("%" PRIu64 " entries added to stream %s\n", c->enq.added, c->stream);
    if (c->enq_rc == -ECANCELED)
        return CLI_EXIT_INTERRUPTED;
    if (c->enq_rc < 0) {
        fprintf(stderr, "trawl orders: %s; %" PRIu64 " entries were added before\n", c->enq.error,
                c->enq.added);
        return CLI_EXIT_FATAL;
    }
    return CLI_EXIT_OK;
}

int orders_cmd_main(int argc, char **argv)
{
    struct cmd c;
    int code;

    memset(&c, 0, sizeof(c));
    orders_config_init(&c.cfg);
    c.redis_timeout_ms = 60000;
    code = parse_options(&c, argc, argv);
    if (code >= 0)
        return code;
    if (c.enqueue) {
        code = check_inputs(&c.cfg);
        return code >= 0 ? code : orders_enqueue(&c);
    }
    if (c.resume_dir) {
        code = state_resume(&c, argc, argv);
    } else {
        code = check_inputs(&c.cfg);
        if (code < 0 && c.state_dir)
            code = state_create(&c, argc, argv);
    }
    if (code >= 0)
        return code;
    code = orders_with_outputs(&c);
    free_state(&c);
    return code;
}
