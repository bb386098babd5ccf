/*
 * linux_ops.h — the "linux" side of every operation of the suite: the
 * plain Linux calls that do each job (docs/benchmarks.md).  Header-only,
 * C11 and C++, included by every program that runs on Linux (native.c,
 * win32.c built against mmf's layer, boost.cpp), so that each one times
 * its own implementation in rounds interleaved with these in the same
 * process: a ratio to Linux is then free of machine drift between programs.
 *
 * The state is one static `lx`; each operation ignores its argument.
 * Setup and teardown come in pairs (lx_*_open / lx_*_close).  A failing
 * call prints what failed and exits 1 after lx_cleanup().
 */
#ifndef MMF_SUITE_LINUX_OPS_H
#define MMF_SUITE_LINUX_OPS_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

struct lx_shared {                  /* a MAP_SHARED page */
    pthread_mutex_t mutex;          /* robust, process-shared */
    sem_t           sem, ping, pong;
    volatile int    stop;
};

static struct {
    char               prefix[64];            /* "/mmfsuite-lx-PID-" */
    char               cycle[96], held[96];
    int                memfd, holder;
    long               crowd_names;           /* PREFIXlive-N made */
    int                rec_fd;                /* the records file */
    unsigned char     *rec_map, *buf;
    unsigned long long rng, chunk;
    struct lx_shared  *shm;
    pid_t              child;
    int                crowd_fd;
    void             **crowd_maps;
    long               crowd_views;
    long               page;
} lx;

static inline void lx_unlink_crowd(void)
{
    for (long i = 0; i < lx.crowd_names; i++) {
        char name[128];
        snprintf(name, sizeof name, "%slive-%05ld", lx.prefix, i);
        shm_unlink(name);
    }
    lx.crowd_names = 0;
}

/* Removes this run's names and stops the child; safe to call twice. */
static inline void lx_cleanup(void)
{
    if (lx.cycle[0])
        shm_unlink(lx.cycle);
    if (lx.held[0])
        shm_unlink(lx.held);
    lx_unlink_crowd();
    if (lx.child > 0) {
        kill(lx.child, SIGKILL);
        waitpid(lx.child, NULL, 0);
        lx.child = 0;
    }
}

static inline void lx_fail(const char *call)
{
    fprintf(stderr, "linux side: %s failed: %s\n", call, strerror(errno));
    lx_cleanup();
    fflush(stdout);
    exit(1);
}

/* What mmf does for a committed memory section, by hand. */
static inline int lx_memfd_committed(off_t size)
{
    static unsigned noexec = MFD_NOEXEC_SEAL;
    int fd = memfd_create("suite", MFD_CLOEXEC | MFD_ALLOW_SEALING | noexec);
    if (fd < 0 && errno == EINVAL && noexec) {
        noexec = 0;
        fd = memfd_create("suite", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    }
    if (fd < 0)
        lx_fail("memfd_create");
    if (ftruncate(fd, size) != 0 || fallocate(fd, 0, 0, size) != 0)
        lx_fail("ftruncate/fallocate (memfd)");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
        lx_fail("F_ADD_SEALS");
    return fd;
}

static inline int lx_shm_make(const char *name, off_t size, int commit)
{
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        lx_fail("shm_open (O_CREAT|O_EXCL)");
    if (ftruncate(fd, size) != 0)
        lx_fail("ftruncate (shm)");
    if (commit && fallocate(fd, 0, 0, size) != 0)
        lx_fail("fallocate (shm)");
    return fd;
}

/* The 1 MiB memfd, the names, the page size. */
static inline void lx_open(void)
{
    lx.page = sysconf(_SC_PAGESIZE);
    snprintf(lx.prefix, sizeof lx.prefix, "/mmfsuite-lx-%ld-", (long)getpid());
    snprintf(lx.cycle, sizeof lx.cycle, "%scycle", lx.prefix);
    snprintf(lx.held, sizeof lx.held, "%sheld", lx.prefix);
    lx.memfd = lx_memfd_committed(SUITE_SECTION_SIZE);
    lx.holder = -1;
}

static inline void lx_close(void)
{
    close(lx.memfd);
    lx_cleanup();
}

/* ------------------------------------------------------------------ */
/* map+unmap, create+close, names                                      */
/* ------------------------------------------------------------------ */

static inline void lx_map_unmap(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        void *p = mmap(NULL, SUITE_VIEW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, lx.memfd, 0);
        if (p == MAP_FAILED)
            lx_fail("mmap");
        if (munmap(p, SUITE_VIEW_SIZE) != 0)
            lx_fail("munmap");
    }
}

static inline void lx_create_close(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        if (close(lx_memfd_committed(SUITE_SECTION_SIZE)) != 0)
            lx_fail("close");
}

