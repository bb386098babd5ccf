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
 * A failing call exits 1 (after removing this run's POSIX names).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmf.h"
#include "suite.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

static long page_size;

/* ------------------------------------------------------------------ */
/* Failure and cleanup                                                 */
/* ------------------------------------------------------------------ */

static char prefix[64];             /* "mmfsuite-PID-" */
static char shm_cycle[96], shm_held[96];
static long shm_crowd;              /* /PREFIXlive-N made so far */
static pid_t children[2];

static void unlink_shm_crowd(void)
{
    for (long i = 0; i < shm_crowd; i++) {
        char name[128];
        snprintf(name, sizeof name, "/%slive-%05ld", prefix, i);
        shm_unlink(name);
    }
    shm_crowd = 0;
}

static void cleanup(void)
{
    shm_unlink(shm_cycle);
    shm_unlink(shm_held);
    unlink_shm_crowd();
    for (int i = 0; i < 2; i++)
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
}

static _Noreturn void fail_mmf(const char *call, int rc)
{
    fprintf(stderr, "native: %s failed: %s (%d)\n", call, mmf_strerror(rc), rc);
    cleanup();
    exit(1);
}

static _Noreturn void fail_sys(const char *call)
{
    fprintf(stderr, "native: %s failed: %s\n", call, strerror(errno));
    cleanup();
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

static void linux_map_unmap(void *arg, long n)
{
    int fd = *(int *)arg;
    for (long i = 0; i < n; i++) {
        void *p = mmap(NULL, SUITE_VIEW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            fail_sys("mmap");
        if (munmap(p, SUITE_VIEW_SIZE) != 0)
            fail_sys("munmap");
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

/* What mmf does for a committed memory section, by hand. */
static int memfd_committed(off_t size)
{
    static int noexec = MFD_NOEXEC_SEAL;
    int fd = memfd_create("suite", MFD_CLOEXEC | MFD_ALLOW_SEALING | noexec);
    if (fd < 0 && errno == EINVAL && noexec) {
        noexec = 0;
        fd = memfd_create("suite", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    }
    if (fd < 0)
        fail_sys("memfd_create");
    if (ftruncate(fd, size) != 0 || fallocate(fd, 0, 0, size) != 0)
        fail_sys("ftruncate/fallocate (memfd)");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
        fail_sys("F_ADD_SEALS");
    return fd;
}

static void linux_create_close(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        if (close(memfd_committed(SUITE_SECTION_SIZE)) != 0)
            fail_sys("close");
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

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

static int shm_make(const char *name, off_t size, int commit)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        fail_sys("shm_open (O_CREAT|O_EXCL)");
    if (ftruncate(fd, size) != 0)
        fail_sys("ftruncate (shm)");
    if (commit && fallocate(fd, 0, 0, size) != 0)
        fail_sys("fallocate (shm)");
    return fd;
}

static void linux_named_create_open(void *arg, long n)
{
    const char *name = arg;
    for (long i = 0; i < n; i++) {
        int made = shm_make(name, SUITE_NAMED_SIZE, 1);
        int opened = shm_open(name, O_RDWR, 0);
        if (opened < 0)
            fail_sys("shm_open (O_RDWR)");
        if (close(made) != 0 || close(opened) != 0 || shm_unlink(name) != 0)
            fail_sys("close/shm_unlink");
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

static void linux_named_open(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        int fd = shm_open(arg, O_RDWR, 0);
        if (fd < 0 || close(fd) != 0)
            fail_sys("shm_open+close (held)");
    }
}

/* ------------------------------------------------------------------ */
/* Records, scan, flush: one file of 1,000,000 records of 125 bytes    */
/* ------------------------------------------------------------------ */

struct records {
    int                fd;
    unsigned char     *view;     /* mmf view of the whole file */
    unsigned char     *map;      /* plain mmap of the whole file (flush) */
    unsigned long long rng;
    mmf_section       *sec;
    unsigned long long chunk;    /* scan position of the views, in MiB */
    unsigned long long rchunk;   /* scan position of read(), in MiB */
    unsigned char     *buf;      /* 1 MiB read() buffer */
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

static void linux_record_read(void *arg, long n)
{
    struct records *r = arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        if (pread(r->fd, rec, sizeof rec, (off_t)(k * SUITE_RECORD_SIZE)) != (ssize_t)sizeof rec)
            fail_sys("pread");
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

static void linux_record_update(void *arg, long n)
{
    struct records *r = arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    memset(rec, 0x42, sizeof rec);
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&r->rng) % SUITE_RECORDS;
        rec[0] = (unsigned char)i;
        if (pwrite(r->fd, rec, sizeof rec, (off_t)(k * SUITE_RECORD_SIZE)) != (ssize_t)sizeof rec)
            fail_sys("pwrite");
    }
}

/* One iteration: the next MiB of the file through its own view. */
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

/* One iteration: the next MiB with read(); back to the start at the end of
 * the whole MiBs (the same bytes as the views). */
static void linux_scan_mib(void *arg, long n)
{
    struct records *r = arg;
    for (long i = 0; i < n; i++) {
        if (r->rchunk == 0 && lseek(r->fd, 0, SEEK_SET) != 0)
            fail_sys("lseek");
        if (read(r->fd, r->buf, SUITE_MIB) != (ssize_t)SUITE_MIB)
            fail_sys("read (1 MiB)");
        suite_sink += suite_sum(r->buf, SUITE_MIB);
        r->rchunk = (r->rchunk + 1) % SUITE_SCAN_CHUNKS;
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

static void linux_flush_page(void *arg, long n)
{
    struct records *r = arg;
    for (long i = 0; i < n; i++) {
        r->map[0]++;
        if (msync(r->map, (size_t)page_size, MS_SYNC) != 0)
            fail_sys("msync");
    }
}

/* Writes the file, maps it both ways and touches every page for writing:
 * the figures are the steady state of a warm, resident database. */
static void records_open(struct records *r)
{
    char path[] = "/tmp/mmf-suite-XXXXXX";
    memset(r, 0, sizeof *r);
    r->fd = mkstemp(path);
    if (r->fd < 0 || unlink(path) != 0)
        fail_sys("mkstemp (/tmp)");
    r->buf = malloc(SUITE_MIB);
    if (!r->buf)
        fail_sys("malloc");
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += SUITE_MIB) {
        size_t len = SUITE_FILE_SIZE - off < SUITE_MIB ? SUITE_FILE_SIZE - off : SUITE_MIB;
        memset(r->buf, (int)(off >> 20), len);
        if (pwrite(r->fd, r->buf, len, (off_t)off) != (ssize_t)len)
            fail_sys("pwrite (records)");
    }
    /* written back before timing: updates must not wait on the initial
     * writeback of 125 MB (stable pages) */
    if (fsync(r->fd) != 0)
        fail_sys("fsync (records)");
    check(mmf_section_from_fd(r->fd, 0, MMF_PAGE_READWRITE, 0, &r->sec), "mmf_section_from_fd");
    void *v;
    check(mmf_view_map(r->sec, MMF_PAGE_READWRITE, 0, 0, NULL, &v), "mmf_view_map (records)");
    r->view = v;
    r->map = mmap(NULL, SUITE_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (r->map == MAP_FAILED)
        fail_sys("mmap (records)");
    volatile unsigned char *v1 = r->view, *v2 = r->map;
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += (unsigned long long)page_size) {
        v1[off] = v1[off];
        v2[off] = v2[off];
    }
    r->rng = SUITE_SEED;
}

static void records_close(struct records *r)
{
    check(mmf_view_unmap(r->view), "mmf_view_unmap (records)");
    check(mmf_section_close(r->sec), "mmf_section_close (records)");
    munmap(r->map, SUITE_FILE_SIZE);
    close(r->fd);
    free(r->buf);
}

/* ------------------------------------------------------------------ */
/* Synchronization                                                     */
/* ------------------------------------------------------------------ */

struct shared {                     /* a MAP_SHARED page */
    pthread_mutex_t mutex;
    sem_t           sem, ping, pong;
    volatile int    stop;
};

static struct shared *shm;
static mmf_sync *ev_a, *ev_b;

static void mmf_mutex(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        wait_ok(arg, "mmf_wait (mutex)");
        check(mmf_mutex_release(arg), "mmf_mutex_release");
    }
}

static void linux_mutex(void *arg, long n)
{
    for (long i = 0; i < n; i++)
        if (pthread_mutex_lock(arg) != 0 || pthread_mutex_unlock(arg) != 0)
            fail_sys("pthread_mutex_lock/unlock");
}

static void mmf_semaphore(void *arg, long n)
{
    for (long i = 0; i < n; i++) {
        check(mmf_semaphore_release(arg, 1, NULL), "mmf_semaphore_release");
        wait_ok(arg, "mmf_wait (semaphore)");
    }
}

static void linux_semaphore(void *arg, long n)
{
    for (long i = 0; i < n; i++)
        if (sem_post(arg) != 0 || sem_wait(arg) != 0)
            fail_sys("sem_post/sem_wait");
}

static void mmf_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        check(mmf_event_set(ev_a), "mmf_event_set");
        wait_ok(ev_b, "mmf_wait (event)");
    }
}

static void linux_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        if (sem_post(&shm->ping) != 0)
            fail_sys("sem_post");
        while (sem_wait(&shm->pong) != 0)
            if (errno != EINTR)
                fail_sys("sem_wait");
    }
}

/* The children: answer each ping until the stop flag is seen. */
static void serve_mmf(void)
{
    for (;;) {
        wait_ok(ev_a, "mmf_wait (child)");
        if (shm->stop)
            _exit(0);
        check(mmf_event_set(ev_b), "mmf_event_set (child)");
    }
}

static void serve_linux(void)
{
    for (;;) {
        while (sem_wait(&shm->ping) != 0)
            if (errno != EINTR)
                _exit(1);
        if (shm->stop)
            _exit(0);
        sem_post(&shm->pong);
    }
}

static pid_t spawn(void (*serve)(void))
{
    pid_t pid = fork();
    if (pid < 0)
        fail_sys("fork");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        serve();
    }
    return pid;
}

static void stop_children(void)
{
    shm->stop = 1;
    check(mmf_event_set(ev_a), "mmf_event_set (stop)");
    sem_post(&shm->ping);
    for (int i = 0; i < 2; i++) {
        waitpid(children[i], NULL, 0);
        children[i] = 0;
    }
}

static void sync_setup(void)
{
    shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED)
        fail_sys("mmap (shared page)");
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pthread_mutex_init(&shm->mutex, &a) != 0)
        fail_sys("pthread_mutex_init");
    if (sem_init(&shm->sem, 1, 0) != 0 || sem_init(&shm->ping, 1, 0) != 0 ||
        sem_init(&shm->pong, 1, 0) != 0)
        fail_sys("sem_init");
}

