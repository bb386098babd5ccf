/*
 * test_waitmany.c — mmf_wait_multiple (WaitForMultipleObjects): argument
 * errors, wait-any (the lowest acquirable index wins and only it is
 * consumed), wait-all (everything at once or nothing), abandoned mutexes in
 * both modes, the 64-object maximum, other processes, timeouts.
 *
 * The style is test_sync.c's: other threads never assert, they record what
 * they got and the main thread checks it; fork children report through exit
 * codes and pipes.  Nothing waits by sleeping: threads and processes are
 * ordered with pipes, joins, waitpid and the objects themselves.  A short
 * poll() is used only to check that something does NOT happen, which a
 * correct implementation passes whatever the timing.  Timeouts are checked
 * against tolerances that cannot flake (a 100 ms wait takes >= 95 ms and
 * < 2 s).
 *
 * Every test runs in a private registry (registry_private()) and ends by
 * checking that no name is left behind.  Names carry the pid and a tag.
 */
#include "helpers.h"

#include <poll.h>
#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <time.h>

TestSuite(waitmany_args, .fini = test_cleanup, .timeout = 60);
TestSuite(waitmany_any, .fini = test_cleanup, .timeout = 60);
TestSuite(waitmany_all, .fini = test_cleanup, .timeout = 60);
TestSuite(waitmany_proc, .fini = test_cleanup, .timeout = 120);
TestSuite(waitmany_timeout, .fini = test_cleanup, .timeout = 60);

#define SSENTINEL ((mmf_sync *)(uintptr_t)0x5e5e5e50)

#define SYNC_NAME_PREFIX "mmfw"
#include "sync_helpers.h"

/* ------------------------------------------------------------------ */
/* Helpers (the small ones are copies of test_sync.c's)                */
/* ------------------------------------------------------------------ */

static void sclose_all(mmf_sync **h, int n)
{
    for (int i = 0; i < n; i++)
        sclose(h[i]);
}

/* Asserts that auto-reset event @e is signaled, and leaves it signaled
 * (the check consumes the signal; it is set again). */
static void assert_auto_signaled(mmf_sync *e, const char *what)
{
    int rc = mmf_wait(e, 0);
    cr_assert_eq(rc, MMF_WAIT_OBJECT_0, "%s: not signaled (wait(0) gave %d, %s)", what, rc,
                 mmf_strerror(rc));
    assert_rc(mmf_event_set(e), 0);
}

/* Asserts that event @e (either kind) is not signaled. */
static void assert_unsignaled(mmf_sync *e, const char *what)
{
    int rc = mmf_wait(e, 0);
    cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "%s: signaled (wait(0) gave %d, %s)", what, rc,
                 mmf_strerror(rc));
}

/* Asserts a mmf_wait_multiple() result, naming the call. */
#define assert_wm(h, n, all, tmo, want)                                          \
    do {                                                                         \
        int wm_got_ = mmf_wait_multiple((h), (n), (all), (tmo));                 \
        int wm_want_ = (int)(want);                                              \
        cr_assert_eq(wm_got_, wm_want_,                                          \
                     "mmf_wait_multiple(%s, %u, %s, %u) at line %d\n"            \
                     "  returned %d (%#x, %s)\n  expected %d (%#x, %s)",         \
                     #h, (unsigned)(n), (all) ? "all" : "any", (unsigned)(tmo),  \
                     __LINE__, wm_got_, (unsigned)wm_got_, mmf_strerror(wm_got_), \
                     wm_want_, (unsigned)wm_want_, mmf_strerror(wm_want_));      \
    } while (0)

/* ---- threads ----------------------------------------------------- */

