/*
 * test_sync_handles.c — synchronization object handles across handles and
 * processes: mmf_sync_dup (same, fewer or no rights), mmf_sync_same,
 * inheritance through exec (mmf_sync_set_inheritable /
 * mmf_sync_from_fd_handle), descriptors that are not handles, and
 * MMF_ACCESS_NONE for sections (mmf_section_dup).
 *
 * The other processes are real ones: tests/child/sync-child.c (and, for
 * sections, tests/child/handle-child.c) started with posix_spawn
 * (fork+exec), so they get only stdin/stdout/stderr, the environment and
 * the descriptors the test leaves inheritable.  They answer one line per
 * command.  Other threads never assert: they record what they got.
 * Tests that use names run in a private registry (registry_private()).
 */
#include "helpers.h"

#include <libgen.h>
#include <pthread.h>
#include <sys/eventfd.h>

TestSuite(synch_dup, .fini = test_cleanup, .timeout = 60);
TestSuite(synch_same, .fini = test_cleanup, .timeout = 60);
TestSuite(synch_inherit, .fini = test_cleanup, .timeout = 60);
TestSuite(synch_token, .fini = test_cleanup, .timeout = 60);
TestSuite(synch_section_none, .fini = test_cleanup, .timeout = 60);
TestSuite(synch_fds, .fini = test_cleanup, .timeout = 60);

#define SSENTINEL ((mmf_sync *)(uintptr_t)0x5e5e5e50)
#define SECSENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)
#define TYPE_SENTINEL 0x5e5e

#define SYNC_NAME_PREFIX "mmfsh"
#include "sync_helpers.h"

/* sync_helpers.h defines more than this file needs. */
__attribute__((unused)) static void sync_helpers_used(void)
{
    (void)now_ms;
    (void)t_signal;
    (void)t_await;
    (void)m_signalled_within;
    (void)m_go;
    (void)t_acquire_and_exit;
    (void)t_hold_mutex;
    (void)fork_child;
    (void)reap_ok;
    prot_tables_used();
}

static const int all_types[3] = { MMF_SYNC_MUTEX, MMF_SYNC_SEMAPHORE, MMF_SYNC_EVENT };

static const char *type_name(int type)
{
    return type == MMF_SYNC_MUTEX ? "mutex" : type == MMF_SYNC_SEMAPHORE ? "semaphore" : "event";
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A new object of @type: a free mutex, a semaphore with count 1 (max 10),
 * a manual-reset event that is not signaled. */
static mmf_sync *obj_new(int type, const char *name)
{
    switch (type) {
    case MMF_SYNC_MUTEX:
        return mutex_new(0, name, 0);
    case MMF_SYNC_SEMAPHORE:
        return sem_new(1, 10, name, 0);
    default:
        return event_new(1, 0, name, 0);
    }
}

static mmf_sync *dup_ok(mmf_sync *h, unsigned access)
{
    mmf_sync *d = SSENTINEL;
    assert_rc(mmf_sync_dup(h, access, &d), 0);
    cr_assert_neq(d, SSENTINEL, "dup succeeded without writing its output");
    cr_assert_not_null(d);
    cr_assert_neq(d, h, "dup returned the same handle");
    return d;
}

static mmf_sync *open_ok(const char *name, int type, unsigned access)
{
    mmf_sync *h = SSENTINEL;
    assert_rc(mmf_sync_open(name, type, access, &h), 0);
    cr_assert_neq(h, SSENTINEL);
    return h;
}

/* The modify operation of @type through @h (release, post 1, set). */
static int modify_op(mmf_sync *h, int type)
{
    switch (type) {
    case MMF_SYNC_MUTEX:
        return mmf_mutex_release(h);
    case MMF_SYNC_SEMAPHORE:
        return mmf_semaphore_release(h, 1, NULL);
    default:
        return mmf_event_set(h);
    }
}

/* Asserts that @h can do nothing but be queried and closed: every wait
 * and every change is -EACCES. */
static void assert_no_rights(mmf_sync *h, int type)
{
    assert_rc(mmf_wait(h, 0), -EACCES);
    assert_rc(mmf_wait(h, 50), -EACCES);
    mmf_sync *one[1] = { h };
    assert_rc(mmf_wait_multiple(one, 1, 0, 0), -EACCES);
    assert_rc(mmf_wait_multiple(one, 1, 1, 0), -EACCES);
    switch (type) {
    case MMF_SYNC_MUTEX:
        assert_rc(mmf_mutex_release(h), -EACCES);
        break;
    case MMF_SYNC_SEMAPHORE: {
        uint32_t prev = 0xdead;
        assert_rc(mmf_semaphore_release(h, 1, &prev), -EACCES);
        cr_assert_eq(prev, 0xdead, "a denied release wrote its output");
        break;
    }
    default:
        assert_rc(mmf_event_set(h), -EACCES);
        assert_rc(mmf_event_reset(h), -EACCES);
        break;
    }
}

/* The sync-child program: next to $MMF_TEST_CHILD, else next to us. */
static const char *sync_child_program(void)
{
    static char path[PATH_MAX];
    cr_assert_not_null(sibling_child("sync-child", path),
                       "%s is missing (make build/tests/sync-child)", path);
    return path;
}

/* Starts sync-child with @args; it inherits our descriptors that are not
 * close-on-exec, except the @nclose ones in @closefds. */
static void sspawn(struct child *c, const int *closefds, int nclose, const char *const *args)
{
    const char *const prog[] = { sync_child_program(), NULL };
    child_spawn_cmd(c, prog, args, closefds, nclose);
}

#define sstart(c, ...) sspawn((c), NULL, 0, (const char *const[]){ __VA_ARGS__, NULL })
#define sstart_closing(c, fds, n, ...) \
    sspawn((c), (fds), (n), (const char *const[]){ __VA_ARGS__, NULL })

/* Decimal text of @v in a static ring of buffers (for child arguments). */
static const char *num_str(long long v)
{
    static char ring[16][24];
    static int next;
    char *b = ring[next++ % 16];
    snprintf(b, 24, "%lld", v);
    return b;
}

/* Asserts that the child rebuilt its handle, of @type. */
static void expect_inherit(struct child *c, int type)
{
    char want[64];
    snprintf(want, sizeof want, "inherit 0 %d", type);
    child_expect_line(c, want);
}

/* Asserts that the child could not rebuild a handle: -EBADF or -EINVAL
 * (@only, when not 0, is the one code allowed). */
static void expect_inherit_fails(struct child *c, int only)
{
    char line[256];
    child_line(c, line, sizeof line);
    int rc = 1, type = -1;
    cr_assert_eq(sscanf(line, "inherit %d %d", &rc, &type), 2, "child said \"%s\"", line);
    if (only)
        cr_assert_eq(rc, only, "the child's rebuild gave %d (%s), expected %d (%s)", rc,
                     mmf_strerror(rc), only, mmf_strerror(only));
    else
        cr_assert(rc == -EBADF || rc == -EINVAL,
                  "the child's rebuild gave %d (%s), expected -EBADF or -EINVAL", rc,
                  mmf_strerror(rc));
    cr_assert_eq(type, 0, "a failed rebuild reported type %d", type);
}

/* What a sync-child that inherits nothing of mmf's has open ("fdcount")
 * and would pass on through exec ("execfds", in *exec). */
static int baseline_fds(int *exec)
{
    struct child c;
    sstart(&c, "fdcount", "execfds");
    int n = child_count(&c, "fdcount");
    int e = child_count(&c, "execfds");
    child_end_ok(&c);
    if (exec)
        *exec = e;
    return n;
}

static int make_inheritable(mmf_sync *h)
{
    int fd = -1;
    assert_rc(mmf_sync_set_inheritable(h, 1, &fd), 0);
    cr_assert_geq(fd, 3, "set_inheritable gave descriptor %d", fd);
    return fd;
}

static int fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

/* 1 when @fd is open and would survive an exec. */
static int fd_inheritable(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && !(fl & FD_CLOEXEC);
}

/* Our descriptors that an exec would keep, in ascending order. */
static int list_inheritable(int *fds, int max)
{
    int all[MAX_FDS];
    int n = list_fds(all, MAX_FDS), k = 0;
    for (int i = 0; i < n; i++)
        if (fd_inheritable(all[i]) && k < max)
            fds[k++] = all[i];
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
            int t = fds[j];
            fds[j] = fds[j - 1];
            fds[j - 1] = t;
        }
    return k;
}

/*
 * Makes @h inheritable and finds the descriptors that became inheritable:
 * the token (returned) and, in @parts, the others in ascending order
 * (@nparts of them).
 */
static int make_inheritable_parts(mmf_sync *h, int *parts, int *nparts)
{
    int before[MAX_FDS], after[MAX_FDS], fresh[8];
    int nb = list_inheritable(before, MAX_FDS);
    int tok = make_inheritable(h);
    int na = list_inheritable(after, MAX_FDS);
    int n = new_fds(before, nb, after, na, fresh, 8);
    int k = 0, seen_tok = 0;
    for (int i = 0; i < n; i++) {
        if (fresh[i] == tok)
            seen_tok = 1;
        else
            parts[k++] = fresh[i];
    }
    cr_assert(seen_tok, "the token %d is not inheritable", tok);
    *nparts = k;
    return tok;
}

