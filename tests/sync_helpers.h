/*
 * sync_helpers.h — helpers shared by the synchronization-object tests
 * (test_sync.c, test_waitmany.c): asserting creators, threads and fork
 * children with pipes for hand-offs.  Define SYNC_NAME_PREFIX before
 * including it.
 */
#ifndef MMF_SYNC_HELPERS_H
#define MMF_SYNC_HELPERS_H

#include "helpers.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

/* A name unique to this test process: SYNC_NAME_PREFIX "<pid>-" TAG. */
static char *nm(char *buf, const char *tag)
{
    snprintf(buf, 256, SYNC_NAME_PREFIX "%d-%s", (int)getpid(), tag);
    return buf;
}

static mmf_create_options named_opt(const char *name)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    return o;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static mmf_sync *mutex_new(int owned, const char *name, int want)
{
    mmf_create_options o = named_opt(name);
    mmf_sync *h = NULL;
    assert_rc(mmf_mutex_create(owned, name ? &o : NULL, &h), want);
    cr_assert_not_null(h);
    return h;
}

static mmf_sync *sem_new(uint32_t init, uint32_t max, const char *name, int want)
{
    mmf_create_options o = named_opt(name);
    mmf_sync *h = NULL;
    assert_rc(mmf_semaphore_create(init, max, name ? &o : NULL, &h), want);
    cr_assert_not_null(h);
    return h;
}

static mmf_sync *event_new(int manual, int init, const char *name, int want)
{
    mmf_create_options o = named_opt(name);
    mmf_sync *h = NULL;
    assert_rc(mmf_event_create(manual, init, name ? &o : NULL, &h), want);
    cr_assert_not_null(h);
    return h;
}

static void sclose(mmf_sync *h)
{
    assert_rc(mmf_sync_close(h), 0);
}

/* Asserts that the name is gone (open gives MMF_ENOTFOUND). */
static void assert_gone(const char *name, int type)
{
    mmf_sync *h = SSENTINEL;
    assert_rc(mmf_sync_open(name, type, MMF_SYNC_ACCESS_ALL, &h), MMF_ENOTFOUND);
    cr_assert_eq(h, SSENTINEL);
}

/* Takes exactly @n counts of semaphore @s with 0-timeout waits, then one
 * more wait times out: the count was exactly @n. */
static void assert_sem_count(mmf_sync *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = mmf_wait(s, 0);
        cr_assert_eq(rc, MMF_WAIT_OBJECT_0, "wait %u of %u: %d (%s): the count was %u, not %u",
                     i + 1, n, rc, mmf_strerror(rc), i, n);
    }
    assert_rc(mmf_wait(s, 0), MMF_WAIT_TIMEOUT);
}

/*
 * A thread runs a function that records results in its tctx (it never
 * asserts).  Each thread has two pipes: it writes a byte on to_main at
 * points of its choosing, and reads one from to_thread when it waits for
 * the main thread.
 */
struct tctx {
    pthread_t        th;
    mmf_sync        *h, *h2;
    mmf_sync *const *objs;    /* for the multiple waits */
    uint32_t         n;
    int              all;
    uint32_t         tmo;
    int              to_main[2], to_thread[2];
    int              rc[8];
    atomic_int      *counter;
};

static void t_signal(struct tctx *t)
{
    char c = 'x';
    if (write(t->to_main[1], &c, 1) != 1)
        abort();
}

static void t_await(struct tctx *t)
{
    char c;
    if (read(t->to_thread[0], &c, 1) < 0)
        abort();
}

static void t_start(struct tctx *t, void *(*fn)(void *), mmf_sync *h)
{
    memset(t->rc, 0x7f, sizeof t->rc);
    t->h = h;
    cr_assert_eq(pipe2(t->to_main, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(t->to_thread, O_CLOEXEC), 0);
    cr_assert_eq(pthread_create(&t->th, NULL, fn, t), 0);
}

/* The main thread waits for the thread's next signal. */
static void m_await(struct tctx *t)
{
    char c;
    cr_assert_eq(read(t->to_main[0], &c, 1), 1, "thread ended without signalling");
}

/* 1 if the thread signals within @ms (used only for "must not happen"
 * checks, which a correct implementation passes whatever the timing). */
static int m_signalled_within(struct tctx *t, int ms)
{
    struct pollfd p = { .fd = t->to_main[0], .events = POLLIN };
    return poll(&p, 1, ms) > 0;
}

static void m_go(struct tctx *t)
{
    char c = 'g';
    cr_assert_eq(write(t->to_thread[1], &c, 1), 1);
}

static void t_join(struct tctx *t)
{
    cr_assert_eq(pthread_join(t->th, NULL), 0);
    close(t->to_main[0]);
    close(t->to_main[1]);
    close(t->to_thread[0]);
    close(t->to_thread[1]);
}

/* Asserts the thread's recorded result @i. */
#define assert_trc(t, i, want)                                                 \
    do {                                                                       \
        int tr_got_ = (t)->rc[i], tr_want_ = (int)(want);                      \
        cr_assert_eq(tr_got_, tr_want_, "thread step %d: %d (%#x, %s), expected %d (%#x, %s)", \
                     (i), tr_got_, (unsigned)tr_got_, mmf_strerror(tr_got_), tr_want_, \
                     (unsigned)tr_want_, mmf_strerror(tr_want_));       \
    } while (0)

/* Thread: wait(0) and record; release if acquired (rc[1]). */
static void *t_try_and_release(void *p)
{
    struct tctx *t = p;
    t->rc[0] = mmf_wait(t->h, 0);
    if (t->rc[0] == MMF_WAIT_OBJECT_0 || t->rc[0] == MMF_WAIT_ABANDONED)
        t->rc[1] = mmf_mutex_release(t->h);
    return NULL;
}

/* Asserts that another thread cannot take mutex @m now. */
static void assert_other_thread_times_out(mmf_sync *m)
{
    struct tctx t;
    t_start(&t, t_try_and_release, m);
    t_join(&t);
    assert_trc(&t, 0, MMF_WAIT_TIMEOUT);
}

/* Asserts that another thread can take (and give back) mutex @m now. */
static void assert_other_thread_acquires(mmf_sync *m)
{
    struct tctx t;
    t_start(&t, t_try_and_release, m);
    t_join(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    assert_trc(&t, 1, 0);
}

/* Thread: acquire the mutex twice, signal, wait for go, exit owning it. */
static void *t_acquire_and_exit(void *p)
{
    struct tctx *t = p;
    t->rc[0] = mmf_wait(t->h, MMF_INFINITE);
    t->rc[1] = mmf_wait(t->h, 0);
    t_signal(t);
    t_await(t);
    return NULL;
}

/* Thread: acquire the mutex, signal, hold until told, release. */
static void *t_hold_mutex(void *p)
{
    struct tctx *t = p;
    t->rc[0] = mmf_wait(t->h, MMF_INFINITE);
    t_signal(t);
    t_await(t);
    t->rc[1] = mmf_mutex_release(t->h);
    return NULL;
}

/* Forks a child running @fn (no exec); returns its pid.  The child exits
 * with fn's return value, and is killed if the test process dies. */
static pid_t fork_child(int (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct rlimit nocore = { 0, 0 };
        setrlimit(RLIMIT_CORE, &nocore);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(99);
        _exit(fn(arg));
    }
    return pid;
}

static void reap_ok(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid, "waitpid: %s", strerror(errno));
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "fork child %d ended with status %#x (exit code = failed step)", (int)pid, st);
}

#endif
