/*
 * test_sync.c — the synchronization objects: mutex, semaphore, event, waits
 * on one object, names (shared with sections), bad handles.
 *
 * Other threads are real threads; they never assert (Criterion's assertions
 * belong to the main thread): they record what they got and the main thread
 * checks it.  Other processes are either fork children (no exec; unnamed
 * objects live in shared memory, so they are shared with them) or
 * tests/child/sync-child.c started with posix_spawn and driven over pipes.
 * Nothing waits by sleeping: threads and processes are ordered with pipes,
 * joins, waitpid and the objects themselves.  Timeouts are checked against
 * tolerances that cannot flake (a 100 ms wait takes >= 95 ms and < 2 s).
 *
 * Every test runs in a private registry (registry_private()) and ends by
 * checking that no name is left behind.  Names carry the pid and a tag.
 */
#include "helpers.h"

#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

TestSuite(sync_mutex, .fini = test_cleanup, .timeout = 60);
TestSuite(sync_mutex_proc, .fini = test_cleanup, .timeout = 120);
TestSuite(sync_semaphore, .fini = test_cleanup, .timeout = 60);
TestSuite(sync_event, .fini = test_cleanup, .timeout = 60);
TestSuite(sync_wait, .fini = test_cleanup, .timeout = 60);
TestSuite(sync_names, .fini = test_cleanup, .timeout = 60);
TestSuite(sync_bad, .fini = test_cleanup, .timeout = 60);

#define SSENTINEL ((mmf_sync *)(uintptr_t)0x5e5e5e50)

#define SYNC_NAME_PREFIX "mmfs"
#include "sync_helpers.h"
#define SECSENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static mmf_sync *sync_open_ok(const char *name, int type)
{
    mmf_sync *h = NULL;
    assert_rc(mmf_sync_open(name, type, MMF_SYNC_ACCESS_ALL, &h), 0);
    cr_assert_not_null(h);
    return h;
}

/* ---- threads ----------------------------------------------------- */

/* ---- processes --------------------------------------------------- */

/* The sync-child program: next to $MMF_TEST_CHILD, else next to us. */
static const char *sync_child_program(void)
{
    static char path[PATH_MAX];
    cr_assert_not_null(sibling_child("sync-child", path),
                       "%s is missing (make build/tests/sync-child)", path);
    return path;
}

#define schild_start(c, ...)                                                     \
    do {                                                                         \
        const char *const sc_lead_[] = { sync_child_program(), NULL };           \
        child_spawn_cmd((c), sc_lead_, (const char *const[]){ __VA_ARGS__, NULL }, \
                        NULL, 0);                                                \
    } while (0)

/* ------------------------------------------------------------------ */
/* Mutex                                                               */
/* ------------------------------------------------------------------ */

/* Thread: release (not owning), then wait(0). */
static void *t_release_then_try(void *p)
{
    struct tctx *t = p;
    t->rc[0] = mmf_mutex_release(t->h);
    t->rc[1] = mmf_wait(t->h, 0);
    if (t->rc[1] == MMF_WAIT_OBJECT_0)
        t->rc[2] = mmf_mutex_release(t->h);
    return NULL;
}

Test(sync_mutex, unowned_then_recursive)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    assert_other_thread_acquires(m);

    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(m, MMF_INFINITE), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(m), 0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);
    sclose(m);
    assert_registry_empty();
}

Test(sync_mutex, release_by_non_owner_thread)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);

    struct tctx t;
    t_start(&t, t_release_then_try, m);
    t_join(&t);
    assert_trc(&t, 0, MMF_ENOTOWNER);
    assert_trc(&t, 1, MMF_WAIT_TIMEOUT); /* the owner still owns it */

    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);
    sclose(m);
    assert_registry_empty();
}

Test(sync_mutex, release_of_unowned_mutex)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    /* Nothing changed: it is still free. */
    assert_other_thread_acquires(m);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(m), 0);
    sclose(m);
    assert_registry_empty();
}

Test(sync_mutex, initial_owner)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(1, NULL, 0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    assert_other_thread_acquires(m);

    /* Named, too. */
    char name[256];
    mmf_sync *n = mutex_new(1, nm(name, "io"), 0);
    assert_other_thread_times_out(n);
    assert_rc(mmf_wait(n, 0), MMF_WAIT_OBJECT_0); /* recursion on top */
    assert_rc(mmf_mutex_release(n), 0);
    assert_other_thread_times_out(n);
    assert_rc(mmf_mutex_release(n), 0);
    assert_rc(mmf_mutex_release(n), MMF_ENOTOWNER);
    assert_other_thread_acquires(n);
    sclose(n);
    sclose(m);
    assert_registry_empty();
}

Test(sync_mutex, thread_exit_abandons)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    for (int round = 0; round < 5; round++) {
        struct tctx t;
        t_start(&t, t_acquire_and_exit, m);
        m_await(&t);
        assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
        assert_trc(&t, 1, MMF_WAIT_OBJECT_0);
        assert_rc(mmf_wait(m, 0), MMF_WAIT_TIMEOUT);
        /* Let it exit, and wait while it does (the wait may start before
         * or after the exit: abandoned either way). */
        m_go(&t);
        int rc = mmf_wait(m, 10000);
        t_join(&t);
        cr_assert_eq(rc, MMF_WAIT_ABANDONED, "round %d: wait after the owner exited: %d (%s)",
                     round, rc, mmf_strerror(rc));
        /* Now owned once by this thread, however deep the dead one was. */
        assert_other_thread_times_out(m);
        assert_rc(mmf_mutex_release(m), 0);
        assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
        /* Abandonment is reported once. */
        assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
        assert_rc(mmf_mutex_release(m), 0);
        assert_other_thread_acquires(m);
    }
    sclose(m);
    assert_registry_empty();
}