/* A memfd holding @len bytes of @buf (close-on-exec). */
static int memfd_with(const void *buf, size_t len)
{
    int fd = memfd_create("synch-test", MFD_CLOEXEC);
    cr_assert_geq(fd, 0, "memfd_create: %s", strerror(errno));
    if (len)
        pwrite_all(fd, buf, len, 0);
    return fd;
}

/* Reads the whole of a small descriptor @fd into @buf; returns its length. */
static size_t slurp(int fd, void *buf, size_t size)
{
    ssize_t n = pread(fd, buf, size, 0);
    cr_assert_gt(n, 0, "pread %d: %s", fd, n < 0 ? strerror(errno) : "empty");
    cr_assert_lt((size_t)n, size, "descriptor %d holds more than %zu bytes", fd, size);
    return (size_t)n;
}

/* Asserts that mmf_sync_from_fd_handle(@fd) fails with @want and writes
 * nothing; the descriptor stays open when it was. */
static void assert_not_a_sync_token(int fd, int want)
{
    int was_open = fd_is_open(fd);
    mmf_sync *h = SSENTINEL;
    int type = TYPE_SENTINEL;
    assert_rc(mmf_sync_from_fd_handle(fd, &type, &h), want);
    cr_assert_eq(h, SSENTINEL, "a failed rebuild wrote its handle");
    cr_assert_eq(type, TYPE_SENTINEL, "a failed rebuild wrote its type");
    cr_assert_eq(fd_is_open(fd), was_open, "a failed rebuild closed descriptor %d", fd);
}

/* ================================================================== */
/* mmf_sync_dup                                                        */
/* ================================================================== */

