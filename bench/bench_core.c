/*
 * bench_core.c — the core costs of mmf against the plain Linux calls they
 * wrap, measured in the same run:
 *
 *   1. map+unmap of a 64 KiB view of a 1 MiB memory section
 *      vs mmap/munmap of a memfd                              (target <= 1.2)
 *   2. create+close of a 1 MiB memory section
 *      vs memfd_create + ftruncate + fallocate + F_ADD_SEALS
 *      + close, the sequence the library performs             (target <= 1.2)
 *   3. map+unmap of a 64 KiB view of a 1 MiB file section (/tmp)
 *      vs mmap/munmap of the same descriptor                  (informational)
 *   4. map+unmap of a 64 KiB view while 100,000 one-page views are live
 *      vs the same with no live view: the ratio shows what a big view
 *      table costs (it should be O(log n))                    (informational)
 *
 * Every figure is the median of ROUNDS rounds of N iterations (N calibrated
 * so that one round takes about ROUND_TARGET_NS); the mmf and bare rounds
 * are interleaved, alternating which goes first, so that drift of the
 * machine's speed hits both sides alike.  Results go to stdout as a table and
 * to build/bench/bench_core.csv (or the path given as the first argument).
 *
 * A missed target is reported ("MISSED") but never fails the run; a failing
 * call does (exit status 1, with a message naming the call).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "mmf.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

#define ROUNDS          7
#define ROUND_TARGET_NS 40000000.0   /* ~40 ms per round and side */
#define MIN_ITERS       16L
#define MAX_ITERS       2000000L

#define SECTION_SIZE    ((uint64_t)1 << 20)  /* 1 MiB */
#define VIEW_SIZE       ((uint64_t)65536)    /* 64 KiB */
#define LIVE_VIEWS      100000L

#define CSV_DEFAULT     "build/bench/bench_core.csv"

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void die_mmf(const char *what, int rc)
{
    fprintf(stderr, "bench_core: %s failed: %s (%d)\n", what,
            mmf_strerror(rc), rc);
    exit(1);
}

static void die_sys(const char *what)
{
    int e = errno;
    fprintf(stderr, "bench_core: %s failed: %s (errno %d)\n", what,
            strerror(e), e);
    exit(1);
}

/* ------------------------------------------------------------------ */
/* Time and statistics                                                 */
/* ------------------------------------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die_sys("clock_gettime");
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double tmp[ROUNDS];
    memcpy(tmp, v, (size_t)n * sizeof *tmp);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return (n % 2) ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
}

/* One benchmarked operation: runs `n` iterations; fails the program itself
 * when a call fails. */
typedef void (*batch_fn)(void *ctx, long n);

/* ns per iteration of one batch of n. */
static double time_batch(batch_fn fn, void *ctx, long n)
{
    double t0 = now_ns();
    fn(ctx, n);
    return (now_ns() - t0) / (double)n;
}

/* Iterations for a round of about ROUND_TARGET_NS (also warms up). */
static long calibrate(batch_fn fn, void *ctx)
{
    long n = 1;
    for (;;) {
        double t0 = now_ns();
        fn(ctx, n);
        double el = now_ns() - t0;
        if (el >= ROUND_TARGET_NS / 8.0 || n >= MAX_ITERS) {
            double want = (double)n * ROUND_TARGET_NS / (el > 1.0 ? el : 1.0);
            long w = (long)want;
            if (w < MIN_ITERS)
                w = MIN_ITERS;
            if (w > MAX_ITERS)
                w = MAX_ITERS;
            return w;
        }
        n *= 2;
    }
}

/* Median ns/op of `a` and of `b` (b may be NULL), interleaved rounds. */
static void measure_pair(batch_fn a, void *actx, batch_fn b, void *bctx,
                         double *a_ns, double *b_ns)
{
    double ra[ROUNDS], rb[ROUNDS];
    long n = calibrate(a, actx);
    if (b) {
        long nb = calibrate(b, bctx);
        if (nb < n)
            n = nb; /* same count for both sides; the slower one sets it */
    }
    for (int r = 0; r < ROUNDS; r++) {
        if (b && (r & 1))
            rb[r] = time_batch(b, bctx, n);
        ra[r] = time_batch(a, actx, n);
        if (b && !(r & 1))
            rb[r] = time_batch(b, bctx, n);
    }
    *a_ns = median(ra, ROUNDS);
    if (b)
        *b_ns = median(rb, ROUNDS);
}

/* ------------------------------------------------------------------ */
/* The operations                                                      */
/* ------------------------------------------------------------------ */

/* map+unmap through mmf */
struct mmf_map_ctx {
    mmf_section *s;
};

