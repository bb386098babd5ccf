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
 * Every figure is the median of BENCH_ROUNDS rounds of N iterations (N
 * calibrated so that one round takes about BENCH_ROUND_NS); the mmf and
 * bare rounds are interleaved, alternating which goes first, so that drift
 * of the machine's speed hits both sides alike (bench.h holds this timing
 * and the reporting, shared with bench_named.c).  Results go to stdout as a
 * table and to build/bench/bench_core.csv (or the path given as the first
 * argument).
 *
 * A missed target is reported ("MISSED") but never fails the run; a failing
 * call does (exit status 1, with a message naming the call).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "mmf.h"

#define BENCH_NAME      "bench_core"
#define BENCH_ITERS_MAX 2000000L
#include "bench.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

#define SECTION_SIZE    ((uint64_t)1 << 20)  /* 1 MiB */
#define VIEW_SIZE       ((uint64_t)65536)    /* 64 KiB */
#define LIVE_VIEWS      100000L

#define CSV_DEFAULT     "build/bench/bench_core.csv"

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
            fail_mmf("mmf_view_map (64 KiB view)", rc);
        rc = mmf_view_unmap(p);
        if (rc != 0)
            fail_mmf("mmf_view_unmap", rc);
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
            fail_sys("mmap (64 KiB, MAP_SHARED)");
        if (munmap(p, (size_t)VIEW_SIZE) != 0)
            fail_sys("munmap");
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
            fail_mmf("mmf_section_create_memory (1 MiB)", rc);
        rc = mmf_section_close(s);
        if (rc != 0)
            fail_mmf("mmf_section_close", rc);
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
            fail_sys("memfd_create");
    }
    if (fd < 0) {
        fd = memfd_create("mmf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
            fail_sys("memfd_create");
    }
    if (ftruncate(fd, (off_t)size) != 0)
        fail_sys("ftruncate (memfd)");
    if (fallocate(fd, 0, 0, (off_t)size) != 0)
        fail_sys("fallocate (memfd)");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
        fail_sys("fcntl F_ADD_SEALS");
    return fd;
}

static void op_bare_create_close(void *ctx, long n)
{
    (void)ctx;
    for (long i = 0; i < n; i++) {
        int fd = bare_memfd_create(SECTION_SIZE);
        if (close(fd) != 0)
            fail_sys("close (memfd)");
    }
}

/* ------------------------------------------------------------------ */
/* Machine description                                                 */
/* ------------------------------------------------------------------ */

