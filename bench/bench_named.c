/*
 * bench_named.c — what a name costs: named sections of mmf against POSIX
 * shared memory (shm_open), measured side by side in one run.
 *
 *   1. create + open + close both of a named 64 KiB memory section
 *      (committed, the default), the name vanishing with the last close
 *      vs shm_open(O_CREAT|O_EXCL|O_RDWR) + ftruncate + fallocate
 *      + shm_open(O_RDWR) + close both + shm_unlink            (target <= 1.5)
 *   2. open + close of a name that a holder handle keeps alive
 *      vs shm_open(O_RDWR) + close                             (target <= 1.5)
 *   2a. the floor: the system calls of 2 with no library code around them,
 *      on the held name's registry entry, vs shm_open + close: mmf's 7
 *      (openat, flock EX|NB that fails, flock SH, fstat, pread of the
 *      header; at close flock EX|NB that fails, close), and the 5 of the
 *      leanest exact scheme we know (no probe at open, no fstat)
 *                                                             (informational)
 *   3. open + close as in 2 while N other named 4 KiB sections
 *      (MMF_SEC_RESERVE) are held open, vs the same with none: the ratio
 *      is what a crowded registry costs.  N is 10,000, or fewer when
 *      RLIMIT_NOFILE (raised to its hard limit) cannot hold them
 *                                                             (informational)
 *
 * Method: each figure is the median over BENCH_ROUNDS rounds; a round runs
 * a calibrated number of iterations (about BENCH_ROUND_NS long), the same
 * number for both sides, and the two sides' rounds alternate, the first
 * side changing every round, so that a drifting machine hurts neither side
 * more (bench.h holds this timing and the reporting, shared with
 * bench_core.c).  The table goes to stdout and build/bench/bench_named.csv
 * (or the path given as the first argument).
 *
 * Names carry the pid, so concurrent runs do not collide.  Everything is
 * closed and shm_unlink'ed before the end, and the run then checks that no
 * name of its own is left in the registry or in /dev/shm.  A missed target
 * prints MISSED and the run still exits 0; a failing call exits 1 after
 * removing its POSIX names (mmf names die with the process: the registry
 * reclaims a dead process's entries by itself).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmf.h"

#define BENCH_NAME      "bench_named"
#define BENCH_ITERS_MAX 1000000L
#include "bench.h"

#define SEC_BYTES       65536u      /* benchmarks 1 and 2 */
#define CROWD_BYTES     4096u       /* each of the crowd of benchmark 3 */
#define CROWD_WANTED    10000L
#define FD_SPARE        32L         /* descriptors kept free for the loops */

#define CSV_PATH        "build/bench/bench_named.csv"

/* ------------------------------------------------------------------ */
/* Names and failure                                                   */
/* ------------------------------------------------------------------ */

static char prefix[64];            /* "mmfbench-PID-": every name starts so */
static char mmf_cycle[96], mmf_held[96];
static char shm_cycle[96], shm_held[96];

/* Removes the POSIX names this run may have made; errors do not matter. */
static void unlink_shm_names(void)
{
    if (shm_cycle[0])
        shm_unlink(shm_cycle);
    if (shm_held[0])
        shm_unlink(shm_held);
}

/* A call that succeeded but should not have, or a broken invariant. */
static _Noreturn void fail_check(const char *what)
{
    fprintf(stderr, "bench_named: %s\n", what);
    unlink_shm_names();
    exit(1);
}

/* ------------------------------------------------------------------ */
/* The operations                                                      */
/* ------------------------------------------------------------------ */

/* 1, mmf: create a named committed section, open it by name, close both
 * (the second close removes the name). */
static void mmf_create_open_close(void *arg, long n)
{
    const char *name = arg;
    mmf_create_options opt = { .name = name };
    for (long i = 0; i < n; i++) {
        mmf_section *made, *opened;
        int rc = mmf_section_create(-1, SEC_BYTES, MMF_PAGE_READWRITE, 0,
                                    &opt, &made);
        if (rc == MMF_EXISTED) {
            mmf_section_close(made);
            fail_check("the cycled name outlived its last close "
                       "(mmf_section_create returned MMF_EXISTED)");
        }
        if (rc != 0)
            fail_mmf("mmf_section_create (named, 64 KiB)", rc);
        rc = mmf_section_open(name, MMF_ACCESS_ALL, &opened);
        if (rc != 0)
            fail_mmf("mmf_section_open (just created)", rc);
        if ((rc = mmf_section_close(made)) != 0)
            fail_mmf("mmf_section_close (creator)", rc);
        if ((rc = mmf_section_close(opened)) != 0)
            fail_mmf("mmf_section_close (opener)", rc);
    }
}

