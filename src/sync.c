/*
 * sync.c — mutex, semaphore and event objects shared between processes.
 *
 * The state of each object is a small struct in a shared page: a memfd for
 * unnamed objects, the data page of the registry entry for named ones (so
 * names, lifetime and security are those of name.c).  Uncontended
 * operations are a compare-and-swap, no system call.
 *
 * Waiting: every change of state increments `seq`, and waiters sleep on
 * that futex word (shared, not FUTEX_PRIVATE: the page is mapped at
 * different addresses in different processes; shared futexes are keyed by
 * inode and offset).  A waiter reads seq, tries to acquire, announces
 * itself in `waiters` and sleeps only if seq has not moved, so a change
 * between the try and the sleep is never missed; a changer wakes only when
 * someone waits, so the uncontended path makes no system call.  The
 * timeout is an absolute CLOCK_MONOTONIC deadline (FUTEX_WAIT_BITSET), so
 * EINTR and retries do not stretch it, and a zero timeout never sleeps.
 *
 * Mutex ownership is one 64-bit word, tid << 32 | start time (waiters sleep
 * on seq, so the owner word need not be a 32-bit futex; see "thread
 * identity" below).  An owner that died (process killed, or thread exited) is
 * found through /proc/TID/stat (gone, or started at another time): the first waiter to see it takes
 * the mutex over and is told WAIT_ABANDONED.  Waiters on a held mutex
 * sleep in slices of 20 ms to look again, which bounds how late an
 * abandonment is noticed.  (The kernel's robust futex list is glibc's to
 * manage; a pthread robust mutex, besides, misses owners that unmapped
 * the page before dying.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

#define SYNC_MAGIC 0x6d6d6659u /* "mmfY" */
#define SLICE_NS   20000000L   /* how often a mutex waiter checks the owner */

struct sync_state {
    uint32_t         type;      /* MMF_SYNC_* */
    _Atomic uint32_t word;      /* semaphore: count; event: 1 signaled,
                                   0 not; unused by a mutex */
    _Atomic uint32_t seq;       /* bumped on every change: the futex */
    _Atomic uint32_t waiters;   /* sleepers on seq */
    uint32_t         max;       /* semaphore maximum */
    uint32_t         manual;    /* event: manual reset */
    uint32_t         recursion; /* mutex: touched by the owner only */
    uint32_t         pad;
    _Atomic uint64_t owner;     /* mutex: tid << 32 | start time of the
                                   owner thread, or 0 */
};

struct mmf_sync {
    uint32_t           magic;
    int                type;
    unsigned           access;  /* MMF_SYNC_ACCESS_* */
    struct sync_state *st;
    size_t             maplen;
    struct reg_ref    *ref;
    int                fd;      /* the state's file (memfd or registry
                                   entry), kept to duplicate and pass on */
    uint64_t           off;     /* where the state page is in fd */
    uint64_t           dev, ino; /* of fd: which object this is */
    int                inherit[3]; /* inheritable token, data and lock
                                      descriptors, or -1 */
};

/* ---- thread identity ---- */

/*
 * A mutex owner is one 64-bit word: the owner thread's tid (a pid-namespace
 * wide number) and a 32-bit tag of that thread's incarnation, which is
 * what tells a dead owner from an unrelated thread given the same number
 * later.  Tids are reused: checking the number alone left a mutex owned
 * forever by whoever got it next (or let that thread take it as its own,
 * recursively, without being told it was abandoned).
 *
 * The tag is the low 30 bits of the inode number of a pidfd for the
 * thread: since Linux 6.9 pidfds live in pidfs, which gives every thread
 * and process ever made an inode number of its own.  Older kernels give
 * all pidfds one inode; there the tag is the low 30 bits of the thread's
 * start time (clock ticks since boot, /proc/TID/stat), which tells apart
 * threads started more than a tick (10 ms) apart.
 *
 * Each thread computes its word once and caches it; a fork child (whose
 * only thread is new) forgets it.
 */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#define PIDFS_MAGIC_ 0x50494446