/* Makes mutex @m abandoned: a thread takes it and exits holding it. */
static void abandon_by_thread(mmf_sync *m)
{
    struct tctx t;
    t_start(&t, t_acquire_and_exit, m);
    m_await(&t);
    m_go(&t);
    t_join(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    assert_trc(&t, 1, MMF_WAIT_OBJECT_0);
}

/* Thread: signal, then mmf_wait_multiple(objs, n, all, tmo) into rc[0],
 * then signal again. */
static void *t_wait_multi(void *p)
{
    struct tctx *t = p;
    t_signal(t);
    t->rc[0] = mmf_wait_multiple(t->objs, t->n, t->all, t->tmo);
    t_signal(t);
    return NULL;
}

static void t_start_multi(struct tctx *t, mmf_sync *const *objs, uint32_t n, int all,
                          uint32_t tmo)
{
    t->objs = objs;
    t->n = n;
    t->all = all;
    t->tmo = tmo;
    t_start(t, t_wait_multi, NULL);
}

/* ---- processes --------------------------------------------------- */

/* What a fork child needs: objects (shared by fork) or names to open, and
 * two pipes. */
struct fork_arg {
    mmf_sync   *h;
    mmf_sync  **objs;
    const char *names[8];
    int         types[8];
    uint32_t    n;
    int         all;
    int         to_parent[2], to_child[2];
};

static void fa_init(struct fork_arg *a)
{
    memset(a, 0, sizeof *a);
    cr_assert_eq(pipe(a->to_parent), 0);
    cr_assert_eq(pipe(a->to_child), 0);
}

static void fa_close(struct fork_arg *a)
{
    close(a->to_parent[0]);
    close(a->to_parent[1]);
    close(a->to_child[0]);
    close(a->to_child[1]);
}

/* Reads the int result a fork child wrote on to_parent. */
static int read_child_rc(struct fork_arg *a)
{
    int rc = 0x7f7f7f7f;
    cr_assert_eq(read(a->to_parent[0], &rc, sizeof rc), (ssize_t)sizeof rc,
                 "the fork child ended without a result");
    return rc;
}

/* 1 if the fork child wrote something within @ms ("must not happen"). */
static int child_wrote_within(struct fork_arg *a, int ms)
{
    struct pollfd p = { .fd = a->to_parent[0], .events = POLLIN };
    return poll(&p, 1, ms) > 0;
}

/* Fork child: open a->names (or use a->objs), write a ready byte, block in
 * mmf_wait_multiple(INFINITE), write its result (an int), close what it
 * opened. */
static int fc_wait_multi(void *p)
{
    struct fork_arg *a = p;
    mmf_sync *h[8];
    mmf_sync **objs = a->objs;
    if (!objs) {
        for (uint32_t i = 0; i < a->n; i++)
            if (mmf_sync_open(a->names[i], a->types[i], MMF_SYNC_ACCESS_ALL, &h[i]) != 0)
                return 10 + (int)i;
        objs = h;
    }
    char c = 'r';
    if (write(a->to_parent[1], &c, 1) != 1)
        return 1;
    int rc = mmf_wait_multiple(objs, a->n, a->all, MMF_INFINITE);
    if (write(a->to_parent[1], &rc, sizeof rc) != (ssize_t)sizeof rc)
        return 2;
    if (!a->objs)
        for (uint32_t i = 0; i < a->n; i++)
            if (mmf_sync_close(h[i]) != 0)
                return 20 + (int)i;
    return 0;
}

/* Fork child: acquire a->h, tell the parent, block until killed. */
static int fc_hold(void *p)
{
    struct fork_arg *a = p;
    char c = 'h';
    if (mmf_wait(a->h, MMF_INFINITE) != MMF_WAIT_OBJECT_0)
        return 1;
    if (write(a->to_parent[1], &c, 1) != 1)
        return 2;
    for (;;)
        pause();
}

/* Makes mutex @m abandoned: a fork child takes it and is SIGKILLed. */
static void abandon_by_killed_child(mmf_sync *m)
{
    struct fork_arg a;
    fa_init(&a);
    a.h = m;
    pid_t pid = fork_child(fc_hold, &a);
    char c;
    cr_assert_eq(read(a.to_parent[0], &c, 1), 1, "the fork child failed to take the mutex");
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(killed_by(st, SIGKILL), "the holder ended with status %#x", st);
    fa_close(&a);
}

/* ------------------------------------------------------------------ */
/* Argument errors                                                     */
/* ------------------------------------------------------------------ */

Test(waitmany_args, count_out_of_range_and_null_array)
{
    registry_private(0755);
    mmf_sync *e[MMF_MAXIMUM_WAIT_OBJECTS + 1];
    for (int i = 0; i <= MMF_MAXIMUM_WAIT_OBJECTS; i++)
        e[i] = event_new(0, 1, NULL, 0);
    for (int all = 0; all <= 1; all++) {
        assert_wm(e, 0, all, 0, -EINVAL);
        assert_wm(e, 0, all, MMF_INFINITE, -EINVAL);
        assert_wm(e, MMF_MAXIMUM_WAIT_OBJECTS + 1, all, 0, -EINVAL);
        assert_wm(e, MMF_MAXIMUM_WAIT_OBJECTS + 1, all, MMF_INFINITE, -EINVAL);
        assert_wm(e, UINT32_MAX, all, 0, -EINVAL);
        assert_wm(NULL, 1, all, 0, -EINVAL);
        assert_wm(NULL, 2, all, MMF_INFINITE, -EINVAL);
        assert_wm(NULL, 0, all, 0, -EINVAL);
    }
    /* The failed calls consumed nothing. */
    char what[32];
    for (int i = 0; i <= MMF_MAXIMUM_WAIT_OBJECTS; i++) {
        snprintf(what, sizeof what, "event %d", i);
        assert_auto_signaled(e[i], what);
    }
    sclose_all(e, MMF_MAXIMUM_WAIT_OBJECTS + 1);
    assert_registry_empty();
}

Test(waitmany_args, bad_handle_is_ebadf_and_consumes_nothing)
{
    registry_private(0755);
    /* A closed handle has its magic cleared and is freed; reading a freed
     * one is undefined, so these stand in for it: all zeros, and junk. */
    static alignas(max_align_t) unsigned char zeros[256];
    static alignas(max_align_t) unsigned char junk[256];
    memset(junk, 0x5e, sizeof junk);
    mmf_sync *const bad[3] = { NULL, (mmf_sync *)(void *)zeros, (mmf_sync *)(void *)junk };

    mmf_sync *e0 = event_new(0, 1, NULL, 0);
    mmf_sync *s = sem_new(1, 1, NULL, 0);
    mmf_sync *m = mutex_new(0, NULL, 0);
    for (int b = 0; b < 3; b++) {
        for (int all = 0; all <= 1; all++) {
            for (int pos = 0; pos < 4; pos++) {
                mmf_sync *h[4] = { e0, s, m, NULL };
                /* the bad handle at pos; the good ones fill the rest */
                for (int i = 3; i > pos; i--)
                    h[i] = h[i - 1];
                h[pos] = bad[b];
                int rc = mmf_wait_multiple(h, 4, all, MMF_INFINITE);
                cr_assert_eq(rc, -EBADF, "bad handle %d at index %d, wait-%s: %d (%s)", b, pos,
                             all ? "all" : "any", rc, mmf_strerror(rc));
            }
            mmf_sync *one[1] = { bad[b] };
            assert_wm(one, 1, all, 0, -EBADF);
        }
    }
    /* Nothing was taken, although the good objects were all available. */
    assert_auto_signaled(e0, "event 0");
    assert_sem_count(s, 1);
    assert_other_thread_acquires(m);
    sclose(e0);
    sclose(s);
    sclose(m);
    assert_registry_empty();
}

Test(waitmany_args, same_object_through_two_handles)
{
    registry_private(0755);
    mmf_create_options o = { .name = "Local\\wm-same" };
    mmf_sync *e, *e2, *d, *other;
    assert_rc(mmf_event_create(1, 1, &o, &e), 0);
    assert_rc(mmf_sync_open("Local\\wm-same", MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &e2), 0);
    assert_rc(mmf_sync_dup(e, 0, &d), 0);
    assert_rc(mmf_event_create(1, 1, NULL, &other), 0);
    /* Windows refuses one object twice in a wait-all, however reached. */
    mmf_sync *opened[2] = { e, e2 }, *dupd[3] = { other, d, e }, *fine[2] = { e, other };
    assert_wm(opened, 2, 1, 0, -EINVAL);
    assert_wm(dupd, 3, 1, MMF_INFINITE, -EINVAL);
    assert_wm(fine, 2, 1, 0, MMF_WAIT_OBJECT_0);
    /* wait-any may name an object twice */
    assert_wm(opened, 2, 0, 0, MMF_WAIT_OBJECT_0);
    assert_rc(mmf_sync_same(e, e2), 1);
    assert_rc(mmf_sync_same(e, other), 0);
    sclose(e);
    sclose(e2);
    sclose(d);
    sclose(other);
    assert_registry_empty();
}

Test(waitmany_args, same_handle_twice)
{
    registry_private(0755);
    mmf_sync *e = event_new(0, 0, NULL, 0);
    mmf_sync *s = sem_new(0, 5, NULL, 0);
    mmf_sync *m = mutex_new(0, NULL, 0);

    /* Wait-all: -EINVAL at once, even with nothing signaled and no timeout
     * (a wait would never return), and whichever type. */
    mmf_sync *ee[2] = { e, e };
    mmf_sync *ses[3] = { s, e, s };
    mmf_sync *mm[3] = { m, e, m };
    assert_wm(ee, 2, 1, 0, -EINVAL);
    assert_wm(ee, 2, 1, MMF_INFINITE, -EINVAL);
    assert_wm(ses, 3, 1, MMF_INFINITE, -EINVAL);
    assert_wm(mm, 3, 1, MMF_INFINITE, -EINVAL);
    /* ... and with everything signaled, nothing consumed. */
    assert_rc(mmf_event_set(e), 0);
    assert_rc(mmf_semaphore_release(s, 5, NULL), 0);
    assert_wm(ee, 2, 1, 0, -EINVAL);
    assert_wm(ses, 3, 1, 0, -EINVAL);
    assert_wm(mm, 3, 1, 0, -EINVAL);
    assert_auto_signaled(e, "event");
    assert_other_thread_acquires(m);

    /* Wait-any allows it: the first index wins. */
    assert_wm(ee, 2, 0, 0, MMF_WAIT_OBJECT_0);
    assert_unsignaled(e, "event after wait-any on {e, e}"); /* consumed once */
    assert_wm(ee, 2, 0, 0, MMF_WAIT_TIMEOUT);
    mmf_sync *xee[3] = { s, e, e };
    assert_sem_count(s, 5);
    assert_rc(mmf_event_set(e), 0);
    assert_wm(xee, 3, 0, 0, MMF_WAIT_OBJECT_0 + 1);
    assert_wm(xee, 3, 0, 0, MMF_WAIT_TIMEOUT);
    assert_wm(mm, 3, 0, 0, MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    sclose(e);
    sclose(s);
    sclose(m);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Wait-any                                                            */
/* ------------------------------------------------------------------ */

Test(waitmany_any, lowest_signaled_index_only_it_consumed)
{
    registry_private(0755);
    mmf_sync *e[6];
    for (int i = 0; i < 6; i++)
        e[i] = event_new(0, 0, NULL, 0);
    assert_rc(mmf_event_set(e[4]), 0);
    assert_rc(mmf_event_set(e[2]), 0);

    assert_wm(e, 6, 0, 0, MMF_WAIT_OBJECT_0 + 2);
    /* Only e[2] was consumed: e[4] is still signaled. */
    assert_unsignaled(e[2], "event 2 (returned)");
    assert_auto_signaled(e[4], "event 4 (not returned)");
    for (int i = 0; i < 6; i++)
        if (i != 4) {
            char what[32];
            snprintf(what, sizeof what, "event %d", i);
            assert_unsignaled(e[i], what);
        }
    assert_wm(e, 6, 0, MMF_INFINITE, MMF_WAIT_OBJECT_0 + 4);
    assert_wm(e, 6, 0, 0, MMF_WAIT_TIMEOUT);

    /* The last and the first. */
    assert_rc(mmf_event_set(e[5]), 0);
    assert_wm(e, 6, 0, 1000, MMF_WAIT_OBJECT_0 + 5);
    assert_rc(mmf_event_set(e[5]), 0);
    assert_rc(mmf_event_set(e[0]), 0);
    assert_wm(e, 6, 0, 0, MMF_WAIT_OBJECT_0 + 0);
    assert_wm(e, 6, 0, 0, MMF_WAIT_OBJECT_0 + 5);
    assert_wm(e, 6, 0, 0, MMF_WAIT_TIMEOUT);
    /* One object. */
    assert_wm(e + 3, 1, 0, 0, MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e[3]), 0);
    assert_wm(e + 3, 1, 0, 0, MMF_WAIT_OBJECT_0);
    assert_unsignaled(e[3], "event 3");

    sclose_all(e, 6);
    assert_registry_empty();
}

Test(waitmany_any, semaphore_manual_event_and_mutex)
{
    registry_private(0755);
    mmf_sync *s = sem_new(0, 5, NULL, 0);
    mmf_sync *em = event_new(1, 0, NULL, 0);
    mmf_sync *ea = event_new(0, 0, NULL, 0);
    mmf_sync *h[3] = { s, em, ea };

    assert_wm(h, 3, 0, 0, MMF_WAIT_TIMEOUT);
    /* A manual-reset event is passed, never consumed. */
    assert_rc(mmf_event_set(em), 0);
    for (int i = 0; i < 5; i++)
        assert_wm(h, 3, 0, 0, MMF_WAIT_OBJECT_0 + 1);
    assert_rc(mmf_wait(em, 0), MMF_WAIT_OBJECT_0);
    /* The semaphore comes first, one count per wait. */
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(s, 2, &prev), 0);
    cr_assert_eq(prev, 0);
    assert_wm(h, 3, 0, 0, MMF_WAIT_OBJECT_0);
    assert_rc(mmf_semaphore_release(s, 1, &prev), 0);
    cr_assert_eq(prev, 1, "a wait-any took %u counts instead of 1", 2 - prev);
    assert_wm(h, 3, 0, 0, MMF_WAIT_OBJECT_0);
    assert_wm(h, 3, 0, MMF_INFINITE, MMF_WAIT_OBJECT_0);
    assert_wm(h, 3, 0, 0, MMF_WAIT_OBJECT_0 + 1); /* count 0 now */
    assert_sem_count(s, 0);
    /* Reset the manual one; the auto one is next, and consumed. */
    assert_rc(mmf_event_reset(em), 0);
    assert_wm(h, 3, 0, 0, MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(ea), 0);
    assert_wm(h, 3, 0, 0, MMF_WAIT_OBJECT_0 + 2);
    assert_wm(h, 3, 0, 0, MMF_WAIT_TIMEOUT);
    assert_unsignaled(ea, "auto event");

    /* A free mutex is acquired (and owned). */
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *hm[3] = { ea, m, s };
    assert_wm(hm, 3, 0, 0, MMF_WAIT_OBJECT_0 + 1);
    assert_other_thread_times_out(m);
    /* Its owner gets it again (recursion). */
    assert_wm(hm, 3, 0, 0, MMF_WAIT_OBJECT_0 + 1);
    assert_rc(mmf_mutex_release(m), 0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);

    /* A mutex another thread holds is skipped for the next index. */
    struct tctx t;
    t_start(&t, t_hold_mutex, m);
    m_await(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    assert_wm(hm, 3, 0, 0, MMF_WAIT_TIMEOUT);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_wm(hm, 3, 0, 0, MMF_WAIT_OBJECT_0 + 2);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    m_go(&t);
    t_join(&t);
    assert_trc(&t, 1, 0);

    sclose(m);
    sclose(s);
    sclose(em);
    sclose(ea);
    assert_registry_empty();
}

Test(waitmany_any, timeout_zero_returns_at_once)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *h[4] = { event_new(0, 0, NULL, 0), sem_new(0, 1, NULL, 0), event_new(1, 0, NULL, 0),
                       m };
    struct tctx t;
    t_start(&t, t_hold_mutex, m);
    m_await(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    for (uint32_t n = 1; n <= 4; n++) {
        for (int k = 0; k < 50; k++) {
            uint64_t t0 = now_ms();
            int rc = mmf_wait_multiple(h, n, 0, 0);
            uint64_t dt = now_ms() - t0;
            cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "%u objects: %d (%s)", n, rc, mmf_strerror(rc));
            cr_assert_lt(dt, 1000, "%u objects: wait-any(0) took %llu ms", n,
                         (unsigned long long)dt);
        }
    }
    m_go(&t);
    t_join(&t);
    assert_trc(&t, 1, 0);
    sclose_all(h, 4);
    assert_registry_empty();
}

Test(waitmany_any, blocked_waiter_woken_by_the_fifth_of_ten)
{
    registry_private(0755);
    /* Mixed types; the 5th (index 4) is an auto-reset event in round 0 and
     * a semaphore in round 1. */
    for (int round = 0; round < 2; round++) {
        mmf_sync *h[10];
        for (int i = 0; i < 10; i++) {
            if (i == 4)
                h[i] = round == 0 ? event_new(0, 0, NULL, 0) : sem_new(0, 3, NULL, 0);
            else if (i % 3 == 0)
                h[i] = sem_new(0, 3, NULL, 0);
            else
                h[i] = event_new(i % 3 == 1, 0, NULL, 0);
        }
        for (int k = 0; k < 5; k++) {
            struct tctx t;
            t_start_multi(&t, h, 10, 0, MMF_INFINITE);
            m_await(&t); /* about to wait */
            cr_assert(!m_signalled_within(&t, k == 0 ? 100 : 5),
                      "wait-any returned %d with nothing signaled", t.rc[0]);
            if (round == 0)
                assert_rc(mmf_event_set(h[4]), 0);
            else
                assert_rc(mmf_semaphore_release(h[4], 1, NULL), 0);
            m_await(&t);
            t_join(&t);
            assert_trc(&t, 0, MMF_WAIT_OBJECT_0 + 4);
            /* The waiter consumed it. */
            assert_rc(mmf_wait(h[4], 0), MMF_WAIT_TIMEOUT);
        }
        sclose_all(h, 10);
    }
    assert_registry_empty();
}

Test(waitmany_any, abandoned_mutex_by_exited_thread)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *ea = event_new(0, 0, NULL, 0);
    mmf_sync *s = sem_new(0, 1, NULL, 0);
    mmf_sync *em = event_new(1, 0, NULL, 0);
    mmf_sync *h[4] = { ea, s, m, em };

    abandon_by_thread(m);
    assert_wm(h, 4, 0, 10000, MMF_WAIT_ABANDONED + 2);
    /* Now owned once by this thread, however deep the dead one was. */
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    /* Reported once. */
    assert_wm(h, 4, 0, 0, MMF_WAIT_OBJECT_0 + 2);
    assert_rc(mmf_mutex_release(m), 0);

    /* A lower signaled index wins, and the abandonment waits its turn. */
    abandon_by_thread(m);
    assert_rc(mmf_event_set(ea), 0);
    assert_wm(h, 4, 0, 0, MMF_WAIT_OBJECT_0 + 0);
    assert_wm(h, 4, 0, 0, MMF_WAIT_ABANDONED + 2);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);

    /* A waiter blocked while the owner exits (the exit may come before or
     * after the wait starts: abandoned either way). */
    struct tctx t;
    t_start(&t, t_acquire_and_exit, m);
    m_await(&t);
    m_go(&t);
    int rc = mmf_wait_multiple(h, 4, 0, 10000);
    t_join(&t);
    cr_assert_eq(rc, MMF_WAIT_ABANDONED + 2, "blocked wait-any: %d (%#x, %s)", rc, (unsigned)rc,
                 mmf_strerror(rc));
    assert_rc(mmf_mutex_release(m), 0);
    assert_other_thread_acquires(m);

    sclose_all(h, 4);
    assert_registry_empty();
}