/* Thread: acquire, close the handle, exit owning the mutex. */
static void *t_acquire_close_exit(void *p)
{
    struct tctx *t = p;
    t->rc[0] = mmf_wait(t->h, MMF_INFINITE);
    t->rc[1] = mmf_sync_close(t->h);
    return NULL;
}

Test(sync_mutex, close_keeps_ownership_then_exit_abandons)
{
    registry_private(0755);
    char name[256];
    nm(name, "ck");
    mmf_sync *m = mutex_new(0, name, 0);
    mmf_sync *m2 = sync_open_ok(name, MMF_SYNC_MUTEX);
    struct tctx t;
    t_start(&t, t_acquire_close_exit, m2);
    t_join(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
    assert_trc(&t, 1, 0);
    assert_rc(mmf_wait(m, 10000), MMF_WAIT_ABANDONED);
    assert_rc(mmf_mutex_release(m), 0);
    sclose(m);
    assert_gone(name, MMF_SYNC_MUTEX);
    assert_registry_empty();
}

Test(sync_mutex, two_handles_one_mutex)
{
    registry_private(0755);
    char name[256];
    nm(name, "2h");
    mmf_sync *a = mutex_new(0, name, 0);
    mmf_sync *b = sync_open_ok(name, MMF_SYNC_MUTEX);
    mmf_sync *c = mutex_new(0, name, MMF_EXISTED);
    assert_rc(mmf_wait(a, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(b, 0), MMF_WAIT_OBJECT_0); /* the same owner: recursion */
    assert_other_thread_times_out(c);
    assert_rc(mmf_mutex_release(c), 0);
    assert_other_thread_times_out(a);
    assert_rc(mmf_mutex_release(b), 0);
    assert_rc(mmf_mutex_release(a), MMF_ENOTOWNER);
    assert_other_thread_acquires(b);
    sclose(a);
    sclose(b);
    sclose(c);
    assert_gone(name, MMF_SYNC_MUTEX);
    assert_registry_empty();
}

/* ---- across processes -------------------------------------------- */

struct fork_arg {
    mmf_sync *h;
    int       to_parent[2], to_child[2];
};

/* Fork child: the mutex is held by the parent; then wait for it. */
static int fc_contend(void *p)
{
    struct fork_arg *a = p;
    char c = 'a';
    if (mmf_wait(a->h, 0) != MMF_WAIT_TIMEOUT)
        return 1;
    if (mmf_mutex_release(a->h) != MMF_ENOTOWNER)
        return 2;
    if (write(a->to_parent[1], &c, 1) != 1)
        return 3;
    if (mmf_wait(a->h, MMF_INFINITE) != MMF_WAIT_OBJECT_0)
        return 4;
    if (mmf_mutex_release(a->h) != 0)
        return 5;
    return 0;
}

Test(sync_mutex_proc, unnamed_shared_with_fork_child)
{
    registry_private(0755);
    struct fork_arg a;
    a.h = mutex_new(0, NULL, 0);
    cr_assert_eq(pipe(a.to_parent), 0);
    assert_rc(mmf_wait(a.h, 0), MMF_WAIT_OBJECT_0);
    pid_t pid = fork_child(fc_contend, &a);
    char c;
    cr_assert_eq(read(a.to_parent[0], &c, 1), 1, "the fork child failed early");
    assert_rc(mmf_mutex_release(a.h), 0);
    reap_ok(pid);
    /* The child released it: not abandoned. */
    assert_rc(mmf_wait(a.h, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(a.h), 0);
    sclose(a.h);
    close(a.to_parent[0]);
    close(a.to_parent[1]);
    assert_registry_empty();
}

/* Fork child: acquire, tell the parent, block until killed. */
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

Test(sync_mutex_proc, unnamed_fork_child_killed_abandons)
{
    registry_private(0755);
    struct fork_arg a;
    a.h = mutex_new(0, NULL, 0);
    cr_assert_eq(pipe(a.to_parent), 0);
    for (int round = 0; round < 5; round++) {
        pid_t pid = fork_child(fc_hold, &a);
        char c;
        cr_assert_eq(read(a.to_parent[0], &c, 1), 1, "the fork child failed");
        assert_rc(mmf_wait(a.h, 0), MMF_WAIT_TIMEOUT);
        cr_assert_eq(kill(pid, SIGKILL), 0);
        int st;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(killed_by(st, SIGKILL));
        int rc = mmf_wait(a.h, 10000);
        cr_assert_eq(rc, MMF_WAIT_ABANDONED, "round %d: %d (%s), expected ABANDONED", round,
                     rc, mmf_strerror(rc));
        assert_rc(mmf_mutex_release(a.h), 0);
        assert_rc(mmf_wait(a.h, 0), MMF_WAIT_OBJECT_0);
        assert_rc(mmf_mutex_release(a.h), 0);
    }
    sclose(a.h);
    close(a.to_parent[0]);
    close(a.to_parent[1]);
    assert_registry_empty();
}

Test(sync_mutex_proc, killed_owner_abandons_every_time)
{
    registry_private(0755);
    char name[256];
    nm(name, "kill");
    mmf_sync *m = mutex_new(0, name, 0);
    for (int round = 0; round < 20; round++) {
        struct child c;
        schild_start(&c, "open", "mutex", name, "wait", "inf", "hold");
        child_expect(&c, "open", 0);
        child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
        child_ready(&c);
        assert_rc(mmf_wait(m, 0), MMF_WAIT_TIMEOUT);
        int st = child_kill(&c);
        cr_assert(killed_by(st, SIGKILL));
        int rc = mmf_wait(m, 10000);
        cr_assert_eq(rc, MMF_WAIT_ABANDONED,
                     "round %d: the owner was killed holding it; wait gave %d (%s)", round, rc,
                     mmf_strerror(rc));
        assert_rc(mmf_mutex_release(m), 0);
        assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
        assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
        assert_rc(mmf_mutex_release(m), 0);
    }
    sclose(m);
    assert_gone(name, MMF_SYNC_MUTEX);
    assert_registry_empty();
}

Test(sync_mutex_proc, killed_owner_wakes_a_blocked_waiter)
{
    registry_private(0755);
    char name[256];
    nm(name, "killw");
    mmf_sync *m = mutex_new(0, name, 0);
    for (int round = 0; round < 5; round++) {
        struct child owner, waiter;
        schild_start(&owner, "open", "mutex", name, "wait", "inf", "hold");
        child_expect(&owner, "open", 0);
        child_expect(&owner, "wait", MMF_WAIT_OBJECT_0);
        child_ready(&owner);
        schild_start(&waiter, "open", "mutex", name, "wait", "20000", "release", "close");
        child_expect(&waiter, "open", 0);
        int st = child_kill(&owner);
        cr_assert(killed_by(st, SIGKILL));
        child_expect(&waiter, "wait", MMF_WAIT_ABANDONED);
        child_expect(&waiter, "release", 0);
        child_expect(&waiter, "close", 0);
        child_end_ok(&waiter);
        assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
        assert_rc(mmf_mutex_release(m), 0);
    }
    sclose(m);
    assert_registry_empty();
}

#define NPROC   4
#define NTHREAD 4
#define NITER   2000

Test(sync_mutex_proc, no_lost_update_across_processes)
{
    registry_private(0755);
    char sname[256], mname[256], gname[256];
    nm(sname, "cnt-sec");
    nm(mname, "cnt-mtx");
    nm(gname, "cnt-go");
    mmf_create_options so = named_opt(sname);
    mmf_section *s = NULL;
    assert_rc(mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &so, &s), 0);
    volatile uint64_t *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    mmf_sync *m = mutex_new(0, mname, 0);
    mmf_sync *gate = event_new(1, 0, gname, 0);

    char nt[16], ni[16];
    snprintf(nt, sizeof nt, "%d", NTHREAD);
    snprintf(ni, sizeof ni, "%d", NITER);
    struct child c[NPROC];
    for (int i = 0; i < NPROC; i++)
        schild_start(&c[i], "count", sname, mname, gname, nt, ni);
    for (int i = 0; i < NPROC; i++)
        child_ready(&c[i]);
    assert_rc(mmf_event_set(gate), 0); /* all start at once */
    for (int i = 0; i < NPROC; i++)
        child_expect(&c[i], "count", 0);
    for (int i = 0; i < NPROC; i++)
        child_end_ok(&c[i]);

    uint64_t want = (uint64_t)NPROC * NTHREAD * NITER;
    cr_assert_eq(v[0], want, "counter %llu, expected %llu: lost updates",
                 (unsigned long long)v[0], (unsigned long long)want);
    uint32_t violations = *(volatile uint32_t *)((volatile char *)v + 16);
    cr_assert_eq(violations, 0, "%u times a thread found another inside", violations);
    /* Nobody holds it now. */
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(m), 0);

    sclose(gate);
    sclose(m);
    assert_rc(mmf_view_unmap((const void *)v), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Semaphore                                                           */
/* ------------------------------------------------------------------ */

Test(sync_semaphore, create_validation)
{
    registry_private(0755);
    static const uint32_t bad[][2] = {
        { 0, 0 }, { 1, 0 }, { 2, 1 }, { 0, 0x80000000u }, { 0, 0xFFFFFFFFu },
        { 0x80000000u, 0x80000000u }, { 0x80000000u, 0x7FFFFFFFu },
    };
    char name[256];
    nm(name, "val");
    mmf_create_options o = named_opt(name);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mmf_sync *h = SSENTINEL;
        int rc = mmf_semaphore_create(bad[i][0], bad[i][1], NULL, &h);
        cr_assert_eq(rc, -EINVAL, "initial %u max %u: %d (%s), expected -EINVAL", bad[i][0],
                     bad[i][1], rc, mmf_strerror(rc));
        cr_assert_eq(h, SSENTINEL, "a failed create wrote its output");
        rc = mmf_semaphore_create(bad[i][0], bad[i][1], &o, &h);
        cr_assert_eq(rc, -EINVAL, "named, initial %u max %u: %d (%s), expected -EINVAL",
                     bad[i][0], bad[i][1], rc, mmf_strerror(rc));
        cr_assert_eq(h, SSENTINEL);
    }
    assert_gone(name, MMF_SYNC_SEMAPHORE); /* failed creates left no name */
    assert_rc(mmf_semaphore_create(0, 1, NULL, NULL), -EINVAL);

    mmf_sync *a = sem_new(0, 1, NULL, 0);
    mmf_sync *b = sem_new(1, 1, NULL, 0);
    mmf_sync *c = sem_new(0x7FFFFFFFu, 0x7FFFFFFFu, NULL, 0);
    assert_sem_count(a, 0);
    assert_sem_count(b, 1);
    uint32_t prev = 7;
    assert_rc(mmf_semaphore_release(c, 1, &prev), MMF_ETOOMANYPOSTS);
    cr_assert_eq(prev, 7);
    assert_rc(mmf_wait(c, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_semaphore_release(c, 1, &prev), 0);
    cr_assert_eq(prev, 0x7FFFFFFEu);
    sclose(a);
    sclose(b);
    sclose(c);
    assert_registry_empty();
}

Test(sync_semaphore, release_returns_previous_count)
{
    registry_private(0755);
    mmf_sync *s = sem_new(0, 10, NULL, 0);
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(s, 3, &prev), 0);
    cr_assert_eq(prev, 0);
    assert_rc(mmf_semaphore_release(s, 2, &prev), 0);
    cr_assert_eq(prev, 3);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_semaphore_release(s, 1, &prev), 0);
    cr_assert_eq(prev, 5);
    assert_sem_count(s, 6);
    assert_rc(mmf_semaphore_release(s, 10, &prev), 0); /* exactly to the max */
    cr_assert_eq(prev, 0);
    assert_sem_count(s, 10);
    sclose(s);
    assert_registry_empty();
}

Test(sync_semaphore, release_past_max_changes_nothing)
{
    registry_private(0755);
    mmf_sync *s = sem_new(2, 5, NULL, 0);
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(s, 4, &prev), MMF_ETOOMANYPOSTS);
    cr_assert_eq(prev, 99, "a failed release wrote *prev");
    assert_rc(mmf_semaphore_release(s, 0xFFFFFFFFu, &prev), MMF_ETOOMANYPOSTS);
    assert_rc(mmf_semaphore_release(s, 0xFFFFFFFEu, &prev), MMF_ETOOMANYPOSTS);
    cr_assert_eq(prev, 99);
    assert_rc(mmf_semaphore_release(s, 3, &prev), 0);
    cr_assert_eq(prev, 2);
    assert_rc(mmf_semaphore_release(s, 1, &prev), MMF_ETOOMANYPOSTS);
    cr_assert_eq(prev, 2);
    assert_sem_count(s, 5);
    /* From 0: the whole max at once is fine, one more is not. */
    assert_rc(mmf_semaphore_release(s, 6, &prev), MMF_ETOOMANYPOSTS);
    assert_sem_count(s, 0);
    sclose(s);
    assert_registry_empty();
}