/* shm_open(O_CREAT|O_EXCL) + ftruncate + fallocate + shm_open + 2 close +
 * shm_unlink: the lifetime of a named committed section by hand. */
static inline void lx_named_create_open(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        int made = lx_shm_make(lx.cycle, SUITE_NAMED_SIZE, 1);
        int opened = shm_open(lx.cycle, O_RDWR, 0);
        if (opened < 0)
            lx_fail("shm_open (O_RDWR)");
        if (close(made) != 0 || close(opened) != 0 || shm_unlink(lx.cycle) != 0)
            lx_fail("close/shm_unlink");
    }
}

static inline void lx_named_open(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        int fd = shm_open(lx.held, O_RDWR, 0);
        if (fd < 0 || close(fd) != 0)
            lx_fail("shm_open+close (held)");
    }
}

static inline void lx_held_open(void)
{
    lx.holder = lx_shm_make(lx.held, SUITE_NAMED_SIZE, 1);
}

static inline void lx_held_close(void)
{
    close(lx.holder);
    shm_unlink(lx.held);
}

/* n other POSIX objects in /dev/shm (names need no open descriptor). */
static inline void lx_name_crowd_open(long n)
{
    for (long i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof name, "%slive-%05ld", lx.prefix, i);
        close(lx_shm_make(name, (off_t)lx.page, 0));
        lx.crowd_names = i + 1;
    }
}

static inline void lx_name_crowd_close(void)
{
    lx_unlink_crowd();
}

/* ------------------------------------------------------------------ */
/* Records, scan, flush                                                */
/* ------------------------------------------------------------------ */

static inline void lx_record_read(void *arg, long n)
{
    (void)arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&lx.rng) % SUITE_RECORDS;
        if (pread(lx.rec_fd, rec, sizeof rec, (off_t)(k * SUITE_RECORD_SIZE)) != (ssize_t)sizeof rec)
            lx_fail("pread");
        suite_sink += rec[i % SUITE_RECORD_SIZE];
    }
}

static inline void lx_record_update(void *arg, long n)
{
    (void)arg;
    unsigned char rec[SUITE_RECORD_SIZE];
    memset(rec, 0x42, sizeof rec);
    for (long i = 0; i < n; i++) {
        unsigned long long k = suite_next(&lx.rng) % SUITE_RECORDS;
        rec[0] = (unsigned char)i;
        if (pwrite(lx.rec_fd, rec, sizeof rec, (off_t)(k * SUITE_RECORD_SIZE)) != (ssize_t)sizeof rec)
            lx_fail("pwrite");
    }
}

/* One iteration: the next MiB with read() into a 1 MiB buffer, summed;
 * back to the start after the last whole MiB. */
static inline void lx_scan_mib(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        if (lx.chunk == 0 && lseek(lx.rec_fd, 0, SEEK_SET) != 0)
            lx_fail("lseek");
        if (read(lx.rec_fd, lx.buf, SUITE_MIB) != (ssize_t)SUITE_MIB)
            lx_fail("read (1 MiB)");
        suite_sink += suite_sum(lx.buf, SUITE_MIB);
        lx.chunk = (lx.chunk + 1) % SUITE_SCAN_CHUNKS;
    }
}

/* One byte written through a plain mmap, msync(MS_SYNC) of its page. */
static inline void lx_flush_page(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        lx.rec_map[0]++;
        if (msync(lx.rec_map, (size_t)lx.page, MS_SYNC) != 0)
            lx_fail("msync");
    }
}

/* The linux side's own file of records in /tmp: written, fsync'ed (so
 * that no initial writeback is in flight while timing), mapped for the
 * flush and every page touched for writing. */
static inline void lx_records_open(void)
{
    char path[] = "/tmp/mmf-suite-lx-XXXXXX";
    lx.rec_fd = mkstemp(path);
    if (lx.rec_fd < 0 || unlink(path) != 0)
        lx_fail("mkstemp (/tmp)");
    lx.buf = (unsigned char *)malloc(SUITE_MIB);
    if (!lx.buf)
        lx_fail("malloc");
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += SUITE_MIB) {
        size_t len = SUITE_FILE_SIZE - off < SUITE_MIB ? SUITE_FILE_SIZE - off : SUITE_MIB;
        memset(lx.buf, (int)(off >> 20), len);
        if (pwrite(lx.rec_fd, lx.buf, len, (off_t)off) != (ssize_t)len)
            lx_fail("pwrite (records)");
    }
    if (fsync(lx.rec_fd) != 0)
        lx_fail("fsync (records)");
    void *m = mmap(NULL, SUITE_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, lx.rec_fd, 0);
    if (m == MAP_FAILED)
        lx_fail("mmap (records)");
    lx.rec_map = (unsigned char *)m;
    volatile unsigned char *v = lx.rec_map;
    for (unsigned long long off = 0; off < SUITE_FILE_SIZE; off += (unsigned long long)lx.page)
        v[off] = v[off];
    lx.rng = SUITE_SEED;
    lx.chunk = 0;
}

