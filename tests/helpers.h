/*
 * helpers.h — small helpers shared by the mmf test files.
 *
 * Everything is static inline so that each test file gets its own copy and
 * nothing clashes at link time.  Criterion runs every test in its own
 * process, so the per-process state below (the private temp directory) is
 * per test.  Each test suite installs tmp_cleanup() as its .fini, which
 * Criterion runs even when an assertion fails.
 */
#ifndef MMF_TEST_HELPERS_H
#define MMF_TEST_HELPERS_H

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmf.h"

/* ------------------------------------------------------------------ */
/* Assertions                                                          */
/* ------------------------------------------------------------------ */

/* Asserts that an mmf call returns exactly @expected, naming both codes. */
#define assert_rc(expr, expected)                                            \
    do {                                                                     \
        int rc_got_ = (int)(expr);                                           \
        int rc_want_ = (int)(expected);                                      \
        cr_assert_eq(rc_got_, rc_want_, "%s\n  returned %d (%s)\n  expected %d (%s)", \
                     #expr, rc_got_, mmf_strerror(rc_got_), rc_want_,        \
                     mmf_strerror(rc_want_));                                \
    } while (0)

/* ------------------------------------------------------------------ */
/* Basics                                                              */
/* ------------------------------------------------------------------ */

static inline uint64_t page_size(void)
{
    return (uint64_t)sysconf(_SC_PAGESIZE);
}

static inline int is_root(void)
{
    return geteuid() == 0;
}

/* The byte the fill helpers put at file offset @off. */
static inline unsigned char pat(uint64_t off)
{
    return (unsigned char)(off * 7u + (off >> 12) * 13u + 1u);
}

/* 1 if @p holds pat(off), pat(off+1), ... for @n bytes. */
static inline int check_pat(const void *p, uint64_t off, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != pat(off + i))
            return 0;
    return 1;
}

/* 1 if @n bytes at @p are all @byte. */
static inline int all_bytes(const void *p, unsigned char byte, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != byte)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Temp files: one private directory per test process                  */
/* ------------------------------------------------------------------ */

struct tmp_state {
    char  dir[PATH_MAX];
    pid_t owner;
    int   made;
};

static inline struct tmp_state *tmp_state(void)
{
    static struct tmp_state st;
    return &st;
}

/* The test's private directory (made on first use, under $TMPDIR or /tmp). */
static inline const char *tmp_dir(void)
{
    struct tmp_state *st = tmp_state();
    if (!st->made || st->owner != getpid()) {
        const char *base = getenv("TMPDIR");
        if (!base || !*base)
            base = "/tmp";
        snprintf(st->dir, sizeof st->dir, "%s/mmf-test-XXXXXX", base);
        cr_assert_not_null(mkdtemp(st->dir), "mkdtemp under %s: %s", base,
                           strerror(errno));
        st->owner = getpid();
        st->made = 1;
    }
    return st->dir;
}

static inline int tmp_rm_cb(const char *p, const struct stat *sb, int flag,
                            struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

/* Removes the test's directory and everything in it (suite .fini). */
static inline void tmp_cleanup(void)
{
    struct tmp_state *st = tmp_state();
    if (st->made && st->owner == getpid()) {
        nftw(st->dir, tmp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        st->made = 0;
    }
}

/* Criterion skips .fini when a test skips itself: clean up first. */
#define skip_test(...)                 \
    do {                               \
        tmp_cleanup();                 \
        registry_cleanup();            \
        cr_skip_test(__VA_ARGS__);     \
    } while (0)

/* Builds "<tmp_dir>/<name>" into @out (PATH_MAX bytes). */
static inline char *tmp_path(const char *name, char *out)
{
    snprintf(out, PATH_MAX, "%s/%s", tmp_dir(), name);
    return out;
}

/* Writes pat() bytes over [0, size) of @fd. */
static inline void fill_pattern(int fd, uint64_t size)
{
    unsigned char buf[65536];
    uint64_t off = 0;
    while (off < size) {
        size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = pat(off + i);
        ssize_t w = pwrite(fd, buf, n, (off_t)off);
        cr_assert_eq((size_t)w, n, "pwrite: %s", strerror(errno));
        off += n;
    }
}

/*
 * Creates the file @name in the test directory, @size bytes of pat(),
 * and returns an O_RDWR descriptor.  @path_out (PATH_MAX bytes) may be NULL.
 */
static inline int tmp_file(const char *name, uint64_t size, char *path_out)
{
    char path[PATH_MAX];
    tmp_path(name, path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    fill_pattern(fd, size);
    if (path_out)
        strcpy(path_out, path);
    return fd;
}

/* Reopens @path with @flags (asserting). */
static inline int reopen(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    return fd;
}

static inline uint64_t fd_size(int fd)
{
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0, "fstat: %s", strerror(errno));
    return (uint64_t)st.st_size;
}

/* pread exactly @n bytes at @off (asserting). */
static inline void pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
        cr_assert_gt(r, 0, "pread at %llu: %s", (unsigned long long)(off + done),
                     r < 0 ? strerror(errno) : "end of file");
        done += (size_t)r;
    }
}