Test(sync_semaphore, release_zero_is_einval)
{
    registry_private(0755);
    mmf_sync *s = sem_new(1, 5, NULL, 0);
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(s, 0, &prev), -EINVAL);
    cr_assert_eq(prev, 99);
    assert_sem_count(s, 1);
    sclose(s);
    assert_registry_empty();
}

Test(sync_semaphore, wait_zero_at_count_zero)
{
    registry_private(0755);
    mmf_sync *s = sem_new(0, 3, NULL, 0);
    uint64_t t0 = now_ms();
    assert_rc(mmf_wait(s, 0), MMF_WAIT_TIMEOUT);
    cr_assert_lt(now_ms() - t0, 1000, "wait(0) blocked");
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_TIMEOUT);
    sclose(s);
    assert_registry_empty();
}

/* Thread: signal, then wait(INFINITE) on @h; record; signal again. */
static void *t_signal_then_wait(void *p)
{
    struct tctx *t = p;
    t_signal(t);
    t->rc[0] = mmf_wait(t->h, MMF_INFINITE);
    if (t->counter)
        atomic_fetch_add(t->counter, 1);
    t_signal(t);
    return NULL;
}

Test(sync_semaphore, blocked_waiter_woken_by_release)
{
    registry_private(0755);
    mmf_sync *s = sem_new(0, 2, NULL, 0);
    for (int round = 0; round < 10; round++) {
        struct tctx t;
        t.counter = NULL;
        t_start(&t, t_signal_then_wait, s);
        m_await(&t); /* about to wait */
        uint32_t prev = 99;
        assert_rc(mmf_semaphore_release(s, 1, &prev), 0);
        cr_assert_eq(prev, 0);
        m_await(&t);
        t_join(&t);
        assert_trc(&t, 0, MMF_WAIT_OBJECT_0);
        assert_sem_count(s, 0); /* the waiter took the count */
    }
    sclose(s);
    assert_registry_empty();
}