Test(waitmany_any, abandoned_mutex_by_killed_fork_child)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *h[3] = { event_new(0, 0, NULL, 0), event_new(1, 0, NULL, 0), m };
    for (int round = 0; round < 3; round++) {
        abandon_by_killed_child(m);
        int rc = mmf_wait_multiple(h, 3, 0, 10000);
        cr_assert_eq(rc, MMF_WAIT_ABANDONED + 2, "round %d: %d (%#x, %s)", round, rc,
                     (unsigned)rc, mmf_strerror(rc));
        assert_rc(mmf_mutex_release(m), 0);
        assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
        assert_wm(h, 3, 0, 0, MMF_WAIT_OBJECT_0 + 2);
        assert_rc(mmf_mutex_release(m), 0);
    }
    sclose_all(h, 3);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Wait-all                                                            */
/* ------------------------------------------------------------------ */

Test(waitmany_all, all_or_nothing_events_and_semaphore)
{
    registry_private(0755);
    mmf_sync *e0 = event_new(0, 1, NULL, 0);
    mmf_sync *e1 = event_new(0, 1, NULL, 0);
    mmf_sync *s = sem_new(0, 1, NULL, 0);
    mmf_sync *h[3] = { e0, e1, s };

    /* Only the events are signaled: timeout, and nothing consumed. */
    assert_wm(h, 3, 1, 50, MMF_WAIT_TIMEOUT);
    assert_wm(h, 3, 1, 0, MMF_WAIT_TIMEOUT);
    assert_auto_signaled(e0, "event 0 after a failed wait-all");
    assert_auto_signaled(e1, "event 1 after a failed wait-all");
    assert_sem_count(s, 0);

    /* A blocked wait-all completes when the semaphore is released. */
    for (int round = 0; round < 5; round++) {
        struct tctx t;
        t_start_multi(&t, h, 3, 1, MMF_INFINITE);
        m_await(&t); /* about to wait */
        cr_assert(!m_signalled_within(&t, round == 0 ? 100 : 5),
                  "round %d: wait-all returned %d with the semaphore at 0", round, t.rc[0]);
        uint32_t prev = 99;
        assert_rc(mmf_semaphore_release(s, 1, &prev), 0);
        cr_assert_eq(prev, 0);
        m_await(&t);
        t_join(&t);
        assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
        /* All three consumed. */
        assert_unsignaled(e0, "event 0 after wait-all");
        assert_unsignaled(e1, "event 1 after wait-all");
        assert_sem_count(s, 0);
        assert_rc(mmf_event_set(e0), 0);
        assert_rc(mmf_event_set(e1), 0);
    }

    /* The same with the semaphore first, and the last event missing. */
    mmf_sync *h2[3] = { s, e0, e1 };
    assert_rc(mmf_event_reset(e1), 0);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_wm(h2, 3, 1, 20, MMF_WAIT_TIMEOUT);
    assert_auto_signaled(e0, "event 0");
    assert_unsignaled(e1, "event 1");
    assert_rc(mmf_event_set(e1), 0);
    assert_wm(h2, 3, 1, 0, MMF_WAIT_OBJECT_0);
    assert_sem_count(s, 0);
    assert_unsignaled(e0, "event 0");
    assert_unsignaled(e1, "event 1");

    sclose_all(h, 3);
    assert_registry_empty();
}