/* ------------------------------------------------------------------ */
/* Crowds: 100,000 live views, 10,000 live names                       */
/* ------------------------------------------------------------------ */

/* n one-page views (mmf) and n one-page mmaps (linux), descending offsets
 * so that each continues the previous one and the kernel merges them: the
 * crowd tests mmf's view table, not vm.max_map_count. */
struct view_crowd {
    mmf_section *sec;
    int          fd;
    void       **mmf_views, **maps;
    long         n;
};

static void view_crowd_make(struct view_crowd *c, long n)
{
    uint64_t size = (uint64_t)n * (uint64_t)page_size;
    c->n = n;
    check(mmf_section_create_memory(size, MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &c->sec),
          "mmf_section_create_memory (crowd)");
    c->fd = memfd_create("crowd", MFD_CLOEXEC);
    if (c->fd < 0 || ftruncate(c->fd, (off_t)size) != 0)
        fail_sys("memfd_create (crowd)");
    c->mmf_views = calloc((size_t)n, sizeof *c->mmf_views);
    c->maps = calloc((size_t)n, sizeof *c->maps);
    if (!c->mmf_views || !c->maps)
        fail_sys("calloc");
    /* all of one kind, then all of the other: interleaved, neither merges */
    for (long i = 0; i < n; i++) {
        uint64_t off = (uint64_t)(n - 1 - i) * (uint64_t)page_size;
        check(mmf_view_map(c->sec, MMF_PAGE_READWRITE, off, (uint64_t)page_size, NULL,
                           &c->mmf_views[i]), "mmf_view_map (crowd)");
    }
    for (long i = 0; i < n; i++) {
        off_t off = (off_t)(n - 1 - i) * page_size;
        c->maps[i] = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, off);
        if (c->maps[i] == MAP_FAILED)
            fail_sys("mmap (crowd)");
    }
}