static _Thread_local uint64_t cached_owner;
static pthread_once_t tid_once = PTHREAD_ONCE_INIT;
static void tid_forget(void) { cached_owner = 0; }
static void tid_init(void) { pthread_atfork(NULL, NULL, tid_forget); }

/* Start time and state of thread tid, from /proc/TID/stat: 0, or -1 when
 * there is no such thread (or no /proc). */
static int thread_stat(pid_t tid, uint64_t *start, char *state)
{
    char path[48], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    /* The command name (field 2) may hold spaces and parentheses: count
     * fields from the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -1;
    *state = p[2];
    p += 2; /* field 3 */
    for (int f = 3; f < 22 && p; f++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p)
        return -1;
    *start = strtoull(p, NULL, 10);
    return 0;
}

/*
 * Tags say how they were made, so that a process that could not make one
 * kind (out of descriptors, an older kernel) never misreads another's:
 * the top two bits are 10 for a pidfs inode tag, 01 for a start-time tag;
 * 0 is "no tag" (only the number counts).
 */
#define TAG_INODE 0x80000000u
#define TAG_START 0x40000000u
#define TAG_KIND  0xC0000000u

/* Thread tid's tag of kind `kind` now: 1 (and *tag; *ended: the thread has
 * exited but is not reaped yet), 0 when there is no such thread, -1 when
 * it cannot be told. */
static int thread_tag(pid_t tid, uint32_t kind, uint32_t *tag, int *ended)
{
    *ended = 0;
    if (kind == TAG_INODE) {
        int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
        if (fd < 0)
            return errno == ESRCH ? 0 : -1;
        struct statfs sf;
        struct stat st;
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int ok = fstatfs(fd, &sf) == 0 && sf.f_type == PIDFS_MAGIC_ && fstat(fd, &st) == 0;
        *ended = poll(&pf, 1, 0) > 0;
        close(fd);
        if (!ok)
            return -1; /* pidfds without inodes of their own (before 6.9) */
        *tag = TAG_INODE | ((uint32_t)st.st_ino & ~TAG_KIND);
        return 1;
    }
    uint64_t start;
    char state;
    if (thread_stat(tid, &start, &state) < 0)
        return syscall(SYS_tkill, tid, 0) < 0 && errno == ESRCH ? 0 : -1;
    *tag = TAG_START | ((uint32_t)start & ~TAG_KIND);
    *ended = state == 'Z' || state == 'X';
    return 1;
}

static uint64_t owner_of_me(void)
{
    if (!cached_owner) {
        pthread_once(&tid_once, tid_init);
        pid_t tid = (pid_t)syscall(SYS_gettid);
        uint32_t tag = 0;
        int ended;
        if (thread_tag(tid, TAG_INODE, &tag, &ended) != 1 &&
            thread_tag(tid, TAG_START, &tag, &ended) != 1)
            tag = 0;
        cached_owner = (uint64_t)(uint32_t)tid << 32 | tag;
    }
    return cached_owner;
}

/* ---- futex ---- */

/* After a change of state (made with a seq_cst operation, so that the
 * load of `waiters` below cannot pass it): wake the sleepers, if any.
 * Waiters announce themselves before their last look at the state, so
 * either they see the change or we see them. */
