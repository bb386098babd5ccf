/*
 * native.c — the suite's operations through mmf's native API ("mmf") and
 * through the plain Linux calls that do the same job ("linux"), the two
 * measured side by side in interleaved rounds (suite.h).  Prints
 * `operation,implementation,ns_per_op` lines; docs/benchmarks.md says what
 * each operation is exactly.  One function per measured operation and side.
 *
 *   map_unmap        64 KiB view of a 1 MiB memory section / mmap+munmap of
 *                    a memfd
 *   create_close     1 MiB committed memory section / memfd_create +
 *                    ftruncate + fallocate + F_ADD_SEALS + close
 *   named_create_open  named 64 KiB section created, opened, both closed /
 *                    shm_open(O_CREAT|O_EXCL) + ftruncate + fallocate +
 *                    shm_open + 2 close + shm_unlink
 *   named_open       open+close of a name a holder keeps / shm_open+close
 *   record_read      one random 125-byte record of a 1,000,000-record file
 *                    copied out of a view / pread
 *   record_update    the same, copied into the view / pwrite
 *   scan_mib         one MiB of a sequential scan through sliding 1 MiB
 *                    views, summed / read() into a 1 MiB buffer, summed
 *   flush_page       one byte written, its page flushed / msync(MS_SYNC)
 *   mutex            uncontended mutex / robust process-shared pthread mutex
 *   semaphore        release+wait / sem_post+sem_wait (process-shared)
 *   round_trip       cross-process: set A, child waits A and sets B, wait B
 *                    (auto-reset events / two POSIX semaphores)
 *   map_unmap_live   map_unmap while 100,000 one-page views are live
 *   open_live        named_open while 10,000 other names are live
 *
 * The linux sides are in linux_ops.h (shared with win32.c and boost.cpp).
 * A failing call exits 1 (after removing this run's POSIX names).
 */
#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mmf.h"
#include "suite.h"
#include "linux_ops.h"

static long page_size;
static char prefix[64];             /* "mmfsuite-PID-" */

/* ------------------------------------------------------------------ */
/* Failure                                                             */
/* ------------------------------------------------------------------ */

static _Noreturn void fail_mmf(const char *call, int rc)
{
    fprintf(stderr, "native: %s failed: %s (%d)\n", call, mmf_strerror(rc), rc);
    lx_cleanup();
    exit(1);
}

static void check(int rc, const char *call)
{
    if (rc < 0)
        fail_mmf(call, rc);
}

static void wait_ok(mmf_sync *h, const char *call)
{
    int rc = mmf_wait(h, MMF_INFINITE);
    if (rc != MMF_WAIT_OBJECT_0)
        fail_mmf(call, rc < 0 ? rc : -EPROTO);
}

static void pair(const char *op, suite_op fn, void *arg, suite_op linux_fn)
{
    lx_pair(op, "mmf", fn, arg, linux_fn);
}

/* ------------------------------------------------------------------ */
/* map+unmap, create+close                                             */
/* ------------------------------------------------------------------ */

static void mmf_map_unmap(void *arg, long n)
{
    mmf_section *s = arg;
    for (long i = 0; i < n; i++) {
        void *p;
        check(mmf_view_map(s, MMF_PAGE_READWRITE, 0, SUITE_VIEW_SIZE, NULL, &p),
              "mmf_view_map");
        check(mmf_view_unmap(p), "mmf_view_unmap");
    }
}

static void mmf_create_close(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        mmf_section *s;
        check(mmf_section_create_memory(SUITE_SECTION_SIZE, MMF_PAGE_READWRITE, 0, &s),
              "mmf_section_create_memory");
        check(mmf_section_close(s), "mmf_section_close");
    }
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

/* Create a named committed section, open it by name, close both (the
 * second close removes the name). */
