/*
 * test_sync_pidreuse.c — a mutex owner that died is found dead even when
 * its thread number has been given to another process since (pid reuse,
 * forced here through /proc/sys/kernel/ns_last_pid, which needs root).
 */
#include "helpers.h"

TestSuite(sync_pidreuse, .fini = test_cleanup, .timeout = 60);

/* Makes the next fork get pid `want`; returns 0, or -1 when not root. */
static int next_pid_is(pid_t want)
{
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int)want - 1);
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -1;
    close(fd);
    return rc;
}

/* A child that takes the named mutex and is then killed; returns its pid. */
static pid_t owner_killed(const char *name)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fflush(NULL);
    pid_t a = fork();
    cr_assert_geq(a, 0);
    if (a == 0) {
        mmf_sync *h;
        char c = 'x';
        if (mmf_sync_open(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &h) != 0 ||
            mmf_wait(h, MMF_INFINITE) != MMF_WAIT_OBJECT_0 || write(p[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char c;
    cr_assert_eq(read(p[0], &c, 1), 1, "the owner did not take the mutex");
    close(p[0]);
    close(p[1]);
    kill(a, SIGKILL);
    cr_assert_eq(waitpid(a, NULL, 0), a);
    return a;
}

Test(sync_pidreuse, an_unrelated_process_with_the_owners_pid)
{
    if (!is_root())
        cr_skip_test("forcing pid reuse needs root (ns_last_pid)");
    registry_private(0755);
    mmf_create_options o = { .name = "Local\\pr1" };
    mmf_sync *m;
    assert_rc(mmf_mutex_create(0, &o, &m), 0);
    pid_t a = owner_killed("Local\\pr1"), b = -1;
    for (int tries = 0; tries < 100 && b != a; tries++) {
        if (b > 0) {
            kill(b, SIGKILL);
            waitpid(b, NULL, 0);
        }
        cr_assert_eq(next_pid_is(a), 0);
        b = fork();
        if (b == 0) {
            for (;;)
                pause();
        }
    }
    if (b != a)
        cr_skip_test("the pid was taken by someone else 100 times");
    /* The number is alive again, but not the owner. */
    assert_rc(mmf_wait(m, 2000), MMF_WAIT_ABANDONED);
    assert_rc(mmf_mutex_release(m), 0);
    kill(b, SIGKILL);
    waitpid(b, NULL, 0);
    mmf_sync_close(m);
}

Test(sync_pidreuse, the_next_waiter_has_the_owners_pid)
{
    if (!is_root())
        cr_skip_test("forcing pid reuse needs root (ns_last_pid)");
    registry_private(0755);
    mmf_create_options o = { .name = "Local\\pr2" };
    mmf_sync *m;
    assert_rc(mmf_mutex_create(0, &o, &m), 0);
    pid_t a = owner_killed("Local\\pr2");
    for (int tries = 0; tries < 100; tries++) {
        cr_assert_eq(next_pid_is(a), 0);
        fflush(NULL);
        pid_t b = fork();
        cr_assert_geq(b, 0);
        if (b == 0) {
            if (getpid() != a)
                _exit(9);
            mmf_sync *h;
            if (mmf_sync_open("Local\\pr2", MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &h) != 0)
                _exit(1);
            /* Not a recursive acquire of its own: told abandoned. */
            int rc = mmf_wait(h, 2000);
            if (rc != MMF_WAIT_ABANDONED)
                _exit(2);
            _exit(mmf_mutex_release(h) == 0 && mmf_mutex_release(h) == MMF_ENOTOWNER ? 0 : 3);
        }
        int st;
        cr_assert_eq(waitpid(b, &st, 0), b);
        cr_assert(WIFEXITED(st), "status %#x", st);
        if (WEXITSTATUS(st) == 9)
            continue;
        cr_assert_eq(WEXITSTATUS(st), 0, "the reused pid's wait was not told abandoned (%d)",
                     WEXITSTATUS(st));
        assert_rc(mmf_wait(m, 2000), MMF_WAIT_OBJECT_0); /* released, not abandoned */
        assert_rc(mmf_mutex_release(m), 0);
        mmf_sync_close(m);
        return;
    }
    cr_skip_test("the pid was taken by someone else 100 times");
}
