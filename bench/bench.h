/*
 * bench.h — what the benchmarks in bench/ share: failing on a call, timing
 * with calibrated, interleaved rounds and their median, the machine line,
 * and the result table with its CSV copy.
 *
 * Header-only (every function static inline), because the Makefile builds
 * each bench/X.c on its own into build/bench/X.  Before including it, a
 * benchmark defines
 *
 *   BENCH_NAME       its name, which starts every message on stderr
 *   BENCH_ITERS_MAX  the most iterations a round may run
 *
 * and may set bench_on_failure to a function that tidies up before a
 * failing call exits.
 *
 * Method: each figure is the median over BENCH_ROUNDS rounds; a round runs
 * a calibrated number of iterations (about BENCH_ROUND_NS long), the same
 * number for both sides, and the two sides' rounds alternate, the first
 * side changing every round, so that a drifting machine hurts neither side
 * more.
 */
#ifndef MMF_BENCH_H
#define MMF_BENCH_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "mmf.h"

#if !defined(BENCH_NAME) || !defined(BENCH_ITERS_MAX)
#error "define BENCH_NAME and BENCH_ITERS_MAX before including bench.h"
#endif

#define BENCH_ROUNDS     7
#define BENCH_ROUND_NS   40e6   /* one round of one side: ~40 ms */
#define BENCH_ITERS_MIN  16L
#define BENCH_MAX_ROWS   8

_Static_assert(BENCH_ROUNDS % 2 == 1, "the median is the middle round");

/* ------------------------------------------------------------------ */
/* Failure                                                             */
/* ------------------------------------------------------------------ */

/* Called, when set, before a failing call exits. */
static void (*bench_on_failure)(void);

static inline _Noreturn void bench_exit_failed(void)
{
    if (bench_on_failure)
        bench_on_failure();
    exit(1);
}

static inline _Noreturn void fail_mmf(const char *call, int rc)
{
    fprintf(stderr, BENCH_NAME ": %s failed: %s (%d)\n", call,
            mmf_strerror(rc), rc);
    bench_exit_failed();
}

