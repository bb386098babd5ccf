/*
 * test_cli.c — the mmf command-line tool, run as a real program.
 *
 * `make check` puts its path in MMF_CLI; without it every test skips.  The
 * tool runs with fork+exec, stdin/stdout/stderr on pipes.  `mmf create`
 * holds its object until its stdin ends, so a "holder" is a create whose
 * stdin is a pipe this process keeps open: it is ready once it printed its
 * "view ..." line, and closing the pipe releases it.  No sleeps: every wait
 * is on a pipe or a child, with a generous timeout only against hangs.
 */
#include <ctype.h>
#include <poll.h>

#include "helpers.h"

#define TIMEOUT_MS 30000

TestSuite(cli, .fini = tmp_cleanup);

static const char *cli_path(void)
{
    const char *p = getenv("MMF_CLI");
    if (!p || !*p)
        skip_test("MMF_CLI is not set (run the suite through `make check`)");
    return p;
}

/* "cli-TAG-PID": unique across the parallel test processes. */
static char *uname_of(const char *tag, char *buf, size_t size)
{
    snprintf(buf, size, "cli-%s-%ld", tag, (long)getpid());
    return buf;
}

/* ------------------------------------------------------------------ */
/* Running the tool                                                    */
/* ------------------------------------------------------------------ */

struct buf {
    char  *p;
    size_t n;
};

static void buf_add(struct buf *b, const char *d, size_t k)
{
    b->p = realloc(b->p, b->n + k + 1);
    cr_assert_not_null(b->p);
    memcpy(b->p + b->n, d, k);
    b->n += k;
    b->p[b->n] = '\0';
}

/* Reads what is there on fd into b; returns 0 at end of file. */
static int buf_read(struct buf *b, int fd)
{
    char tmp[65536];
    ssize_t r = read(fd, tmp, sizeof tmp);
    if (r < 0) {
        cr_assert(errno == EINTR || errno == EAGAIN, "read: %s", strerror(errno));
        return 1;
    }
    if (r > 0)
        buf_add(b, tmp, (size_t)r);
    return r > 0;
}

struct result {
    int    status;   /* exit code, or 128 + signal */
    char  *out;      /* NUL-terminated (may hold NULs before) */
    size_t outlen;
    char  *err;
};

static void pipe_cloexec(int p[2])
{
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
}