static void mmf_named_create_open(void *arg, long n)
{
    mmf_create_options o = { .name = arg };
    for (long i = 0; i < n; i++) {
        mmf_section *made, *opened;
        int rc = mmf_section_create(-1, SUITE_NAMED_SIZE, MMF_PAGE_READWRITE, 0, &o, &made);
        if (rc != 0)
            fail_mmf("mmf_section_create (named; MMF_EXISTED means a leaked name)",
                     rc > 0 ? -EEXIST : rc);
        check(mmf_section_open(o.name, MMF_ACCESS_ALL, &opened), "mmf_section_open");
        check(mmf_section_close(made), "mmf_section_close");
        check(mmf_section_close(opened), "mmf_section_close");
    }
}

static void mmf_named_open(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        mmf_section *s;
        check(mmf_section_open(arg, MMF_ACCESS_ALL, &s), "mmf_section_open (held)");
        check(mmf_section_close(s), "mmf_section_close");
    }
}

/* Raises the descriptor limit (the hard one too, when privileged) so
 * that the crowd fits; returns the crowd size possible: an mmf named
 * handle holds one descriptor, and the Linux crowd opened beside it as
 * many. */
static long name_crowd_size(long wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        lx_fail("getrlimit");
    rlim_t need = (rlim_t)(2 * wanted + 256);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        struct rlimit up = { need, need };
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl = up;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return wanted;
    long room = ((long)rl.rlim_cur - 256) / 2;
    return room > 0 ? room : 0;
}

/* n named one-page sections, reserved (never touched), held open. */
static mmf_section **name_crowd_open(long n)
{
    mmf_section **h = calloc((size_t)(n > 0 ? n : 1), sizeof *h);
    if (!h)
        lx_fail("calloc");
    for (long i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%slive-%05ld", prefix, i);
        mmf_create_options o = { .name = name };
        check(mmf_section_create(-1, (uint64_t)page_size, MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &o,
                                 &h[i]), "mmf_section_create (crowd)");
    }
    return h;
}

static void name_crowd_close(mmf_section **h, long n)
{
    for (long i = 0; i < n; i++)
        check(mmf_section_close(h[i]), "mmf_section_close (crowd)");
    free(h);
}

/* ------------------------------------------------------------------ */
/* Records, scan, flush: a file of 1,000,000 records of 125 bytes      */
/* ------------------------------------------------------------------ */

struct records {
    int                fd;
    mmf_section       *sec;
    unsigned char     *view;     /* a view of the whole file */
    unsigned long long rng;
    unsigned long long chunk;    /* scan position, in MiB */
};

static void mmf_record_read(void *arg, long n)
{
    struct records *r = arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        memcpy(rec, r->view + k * SUITE_RECORD_SIZE, sizeof rec);
        suite_sink += rec[i % SUITE_RECORD_SIZE];
    }
}

static void mmf_record_update(void *arg, long n)
{
    struct records *r = arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    memset(rec, 0x42, sizeof rec);
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        rec[0] = (unsigned char)i;
        memcpy(r->view + k * SUITE_RECORD_SIZE, rec, sizeof rec);
    }
}

/* One iteration: the next MiB of the file through its own view, summed. */
static void mmf_scan_mib(void *arg, long n)
{
    struct records *r = arg;
    for (long i = 0; i < n; i++) {
        void *p;
        check(mmf_view_map(r->sec, MMF_PAGE_READONLY, r->chunk * SUITE_MIB, SUITE_MIB, NULL, &p),
              "mmf_view_map (scan)");
        suite_sink += suite_sum(p, SUITE_MIB);
        check(mmf_view_unmap(p), "mmf_view_unmap (scan)");
        r->chunk = (r->chunk + 1) % SUITE_SCAN_CHUNKS;
    }
}

static void mmf_flush_page(void *arg, long n)
{
    struct records *r = arg;
    for (long i = 0; i < n; i++) {
        r->view[0]++;
        check(mmf_view_flush(r->view, (size_t)page_size), "mmf_view_flush");
    }
}

/* mmf's own file (linux_ops.h makes the linux side's the same way):
 * written, fsync'ed, mapped whole, every page touched for writing. */