static inline _Noreturn void fail_sys(const char *call)
{
    int e = errno;
    fprintf(stderr, BENCH_NAME ": %s failed: %s (errno %d)\n", call,
            strerror(e), e);
    bench_exit_failed();
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */
/* ------------------------------------------------------------------ */

static inline double clock_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        fail_sys("clock_gettime");
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

static inline int bench_by_value(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* Median of the BENCH_ROUNDS values of v (v itself is sorted). */
static inline double median_of_rounds(double *v)
{
    qsort(v, BENCH_ROUNDS, sizeof *v, bench_by_value);
    return v[BENCH_ROUNDS / 2];
}

/* Runs n iterations of one operation; exits on a failing call. */
typedef void (*op_fn)(void *arg, long n);

static inline double ns_per_op(op_fn op, void *arg, long n)
{
    double start = clock_ns();
    op(arg, n);
    return (clock_ns() - start) / (double)n;
}

/* Doubles a trial batch until it takes an eighth of a round, then scales
 * it to a whole round.  The trials double as the warm-up. */
static inline long iterations_for(op_fn op, void *arg)
{
    for (long n = 1;; n *= 2) {
        double start = clock_ns();
        op(arg, n);
        double spent = clock_ns() - start;
        if (spent * 8.0 >= BENCH_ROUND_NS || n >= BENCH_ITERS_MAX) {
            double scaled =
                (double)n * BENCH_ROUND_NS / (spent > 1.0 ? spent : 1.0);
            if (scaled < (double)BENCH_ITERS_MIN)
                return BENCH_ITERS_MIN;
            if (scaled > (double)BENCH_ITERS_MAX)
                return BENCH_ITERS_MAX;
            return (long)scaled;
        }
    }
}

/* Medians of x and (unless y is NULL) y, measured in alternating rounds. */
static inline void run_pair(op_fn x, void *xarg, op_fn y, void *yarg,
                            double *x_ns, double *y_ns)
{
    double xs[BENCH_ROUNDS], ys[BENCH_ROUNDS];
    long n = iterations_for(x, xarg);
    if (y) {
        long ny = iterations_for(y, yarg);
        n = ny < n ? ny : n; /* the slower side sets the count */
    }
    for (int r = 0; r < BENCH_ROUNDS; r++) {
        int y_first = y && r % 2 == 1;
        if (y_first)
            ys[r] = ns_per_op(y, yarg, n);
        xs[r] = ns_per_op(x, xarg, n);
        if (y && !y_first)
            ys[r] = ns_per_op(y, yarg, n);
    }
    *x_ns = median_of_rounds(xs);
    if (y)
        *y_ns = median_of_rounds(ys);
}

/* ------------------------------------------------------------------ */
/* The machine                                                         */
/* ------------------------------------------------------------------ */

/* The first non-empty value in /proc/cpuinfo of one of the `nkeys` keys,
 * tried in order ("unknown CPU" when none has one). */
static inline void describe_cpu(const char *const *keys, size_t nkeys,
                                char *out, size_t size)
{
    snprintf(out, size, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    for (size_t k = 0; k < nkeys; k++) {
        size_t len = strlen(keys[k]);
        rewind(f);
        while (fgets(line, sizeof line, f)) {
            char *colon = strchr(line, ':');
            /* the key must be followed only by blanks up to the colon */
            if (!colon || strncmp(line, keys[k], len) != 0 ||
                line + len + strspn(line + len, " \t") != colon)
                continue;
            char *v = colon + 1;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            if (*v) {
                snprintf(out, size, "%s", v);
                fclose(f);
                return;
            }
        }
    }
    fclose(f);
}

static inline long online_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* Prints "machine: Linux RELEASE ARCH, nproc N, CPU MODEL", the model
 * found under one of `cpu_keys` as describe_cpu does. */
static inline void print_machine(const char *const *cpu_keys, size_t nkeys)
{
    struct utsname u;
    if (uname(&u) != 0)
        fail_sys("uname");
    char cpu[256];
    describe_cpu(cpu_keys, nkeys, cpu, sizeof cpu);
    printf("machine: Linux %s %s, nproc %ld, CPU %s\n", u.release, u.machine,
           online_cpus(), cpu);
}

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

struct row {
    char   what[64];
    double mmf_ns, bare_ns;
    double target;      /* 0: informational */
};

static struct row rows[BENCH_MAX_ROWS];
static int nrows;

static inline void add_row(const char *what, double mmf_ns, double bare_ns,
                           double target)
{
    if (nrows >= BENCH_MAX_ROWS)
        return;
    struct row *r = &rows[nrows++];
    snprintf(r->what, sizeof r->what, "%s", what);
    r->mmf_ns = mmf_ns;
    r->bare_ns = bare_ns;
    r->target = target;
}

/* The table of rows: the operation in a column `what_width` wide, under
 * a rule of `rule_width` dashes. */
static inline void print_rows(int what_width, int rule_width)
{
    printf("\n%-*s %11s %11s %7s  %s\n", what_width, "operation",
           "mmf ns/op", "bare ns/op", "ratio", "target");
    for (int i = 0; i < rule_width; i++)
        putchar('-');
    putchar('\n');
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        double ratio = r->mmf_ns / r->bare_ns;
        printf("%-*s %11.1f %11.1f %7.3f  ", what_width, r->what, r->mmf_ns,
               r->bare_ns, ratio);
        if (r->target > 0)
            printf("<= %.2f %s\n", r->target,
                   ratio <= r->target ? "ok" : "MISSED");
        else
            printf("info\n");
    }
}

/* Makes every missing directory above `path`. */
static inline void make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            fail_sys("mkdir (CSV directory)");
        *p = '/';
    }
}

static inline void save_csv(const char *path)
{
    make_parents(path);
    FILE *f = fopen(path, "w");
    if (!f)
        fail_sys("fopen (CSV)");
    fputs("operation,mmf_ns,bare_ns,ratio,target\n", f);
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        fprintf(f, "%s,%.1f,%.1f,%.3f,", r->what, r->mmf_ns, r->bare_ns,
                r->mmf_ns / r->bare_ns);
        if (r->target > 0)
            fprintf(f, "%.2f", r->target);
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        fail_sys("fclose (CSV)");
}

/* Writes the CSV and the closing lines; `began` is clock_ns() at start. */
static inline void finish_run(const char *csv, double began)
{
    save_csv(csv);
    printf("csv: %s\ntotal time: %.1f s\n", csv, (clock_ns() - began) / 1e9);
}

#endif /* MMF_BENCH_H */