/* Starts `mmf ARGS...` with its three streams on new pipes. */
static pid_t spawn_cli(const char *const *args, int *in, int *out, int *err)
{
    const char *path = cli_path();
    const char *argv[64];
    int n = 0;
    argv[n++] = path;
    for (; args[n - 1]; n++) {
        cr_assert_lt(n, 63);
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    int pin[2], pout[2], perr[2];
    pipe_cloexec(pin);
    pipe_cloexec(pout);
    pipe_cloexec(perr);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    *in = pin[1];
    *out = pout[0];
    *err = perr[0];
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    cr_assert_eq(r, pid, "waitpid: %s", strerror(errno));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs `mmf ARGS...` with `in` as its stdin; collects its output. */
static struct result run_cli(const void *in, size_t inlen, const char *const *args)
{
    int fin, fout, ferr;
    pid_t pid = spawn_cli(args, &fin, &fout, &ferr);
    signal(SIGPIPE, SIG_IGN);
    fcntl(fin, F_SETFL, O_NONBLOCK);
    struct buf out = { 0 }, err = { 0 };
    buf_add(&out, "", 0);
    buf_add(&err, "", 0);
    size_t done = 0;
    if (inlen == 0) {
        close(fin);
        fin = -1;
    }
    while (fout >= 0 || ferr >= 0) {
        struct pollfd p[3] = { { .fd = fin, .events = POLLOUT },
                               { .fd = fout, .events = POLLIN },
                               { .fd = ferr, .events = POLLIN } };
        int n = poll(p, 3, TIMEOUT_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            kill(pid, SIGKILL);
        cr_assert_gt(n, 0, "mmf %s: no progress in %d ms", args[0], TIMEOUT_MS);
        if (fin >= 0 && p[0].revents) {
            ssize_t w = write(fin, (const char *)in + done, inlen - done);
            if (w > 0)
                done += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || done == inlen) {
                close(fin);
                fin = -1;
            }
        }
        if (fout >= 0 && p[1].revents && !buf_read(&out, fout)) {
            close(fout);
            fout = -1;
        }
        if (ferr >= 0 && p[2].revents && !buf_read(&err, ferr)) {
            close(ferr);
            ferr = -1;
        }
    }
    if (fin >= 0)
        close(fin);
    struct result r = { .status = wait_status(pid), .out = out.p, .outlen = out.n,
                        .err = err.p };
    return r;
}

#define MMF_IN(in, inlen, ...) run_cli((in), (inlen), (const char *const[]){ __VA_ARGS__, NULL })
#define MMF(...) MMF_IN(NULL, 0, __VA_ARGS__)

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
}

/* Asserts the exit status, showing the streams when it is wrong. */
#define assert_status(r, want)                                                       \
    cr_assert_eq((r).status, (want), "exit status %d, expected %d\nstdout: %s\nstderr: %s", \
                 (r).status, (want), (r).out, (r).err)

/* Runs the tool on the NULL-terminated @args and asserts only its exit status. */
static void expect_status_of(int want, const char *const *args)
{
    struct result r = run_cli(NULL, 0, args);
    assert_status(r, want);
    result_free(&r);
}

/* expect_status(1, "info", name): `mmf info NAME` exits 1. */
#define expect_status(want, ...) \
    expect_status_of((want), (const char *const[]){ __VA_ARGS__, NULL })

/* ---- holders: `mmf create` kept running ---- */

struct holder {
    pid_t      pid;
    int        in, out, err;
    struct buf text;  /* its stdout so far */
};

/* Starts `mmf create ARGS...` and waits for its "view ..." line. */
static struct holder start_holder(const char *const *args)
{
    const char *argv[32] = { "create" };
    int n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    struct holder h = { 0 };
    h.pid = spawn_cli(argv, &h.in, &h.out, &h.err);
    buf_add(&h.text, "", 0);
    while (!strstr(h.text.p, "\nview ")) {
        struct pollfd p = { .fd = h.out, .events = POLLIN };
        int r = poll(&p, 1, TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        cr_assert_gt(r, 0, "mmf create: not ready after %d ms", TIMEOUT_MS);
        if (!buf_read(&h.text, h.out)) {
            struct buf e = { 0 };
            buf_add(&e, "", 0);
            while (buf_read(&e, h.err))
                ;
            cr_assert_fail("mmf create exited before it was ready (status %d)\n"
                           "stdout: %s\nstderr: %s",
                           wait_status(h.pid), h.text.p, e.p);
        }
    }
    /* The line is complete once its newline came. */
    while (h.text.p[h.text.n - 1] != '\n') {
        struct pollfd p = { .fd = h.out, .events = POLLIN };
        cr_assert_gt(poll(&p, 1, TIMEOUT_MS), 0);
        cr_assert(buf_read(&h.text, h.out));
    }
    return h;
}

#define HOLD(...) start_holder((const char *const[]){ __VA_ARGS__, NULL })

/* Waits for a holder to end (after its stdin was closed or a signal);
 * returns its exit status, and its stderr in *err if asked. */
static int reap_holder(struct holder *h, char **err)
{
    if (h->in >= 0)
        close(h->in);
    h->in = -1;
    struct buf e = { 0 };
    buf_add(&e, "", 0);
    int fds[2] = { h->out, h->err };
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN },
                               { .fd = fds[1], .events = POLLIN } };
        int r = poll(p, 2, TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            kill(h->pid, SIGKILL);
        cr_assert_gt(r, 0, "holder %ld did not end", (long)h->pid);
        if (fds[0] >= 0 && p[0].revents && !buf_read(&h->text, fds[0])) {
            close(fds[0]);
            fds[0] = -1;
        }
        if (fds[1] >= 0 && p[1].revents && !buf_read(&e, fds[1])) {
            close(fds[1]);
            fds[1] = -1;
        }
    }
    int st = wait_status(h->pid);
    if (err)
        *err = e.p;
    else
        free(e.p);
    free(h->text.p);
    return st;
}

/* Closes the holder's stdin: it releases everything and exits 0. */
static void stop_holder(struct holder *h)
{
    char *err;
    int st = reap_holder(h, &err);
    cr_assert_eq(st, 0, "holder exit status %d\nstderr: %s", st, err);
    cr_assert(strstr(err, "holding"), "no 'holding' message on stderr: %s", err);
    free(err);
}

/* ------------------------------------------------------------------ */
/* Looking at output                                                   */
/* ------------------------------------------------------------------ */

/* A copy of the first line of text holding needle, or NULL. */
static char *line_with(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    if (!at)
        return NULL;
    const char *b = at;
    while (b > text && b[-1] != '\n')
        b--;
    const char *e = strchr(at, '\n');
    size_t n = e ? (size_t)(e - b) : strlen(b);
    char *l = malloc(n + 1);
    cr_assert_not_null(l);
    memcpy(l, b, n);
    l[n] = '\0';
    return l;
}