Test(waitmany_all, manual_reset_event_not_consumed)
{
    registry_private(0755);
    mmf_sync *em = event_new(1, 1, NULL, 0);
    mmf_sync *ea = event_new(0, 1, NULL, 0);
    mmf_sync *s = sem_new(2, 2, NULL, 0);
    mmf_sync *h[3] = { ea, em, s };

    assert_wm(h, 3, 1, 0, MMF_WAIT_OBJECT_0);
    for (int i = 0; i < 3; i++)
        assert_rc(mmf_wait(em, 0), MMF_WAIT_OBJECT_0);
    assert_unsignaled(ea, "auto event");
    assert_sem_count(s, 1); /* one count taken */
    assert_rc(mmf_semaphore_release(s, 2, NULL), 0);

    /* Manual event unsignaled: nothing taken. */
    assert_rc(mmf_event_set(ea), 0);
    assert_rc(mmf_event_reset(em), 0);
    assert_wm(h, 3, 1, 0, MMF_WAIT_TIMEOUT);
    assert_wm(h, 3, 1, 30, MMF_WAIT_TIMEOUT);
    assert_auto_signaled(ea, "auto event");
    /* Set again: passes; the manual one stays signaled over and over. */
    assert_rc(mmf_event_set(em), 0);
    mmf_sync *only_manual[1] = { em };
    for (int i = 0; i < 3; i++)
        assert_wm(only_manual, 1, 1, 0, MMF_WAIT_OBJECT_0);
    assert_wm(h, 3, 1, 0, MMF_WAIT_OBJECT_0);
    assert_wm(h, 3, 1, 0, MMF_WAIT_TIMEOUT); /* the auto one is gone */
    assert_rc(mmf_wait(em, 0), MMF_WAIT_OBJECT_0);
    assert_sem_count(s, 1);
    sclose_all(h, 3);
    assert_registry_empty();
}