/* Fork child: wait(INFINITE) on the semaphore twice, post once. */
static int fc_sem(void *p)
{
    struct fork_arg *a = p;
    if (mmf_wait(a->h, MMF_INFINITE) != MMF_WAIT_OBJECT_0)
        return 1;
    if (mmf_wait(a->h, MMF_INFINITE) != MMF_WAIT_OBJECT_0)
        return 2;
    uint32_t prev = 99;
    if (mmf_semaphore_release(a->h, 1, &prev) != 0 || prev != 0)
        return 3;
    return 0;
}

Test(sync_semaphore, unnamed_shared_with_fork_child)
{
    registry_private(0755);
    struct fork_arg a;
    a.h = sem_new(0, 2, NULL, 0);
    pid_t pid = fork_child(fc_sem, &a);
    assert_rc(mmf_semaphore_release(a.h, 2, NULL), 0);
    reap_ok(pid);
    assert_sem_count(a.h, 1);
    sclose(a.h);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Event                                                               */
/* ------------------------------------------------------------------ */

Test(sync_event, manual_reset_stays_signaled)
{
    registry_private(0755);
    mmf_sync *e = event_new(1, 0, NULL, 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e), 0);
    for (int i = 0; i < 5; i++)
        assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e, MMF_INFINITE), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e, 100), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_event_set(e), 0); /* set twice: still just signaled */
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_event_reset(e), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_reset(e), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
    assert_registry_empty();
}

Test(sync_event, manual_reset_releases_every_waiter)
{
    registry_private(0755);
    mmf_sync *e = event_new(1, 0, NULL, 0);
    atomic_int passed = 0;
    struct tctx t[3];
    for (int i = 0; i < 3; i++) {
        t[i].counter = &passed;
        t_start(&t[i], t_signal_then_wait, e);
        m_await(&t[i]);
    }
    assert_rc(mmf_event_set(e), 0);
    for (int i = 0; i < 3; i++) {
        m_await(&t[i]);
        t_join(&t[i]);
        assert_trc(&t[i], 0, MMF_WAIT_OBJECT_0);
    }
    cr_assert_eq(atomic_load(&passed), 3);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    sclose(e);
    assert_registry_empty();
}