/* Whether line holds tok as a whole whitespace-separated word. */
static int has_word(const char *line, const char *tok)
{
    size_t k = strlen(tok);
    for (const char *p = line; (p = strstr(p, tok)) != NULL; p++) {
        int before = p == line || p[-1] == ' ' || p[-1] == '\t';
        int after = p[k] == '\0' || p[k] == ' ' || p[k] == '\t' || p[k] == '\n';
        if (before && after)
            return 1;
    }
    return 0;
}

/* Whether s holds the number n not as part of a longer number. */
static int has_number(const char *s, long n)
{
    char d[32];
    snprintf(d, sizeof d, "%ld", n);
    size_t k = strlen(d);
    for (const char *p = s; (p = strstr(p, d)) != NULL; p++) {
        int before = p == s || !isdigit((unsigned char)p[-1]);
        if (before && !isdigit((unsigned char)p[k]))
            return 1;
    }
    return 0;
}

/* The line of `table` whose words include `word`; asserts it exists. */
static char *row_of(const char *table, const char *word)
{
    const char *p = table;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *l = malloc(n + 1);
        cr_assert_not_null(l);
        memcpy(l, p, n);
        l[n] = '\0';
        if (has_word(l, word))
            return l;
        free(l);
        p += n + (e != NULL);
    }
    cr_assert_fail("no line with '%s' in:\n%s", word, table);
    return NULL;
}

/* ---- a small JSON checker ---- */

static const char *js_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *js_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if (*p == '\0' || (unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i]))
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *js_number(const char *p)
{
    if (*p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return NULL;
    if (*p == '0')
        p++;
    else
        while (isdigit((unsigned char)*p))
            p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

static const char *js_value(const char *p, int depth)
{
    if (depth > 32)
        return NULL;
    p = js_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = js_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = js_string(js_ws(p));
                if (!p)
                    return NULL;
                p = js_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            p = js_value(p, depth + 1);
            if (!p)
                return NULL;
            p = js_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (*p == '"')
        return js_string(p);
    if (strncmp(p, "true", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    if (strncmp(p, "null", 4) == 0)
        return p + 4;
    return js_number(p);
}

static int json_valid(const char *s)
{
    const char *p = js_value(s, 0);
    return p && *js_ws(p) == '\0';
}

/* Where "key": starts its value in s (from `from`), or NULL. */
static const char *json_after_key(const char *s, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\"", key);
    for (const char *p = s; (p = strstr(p, k)) != NULL; p++) {
        const char *q = js_ws(p + strlen(k));
        if (*q == ':')
            return js_ws(q + 1);
    }
    return NULL;
}

/* Whether some "key": "value" pair is in s (value as JSON-escaped text). */
static int json_has_str(const char *s, const char *key, const char *value)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\"", key);
    size_t vl = strlen(value);
    for (const char *p = s; (p = strstr(p, k)) != NULL; p++) {
        const char *q = js_ws(p + strlen(k));
        if (*q != ':')
            continue;
        q = js_ws(q + 1);
        if (*q == '"' && strncmp(q + 1, value, vl) == 0 && q[1 + vl] == '"')
            return 1;
    }
    return 0;
}

/* Whether some "key": N pair is in s. */
static int json_has_num(const char *s, const char *key, long long n)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\"", key);
    for (const char *p = s; (p = strstr(p, k)) != NULL; p++) {
        const char *q = js_ws(p + strlen(k));
        if (*q != ':')
            continue;
        q = js_ws(q + 1);
        char *end;
        if (strtoll(q, &end, 10) == n && end != q)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Help and usage                                                      */
/* ------------------------------------------------------------------ */

Test(cli, help_overview)
{
    static const char *const forms[] = { "--help", "-h", "help" };
    for (size_t i = 0; i < 3; i++) {
        struct result r = MMF(forms[i]);
        assert_status(r, 0);
        cr_assert(strstr(r.out, "usage: mmf"), "%s: %s", forms[i], r.out);
        cr_assert(strstr(r.out, "Examples:"), "%s: %s", forms[i], r.out);
        static const char *const cmds[] = { "ls", "info NAME", "create NAME SIZE",
                                            "cat NAME", "write NAME", "rm NAME", "gc",
                                            "views PID" };
        for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
            cr_assert(strstr(r.out, cmds[k]), "%s does not mention %s", forms[i], cmds[k]);
        cr_assert_str_empty(r.err);
        result_free(&r);
    }
}

Test(cli, help_per_command)
{
    static const char *const cmds[] = { "ls", "info", "create", "cat", "write", "rm", "gc",
                                        "views" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "usage: mmf %s", cmds[i]);
        struct result a = MMF(cmds[i], "--help");
        struct result b = MMF("help", cmds[i]);
        assert_status(a, 0);
        assert_status(b, 0);
        cr_assert(strstr(a.out, want), "mmf %s --help: %s", cmds[i], a.out);
        cr_assert_str_eq(a.out, b.out);
        cr_assert_str_empty(a.err);
        result_free(&a);
        result_free(&b);
    }
    struct result r = MMF("create", "--help");
    cr_assert(strstr(r.out, "--everyone") && strstr(r.out, "--file") &&
              strstr(r.out, "--mode") && strstr(r.out, "Examples:"), "%s", r.out);
    result_free(&r);
}

