/*
 * stress_work.h — the work of the stress test (tests/test_stress.c), shared
 * by the test process itself and by its child processes
 * (tests/child/stress-child.c).
 *
 * N threads loop until a deadline over operations on a few names that
 * every thread of every process uses at once: memory sections (Local and
 * Global), a file section, a mutex, a manual-reset event, a semaphore, and
 * a small section used to check the mutex's mutual exclusion.  Each loop
 * creates or opens a name, maps views at random offsets and protections,
 * writes and reads back a pattern in the thread's own cell of each page,
 * changes protections (mmf_view_protect), flushes, queries, unmaps and
 * closes; waits on and releases the mutex (recursively too), sets and
 * resets the event, takes and gives back semaphore counts, and now and
 * then runs mmf_registry_gc().  Every result is checked against the set
 * the documentation allows: a create gives 0 or MMF_EXISTED, an open 0 or
 * MMF_ENOTFOUND (a name vanishes between its last close and the next
 * create), a timed wait MMF_WAIT_OBJECT_0 or MMF_WAIT_TIMEOUT (never
 * abandoned: nobody dies here), everything else exactly 0.  Failures are
 * counted and the first few described; nothing aborts.
 */
#ifndef MMF_STRESS_WORK_H
#define MMF_STRESS_WORK_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmf.h"

#define SW_PAGES     16
#define SW_MAXMSG    8
#define SW_MAXTHREADS 32
#define SW_NSEC      4 /* memory sections; index SW_NSEC is the file section */

struct sw_ctx {
    char        names[SW_NSEC + 1][128]; /* sections (the last: file-backed) */
    char        mutex[128], event[128], sem[128], cs[128];
    const char *file_path;
    int         proc_id;   /* 0..4: which cells of a page are ours */
    int         nthreads;
    double      deadline;  /* CLOCK_MONOTONIC seconds */
    uint64_t    seed;
    uint64_t    pg;
    atomic_int  failures;
    atomic_long ops;
    atomic_int  nmsg;
    char        msg[SW_MAXMSG][256];
};

struct sw_thread {
    struct sw_ctx *c;
    pthread_t      th;
    int            id;   /* thread number in the process */
    int            cell; /* 64-byte cell of each page only we write */
    uint64_t       rng;
};

static inline double sw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline uint32_t sw_rnd(struct sw_thread *t, uint32_t n)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    uint32_t r = (uint32_t)((t->rng * 0x2545F4914F6CDD1Dull) >> 32);
    return n ? r % n : r;
}