Test(sync_event, auto_reset_one_waiter_per_set)
{
    registry_private(0755);
    mmf_sync *e = event_new(0, 0, NULL, 0);
    atomic_int passed = 0;
    struct tctx t[2];
    for (int i = 0; i < 2; i++) {
        t[i].counter = &passed;
        t_start(&t[i], t_signal_then_wait, e);
        m_await(&t[i]); /* about to wait */
    }
    assert_rc(mmf_event_set(e), 0);

    /* Exactly one passes: wait for the first to report. */
    struct pollfd p[2] = { { .fd = t[0].to_main[0], .events = POLLIN },
                           { .fd = t[1].to_main[0], .events = POLLIN } };
    cr_assert_gt(poll(p, 2, 30000), 0, "no waiter passed the set event");
    int first = (p[0].revents & POLLIN) ? 0 : 1, other = 1 - first;
    m_await(&t[first]);
    t_join(&t[first]);
    assert_trc(&t[first], 0, MMF_WAIT_OBJECT_0);
    cr_assert_eq(atomic_load(&passed), 1);
    /* The other must still be blocked (a correct implementation never lets
     * it through, so this cannot flake), and the signal was consumed. */
    cr_assert(!m_signalled_within(&t[other], 100),
              "one set of an auto-reset event released two waiters");
    cr_assert_eq(atomic_load(&passed), 1);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);

    assert_rc(mmf_event_set(e), 0);
    m_await(&t[other]);
    t_join(&t[other]);
    assert_trc(&t[other], 0, MMF_WAIT_OBJECT_0);
    cr_assert_eq(atomic_load(&passed), 2);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
    assert_registry_empty();
}

Test(sync_event, auto_reset_consumed_by_one_wait)
{
    registry_private(0755);
    mmf_sync *e = event_new(0, 1, NULL, 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e), 0);
    assert_rc(mmf_event_set(e), 0); /* does not count */
    assert_rc(mmf_wait(e, MMF_INFINITE), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e), 0);
    assert_rc(mmf_event_reset(e), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
    assert_registry_empty();
}

Test(sync_event, initial_state)
{
    registry_private(0755);
    mmf_sync *m1 = event_new(1, 1, NULL, 0);
    mmf_sync *m0 = event_new(1, 0, NULL, 0);
    mmf_sync *a1 = event_new(0, 1, NULL, 0);
    mmf_sync *a0 = event_new(0, 0, NULL, 0);
    assert_rc(mmf_wait(m1, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(m1, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(m0, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(a1, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(a1, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(a0, 0), MMF_WAIT_TIMEOUT);
    sclose(m1);
    sclose(m0);
    sclose(a1);
    sclose(a0);
    assert_registry_empty();
}

Test(sync_event, reset_of_unsignaled_event)
{
    registry_private(0755);
    mmf_sync *m = event_new(1, 0, NULL, 0);
    mmf_sync *a = event_new(0, 0, NULL, 0);
    assert_rc(mmf_event_reset(m), 0);
    assert_rc(mmf_event_reset(a), 0);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(a, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(m), 0);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    sclose(m);
    sclose(a);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Waits                                                               */
/* ------------------------------------------------------------------ */

Test(sync_wait, timeout_zero_never_blocks)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *s = sem_new(0, 1, NULL, 0);
    mmf_sync *em = event_new(1, 0, NULL, 0);
    mmf_sync *ea = event_new(0, 0, NULL, 0);
    struct tctx t;
    t_start(&t, t_hold_mutex, m);
    m_await(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);

    mmf_sync *objs[4] = { m, s, em, ea };
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 100; k++) {
            uint64_t t0 = now_ms();
            int rc = mmf_wait(objs[i], 0);
            uint64_t dt = now_ms() - t0;
            cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "object %d: %d (%s)", i, rc, mmf_strerror(rc));
            cr_assert_lt(dt, 1000, "object %d: wait(0) took %llu ms", i,
                         (unsigned long long)dt);
        }
    }
    m_go(&t);
    t_join(&t);
    assert_trc(&t, 1, 0);
    sclose(m);
    sclose(s);
    sclose(em);
    sclose(ea);
    assert_registry_empty();
}

Test(sync_wait, timeouts_return_on_time)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *s = sem_new(0, 1, NULL, 0);
    mmf_sync *em = event_new(1, 0, NULL, 0);
    mmf_sync *ea = event_new(0, 0, NULL, 0);
    struct tctx t;
    t_start(&t, t_hold_mutex, m);
    m_await(&t);
    assert_trc(&t, 0, MMF_WAIT_OBJECT_0);

    mmf_sync *objs[4] = { m, s, em, ea };
    static const uint32_t tmo[] = { 1, 100, 250 };
    for (int i = 0; i < 4; i++) {
        for (size_t k = 0; k < sizeof tmo / sizeof tmo[0]; k++) {
            uint64_t t0 = now_ms();
            int rc = mmf_wait(objs[i], tmo[k]);
            uint64_t dt = now_ms() - t0;
            cr_assert_eq(rc, MMF_WAIT_TIMEOUT, "object %d, %u ms: %d (%s)", i, tmo[k], rc,
                         mmf_strerror(rc));
            uint64_t lo = tmo[k] * 95u / 100u;
            cr_assert(dt >= lo && dt < 2000u + tmo[k],
                      "object %d: a %u ms timeout returned after %llu ms", i, tmo[k],
                      (unsigned long long)dt);
        }
    }
    m_go(&t);
    t_join(&t);
    assert_trc(&t, 1, 0);
    sclose(m);
    sclose(s);
    sclose(em);
    sclose(ea);
    assert_registry_empty();
}

/* Fork child: wait for the parent's byte, then set the event. */
static int fc_set_event(void *p)
{
    struct fork_arg *a = p;
    char c;
    if (read(a->to_child[0], &c, 1) != 1)
        return 1;
    if (mmf_event_set(a->h) != 0)
        return 2;
    return 0;
}

Test(sync_wait, infinite_until_fork_child_signals)
{
    registry_private(0755);
    struct fork_arg a;
    a.h = event_new(0, 0, NULL, 0);
    cr_assert_eq(pipe(a.to_child), 0);
    pid_t pid = fork_child(fc_set_event, &a);
    assert_rc(mmf_wait(a.h, 0), MMF_WAIT_TIMEOUT);
    cr_assert_eq(write(a.to_child[1], "g", 1), 1);
    assert_rc(mmf_wait(a.h, MMF_INFINITE), MMF_WAIT_OBJECT_0);
    reap_ok(pid);
    assert_rc(mmf_wait(a.h, 0), MMF_WAIT_TIMEOUT);
    sclose(a.h);
    close(a.to_child[0]);
    close(a.to_child[1]);
    assert_registry_empty();
}

Test(sync_wait, infinite_until_other_process_signals)
{
    registry_private(0755);
    char ename[256], sname[256];
    nm(ename, "ev");
    nm(sname, "sem");
    mmf_sync *e = event_new(0, 0, ename, 0);
    mmf_sync *s = sem_new(0, 4, sname, 0);

    struct child c;
    schild_start(&c, "open", "event", ename, "open", "semaphore", sname, "hold", "post", "3",
                 "close", "set", "close");
    child_expect(&c, "open", 0);
    child_expect(&c, "open", 0);
    child_ready(&c);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_TIMEOUT);
    child_go(&c);
    assert_rc(mmf_wait(s, MMF_INFINITE), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e, MMF_INFINITE), MMF_WAIT_OBJECT_0);
    child_expect(&c, "post", 0);
    child_expect(&c, "close", 0);
    child_expect(&c, "set", 0);
    child_expect(&c, "close", 0);
    child_end_ok(&c);
    assert_sem_count(s, 2);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
    sclose(s);
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