Test(synch_dup, event_state_is_shared)
{
    registry_private(0755);
    /* Auto-reset: a set through one handle is consumed by one wait
     * through either. */
    mmf_sync *e = event_new(0, 0, NULL, 0);
    mmf_sync *d = dup_ok(e, 0);
    assert_rc(mmf_wait(d, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e), 0);
    assert_rc(mmf_wait(d, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT); /* consumed through the dup */
    assert_rc(mmf_event_set(d), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(d, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(e), 0);
    assert_rc(mmf_event_reset(d), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT); /* reset through the dup */
    sclose(e);
    /* The dup lives on its own. */
    assert_rc(mmf_event_set(d), 0);
    assert_rc(mmf_wait(d, 0), MMF_WAIT_OBJECT_0);
    sclose(d);

    /* Manual reset: stays signaled for both. */
    mmf_sync *m = event_new(1, 0, NULL, 0);
    mmf_sync *md = dup_ok(m, 0);
    assert_rc(mmf_event_set(md), 0);
    for (int i = 0; i < 3; i++) {
        assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
        assert_rc(mmf_wait(md, 0), MMF_WAIT_OBJECT_0);
    }
    assert_rc(mmf_event_reset(m), 0);
    assert_rc(mmf_wait(md, 0), MMF_WAIT_TIMEOUT);
    sclose(md);
    sclose(m);
    assert_registry_empty();
}

Test(synch_dup, semaphore_count_is_shared)
{
    registry_private(0755);
    mmf_sync *s = sem_new(2, 5, NULL, 0);
    mmf_sync *d = dup_ok(s, 0);
    assert_rc(mmf_wait(d, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(d, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_TIMEOUT);
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(d, 3, &prev), 0);
    cr_assert_eq(prev, 0, "prev %u through the dup, expected 0", prev);
    /* The maximum is the object's: 3 + 3 > 5 through the other handle. */
    assert_rc(mmf_semaphore_release(s, 3, &prev), MMF_ETOOMANYPOSTS);
    assert_rc(mmf_semaphore_release(s, 2, &prev), 0);
    cr_assert_eq(prev, 3, "prev %u through the original, expected 3", prev);
    assert_rc(mmf_semaphore_release(d, 1, NULL), MMF_ETOOMANYPOSTS);
    /* A dup of a dup counts the same. */
    mmf_sync *dd = dup_ok(d, 0);
    sclose(d);
    assert_sem_count(dd, 5);
    assert_sem_count(s, 0);
    sclose(dd);
    sclose(s);
    assert_registry_empty();
}

Test(synch_dup, mutex_owned_through_both)
{
    registry_private(0755);
    char name[256];
    for (int named = 0; named < 2; named++) {
        mmf_sync *m = mutex_new(0, named ? nm(name, "mx") : NULL, 0);
        mmf_sync *d = dup_ok(m, 0);
        assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
        /* The same thread owns it through the other handle: recursion. */
        assert_rc(mmf_wait(d, 0), MMF_WAIT_OBJECT_0);
        assert_other_thread_times_out(d);
        assert_other_thread_times_out(m);
        assert_rc(mmf_mutex_release(d), 0);
        assert_other_thread_times_out(d); /* still owned once */
        assert_rc(mmf_mutex_release(d), 0);
        assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
        assert_rc(mmf_mutex_release(d), MMF_ENOTOWNER);
        assert_other_thread_acquires(d);
        assert_other_thread_acquires(m);
        sclose(d);
        sclose(m);
        if (named)
            assert_gone(name, MMF_SYNC_MUTEX);
    }
    /* Created owned: owned through the dup too. */
    mmf_sync *o = mutex_new(1, NULL, 0);
    mmf_sync *od = dup_ok(o, 0);
    assert_other_thread_times_out(od);
    assert_rc(mmf_mutex_release(od), 0);
    assert_other_thread_acquires(o);
    sclose(o);
    sclose(od);
    assert_registry_empty();
}

/* Thread: signal, then wait on h forever and record. */
static void *t_signal_then_wait(void *p)
{
    struct tctx *t = p;
    t_signal(t);
    t->rc[0] = mmf_wait(t->h, MMF_INFINITE);
    return NULL;
}

Test(synch_dup, waiter_on_dup_woken_through_original)
{
    registry_private(0755);
    for (int i = 0; i < 3; i++) {
        int type = all_types[i];
        mmf_sync *h = type == MMF_SYNC_SEMAPHORE ? sem_new(0, 10, NULL, 0)
                    : type == MMF_SYNC_EVENT     ? event_new(0, 0, NULL, 0)
                                                 : mutex_new(1, NULL, 0);
        mmf_sync *d = dup_ok(h, 0);
        struct tctx t;
        t_start(&t, t_signal_then_wait, d);
        m_await(&t);
        assert_rc(modify_op(h, type), 0);
        t_join(&t);
        cr_assert_eq(t.rc[0], MMF_WAIT_OBJECT_0, "%s: the waiter on the dup got %d (%s)",
                     type_name(type), t.rc[0], mmf_strerror(t.rc[0]));
        if (type == MMF_SYNC_MUTEX) /* the waiter exited owning it */
            assert_rc(mmf_wait(h, 5000), MMF_WAIT_ABANDONED);
        else
            assert_rc(mmf_wait(h, 0), MMF_WAIT_TIMEOUT); /* consumed by the waiter */
        sclose(d);
        sclose(h);
    }
}

Test(synch_dup, wait_only)
{
    registry_private(0755);
    /* Mutex: it can acquire, not release. */
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *mw = dup_ok(m, MMF_SYNC_ACCESS_WAIT);
    assert_rc(mmf_wait(mw, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(mw), -EACCES);
    assert_other_thread_times_out(m); /* the denied release changed nothing */
    assert_other_thread_times_out(mw);
    assert_rc(mmf_mutex_release(m), 0);
    assert_other_thread_acquires(m);
    mmf_sync *mw2 = dup_ok(mw, 0); /* 0: the same (reduced) rights */
    assert_rc(mmf_wait(mw2, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(mw2), -EACCES);
    assert_rc(mmf_mutex_release(m), 0);
    sclose(mw2);
    sclose(mw);
    sclose(m);

    /* Semaphore. */
    mmf_sync *s = sem_new(1, 3, NULL, 0);
    mmf_sync *sw = dup_ok(s, MMF_SYNC_ACCESS_WAIT);
    uint32_t prev = 77;
    assert_rc(mmf_semaphore_release(sw, 1, &prev), -EACCES);
    cr_assert_eq(prev, 77);
    assert_rc(mmf_wait(sw, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(s, 0), MMF_WAIT_TIMEOUT); /* the count was 1: no post got in */
    mmf_sync *one[1] = { sw };
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    assert_rc(mmf_wait_multiple(one, 1, 1, 0), MMF_WAIT_OBJECT_0);
    sclose(sw);
    sclose(s);

    /* Event. */
    mmf_sync *e = event_new(1, 1, NULL, 0);
    mmf_sync *ew = dup_ok(e, MMF_SYNC_ACCESS_WAIT);
    assert_rc(mmf_event_reset(ew), -EACCES);
    assert_rc(mmf_wait(ew, 0), MMF_WAIT_OBJECT_0); /* still set */
    assert_rc(mmf_event_reset(e), 0);
    assert_rc(mmf_event_set(ew), -EACCES);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT); /* still not set */
    assert_rc(mmf_wait(ew, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
    sclose(ew);
    assert_registry_empty();
}

Test(synch_dup, modify_only)
{
    registry_private(0755);
    /* Semaphore: posts land, waits are denied and take nothing. */
    mmf_sync *s = sem_new(1, 5, NULL, 0);
    mmf_sync *sm = dup_ok(s, MMF_SYNC_ACCESS_MODIFY);
    assert_rc(mmf_wait(sm, 0), -EACCES);
    assert_rc(mmf_wait(sm, 20), -EACCES);
    mmf_sync *pair[2] = { s, sm };
    assert_rc(mmf_wait_multiple(pair, 2, 0, 0), -EACCES);
    assert_rc(mmf_wait_multiple(pair, 2, 1, 0), -EACCES);
    uint32_t prev = 99;
    assert_rc(mmf_semaphore_release(sm, 2, &prev), 0);
    cr_assert_eq(prev, 1, "the denied waits took a count (prev %u)", prev);
    assert_sem_count(s, 3);
    sclose(sm);
    sclose(s);

    /* Event. */
    mmf_sync *e = event_new(0, 0, NULL, 0);
    mmf_sync *em = dup_ok(e, MMF_SYNC_ACCESS_MODIFY);
    assert_rc(mmf_event_set(em), 0);
    assert_rc(mmf_wait(em, 0), -EACCES);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0); /* the denied wait consumed nothing */
    assert_rc(mmf_event_set(em), 0);
    assert_rc(mmf_event_reset(em), 0);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(em);
    sclose(e);

    /* Mutex: cannot be acquired through it, but the owner thread may
     * release through it (ownership is the thread's, not the handle's). */
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *mm = dup_ok(m, MMF_SYNC_ACCESS_MODIFY);
    assert_rc(mmf_wait(mm, 0), -EACCES);
    assert_other_thread_acquires(m); /* the denied wait did not take it */
    assert_rc(mmf_mutex_release(mm), MMF_ENOTOWNER);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(mm), 0);
    assert_other_thread_acquires(m);
    sclose(mm);
    sclose(m);
    assert_registry_empty();
}

Test(synch_dup, access_none)
{
    registry_private(0755);
    char name[256];
    for (int named = 0; named < 2; named++)
        for (int i = 0; i < 3; i++) {
            int type = all_types[i];
            mmf_sync *h = obj_new(type, named ? nm(name, type_name(type)) : NULL);
            if (type == MMF_SYNC_EVENT)
                assert_rc(mmf_event_set(h), 0);
            mmf_sync *n = dup_ok(h, MMF_ACCESS_NONE);
            assert_no_rights(n, type);
            assert_rc(mmf_sync_same(n, h), 1);
            /* 0 keeps its (no) rights; no right can be added back. */
            mmf_sync *n2 = dup_ok(n, 0);
            assert_no_rights(n2, type);
            mmf_sync *n3 = dup_ok(n, MMF_ACCESS_NONE);
            assert_no_rights(n3, type);
            static const unsigned more[] = { MMF_SYNC_ACCESS_WAIT, MMF_SYNC_ACCESS_MODIFY,
                                             MMF_SYNC_ACCESS_ALL };
            for (size_t k = 0; k < sizeof more / sizeof more[0]; k++) {
                mmf_sync *x = SSENTINEL;
                assert_rc(mmf_sync_dup(n, more[k], &x), -EACCES);
                cr_assert_eq(x, SSENTINEL, "a failed dup wrote its output");
            }
            /* The object is untouched: a mutex free, the count 1, the event set. */
            if (type == MMF_SYNC_MUTEX) {
                assert_other_thread_acquires(h);
            } else if (type == MMF_SYNC_SEMAPHORE) {
                assert_sem_count(h, 1);
            } else {
                assert_rc(mmf_wait(h, 0), MMF_WAIT_OBJECT_0);
            }
            if (named) {
                /* It holds the name alone. */
                sclose(h);
                mmf_sync *o = open_ok(name, type, MMF_SYNC_ACCESS_ALL);
                assert_rc(mmf_sync_same(o, n), 1);
                sclose(o);
                sclose(n);
                sclose(n2);
                o = open_ok(name, type, MMF_SYNC_ACCESS_WAIT); /* n3 holds it */
                sclose(o);
                sclose(n3);
                assert_gone(name, type);
            } else {
                sclose(n3);
                sclose(n2);
                sclose(n);
                sclose(h);
            }
        }
    assert_registry_empty();
}

Test(synch_dup, more_rights_than_source)
{
    registry_private(0755);
    char name[256];
    nm(name, "more");
    mmf_sync *e = event_new(1, 0, name, 0);
    mmf_sync *w = dup_ok(e, MMF_SYNC_ACCESS_WAIT);
    mmf_sync *m = dup_ok(e, MMF_SYNC_ACCESS_MODIFY);
    mmf_sync *ow = open_ok(name, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_WAIT);
    struct {
        mmf_sync *h;
        unsigned  denied, allowed;
    } cases[] = {
        { w, MMF_SYNC_ACCESS_MODIFY, MMF_SYNC_ACCESS_WAIT },
        { w, MMF_SYNC_ACCESS_ALL, MMF_SYNC_ACCESS_WAIT },
        { m, MMF_SYNC_ACCESS_WAIT, MMF_SYNC_ACCESS_MODIFY },
        { m, MMF_SYNC_ACCESS_ALL, MMF_SYNC_ACCESS_MODIFY },
        { ow, MMF_SYNC_ACCESS_MODIFY, MMF_SYNC_ACCESS_WAIT },
        { ow, MMF_SYNC_ACCESS_ALL, MMF_SYNC_ACCESS_WAIT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mmf_sync *x = SSENTINEL;
        assert_rc(mmf_sync_dup(cases[i].h, cases[i].denied, &x), -EACCES);
        cr_assert_eq(x, SSENTINEL, "a failed dup wrote its output");
        mmf_sync *ok = dup_ok(cases[i].h, cases[i].allowed);
        sclose(ok);
    }
    /* The denied dups changed nothing: the rights are still what they were. */
    assert_rc(mmf_event_set(w), -EACCES);
    assert_rc(mmf_wait(m, 0), -EACCES);
    assert_rc(mmf_event_set(m), 0);
    assert_rc(mmf_wait(w, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(ow, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_event_reset(ow), -EACCES);
    /* The full handle can give any subset. */
    static const unsigned subsets[] = { 0, MMF_SYNC_ACCESS_WAIT, MMF_SYNC_ACCESS_MODIFY,
                                        MMF_SYNC_ACCESS_ALL, MMF_ACCESS_NONE };
    for (size_t i = 0; i < sizeof subsets / sizeof subsets[0]; i++)
        sclose(dup_ok(e, subsets[i]));
    sclose(ow);
    sclose(m);
    sclose(w);
    sclose(e);
    assert_gone(name, MMF_SYNC_EVENT);
}

Test(synch_dup, bad_arguments)
{
    registry_private(0755);
    mmf_sync *s = sem_new(1, 4, NULL, 0);
    mmf_sync *x = SSENTINEL;
    assert_rc(mmf_sync_dup(NULL, 0, &x), -EBADF);
    assert_rc(mmf_sync_dup(NULL, MMF_SYNC_ACCESS_WAIT, &x), -EBADF);
    cr_assert_eq(x, SSENTINEL);
    assert_rc(mmf_sync_dup(s, 0, NULL), -EINVAL);
    assert_rc(mmf_sync_dup(s, MMF_SYNC_ACCESS_WAIT, NULL), -EINVAL);
    assert_rc(mmf_sync_dup(s, MMF_ACCESS_NONE, NULL), -EINVAL);
    static const unsigned unknown[] = { 0x4, 0x8, 0x10, 0x80, 0x200, 0x7, 0x101 | 0x4,
                                        0x80000000u, 0xffffffffu };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        x = SSENTINEL;
        int rc = mmf_sync_dup(s, unknown[i], &x);
        cr_assert_eq(rc, -EINVAL, "dup with access %#x: %d (%s), expected -EINVAL",
                     unknown[i], rc, mmf_strerror(rc));
        cr_assert_eq(x, SSENTINEL, "a failed dup wrote its output");
    }
    /* The source is unharmed. */
    assert_sem_count(s, 1);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    mmf_sync *d = dup_ok(s, 0);
    assert_sem_count(d, 1);
    sclose(d);
    sclose(s);
}

Test(synch_dup, named_dup_keeps_name)
{
    registry_private(0755);
    char name[256];
    for (int i = 0; i < 3; i++) {
        int type = all_types[i];
        nm(name, type_name(type));
        mmf_sync *h = obj_new(type, name);
        mmf_sync *d = dup_ok(h, 0);
        sclose(h);
        /* The dup alone holds the name. */
        mmf_sync *o = open_ok(name, type, MMF_SYNC_ACCESS_ALL);
        assert_rc(mmf_sync_same(o, d), 1);
        if (type == MMF_SYNC_SEMAPHORE) {
            assert_rc(mmf_semaphore_release(d, 2, NULL), 0);
            assert_sem_count(o, 3);
        } else if (type == MMF_SYNC_EVENT) {
            assert_rc(mmf_event_set(d), 0);
            assert_rc(mmf_wait(o, 0), MMF_WAIT_OBJECT_0);
        } else {
            assert_rc(mmf_wait(d, 0), MMF_WAIT_OBJECT_0);
            assert_other_thread_times_out(o);
            assert_rc(mmf_mutex_release(o), 0);
        }
        sclose(o);
        /* Creating the name again opens the same object. */
        mmf_sync *again = NULL;
        mmf_create_options opt = named_opt(name);
        int rc = type == MMF_SYNC_MUTEX       ? mmf_mutex_create(0, &opt, &again)
                 : type == MMF_SYNC_SEMAPHORE ? mmf_semaphore_create(0, 10, &opt, &again)
                                              : mmf_event_create(1, 0, &opt, &again);
        assert_rc(rc, MMF_EXISTED);
        assert_rc(mmf_sync_same(again, d), 1);
        sclose(again);
        mmf_sync *still = open_ok(name, type, MMF_SYNC_ACCESS_WAIT);
        sclose(still);
        sclose(d);
        assert_gone(name, type);
    }
    assert_registry_empty();
}

Test(synch_dup, named_original_keeps_name_and_chain)
{
    registry_private(0755);
    char name[256];
    nm(name, "chain");
    mmf_sync *h = sem_new(0, 100, name, 0);
    /* A chain of dups, each from the previous one, closed out of order. */
    mmf_sync *d[6];
    d[0] = dup_ok(h, 0);
    for (int i = 1; i < 6; i++)
        d[i] = dup_ok(d[i - 1], i % 2 ? MMF_SYNC_ACCESS_ALL : 0);
    for (int i = 0; i < 6; i++)
        assert_rc(mmf_semaphore_release(d[i], 1, NULL), 0);
    static const int order[6] = { 3, 0, 5, 1, 4, 2 };
    for (int i = 0; i < 6; i++) {
        sclose(d[order[i]]);
        mmf_sync *o = open_ok(name, MMF_SYNC_SEMAPHORE, MMF_SYNC_ACCESS_ALL);
        sclose(o);
    }
    assert_sem_count(h, 6);
    sclose(h);
    assert_gone(name, MMF_SYNC_SEMAPHORE);
    assert_registry_empty();
}

Test(synch_dup, wait_multiple_on_dups)
{
    registry_private(0755);
    /* Wait-any over an object and a dup of another. */
    mmf_sync *a = event_new(0, 0, NULL, 0);
    mmf_sync *b = sem_new(0, 5, NULL, 0);
    mmf_sync *bd = dup_ok(b, MMF_SYNC_ACCESS_WAIT);
    mmf_sync *set[2] = { a, bd };
    assert_rc(mmf_wait_multiple(set, 2, 0, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_semaphore_release(b, 1, NULL), 0);
    assert_rc(mmf_wait_multiple(set, 2, 0, 0), MMF_WAIT_OBJECT_0 + 1);
    assert_rc(mmf_wait(b, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_event_set(a), 0);
    assert_rc(mmf_semaphore_release(b, 1, NULL), 0);
    assert_rc(mmf_wait_multiple(set, 2, 1, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(a, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(b, 0), MMF_WAIT_TIMEOUT);
    sclose(bd);
    sclose(b);
    sclose(a);
}

/* ================================================================== */
/* mmf_sync_same                                                       */
/* ================================================================== */

Test(synch_same, dups_names_and_different_objects)
{
    registry_private(0755);
    char n1[256], n2[256];
    nm(n1, "one");
    nm(n2, "two");
    mmf_sync *u1 = event_new(1, 0, NULL, 0);
    mmf_sync *u2 = event_new(1, 0, NULL, 0);
    mmf_sync *ud = dup_ok(u1, MMF_SYNC_ACCESS_WAIT);
    mmf_sync *udd = dup_ok(ud, MMF_ACCESS_NONE);
    assert_rc(mmf_sync_same(u1, u1), 1);
    assert_rc(mmf_sync_same(u1, ud), 1);
    assert_rc(mmf_sync_same(ud, u1), 1);
    assert_rc(mmf_sync_same(udd, u1), 1);
    assert_rc(mmf_sync_same(u1, u2), 0);
    assert_rc(mmf_sync_same(ud, u2), 0);

    mmf_sync *c1 = event_new(1, 0, n1, 0);
    mmf_sync *o1 = open_ok(n1, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_WAIT);
    mmf_sync *e1 = event_new(0, 1, n1, MMF_EXISTED);
    mmf_sync *c2 = event_new(1, 0, n2, 0);
    assert_rc(mmf_sync_same(c1, o1), 1);
    assert_rc(mmf_sync_same(o1, c1), 1);
    assert_rc(mmf_sync_same(e1, o1), 1);
    assert_rc(mmf_sync_same(c1, c2), 0);
    assert_rc(mmf_sync_same(o1, c2), 0);
    assert_rc(mmf_sync_same(c1, u1), 0);
    /* Same answers while the objects are in use. */
    assert_rc(mmf_event_set(c1), 0);
    assert_rc(mmf_sync_same(c1, o1), 1);
    assert_rc(mmf_wait(o1, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(c2, 0), MMF_WAIT_TIMEOUT);

    /* Objects of different types. */
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *s = sem_new(0, 1, NULL, 0);
    assert_rc(mmf_sync_same(m, s), 0);
    assert_rc(mmf_sync_same(m, u1), 0);
    assert_rc(mmf_sync_same(s, c1), 0);

    /* Many unnamed objects: all pairwise different. */
    mmf_sync *many[8];
    for (int i = 0; i < 8; i++)
        many[i] = sem_new(0, 1, NULL, 0);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            assert_rc(mmf_sync_same(many[i], many[j]), i == j);
    for (int i = 0; i < 8; i++)
        sclose(many[i]);

    /* Bad handles. */
    assert_rc(mmf_sync_same(NULL, u1), -EBADF);
    assert_rc(mmf_sync_same(u1, NULL), -EBADF);
    assert_rc(mmf_sync_same(NULL, NULL), -EBADF);

    mmf_sync *all[] = { u1, u2, ud, udd, c1, o1, e1, c2, m, s };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sclose(all[i]);
    assert_registry_empty();
}

/* ================================================================== */
/* Inheritance through exec                                            */
/* ================================================================== */

Test(synch_inherit, event_unnamed_both_ways)
{
    registry_private(0755);
    mmf_sync *e = event_new(0, 0, NULL, 0);
    int fd = make_inheritable(e);
    cr_assert(fd_inheritable(fd), "the token %d is not inheritable", fd);
    struct child c;
    sstart(&c, "inherit", num_str(fd), "wait", "inf", "set");
    expect_inherit(&c, MMF_SYNC_EVENT);
    assert_rc(mmf_event_set(e), 0);
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0); /* the child consumed our set */
    child_expect(&c, "set", 0);
    child_end_ok(&c);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0); /* the child's set */
    assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
    sclose(e);
}

Test(synch_inherit, semaphore_unnamed_child_posts)
{
    registry_private(0755);
    mmf_sync *s = sem_new(0, 10, NULL, 0);
    int fd = make_inheritable(s);
    struct child c;
    sstart(&c, "inherit", num_str(fd), "post", "3", "wait", "0", "post", "20", "hold", "wait",
           "inf");
    expect_inherit(&c, MMF_SYNC_SEMAPHORE);
    child_expect_line(&c, "post 0 0");
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_expect(&c, "post", MMF_ETOOMANYPOSTS); /* the maximum is the object's */
    child_ready(&c);
    assert_sem_count(s, 2);
    /* The child now waits; our post wakes it. */
    child_go(&c);
    assert_rc(mmf_semaphore_release(s, 1, NULL), 0);
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_end_ok(&c);
    assert_sem_count(s, 0);
    sclose(s);
}

Test(synch_inherit, mutex_unnamed_owned_then_abandoned)
{
    registry_private(0755);
    mmf_sync *m = mutex_new(0, NULL, 0);
    int fd = make_inheritable(m);
    struct child c;
    sstart(&c, "inherit", num_str(fd), "wait", "0", "hold", "release", "wait", "0", "wait",
           "0", "hold");
    expect_inherit(&c, MMF_SYNC_MUTEX);
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_ready(&c);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_mutex_release(m), MMF_ENOTOWNER);
    child_go(&c);
    child_expect(&c, "release", 0);
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_ready(&c);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_TIMEOUT);
    /* The child exits owning it (twice): abandoned, to us. */
    child_end_ok(&c);
    assert_rc(mmf_wait(m, 10000), MMF_WAIT_ABANDONED);
    assert_rc(mmf_mutex_release(m), 0);
    assert_rc(mmf_wait(m, 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(m), 0);
    sclose(m);
}

/* A named object of @type, inherited by a child: the child holds the
 * name after the parent closed every handle. */
static void named_inherit(int type)
{
    registry_private(0755);
    char name[256];
    nm(name, type_name(type));
    mmf_sync *h = type == MMF_SYNC_SEMAPHORE ? sem_new(0, 10, name, 0)
                : type == MMF_SYNC_EVENT     ? event_new(1, 0, name, 0)
                                             : mutex_new(0, name, 0);
    int fd = make_inheritable(h);
    struct child c;
    const char *op = type == MMF_SYNC_MUTEX ? "wait" : type == MMF_SYNC_SEMAPHORE ? "post" : "set";
    if (type == MMF_SYNC_SEMAPHORE)
        sstart(&c, "inherit", num_str(fd), "hold", "post", "2", "hold");
    else if (type == MMF_SYNC_MUTEX)
        sstart(&c, "inherit", num_str(fd), "hold", "wait", "0", "hold");
    else
        sstart(&c, "inherit", num_str(fd), "hold", "set", "hold");
    expect_inherit(&c, type);
    child_ready(&c);
    sclose(h);
    cr_assert(!fd_is_open(fd), "closing the handle left its token %d open", fd);
    /* Only the child holds it now. */
    mmf_sync *o = open_ok(name, type, MMF_SYNC_ACCESS_ALL);
    child_go(&c);
    child_expect(&c, op, 0);
    child_ready(&c);
    if (type == MMF_SYNC_SEMAPHORE) {
        assert_sem_count(o, 2);
    } else if (type == MMF_SYNC_EVENT) {
        assert_rc(mmf_wait(o, 0), MMF_WAIT_OBJECT_0);
    } else {
        assert_rc(mmf_wait(o, 0), MMF_WAIT_TIMEOUT);
    }
    sclose(o);
    o = open_ok(name, type, MMF_SYNC_ACCESS_WAIT);
    sclose(o);
    child_end_ok(&c);
    assert_gone(name, type);
    assert_registry_empty();
}

Test(synch_inherit, named_mutex_child_holds_name)
{
    named_inherit(MMF_SYNC_MUTEX);
}

Test(synch_inherit, named_semaphore_child_holds_name)
{
    named_inherit(MMF_SYNC_SEMAPHORE);
}

Test(synch_inherit, named_event_child_holds_name)
{
    named_inherit(MMF_SYNC_EVENT);
}

Test(synch_inherit, named_child_killed_releases_name)
{
    registry_private(0755);
    char name[256];
    nm(name, "killed");
    mmf_sync *h = mutex_new(0, name, 0);
    int fd = make_inheritable(h);
    struct child c;
    sstart(&c, "inherit", num_str(fd), "wait", "0", "hold");
    expect_inherit(&c, MMF_SYNC_MUTEX);
    child_expect(&c, "wait", 0);
    child_ready(&c);
    sclose(h);
    mmf_sync *o = open_ok(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL);
    int st = child_kill(&c);
    cr_assert(killed_by(st, SIGKILL));
    assert_rc(mmf_wait(o, 10000), MMF_WAIT_ABANDONED);
    assert_rc(mmf_mutex_release(o), 0);
    sclose(o);
    assert_gone(name, MMF_SYNC_MUTEX);
}

Test(synch_inherit, rights_are_carried)
{
    registry_private(0755);
    /* Wait only: the child can wait, not set. */
    mmf_sync *e = event_new(1, 1, NULL, 0);
    mmf_sync *ew = dup_ok(e, MMF_SYNC_ACCESS_WAIT);
    int fw = make_inheritable(ew);
    struct child c;
    sstart(&c, "inherit", num_str(fw), "reset", "set", "wait", "0");
    expect_inherit(&c, MMF_SYNC_EVENT);
    child_expect(&c, "reset", -EACCES);
    child_expect(&c, "set", -EACCES);
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_end_ok(&c);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0); /* the denied reset changed nothing */

    /* Modify only: the child can post, not wait. */
    mmf_sync *s = sem_new(1, 5, NULL, 0);
    mmf_sync *sm = dup_ok(s, MMF_SYNC_ACCESS_MODIFY);
    int fm = make_inheritable(sm);
    sstart(&c, "inherit", num_str(fm), "wait", "0", "post", "1");
    expect_inherit(&c, MMF_SYNC_SEMAPHORE);
    child_expect(&c, "wait", -EACCES);
    child_expect_line(&c, "post 0 1");
    child_end_ok(&c);
    assert_sem_count(s, 2);

    /* No rights: nothing but close. */
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *mn = dup_ok(m, MMF_ACCESS_NONE);
    int fn = make_inheritable(mn);
    sstart(&c, "inherit", num_str(fn), "wait", "0", "release", "close");
    expect_inherit(&c, MMF_SYNC_MUTEX);
    child_expect(&c, "wait", -EACCES);
    child_expect(&c, "release", -EACCES);
    child_expect(&c, "close", 0);
    child_end_ok(&c);
    assert_other_thread_acquires(m);

    /* The full rights of a created handle go too. */
    mmf_sync *full = sem_new(0, 5, NULL, 0);
    int ff = make_inheritable(full);
    sstart(&c, "inherit", num_str(ff), "post", "2", "wait", "0");
    expect_inherit(&c, MMF_SYNC_SEMAPHORE);
    child_expect_line(&c, "post 0 0");
    child_expect(&c, "wait", MMF_WAIT_OBJECT_0);
    child_end_ok(&c);
    assert_sem_count(full, 1);

    sclose(full);
    sclose(mn);
    sclose(m);
    sclose(sm);
    sclose(s);
    sclose(ew);
    sclose(e);
}

Test(synch_inherit, several_handles_one_child_types_and_fds)
{
    registry_private(0755);
    char name[256], missing[256];
    nm(name, "several");
    nm(missing, "missing");
    mmf_sync *m = mutex_new(0, NULL, 0);
    mmf_sync *s = sem_new(0, 3, name, 0);
    mmf_sync *e = event_new(1, 0, NULL, 0);
    /* The children look a name up first, so that what the registry keeps
     * open for a process (its directory) is in the baseline too. */
    struct child c;
    sstart(&c, "open", "event", missing, "fdcount", "execfds");
    child_expect(&c, "open", MMF_ENOTFOUND);
    int base = child_count(&c, "fdcount");
    int base_exec = child_count(&c, "execfds");
    child_end_ok(&c);
    int fm = make_inheritable(m), fs = make_inheritable(s), fe = make_inheritable(e);
    cr_assert(fm != fs && fs != fe && fm != fe);
    sstart(&c, "open", "event", missing, "execfds", "inherit", num_str(fe), "inherit", num_str(fs), "inherit",
           num_str(fm), "execfds", "fdcount", "close", "close", "close", "fdcount", "execfds");
    child_expect(&c, "open", MMF_ENOTFOUND);
    /* Inherited: 2 descriptors per unnamed object, 3 per named one. */
    int exec0 = child_count(&c, "execfds");
    cr_assert_eq(exec0, base_exec + 7, "the child inherited %d descriptors, expected %d",
                 exec0 - base_exec, 7);
    expect_inherit(&c, MMF_SYNC_EVENT);
    expect_inherit(&c, MMF_SYNC_SEMAPHORE);
    expect_inherit(&c, MMF_SYNC_MUTEX);
    /* Rebuilt: the tokens are closed, the rest is close-on-exec. */
    int exec1 = child_count(&c, "execfds");
    cr_assert_eq(exec1, base_exec, "with its handles the child would pass on %d descriptors, "
                 "%d without", exec1, base_exec);
    int open1 = child_count(&c, "fdcount");
    cr_assert_eq(open1, base + 4, "the child's three handles hold %d descriptors, expected 4",
                 open1 - base);
    child_expect(&c, "close", 0);
    child_expect(&c, "close", 0);
    child_expect(&c, "close", 0);
    int open2 = child_count(&c, "fdcount");
    cr_assert_eq(open2, base, "after closing its handles the child has %d descriptors, %d "
                 "without", open2, base);
    cr_assert_eq(child_count(&c, "execfds"), base_exec);
    child_end_ok(&c);
    sclose(m);
    sclose(s);
    sclose(e);
    assert_gone(name, MMF_SYNC_SEMAPHORE);
}

Test(synch_inherit, not_inheritable_by_default)
{
    registry_private(0755);
    int base_exec;
    int base = baseline_fds(&base_exec);
    char name[256];
    mmf_sync *h[12];
    int n = 0;
    for (int i = 0; i < 3; i++) {
        h[n++] = obj_new(all_types[i], NULL);
        h[n++] = obj_new(all_types[i], nm(name, type_name(all_types[i])));
    }
    for (int i = 0; i < 6; i++)
        h[n++] = dup_ok(h[i], i % 2 ? MMF_ACCESS_NONE : MMF_SYNC_ACCESS_WAIT);
    struct child c;
    sstart(&c, "fdcount", "execfds");
    int got = child_count(&c, "fdcount");
    int got_exec = child_count(&c, "execfds");
    child_end_ok(&c);
    cr_assert_eq(got, base, "a child got %d descriptors, %d without sync handles", got, base);
    cr_assert_eq(got_exec, base_exec);

    /* One named handle made inheritable leaks nothing of the others. */
    int fd = make_inheritable(h[1]);
    sstart(&c, "fdcount", "inherit", num_str(fd), "fdcount");
    got = child_count(&c, "fdcount");
    cr_assert_eq(got, base + 3, "a child got %d descriptors with one named handle, "
                 "expected %d", got, base + 3);
    expect_inherit(&c, MMF_SYNC_MUTEX);
    cr_assert_eq(child_count(&c, "fdcount"), base + 2);
    child_end_ok(&c);
    for (int i = n - 1; i >= 0; i--)
        sclose(h[i]);
    assert_registry_empty();
}

Test(synch_inherit, made_non_inheritable_again)
{
    registry_private(0755);
    int base = baseline_fds(NULL);
    char name[256];
    for (int named = 0; named < 2; named++) {
        mmf_sync *e = event_new(1, 1, named ? nm(name, "again") : NULL, 0);
        int before[MAX_FDS], after[MAX_FDS];
        int nb = list_inheritable(before, MAX_FDS);
        int all_before = count_fds();
        int parts[8], nparts;
        int fd = make_inheritable_parts(e, parts, &nparts);
        cr_assert_eq(nparts, named ? 2 : 1, "%d descriptors besides the token", nparts);
        cr_assert_eq(count_fds(), all_before + 1 + nparts);
        assert_rc(mmf_sync_set_inheritable(e, 0, NULL), 0);
        /* Every inheritable copy is closed. */
        cr_assert_eq(fcntl(fd, F_GETFD), -1, "the token %d is still open", fd);
        cr_assert_eq(errno, EBADF);
        for (int i = 0; i < nparts; i++)
            cr_assert_eq(fcntl(parts[i], F_GETFD), -1, "descriptor %d is still open", parts[i]);
        int na = list_inheritable(after, MAX_FDS);
        cr_assert_eq(na, nb, "%d inheritable descriptors, %d before", na, nb);
        cr_assert_eq(count_fds(), all_before);
        assert_rc(mmf_sync_set_inheritable(e, 0, NULL), 0); /* again: nothing to do */

        /* A child told the old number has nothing there. */
        struct child c;
        sstart(&c, "inherit", num_str(fd), "fdcount");
        expect_inherit_fails(&c, 0);
        cr_assert_eq(child_count(&c, "fdcount"), base);
        child_end_ok(&c);

        /* The handle itself still works, and can be made inheritable anew. */
        assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
        int fd2 = make_inheritable(e);
        sstart(&c, "inherit", num_str(fd2), "reset");
        expect_inherit(&c, MMF_SYNC_EVENT);
        child_expect(&c, "reset", 0);
        child_end_ok(&c);
        assert_rc(mmf_wait(e, 0), MMF_WAIT_TIMEOUT);
        sclose(e);
        cr_assert(!fd_is_open(fd2), "closing the handle left its token %d open", fd2);
        if (named)
            assert_gone(name, MMF_SYNC_EVENT);
    }
}

Test(synch_inherit, child_without_the_token)
{
    registry_private(0755);
    char name[256];
    nm(name, "notoken");
    mmf_sync *s = sem_new(0, 5, name, 0);
    int parts[8], nparts;
    int fd = make_inheritable_parts(s, parts, &nparts);
    cr_assert_eq(nparts, 2);
    /* Started without the token: -EBADF (nothing there). */
    struct child c;
    sstart_closing(&c, &fd, 1, "inherit", num_str(fd));
    expect_inherit_fails(&c, -EBADF);
    child_end_ok(&c);
    /* Without every descriptor. */
    int all[3] = { fd, parts[0], parts[1] };
    sstart_closing(&c, all, 3, "inherit", num_str(fd));
    expect_inherit_fails(&c, -EBADF);
    child_end_ok(&c);
    /* The token still works for the next child. */
    sstart(&c, "inherit", num_str(fd), "post", "1");
    expect_inherit(&c, MMF_SYNC_SEMAPHORE);
    child_expect_line(&c, "post 0 0");
    child_end_ok(&c);
    assert_sem_count(s, 1);
    sclose(s);
    assert_gone(name, MMF_SYNC_SEMAPHORE);
}

/* A child that gets the token but not one of the other descriptors
 * cannot rebuild the handle. */
static void missing_part(int named)
{
    registry_private(0755);
    char name[256];
    mmf_sync *e = event_new(1, 0, named ? nm(name, "part") : NULL, 0);
    int parts[8], nparts;
    int fd = make_inheritable_parts(e, parts, &nparts);
    cr_assert_eq(nparts, named ? 2 : 1, "%d descriptors besides the token", nparts);
    for (int i = 0; i < nparts; i++) {
        struct child c;
        sstart_closing(&c, &parts[i], 1, "inherit", num_str(fd), "fdcount");
        expect_inherit_fails(&c, -EINVAL);
        child_count(&c, "fdcount");
        child_end_ok(&c);
    }
    /* With everything: works, and the object is ours. */
    struct child c;
    sstart(&c, "inherit", num_str(fd), "set");
    expect_inherit(&c, MMF_SYNC_EVENT);
    child_expect(&c, "set", 0);
    child_end_ok(&c);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    sclose(e);
    if (named)
        assert_gone(name, MMF_SYNC_EVENT);
}

Test(synch_inherit, missing_part_unnamed)
{
    missing_part(0);
}

Test(synch_inherit, missing_part_named)
{
    missing_part(1);
}

Test(synch_inherit, two_children_one_token)
{
    registry_private(0755);
    mmf_sync *s = sem_new(0, 10, NULL, 0);
    int fd = make_inheritable(s);
    struct child a, b;
    sstart(&a, "inherit", num_str(fd), "wait", "inf");
    sstart(&b, "inherit", num_str(fd), "post", "3");
    expect_inherit(&a, MMF_SYNC_SEMAPHORE);
    expect_inherit(&b, MMF_SYNC_SEMAPHORE);
    child_expect(&b, "post", 0);
    child_end_ok(&b);
    child_expect(&a, "wait", MMF_WAIT_OBJECT_0);
    child_end_ok(&a);
    assert_sem_count(s, 2);
    sclose(s);
}

Test(synch_inherit, set_inheritable_twice_and_errors)
{
    registry_private(0755);
    mmf_sync *e = event_new(1, 0, NULL, 0);
    int before = count_fds();
    int fd1 = make_inheritable(e);
    int fd2 = -1;
    assert_rc(mmf_sync_set_inheritable(e, 1, &fd2), 0);
    cr_assert_eq(fd2, fd1, "a second set_inheritable gave %d, the first %d", fd2, fd1);
    assert_rc(mmf_sync_set_inheritable(e, 1, NULL), 0);
    assert_rc(mmf_sync_set_inheritable(e, 7, &fd2), 0); /* any non-zero */
    cr_assert_eq(fd2, fd1);
    cr_assert_eq(count_fds(), before + 2, "%d descriptors made, expected 2 (token, data)",
                 count_fds() - before);
    int x = 12345;
    assert_rc(mmf_sync_set_inheritable(NULL, 1, &x), -EBADF);
    assert_rc(mmf_sync_set_inheritable(NULL, 0, &x), -EBADF);
    cr_assert_eq(x, 12345, "a failed set_inheritable wrote its output");
    /* A dup does not inherit the inheritability. */
    mmf_sync *d = dup_ok(e, 0);
    cr_assert_eq(count_fds(), before + 3);
    int fdd = make_inheritable(d);
    cr_assert_neq(fdd, fd1, "the dup got the original's token");
    struct child c;
    sstart(&c, "inherit", num_str(fd1), "inherit", num_str(fdd), "set");
    expect_inherit(&c, MMF_SYNC_EVENT);
    expect_inherit(&c, MMF_SYNC_EVENT);
    child_expect(&c, "set", 0);
    child_end_ok(&c);
    assert_rc(mmf_wait(e, 0), MMF_WAIT_OBJECT_0);
    sclose(d);
    cr_assert(!fd_is_open(fdd));
    cr_assert(fd_is_open(fd1), "closing the dup closed the original's token");
    sclose(e);
    cr_assert(!fd_is_open(fd1));
    cr_assert_eq(count_fds(), before - 1, "%d descriptors left", count_fds() - before + 1);
}

/* Threads that make the same handle inheritable at once. */
struct inh_race {
    pthread_barrier_t *bar;
    mmf_sync          *h;
    int                rc, fd;
};

static void *t_make_inheritable(void *p)
{
    struct inh_race *r = p;
    pthread_barrier_wait(r->bar);
    r->rc = mmf_sync_set_inheritable(r->h, 1, &r->fd);
    return NULL;
}

Test(synch_inherit, concurrent_set_inheritable)
{
    /* "Every function is thread-safe": threads making one handle
     * inheritable at the same moment get one token, and nothing leaks. */
    registry_private(0755);
    char name[256];
    nm(name, "race");
    enum { THREADS = 8, ROUNDS = 20 };
    for (int round = 0; round < ROUNDS; round++) {
        mmf_sync *h = event_new(1, 0, round % 2 ? name : NULL, 0);
        int before = count_fds();
        pthread_barrier_t bar;
        cr_assert_eq(pthread_barrier_init(&bar, NULL, THREADS), 0);
        struct inh_race r[THREADS];
        pthread_t th[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i] = (struct inh_race){ .bar = &bar, .h = h, .rc = 1, .fd = -1 };
            cr_assert_eq(pthread_create(&th[i], NULL, t_make_inheritable, &r[i]), 0);
        }
        for (int i = 0; i < THREADS; i++)
            cr_assert_eq(pthread_join(th[i], NULL), 0);
        pthread_barrier_destroy(&bar);
        for (int i = 0; i < THREADS; i++) {
            assert_rc(r[i].rc, 0);
            cr_assert_eq(r[i].fd, r[0].fd, "round %d: thread %d got token %d, thread 0 %d",
                         round, i, r[i].fd, r[0].fd);
        }
        int made = count_fds() - before;
        cr_assert_eq(made, round % 2 ? 3 : 2, "round %d: %d descriptors made", round, made);
        sclose(h);
        cr_assert_eq(count_fds(), before - (round % 2 ? 2 : 1), "round %d: leaked", round);
    }
    assert_registry_empty();
}

/* ================================================================== */
/* Descriptors that are not synchronization handles                    */
/* ================================================================== */

Test(synch_token, garbage_memfd)
{
    unsigned char buf[8192];
    srand(12345);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)rand();
    static const size_t lens[] = { 0, 1, 7, 8, 64, 311, 312, 313, 336, 4096, 8192 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        int fd = memfd_with(buf, lens[i]);
        assert_not_a_sync_token(fd, -EINVAL);
        close(fd);
    }
    /* Zeros, and the right magic-looking prefix of a sync token with
     * nothing sensible after it. */
    memset(buf, 0, sizeof buf);
    int fd = memfd_with(buf, 4096);
    assert_not_a_sync_token(fd, -EINVAL);
    close(fd);
    memcpy(buf, "mmfsyn1", 8);
    memset(buf + 8, 0xff, 400);
    fd = memfd_with(buf, 4096);
    assert_not_a_sync_token(fd, -EINVAL);
    close(fd);
}

Test(synch_token, closed_and_invalid_descriptors)
{
    int fd = memfd_with("x", 1);
    close(fd);
    assert_not_a_sync_token(fd, -EBADF);
    assert_not_a_sync_token(-1, -EBADF);
    assert_not_a_sync_token(-12345, -EBADF);
    assert_not_a_sync_token(1 << 20, -EBADF);
}

Test(synch_token, other_kinds_of_descriptors)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    cr_assert_eq(write(p[1], "0123456789", 10), 10);
    assert_not_a_sync_token(p[0], -EINVAL);
    assert_not_a_sync_token(p[1], -EINVAL);
    close(p[0]);
    close(p[1]);
    int d = open(tmp_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(d, 0);
    assert_not_a_sync_token(d, -EINVAL);
    close(d);
    int ev = eventfd(0, EFD_CLOEXEC);
    cr_assert_geq(ev, 0);
    assert_not_a_sync_token(ev, -EINVAL);
    close(ev);
    /* A write-only file: it cannot be read. */
    char path[PATH_MAX];
    int f = tmp_file("wo", 4096, path);
    close(f);
    f = reopen(path, O_WRONLY);
    assert_not_a_sync_token(f, -EINVAL);
    close(f);
    /* A regular file of random bytes. */
    f = tmp_file("rnd", 4096, NULL);
    assert_not_a_sync_token(f, -EINVAL);
    close(f);
}

Test(synch_token, section_token_is_not_a_sync_token)
{
    registry_private(0755);
    char name[256];
    sclose(event_new(1, 0, nm(name, "warm"), 0)); /* what the registry keeps open */
    for (int named = 0; named < 2; named++) {
        int before = count_fds();
        mmf_section *s = NULL;
        if (named) {
            mmf_create_options o = named_opt(nm(name, "sec"));
            assert_rc(mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &s), 0);
        } else {
            s = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
        }
        int tok = -1;
        assert_rc(mmf_section_set_inheritable(s, 1, &tok), 0);
        cr_assert_geq(tok, 0);
        assert_not_a_sync_token(tok, -EINVAL);
        /* The section token is still whole: a child can use it. */
        struct child c;
        const char *const prog[] = { helper_program("MMF_HANDLE_CHILD", "handle-child"), NULL };
        child_spawn_cmd(&c, prog, (const char *const[]){ "inherit", num_str(tok), NULL }, NULL,
                        0);
        child_expect(&c, "inherit", 0);
        child_end_ok(&c);
        assert_rc(mmf_section_close(s), 0);
        cr_assert_eq(count_fds(), before, "descriptors left: %d", count_fds() - before);
        if (named) {
            mmf_section *x = SECSENTINEL;
            assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &x), MMF_ENOTFOUND);
        }
    }
    assert_registry_empty();
}

Test(synch_token, sync_token_is_not_a_section_token)
{
    registry_private(0755);
    char name[256];
    for (int named = 0; named < 2; named++)
        for (int i = 0; i < 3; i++) {
            int type = all_types[i];
            mmf_sync *h = obj_new(type, named ? nm(name, type_name(type)) : NULL);
            int before = count_fds();
            int tok = make_inheritable(h);
            mmf_section *s = SECSENTINEL;
            assert_rc(mmf_section_from_fd_handle(tok, &s), -EINVAL);
            cr_assert_eq(s, SECSENTINEL, "a failed rebuild wrote its output");
            cr_assert(fd_is_open(tok), "a failed section rebuild closed the sync token");
            /* Still a good sync token for a child. */
            struct child c;
            sstart(&c, "inherit", num_str(tok));
            expect_inherit(&c, type);
            child_end_ok(&c);
            sclose(h);
            cr_assert_eq(count_fds(), before - (named ? 2 : 1), "%d descriptors left",
                         count_fds() - before + (named ? 2 : 1));
            if (named)
                assert_gone(name, type);
        }
    assert_registry_empty();
}

Test(synch_token, tampered_copies_of_a_token)
{
    registry_private(0755);
    char name[256];
    for (int named = 0; named < 2; named++) {
        mmf_sync *h = sem_new(0, 4, named ? nm(name, "tamper") : NULL, 0);
        int tok = make_inheritable(h);
        unsigned char orig[4096], bad[4096];
        size_t len = slurp(tok, orig, sizeof orig);
        int before = count_fds();
        /* Cut short or one byte missing is not a token; neither is one
         * with one of its first bytes changed. */
        int fd = memfd_with(orig, len / 2);
        assert_not_a_sync_token(fd, -EINVAL);
        close(fd);
        fd = memfd_with(orig, len - 1);
        assert_not_a_sync_token(fd, -EINVAL);
        close(fd);
        for (size_t i = 0; i < 8; i++) {
            memcpy(bad, orig, len);
            bad[i] ^= 0x20;
            fd = memfd_with(bad, len);
            assert_not_a_sync_token(fd, -EINVAL);
            close(fd);
        }
        cr_assert_eq(count_fds(), before, "refused tokens left descriptors open");
        /* NULL @out: refused before anything is taken over. */
        assert_rc(mmf_sync_from_fd_handle(tok, NULL, NULL), -EINVAL);
        cr_assert(fd_is_open(tok));
        /* The real token still works. */
        struct child c;
        sstart(&c, "inherit", num_str(tok), "post", "4");
        expect_inherit(&c, MMF_SYNC_SEMAPHORE);
        child_expect_line(&c, "post 0 0");
        child_end_ok(&c);
        assert_sem_count(h, 4);
        sclose(h);
        if (named)
            assert_gone(name, MMF_SYNC_SEMAPHORE);
    }
}

Test(synch_token, child_rejects_non_tokens)
{
    /* In a child: a descriptor it has of its own (stdin, a pipe), and a
     * number that is not open. */
    struct child c;
    sstart(&c, "inherit", "0", "inherit", "1", "inherit", "2", "inherit", "999");
    expect_inherit_fails(&c, -EINVAL); /* the stdin pipe */
    expect_inherit_fails(&c, -EINVAL); /* the stdout pipe */
    expect_inherit_fails(&c, 0);       /* stderr: whatever the harness gave */
    expect_inherit_fails(&c, -EBADF);
    child_end_ok(&c);
}

/* ================================================================== */
/* MMF_ACCESS_NONE for sections                                        */
/* ================================================================== */

static void assert_section_no_views(mmf_section *s)
{
    for (size_t i = 0; i < sizeof all_prots / sizeof all_prots[0]; i++) {
        void *v = NULL;
        int rc = mmf_view_map(s, all_prots[i], 0, 0, NULL, &v);
        cr_assert_eq(rc, -EACCES, "a view with protection %#x of a no-rights handle: %d (%s)",
                     all_prots[i], rc, mmf_strerror(rc));
        cr_assert_null(v, "a failed map wrote its output");
    }
    cr_assert_eq(mmf_view_count(), 0);
}

Test(synch_section_none, memory_and_file)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *srcs[2] = { mem_section(3 * pg, MMF_PAGE_EXECUTE_READWRITE, 0),
                             file_section(fd, 0, MMF_PAGE_READWRITE) };
    for (int k = 0; k < 2; k++) {
        mmf_section *h = srcs[k];
        mmf_section_info hi = sinfo(h);
        mmf_section *n = SECSENTINEL;
        assert_rc(mmf_section_dup(h, MMF_ACCESS_NONE, &n), 0);
        cr_assert_neq(n, SECSENTINEL);
        cr_assert_neq(n, h);
        mmf_section_info ni = sinfo(n);
        cr_assert_eq(ni.access, 0, "a no-rights handle reports access %#x", ni.access);
        cr_assert_eq(ni.size, hi.size);
        cr_assert_eq(ni.protection, hi.protection);
        cr_assert_eq(ni.flags, hi.flags);
        cr_assert_eq(ni.file_backed, hi.file_backed);
        cr_assert_eq(ni.id, hi.id, "the no-rights handle is another section");
        cr_assert_eq(sinfo(h).access, hi.access, "dup changed the source's rights");
        assert_section_no_views(n);
        /* Its dups: 0 keeps no rights, none can be added. */
        mmf_section *n2 = SECSENTINEL;
        assert_rc(mmf_section_dup(n, 0, &n2), 0);
        cr_assert_eq(sinfo(n2).access, 0);
        assert_section_no_views(n2);
        mmf_section *n3 = SECSENTINEL;
        assert_rc(mmf_section_dup(n, MMF_ACCESS_NONE, &n3), 0);
        cr_assert_eq(sinfo(n3).access, 0);
        static const unsigned more[] = { MMF_ACCESS_READ, MMF_ACCESS_WRITE, MMF_ACCESS_EXECUTE,
                                         MMF_ACCESS_ALL };
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
            mmf_section *x = SECSENTINEL;
            assert_rc(mmf_section_dup(n, more[i], &x), -EACCES);
            cr_assert_eq(x, SECSENTINEL);
        }
        /* The source still maps; the no-rights handle keeps the section
         * alive on its own but still cannot map. */
        char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
        memcpy(v, "kept", 4);
        assert_rc(mmf_view_unmap(v), 0);
        assert_rc(mmf_section_close(h), 0);
        assert_section_no_views(n);
        cr_assert_eq(sinfo(n).size, hi.size);
        assert_rc(mmf_section_close(n3), 0);
        assert_rc(mmf_section_close(n2), 0);
        assert_rc(mmf_section_close(n), 0);
    }
    close(fd);
}

Test(synch_section_none, named_keeps_name)
{
    registry_private(0755);
    char name[256];
    nm(name, "secnone");
    mmf_create_options o = named_opt(name);
    mmf_section *h = NULL;
    assert_rc(mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &h), 0);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "named data", 10);
    assert_rc(mmf_view_unmap(v), 0);
    mmf_section *n = SECSENTINEL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_NONE, &n), 0);
    mmf_section_info ni = sinfo(n);
    cr_assert_eq(ni.access, 0);
    cr_assert_eq(ni.named, 1);
    assert_rc(mmf_section_close(h), 0);
    /* The no-rights handle holds the name (and the data). */
    mmf_section *r = SECSENTINEL;
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &r), 0);
    v = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v, "named data", 10) == 0, "the data did not survive");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_section_no_views(n);
    assert_rc(mmf_section_close(n), 0);
    r = SECSENTINEL;
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &r), MMF_ENOTFOUND);
    cr_assert_eq(r, SECSENTINEL);
    assert_registry_empty();
}

