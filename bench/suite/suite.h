/*
 * suite.h — the timing shared by the programs of bench/suite/ (native.c,
 * win32.c built natively and with mingw-w64, boost.cpp): header-only, C11
 * and C++, Linux or Windows.
 *
 * Method (the same as bench/bench.h, generalised to several sides):
 *   - an operation is a function running n iterations of one thing;
 *   - each side is calibrated: a trial batch doubles until it takes an
 *     eighth of a round, then is scaled to a whole round (the trials are
 *     the warm-up); the slowest side sets the iteration count for all;
 *   - SUITE_ROUNDS rounds follow, in each of which every side runs that
 *     many iterations once, the side that goes first rotating each round,
 *     so that a drifting machine hurts no side more than another;
 *   - a side's figure is the median of its rounds, in ns per iteration.
 *
 * Output protocol (stdout), read by run.sh:
 *   OPERATION,IMPLEMENTATION,NS_PER_OP    one figure
 *   OPERATION,IMPLEMENTATION,-            not measured (a note says why)
 *   # text                                a note shown under the table
 * Diagnostics go to stderr.
 *
 * The clock is QueryPerformanceCounter when SUITE_USE_QPC is defined before
 * including this (the Win32 program, natively and under Wine), otherwise
 * CLOCK_MONOTONIC.  SUITE_ROUND_MS in the environment changes the round
 * length (default 40 ms).
 */
#ifndef MMF_SUITE_H
#define MMF_SUITE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SUITE_USE_QPC
#include <windows.h>
#else
#include <time.h>
#endif

#define SUITE_ROUNDS    7
#define SUITE_MAX_SIDES 4
#define SUITE_ITERS_MIN 4L
#define SUITE_ITERS_MAX 4000000L

static double suite_round_ns = 40e6;

static inline void suite_fail(const char *what)
{
    fprintf(stderr, "suite: %s failed\n", what);
    fflush(stdout);
    exit(1);
}

static inline double suite_now_ns(void)
{
#ifdef SUITE_USE_QPC
    static double ns_per_tick;
    LARGE_INTEGER t;
    if (ns_per_tick == 0) {
        LARGE_INTEGER f;
        if (!QueryPerformanceFrequency(&f) || f.QuadPart <= 0)
            suite_fail("QueryPerformanceFrequency");
        ns_per_tick = 1e9 / (double)f.QuadPart;
    }
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * ns_per_tick;
#else
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        suite_fail("clock_gettime");
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
#endif
}

/* Reads SUITE_ROUND_MS; call once at start. */
static inline void suite_init(void)
{
    const char *ms = getenv("SUITE_ROUND_MS");
    if (ms && atof(ms) > 0)
        suite_round_ns = atof(ms) * 1e6;
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Runs n iterations of one operation; exits on a failing call. */
typedef void (*suite_op)(void *arg, long n);

typedef struct suite_side {
    suite_op op;
    void    *arg;
    double   ns;      /* out: median ns per iteration */
} suite_side;

static inline double suite_time(suite_op op, void *arg, long n)
{
    double start = suite_now_ns();
    op(arg, n);
    return (suite_now_ns() - start) / (double)n;
}

/* Iterations for one round of `op` (see the method above). */
static inline long suite_calibrate(suite_op op, void *arg)
{
    for (long n = 1;; n *= 2) {
        double start = suite_now_ns();
        op(arg, n);
        double spent = suite_now_ns() - start;
        if (spent * 8.0 >= suite_round_ns || n >= SUITE_ITERS_MAX) {
            double scaled = (double)n * suite_round_ns / (spent > 1.0 ? spent : 1.0);
            if (scaled < (double)SUITE_ITERS_MIN)
                return SUITE_ITERS_MIN;
            if (scaled > (double)SUITE_ITERS_MAX)
                return SUITE_ITERS_MAX;
            return (long)scaled;
        }
    }
}

static inline int suite_by_value(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* Measures k (1..SUITE_MAX_SIDES) sides in interleaved rounds. */
static inline void suite_measure(suite_side *side, int k)
{
    double t[SUITE_MAX_SIDES][SUITE_ROUNDS];
    long n = SUITE_ITERS_MAX;
    for (int i = 0; i < k; i++) {
        long ni = suite_calibrate(side[i].op, side[i].arg);
        if (ni < n)
            n = ni;
    }
    for (int r = 0; r < SUITE_ROUNDS; r++)
        for (int j = 0; j < k; j++) {
            int i = (r + j) % k;
            t[i][r] = suite_time(side[i].op, side[i].arg, n);
        }
    for (int i = 0; i < k; i++) {
        qsort(t[i], SUITE_ROUNDS, sizeof t[i][0], suite_by_value);
        side[i].ns = t[i][SUITE_ROUNDS / 2];
    }
}

/* Median ns per iteration of a single side. */
static inline double suite_one(suite_op op, void *arg)
{
    suite_side s = { op, arg, 0 };
    suite_measure(&s, 1);
    return s.ns;
}

static inline void suite_emit(const char *op, const char *impl, double ns)
{
    printf("%s,%s,%.1f\n", op, impl, ns);
}

static inline void suite_missing(const char *op, const char *impl)
{
    printf("%s,%s,-\n", op, impl);
}

static inline void suite_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

/* A fixed pseudo-random sequence (xorshift64): every implementation reads
 * and updates the same records in the same order. */
static inline unsigned long long suite_next(unsigned long long *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

#define SUITE_SEED 0x9E3779B97F4A7C15ULL

/* Sum of the 64-bit words of a scanned block (keeps every byte read). */
static inline unsigned long long suite_sum(const void *p, size_t len)
{
    const unsigned long long *w = (const unsigned long long *)p;
    unsigned long long s = 0;
    for (size_t i = 0; i < len / sizeof *w; i++)
        s += w[i];
    return s;
}

/* Where results go so the compiler cannot drop the work. */
static volatile unsigned long long suite_sink;

/* The workload's shape, the same in every program. */
#define SUITE_RECORDS      1000000ULL   /* the demo's flat-file database */
#define SUITE_RECORD_SIZE  125ULL
#define SUITE_FILE_SIZE    (SUITE_RECORDS * SUITE_RECORD_SIZE)
#define SUITE_MIB          1048576ULL
#define SUITE_SCAN_CHUNKS  (SUITE_FILE_SIZE / SUITE_MIB) /* whole MiBs scanned */
#define SUITE_SECTION_SIZE SUITE_MIB        /* map+unmap, create+close */
#define SUITE_VIEW_SIZE    65536ULL
#define SUITE_NAMED_SIZE   65536ULL
#define SUITE_LIVE_VIEWS   100000L
#define SUITE_LIVE_NAMES   10000L

#endif /* MMF_SUITE_H */