static void records_open(struct records *r)
{
    char path[] = "/tmp/mmf-suite-XXXXXX";
    static unsigned char block[SUITE_MIB];
    memset(r, 0, sizeof *r);
    r->fd = mkstemp(path);
    if (r->fd < 0 || unlink(path) != 0)
        lx_fail("mkstemp (/tmp)");
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += SUITE_MIB) {
        size_t len = SUITE_FILE_SIZE - off < SUITE_MIB ? SUITE_FILE_SIZE - off : SUITE_MIB;
        memset(block, (int)(off >> 20), len);
        if (pwrite(r->fd, block, len, (off_t)off) != (ssize_t)len)
            lx_fail("pwrite (records)");
    }
    if (fsync(r->fd) != 0)
        lx_fail("fsync (records)");
    check(mmf_section_from_fd(r->fd, 0, MMF_PAGE_READWRITE, 0, &r->sec), "mmf_section_from_fd");
    void *v;
    check(mmf_view_map(r->sec, MMF_PAGE_READWRITE, 0, 0, NULL, &v), "mmf_view_map (records)");
    r->view = v;
    volatile unsigned char *t = r->view;
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += (unsigned long long)page_size)
        t[off] = t[off];
    r->rng = SUITE_SEED;
}

static void records_close(struct records *r)
{
    check(mmf_view_unmap(r->view), "mmf_view_unmap (records)");
    check(mmf_section_close(r->sec), "mmf_section_close (records)");
    close(r->fd);
}

/* ------------------------------------------------------------------ */
/* Synchronization                                                     */
/* ------------------------------------------------------------------ */

static mmf_sync *ev_a, *ev_b;       /* parent -> child, child -> parent */
static volatile int *stop_flag;     /* in a shared page */
static pid_t child;

static void mmf_mutex(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        wait_ok(arg, "mmf_wait (mutex)");
        check(mmf_mutex_release(arg), "mmf_mutex_release");
    }
}

static void mmf_semaphore(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        check(mmf_semaphore_release(arg, 1, NULL), "mmf_semaphore_release");
        wait_ok(arg, "mmf_wait (semaphore)");
    }
}

/* Set A; the child waits for A and sets B; wait for B.  The events are
 * unnamed, made before the fork: their state is in shared memory. */
static void mmf_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        check(mmf_event_set(ev_a), "mmf_event_set");
        wait_ok(ev_b, "mmf_wait (event)");
    }
}

static void round_trip_open(void)
{
    check(mmf_event_create(0, 0, NULL, &ev_a), "mmf_event_create");
    check(mmf_event_create(0, 0, NULL, &ev_b), "mmf_event_create");
    stop_flag = mmap(NULL, sizeof *stop_flag, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (stop_flag == MAP_FAILED)
        lx_fail("mmap (flag)");
    child = fork();
    if (child < 0)
        lx_fail("fork");
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            wait_ok(ev_a, "mmf_wait (child)");
            if (*stop_flag)
                _exit(0);
            check(mmf_event_set(ev_b), "mmf_event_set (child)");
        }
    }
}

static void round_trip_close(void)
{
    *stop_flag = 1;
    check(mmf_event_set(ev_a), "mmf_event_set (stop)");
    waitpid(child, NULL, 0);
    mmf_sync_close(ev_a);
    mmf_sync_close(ev_b);
}

/* ------------------------------------------------------------------ */
/* 100,000 live views                                                  */
/* ------------------------------------------------------------------ */

/* n one-page views at descending offsets (the kernel merges them, so the
 * crowd tests mmf's view table, not vm.max_map_count). */
static void **view_crowd_open(mmf_section **big, long n)
{
    check(mmf_section_create_memory((uint64_t)n * (uint64_t)page_size, MMF_PAGE_READWRITE,
                                    MMF_SEC_RESERVE, big), "mmf_section_create_memory (crowd)");
    void **v = calloc((size_t)n, sizeof *v);
    if (!v)
        lx_fail("calloc");
    for (long i = 0; i < n; i++)
        check(mmf_view_map(*big, MMF_PAGE_READWRITE, (uint64_t)(n - 1 - i) * (uint64_t)page_size,
                           (uint64_t)page_size, NULL, &v[i]), "mmf_view_map (crowd)");
    return v;
}

static void view_crowd_close(mmf_section *big, void **v, long n)
{
    for (long i = n - 1; i >= 0; i--)
        check(mmf_view_unmap(v[i]), "mmf_view_unmap (crowd)");
    free(v);
    check(mmf_section_close(big), "mmf_section_close (crowd)");
}