Test(synch_section_none, inherited_by_child)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(pg, MMF_PAGE_READWRITE, 0);
    mmf_section *n = NULL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_NONE, &n), 0);
    int tok = -1;
    assert_rc(mmf_section_set_inheritable(n, 1, &tok), 0);
    struct child c;
    const char *const prog[] = { helper_program("MMF_HANDLE_CHILD", "handle-child"), NULL };
    child_spawn_cmd(&c, prog,
                    (const char *const[]){ "inherit", num_str(tok), "info", "read", "0", "1",
                                           "write", "0", "x", NULL },
                    NULL, 0);
    child_expect(&c, "inherit", 0);
    char want[256];
    snprintf(want, sizeof want, "info 0 size=%llu prot=%u access=0 named=0 file=0",
             (unsigned long long)pg, MMF_PAGE_READWRITE);
    child_expect_line(&c, want);
    child_expect(&c, "read", -EACCES);
    child_expect(&c, "write", -EACCES);
    child_end_ok(&c);
    assert_rc(mmf_section_close(n), 0);
    assert_rc(mmf_section_close(h), 0);
}

/* ================================================================== */
/* Descriptor accounting                                               */
/* ================================================================== */

Test(synch_fds, create_dup_inherit_close_cycle)
{
    registry_private(0755);
    char name[256];
    /* Warm up whatever the registry keeps open for the process. */
    sclose(event_new(1, 0, nm(name, "warm"), 0));
    int before_list[MAX_FDS];
    int before = list_fds(before_list, MAX_FDS);
    for (int round = 0; round < 3; round++) {
        mmf_sync *h[24];
        int n = 0;
        for (int i = 0; i < 3; i++) {
            int type = all_types[i];
            char nbuf[64];
            snprintf(nbuf, sizeof nbuf, "%s-%d", type_name(type), round);
            h[n++] = obj_new(type, NULL);
            h[n++] = obj_new(type, nm(name, nbuf));
        }
        for (int i = 0; i < 6; i++) {
            static const unsigned acc[] = { 0, MMF_SYNC_ACCESS_WAIT, MMF_SYNC_ACCESS_MODIFY,
                                            MMF_ACCESS_NONE };
            h[n++] = dup_ok(h[i], acc[i % 4]);
        }
        /* Inheritable: two in three (named and unnamed, originals and
         * dups); the child rebuilds them all. */
        const char *args[64];
        int a = 0;
        for (int i = 0; i < n; i++) {
            if (i % 3 == 2)
                continue;
            args[a++] = "inherit";
            args[a++] = num_str(make_inheritable(h[i]));
        }
        args[a++] = "hold";
        args[a] = NULL;
        struct child c;
        sspawn(&c, NULL, 0, args);
        for (int i = 0; i < n; i++)
            if (i % 3 != 2)
                child_expect(&c, "inherit", 0);
        child_ready(&c);
        /* Some made non-inheritable again, the rest closed inheritable. */
        for (int i = 0; i < n; i += 4)
            assert_rc(mmf_sync_set_inheritable(h[i], 0, NULL), 0);
        for (int i = 0; i < n; i++)
            sclose(h[i]);
        child_end_ok(&c);
        int after_list[MAX_FDS], extra[16];
        int after = list_fds(after_list, MAX_FDS);
        int k = new_fds(before_list, before, after_list, after, extra, 16);
        cr_assert_eq(k, 0, "round %d: %d descriptors left open, e.g. %d", round, k,
                     k ? extra[0] : -1);
        cr_assert_eq(after, before, "round %d: %d descriptors, %d before", round, after, before);
    }
    assert_registry_empty();
}