Test(sync_names, create_twice_existing_state_wins)
{
    registry_private(0755);
    char name[256];
    nm(name, "sem2");
    mmf_sync *a = sem_new(1, 5, name, 0);
    mmf_sync *b = sem_new(3, 10, name, MMF_EXISTED);
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(b, 4, &prev), 0);
    cr_assert_eq(prev, 1, "the existing count (1) must win, got %u", prev);
    assert_rc(mmf_semaphore_release(a, 1, &prev), MMF_ETOOMANYPOSTS); /* max 5 wins */
    assert_rc(mmf_semaphore_release(b, 1, &prev), MMF_ETOOMANYPOSTS);
    assert_sem_count(a, 5);
    sclose(a);
    sclose(b);

    /* An event: manual-reset and the state of the existing object win. */
    nm(name, "ev2");
    mmf_sync *e1 = event_new(1, 0, name, 0);
    mmf_sync *e2 = event_new(0, 1, name, MMF_EXISTED);
    assert_rc(mmf_wait(e2, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e2), 0);
    assert_rc(mmf_wait(e2, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e1, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e2, 0), MMF_WAIT_OBJECT_0);
    sclose(e1);
    sclose(e2);
    assert_registry_empty();
}

/* Thread: create the named mutex (t->h2 is a name in disguise) asking for
 * ownership, then try to release it. */
struct owner_ctx {
    struct tctx t;
    const char *name;
};

static void *t_create_owned(void *p)
{
    struct owner_ctx *o = p;
    mmf_create_options opt = named_opt(o->name);
    mmf_sync *h = NULL;
    o->t.rc[0] = mmf_mutex_create(1, &opt, &h);
    if (h) {
        o->t.rc[1] = mmf_mutex_release(h);
        o->t.rc[2] = mmf_wait(h, 0);
        o->t.rc[3] = mmf_sync_close(h);
    }
    return NULL;
}

Test(sync_names, existing_mutex_ignores_initial_owner)
{
    registry_private(0755);
    char name[256];
    nm(name, "mx2");
    mmf_sync *m = mutex_new(1, name, 0); /* owned by this thread */
    struct owner_ctx o;
    o.name = name;
    t_start(&o.t, t_create_owned, NULL);
    t_join(&o.t);
    assert_trc(&o.t, 0, MMF_EXISTED);
    assert_trc(&o.t, 1, MMF_ENOTOWNER);
    assert_trc(&o.t, 2, MMF_WAIT_TIMEOUT); /* still ours */
    assert_trc(&o.t, 3, 0);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    sclose(m);
    assert_registry_empty();
}

Test(sync_names, open_with_the_right_type)
{
    registry_private(0755);
    char mn[256], sn[256], en[256];
    mmf_sync *m = mutex_new(0, nm(mn, "om"), 0);
    mmf_sync *s = sem_new(0, 3, nm(sn, "os"), 0);
    mmf_sync *e = event_new(1, 0, nm(en, "oe"), 0);
    mmf_sync *m2 = sync_open_ok(mn, MMF_SYNC_MUTEX);
    mmf_sync *s2 = sync_open_ok(sn, MMF_SYNC_SEMAPHORE);
    mmf_sync *e2 = sync_open_ok(en, MMF_SYNC_EVENT);

    assert_rc(mmf_wait(m2, 0), MMF_WAIT_OBJECT_0);
    assert_other_thread_times_out(m);
    assert_rc(mmf_mutex_release(m), 0);

    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(s2, 2, &prev), 0);
    cr_assert_eq(prev, 0);
    assert_rc(mmf_semaphore_release(s, 1, &prev), 0);
    cr_assert_eq(prev, 2);
    assert_sem_count(s2, 3);

    assert_rc(mmf_event_set(e2), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_event_reset(e), 0);
    assert_rc(mmf_wait(e2, 0), MMF_WAIT_TIMEOUT);

    sclose(m);
    sclose(s);
    sclose(e);
    sclose(m2);
    sclose(s2);
    sclose(e2);
    assert_registry_empty();
}