static void view_crowd_free(struct view_crowd *c)
{
    for (long i = c->n - 1; i >= 0; i--) {
        check(mmf_view_unmap(c->mmf_views[i]), "mmf_view_unmap (crowd)");
        munmap(c->maps[i], (size_t)page_size);
    }
    check(mmf_section_close(c->sec), "mmf_section_close (crowd)");
    close(c->fd);
    free(c->mmf_views);
    free(c->maps);
}

/* Raises the descriptor limit (the hard one too, when privileged) so
 * that each of the crowd's names fits; returns the crowd size possible:
 * an mmf named handle holds two descriptors. */
static long name_crowd_size(long wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        fail_sys("getrlimit");
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

static mmf_section **name_crowd_make(long n)
{
    mmf_section **h = calloc((size_t)(n > 0 ? n : 1), sizeof *h);
    if (!h)
        fail_sys("calloc");
    for (long i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%slive-%05ld", prefix, i);
        mmf_create_options o = { .name = name };
        check(mmf_section_create(-1, (uint64_t)page_size, MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &o,
                                 &h[i]), "mmf_section_create (crowd)");
        snprintf(name, sizeof name, "/%slive-%05ld", prefix, i);
        close(shm_make(name, page_size, 0));
        shm_crowd = i + 1;
    }
    return h;
}

static void name_crowd_free(mmf_section **h, long n)
{
    for (long i = 0; i < n; i++)
        check(mmf_section_close(h[i]), "mmf_section_close (crowd)");
    free(h);
    unlink_shm_crowd();
}

/* ------------------------------------------------------------------ */
/* The runs, one per operation                                         */
/* ------------------------------------------------------------------ */

static void pair(const char *op, suite_op m, void *marg, suite_op l, void *larg)
{
    suite_side s[2] = { { m, marg, 0 }, { l, larg, 0 } };
    suite_measure(s, 2);
    suite_emit(op, "mmf", s[0].ns);
    suite_emit(op, "linux", s[1].ns);
}

static void run_sections(mmf_section *sec, int *memfd)
{
    pair("map_unmap", mmf_map_unmap, sec, linux_map_unmap, memfd);
    pair("create_close", mmf_create_close, NULL, linux_create_close, NULL);
}

static void run_names(void)
{
    char mmf_cycle[96], mmf_held[96];
    snprintf(mmf_cycle, sizeof mmf_cycle, "%scycle", prefix);
    snprintf(mmf_held, sizeof mmf_held, "%sheld", prefix);
    pair("named_create_open", mmf_named_create_open, mmf_cycle, linux_named_create_open,
         shm_cycle);

    mmf_section *holder;
    mmf_create_options o = { .name = mmf_held };
    check(mmf_section_create(-1, SUITE_NAMED_SIZE, MMF_PAGE_READWRITE, 0, &o, &holder),
          "mmf_section_create (holder)");
    int shm_holder = shm_make(shm_held, SUITE_NAMED_SIZE, 1);
    pair("named_open", mmf_named_open, mmf_held, linux_named_open, shm_held);

    long n = name_crowd_size(SUITE_LIVE_NAMES);
    if (n < SUITE_LIVE_NAMES)
        suite_note("open_live: only %ld live names (RLIMIT_NOFILE)", n);
    mmf_section **crowd = name_crowd_make(n);
    pair("open_live", mmf_named_open, mmf_held, linux_named_open, shm_held);
    name_crowd_free(crowd, n);

    check(mmf_section_close(holder), "mmf_section_close (holder)");
    close(shm_holder);
    shm_unlink(shm_held);
}

static void run_records(void)
{
    struct records r;
    records_open(&r);
    pair("record_read", mmf_record_read, &r, linux_record_read, &r);
    pair("record_update", mmf_record_update, &r, linux_record_update, &r);
    pair("scan_mib", mmf_scan_mib, &r, linux_scan_mib, &r);
    pair("flush_page", mmf_flush_page, &r, linux_flush_page, &r);
    records_close(&r);
}

static void run_sync(void)
{
    sync_setup();
    mmf_sync *m, *s;
    check(mmf_mutex_create(0, NULL, &m), "mmf_mutex_create");
    pair("mutex", mmf_mutex, m, linux_mutex, &shm->mutex);
    check(mmf_semaphore_create(0, 0x7FFFFFFF, NULL, &s), "mmf_semaphore_create");
    pair("semaphore", mmf_semaphore, s, linux_semaphore, &shm->sem);
    mmf_sync_close(m);
    mmf_sync_close(s);

    check(mmf_event_create(0, 0, NULL, &ev_a), "mmf_event_create");
    check(mmf_event_create(0, 0, NULL, &ev_b), "mmf_event_create");
    children[0] = spawn(serve_mmf);
    children[1] = spawn(serve_linux);
    pair("round_trip", mmf_round_trip, NULL, linux_round_trip, NULL);
    stop_children();
    mmf_sync_close(ev_a);
    mmf_sync_close(ev_b);
}

static void run_live_views(mmf_section *sec, int *memfd)
{
    struct view_crowd c;
    double t0 = suite_now_ns();
    view_crowd_make(&c, SUITE_LIVE_VIEWS);
    suite_note("map_unmap_live: %ld one-page views made in %.2f s (mmf and mmap each)",
               SUITE_LIVE_VIEWS, (suite_now_ns() - t0) / 1e9);
    pair("map_unmap_live", mmf_map_unmap, sec, linux_map_unmap, memfd);
    view_crowd_free(&c);
}

int main(void)
{
    suite_init();
    page_size = sysconf(_SC_PAGESIZE);
    snprintf(prefix, sizeof prefix, "mmfsuite-%ld-", (long)getpid());
    snprintf(shm_cycle, sizeof shm_cycle, "/%scycle", prefix);
    snprintf(shm_held, sizeof shm_held, "/%sheld", prefix);

    mmf_section *sec;
    check(mmf_section_create_memory(SUITE_SECTION_SIZE, MMF_PAGE_READWRITE, 0, &sec),
          "mmf_section_create_memory");
    int memfd = memfd_committed(SUITE_SECTION_SIZE);

    run_sections(sec, &memfd);
    run_names();
    run_records();
    run_sync();
    run_live_views(sec, &memfd);

    mmf_section_close(sec);
    close(memfd);
    cleanup();
    return 0;
}