static inline void lx_records_close(void)
{
    munmap(lx.rec_map, SUITE_FILE_SIZE);
    close(lx.rec_fd);
    free(lx.buf);
}

/* ------------------------------------------------------------------ */
/* Synchronization                                                     */
/* ------------------------------------------------------------------ */

static inline void lx_mutex(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        if (pthread_mutex_lock(&lx.shm->mutex) != 0 || pthread_mutex_unlock(&lx.shm->mutex) != 0)
            lx_fail("pthread_mutex_lock/unlock");
}

static inline void lx_semaphore(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        if (sem_post(&lx.shm->sem) != 0 || sem_wait(&lx.shm->sem) != 0)
            lx_fail("sem_post/sem_wait");
}

/* Post ping, the child waits for it and posts pong, wait for pong. */
static inline void lx_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        if (sem_post(&lx.shm->ping) != 0)
            lx_fail("sem_post");
        while (sem_wait(&lx.shm->pong) != 0)
            if (errno != EINTR)
                lx_fail("sem_wait");
    }
}

/* The shared page, and the forked child that answers the round trips. */
static inline void lx_sync_open(void)
{
    void *p = mmap(NULL, sizeof *lx.shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        lx_fail("mmap (shared page)");
    lx.shm = (struct lx_shared *)p;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pthread_mutex_init(&lx.shm->mutex, &a) != 0)
        lx_fail("pthread_mutex_init");
    if (sem_init(&lx.shm->sem, 1, 0) != 0 || sem_init(&lx.shm->ping, 1, 0) != 0 ||
        sem_init(&lx.shm->pong, 1, 0) != 0)
        lx_fail("sem_init");
    lx.child = fork();
    if (lx.child < 0)
        lx_fail("fork");
    if (lx.child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            while (sem_wait(&lx.shm->ping) != 0)
                if (errno != EINTR)
                    _exit(1);
            if (lx.shm->stop)
                _exit(0);
            sem_post(&lx.shm->pong);
        }
    }
}

static inline void lx_sync_close(void)
{
    lx.shm->stop = 1;
    sem_post(&lx.shm->ping);
    waitpid(lx.child, NULL, 0);
    lx.child = 0;
    munmap(lx.shm, sizeof *lx.shm);
}

/* ------------------------------------------------------------------ */
/* 100,000 live mappings                                               */
/* ------------------------------------------------------------------ */

/* n one-page mmaps of a memfd at descending offsets: each continues the
 * previous one, so the kernel merges them (vm.max_map_count is 65530). */
static inline void lx_view_crowd_open(long n)
{
    lx.crowd_fd = memfd_create("crowd", MFD_CLOEXEC);
    if (lx.crowd_fd < 0 || ftruncate(lx.crowd_fd, (off_t)n * lx.page) != 0)
        lx_fail("memfd_create (crowd)");
    lx.crowd_maps = (void **)calloc((size_t)n, sizeof *lx.crowd_maps);
    if (!lx.crowd_maps)
        lx_fail("calloc");
    for (long i = 0; i < n; i++) {
        lx.crowd_maps[i] = mmap(NULL, (size_t)lx.page, PROT_READ | PROT_WRITE, MAP_SHARED,
                                lx.crowd_fd, (off_t)(n - 1 - i) * lx.page);
        if (lx.crowd_maps[i] == MAP_FAILED)
            lx_fail("mmap (crowd)");
        lx.crowd_views = i + 1;
    }
}

static inline void lx_view_crowd_close(void)
{
    for (long i = 0; i < lx.crowd_views; i++)
        munmap(lx.crowd_maps[i], (size_t)lx.page);
    free(lx.crowd_maps);
    close(lx.crowd_fd);
    lx.crowd_views = 0;
}

/* ------------------------------------------------------------------ */
/* Pairing                                                             */
/* ------------------------------------------------------------------ */

/* Measures `impl`'s operation and the linux one in interleaved rounds and
 * prints both: "op,IMPL,ns" and "op,linux@IMPL,ns" (or "op,linux,ns" when
 * `impl` is "mmf", the reference column of the table). */
static inline void lx_pair(const char *op, const char *impl, suite_op fn, void *arg, suite_op lfn)
{
    suite_side s[2] = { { fn, arg, 0 }, { lfn, NULL, 0 } };
    char other[64];
    suite_measure(s, 2);
    suite_emit(op, impl, s[0].ns);
    if (strcmp(impl, "mmf") == 0)
        snprintf(other, sizeof other, "linux");
    else
        snprintf(other, sizeof other, "linux@%s", impl);
    suite_emit(op, other, s[1].ns);
}

#endif /* MMF_SUITE_LINUX_OPS_H */