__attribute__((format(printf, 3, 4)))
static inline void sw_fail(struct sw_thread *t, int line, const char *fmt, ...)
{
    struct sw_ctx *c = t->c;
    atomic_fetch_add(&c->failures, 1);
    int k = atomic_fetch_add(&c->nmsg, 1);
    if (k >= SW_MAXMSG)
        return;
    int n = snprintf(c->msg[k], sizeof c->msg[k], "proc %d thread %d, line %d: ", c->proc_id,
                     t->id, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg[k] + n, sizeof c->msg[k] - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Records a failure and leaves the operation unless @rc is one of the
 * allowed results (at most three). */
#define SW_ALLOWED3(rc, a, b, c_) ((rc) == (a) || (rc) == (b) || (rc) == (c_))
#define SW_CHECK(t, expr, a, b, c_)                                            \
    do {                                                                      \
        int sw_rc_ = (expr);                                                  \
        if (!SW_ALLOWED3(sw_rc_, (a), (b), (c_))) {                           \
            sw_fail((t), __LINE__, "%s returned %d (%s)", #expr, sw_rc_,      \
                    mmf_strerror(sw_rc_));                                    \
            return;                                                           \
        }                                                                     \
    } while (0)
#define SW_OK(t, expr) SW_CHECK(t, expr, 0, 0, 0)
#define SW_TRUE(t, cond, ...)                                                 \
    do {                                                                      \
        if (!(cond)) {                                                        \
            sw_fail((t), __LINE__, __VA_ARGS__);                              \
            return;                                                           \
        }                                                                     \
    } while (0)

static inline unsigned sw_access_set(unsigned prot)
{
    return prot & (MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_EXEC);
}

/* A random protection whose access set is within @set (READ, READ|WRITE or
 * none). */
static inline unsigned sw_prot_within(struct sw_thread *t, unsigned set)
{
    static const unsigned rw[] = { MMF_PAGE_NOACCESS, MMF_PAGE_READONLY, MMF_PAGE_WRITECOPY,
                                   MMF_PAGE_READWRITE };
    if (!(set & MMF_PAGE_READ))
        return MMF_PAGE_NOACCESS;
    return rw[sw_rnd(t, set & MMF_PAGE_WRITE ? 4 : 3)];
}

static inline int sw_writable(unsigned prot)
{
    return (prot & MMF_PAGE_WRITE) || (prot & MMF_PAGE_COPY);
}

/* One view of @s: map, query, write/read our cells, protect, flush,
 * unmap.  @writable: the handle may make read-write views. */
static inline void sw_view(struct sw_thread *t, mmf_section *s, int writable)
{
    uint64_t pg = t->c->pg;
    unsigned prot = sw_prot_within(t, writable ? MMF_PAGE_READ | MMF_PAGE_WRITE : MMF_PAGE_READ);
    if (sw_rnd(t, 8) == 0)
        prot = MMF_PAGE_NOACCESS;
    uint64_t first = sw_rnd(t, SW_PAGES);
    uint64_t npages = sw_rnd(t, 2) ? SW_PAGES - first : 1 + sw_rnd(t, (uint32_t)(SW_PAGES - first));
    uint64_t size = npages == SW_PAGES - first && sw_rnd(t, 2) ? 0 : npages * pg;
    char *v = NULL;
    SW_OK(t, mmf_view_map(s, prot, first * pg, size, NULL, (void **)&v));
    uint64_t len = npages * pg;
    mmf_view_info vi;
    memset(&vi, 0, sizeof vi);
    SW_OK(t, mmf_view_query(v + sw_rnd(t, (uint32_t)len), &vi));
    SW_TRUE(t, vi.view_base == v && vi.offset == first * pg && vi.view_size == len &&
                   vi.view_protection == prot && vi.section_size == SW_PAGES * pg,
            "query: base %p size %llu prot %#x offset %llu, mapped %p %llu %#x %llu", vi.view_base,
            (unsigned long long)vi.view_size, vi.view_protection, (unsigned long long)vi.offset,
            (void *)v, (unsigned long long)len, prot, (unsigned long long)(first * pg));
    uint64_t val = (uint64_t)getpid() << 32 | (uint64_t)t->id << 24 | sw_rnd(t, 1u << 24);
    for (uint64_t p = 0; p < npages && sw_writable(prot); p++) {
        volatile uint64_t *cell = (volatile uint64_t *)(v + p * pg + (uint64_t)t->cell * 64);
        cell[0] = val + p;
        SW_TRUE(t, cell[0] == val + p, "page %llu: read back %#llx, wrote %#llx",
                (unsigned long long)p, (unsigned long long)cell[0],
                (unsigned long long)(val + p));
    }
    if (prot != MMF_PAGE_NOACCESS)
        (void)*(volatile char *)(v + len - 1);

    /* Protect a random run of pages, within the view's access. */
    uint64_t pfirst = sw_rnd(t, (uint32_t)npages);
    uint64_t plen = (1 + sw_rnd(t, (uint32_t)(npages - pfirst))) * pg;
    unsigned np = sw_prot_within(t, sw_access_set(prot));
    unsigned old = 0xdead;
    SW_OK(t, mmf_view_protect(v + pfirst * pg, (size_t)plen, np, &old));
    SW_TRUE(t, old == prot, "protect: old protection %#x, the view had %#x", old, prot);
    if (sw_writable(np)) {
        volatile uint64_t *cell = (volatile uint64_t *)(v + pfirst * pg + (uint64_t)t->cell * 64);
        cell[0] = ~val;
        SW_TRUE(t, cell[0] == ~val, "after protect %#x: read back %#llx", np,
                (unsigned long long)cell[0]);
    }
    /* More than the view's access is refused and changes nothing. */
    if (!(prot & MMF_PAGE_WRITE)) {
        SW_CHECK(t, mmf_view_protect(v, (size_t)pg, MMF_PAGE_READWRITE, NULL), MMF_EPROTECT,
                 MMF_EPROTECT, MMF_EPROTECT);
    }
    memset(&vi, 0, sizeof vi);
    SW_OK(t, mmf_view_query(v + pfirst * pg, &vi));
    SW_TRUE(t, vi.protection == np || (np == MMF_PAGE_WRITECOPY && sw_writable(np) &&
                                       vi.protection == MMF_PAGE_READWRITE),
            "query after protect %#x: %#x", np, vi.protection);
    SW_OK(t, mmf_view_flush(v + sw_rnd(t, (uint32_t)len), 0));
    if (sw_rnd(t, 2))
        SW_OK(t, mmf_view_protect(v, (size_t)len, prot, NULL));
    SW_OK(t, mmf_view_unmap(v + sw_rnd(t, (uint32_t)len)));
}

static inline int sw_open_file(struct sw_thread *t)
{
    int fd = open(t->c->file_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        sw_fail(t, __LINE__, "open %s: %s", t->c->file_path, strerror(errno));
    return fd;
}

/* Create-or-open a section, 1-3 views, close. */
static inline void sw_section(struct sw_thread *t)
{
    int i = (int)sw_rnd(t, SW_NSEC + 1);
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = t->c->names[i];
    mmf_section *s = NULL;
    int fd = -1;
    if (i == SW_NSEC && (fd = sw_open_file(t)) < 0)
        return;
    int rc = mmf_section_create(fd, SW_PAGES * t->c->pg, MMF_PAGE_READWRITE, 0, &o, &s);
    if (fd >= 0)
        close(fd);
    SW_CHECK(t, rc, 0, MMF_EXISTED, 0);
    mmf_section_info si;
    memset(&si, 0, sizeof si);
    SW_OK(t, mmf_section_query(s, &si));
    SW_TRUE(t, si.named == 1 && si.file_backed == (i == SW_NSEC) &&
                   si.size == SW_PAGES * t->c->pg,
            "section query: named %d file %d size %llu", si.named, si.file_backed,
            (unsigned long long)si.size);
    for (uint32_t k = 1 + sw_rnd(t, 3); k > 0; k--)
        sw_view(t, s, 1);
    SW_OK(t, mmf_section_close(s));
}

/* Open an existing section (it may have just vanished). */
static inline void sw_open(struct sw_thread *t)
{
    int i = (int)sw_rnd(t, SW_NSEC + 1);
    unsigned acc = sw_rnd(t, 2) ? MMF_ACCESS_READ : MMF_ACCESS_READ | MMF_ACCESS_WRITE;
    mmf_section *s = NULL;
    int rc = mmf_section_open(t->c->names[i], acc, &s);
    SW_CHECK(t, rc, 0, MMF_ENOTFOUND, 0);
    if (rc == MMF_ENOTFOUND)
        return;
    sw_view(t, s, (acc & MMF_ACCESS_WRITE) != 0);
    /* A handle's rights cap its views. */
    if (!(acc & MMF_ACCESS_WRITE)) {
        void *v = NULL;
        SW_CHECK(t, mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v), -EACCES, -EACCES,
                 -EACCES);
    }
    SW_OK(t, mmf_section_close(s));
}

/* The named mutex, held while checking that nobody else is inside. */
static inline void sw_mutex(struct sw_thread *t)
{
    struct sw_ctx *c = t->c;
    mmf_sync *m = NULL;
    if (sw_rnd(t, 3) == 0) {
        int rc = mmf_sync_open(c->mutex, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &m);
        SW_CHECK(t, rc, 0, MMF_ENOTFOUND, 0);
        if (rc == MMF_ENOTFOUND)
            return;
    } else {
        mmf_create_options o;
        memset(&o, 0, sizeof o);
        o.name = c->mutex;
        SW_CHECK(t, mmf_mutex_create(0, &o, &m), 0, MMF_EXISTED, 0);
    }
    int rc = mmf_wait(m, sw_rnd(t, 20));
    SW_CHECK(t, rc, MMF_WAIT_OBJECT_0, MMF_WAIT_TIMEOUT, MMF_WAIT_OBJECT_0);
    if (rc == MMF_WAIT_OBJECT_0) {
        int rec = sw_rnd(t, 3) == 0;
        if (rec)
            SW_OK(t, mmf_wait(m, 0));
        /* Inside: the counter at offset 0 of the cs section must go 0 -> 1. */
        mmf_create_options o;
        memset(&o, 0, sizeof o);
        o.name = c->cs;
        mmf_section *s = NULL;
        SW_CHECK(t, mmf_section_create(-1, c->pg, MMF_PAGE_READWRITE, 0, &o, &s), 0,
                 MMF_EXISTED, 0);
        _Atomic uint32_t *inside = NULL;
        SW_OK(t, mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&inside));
        uint32_t was = atomic_fetch_add(inside, 1);
        SW_TRUE(t, was == 0, "mutual exclusion: %u others inside the mutex", was);
        if (sw_rnd(t, 2))
            sched_yield();
        was = atomic_fetch_sub(inside, 1);
        SW_TRUE(t, was == 1, "mutual exclusion: %u inside at the exit", was);
        SW_OK(t, mmf_view_unmap(inside));
        SW_OK(t, mmf_section_close(s));
        if (rec)
            SW_OK(t, mmf_mutex_release(m));
        SW_OK(t, mmf_mutex_release(m));
        SW_CHECK(t, mmf_mutex_release(m), MMF_ENOTOWNER, MMF_ENOTOWNER, MMF_ENOTOWNER);
    } else {
        SW_CHECK(t, mmf_mutex_release(m), MMF_ENOTOWNER, MMF_ENOTOWNER, MMF_ENOTOWNER);
    }
    SW_OK(t, mmf_sync_close(m));
}

static inline void sw_event(struct sw_thread *t)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = t->c->event;
    mmf_sync *e = NULL;
    SW_CHECK(t, mmf_event_create(1, 0, &o, &e), 0, MMF_EXISTED, 0);
    SW_OK(t, mmf_event_set(e));
    SW_CHECK(t, mmf_wait(e, 0), MMF_WAIT_OBJECT_0, MMF_WAIT_TIMEOUT, MMF_WAIT_OBJECT_0);
    SW_CHECK(t, mmf_wait(e, sw_rnd(t, 3)), MMF_WAIT_OBJECT_0, MMF_WAIT_TIMEOUT,
             MMF_WAIT_OBJECT_0);
    if (sw_rnd(t, 2))
        SW_OK(t, mmf_event_reset(e));
    SW_CHECK(t, mmf_semaphore_release(e, 1, NULL), -EINVAL, -EINVAL, -EINVAL);
    SW_OK(t, mmf_sync_close(e));
}