/* pwrite exactly @n bytes at @off (asserting). */
static inline void pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    ssize_t w = pwrite(fd, buf, n, (off_t)off);
    cr_assert_eq((size_t)w, n, "pwrite: %s", strerror(errno));
}

/* The byte of the file at @off. */
static inline unsigned char file_byte(int fd, uint64_t off)
{
    unsigned char c;
    pread_all(fd, &c, 1, off);
    return c;
}

/* ------------------------------------------------------------------ */
/* Address space                                                       */
/* ------------------------------------------------------------------ */

/* 1 if the page holding @a is mapped (anything at all), 0 if not. */
static inline int addr_mapped(const void *a)
{
    uint64_t pg = page_size();
    void *p = (void *)((uintptr_t)a & ~(uintptr_t)(pg - 1));
    unsigned char vec;
    if (mincore(p, (size_t)pg, &vec) == 0)
        return 1;
    cr_assert_eq(errno, ENOMEM, "mincore: %s", strerror(errno));
    return 0;
}

/* 1 if every page of [a, a+len) is unmapped. */
static inline int range_unmapped(const void *a, uint64_t len)
{
    uint64_t pg = page_size();
    for (uint64_t off = 0; off < len; off += pg)
        if (addr_mapped((const char *)a + off))
            return 0;
    return 1;
}

/*
 * Looks @a up in /proc/self/maps.  Returns 1 and fills the VMA's bounds,
 * its 4-character permissions ("rw-s") and its path (may be "") when found.
 */
static inline int maps_lookup(const void *a, uintptr_t *start, uintptr_t *end,
                              char perms[5], char *path, size_t pathsz)
{
    FILE *f = fopen("/proc/self/maps", "re");
    cr_assert_not_null(f, "fopen /proc/self/maps: %s", strerror(errno));
    char line[PATH_MAX + 256];
    int found = 0;
    uintptr_t x = (uintptr_t)a;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char pr[5];
        int pos = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s%n", &s, &e, pr, &pos) < 3)
            continue;
        if (x < s || x >= e)
            continue;
        found = 1;
        if (start)
            *start = s;
        if (end)
            *end = e;
        if (perms)
            memcpy(perms, pr, 5);
        if (path && pathsz) {
            char *p = line + pos;
            while (*p == ' ')
                p++;
            size_t n = strcspn(p, "\n");
            if (n >= pathsz)
                n = pathsz - 1;
            memcpy(path, p, n);
            path[n] = '\0';
        }
        break;
    }
    fclose(f);
    return found;
}

/*
 * Dirty bytes (Shared_Dirty + Private_Dirty from /proc/self/smaps) of the
 * kernel mapping holding @a, or -1 when @a is not mapped.
 */