/* Keys of /proc/cpuinfo that may name the CPU, tried in order. */
static const char *const cpu_keys[] = { "model name", "Model", "Hardware",
                                        "cpu model", "cpu" };

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
    double t_start = clock_ns();
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);

    print_machine(cpu_keys, sizeof cpu_keys / sizeof *cpu_keys);

    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        fail_sys("sysconf(_SC_PAGESIZE)");
    printf("config: %d rounds per figure (median), ~%.0f ms per round, "
           "page %ld, granularity %llu\n", BENCH_ROUNDS, BENCH_ROUND_NS / 1e6,
           page, (unsigned long long)mmf_granularity());

    /* ---- 1. map+unmap of a 64 KiB view of a 1 MiB memory section ---- */
    mmf_section *msec = NULL;
    rc = mmf_section_create_memory(SECTION_SIZE, MMF_PAGE_READWRITE, 0, &msec);
    if (rc != 0)
        fail_mmf("mmf_section_create_memory (1 MiB)", rc);
    struct mmf_map_ctx mctx = { msec };
    struct bare_map_ctx bctx = { bare_memfd_create(SECTION_SIZE) };
    double m1, b1;
    run_pair(op_mmf_map_unmap, &mctx, op_bare_map_unmap, &bctx, &m1, &b1);
    add_row("map+unmap 64KiB view of 1MiB memory section", m1, b1, 1.2);
    check_no_views("benchmark 1");

    /* ---- 2. create+close of a 1 MiB memory section ---- */
    double m2, b2;
    run_pair(op_mmf_create_close, NULL, op_bare_create_close, NULL,
                 &m2, &b2);
    add_row("create+close 1MiB memory section", m2, b2, 1.2);
    if (!noexec_seal_ok)
        printf("note: kernel lacks MFD_NOEXEC_SEAL; bare memfd_create "
               "falls back without it\n");

    /* ---- 3. map+unmap of a 64 KiB view of a 1 MiB file section ---- */
    char tmpl[] = "/tmp/mmf-bench-XXXXXX";
    int ffd = mkstemp(tmpl);
    if (ffd < 0)
        fail_sys("mkstemp (/tmp)");
    if (unlink(tmpl) != 0) /* the descriptor keeps the file alive */
        fail_sys("unlink (temporary file)");
    {
        static char block[65536];
        memset(block, 0x5a, sizeof block);
        for (uint64_t off = 0; off < SECTION_SIZE; off += sizeof block) {
            ssize_t w = pwrite(ffd, block, sizeof block, (off_t)off);
            if (w != (ssize_t)sizeof block) {
                if (w >= 0)
                    errno = EIO;
                fail_sys("pwrite (temporary file)");
            }
        }
    }
    struct statfs sfs;
    if (fstatfs(ffd, &sfs) != 0)
        fail_sys("fstatfs");
    printf("file section: 1 MiB file in /tmp on %s\n",
           fs_name((long)sfs.f_type));
    mmf_section *fsec = NULL;
    rc = mmf_section_from_fd(ffd, SECTION_SIZE, MMF_PAGE_READWRITE, 0, &fsec);
    if (rc != 0)
        fail_mmf("mmf_section_from_fd (1 MiB file)", rc);
    struct mmf_map_ctx fmctx = { fsec };
    struct bare_map_ctx fbctx = { ffd };
    double m3, b3;
    run_pair(op_mmf_map_unmap, &fmctx, op_bare_map_unmap, &fbctx,
                 &m3, &b3);
    add_row("map+unmap 64KiB view of 1MiB file section", m3, b3, 0);
    check_no_views("benchmark 3");
    rc = mmf_section_close(fsec);
    if (rc != 0)
        fail_mmf("mmf_section_close (file section)", rc);
    if (close(ffd) != 0)
        fail_sys("close (temporary file)");

    /* ---- 4. map+unmap with 100,000 live views vs none ---- */
    double m4_zero, m4_live, b4_live;
    run_pair(op_mmf_map_unmap, &mctx, NULL, NULL, &m4_zero, NULL);

    /* RESERVE: the views are never touched, so no memory needs committing. */
    mmf_section *big = NULL;
    uint64_t big_size = (uint64_t)LIVE_VIEWS * (uint64_t)page;
    rc = mmf_section_create_memory(big_size, MMF_PAGE_READWRITE,
                                   MMF_SEC_RESERVE, &big);
    if (rc != 0)
        fail_mmf("mmf_section_create_memory (100000 pages, RESERVE)", rc);
    void **live = malloc((size_t)LIVE_VIEWS * sizeof *live);
    if (!live)
        fail_sys("malloc (view array)");
    long vmas_before = count_vmas();
    double t0 = clock_ns();
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
            fail_mmf("mmf_view_map (one-page live view)", rc);
        }
    }
    double map_all_ns = clock_ns() - t0;
    long vmas_live = count_vmas();
    size_t counted = mmf_view_count();
    if (counted != (size_t)LIVE_VIEWS)
        fprintf(stderr, "bench_core: warning: mmf_view_count() is %zu with "
                        "%ld live views\n", counted, LIVE_VIEWS);

    run_pair(op_mmf_map_unmap, &mctx, op_bare_map_unmap, &bctx,
                 &m4_live, &b4_live);

    t0 = clock_ns();
    for (long i = LIVE_VIEWS - 1; i >= 0; i--) {
        rc = mmf_view_unmap(live[i]);
        if (rc != 0)
            fail_mmf("mmf_view_unmap (live view)", rc);
    }
    double unmap_all_ns = clock_ns() - t0;
    free(live);
    rc = mmf_section_close(big);
    if (rc != 0)
        fail_mmf("mmf_section_close (100000-page section)", rc);
    check_no_views("benchmark 4");
    add_row("map+unmap 64KiB view: 100000 live vs 0 live views",
               m4_live, m4_zero, 0);

    rc = mmf_section_close(msec);
    if (rc != 0)
        fail_mmf("mmf_section_close (1 MiB memory section)", rc);
    if (close(bctx.fd) != 0)
        fail_sys("close (memfd)");

    /* ---- report ---- */
    print_rows(50, 98);
    printf("\nrow 4: 'mmf' = mmf with %ld live views, 'bare' = mmf with "
           "0 live views (ratio = cost of a big view table)\n", LIVE_VIEWS);
    printf("       with the views live: kernel VMAs %ld (before: %ld), "
           "bare mmap+munmap %.1f ns/op\n", vmas_live, vmas_before, b4_live);
    printf("       setup: %ld mmf_view_map %.0f ns/view, %ld mmf_view_unmap "
           "%.0f ns/view\n", LIVE_VIEWS, map_all_ns / (double)LIVE_VIEWS,
           LIVE_VIEWS, unmap_all_ns / (double)LIVE_VIEWS);

    finish_run(csv, t_start);
    return 0;
}