/* ------------------------------------------------------------------ */
/* The runs                                                            */
/* ------------------------------------------------------------------ */

static void run_sections(mmf_section *sec)
{
    pair("map_unmap", mmf_map_unmap, sec, lx_map_unmap);
    pair("create_close", mmf_create_close, NULL, lx_create_close);
}

static void run_names(void)
{
    char cycle[96], held[96];
    snprintf(cycle, sizeof cycle, "%scycle", prefix);
    snprintf(held, sizeof held, "%sheld", prefix);
    pair("named_create_open", mmf_named_create_open, cycle, lx_named_create_open);

    mmf_section *holder;
    mmf_create_options o = { .name = held };
    check(mmf_section_create(-1, SUITE_NAMED_SIZE, MMF_PAGE_READWRITE, 0, &o, &holder),
          "mmf_section_create (holder)");
    lx_held_open();
    pair("named_open", mmf_named_open, held, lx_named_open);

    long n = name_crowd_size(SUITE_LIVE_NAMES);
    if (n < SUITE_LIVE_NAMES)
        suite_note("open_live (mmf): %ld live names, not %ld: RLIMIT_NOFILE allows no more "
                   "(a descriptor per named handle, and one per name of the Linux crowd "
                   "open beside it)", n, SUITE_LIVE_NAMES);
    mmf_section **crowd = name_crowd_open(n);
    lx_name_crowd_open(SUITE_LIVE_NAMES);
    pair("open_live", mmf_named_open, held, lx_named_open);
    lx_name_crowd_close();
    name_crowd_close(crowd, n);

    lx_held_close();
    check(mmf_section_close(holder), "mmf_section_close (holder)");
}

static void run_records(void)
{
    struct records r;
    records_open(&r);
    lx_records_open();
    pair("record_read", mmf_record_read, &r, lx_record_read);
    pair("record_update", mmf_record_update, &r, lx_record_update);
    pair("scan_mib", mmf_scan_mib, &r, lx_scan_mib);
    pair("flush_page", mmf_flush_page, &r, lx_flush_page);
    lx_records_close();
    records_close(&r);
}

static void run_sync(void)
{
    mmf_sync *m, *s;
    lx_sync_open();
    check(mmf_mutex_create(0, NULL, &m), "mmf_mutex_create");
    pair("mutex", mmf_mutex, m, lx_mutex);
    check(mmf_semaphore_create(0, 0x7FFFFFFF, NULL, &s), "mmf_semaphore_create");
    pair("semaphore", mmf_semaphore, s, lx_semaphore);
    mmf_sync_close(m);
    mmf_sync_close(s);
    round_trip_open();
    pair("round_trip", mmf_round_trip, NULL, lx_round_trip);
    round_trip_close();
    lx_sync_close();
}

static void run_live_views(mmf_section *sec)
{
    mmf_section *big;
    double t0 = suite_now_ns();
    void **v = view_crowd_open(&big, SUITE_LIVE_VIEWS);
    lx_view_crowd_open(SUITE_LIVE_VIEWS);
    suite_note("map_unmap_live (mmf): %ld one-page views and as many mmaps made in %.2f s",
               SUITE_LIVE_VIEWS, (suite_now_ns() - t0) / 1e9);
    pair("map_unmap_live", mmf_map_unmap, sec, lx_map_unmap);
    lx_view_crowd_close();
    view_crowd_close(big, v, SUITE_LIVE_VIEWS);
}

int main(void)
{
    suite_init();
    page_size = sysconf(_SC_PAGESIZE);
    snprintf(prefix, sizeof prefix, "mmfsuite-%ld-", (long)getpid());
    lx_open();

    mmf_section *sec;
    check(mmf_section_create_memory(SUITE_SECTION_SIZE, MMF_PAGE_READWRITE, 0, &sec),
          "mmf_section_create_memory");
    run_sections(sec);
    run_names();
    run_records();
    run_sync();
    run_live_views(sec);
    mmf_section_close(sec);
    lx_close();
    return 0;
}