static inline long long smaps_dirty(const void *a)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    cr_assert_not_null(f, "fopen /proc/self/smaps: %s", strerror(errno));
    char line[PATH_MAX + 256];
    uintptr_t x = (uintptr_t)a;
    int in = 0;
    long long dirty = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3) { /* a mapping's header */
            if (in)
                break;
            in = x >= s && x < e;
            if (in)
                dirty = 0;
            continue;
        }
        long long kb;
        if (in && (sscanf(line, "Shared_Dirty: %lld kB", &kb) == 1 ||
                   sscanf(line, "Private_Dirty: %lld kB", &kb) == 1))
            dirty += kb * 1024;
    }
    fclose(f);
    return dirty;
}

/* The kernel's permission string ("rw-s") of the page holding @a. */
static inline void maps_perms(const void *a, char perms[5])
{
    cr_assert(maps_lookup(a, NULL, NULL, perms, NULL, 0),
              "%p is not in /proc/self/maps", a);
}

/*
 * A free, page-aligned range of @len bytes aligned to @align: reserved with
 * mmap and released again, so nothing is there when this returns.
 */
static inline void *free_range(uint64_t len, uint64_t align)
{
    size_t total = (size_t)(len + align);
    char *p = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
    char *a = (char *)(((uintptr_t)p + (uintptr_t)align - 1) & ~((uintptr_t)align - 1));
    cr_assert_eq(munmap(p, total), 0);
    return a;
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                         */
/* ------------------------------------------------------------------ */

#define MAX_FDS 1024

/* Fills @fds with this process's open descriptors; returns how many. */
static inline int list_fds(int *fds, int max)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d, "opendir /proc/self/fd: %s", strerror(errno));
    int n = 0, self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd != self && n < max)
            fds[n++] = fd;
    }
    closedir(d);
    return n;
}

/* The descriptors in @after that are not in @before; returns how many. */
static inline int new_fds(const int *before, int nb, const int *after, int na,
                          int *out, int max)
{
    int n = 0;
    for (int i = 0; i < na; i++) {
        int seen = 0;
        for (int j = 0; j < nb; j++)
            if (after[i] == before[j])
                seen = 1;
        if (!seen && n < max)
            out[n++] = after[i];
    }
    return n;
}

/* The number of open descriptors. */
static inline int count_fds(void)
{
    int fds[MAX_FDS];
    return list_fds(fds, MAX_FDS);
}

/* ------------------------------------------------------------------ */
/* Child processes                                                     */
/* ------------------------------------------------------------------ */

/*
 * Runs fn(arg) in a forked child with default SIGSEGV/SIGBUS handling and no
 * core dumps; the child exits 0 when fn returns.  Returns the wait status.
 */
static inline int run_child(void (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct rlimit nocore = { 0, 0 };
        setrlimit(RLIMIT_CORE, &nocore);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        fn(arg);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid, "waitpid: %s", strerror(errno));
    return status;
}

static inline int killed_by(int status, int sig)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* ------------------------------------------------------------------ */
/* Helper processes: tests/child/mmf-child.c                           */
/* ------------------------------------------------------------------ */

/*
 * A running mmf-child: its stdin (@in) and stdout (@out) are pipes, and it
 * shares nothing else with the test.  It answers each command on one line
 * ("create 0", "read 68656c6c6f", "ready"...).
 */
struct child {
    pid_t pid;
    int   in;
    FILE *out;
};

#define NOBODY_ID 65534

/* A helper program: $@env_var, else @file next to the test binary. */
static inline const char *helper_program(const char *env_var, const char *file)
{
    static char path[PATH_MAX];
    const char *env = getenv(env_var);
    if (env && *env)
        return env;
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
    cr_assert_gt(n, 0, "readlink /proc/self/exe: %s", strerror(errno));
    path[n] = '\0';
    strcpy(strrchr(path, '/') + 1, file);
    cr_assert_eq(access(path, X_OK), 0,
                 "%s is not set and %s is missing (run `make check`)", env_var, path);
    return path;
}

/* The mmf-child program: $MMF_TEST_CHILD, else next to the test binary. */
static inline const char *child_program(void)
{
    return helper_program("MMF_TEST_CHILD", "mmf-child");
}