Test(cli, bad_arguments_exit_2)
{
    static const char *const cases[][6] = {
        { NULL },
        { "bogus", NULL },
        { "--bogus", NULL },
        { "ls", "extra", NULL },
        { "ls", "--bogus", NULL },
        { "ls", "--json=1", NULL },
        { "info", NULL },
        { "info", "a", "b", NULL },
        { "create", "onlyname", NULL },
        { "create", "n", "12q", NULL },
        { "create", "n", "-4", NULL },
        { "create", "n", "0", NULL },
        { "create", "n", "99999999999999999999", NULL },
        { "create", "n", "4k", "--mode", NULL },
        { "create", "n", "4k", "--mode", "999", NULL },
        { "create", "n", "4k", "--mode", "0777", NULL },
        { "cat", NULL },
        { "cat", "n", "x", NULL },
        { "cat", "n", "0", "1", "2", NULL },
        { "write", "n", "-1", NULL },
        { "write", NULL },
        { "rm", NULL },
        { "gc", "x", NULL },
        { "views", NULL },
        { "views", "abc", NULL },
        { "views", "0", NULL },
        { "help", "nosuchcommand", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct result r = run_cli(NULL, 0, cases[i]);
        cr_assert_eq(r.status, 2, "case %zu (%s %s): status %d\nstderr: %s", i,
                     cases[i][0] ? cases[i][0] : "", cases[i][0] && cases[i][1] ? cases[i][1] : "",
                     r.status, r.err);
        cr_assert(strstr(r.err, "usage: mmf"), "case %zu: no usage on stderr: %s", i, r.err);
        cr_assert(strncmp(r.err, "mmf: ", 5) == 0, "case %zu: %s", i, r.err);
        cr_assert_eq(r.outlen, 0, "case %zu wrote to stdout: %s", i, r.out);
        result_free(&r);
    }
}

/* ------------------------------------------------------------------ */
/* The life of a named section                                         */
/* ------------------------------------------------------------------ */

Test(cli, create_ls_info_write_cat_views_release)
{
    char name[64], full[80], pid[32];
    uname_of("life", name, sizeof name);
    snprintf(full, sizeof full, "Local\\%s", name);

    struct holder h = HOLD(name, "64k");
    snprintf(pid, sizeof pid, "%ld", (long)h.pid);
    cr_assert(strstr(h.text.p, "created section"), "%s", h.text.p);
    cr_assert(strstr(h.text.p, full), "%s", h.text.p);
    cr_assert(strstr(h.text.p, "65536 bytes"), "%s", h.text.p);

    /* ls: the row of our name, with its holder. */
    struct result r = MMF("ls");
    assert_status(r, 0);
    char *hdr = line_with(r.out, "NAME");
    cr_assert(hdr && has_word(hdr, "HOLDERS") && has_word(hdr, "OWNER"), "%s", r.out);
    free(hdr);
    char *row = row_of(r.out, name);
    cr_assert(has_word(row, "Local") && has_word(row, "section") && has_word(row, "65536") &&
              has_word(row, "0600") && has_word(row, "memory") && has_number(row, h.pid),
              "row: %s", row);
    free(row);
    result_free(&r);

    /* info. */
    r = MMF("info", name);
    assert_status(r, 0);
    cr_assert(strstr(r.out, "65536"), "%s", r.out);
    cr_assert(strstr(r.out, "PAGE_READWRITE"), "%s", r.out);
    cr_assert(strstr(r.out, "SEC_COMMIT"), "%s", r.out);
    cr_assert(strstr(r.out, full), "%s", r.out);
    char *hl = line_with(r.out, "holders:");
    cr_assert(hl && has_number(hl, h.pid), "%s", r.out);
    free(hl);
    result_free(&r);
    expect_status(0, "info", full); /* the same with the prefix */

    /* write at an unaligned offset, then read back in several ways. */
    static const char msg[] = "hello, mmf";
    r = MMF_IN(msg, 10, "write", name, "5000");
    assert_status(r, 0);
    cr_assert(strstr(r.out, "10 bytes"), "%s", r.out);
    result_free(&r);

    r = MMF("cat", name, "5000", "10");
    assert_status(r, 0);
    cr_assert_eq(r.outlen, 10);
    cr_assert(memcmp(r.out, msg, 10) == 0);
    result_free(&r);

    r = MMF("cat", full, "4998", "14");
    assert_status(r, 0);
    cr_assert_eq(r.outlen, 14);
    cr_assert(memcmp(r.out, "\0\0hello, mmf\0\0", 14) == 0);
    result_free(&r);

    r = MMF("cat", name);
    assert_status(r, 0);
    cr_assert_eq(r.outlen, 65536);
    cr_assert(memcmp(r.out + 5000, msg, 10) == 0);
    cr_assert(all_bytes(r.out, 0, 5000));
    result_free(&r);

    r = MMF("cat", name, "0x1388"); /* 5000: from there to the end */
    assert_status(r, 0);
    cr_assert_eq(r.outlen, 65536 - 5000);
    cr_assert(memcmp(r.out, msg, 10) == 0);
    result_free(&r);

    /* views: the holder maps the whole section read-write. */
    r = MMF("views", pid);
    assert_status(r, 0);
    row = row_of(r.out, full);
    cr_assert(has_word(row, "rw-s") && has_word(row, "PAGE_READWRITE") &&
              has_word(row, "section") && has_word(row, "memory") && has_word(row, "65536") &&
              has_word(row, "0x0"),
              "row: %s", row);
    free(row);
    cr_assert(!strstr(r.out, "libc"), "libraries shown without --all:\n%s", r.out);
    result_free(&r);

    /* Closing the holder's stdin releases the only handle: the name goes. */
    stop_holder(&h);
    r = MMF("info", name);
    assert_status(r, 1);
    cr_assert(strstr(r.err, "no object has this name"), "%s", r.err);
    cr_assert(strncmp(r.err, "mmf: ", 5) == 0, "%s", r.err);
    result_free(&r);
    r = MMF("ls");
    assert_status(r, 0);
    cr_assert(!strstr(r.out, name), "%s", r.out);
    result_free(&r);
    expect_status(1, "cat", name);
}

Test(cli, json_output)
{
    char name[64], full_json[96], pid[32];
    uname_of("json", name, sizeof name);
    snprintf(full_json, sizeof full_json, "Local\\\\%s", name); /* JSON-escaped */
    struct holder h = HOLD(name, "8k");
    snprintf(pid, sizeof pid, "%ld", (long)h.pid);

    struct result r = MMF("ls", "--json");
    assert_status(r, 0);
    cr_assert(json_valid(r.out), "ls --json is not JSON:\n%s", r.out);
    cr_assert_eq(*js_ws(r.out), '[');
    static const char *const keys[] = { "namespace", "name", "type", "size", "backing",
                                        "owner", "mode", "holders" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert(json_after_key(r.out, keys[i]), "no key %s:\n%s", keys[i], r.out);
    cr_assert(json_has_str(r.out, "name", name), "%s", r.out);
    /* The holders array of our object holds the holder's pid. */
    const char *obj = strstr(r.out, name);
    const char *hold = json_after_key(obj, "holders");
    cr_assert(hold && *hold == '[', "%s", r.out);
    char *close = strchr(hold, ']');
    cr_assert_not_null(close);
    *close = '\0';
    cr_assert(has_number(hold, h.pid), "holders %s, pid %s", hold, pid);
    result_free(&r);

    r = MMF("info", name, "--json");
    assert_status(r, 0);
    cr_assert(json_valid(r.out), "info --json is not JSON:\n%s", r.out);
    cr_assert_eq(*js_ws(r.out), '{');
    cr_assert(json_has_num(r.out, "size", 8192), "%s", r.out);
    cr_assert(json_has_str(r.out, "type", "section"), "%s", r.out);
    cr_assert(json_has_str(r.out, "protection", "PAGE_READWRITE"), "%s", r.out);
    cr_assert(json_has_str(r.out, "namespace", "Local"), "%s", r.out);
    cr_assert(json_after_key(r.out, "flags"), "%s", r.out);
    result_free(&r);

    r = MMF("views", pid, "--json");
    assert_status(r, 0);
    cr_assert(json_valid(r.out), "views --json is not JSON:\n%s", r.out);
    cr_assert(json_has_str(r.out, "name", full_json), "%s", r.out);
    cr_assert(json_has_str(r.out, "type", "section"), "%s", r.out);
    cr_assert(json_has_str(r.out, "protection", "PAGE_READWRITE"), "%s", r.out);
    cr_assert(json_has_num(r.out, "size", 8192), "%s", r.out);
    result_free(&r);

    r = MMF("views", pid, "--json", "--all");
    assert_status(r, 0);
    cr_assert(json_valid(r.out), "views --all --json is not JSON:\n%s", r.out);
    result_free(&r);

    stop_holder(&h);
}

Test(cli, create_existing_name_opens_it)
{
    char name[64];
    uname_of("twice", name, sizeof name);
    struct holder a = HOLD(name, "64k");
    struct holder b = HOLD(name, "4k"); /* the existing size wins */
    cr_assert(strstr(b.text.p, "opened existing"), "%s", b.text.p);
    cr_assert(strstr(b.text.p, "65536 bytes"), "%s", b.text.p);

    struct result r = MMF("ls");
    char *row = row_of(r.out, name);
    cr_assert(has_number(row, a.pid) && has_number(row, b.pid), "row: %s", row);
    free(row);
    result_free(&r);

    /* Data written through one holder's section is the other's. */
    r = MMF_IN("shared", 6, "write", name, "60000");
    assert_status(r, 0);
    result_free(&r);

    stop_holder(&a); /* b still holds it */
    r = MMF("cat", name, "60000", "6");
    assert_status(r, 0);
    cr_assert(r.outlen == 6 && memcmp(r.out, "shared", 6) == 0);
    result_free(&r);
    r = MMF("info", name);
    assert_status(r, 0);
    cr_assert(!has_number(strstr(r.out, "holders:"), a.pid), "%s", r.out);
    result_free(&r);

    stop_holder(&b);
    expect_status(1, "info", name);
}

Test(cli, rm_removes_a_held_name)
{
    char name[64], full[80], pid[32];
    uname_of("rm", name, sizeof name);
    snprintf(full, sizeof full, "Local\\%s", name);
    struct holder h = HOLD(name, "4k");
    snprintf(pid, sizeof pid, "%ld", (long)h.pid);
    struct result r = MMF_IN("before", 6, "write", name);
    assert_status(r, 0);
    result_free(&r);

    r = MMF("rm", name);
    assert_status(r, 0);
    cr_assert(strstr(r.out, full), "%s", r.out);
    result_free(&r);

    r = MMF("info", name);
    assert_status(r, 1);
    cr_assert(strstr(r.err, "no object has this name"), "%s", r.err);
    result_free(&r);
    r = MMF("ls");
    cr_assert(!strstr(r.out, name), "%s", r.out);
    result_free(&r);
    expect_status(1, "rm", name);

    /* The holder lives on with its object; its view shows the name gone. */
    cr_assert_eq(kill(h.pid, 0), 0);
    r = MMF("views", pid);
    assert_status(r, 0);
    char *row = row_of(r.out, full);
    cr_assert(strstr(row, "(removed)") && has_word(row, "section"), "row: %s", row);
    free(row);
    result_free(&r);

    /* The name is free: a create makes a new, zeroed object. */
    struct holder h2 = HOLD(name, "4k");
    cr_assert(strstr(h2.text.p, "created section"), "%s", h2.text.p);
    r = MMF("cat", name, "0", "6");
    assert_status(r, 0);
    cr_assert(r.outlen == 6 && all_bytes(r.out, 0, 6));
    result_free(&r);

    stop_holder(&h);
    stop_holder(&h2);
    expect_status(1, "info", name);
}

Test(cli, signal_releases_the_holder)
{
    static const int sigs[] = { SIGTERM, SIGINT };
    for (size_t i = 0; i < 2; i++) {
        char name[64];
        uname_of(i ? "sigint" : "sigterm", name, sizeof name);
        struct holder h = HOLD(name, "4k");
        cr_assert_eq(kill(h.pid, sigs[i]), 0);
        char *err;
        int st = reap_holder(&h, &err); /* also closes its stdin, after */
        cr_assert_eq(st, 0, "status %d: %s", st, err);
        cr_assert(strstr(err, "releasing"), "%s", err);
        free(err);
        struct result r = MMF("info", name);
        assert_status(r, 1);
        result_free(&r);
    }
}

Test(cli, until_signal_ignores_stdin)
{
    char name[64];
    uname_of("untilsig", name, sizeof name);
    struct holder h = HOLD(name, "4k", "--until-signal");
    close(h.in); /* stdin ends, but the holder keeps holding */
    h.in = -1;
    struct result r = MMF("info", name);
    assert_status(r, 0);
    result_free(&r);
    /* A second create finds the name still held.  (A holder that wrongly
     * quit on end of stdin would race with these checks, so they catch
     * that most of the time, not always: no sleep can prove a negative.) */
    struct holder h2 = HOLD(name, "4k");
    cr_assert(strstr(h2.text.p, "opened existing"), "%s", h2.text.p);
    stop_holder(&h2);
    cr_assert_eq(kill(h.pid, SIGTERM), 0);
    cr_assert_eq(reap_holder(&h, NULL), 0);
    expect_status(1, "info", name);
}

Test(cli, gc_prints_a_count)
{
    struct result r = MMF("gc");
    assert_status(r, 0);
    int n = -1;
    char word[16] = "";
    cr_assert_eq(sscanf(r.out, "reclaimed %d %15s", &n, word), 2, "%s", r.out);
    cr_assert_geq(n, 0);
    cr_assert(strncmp(word, "object", 6) == 0, "%s", r.out);
    result_free(&r);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

Test(cli, write_past_end_changes_nothing)
{
    char name[64];
    uname_of("pastend", name, sizeof name);
    struct holder h = HOLD(name, "8k");

    struct result r = MMF_IN("abc", 3, "write", name, "8190");
    assert_status(r, 1);
    cr_assert(strstr(r.err, "past the end"), "%s", r.err);
    cr_assert_eq(r.outlen, 0, "%s", r.out);
    result_free(&r);
    r = MMF("cat", name, "8188", "4");
    assert_status(r, 0);
    cr_assert(r.outlen == 4 && all_bytes(r.out, 0, 4), "data changed");
    result_free(&r);

    r = MMF_IN("x", 1, "write", name, "9000");
    assert_status(r, 1);
    result_free(&r);

    /* Exactly up to the end is fine. */
    r = MMF_IN("ab", 2, "write", name, "8190");
    assert_status(r, 0);
    result_free(&r);
    r = MMF("cat", name, "8190", "2");
    assert_status(r, 0);
    cr_assert(r.outlen == 2 && memcmp(r.out, "ab", 2) == 0);
    result_free(&r);

    /* Reads past the end fail; reading at the end gives nothing. */
    r = MMF("cat", name, "8000", "200");
    assert_status(r, 1);
    cr_assert(strstr(r.err, "past the end"), "%s", r.err);
    cr_assert_eq(r.outlen, 0);
    result_free(&r);
    expect_status(1, "cat", name, "9000");
    r = MMF("cat", name, "8k");
    assert_status(r, 0);
    cr_assert_eq(r.outlen, 0);
    result_free(&r);

    stop_holder(&h);
}

Test(cli, errors_exit_1_with_a_message)
{
    char name[64];
    uname_of("missing", name, sizeof name);
    static const char *const verbs[] = { "info", "cat", "write", "rm" };
    for (size_t i = 0; i < 4; i++) {
        struct result r = MMF(verbs[i], name);
        assert_status(r, 1);
        cr_assert(strncmp(r.err, "mmf: ", 5) == 0, "%s", r.err);
        cr_assert(strstr(r.err, "no object has this name"), "%s: %s", verbs[i], r.err);
        cr_assert(strstr(r.err, name), "%s", r.err);
        result_free(&r);
    }
    /* A bad name, and a backing file that cannot be made. */
    struct result r = MMF("info", "Local\\a\\b");
    assert_status(r, 1);
    cr_assert(strstr(r.err, mmf_strerror(MMF_EBADNAME)), "%s", r.err);
    result_free(&r);
    r = MMF("create", name, "4k", "--file", "/nonexistent-dir/x");
    assert_status(r, 1);
    cr_assert(strstr(r.err, "No such file or directory"), "%s", r.err);
    result_free(&r);
    /* A process that does not exist. */
    r = MMF("views", "2147483647");
    assert_status(r, 1);
    cr_assert(strstr(r.err, "No such process"), "%s", r.err);
    result_free(&r);
}

/* ------------------------------------------------------------------ */
/* File sections, the Global namespace, views of this process          */
/* ------------------------------------------------------------------ */

Test(cli, file_backed_section)
{
    char name[64], full[80], path[PATH_MAX], pid[32];
    uname_of("file", name, sizeof name);
    snprintf(full, sizeof full, "Local\\%s", name);
    tmp_path("backing.bin", path); /* does not exist yet: create makes it */
    struct holder h = HOLD(name, "16k", "--file", path);
    snprintf(pid, sizeof pid, "%ld", (long)h.pid);
    cr_assert(strstr(h.text.p, path), "%s", h.text.p);

    int fd = reopen(path, O_RDONLY);
    cr_assert_eq(fd_size(fd), 16384);

    struct result r = MMF("ls");
    char *row = row_of(r.out, name);
    cr_assert(has_word(row, path) && has_word(row, "16384"), "row: %s", row);
    free(row);
    result_free(&r);

    r = MMF_IN("file data", 9, "write", name, "100");
    assert_status(r, 0);
    result_free(&r);
    char got[9];
    pread_all(fd, got, 9, 100);
    cr_assert(memcmp(got, "file data", 9) == 0);
    close(fd);

    r = MMF("cat", name, "100", "9");
    assert_status(r, 0);
    cr_assert(r.outlen == 9 && memcmp(r.out, "file data", 9) == 0);
    result_free(&r);

    r = MMF("views", pid);
    assert_status(r, 0);
    row = row_of(strchr(r.out, '\n') + 1, path); /* past the "PID: command" line */
    cr_assert(has_word(row, "file") && has_word(row, "rw-s") && has_word(row, full),
              "row: %s", row);
    free(row);
    result_free(&r);

    r = MMF("info", name);
    cr_assert(strstr(r.out, path) && strstr(r.out, "inode"), "%s", r.out);
    result_free(&r);

    stop_holder(&h);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "the file must stay");
}

Test(cli, global_namespace_and_mode)
{
    char name[64], full[80];
    uname_of("global", name, sizeof name);
    snprintf(full, sizeof full, "Global\\%s", name);
    struct holder h = HOLD(full, "4k", "--mode", "0640");

    struct result r = MMF("ls");
    assert_status(r, 0);
    char *row = row_of(r.out, name);
    cr_assert(has_word(row, "Global") && has_word(row, "0640") && has_number(row, h.pid),
              "row: %s", row);
    free(row);
    result_free(&r);

    r = MMF("info", full);
    assert_status(r, 0);
    cr_assert(strstr(r.out, "Global"), "%s", r.out);
    result_free(&r);
    r = MMF("info", name); /* not in the Local namespace */
    assert_status(r, 1);
    result_free(&r);

    stop_holder(&h);
    expect_status(1, "info", full);
}

Test(cli, views_of_this_process)
{
    uint64_t pg = page_size();
    char name[64], full[80], pid[32], offs[32];
    uname_of("self", name, sizeof name);
    snprintf(full, sizeof full, "Local\\%s", name);
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    snprintf(offs, sizeof offs, "0x%llx", (unsigned long long)(2 * pg));

    mmf_section *anon = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    void *va = map_view(anon, MMF_PAGE_READWRITE, 0, 0);
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    mmf_section *named = NULL;
    assert_rc(mmf_section_create(-1, 8 * pg, MMF_PAGE_READWRITE, 0, &o, &named), 0);
    void *vn = map_view(named, MMF_PAGE_READONLY, 2 * pg, 3 * pg);
    void *vc = map_view(named, MMF_PAGE_WRITECOPY, 0, pg);
    char addr[32];

    struct result r = MMF("views", pid);
    assert_status(r, 0);
    snprintf(addr, sizeof addr, "%012llx-", (unsigned long long)(uintptr_t)va);
    char *row = line_with(r.out, addr);
    cr_assert(row && has_word(row, "(unnamed)") && has_word(row, "section") &&
              has_word(row, "PAGE_READWRITE"), "unnamed view %s missing:\n%s", addr, r.out);
    free(row);
    snprintf(addr, sizeof addr, "%012llx-", (unsigned long long)(uintptr_t)vn);
    row = line_with(r.out, addr);
    cr_assert(row && has_word(row, full) && has_word(row, "r--s") &&
              has_word(row, "PAGE_READONLY") && has_word(row, offs),
              "named view %s (offset %s) missing:\n%s", addr, offs, r.out);
    free(row);
    snprintf(addr, sizeof addr, "%012llx-", (unsigned long long)(uintptr_t)vc);
    row = line_with(r.out, addr);
    cr_assert(row && has_word(row, full) && has_word(row, "rw-p") &&
              has_word(row, "PAGE_WRITECOPY"), "copy view %s missing:\n%s", addr, r.out);
    free(row);
    cr_assert(!strstr(r.out, "[stack]") && !strstr(r.out, "libc"), "%s", r.out);
    result_free(&r);

    r = MMF("views", pid, "--all");
    assert_status(r, 0);
    cr_assert(strstr(r.out, "[stack]") && strstr(r.out, "libc"), "%s", r.out);
    cr_assert(strstr(r.out, full), "%s", r.out);
    result_free(&r);

    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_view_unmap(vn), 0);
    assert_rc(mmf_view_unmap(vc), 0);
    assert_rc(mmf_section_close(anon), 0);
    assert_rc(mmf_section_close(named), 0);
}