Test(waitmany_all, mutex_is_owned_afterwards)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *ea = event_new(0, 1, NULL, 0);
    mmf_sync *h[2] = { ea, m };

    assert_wm(h, 2, 1, 0, MMF_WAIT_OBJECT_0);
    assert_unsignaled(ea, "auto event");
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);

    /* Held by another thread: the wait-all times out, the event stays. */
    assert_rc(mmf_event_set(ea), 0);
    struct tctx t;
    t_start(&t, t_hold_mutex, m);
    m_await(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    assert_wm(h, 2, 1, 0, MMF_WAIT_TIMEOUT);
    assert_wm(h, 2, 1, 50, MMF_WAIT_TIMEOUT);
    assert_auto_signaled(ea, "auto event while the mutex is held elsewhere");
    m_go(&t);
    t_join(&t);
    assert_trc(&t, 1, 0);

    /* Already owned by the caller: recursion, one level per wait-all; a
     * failed wait-all leaves the depth as it was. */
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_wm(h, 2, 1, 0, MMF_WAIT_OBJECT_0); /* depth 2 */
    assert_wm(h, 2, 1, 0, MMF_WAIT_TIMEOUT);  /* event gone: still 2 */
    mmf_sync *h_rev[2] = { m, ea };
    assert_wm(h_rev, 2, 1, 20, MMF_WAIT_TIMEOUT); /* mutex first: still 2 */
    assert_rc(mmf_mutex_release(m), 0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);

    /* A failed wait-all with the mutex first does not keep it. */
    assert_wm(h_rev, 2, 1, 0, MMF_WAIT_TIMEOUT);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);

    sclose(m);
    sclose(ea);
    assert_registry_empty();
}