static void op_mmf_map_unmap(void *ctx, long n)
{
    struct mmf_map_ctx *c = ctx;
    for (long i = 0; i < n; i++) {
        void *p = NULL;
        int rc = mmf_view_map(c->s, MMF_PAGE_READWRITE, 0, VIEW_SIZE, NULL, &p);
        if (rc != 0)
            die_mmf("mmf_view_map (64 KiB view)", rc);
        rc = mmf_view_unmap(p);
        if (rc != 0)
            die_mmf("mmf_view_unmap", rc);
    }
}

/* map+unmap with mmap/munmap */
struct bare_map_ctx {
    int fd;
};

static void op_bare_map_unmap(void *ctx, long n)
{
    struct bare_map_ctx *c = ctx;
    for (long i = 0; i < n; i++) {
        void *p = mmap(NULL, (size_t)VIEW_SIZE, PROT_READ | PROT_WRITE,
                       MAP_SHARED, c->fd, 0);
        if (p == MAP_FAILED)
            die_sys("mmap (64 KiB, MAP_SHARED)");
        if (munmap(p, (size_t)VIEW_SIZE) != 0)
            die_sys("munmap");
    }
}

/* create+close of a memory section through mmf */
static void op_mmf_create_close(void *ctx, long n)
{
    (void)ctx;
    for (long i = 0; i < n; i++) {
        mmf_section *s = NULL;
        int rc = mmf_section_create_memory(SECTION_SIZE, MMF_PAGE_READWRITE,
                                           0, &s);
        if (rc != 0)
            die_mmf("mmf_section_create_memory (1 MiB)", rc);
        rc = mmf_section_close(s);
        if (rc != 0)
            die_mmf("mmf_section_close", rc);
    }
}

/* The sequence the library performs for a committed memory section. */
static int noexec_seal_ok = 1; /* cleared once the kernel rejects it */

static int bare_memfd_create(uint64_t size)
{
    int fd = -1;
    if (noexec_seal_ok) {
        fd = memfd_create("mmf", MFD_CLOEXEC | MFD_ALLOW_SEALING |
                                     MFD_NOEXEC_SEAL);
        if (fd < 0 && errno == EINVAL)
            noexec_seal_ok = 0;
        else if (fd < 0)
            die_sys("memfd_create");
    }
    if (fd < 0) {
        fd = memfd_create("mmf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
            die_sys("memfd_create");
    }
    if (ftruncate(fd, (off_t)size) != 0)
        die_sys("ftruncate (memfd)");
    if (fallocate(fd, 0, 0, (off_t)size) != 0)
        die_sys("fallocate (memfd)");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
        die_sys("fcntl F_ADD_SEALS");
    return fd;
}

static void op_bare_create_close(void *ctx, long n)
{
    (void)ctx;
    for (long i = 0; i < n; i++) {
        int fd = bare_memfd_create(SECTION_SIZE);
        if (close(fd) != 0)
            die_sys("close (memfd)");
    }
}

/* ------------------------------------------------------------------ */
/* Machine description                                                 */
/* ------------------------------------------------------------------ */

static void cpu_model(char *buf, size_t size)
{
    static const char *const keys[] = { "model name", "Model", "Hardware",
                                        "cpu model", "cpu" };
    char line[512];
    snprintf(buf, size, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        rewind(f);
        size_t kl = strlen(keys[k]);
        while (fgets(line, sizeof line, f)) {
            char *colon = strchr(line, ':');
            if (!colon || strncmp(line, keys[k], kl) != 0)
                continue;
            /* the key must be followed only by blanks up to the colon */
            const char *q = line + kl;
            while (q < colon && (*q == ' ' || *q == '\t'))
                q++;
            if (q != colon)
                continue;
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            v[strcspn(v, "\n")] = '\0';
            if (*v) {
                snprintf(buf, size, "%s", v);
                fclose(f);
                return;
            }
        }
    }
    fclose(f);
}

static long ncpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    return sysconf(_SC_NPROCESSORS_ONLN);
}

static const char *fs_name(long type)
{
    switch ((unsigned long)type & 0xffffffffUL) {
    case 0xEF53UL:     return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    case 0x2FC12FC1UL: return "zfs";
    case 0xF2F52010UL: return "f2fs";
    default:           return "other";
    }
}