static inline void sw_semaphore(struct sw_thread *t)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = t->c->sem;
    mmf_sync *s = NULL;
    SW_CHECK(t, mmf_semaphore_create(3, 3, &o, &s), 0, MMF_EXISTED, 0);
    int rc = mmf_wait(s, sw_rnd(t, 5));
    SW_CHECK(t, rc, MMF_WAIT_OBJECT_0, MMF_WAIT_TIMEOUT, MMF_WAIT_OBJECT_0);
    if (rc == MMF_WAIT_OBJECT_0) {
        uint32_t prev = 99;
        SW_OK(t, mmf_semaphore_release(s, 1, &prev));
        SW_TRUE(t, prev <= 2, "semaphore: count %u before giving back a taken one", prev);
    }
    SW_OK(t, mmf_sync_close(s));
}

static inline void sw_gc(struct sw_thread *t)
{
    int rc = mmf_registry_gc();
    SW_TRUE(t, rc >= 0, "mmf_registry_gc returned %d (%s)", rc, mmf_strerror(rc));
}

static inline void *sw_thread_main(void *arg)
{
    struct sw_thread *t = arg;
    while (sw_now() < t->c->deadline) {
        uint32_t r = sw_rnd(t, 100);
        if (r < 35)
            sw_section(t);
        else if (r < 50)
            sw_open(t);
        else if (r < 70)
            sw_mutex(t);
        else if (r < 82)
            sw_event(t);
        else if (r < 97)
            sw_semaphore(t);
        else
            sw_gc(t);
        atomic_fetch_add(&t->c->ops, 1);
    }
    return NULL;
}