Test(waitmany_all, abandoned_mutex)
{
    registry_private(0755);
    mmf_sync *ea = event_new(0, 1, NULL, 0);
    mmf_sync *s = sem_new(1, 1, NULL, 0);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *ez = event_new(0, 0, NULL, 0);
    mmf_sync *h[4] = { ea, s, m, ez };

    abandon_by_thread(m);
    /* Not everything is there: timeout, and the abandonment (and the rest)
     * is kept for later. */
    assert_wm(h, 4, 1, 0, MMF_WAIT_TIMEOUT);
    assert_wm(h, 4, 1, 30, MMF_WAIT_TIMEOUT);
    assert_auto_signaled(ea, "event 0 after a failed wait-all");
    assert_sem_count(s, 1);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER); /* not ours */

    assert_rc(mmf_event_set(ez), 0);
    assert_wm(h, 4, 1, 10000, MMF_WAIT_ABANDONED + 2);
    /* Everything was taken, the mutex owned once. */
    assert_unsignaled(ea, "event 0");
    assert_unsignaled(ez, "event 3");
    assert_sem_count(s, 0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);

    /* Reported once. */
    assert_rc(mmf_event_set(ea), 0);
    assert_rc(mmf_event_set(ez), 0);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_wm(h, 4, 1, 0, MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(m), 0);

    /* By a killed process, with the mutex first. */
    abandon_by_killed_child(m);
    mmf_sync *h2[2] = { m, ea };
    assert_rc(mmf_event_set(ea), 0);
    assert_wm(h2, 2, 1, 10000, MMF_WAIT_ABANDONED + 0);
    assert_unsignaled(ea, "event 0");
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);

    sclose_all(h, 4);
    assert_registry_empty();
}