/* Creates a POSIX shared memory object of `bytes`, committed like an mmf
 * memory section is by default. */
static int shm_make(const char *name, off_t bytes)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        fail_sys("shm_open (O_CREAT|O_EXCL|O_RDWR)");
    if (ftruncate(fd, bytes) != 0)
        fail_sys("ftruncate (shm)");
    if (fallocate(fd, 0, 0, bytes) != 0)
        fail_sys("fallocate (shm)");
    return fd;
}

/* 1, bare: the same lifetime by hand. */
static void shm_create_open_close(void *arg, long n)
{
    const char *name = arg;
    for (long i = 0; i < n; i++) {
        int made = shm_make(name, SEC_BYTES);
        int opened = shm_open(name, O_RDWR, 0);
        if (opened < 0)
            fail_sys("shm_open (O_RDWR, just created)");
        if (close(made) != 0 || close(opened) != 0)
            fail_sys("close (shm)");
        if (shm_unlink(name) != 0)
            fail_sys("shm_unlink");
    }
}

/* 2 and 3, mmf: open an existing name and close the new handle. */
static void mmf_open_close(void *arg, long n)
{
    const char *name = arg;
    for (long i = 0; i < n; i++) {
        mmf_section *s;
        int rc = mmf_section_open(name, MMF_ACCESS_ALL, &s);
        if (rc != 0)
            fail_mmf("mmf_section_open (held name)", rc);
        if ((rc = mmf_section_close(s)) != 0)
            fail_mmf("mmf_section_close (opened)", rc);
    }
}

/* 2 and 3, bare. */
static void shm_open_close(void *arg, long n)
{
    const char *name = arg;
    for (long i = 0; i < n; i++) {
        int fd = shm_open(name, O_RDWR, 0);
        if (fd < 0)
            fail_sys("shm_open (O_RDWR, held name)");
        if (close(fd) != 0)
            fail_sys("close (shm)");
    }
}

/* 2a: the floor.  The entry's directory and file name, set in main. */
static int floor_dir = -1;
static char floor_file[96];

static int floor_open(void)
{
    int fd = openat(floor_dir, floor_file, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        fail_sys("openat (registry entry)");
    return fd;
}

/* mmf's 7 calls, as strace shows them for mmf_section_open + close. */
static void floor7(void *arg, long n)
{
    (void)arg;
    char hdr[256];
    struct stat st;
    for (long i = 0; i < n; i++) {
        int fd = floor_open();
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 || flock(fd, LOCK_SH | LOCK_NB) != 0 ||
            fstat(fd, &st) != 0 || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
            flock(fd, LOCK_EX | LOCK_NB) == 0)
            fail_check("floor: a lock or read of the held entry went otherwise");
        close(fd);
    }
}

/* The 5 calls of the leanest scheme: openat, the shared lock, one read,
 * the closing probe, close. */
static void floor5(void *arg, long n)
{
    (void)arg;
    char hdr[256];
    for (long i = 0; i < n; i++) {
        int fd = floor_open();
        if (flock(fd, LOCK_SH | LOCK_NB) != 0 || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
            flock(fd, LOCK_EX | LOCK_NB) == 0)
            fail_check("floor: a lock or read of the held entry went otherwise");
        close(fd);
    }
}

/* ------------------------------------------------------------------ */
/* The machine and the process                                         */
/* ------------------------------------------------------------------ */

/* Keys of /proc/cpuinfo that may name the CPU: "model name" (x86),
 * "Model" or "Hardware" (ARM), tried in order. */
static const char *const cpu_keys[] = { "model name", "Model", "Hardware" };

/* Entries of the directory `path` whose name starts with `start`
 * (-1 when the directory cannot be read). */
static long count_entries(const char *path, const char *start)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long k = 0;
    size_t len = strlen(start);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, start, len) == 0)
            k++;
    closedir(d);
    return k;
}

static long open_fds(void)
{
    long k = count_entries("/proc/self/fd", "");
    return k < 0 ? -1 : k - 3; /* ".", ".." and opendir's own */
}