Test(sync_names, wrong_type_is_etype)
{
    registry_private(0755);
    char names[3][256];
    nm(names[0], "tm");
    nm(names[1], "ts");
    nm(names[2], "te");
    mmf_sync *h[3] = {
        mutex_new(0, names[0], 0),
        sem_new(1, 3, names[1], 0),
        event_new(1, 1, names[2], 0),
    };
    static const int types[3] = { MMF_SYNC_MUTEX, MMF_SYNC_SEMAPHORE, MMF_SYNC_EVENT };
    for (int i = 0; i < 3; i++) {
        mmf_create_options o = named_opt(names[i]);
        for (int j = 0; j < 3; j++) {
            if (i == j)
                continue;
            mmf_sync *x = SSENTINEL;
            int rc = mmf_sync_open(names[i], types[j], MMF_SYNC_ACCESS_ALL, &x);
            cr_assert_eq(rc, MMF_ETYPE, "open %d as %d: %d (%s), expected MMF_ETYPE", types[i],
                         types[j], rc, mmf_strerror(rc));
            cr_assert_eq(x, SSENTINEL);
        }
        mmf_sync *x = SSENTINEL;
        if (i != 0) {
            assert_rc(mmf_mutex_create(0, &o, &x), MMF_ETYPE);
            assert_rc(mmf_mutex_create(1, &o, &x), MMF_ETYPE);
        }
        if (i != 1)
            assert_rc(mmf_semaphore_create(0, 1, &o, &x), MMF_ETYPE);
        if (i != 2)
            assert_rc(mmf_event_create(1, 0, &o, &x), MMF_ETYPE);
        cr_assert_eq(x, SSENTINEL);
    }
    /* The objects are untouched. */
    assert_rc(mmf_wait(h[0], 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(h[0]), 0);
    assert_sem_count(h[1], 1);
    assert_rc(mmf_wait(h[2], 0), MMF_WAIT_OBJECT_0);
    for (int i = 0; i < 3; i++)
        sclose(h[i]);
    for (int i = 0; i < 3; i++)
        assert_gone(names[i], types[i]);
    assert_registry_empty();
}

Test(sync_names, sections_and_sync_objects_share_the_namespace)
{
    registry_private(0755);
    char sn[256], mn[256];
    nm(sn, "sec");
    nm(mn, "mtx");
    mmf_create_options so = named_opt(sn), mo = named_opt(mn);
    mmf_section *s = NULL;
    assert_rc(mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &so, &s), 0);
    mmf_sync *m = mutex_new(0, mn, 0);

    /* A section's name for sync objects. */
    mmf_sync *x = SSENTINEL;
    assert_rc(mmf_mutex_create(0, &so, &x), MMF_ETYPE);
    assert_rc(mmf_semaphore_create(0, 1, &so, &x), MMF_ETYPE);
    assert_rc(mmf_event_create(0, 0, &so, &x), MMF_ETYPE);
    assert_rc(mmf_sync_open(sn, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &x), MMF_ETYPE);
    assert_rc(mmf_sync_open(sn, MMF_SYNC_SEMAPHORE, MMF_SYNC_ACCESS_ALL, &x), MMF_ETYPE);
    assert_rc(mmf_sync_open(sn, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &x), MMF_ETYPE);
    cr_assert_eq(x, SSENTINEL);

    /* A mutex's name for sections. */
    mmf_section *y = SECSENTINEL;
    assert_rc(mmf_section_open(mn, MMF_ACCESS_READ, &y), MMF_ETYPE);
    assert_rc(mmf_section_open(mn, MMF_ACCESS_ALL, &y), MMF_ETYPE);
    assert_rc(mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &mo, &y), MMF_ETYPE);
    cr_assert_eq(y, SECSENTINEL);

    /* Both still work. */
    mmf_section *s2 = NULL;
    assert_rc(mmf_section_open(sn, MMF_ACCESS_READ, &s2), 0);
    assert_rc(mmf_section_close(s2), 0);
    mmf_sync *m2 = sync_open_ok(mn, MMF_SYNC_MUTEX);
    sclose(m2);

    assert_rc(mmf_section_close(s), 0);
    sclose(m);
    y = SECSENTINEL;
    assert_rc(mmf_section_open(sn, MMF_ACCESS_READ, &y), MMF_ENOTFOUND);
    assert_gone(mn, MMF_SYNC_MUTEX);
    /* Once gone, the names are free for the other type. */
    m = mutex_new(0, sn, 0);
    sclose(m);
    assert_rc(mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &mo, &s), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
}

Test(sync_names, open_errors)
{
    registry_private(0755);
    char name[256];
    nm(name, "missing");
    mmf_sync *x = SSENTINEL;
    assert_rc(mmf_sync_open(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &x), MMF_ENOTFOUND);
    assert_rc(mmf_sync_open(name, MMF_SYNC_SEMAPHORE, MMF_SYNC_ACCESS_ALL, &x), MMF_ENOTFOUND);
    assert_rc(mmf_sync_open(name, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &x), MMF_ENOTFOUND);
    assert_rc(mmf_sync_open("", MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &x), -EINVAL);
    cr_assert_eq(x, SSENTINEL);

    mmf_sync *e = event_new(1, 0, name, 0);
    assert_rc(mmf_sync_open(name, 0, MMF_SYNC_ACCESS_ALL, &x), -EINVAL);
    assert_rc(mmf_sync_open(name, 4, MMF_SYNC_ACCESS_ALL, &x), -EINVAL);
    assert_rc(mmf_sync_open(name, -1, MMF_SYNC_ACCESS_ALL, &x), -EINVAL);
    cr_assert_eq(x, SSENTINEL);
    sclose(e);
    assert_gone(name, MMF_SYNC_EVENT);
    assert_registry_empty();
}