/* Lines of /proc/self/maps: the kernel's VMA count for this process. */
static long count_vmas(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    long lines = 0;
    int ch;
    while ((ch = getc(f)) != EOF)
        if (ch == '\n')
            lines++;
    fclose(f);
    return lines;
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

struct result {
    const char *op;
    double mmf_ns, bare_ns;
    double target; /* 0: informational */
};

#define NRESULTS 4
static struct result results[NRESULTS];
static int nresults;

static void add_result(const char *op, double mmf_ns, double bare_ns,
                       double target)
{
    if (nresults < NRESULTS)
        results[nresults++] = (struct result){ op, mmf_ns, bare_ns, target };
}

static void print_table(void)
{
    printf("\n%-50s %11s %11s %7s  %s\n", "operation", "mmf ns/op",
           "bare ns/op", "ratio", "target");
    for (int i = 0; i < 50 + 1 + 11 + 1 + 11 + 1 + 7 + 2 + 14; i++)
        putchar('-');
    putchar('\n');
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        double ratio = r->mmf_ns / r->bare_ns;
        printf("%-50s %11.1f %11.1f %7.3f  ", r->op, r->mmf_ns, r->bare_ns,
               ratio);
        if (r->target > 0)
            printf("<= %.2f %s\n", r->target,
                   ratio <= r->target ? "ok" : "MISSED");
        else
            printf("info\n");
    }
}

static void mkdir_p_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            die_sys("mkdir (CSV directory)");
        *p = '/';
    }
    if (dir[0] && mkdir(dir, 0777) != 0 && errno != EEXIST)
        die_sys("mkdir (CSV directory)");
}

static void write_csv(const char *path)
{
    mkdir_p_parent(path);
    FILE *f = fopen(path, "w");
    if (!f)
        die_sys("fopen (CSV)");
    fprintf(f, "operation,mmf_ns,bare_ns,ratio,target\n");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        fprintf(f, "%s,%.1f,%.1f,%.3f,", r->op, r->mmf_ns, r->bare_ns,
                r->mmf_ns / r->bare_ns);
        if (r->target > 0)
            fprintf(f, "%.2f\n", r->target);
        else
            fprintf(f, "\n");
    }
    if (fclose(f) != 0)
        die_sys("fclose (CSV)");
}