static void changed(struct sync_state *st)
{
    if (atomic_load(&st->waiters)) {
        atomic_fetch_add(&st->seq, 1);
        syscall(SYS_futex, &st->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps while seq == seen, until the absolute deadline (ns).  The caller
 * has counted itself in `waiters` before reading seen. */
static void sleep_on(struct sync_state *st, uint32_t seen, uint64_t deadline)
{
    struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000u),
                           .tv_nsec = (long)(deadline % 1000000000u) };
    syscall(SYS_futex, &st->seq, FUTEX_WAIT_BITSET, seen, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

/* ---- acquiring ---- */

/* Whether the thread recorded as owner `o` is gone: no such thread, a
 * thread of that number of another incarnation, or one that has exited
 * and waits to be reaped (a killed process is a zombie until then). */
static int owner_dead(uint64_t o)
{
    uint32_t want = (uint32_t)o, tag = 0;
    int ended;
    /* An owner without a tag: only its number counts. */
    uint32_t kind = want & TAG_KIND;
    int r = thread_tag((pid_t)(o >> 32), kind ? kind : TAG_START, &tag, &ended);
    if (r <= 0)
        return r == 0; /* gone; or it cannot be told: the number exists */
    return ended || (kind && tag != want);
}

/* One attempt: 1 acquired (*abandoned set for a dead owner's mutex, whose
 * old owner is left in *was for a rollback), 0 not available, or a
 * negative error. */
static int try_acquire_was(struct sync_state *st, int *abandoned, uint64_t *was)
{
    *abandoned = 0;
    uint32_t w = atomic_load(&st->word);
    switch (st->type) {
    case MMF_SYNC_MUTEX: {
        /* Ownership is one 64-bit word holding both ids, taken and given
         * with single atomic operations: a process killed at any point
         * leaves either no owner or an owner whose death is visible. */
        uint64_t me = owner_of_me();
        uint64_t o = atomic_load(&st->owner);
        if (o == me) {
            if (st->recursion == UINT32_MAX)
                return -EOVERFLOW;
            st->recursion++;
            return 1;
        }
        if (o != 0 && !owner_dead(o))
            return 0;
        if (!atomic_compare_exchange_strong(&st->owner, &o, me))
            return 0;
        *was = o;
        st->recursion = 1;
        *abandoned = o != 0;
        return 1;
    }
    case MMF_SYNC_SEMAPHORE:
        while (w > 0)
            if (atomic_compare_exchange_weak(&st->word, &w, w - 1))
                return 1;
        return 0;
    default: /* event */
        if (st->manual)
            return w == 1;
        return w == 1 && atomic_compare_exchange_strong(&st->word, &w, 0);
    }
}

static int try_acquire(struct sync_state *st, int *abandoned)
{
    uint64_t was;
    return try_acquire_was(st, abandoned, &was);
}

/* Undoes one successful try_acquire_was() (wait-all that cannot complete).
 * An abandoned mutex goes back to its dead owner, so that the next
 * acquirer is told it was abandoned. */
static void give_back(struct sync_state *st, int abandoned, uint64_t was)
{
    switch (st->type) {
    case MMF_SYNC_MUTEX:
        if (--st->recursion > 0)
            return;
        atomic_store(&st->owner, abandoned ? was : 0);
        break;
    case MMF_SYNC_SEMAPHORE:
        atomic_fetch_add(&st->word, 1);
        break;
    default:
        if (st->manual)
            return; /* passing a manual-reset event consumes nothing */
        atomic_store(&st->word, 1);
        break;
    }
    changed(st);
}

static struct sync_state *state_of(const mmf_sync *h)
{
    return h && h->magic == SYNC_MAGIC ? h->st : NULL;
}

/* The state behind h for an operation needing `right` and, if type is not
 * 0, an object of that type; NULL with *err set otherwise. */
static struct sync_state *checked(const mmf_sync *h, unsigned right, int type, int *err)
{
    struct sync_state *st = state_of(h);
    if (!st)
        *err = -EBADF;
    else if (type && (int)st->type != type)
        *err = -EINVAL;
    else if (!(h->access & right))
        *err = -EACCES;
    else
        return st;
    return NULL;
}

int mmf_wait(mmf_sync *h, uint32_t timeout_ms)
{
    int err;
    struct sync_state *st = checked(h, MMF_SYNC_ACCESS_WAIT, 0, &err);
    if (!st)
        return err;
    int abandoned;
    int r = try_acquire(st, &abandoned); /* the uncontended path */
    if (r != 0)
        return r < 0 ? r : abandoned ? MMF_WAIT_ABANDONED : MMF_WAIT_OBJECT_0;
    if (timeout_ms == 0)
        return MMF_WAIT_TIMEOUT;
    uint64_t deadline = timeout_ms == MMF_INFINITE ? UINT64_MAX
                                                   : now_ns() + (uint64_t)timeout_ms * 1000000u;
    atomic_fetch_add(&st->waiters, 1);
    for (;;) {
        uint32_t seen = atomic_load(&st->seq);
        r = try_acquire(st, &abandoned);
        if (r != 0)
            break;
        uint64_t now = now_ns();
        if (now >= deadline)
            break;
        uint64_t until = deadline;
        if (st->type == MMF_SYNC_MUTEX && until - now > (uint64_t)SLICE_NS)
            until = now + SLICE_NS;
        if (until == UINT64_MAX)
            until = now + 3600ull * 1000000000u; /* "forever", an hour at a time */
        sleep_on(st, seen, until);
    }
    atomic_fetch_sub(&st->waiters, 1);
    if (r < 0)
        return r;
    return r == 0 ? MMF_WAIT_TIMEOUT : abandoned ? MMF_WAIT_ABANDONED : MMF_WAIT_OBJECT_0;
}

/* Sleeps until any of the seq words moves from seen[], or the deadline.
 * futex_waitv (Linux 5.16) does it in one call; without it, sleep on the
 * first word in slices of 1 ms. */
struct futex_waitv_arg {
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define FUTEX2_U32 0x02

static void sleep_on_many(struct sync_state **st, const uint32_t *seen, uint32_t n,
                          uint64_t deadline)
{
    struct futex_waitv_arg w[MMF_MAXIMUM_WAIT_OBJECTS];
    for (uint32_t i = 0; i < n; i++) {
        w[i] = (struct futex_waitv_arg){ .val = seen[i], .uaddr = (uintptr_t)&st[i]->seq,
                                         .flags = FUTEX2_U32 };
    }
    struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000u),
                           .tv_nsec = (long)(deadline % 1000000000u) };
    static _Atomic int no_waitv;
    if (atomic_load_explicit(&no_waitv, memory_order_relaxed) ||
        (syscall(SYS_futex_waitv, w, n, 0, &ts, CLOCK_MONOTONIC) < 0 && errno == ENOSYS)) {
        atomic_store_explicit(&no_waitv, 1, memory_order_relaxed);
        uint64_t now = now_ns();
        uint64_t until = deadline - now > 1000000u ? now + 1000000u : deadline;
        struct timespec t1 = { .tv_sec = (time_t)(until / 1000000000u),
                               .tv_nsec = (long)(until % 1000000000u) };
        syscall(SYS_futex, &st[0]->seq, FUTEX_WAIT_BITSET, seen[0], &t1, NULL,
                FUTEX_BITSET_MATCH_ANY);
    }
}

int mmf_wait_multiple(mmf_sync *const *h, uint32_t n, int wait_all, uint32_t timeout_ms)
{
    if (!h || n == 0 || n > MMF_MAXIMUM_WAIT_OBJECTS)
        return -EINVAL;
    struct sync_state *st[MMF_MAXIMUM_WAIT_OBJECTS];
    int any_mutex = 0;
    for (uint32_t i = 0; i < n; i++) {
        int err;
        st[i] = checked(h[i], MMF_SYNC_ACCESS_WAIT, 0, &err);
        if (!st[i])
            return err;
        any_mutex |= st[i]->type == MMF_SYNC_MUTEX;
        /* Windows refuses one object twice in a wait-all (through the same
         * handle or two): it could never be satisfied as a set. */
        for (uint32_t j = 0; wait_all && j < i; j++)
            if (h[j]->dev == h[i]->dev && h[j]->ino == h[i]->ino && h[j]->off == h[i]->off)
                return -EINVAL;
    }
    uint64_t deadline = timeout_ms == MMF_INFINITE ? UINT64_MAX
                                                   : now_ns() + (uint64_t)timeout_ms * 1000000u;
    /* Counted as a waiter on every object for the whole wait (a zero
     * timeout included: an extra wake-up is the only cost). */
    for (uint32_t i = 0; i < n; i++)
        atomic_fetch_add(&st[i]->waiters, 1);
    uint32_t missing = 0;
    int rc;
    for (;;) {
        uint32_t seen[MMF_MAXIMUM_WAIT_OBJECTS];
        for (uint32_t i = 0; i < n; i++)
            seen[i] = atomic_load(&st[i]->seq);
        if (!wait_all) {
            for (uint32_t i = 0; i < n; i++) {
                int ab;
                int r = try_acquire(st[i], &ab);
                if (r != 0) {
                    rc = r < 0 ? r : (ab ? MMF_WAIT_ABANDONED : MMF_WAIT_OBJECT_0) + (int)i;
                    goto out;
                }
            }
        } else {
            int ab[MMF_MAXIMUM_WAIT_OBJECTS];
            uint64_t was[MMF_MAXIMUM_WAIT_OBJECTS];
            uint32_t got = 0;
            int r = 0;
            while (got < n && (r = try_acquire_was(st[got], &ab[got], &was[got])) > 0)
                got++;
            if (got == n) {
                rc = MMF_WAIT_OBJECT_0;
                for (uint32_t i = 0; i < n; i++)
                    if (ab[i]) {
                        rc = MMF_WAIT_ABANDONED + (int)i;
                        break;
                    }
                goto out;
            }
            /* Only the object that was missing is worth waiting for: the
             * others were available (and giving them back may bump their
             * seq, which would wake us at once). */
            missing = got;
            while (got-- > 0)
                give_back(st[got], ab[got], was[got]);
            if (r < 0) {
                rc = r;
                goto out;
            }
        }
        uint64_t now = now_ns();
        if (timeout_ms == 0 || now >= deadline) {
            rc = MMF_WAIT_TIMEOUT;
            goto out;
        }
        uint64_t until = deadline;
        if (any_mutex && until - now > (uint64_t)SLICE_NS)
            until = now + SLICE_NS;
        if (until == UINT64_MAX)
            until = now + 3600ull * 1000000000u;
        if (wait_all)
            sleep_on(st[missing], seen[missing], until);
        else
            sleep_on_many(st, seen, n, until);
    }
out:
    for (uint32_t i = 0; i < n; i++)
        atomic_fetch_sub(&st[i]->waiters, 1);
    return rc;
}

/* ---- releasing ---- */

int mmf_mutex_release(mmf_sync *h)
{
    int err;
    struct sync_state *st = checked(h, MMF_SYNC_ACCESS_MODIFY, MMF_SYNC_MUTEX, &err);
    if (!st)
        return err;
    if (atomic_load_explicit(&st->owner, memory_order_relaxed) != owner_of_me())
        return MMF_ENOTOWNER;
    if (--st->recursion > 0)
        return 0;
    atomic_store(&st->owner, 0);
    changed(st);
    return 0;
}

int mmf_semaphore_release(mmf_sync *h, uint32_t count, uint32_t *prev)
{
    int err;
    struct sync_state *st = checked(h, MMF_SYNC_ACCESS_MODIFY, MMF_SYNC_SEMAPHORE, &err);
    if (!st)
        return err;
    if (count == 0)
        return -EINVAL;
    uint32_t c = atomic_load(&st->word);
    do {
        if (count > st->max - c)
            return MMF_ETOOMANYPOSTS;
    } while (!atomic_compare_exchange_weak(&st->word, &c, c + count));
    if (prev)
        *prev = c;
    changed(st);
    return 0;
}

static int event_store(mmf_sync *h, uint32_t v)
{
    int err;
    struct sync_state *st = checked(h, MMF_SYNC_ACCESS_MODIFY, MMF_SYNC_EVENT, &err);
    if (!st)
        return err;
    atomic_store(&st->word, v);
    if (v)
        changed(st);
    return 0;
}

int mmf_event_set(mmf_sync *h) { return event_store(h, 1); }
int mmf_event_reset(mmf_sync *h) { return event_store(h, 0); }

static void drop_inherit(mmf_sync *h);

/* ---- creating and opening ---- */

static int reg_type(int type)
{
    switch (type) {
    case MMF_SYNC_MUTEX:     return MMF_TYPE_MUTEX;
    case MMF_SYNC_SEMAPHORE: return MMF_TYPE_SEMAPHORE;
    case MMF_SYNC_EVENT:     return MMF_TYPE_EVENT;
    }
    return 0;
}

/* Maps the state page of fd at off and builds the handle, which takes fd
 * over on success (it is left to the caller on failure). */
static int make_handle(int fd, uint64_t off, int type, unsigned access, struct reg_ref *ref,
                       mmf_sync **out)
{
    size_t len = (size_t)mmf__page_size();
    /* The state page must be there before it is touched: an entry cut
     * short (by anyone who may write it) would make the read SIGBUS. */
    struct stat sb;
    if (fstat(fd, &sb) < 0)
        return -errno;
    if ((uint64_t)sb.st_size < off + len)
        return MMF_ESQUATTED;
    mmf_sync *h = malloc(sizeof *h);
    if (!h)
        return -ENOMEM;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
    if (p == MAP_FAILED) {
        int rc = -errno;
        free(h);
        return rc;
    }
    struct sync_state *st = p;
    /* (An entry cut short between the check and here still faults: a
     * writer of the entry can always break the object; see
     * docs/security.md.) */
    if (st->type != (uint32_t)type) { /* corrupt or foreign */
        munmap(p, len);
        free(h);
        return MMF_ESQUATTED;
    }
    *h = (mmf_sync){ .magic = SYNC_MAGIC, .type = type, .access = access, .st = st,
                     .maplen = len, .ref = ref, .fd = fd, .off = off,
                     .dev = (uint64_t)sb.st_dev, .ino = (uint64_t)sb.st_ino,
                     .inherit = { -1, -1, -1 } };
    *out = h;
    return 0;
}

static void state_init(struct sync_state *st, int type, uint32_t word, uint32_t max,
                       uint32_t manual, int owned)
{
    memset(st, 0, sizeof *st);
    st->type = (uint32_t)type;
    st->max = max;
    st->manual = manual;
    atomic_init(&st->word, word);
    if (owned) {
        atomic_init(&st->owner, owner_of_me());
        st->recursion = 1;
    }
}

struct sync_init {
    struct sync_state st;
};

/* Sizes a new registry entry (header page + state page) and writes the
 * state, before the entry is named. */
static int init_entry(int fd, void *arg, struct obj_header *hdr)
{
    struct sync_init *si = arg;
    uint64_t page = mmf__page_size();
    if (ftruncate(fd, (off_t)(2 * page)) < 0)
        return -errno;
    ssize_t w = pwrite(fd, &si->st, sizeof si->st, (off_t)page);
    if (w != (ssize_t)sizeof si->st)
        return w < 0 ? -errno : -EIO;
    hdr->type = (uint32_t)reg_type((int)si->st.type);
    hdr->size = page;
    return 0;
}

static int sync_create(int type, uint32_t word, uint32_t max, uint32_t manual, int owned,
                       const mmf_create_options *opt, mmf_sync **out)
{
    if (!out)
        return -EINVAL;
    const char *name = opt ? opt->name : NULL;
    uint64_t page = mmf__page_size();
    if (mmf__unnamed(name)) {
        int fd = memfd_create("mmf-sync", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
        if (fd < 0 && errno == EINVAL)
            fd = memfd_create("mmf-sync", MFD_CLOEXEC);
        if (fd < 0)
            return -errno;
        struct sync_state st;
        state_init(&st, type, word, max, manual, owned);
        int rc = 0;
        if (ftruncate(fd, (off_t)page) < 0 || pwrite(fd, &st, sizeof st, 0) != (ssize_t)sizeof st)
            rc = -errno;
        if (rc == 0)
            rc = make_handle(fd, 0, type, MMF_SYNC_ACCESS_ALL, NULL, out);
        if (rc < 0)
            close(fd);
        return rc;
    }
    if (opt->mode & ~0666u)
        return -EINVAL;
    unsigned mode = opt->everyone ? 0666 : opt->mode ? opt->mode : 0600;
    struct sync_init si;
    state_init(&si.st, type, word, max, manual, owned);
    struct reg_ref *ref;
    struct obj_header hdr;
    int cfd;
    int rc = mmf__reg_acquire(name, (uint32_t)reg_type(type), init_entry, &si, mode, 0, &ref, &hdr,
                              &cfd);
    if (rc < 0)
        return rc;
    int existed = rc == MMF_EXISTED;
    int fd = cfd >= 0 ? cfd : mmf__reg_reopen(ref, O_RDWR);
    if (fd < 0) {
        mmf__reg_release(ref);
        return fd;
    }
    rc = make_handle(fd, page, type, MMF_SYNC_ACCESS_ALL, ref, out);
    if (rc < 0) {
        close(fd);
        mmf__reg_release(ref);
        return rc;
    }
    return existed ? MMF_EXISTED : 0;
}

int mmf_mutex_create(int initial_owner, const mmf_create_options *opt, mmf_sync **out)
{
    return sync_create(MMF_SYNC_MUTEX, 0, 0, 0, initial_owner != 0, opt, out);
}

int mmf_semaphore_create(uint32_t initial, uint32_t max, const mmf_create_options *opt,
                         mmf_sync **out)
{
    if (max == 0 || max > 0x7FFFFFFFu || initial > max)
        return -EINVAL;
    return sync_create(MMF_SYNC_SEMAPHORE, initial, max, 0, 0, opt, out);
}

int mmf_event_create(int manual_reset, int initial_state, const mmf_create_options *opt,
                     mmf_sync **out)
{
    return sync_create(MMF_SYNC_EVENT, initial_state != 0, 0, manual_reset != 0, 0, opt, out);
}

int mmf_sync_open(const char *name, int type, unsigned access, mmf_sync **out)
{
    if (!out || mmf__unnamed(name) || !reg_type(type) || access == 0 ||
        (access & ~MMF_SYNC_ACCESS_ALL))
        return -EINVAL;
    struct reg_ref *ref;
    struct obj_header hdr;
    int rc = mmf__reg_acquire(name, (uint32_t)reg_type(type), NULL, NULL, 0, 0, &ref, &hdr, NULL);
    if (rc < 0)
        return rc;
    int fd = mmf__reg_reopen(ref, O_RDWR);
    if (fd < 0) {
        mmf__reg_release(ref);
        return fd;
    }
    rc = make_handle(fd, mmf__page_size(), type, access, ref, out);
    if (rc < 0) {
        close(fd);
        mmf__reg_release(ref);
    }
    return rc;
}

int mmf_sync_close(mmf_sync *h)
{
    if (!state_of(h))
        return -EBADF;
    h->magic = 0;
    drop_inherit(h);
    munmap(h->st, h->maplen);
    close(h->fd);
    mmf__reg_release(h->ref);
    free(h);
    return 0;
}

/* ---- handles across processes ---- */

/*
 * As for sections (handle.c): a handle is its state descriptor, the
 * registry entry descriptor whose shared flock holds the name (named
 * objects), and a description.  Inheritance writes the description into a
 * small memfd, the token, whose number the parent passes on.
 */
static const char sync_desc_magic[8] = "mmfsyn1";

struct sync_desc {
    char     magic[8];
    int32_t  type;
    uint32_t access;
    uint64_t off;
    int32_t  named, ns;
    uint64_t dev, ino;       /* of the registry entry */
    char     file[256];
    int32_t  data_fd, lock_fd;
};

static void drop_inherit(mmf_sync *h)
{
    for (int i = 0; i < 3; i++) {
        if (h->inherit[i] >= 0)
            close(h->inherit[i]);
        h->inherit[i] = -1;
    }
}

int mmf_sync_dup(mmf_sync *h, unsigned access, mmf_sync **out)
{
    if (!state_of(h))
        return -EBADF;
    if (!out || (access & ~(MMF_SYNC_ACCESS_ALL | MMF_ACCESS_NONE)))
        return -EINVAL;
    if (access & MMF_ACCESS_NONE)
        access = 0;
    else if (access == 0)
        access = h->access;
    if (access & ~h->access)
        return -EACCES;
    int fd = fcntl(h->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return -errno;
    struct reg_ref *ref = NULL;
    int rc = h->ref ? mmf__reg_dup(h->ref, &ref) : 0;
    if (rc == 0) {
        rc = make_handle(fd, h->off, h->type, access, ref, out);
        if (rc < 0 && ref)
            mmf__reg_release(ref);
    }
    if (rc < 0)
        close(fd);
    return rc;
}

/* Serializes making handles (non-)inheritable: threads doing it to one
 * handle at once must make one token, not one each. */
static pthread_mutex_t inherit_lock = PTHREAD_MUTEX_INITIALIZER;

static int set_inheritable_locked(mmf_sync *h, int inheritable, int *fd)
{
    if (!inheritable) {
        drop_inherit(h);
        return 0;
    }
    if (h->inherit[0] < 0) {
        struct sync_desc d;
        memset(&d, 0, sizeof d);
        memcpy(d.magic, sync_desc_magic, sizeof d.magic);
        d.type = h->type;
        d.access = h->access;
        d.off = h->off;
        if (h->ref) {
            d.named = 1;
            d.ns = h->ref->ns;
            d.dev = h->ref->dev;
            d.ino = h->ref->ino;
            memcpy(d.file, h->ref->file, sizeof d.file);
        }
        int rc = mmf__inherit_make(h->fd, h->ref, &d, sizeof d, &d.data_fd, &d.lock_fd,
                                   h->inherit);
        if (rc < 0)
            return rc;
    }
    if (fd)
        *fd = h->inherit[0];
    return 0;
}

int mmf_sync_set_inheritable(mmf_sync *h, int inheritable, int *fd)
{
    if (!state_of(h))
        return -EBADF;
    pthread_mutex_lock(&inherit_lock);
    int rc = set_inheritable_locked(h, inheritable, fd);
    pthread_mutex_unlock(&inherit_lock);
    return rc;
}

int mmf_sync_from_fd_handle(int fd, int *type, mmf_sync **out)
{
    if (!out)
        return -EINVAL;
    struct sync_desc d;
    ssize_t n = pread(fd, &d, sizeof d, 0);
    if (n < 0) /* EBADF also for an open descriptor that cannot be read */
        return errno == EBADF && fcntl(fd, F_GETFD) < 0 ? -EBADF : -EINVAL;
    if ((size_t)n != sizeof d || memcmp(d.magic, sync_desc_magic, sizeof d.magic) != 0 ||
        !reg_type(d.type) || (d.access & ~MMF_SYNC_ACCESS_ALL) || d.data_fd < 0 ||
        d.data_fd == fd || d.lock_fd == fd || (d.named && d.lock_fd < 0) ||
        d.file[sizeof d.file - 1] || d.off % mmf__page_size())
        return -EINVAL;
    struct stat st;
    if (fstat(d.data_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size < d.off + mmf__page_size())
        return -EINVAL;
    struct reg_ref *ref = NULL;
    if (d.named) {
        if (fstat(d.lock_fd, &st) < 0 || st.st_dev != d.dev || st.st_ino != d.ino)
            return -EINVAL;
        ref = malloc(sizeof *ref);
        if (!ref)
            return -ENOMEM;
        *ref = (struct reg_ref){ .ns = d.ns == MMF_NS_GLOBAL ? MMF_NS_GLOBAL : MMF_NS_LOCAL,
                                 .lockfd = d.lock_fd, .dev = d.dev, .ino = d.ino,
                                 .shared = 1 /* with the parent's */ };
        memcpy(ref->file, d.file, sizeof ref->file);
    }
    int rc = make_handle(d.data_fd, d.off, d.type, d.access, ref, out);
    if (rc < 0) {
        free(ref);
        return rc == MMF_ESQUATTED ? -EINVAL : rc;
    }
    if (ref)
        mmf__reg_track(ref);
    /* Ours now, and no longer inheritable by our own children. */
    fcntl(d.data_fd, F_SETFD, FD_CLOEXEC);
    if (d.named)
        fcntl(d.lock_fd, F_SETFD, FD_CLOEXEC);
    close(fd);
    if (type)
        *type = d.type;
    return 0;
}

int mmf_sync_same(mmf_sync *a, mmf_sync *b)
{
    if (!state_of(a) || !state_of(b))
        return -EBADF;
    return a->dev == b->dev && a->ino == b->ino && a->off == b->off;
}