/* Another test child, @file, in the directory of the mmf-child program
 * (the Makefile builds them all into one), written to @buf (PATH_MAX):
 * returns @buf, or NULL when it is not there. */
static inline const char *sibling_child(const char *file, char *buf)
{
    const char *env = getenv("MMF_TEST_CHILD");
    if (env && *env) {
        snprintf(buf, PATH_MAX, "%s", env);
    } else {
        ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 1);
        cr_assert_gt(n, 0, "readlink /proc/self/exe: %s", strerror(errno));
        buf[n] = '\0';
    }
    char *slash = strrchr(buf, '/');
    cr_assert_not_null(slash);
    snprintf(slash + 1, PATH_MAX - (size_t)(slash + 1 - buf), "%s", file);
    return access(buf, X_OK) == 0 ? buf : NULL;
}

/*
 * Starts the command line @lead followed by @args (both NULL-terminated;
 * lead[0] is found as execvp would), its stdin and stdout on pipes.  Uses
 * posix_spawn, so the child gets only stdin/stdout/stderr, the environment
 * (MMF_REGISTRY_DIR included) and the descriptors of ours that are not
 * close-on-exec, except the @nclose ones in @closefds.
 */
static inline void child_spawn_cmd(struct child *c, const char *const *lead,
                                   const char *const *args, const int *closefds,
                                   int nclose)
{
    const char *argv[128];
    int n = 0;
    for (int i = 0; lead[i]; i++)
        argv[n++] = lead[i];
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(n, 127, "too many child arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    /* A dead child must make our writes fail, not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    cr_assert_eq(pipe2(in, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    for (int i = 0; i < nclose; i++)
        posix_spawn_file_actions_addclose(&fa, closefds[i]);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    fflush(NULL);
    int rc = posix_spawnp(&c->pid, argv[0], &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
    close(in[0]);
    close(out[1]);
    c->in = in[1];
    c->out = fdopen(out[0], "r");
    cr_assert_not_null(c->out, "fdopen: %s", strerror(errno));
}

/*
 * Starts mmf-child with the NULL-terminated @args, through
 * `setpriv --reuid=65534 --regid=65534 --clear-groups` when @as_nobody.
 */
static inline void child_spawn(struct child *c, int as_nobody, const char *const *args)
{
    const char *const nobody[] = { "setpriv", "--reuid=65534", "--regid=65534",
                                   "--clear-groups", child_program(), NULL };
    child_spawn_cmd(c, as_nobody ? nobody : nobody + 4, args, NULL, 0);
}

/* child_start(&c, "create", name, "4096", "hold"): runs the commands. */
#define child_start(c, ...) \
    child_spawn((c), 0, (const char *const[]){ __VA_ARGS__, NULL })
/* The same as user and group 65534 (the caller must be root). */
#define child_start_nobody(c, ...) \
    child_spawn((c), 1, (const char *const[]){ __VA_ARGS__, NULL })

/* Reads the child's next line (without the newline) into @buf. */
static inline void child_line(struct child *c, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, c->out)) {
        int st = 0;
        pid_t w = waitpid(c->pid, &st, WNOHANG);
        cr_assert_fail("child %d ended its output early (%s, status %#x)", (int)c->pid,
                       w == c->pid ? "exited" : "still running", st);
    }
    buf[strcspn(buf, "\n")] = '\0';
}

/* Reads the answer to @cmd ("CMD RC ...") and returns RC. */
static inline int child_rc(struct child *c, const char *cmd)
{
    char line[1024];
    child_line(c, line, sizeof line);
    size_t n = strlen(cmd);
    cr_assert(strncmp(line, cmd, n) == 0 && line[n] == ' ',
              "child %d said \"%s\", expected the answer to %s", (int)c->pid, line, cmd);
    return atoi(line + n + 1);
}

