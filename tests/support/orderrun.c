/* tests/support/orderrun.c: see orderrun.h. */
#include "tests/support/orderrun.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/proc.h"

int64_t orun_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ep_key *ep_slot(struct endpoint *e, const char *key)
{
    uint64_t h = 1469598103934665603u;
    const char *k;
    size_t i;

    for (k = key; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211u;
    for (i = h & (EP_SLOTS - 1);; i = (i + 1) & (EP_SLOTS - 1)) {
        struct ep_key *s = &e->slots[i];

        if (s->key[0] == '\0') {
            snprintf(s->key, sizeof(s->key), "%s", key);
            return s;
        }
        if (strcmp(s->key, key) == 0)
            return s;
    }
}

void endpoint(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    static const char ok[] = "{\"ok\":true}";
    struct endpoint *e = arg;
    char key[64] = "";
    struct ep_key *k;
    bool first;

    if (!httpd_header(req, "Idempotency-Key", key, sizeof(key)) || strlen(key) >= 32) {
        httpd_respond(resp, 400, "text/plain", NULL, "no key", 6);
        return;
    }
    pthread_mutex_lock(&e->mu);
    e->requests++;
    k = ep_slot(e, key);
    k->tries++;
    if (k->committed)
        e->violations++;
    if (strncmp(key, "BAD-", 4) == 0) {
        pthread_mutex_unlock(&e->mu);
        httpd_respond(resp, 400, "application/json", NULL, "{\"error\":\"unknown sku\"}", 23);
        return;
    }
    if (strncmp(key, "FLAKY-", 6) == 0 && k->tries == 1) {
        pthread_mutex_unlock(&e->mu);
        httpd_respond(resp, 503, "text/plain", NULL, "busy", 4);
        return;
    }
    first = k->processed == 0;
    k->processed = 1;
    k->ok++;
    if (first)
        e->processed++;
    else
        e->replays++;   /* the stored answer, not a second processing */
    resp->delay_ms = e->delay_ms;
    pthread_mutex_unlock(&e->mu);
    httpd_respond(resp, 201, "application/json", NULL, ok, sizeof(ok) - 1);
}

struct endpoint *endpoint_new(void)
{
    struct endpoint *e = calloc(1, sizeof(*e));

    assert_non_null(e);
    e->slots = calloc(EP_SLOTS, sizeof(*e->slots));
    assert_non_null(e->slots);
    pthread_mutex_init(&e->mu, NULL);
    return e;
}

void endpoint_free(struct endpoint *e)
{
    pthread_mutex_destroy(&e->mu);
    free(e->slots);
    free(e);
}

unsigned long ep_requests(struct endpoint *e)
{
    unsigned long n;

    pthread_mutex_lock(&e->mu);
    n = e->requests;
    pthread_mutex_unlock(&e->mu);
    return n;
}

/* Read or set a counter of e under its lock (the server thread writes them). */
unsigned long ep_get(struct endpoint *e, const unsigned long *field)
{
    unsigned long n;

    pthread_mutex_lock(&e->mu);
    n = *field;
    pthread_mutex_unlock(&e->mu);
    return n;
}

void ep_set_delay(struct endpoint *e, unsigned ms)
{
    pthread_mutex_lock(&e->mu);
    e->delay_ms = ms;
    pthread_mutex_unlock(&e->mu);
}


/* Start trawl with argv (without the program name) in directory cwd (NULL: here), stderr to
 * errpath, and files no larger than fsize bytes (0: no limit; SIGXFSZ ignored, so a write past
 * it fails with EFBIG). */
pid_t orun_spawn_limited(const char *cwd, const char *const *argv, const char *errpath,
                         long fsize)
{
    const char *args[32];
    size_t n = 0;
    pid_t pid;

    args[n++] = TRAWL;
    while (*argv && n < 31)
        args[n++] = *argv++;
    args[n] = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        if (cwd && chdir(cwd) < 0)
            _exit(126);
        if (fsize > 0) {
            struct rlimit rl = {(rlim_t)fsize, (rlim_t)fsize};

            signal(SIGXFSZ, SIG_IGN);
            if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
                _exit(125);
        }
        dup2(in, 0);
        dup2(in, 1);
        dup2(err, 2);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execv(args[0], (char *const *)(uintptr_t)args);
        _exit(127);
    }
    return pid;
}

pid_t orun_spawn(const char *cwd, const char *const *argv, const char *errpath)
{
    return orun_spawn_limited(cwd, argv, errpath, 0);
}

/* Reap pid if it has ended: true and *code (exit status, or 128 + signal). */
bool orun_ended(pid_t pid, int *code)
{
    int st;

    if (waitpid(pid, &st, WNOHANG) != pid)
        return false;
    *code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return true;
}

/* Wait for pid to end (a watchdog: the test fails after timeout_ms). */
int orun_reap(pid_t pid, int64_t timeout_ms)
{
    const int64_t deadline = orun_now_ms() + timeout_ms;
    int code;

    while (!orun_ended(pid, &code)) {
        if (orun_now_ms() > deadline) {
            kill(pid, SIGKILL);
            (void)waitpid(pid, NULL, 0);
            fail_msg("trawl did not end within %lld ms", (long long)timeout_ms);
        }
        usleep(2000);
    }
    return code;
}

int orun_run(const char *cwd, const char *const *argv, const char *errpath)
{
    return orun_reap(orun_spawn(cwd, argv, errpath), PROC_WATCHDOG_MS);
}