Test(waitmany_all, sixty_four_semaphores)
{
    registry_private(0755);
    mmf_sync *s[MMF_MAXIMUM_WAIT_OBJECTS];
    for (int i = 0; i < MMF_MAXIMUM_WAIT_OBJECTS; i++)
        s[i] = sem_new(1, 1, NULL, 0);
    assert_wm(s, MMF_MAXIMUM_WAIT_OBJECTS, 1, 0, MMF_WAIT_OBJECT_0);
    for (int i = 0; i < MMF_MAXIMUM_WAIT_OBJECTS; i++) {
        int rc = mmf_wait(s[i], 0);
        cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "semaphore %d not consumed: %d (%s)", i, rc,
                     mmf_strerror(rc));
    }

    /* All but the last: nothing taken. */
    for (int i = 0; i < MMF_MAXIMUM_WAIT_OBJECTS - 1; i++)
        assert_rc(mmf_semaphore_release(s[i], 1, NULL), 0);
    assert_wm(s, MMF_MAXIMUM_WAIT_OBJECTS, 1, 0, MMF_WAIT_TIMEOUT);
    assert_wm(s, MMF_MAXIMUM_WAIT_OBJECTS, 1, 20, MMF_WAIT_TIMEOUT);
    for (int i = 0; i < MMF_MAXIMUM_WAIT_OBJECTS - 1; i++) {
        uint32_t prev = 99;
        int rc = mmf_semaphore_release(s[i], 1, &prev);
        cr_assert_eq(rc, MMF_ETOOMANYPOSTS,
                     "semaphore %d: release gave %d (%s), prev %u: a count was lost", i, rc,
                     mmf_strerror(rc), prev);
    }
    /* Wait-any on the 64: only the last one is missing, so index 0. */
    assert_wm(s, MMF_MAXIMUM_WAIT_OBJECTS, 0, 0, MMF_WAIT_OBJECT_0);
    assert_rc(mmf_semaphore_release(s[0], 1, NULL), 0);

    /* A blocked wait-all on 64 completes with the last. */
    struct tctx t;
    t_start_multi(&t, s, MMF_MAXIMUM_WAIT_OBJECTS, 1, MMF_INFINITE);
    m_await(&t);
    cr_assert(!m_signalled_within(&t, 50), "wait-all on 64 returned %d with one missing",
              t.rc[0]);
    assert_rc(mmf_semaphore_release(s[MMF_MAXIMUM_WAIT_OBJECTS - 1], 1, NULL), 0);
    m_await(&t);
    t_join(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    for (int i = 0; i < MMF_MAXIMUM_WAIT_OBJECTS; i++) {
        int rc = mmf_wait(s[i], 0);
        cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "semaphore %d not consumed: %d (%s)", i, rc,
                     mmf_strerror(rc));
    }

    /* Wait-any on 64 with only the last: index 63. */
    assert_rc(mmf_semaphore_release(s[MMF_MAXIMUM_WAIT_OBJECTS - 1], 1, NULL), 0);
    assert_wm(s, MMF_MAXIMUM_WAIT_OBJECTS, 0, 0, MMF_WAIT_OBJECT_0 + 63);
    assert_wm(s, MMF_MAXIMUM_WAIT_OBJECTS, 0, 0, MMF_WAIT_TIMEOUT);

    sclose_all(s, MMF_MAXIMUM_WAIT_OBJECTS);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Other processes                                                     */
/* ------------------------------------------------------------------ */

Test(waitmany_proc, fork_child_wait_all_on_named_events)
{
    registry_private(0755);
    char n0[256], n1[256];
    nm(n0, "wa0");
    nm(n1, "wa1");
    mmf_sync *e0 = event_new(0, 0, n0, 0);
    mmf_sync *e1 = event_new(0, 0, n1, 0);
    for (int round = 0; round < 3; round++) {
        struct fork_arg a;
        fa_init(&a);
        a.names[0] = n0;
        a.names[1] = n1;
        a.types[0] = a.types[1] = MMF_SYNC_EVENT;
        a.n = 2;
        a.all = 1;
        pid_t pid = fork_child(fc_wait_multi, &a);
        char c;
        cr_assert_eq(read(a.to_parent[0], &c, 1), 1, "the fork child could not open the events");
        cr_assert(!child_wrote_within(&a, round == 0 ? 100 : 5),
                  "the child's wait-all returned with nothing set");
        /* The order of the sets varies; one is not enough. */
        assert_rc(mmf_event_set(round == 1 ? e1 : e0), 0);
        cr_assert(!child_wrote_within(&a, round == 0 ? 100 : 5),
                  "the child's wait-all returned with one of two events set");
        assert_rc(mmf_event_set(round == 1 ? e0 : e1), 0);
        int rc = read_child_rc(&a);
        cr_assert_eq(rc, MMF_WAIT_OBJECT_0, "round %d: the child's wait-all: %d (%#x, %s)",
                     round, rc, (unsigned)rc, mmf_strerror(rc));
        reap_ok(pid);
        /* The child consumed both. */
        assert_unsignaled(e0, "event 0");
        assert_unsignaled(e1, "event 1");
        fa_close(&a);
    }
    sclose(e0);
    sclose(e1);
    assert_gone(n0, MMF_SYNC_EVENT);
    assert_gone(n1, MMF_SYNC_EVENT);
    assert_registry_empty();
}