/* The local namespace directory of the registry, as mmf.h describes it. */
static void registry_dir(char *out, size_t size)
{
    const char *base = secure_getenv("MMF_REGISTRY_DIR");
    snprintf(out, size, "%s/mmf-%u", base && *base ? base : "/dev/shm",
             (unsigned)geteuid());
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    const char *csv = argc > 1 ? argv[1] : CSV_PATH;
    double began = clock_ns();
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    bench_on_failure = unlink_shm_names; /* fail_mmf and fail_sys call it */

    long pid = (long)getpid();
    snprintf(prefix, sizeof prefix, "mmfbench-%ld-", pid);
    snprintf(mmf_cycle, sizeof mmf_cycle, "%scycle", prefix);
    snprintf(mmf_held, sizeof mmf_held, "%sheld", prefix);
    snprintf(shm_cycle, sizeof shm_cycle, "/%scycle", prefix);
    snprintf(shm_held, sizeof shm_held, "/%sheld", prefix);

    print_machine(cpu_keys, sizeof cpu_keys / sizeof *cpu_keys);
    char regdir[4096];
    registry_dir(regdir, sizeof regdir);
    printf("config: %d rounds per figure (median), ~%.0f ms per round, "
           "registry %s, POSIX shm in /dev/shm\n", BENCH_ROUNDS, BENCH_ROUND_NS / 1e6,
           regdir);

    /* ---- 1. create + open + close both ---- */
    double m1, b1;
    run_pair(mmf_create_open_close, mmf_cycle, shm_create_open_close,
             shm_cycle, &m1, &b1);
    add_row("named 64KiB create+open+close both", m1, b1, 1.5);
    {
        mmf_section *s;
        rc = mmf_section_open(mmf_cycle, MMF_ACCESS_READ, &s);
        if (rc == 0) {
            mmf_section_close(s);
            fail_check("the cycled name still opens after its last close");
        }
        if (rc != MMF_ENOTFOUND)
            fail_mmf("mmf_section_open (closed name)", rc);
    }

    /* ---- 2. open + close of a held name ---- */
    mmf_section *holder;
    mmf_create_options hopt = { .name = mmf_held };
    rc = mmf_section_create(-1, SEC_BYTES, MMF_PAGE_READWRITE, 0, &hopt,
                            &holder);
    if (rc != 0)
        fail_mmf("mmf_section_create (holder)", rc);
    int shm_holder = shm_make(shm_held, SEC_BYTES);

    double m2, b2;
    run_pair(mmf_open_close, mmf_held, shm_open_close, shm_held, &m2, &b2);
    add_row("open+close of a held name", m2, b2, 1.5);

    /* ---- 2a. the floor ---- */
    floor_dir = open(regdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (floor_dir < 0)
        fail_sys("open (registry directory)");
    snprintf(floor_file, sizeof floor_file, "%s", mmf_held);
    double f7, fb7, f5, fb5;
    run_pair(floor7, NULL, shm_open_close, shm_held, &f7, &fb7);
    add_row("floor: mmf's 7 system calls alone", f7, fb7, 0);
    run_pair(floor5, NULL, shm_open_close, shm_held, &f5, &fb5);
    add_row("floor: the leanest exact scheme's 5 alone", f5, fb5, 0);
    close(floor_dir);

    /* ---- 3. the same with a crowd of other live names ---- */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        fail_sys("getrlimit (RLIMIT_NOFILE)");
    rlim_t soft_before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        fail_sys("setrlimit (RLIMIT_NOFILE to the hard limit)");
    long fds_before = open_fds();
    if (fds_before < 0)
        fail_sys("opendir (/proc/self/fd)");
    long crowd = CROWD_WANTED;
    if (rl.rlim_max != RLIM_INFINITY) {
        long room = (long)rl.rlim_max - fds_before - FD_SPARE; /* one each */
        if (room < crowd)
            crowd = room > 0 ? room : 0;
    }
    char limit_txt[32];
    if (rl.rlim_max == RLIM_INFINITY)
        snprintf(limit_txt, sizeof limit_txt, "unlimited");
    else
        snprintf(limit_txt, sizeof limit_txt, "%llu",
                 (unsigned long long)rl.rlim_max);

    mmf_section **live = calloc((size_t)(crowd > 0 ? crowd : 1), sizeof *live);
    if (!live)
        fail_sys("calloc (crowd)");
    double t = clock_ns();
    for (long i = 0; i < crowd; i++) {
        char name[96];
        snprintf(name, sizeof name, "%slive-%05ld", prefix, i);
        mmf_create_options o = { .name = name };
        rc = mmf_section_create(-1, CROWD_BYTES, MMF_PAGE_READWRITE,
                                MMF_SEC_RESERVE, &o, &live[i]);
        if (rc != 0) {
            fprintf(stderr, "bench_named: crowd name %ld of %ld\n", i + 1,
                    crowd);
            fail_mmf("mmf_section_create (named 4 KiB, RESERVE)", rc);
        }
    }
    double create_crowd_ns = clock_ns() - t;
    long fds_crowd = open_fds();
    long listed = count_entries(regdir, prefix);

    /* mmf with the crowd against bare with it, as in benchmark 2. */
    double m3, b3;
    run_pair(mmf_open_close, mmf_held, shm_open_close, shm_held, &m3, &b3);

    t = clock_ns();
    for (long i = 0; i < crowd; i++)
        if ((rc = mmf_section_close(live[i])) != 0)
            fail_mmf("mmf_section_close (crowd)", rc);
    double close_crowd_ns = clock_ns() - t;
    free(live);
    long listed_after = count_entries(regdir, prefix);

    char what3[64];
    snprintf(what3, sizeof what3, "open+close of a held name: %ld live vs 0",
             crowd);
    add_row(what3, m3, m2, 0);

    /* ---- cleanup ---- */
    if ((rc = mmf_section_close(holder)) != 0)
        fail_mmf("mmf_section_close (holder)", rc);
    if (close(shm_holder) != 0)
        fail_sys("close (shm holder)");
    if (shm_unlink(shm_held) != 0)
        fail_sys("shm_unlink (held)");
    long left_reg = count_entries(regdir, prefix);
    long left_shm = count_entries("/dev/shm", prefix);

    /* ---- report ---- */
    print_rows(52, 99);
    printf("\nrow 1: bare = shm_open(O_CREAT|O_EXCL|O_RDWR, 0600) + ftruncate "
           "+ fallocate + shm_open(O_RDWR)\n"
           "       + close + close + shm_unlink; mmf = create + open + close "
           "+ close (COMMIT)\n");
    printf("row 2: bare = shm_open(O_RDWR) + close; a holder keeps each name "
           "alive\n");
    printf("floor rows: the system calls of row 2 made by hand on the held entry, "
           "no library code;\n"
           "       mmf's 7 (openat, flock EX|NB failing, flock SH, fstat, pread 256 B; "
           "flock EX|NB failing, close)\n"
           "       and 5 (openat, flock SH, pread; flock EX|NB failing, close)\n");
    printf("       the 5 calls alone are %.2fx shm_open+close, mmf's 7 alone %.2fx, "
           "mmf itself %.2fx\n", f5 / fb5, f7 / fb7, m2 / b2);
    printf("row 3: 'mmf' = mmf with %ld other live names, 'bare' = mmf with "
           "none (row 2)\n", crowd);
    printf("       with the names live: bare shm_open+close %.1f ns/op; "
           "mmf/bare %.3f vs %.3f without\n"
           "       (the ratio of the two, %.3f, is free of machine drift)\n",
           b3, m3 / b3, m2 / b2, (m3 / b3) / (m2 / b2));
    printf("       RLIMIT_NOFILE soft %llu -> %s (hard); crowd %ld of %ld "
           "wanted;\n", (unsigned long long)soft_before, limit_txt, crowd,
           CROWD_WANTED);
    printf("       descriptors %ld before, %ld with the crowd (%.2f per "
           "named handle)\n", fds_before, fds_crowd,
           crowd > 0 ? (double)(fds_crowd - fds_before) / (double)crowd : 0.0);
    printf("       registry entries of this run: %ld with the crowd, %ld "
           "after closing it (the holder's)\n", listed, listed_after);
    if (crowd > 0)
        printf("       setup: %.0f ns per create, %.0f ns per close\n",
               create_crowd_ns / (double)crowd, close_crowd_ns / (double)crowd);
    if (left_reg != 0 || left_shm != 0)
        printf("LEFTOVER: %ld registry entries and %ld /dev/shm objects of "
               "this run remain\n", left_reg, left_shm);
    else
        printf("cleanup: no name of this run is left in %s or /dev/shm\n",
               regdir);

    finish_run(csv, began);
    return 0;
}