/* Fills @c for run @tag (names), process @proc_id, @nthreads threads for
 * @seconds from now. */
static inline void sw_init(struct sw_ctx *c, const char *tag, const char *file_path, int proc_id,
                           int nthreads, double seconds, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < SW_NSEC; i++)
        snprintf(c->names[i], sizeof c->names[i], i == SW_NSEC - 1 ? "Global\\%s-sec-%d"
                                                                   : "Local\\%s-sec-%d",
                 tag, i);
    snprintf(c->names[SW_NSEC], sizeof c->names[SW_NSEC], "Local\\%s-file", tag);
    snprintf(c->mutex, sizeof c->mutex, "Local\\%s-mutex", tag);
    snprintf(c->event, sizeof c->event, "Global\\%s-event", tag);
    snprintf(c->sem, sizeof c->sem, "Local\\%s-sem", tag);
    snprintf(c->cs, sizeof c->cs, "Local\\%s-cs", tag);
    c->file_path = file_path;
    c->proc_id = proc_id;
    c->nthreads = nthreads > SW_MAXTHREADS ? SW_MAXTHREADS : nthreads;
    c->deadline = sw_now() + seconds;
    c->seed = seed;
    c->pg = (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Runs the threads to the deadline; returns the number of failures
 * (thread creation failures included). */
static inline int sw_run(struct sw_ctx *c)
{
    struct sw_thread th[SW_MAXTHREADS];
    int started = 0;
    for (int i = 0; i < c->nthreads; i++) {
        th[i].c = c;
        th[i].id = i;
        th[i].cell = (c->proc_id * SW_MAXTHREADS + i) % (int)(c->pg / 64);
        th[i].rng = (c->seed + (uint64_t)i * 0x9E3779B97F4A7C15ull) | 1;
        if (pthread_create(&th[i].th, NULL, sw_thread_main, &th[i]) != 0) {
            sw_fail(&th[i], __LINE__, "pthread_create failed");
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i].th, NULL);
    return atomic_load(&c->failures);
}

/* Writes the report the test reads: one "fail: ..." line per recorded
 * failure, then "done FAILURES OPS". */
static inline void sw_report(const struct sw_ctx *c, FILE *out)
{
    int n = atomic_load(&c->nmsg);
    for (int i = 0; i < n && i < SW_MAXMSG; i++)
        fprintf(out, "fail: %s\n", c->msg[i]);
    fprintf(out, "done %d %ld\n", atomic_load(&c->failures), atomic_load(&c->ops));
    fflush(out);
}

#endif