Test(sync_names, name_dies_with_the_last_handle)
{
    registry_private(0755);
    char name[256];
    nm(name, "life");
    mmf_sync *a = sem_new(2, 4, name, 0);
    mmf_sync *b = sync_open_ok(name, MMF_SYNC_SEMAPHORE);
    sclose(a);
    mmf_sync *c = sync_open_ok(name, MMF_SYNC_SEMAPHORE); /* b keeps it */
    sclose(c);
    sclose(b);
    assert_gone(name, MMF_SYNC_SEMAPHORE);

    /* A new object under the name: new state, not the old one. */
    a = sem_new(0, 1, name, 0);
    assert_sem_count(a, 0);
    sclose(a);
    assert_gone(name, MMF_SYNC_SEMAPHORE);

    /* Same for a mutex and an event. */
    mmf_sync *m = mutex_new(1, name, 0);
    assert_rc(mmf_mutex_release(m), 0);
    sclose(m);
    assert_gone(name, MMF_SYNC_MUTEX);
    mmf_sync *e = event_new(1, 1, name, 0);
    sclose(e);
    assert_gone(name, MMF_SYNC_EVENT);
    e = event_new(1, 0, name, 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
    assert_registry_empty();
}

Test(sync_names, closed_by_another_process)
{
    registry_private(0755);
    char name[256];
    nm(name, "cp");
    struct child c;
    schild_start(&c, "event", name, "1", "0", "hold", "close", "hold");
    child_expect(&c, "event", 0);
    child_ready(&c);
    mmf_sync *e = sync_open_ok(name, MMF_SYNC_EVENT);
    assert_rc(mmf_event_set(e), 0);
    sclose(e);
    child_go(&c);
    child_expect(&c, "close", 0);
    child_ready(&c);
    assert_gone(name, MMF_SYNC_EVENT);
    child_end_ok(&c);
    assert_registry_empty();
}

Test(sync_names, sigkill_of_the_only_holder_frees_the_name)
{
    registry_private(0755);
    static const char *const kinds[3][4] = {
        { "mutex", "1", NULL, NULL }, /* owned when killed */
        { "semaphore", "1", "2", NULL },
        { "event", "0", "1", NULL },
    };
    static const int types[3] = { MMF_SYNC_MUTEX, MMF_SYNC_SEMAPHORE, MMF_SYNC_EVENT };
    for (int i = 0; i < 3; i++) {
        char name[256], tag[16];
        snprintf(tag, sizeof tag, "k%d", i);
        nm(name, tag);
        struct child c;
        if (i == 0)
            schild_start(&c, kinds[i][0], name, kinds[i][1], "hold");
        else
            schild_start(&c, kinds[i][0], name, kinds[i][1], kinds[i][2], "hold");
        child_expect(&c, kinds[i][0], 0);
        child_ready(&c);
        mmf_sync *h = sync_open_ok(name, types[i]); /* it is there */
        sclose(h);
        int st = child_kill(&c);
        cr_assert(killed_by(st, SIGKILL));
        assert_gone(name, types[i]);
    }
    assert_registry_empty();
}

/* ------------------------------------------------------------------ */
/* Bad handles                                                         */
/* ------------------------------------------------------------------ */

Test(sync_bad, null_handles)
{
    registry_private(0755);
    uint32_t prev = 99;
    assert_rc(mmf_wait(NULL, 0), -EBADF);
    assert_rc(mmf_wait(NULL, MMF_INFINITE), -EBADF);
    assert_rc(mmf_mutex_release(NULL), -EBADF);
    assert_rc(mmf_semaphore_release(NULL, 1, &prev), -EBADF);
    cr_assert_eq(prev, 99);
    assert_rc(mmf_event_set(NULL), -EBADF);
    assert_rc(mmf_event_reset(NULL), -EBADF);
    assert_rc(mmf_sync_close(NULL), -EBADF);
    assert_registry_empty();
}

Test(sync_bad, null_out_is_einval)
{
    registry_private(0755);
    char name[256];
    nm(name, "nout");
    mmf_create_options o = named_opt(name);
    assert_rc(mmf_mutex_create(0, NULL, NULL), -EINVAL);
    assert_rc(mmf_mutex_create(0, &o, NULL), -EINVAL);
    assert_rc(mmf_semaphore_create(0, 1, &o, NULL), -EINVAL);
    assert_rc(mmf_event_create(0, 0, &o, NULL), -EINVAL);
    assert_gone(name, MMF_SYNC_MUTEX);
    mmf_sync *m = mutex_new(0, name, 0);
    assert_rc(mmf_sync_open(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, NULL), -EINVAL);
    sclose(m);
    assert_registry_empty();
}

Test(sync_bad, operation_of_another_type)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *s = sem_new(0, 2, NULL, 0);
    mmf_sync *e = event_new(1, 0, NULL, 0);
    uint32_t prev = 99;

    assert_rc(mmf_event_set(m), -EINVAL);
    assert_rc(mmf_event_reset(m), -EINVAL);
    assert_rc(mmf_semaphore_release(m, 1, &prev), -EINVAL);
    assert_rc(mmf_mutex_release(e), -EINVAL);
    assert_rc(mmf_semaphore_release(e, 1, &prev), -EINVAL);
    assert_rc(mmf_mutex_release(s), -EINVAL);
    assert_rc(mmf_event_set(s), -EINVAL);
    assert_rc(mmf_event_reset(s), -EINVAL);
    cr_assert_eq(prev, 99);

    /* Nothing changed. */
    assert_other_thread_acquires(m);
    assert_sem_count(s, 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);

    /* Even while the mutex is owned. */
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_event_set(m), -EINVAL);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    sclose(m);
    sclose(s);
    sclose(e);
    assert_registry_empty();
}