Test(waitmany_proc, fork_child_wait_any_on_named_objects)
{
    registry_private(0755);
    char n[4][256];
    nm(n[0], "wy0");
    nm(n[1], "wy1");
    nm(n[2], "wy2");
    nm(n[3], "wy3");
    mmf_sync *h[4] = { event_new(0, 0, n[0], 0), sem_new(0, 2, n[1], 0),
                       event_new(1, 0, n[2], 0), sem_new(0, 2, n[3], 0) };
    static const int types[4] = { MMF_SYNC_EVENT, MMF_SYNC_SEMAPHORE, MMF_SYNC_EVENT,
                                  MMF_SYNC_SEMAPHORE };
    for (int want = 0; want < 4; want++) {
        struct fork_arg a;
        fa_init(&a);
        for (int i = 0; i < 4; i++) {
            a.names[i] = n[i];
            a.types[i] = types[i];
        }
        a.n = 4;
        a.all = 0;
        pid_t pid = fork_child(fc_wait_multi, &a);
        char c;
        cr_assert_eq(read(a.to_parent[0], &c, 1), 1, "the fork child could not open the objects");
        cr_assert(!child_wrote_within(&a, want == 0 ? 100 : 5),
                  "the child's wait-any returned with nothing signaled");
        if (types[want] == MMF_SYNC_EVENT)
            assert_rc(mmf_event_set(h[want]), 0);
        else
            assert_rc(mmf_semaphore_release(h[want], 1, NULL), 0);
        int rc = read_child_rc(&a);
        cr_assert_eq(rc, MMF_WAIT_OBJECT_0 + want, "object %d signaled; the child got %d (%s)",
                     want, rc, mmf_strerror(rc));
        reap_ok(pid);
        if (want == 2) { /* the manual one stays signaled */
            assert_rc(mmf_wait(h[2], 0), MMF_WAIT_OBJECT_0);
            assert_rc(mmf_event_reset(h[2]), 0);
        }
        for (int i = 0; i < 4; i++) {
            int r = mmf_wait(h[i], 0);
            cr_assert_eq(r, MMF_WAIT_TIMEOUT, "after round %d object %d: %d (%s)", want, i, r,
                         mmf_strerror(r));
        }
        fa_close(&a);
    }
    sclose_all(h, 4);
    for (int i = 0; i < 4; i++)
        assert_gone(n[i], types[i]);
    assert_registry_empty();
}

Test(waitmany_proc, fork_child_wait_any_unnamed_fifth_of_ten)
{
    registry_private(0755);
    mmf_sync *h[10];
    for (int i = 0; i < 10; i++)
        h[i] = i % 2 ? sem_new(0, 1, NULL, 0) : event_new(0, 0, NULL, 0);
    struct fork_arg a;
    fa_init(&a);
    a.objs = h;
    a.n = 10;
    a.all = 0;
    pid_t pid = fork_child(fc_wait_multi, &a);
    char c;
    cr_assert_eq(read(a.to_parent[0], &c, 1), 1, "the fork child failed early");
    cr_assert(!child_wrote_within(&a, 100), "the child's wait-any returned with nothing signaled");
    assert_rc(mmf_event_set(h[4]), 0);
    int rc = read_child_rc(&a);
    cr_assert_eq(rc, MMF_WAIT_OBJECT_0 + 4, "the child got %d (%s)", rc, mmf_strerror(rc));
    reap_ok(pid);
    assert_rc(mmf_wait(h[4], 0), MMF_WAIT_TIMEOUT);
    fa_close(&a);
    sclose_all(h, 10);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Timeouts                                                            */
/* ------------------------------------------------------------------ */

static void assert_timeout_on_time(mmf_sync *const *h, uint32_t n, int all, uint32_t tmo,
                                   const char *what)
{
    uint64_t t0 = now_ms();
    int rc = mmf_wait_multiple(h, n, all, tmo);
    uint64_t dt = now_ms() - t0;
    cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "%s: %d (%s)", what, rc, mmf_strerror(rc));
    uint64_t lo = tmo * 95u / 100u;
    cr_assert(dt >= lo && dt < 2000u + tmo, "%s: a %u ms timeout returned after %llu ms", what,
              tmo, (unsigned long long)dt);
}

Test(waitmany_timeout, return_on_time)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *h[4] = { event_new(0, 0, NULL, 0), sem_new(0, 1, NULL, 0), event_new(1, 0, NULL, 0),
                       m };
    struct tctx t;
    t_start(&t, t_hold_mutex, m);
    m_await(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);

    /* Without a mutex (one sleep on all the words) and with one (slices). */
    assert_timeout_on_time(h, 3, 0, 100, "wait-any, 3 objects");
    assert_timeout_on_time(h, 4, 0, 100, "wait-any, with a held mutex");
    assert_timeout_on_time(h, 3, 1, 100, "wait-all, 3 objects");
    assert_timeout_on_time(h, 4, 1, 100, "wait-all, with a held mutex");
    assert_timeout_on_time(h + 3, 1, 0, 100, "wait-any, the held mutex alone");
    assert_timeout_on_time(h, 1, 1, 250, "wait-all, one event, 250 ms");

    /* Wait-all with all but one available: on time, nothing consumed. */
    assert_rc(mmf_event_set(h[0]), 0);
    assert_rc(mmf_event_set(h[2]), 0);
    assert_rc(mmf_semaphore_release(h[1], 1, NULL), 0);
    assert_timeout_on_time(h, 4, 1, 100, "wait-all, only the held mutex missing");
    assert_auto_signaled(h[0], "auto event");
    assert_sem_count(h[1], 1);
    assert_rc(mmf_wait(h[2], 0), MMF_WAIT_OBJECT_0);

    m_go(&t);
    t_join(&t);
    assert_trc(&t, 1, 0);
    sclose_all(h, 4);
    assert_registry_empty();
}