static void check_no_views(const char *after)
{
    size_t n = mmf_view_count();
    if (n != 0)
        fprintf(stderr, "bench_core: warning: %zu view(s) still counted "
                        "after %s\n", n, after);
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    const char *csv = argc > 1 ? argv[1] : CSV_DEFAULT;
    double t_start = now_ns();
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);

    struct utsname u;
    if (uname(&u) != 0)
        die_sys("uname");
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    printf("machine: Linux %s %s, nproc %ld, CPU %s\n", u.release, u.machine,
           ncpus(), cpu);

    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        die_sys("sysconf(_SC_PAGESIZE)");
    printf("config: %d rounds per figure (median), ~%.0f ms per round, "
           "page %ld, granularity %llu\n", ROUNDS, ROUND_TARGET_NS / 1e6,
           page, (unsigned long long)mmf_granularity());

    /* ---- 1. map+unmap of a 64 KiB view of a 1 MiB memory section ---- */
    mmf_section *msec = NULL;
    rc = mmf_section_create_memory(SECTION_SIZE, MMF_PAGE_READWRITE, 0, &msec);
    if (rc != 0)
        die_mmf("mmf_section_create_memory (1 MiB)", rc);
    struct mmf_map_ctx mctx = { msec };
    struct bare_map_ctx bctx = { bare_memfd_create(SECTION_SIZE) };
    double m1, b1;
    measure_pair(op_mmf_map_unmap, &mctx, op_bare_map_unmap, &bctx, &m1, &b1);
    add_result("map+unmap 64KiB view of 1MiB memory section", m1, b1, 1.2);
    check_no_views("benchmark 1");

    /* ---- 2. create+close of a 1 MiB memory section ---- */
    double m2, b2;
    measure_pair(op_mmf_create_close, NULL, op_bare_create_close, NULL,
                 &m2, &b2);
    add_result("create+close 1MiB memory section", m2, b2, 1.2);
    if (!noexec_seal_ok)
        printf("note: kernel lacks MFD_NOEXEC_SEAL; bare memfd_create "
               "falls back without it\n");

    /* ---- 3. map+unmap of a 64 KiB view of a 1 MiB file section ---- */
    char tmpl[] = "/tmp/mmf-bench-XXXXXX";
    int ffd = mkstemp(tmpl);
    if (ffd < 0)
        die_sys("mkstemp (/tmp)");
    if (unlink(tmpl) != 0) /* the descriptor keeps the file alive */
        die_sys("unlink (temporary file)");
    {
        static char block[65536];
        memset(block, 0x5a, sizeof block);
        for (uint64_t off = 0; off < SECTION_SIZE; off += sizeof block) {
            ssize_t w = pwrite(ffd, block, sizeof block, (off_t)off);
            if (w != (ssize_t)sizeof block) {
                if (w >= 0)
                    errno = EIO;
                die_sys("pwrite (temporary file)");
            }
        }
    }
    struct statfs sfs;
    if (fstatfs(ffd, &sfs) != 0)
        die_sys("fstatfs");
    printf("file section: 1 MiB file in /tmp on %s\n",
           fs_name((long)sfs.f_type));
    mmf_section *fsec = NULL;
    rc = mmf_section_from_fd(ffd, SECTION_SIZE, MMF_PAGE_READWRITE, 0, &fsec);
    if (rc != 0)
        die_mmf("mmf_section_from_fd (1 MiB file)", rc);
    struct mmf_map_ctx fmctx = { fsec };
    struct bare_map_ctx fbctx = { ffd };
    double m3, b3;
    measure_pair(op_mmf_map_unmap, &fmctx, op_bare_map_unmap, &fbctx,
                 &m3, &b3);
    add_result("map+unmap 64KiB view of 1MiB file section", m3, b3, 0);
    check_no_views("benchmark 3");
    rc = mmf_section_close(fsec);
    if (rc != 0)
        die_mmf("mmf_section_close (file section)", rc);
    if (close(ffd) != 0)
        die_sys("close (temporary file)");

    /* ---- 4. map+unmap with 100,000 live views vs none ---- */
    double m4_zero, m4_live, b4_live;
    measure_pair(op_mmf_map_unmap, &mctx, NULL, NULL, &m4_zero, NULL);

    /* RESERVE: the views are never touched, so no memory needs committing. */
    mmf_section *big = NULL;
    uint64_t big_size = (uint64_t)LIVE_VIEWS * (uint64_t)page;
    rc = mmf_section_create_memory(big_size, MMF_PAGE_READWRITE,
                                   MMF_SEC_RESERVE, &big);
    if (rc != 0)
        die_mmf("mmf_section_create_memory (100000 pages, RESERVE)", rc);
    void **live = malloc((size_t)LIVE_VIEWS * sizeof *live);
    if (!live)
        die_sys("malloc (view array)");
    long vmas_before = count_vmas();
    double t0 = now_ns();
    for (long i = 0; i < LIVE_VIEWS; i++) {
        /* Descending offsets: each new view lands just below the previous
         * one and continues it in the file, so the kernel merges the VMAs
         * and stays under vm.max_map_count. */
        uint64_t off = (uint64_t)(LIVE_VIEWS - 1 - i) * (uint64_t)page;
        rc = mmf_view_map(big, MMF_PAGE_READWRITE, off, (uint64_t)page, NULL,
                          &live[i]);
        if (rc != 0) {
            fprintf(stderr, "bench_core: live view %ld of %ld (kernel VMAs "
                    "now %ld):\n", i + 1, LIVE_VIEWS, count_vmas());
            if (rc == -ENOMEM)
                fprintf(stderr, "bench_core: (the views did not merge into "
                        "few VMAs and hit vm.max_map_count?)\n");
            die_mmf("mmf_view_map (one-page live view)", rc);
        }
    }
    double map_all_ns = now_ns() - t0;
    long vmas_live = count_vmas();
    size_t counted = mmf_view_count();
    if (counted != (size_t)LIVE_VIEWS)
        fprintf(stderr, "bench_core: warning: mmf_view_count() is %zu with "
                        "%ld live views\n", counted, LIVE_VIEWS);

    measure_pair(op_mmf_map_unmap, &mctx, op_bare_map_unmap, &bctx,
                 &m4_live, &b4_live);

    t0 = now_ns();
    for (long i = LIVE_VIEWS - 1; i >= 0; i--) {
        rc = mmf_view_unmap(live[i]);
        if (rc != 0)
            die_mmf("mmf_view_unmap (live view)", rc);
    }
    double unmap_all_ns = now_ns() - t0;
    free(live);
    rc = mmf_section_close(big);
    if (rc != 0)
        die_mmf("mmf_section_close (100000-page section)", rc);
    check_no_views("benchmark 4");
    add_result("map+unmap 64KiB view: 100000 live vs 0 live views",
               m4_live, m4_zero, 0);

    rc = mmf_section_close(msec);
    if (rc != 0)
        die_mmf("mmf_section_close (1 MiB memory section)", rc);
    if (close(bctx.fd) != 0)
        die_sys("close (memfd)");

    /* ---- report ---- */
    print_table();
    printf("\nrow 4: 'mmf' = mmf with %ld live views, 'bare' = mmf with "
           "0 live views (ratio = cost of a big view table)\n", LIVE_VIEWS);
    printf("       with the views live: kernel VMAs %ld (before: %ld), "
           "bare mmap+munmap %.1f ns/op\n", vmas_live, vmas_before, b4_live);
    printf("       setup: %ld mmf_view_map %.0f ns/view, %ld mmf_view_unmap "
           "%.0f ns/view\n", LIVE_VIEWS, map_all_ns / (double)LIVE_VIEWS,
           LIVE_VIEWS, unmap_all_ns / (double)LIVE_VIEWS);

    write_csv(csv);
    printf("csv: %s\ntotal time: %.1f s\n", csv, (now_ns() - t_start) / 1e9);
    return 0;
}