/* Asserts that the answer to @cmd is @want. */
#define child_expect(c, cmd, want)                                           \
    do {                                                                     \
        int ce_got_ = child_rc((c), (cmd));                                  \
        int ce_want_ = (int)(want);                                          \
        cr_assert_eq(ce_got_, ce_want_, "child %s: %d (%s), expected %d (%s)", \
                     (cmd), ce_got_, mmf_strerror(ce_got_), ce_want_,        \
                     mmf_strerror(ce_want_));                                \
    } while (0)

/* Reads the next line and asserts it is exactly @want. */
/* A child's positive answer to a counting command ("fdcount", "execfds"). */
static inline int child_count(struct child *c, const char *cmd)
{
    int n = child_rc(c, cmd);
    cr_assert_gt(n, 0, "child %s: %d", cmd, n);
    return n;
}

static inline void child_expect_line(struct child *c, const char *want)
{
    char line[1024];
    child_line(c, line, sizeof line);
    cr_assert_str_eq(line, want, "child %d said \"%s\", expected \"%s\"", (int)c->pid,
                     line, want);
}

/* Waits for the "ready" of a hold (or churn). */
static inline void child_ready(struct child *c)
{
    child_expect_line(c, "ready");
}

/* Lets a holding child go on. */
static inline void child_go(struct child *c)
{
    cr_assert_eq(write(c->in, "\n", 1), 1, "write to child %d: %s", (int)c->pid,
                 strerror(errno));
}

/* Reads the answer to "read OFF LEN" into @buf (@len bytes). */
static inline void child_read(struct child *c, void *buf, size_t len)
{
    char line[8192];
    child_line(c, line, sizeof line);
    cr_assert(strncmp(line, "read ", 5) == 0, "child said \"%s\", expected read data", line);
    const char *h = line + 5;
    cr_assert_eq(strlen(h), 2 * len, "child read \"%s\", expected %zu bytes", h, len);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        cr_assert_eq(sscanf(h + 2 * i, "%2x", &v), 1, "bad hex from child: %s", h);
        ((unsigned char *)buf)[i] = (unsigned char)v;
    }
}

/* Asserts that the answer to a read is the text @want. */
static inline void child_expect_text(struct child *c, const char *want)
{
    size_t n = strlen(want);
    char got[4096];
    cr_assert_lt(n, sizeof got);
    child_read(c, got, n);
    got[n] = '\0';
    cr_assert(memcmp(got, want, n) == 0, "child read \"%s\", expected \"%s\"", got, want);
}

/* Closes the child's stdin (ending any hold), drains its output, reaps it:
 * returns the wait status. */
static inline int child_end(struct child *c)
{
    char line[8192];
    close(c->in);
    while (fgets(line, sizeof line, c->out))
        ;
    fclose(c->out);
    int st;
    cr_assert_eq(waitpid(c->pid, &st, 0), c->pid, "waitpid: %s", strerror(errno));
    return st;
}

/* child_end() and asserts a clean exit. */
static inline void child_end_ok(struct child *c)
{
    int st = child_end(c);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d ended with status %#x",
              (int)c->pid, st);
}

/* SIGKILLs the child and reaps it; returns the wait status. */
static inline int child_kill(struct child *c)
{
    cr_assert_eq(kill(c->pid, SIGKILL), 0, "kill: %s", strerror(errno));
    int st;
    cr_assert_eq(waitpid(c->pid, &st, 0), c->pid, "waitpid: %s", strerror(errno));
    close(c->in);
    fclose(c->out);
    return st;
}

/* ------------------------------------------------------------------ */
/* Named objects: a private registry per test                          */
/* ------------------------------------------------------------------ */

/*
 * registry_private() makes a fresh directory /dev/shm/mmf-t.PID.XXXXXX and
 * points MMF_REGISTRY_DIR at it, so the test's names live in
 * <base>/mmf-<euid> and <base>/mmf-global and nothing else runs there.
 * Call it before the first registry operation of the process (each
 * Criterion test runs in its own process); children inherit the variable.
 * registry_cleanup() (in the suite's .fini) removes the whole tree; bases
 * left by tests that crashed (no .fini) are removed by the next
 * registry_private() once their process is gone.
 */
struct reg_state {
    char  base[PATH_MAX];
    pid_t owner;
    int   made;
};