/* Run to the end and expect exit code want; else show its stderr and fail. */
void orun_expect_run(const char *cwd, const char *const *argv, const char *errpath, int want)
{
    int code = orun_run(cwd, argv, errpath);

    if (code != want) {
        char *text = proc_slurp(errpath);

        print_error("trawl %s %s: %s\n", argv[1], argv[2] ? argv[2] : "", text);
        free(text);
        fail_msg("exit %d, expected %d", code, want);
    }
}

char *orun_slurp_n(const char *path, size_t *len)
{
    struct stat st;
    char *buf;
    int fd = open(path, O_RDONLY);

    if (fd < 0) {
        *len = 0;
        return calloc(1, 1);
    }
    assert_int_equal(fstat(fd, &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
    buf[st.st_size] = '\0';
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
}

/* The value of "key":"..." in line (up to 31 bytes) into out; false when absent. */
bool orun_str_field(const char *line, const char *key, char *out, size_t cap)
{
    char pat[64];
    const char *at, *end;

    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    at = strstr(line, pat);
    if (!at)
        return false;
    at += strlen(pat);
    end = strchr(at, '"');
    if (!end || (size_t)(end - at) >= cap)
        return false;
    memcpy(out, at, (size_t)(end - at));
    out[end - at] = '\0';
    return true;
}

/* Mark, at the endpoint, every delivery the results file's first len bytes record. */
void orun_mark_committed(struct endpoint *e, const char *results, int64_t len)
{
    size_t n;
    char *text = orun_slurp_n(results, &n), *line, *nl;

    assert_true((int64_t)n >= len);
    text[len] = '\0';
    pthread_mutex_lock(&e->mu);
    for (line = text; *line; line = nl + 1) {
        char id[32];

        nl = strchr(line, '\n');
        assert_non_null(nl);            /* the committed part ends with a whole line */
        *nl = '\0';
        if (strstr(line, "\"status\":\"delivered\"") && orun_str_field(line, "id", id, sizeof(id)))
            ep_slot(e, id)->committed = true;
    }
    pthread_mutex_unlock(&e->mu);
    free(text);
}

/* --- the batch -------------------------------------------------------------------------------- */

static bool batch_dups = true;   /* the last batch written has duplicate ids */

enum orun_kind orun_kind_of(unsigned i)
{
    if (i % 97 == 0)
        return ORUN_PARSE;
    if (i % 89 == 0)
        return ORUN_INVALID;
    if (i % 83 == 0 && batch_dups)
        return ORUN_DUP;
    if (i % 211 == 0)
        return ORUN_BAD;
    if (i % 101 == 0)
        return ORUN_FLAKY;
    return ORUN_PLAIN;
}

static unsigned dup_target(unsigned i)
{
    unsigned j = i / 2;

    while (orun_kind_of(j) != ORUN_PLAIN)
        j--;
    return j;
}

const char *orun_expected_class(unsigned i, bool delivery)
{
    switch (orun_kind_of(i)) {
    case ORUN_PARSE: return "parse";
    case ORUN_INVALID: return "invalid";
    case ORUN_DUP: return "duplicate";
    case ORUN_BAD: return delivery ? "delivery" : NULL;
    default: return NULL;
    }
}

void orun_write_batch(const char *path, unsigned n, bool dups)
{
    static const char *const prio[] = {"express", "bulk", "standard", "standard", "standard"};
    FILE *f = fopen(path, "w");
    unsigned i;

    assert_non_null(f);
    batch_dups = dups;
    for (i = 1; i <= n; i++) {
        char id[32];
        const char *qty = "2";

        switch (orun_kind_of(i)) {
        case ORUN_PARSE:
            fprintf(f, "{\"id\":\"P-%u\",broken\n", i);
            continue;
        case ORUN_INVALID: snprintf(id, sizeof(id), "I-%u", i); qty = "0"; break;
        case ORUN_DUP: snprintf(id, sizeof(id), "K-%u", dup_target(i)); break;
        case ORUN_BAD: snprintf(id, sizeof(id), "BAD-%u", i); break;
        case ORUN_FLAKY: snprintf(id, sizeof(id), "FLAKY-%u", i); break;
        default: snprintf(id, sizeof(id), "K-%u", i); break;
        }
        fprintf(f, "{\"id\":\"%s\",\"customer\":\"C-%u\",\"priority\":\"%s\",\"currency\":\"EUR\","
                "\"items\":[{\"sku\":\"S-1\",\"qty\":%s,\"unit_price\":\"3.50\"}],"
                "\"created_at\":\"2026-11-21T10:00:00Z\"}\n", id, i % 7, prio[i % 5], qty);
    }
    fclose(f);
}

void orun_check_record(const char *line, unsigned long ln, bool result, struct endpoint *e)
{
    const char *want = orun_expected_class((unsigned)ln, e != NULL);
    char cls[32], id[32];

    if (result) {
        if (want)
            fail_msg("line %lu: a result, expected a %s reject", ln, want);
        if (e) {
            assert_true(orun_str_field(line, "id", id, sizeof(id)));
            assert_non_null(strstr(line, "\"status\":\"delivered\""));
            pthread_mutex_lock(&e->mu);
            assert_int_equal(ep_slot(e, id)->processed, 1);
            pthread_mutex_unlock(&e->mu);
        }
    } else {
        assert_true(orun_str_field(line, "class", cls, sizeof(cls)));
        if (!want || strcmp(want, cls) != 0)
            fail_msg("line %lu: a %s reject, expected %s", ln, cls, want ? want : "a result");
    }
}
