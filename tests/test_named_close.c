/*
 * test_named_close.c — the last close removes a name exactly when no
 * other holder is left, whichever way the hold was shared: the closer of a
 * hold nobody shares converts its own lock (name.c, drop_hold), the closer
 * of a shared one (dup, fork, inheritance, a socket) probes afresh.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "helpers.h"

TestSuite(named_close, .fini = test_cleanup, .timeout = 60);

static mmf_section *make(const char *name)
{
    mmf_create_options o = { .name = name };
    mmf_section *s;
    assert_rc(mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &s), 0);
    return s;
}

static int alive(const char *name)
{
    mmf_section *s;
    int rc = mmf_section_open(name, MMF_ACCESS_READ, &s);
    if (rc == 0)
        mmf_section_close(s);
    cr_assert(rc == 0 || rc == MMF_ENOTFOUND, "open: %d (%s)", rc, mmf_strerror(rc));
    return rc == 0;
}

Test(named_close, independent_holds_in_one_process)
{
    registry_private(0755);
    mmf_section *a = make("Local\\nc1"), *b;
    assert_rc(mmf_section_open("Local\\nc1", MMF_ACCESS_READ, &b), 0);
    assert_rc(mmf_section_close(a), 0);
    cr_assert(alive("Local\\nc1"), "the open handle keeps the name");
    assert_rc(mmf_section_close(b), 0);
    cr_assert(!alive("Local\\nc1"), "the last close removes the name");
    assert_registry_empty();
}

Test(named_close, a_duplicate_keeps_the_name)
{
    registry_private(0755);
    mmf_section *a = make("Local\\nc2"), *d;
    assert_rc(mmf_section_dup(a, 0, &d), 0);
    assert_rc(mmf_section_close(a), 0);
    cr_assert(alive("Local\\nc2"), "the duplicate shares the lock: the name stays");
    assert_rc(mmf_section_close(d), 0);
    cr_assert(!alive("Local\\nc2"));
    assert_registry_empty();
}

Test(named_close, a_fork_child_keeps_the_name)
{
    registry_private(0755);
    mmf_section *a = make("Local\\nc3");
    int go[2];
    cr_assert_eq(pipe(go), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* holds every description the parent had; waits, then leaves
         * without releasing anything (as a killed child would) */
        char c;
        close(go[1]);
        ssize_t n = read(go[0], &c, 1);
        _exit(n == 1 ? 0 : 1);
    }
    close(go[0]);
    assert_rc(mmf_section_close(a), 0);
    cr_assert(alive("Local\\nc3"), "the child's copy of the description holds the name");
    cr_assert_eq(write(go[1], "x", 1), 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert(!alive("Local\\nc3"), "gone with the child");
    close(go[1]);
}

Test(named_close, holds_taken_after_a_fork_are_not_shared)
{
    registry_private(0755);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(0);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    mmf_section *a = make("Local\\nc4");
    assert_rc(mmf_section_close(a), 0);
    cr_assert(!alive("Local\\nc4"));
    assert_registry_empty();
}

Test(named_close, a_handle_sent_over_a_socket_keeps_the_name)
{
    registry_private(0755);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    mmf_section *a = make("Local\\nc5"), *r;
    assert_rc(mmf_section_send(sv[0], a), 0);
    assert_rc(mmf_section_recv(sv[1], &r), 0);
    assert_rc(mmf_section_close(a), 0);
    cr_assert(alive("Local\\nc5"));
    assert_rc(mmf_section_close(r), 0);
    cr_assert(!alive("Local\\nc5"));
    close(sv[0]);
    close(sv[1]);
    assert_registry_empty();
}

struct race {
    atomic_int stop;
    int bad;
};

static void *opener(void *arg)
{
    struct race *r = arg;
    while (!atomic_load(&r->stop)) {
        mmf_section *s;
        int rc = mmf_section_open("Local\\nc6", MMF_ACCESS_READ, &s);
        if (rc == 0)
            mmf_section_close(s);
        else if (rc != MMF_ENOTFOUND)
            r->bad = rc;
    }
    return NULL;
}

Test(named_close, openers_racing_the_last_close)
{
    registry_private(0755);
    struct race r = { 0 };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, opener, &r), 0);
    for (int i = 0; i < 2000; i++) {
        mmf_create_options o = { .name = "Local\\nc6" };
        mmf_section *s;
        int rc = mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &s);
        cr_assert(rc == 0 || rc == MMF_EXISTED, "create: %d (%s)", rc, mmf_strerror(rc));
        mmf_section_close(s);
    }
    atomic_store(&r.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(r.bad, 0, "an open failed with %d (%s)", r.bad, mmf_strerror(r.bad));
    cr_assert(!alive("Local\\nc6"));
    assert_registry_empty();
}