static inline struct reg_state *reg_state(void)
{
    static struct reg_state st;
    return &st;
}

/* Removes /dev/shm/mmf-t.PID.* of processes that no longer exist. */
static inline void registry_reap_stale(void)
{
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid;
        if (sscanf(e->d_name, "mmf-t.%d.", &pid) != 1 || pid <= 0)
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "/dev/shm/%s", e->d_name);
        nftw(p, tmp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

static inline const char *registry_private(mode_t mode)
{
    struct reg_state *st = reg_state();
    cr_assert(!st->made || st->owner != getpid(), "registry_private() called twice");
    registry_reap_stale();
    snprintf(st->base, sizeof st->base, "/dev/shm/mmf-t.%d.XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(st->base), "mkdtemp in /dev/shm: %s", strerror(errno));
    st->owner = getpid();
    st->made = 1;
    cr_assert_eq(chmod(st->base, mode), 0, "chmod %s: %s", st->base, strerror(errno));
    cr_assert_eq(setenv("MMF_REGISTRY_DIR", st->base, 1), 0);
    return st->base;
}

static inline void registry_cleanup(void)
{
    struct reg_state *st = reg_state();
    if (st->made && st->owner == getpid()) {
        nftw(st->base, tmp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
        st->made = 0;
    }
}

/* The .fini of suites that use a private registry and the temp directory. */
static inline void test_cleanup(void)
{
    registry_cleanup();
    tmp_cleanup();
}

/* The registry's base: the private one, else $MMF_REGISTRY_DIR, /dev/shm. */
static inline const char *registry_base(void)
{
    struct reg_state *st = reg_state();
    if (st->made && st->owner == getpid())
        return st->base;
    const char *env = getenv("MMF_REGISTRY_DIR");
    return env && *env ? env : "/dev/shm";
}

/* snprintf into @out, asserting that nothing was cut off. */
__attribute__((format(printf, 3, 4)))
static inline char *pathf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && (size_t)n < size, "path too long: %s...", out);
    return out;
}

/* The directory of the caller's local namespace (PATH_MAX bytes). */
static inline char *registry_local(char *out)
{
    return pathf(out, PATH_MAX, "%s/mmf-%u", registry_base(), (unsigned)geteuid());
}

/* The directory of the global namespace (PATH_MAX bytes). */
static inline char *registry_global(char *out)
{
    return pathf(out, PATH_MAX, "%s/mmf-global", registry_base());
}

/*
 * The entries of directory @dir (without "." and ".."; without any name
 * starting with '.' unless @dot_files); their names go to @names when not
 * NULL.  A directory that does not exist has none.
 */
static inline int list_dir(const char *dir, int dot_files, char (*names)[NAME_MAX + 1],
                           int max)
{
    DIR *d = opendir(dir);
    if (!d) {
        cr_assert_eq(errno, ENOENT, "opendir %s: %s", dir, strerror(errno));
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!dot_files && e->d_name[0] == '.')
            continue;
        if (names && n < max)
            snprintf(names[n], NAME_MAX + 1, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* Every entry of @dir. */
static inline int dir_entries(const char *dir, char (*names)[NAME_MAX + 1], int max)
{
    return list_dir(dir, 1, names, max);
}

/*
 * The object entries of registry directory @dir.  Names starting with '.'
 * are the registry's own bookkeeping (mmf escapes a leading '.' of an
 * object's name, so no object's entry starts with one).
 */
static inline int reg_entries(const char *dir, char (*names)[NAME_MAX + 1], int max)
{
    return list_dir(dir, 0, names, max);
}

static inline void assert_entries(const char *dir, int dot_files, int want)
{
    char names[8][NAME_MAX + 1];
    int n = list_dir(dir, dot_files, names, 8);
    cr_assert_eq(n, want, "%s holds %d %s, expected %d; e.g. \"%s\"%s%s%s", dir, n,
                 dot_files ? "entries" : "objects", want, n ? names[0] : "",
                 n > 1 ? ", \"" : "", n > 1 ? names[1] : "", n > 1 ? "\"" : "");
}

/* Asserts that directory @dir is empty (or absent). */
static inline void assert_dir_empty(const char *dir)
{
    assert_entries(dir, 1, 0);
}

/* Asserts that registry directory @dir holds no object (or is absent). */
static inline void assert_no_objects(const char *dir)
{
    assert_entries(dir, 0, 0);
}

/* Asserts that the registry holds no object at all. */
static inline void assert_registry_empty(void)
{
    char dir[PATH_MAX];
    assert_no_objects(registry_local(dir));
    assert_no_objects(registry_global(dir));
}

/* ------------------------------------------------------------------ */
/* mmf shorthands (asserting)                                          */
/* ------------------------------------------------------------------ */

static inline mmf_section *mem_section(uint64_t size, unsigned prot, unsigned flags)
{
    mmf_section *s = NULL;
    assert_rc(mmf_section_create_memory(size, prot, flags, &s), 0);
    cr_assert_not_null(s);
    return s;
}

static inline mmf_section *file_section(int fd, uint64_t size, unsigned prot)
{
    mmf_section *s = NULL;
    assert_rc(mmf_section_from_fd(fd, size, prot, 0, &s), 0);
    cr_assert_not_null(s);
    return s;
}

static inline void *map_view(mmf_section *s, unsigned prot, uint64_t off, uint64_t size)
{
    void *v = NULL;
    assert_rc(mmf_view_map(s, prot, off, size, NULL, &v), 0);
    cr_assert_not_null(v);
    return v;
}

static inline void *map_view_at(mmf_section *s, unsigned prot, uint64_t off,
                                uint64_t size, void *addr)
{
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    o.address = addr;
    void *v = NULL;
    assert_rc(mmf_view_map(s, prot, off, size, &o, &v), 0);
    cr_assert_eq(v, addr, "view at %p, asked for %p", v, addr);
    return v;
}

static inline mmf_view_info query(const void *addr)
{
    mmf_view_info vi;
    memset(&vi, 0, sizeof vi);
    assert_rc(mmf_view_query(addr, &vi), 0);
    return vi;
}

static inline mmf_section_info sinfo(mmf_section *s)
{
    mmf_section_info si;
    memset(&si, 0, sizeof si);
    assert_rc(mmf_section_query(s, &si), 0);
    return si;
}

/* The access set of a protection (its READ/WRITE/EXEC bits). */
static inline unsigned access_set(unsigned prot)
{
    return prot & (MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_EXEC);
}

/* The eight valid protections, and the six valid for sections. */
static const unsigned all_prots[8] = {
    MMF_PAGE_NOACCESS, MMF_PAGE_READONLY, MMF_PAGE_READWRITE, MMF_PAGE_WRITECOPY,
    MMF_PAGE_EXECUTE, MMF_PAGE_EXECUTE_READ, MMF_PAGE_EXECUTE_READWRITE,
    MMF_PAGE_EXECUTE_WRITECOPY,
};
static const unsigned section_prots[6] = {
    MMF_PAGE_READONLY, MMF_PAGE_READWRITE, MMF_PAGE_WRITECOPY,
    MMF_PAGE_EXECUTE_READ, MMF_PAGE_EXECUTE_READWRITE, MMF_PAGE_EXECUTE_WRITECOPY,
};
/* Never valid anywhere. */
static const unsigned bad_prots[] = {
    MMF_PAGE_WRITE, MMF_PAGE_COPY, MMF_PAGE_COPY | MMF_PAGE_WRITE,
    MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_COPY, MMF_PAGE_EXEC | MMF_PAGE_WRITE,
    MMF_PAGE_EXEC | MMF_PAGE_COPY, 0xF, 0x10, 0x11, 0x80000001u,
};

/* Suppresses "unused" warnings for the tables in files that skip some. */
static inline void prot_tables_used(void)
{
    (void)all_prots;
    (void)section_prots;
    (void)bad_prots;
}

#endif /* MMF_TEST_HELPERS_H */