Test(synch_fds, failed_calls_leak_nothing)
{
    registry_private(0755);
    char name[256];
    sclose(event_new(1, 0, nm(name, "warm"), 0));
    mmf_sync *h = sem_new(0, 2, nm(name, "fail"), 0);
    mmf_sync *w = dup_ok(h, MMF_SYNC_ACCESS_WAIT);
    int before = count_fds();
    for (int i = 0; i < 50; i++) {
        mmf_sync *x = SSENTINEL;
        assert_rc(mmf_sync_dup(w, MMF_SYNC_ACCESS_MODIFY, &x), -EACCES);
        assert_rc(mmf_sync_dup(h, 0x40, &x), -EINVAL);
        assert_rc(mmf_sync_dup(h, 0, NULL), -EINVAL);
        int fd = memfd_with("garbage garbage", 15);
        assert_not_a_sync_token(fd, -EINVAL);
        close(fd);
    }
    cr_assert_eq(count_fds(), before, "failed calls left %d descriptors", count_fds() - before);
    /* Successful dups and closes are balanced too. */
    for (int i = 0; i < 50; i++)
        sclose(dup_ok(i % 2 ? w : h, i % 3 ? 0 : MMF_ACCESS_NONE));
    cr_assert_eq(count_fds(), before);
    sclose(w);
    sclose(h);
    assert_gone(name, MMF_SYNC_SEMAPHORE);
}
