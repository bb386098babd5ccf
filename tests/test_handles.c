/*
 * test_handles.c — handles across processes: mmf_section_dup (same or fewer
 * rights), inheritance through exec (mmf_section_set_inheritable /
 * mmf_section_from_fd_handle) and passing over a Unix socket
 * (mmf_section_send / mmf_section_recv).
 *
 * The other processes are real ones: tests/child/handle-child.c, started
 * with posix_spawn (fork+exec), so they get only stdin/stdout/stderr, the
 * environment and the descriptors the test leaves inheritable.  They answer
 * one line per command (see that file).  Tests that use names run in a
 * private registry (registry_private()).
 */
#include "helpers.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>

TestSuite(handle_dup, .fini = test_cleanup, .timeout = 30);
TestSuite(handle_inherit, .fini = test_cleanup, .timeout = 30);
TestSuite(handle_socket, .fini = test_cleanup, .timeout = 30);

#define SENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)
#define RW_ACCESS (MMF_ACCESS_READ | MMF_ACCESS_WRITE)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/*
 * Starts handle-child ($MMF_HANDLE_CHILD, else next to the tests) with the
 * NULL-terminated @args, its stdin and stdout on pipes.  It inherits every
 * descriptor of ours that is not close-on-exec, except the @nclose ones in
 * @closefds.
 */
static void hspawn(struct child *c, const int *closefds, int nclose, const char *const *args)
{
    const char *const prog[] = { helper_program("MMF_HANDLE_CHILD", "handle-child"), NULL };
    child_spawn_cmd(c, prog, args, closefds, nclose);
}

/* hstart(&c, "inherit", "5", "info"): runs the commands. */
#define hstart(c, ...) hspawn((c), NULL, 0, (const char *const[]){ __VA_ARGS__, NULL })

/* Decimal text of @v in a static ring of buffers (for child arguments). */
static const char *num_str(long long v)
{
    static char ring[16][24];
    static int next;
    char *b = ring[next++ % 16];
    snprintf(b, 24, "%lld", v);
    return b;
}

/* A name unique to this test process. */
static char *hname(char *buf, const char *tag)
{
    snprintf(buf, 128, "mmfh%d-%s", (int)getpid(), tag);
    return buf;
}

/* Asserts the child's answer to "info". */
static void expect_info(struct child *c, uint64_t size, unsigned prot, unsigned access,
                        int named, int file)
{
    char want[256];
    snprintf(want, sizeof want, "info 0 size=%llu prot=%u access=%u named=%d file=%d",
             (unsigned long long)size, prot, access, named, file);
    child_expect_line(c, want);
}

/* What a child that inherits nothing of ours from mmf has open: its answer
 * to "fdcount" (and to "execfds" through @exec, when not NULL). */
static int baseline_fds(int *exec)
{
    struct child c;
    hstart(&c, "fdcount", "execfds");
    int n = child_count(&c, "fdcount");
    int e = child_count(&c, "execfds");
    child_end_ok(&c);
    if (exec)
        *exec = e;
    return n;
}

/*
 * Once the child has its handle: asserts that the handle's descriptors are
 * close-on-exec (the child's "execfds" answer is @want_exec) and that the
 * child's "close" of it releases them all ("fdcount" is then @want_fds).
 */
static void expect_handle_fds_owned(struct child *c, int want_exec, int want_fds)
{
    int exec = child_count(c, "execfds");
    cr_assert_eq(exec, want_exec, "with its handle the child would pass %d descriptors "
                 "through exec, %d without the handle", exec, want_exec);
    child_expect(c, "close", 0);
    int at_end = child_count(c, "fdcount");
    cr_assert_eq(at_end, want_fds, "after closing its handle the child has %d descriptors, "
                 "%d without one", at_end, want_fds);
}

/* Makes @h inheritable: returns the descriptor a child is to be told. */
static int make_inheritable(mmf_section *h)
{
    int fd = -1;
    assert_rc(mmf_section_set_inheritable(h, 1, &fd), 0);
    cr_assert_geq(fd, 0, "set_inheritable gave descriptor %d", fd);
    return fd;
}

static void set_cloexec(int fd, int on)
{
    int fl = fcntl(fd, F_GETFD);
    cr_assert_geq(fl, 0, "F_GETFD %d: %s", fd, strerror(errno));
    fl = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
    cr_assert_eq(fcntl(fd, F_SETFD, fl), 0, "F_SETFD %d: %s", fd, strerror(errno));
}

/* 1 when @fd is open and would survive an exec. */
static int fd_inheritable(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    return fl >= 0 && !(fl & FD_CLOEXEC);
}

/* Fills @fds with our descriptors that an exec would keep; returns how many. */
static int list_inheritable(int *fds, int max)
{
    int all[MAX_FDS];
    int n = list_fds(all, MAX_FDS), k = 0;
    for (int i = 0; i < n; i++)
        if (fd_inheritable(all[i]) && k < max)
            fds[k++] = all[i];
    return k;
}

/* A connected socket pair, both ends close-on-exec. */
static void sock_pair(int type, int sv[2])
{
    cr_assert_eq(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0, "socketpair: %s",
                 strerror(errno));
}

/* A socket pair whose end sv[1] a child started now will inherit. */
static void child_sock_pair(int sv[2])
{
    sock_pair(SOCK_STREAM, sv);
    set_cloexec(sv[1], 0);
}

/*
 * hstart_sock(&c, sv, "recv", num_str(sv[1]), ...): makes a socket pair,
 * starts handle-child as hstart() does with the end sv[1] inheritable (the
 * commands may name it), then closes sv[1] here; sv[0] stays ours.
 */
#define hstart_sock(c, sv, ...)         \
    do {                                \
        child_sock_pair(sv);            \
        hstart((c), __VA_ARGS__);       \
        close((sv)[1]);                 \
    } while (0)

/* Sends @len bytes of @buf with the @nfds descriptors @fds attached. */
static void send_raw(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    cr_assert_leq(nfds, 8);
    if (nfds > 0) {
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    cr_assert_eq(r, (ssize_t)len, "sendmsg: %s", r < 0 ? strerror(errno) : "short");
}

/* Receives one message as raw bytes and descriptors (close-on-exec);
 * returns the byte count, *nfds the descriptors. */
static size_t recv_raw(int sock, void *buf, size_t size, int *fds, int *nfds)
{
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { .iov_base = buf, .iov_len = size };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                          .msg_controllen = sizeof ctl.buf };
    ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    cr_assert_gt(r, 0, "recvmsg: %s", r < 0 ? strerror(errno) : "end of stream");
    cr_assert_eq(msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC), 0, "message truncated");
    *nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++)
            memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    return (size_t)r;
}

/* Sends @h over socket @from and receives it from @to: a new handle. */
static mmf_section *pass_handle(int from, int to, mmf_section *h)
{
    mmf_section *r = SENTINEL;
    assert_rc(mmf_section_send(from, h), 0);
    assert_rc(mmf_section_recv(to, &r), 0);
    cr_assert_neq(r, SENTINEL);
    cr_assert_neq(r, h, "the received handle is the sent one");
    return r;
}

static mmf_section *named_mem(const char *name, uint64_t size, unsigned prot)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    mmf_section *s = NULL;
    assert_rc(mmf_section_create(-1, size, prot, 0, &o, &s), 0);
    cr_assert_not_null(s);
    return s;
}

/* Asserts that @name opens (and closes the handle again). */
static void assert_name_opens(const char *name)
{
    mmf_section *s = SENTINEL;
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &s), 0);
    assert_rc(mmf_section_close(s), 0);
}

static void assert_name_gone(const char *name)
{
    mmf_section *s = SENTINEL;
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &s), MMF_ENOTFOUND);
    cr_assert_eq(s, SENTINEL, "a failed open wrote its output");
}

/* Asserts that two handles describe the same kind of section. */
static void assert_same_section(mmf_section *a, mmf_section *b, unsigned access_b)
{
    mmf_section_info ia = sinfo(a), ib = sinfo(b);
    cr_assert_eq(ib.size, ia.size);
    cr_assert_eq(ib.protection, ia.protection);
    cr_assert_eq(ib.flags, ia.flags);
    cr_assert_eq(ib.file_backed, ia.file_backed);
    cr_assert_eq(ib.named, ia.named);
    cr_assert_eq(ib.access, access_b, "access %#x, expected %#x", ib.access, access_b);
}

/* Asserts that a write through either handle's view shows in the other's. */
static void assert_coherent(mmf_section *a, mmf_section *b)
{
    char *va = map_view(a, MMF_PAGE_READWRITE, 0, 0);
    char *vb = map_view(b, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_neq(va, vb);
    memcpy(va + 100, "from-a", 6);
    cr_assert(memcmp(vb + 100, "from-a", 6) == 0, "a write through one handle is not seen "
              "through the other");
    memcpy(vb + 200, "from-b", 6);
    cr_assert(memcmp(va + 200, "from-b", 6) == 0, "a write through one handle is not seen "
              "through the other");
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_view_unmap(vb), 0);
}

/* ================================================================== */
/* mmf_section_dup                                                     */
/* ================================================================== */

Test(handle_dup, same_access_memory_coherent)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(2 * pg, MMF_PAGE_READWRITE, 0);
    mmf_section *d = SENTINEL;
    assert_rc(mmf_section_dup(h, 0, &d), 0);
    cr_assert_neq(d, SENTINEL);
    cr_assert_neq(d, h, "dup returned the same handle");
    assert_same_section(h, d, RW_ACCESS);
    cr_assert_eq(sinfo(h).access, RW_ACCESS, "dup changed the source's rights");
    assert_coherent(h, d);

    /* The copy lives on its own: closing the source changes nothing. */
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v + pg, "second page", 11);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(h), 0);
    v = map_view(d, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(memcmp(v + pg, "second page", 11) == 0);
    cr_assert(memcmp(v + 100, "from-a", 6) == 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(d), 0);
}

Test(handle_dup, same_access_file_coherent)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    mmf_section *h = file_section(fd, 0, MMF_PAGE_READWRITE);
    mmf_section *d = SENTINEL;
    assert_rc(mmf_section_dup(h, 0, &d), 0);
    assert_same_section(h, d, RW_ACCESS);
    cr_assert_eq(sinfo(d).file_backed, 1);
    assert_rc(mmf_section_close(h), 0);
    char *v = map_view(d, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(check_pat(v, 0, 2 * pg), "the dup's view does not show the file");
    memcpy(v + 10, "dup", 3);
    char got[3];
    pread_all(fd, got, 3, 10);
    cr_assert(memcmp(got, "dup", 3) == 0, "a write through the dup's view is not in the file");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(d), 0);
    close(fd);
}

Test(handle_dup, reduced_access_caps_views)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    cr_assert_eq(sinfo(h).access, MMF_ACCESS_ALL);
    char *vh = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(vh, "shared", 6);

    mmf_section *r = SENTINEL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, &r), 0);
    assert_same_section(h, r, MMF_ACCESS_READ);
    cr_assert_eq(sinfo(h).access, MMF_ACCESS_ALL, "dup changed the source's rights");

    void *v = NULL;
    assert_rc(mmf_view_map(r, MMF_PAGE_READWRITE, 0, 0, NULL, &v), -EACCES);
    assert_rc(mmf_view_map(r, MMF_PAGE_EXECUTE_READ, 0, 0, NULL, &v), -EACCES);
    assert_rc(mmf_view_map(r, MMF_PAGE_EXECUTE_READWRITE, 0, 0, NULL, &v), -EACCES);
    cr_assert_null(v, "a failed map wrote its output");
    char *ro = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(ro, "shared", 6) == 0);
    memcpy(vh, "update", 6);
    cr_assert(memcmp(ro, "update", 6) == 0, "the read view is not coherent with the section");
    /* A copy view needs only read access; its writes stay private. */
    char *cp = map_view(r, MMF_PAGE_WRITECOPY, 0, 0);
    memcpy(cp, "copied", 6);
    cr_assert(memcmp(vh, "update", 6) == 0, "a copy view's write reached the section");
    assert_rc(mmf_view_unmap(cp), 0);
    assert_rc(mmf_view_unmap(ro), 0);

    /* READ|WRITE from ALL: read-write views, but no execute. */
    mmf_section *rw = SENTINEL;
    assert_rc(mmf_section_dup(h, RW_ACCESS, &rw), 0);
    assert_same_section(h, rw, RW_ACCESS);
    char *w = map_view(rw, MMF_PAGE_READWRITE, 0, 0);
    memcpy(w, "writer", 6);
    cr_assert(memcmp(vh, "writer", 6) == 0);
    assert_rc(mmf_view_unmap(w), 0);
    v = NULL;
    assert_rc(mmf_view_map(rw, MMF_PAGE_EXECUTE_READ, 0, 0, NULL, &v), -EACCES);

    /* A dup of the reduced handle with 0 keeps the reduced rights. */
    mmf_section *rr = SENTINEL;
    assert_rc(mmf_section_dup(r, 0, &rr), 0);
    cr_assert_eq(sinfo(rr).access, MMF_ACCESS_READ);
    v = NULL;
    assert_rc(mmf_view_map(rr, MMF_PAGE_READWRITE, 0, 0, NULL, &v), -EACCES);

    assert_rc(mmf_view_unmap(vh), 0);
    assert_rc(mmf_section_close(rr), 0);
    assert_rc(mmf_section_close(rw), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_dup, more_than_source_denied)
{
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    cr_assert_eq(sinfo(h).access, RW_ACCESS);
    mmf_section *r = SENTINEL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, &r), 0);

    static const unsigned more[] = {
        MMF_ACCESS_WRITE, RW_ACCESS, MMF_ACCESS_EXECUTE, MMF_ACCESS_ALL,
        MMF_ACCESS_READ | MMF_ACCESS_EXECUTE,
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        mmf_section *o = SENTINEL;
        assert_rc(mmf_section_dup(r, more[i], &o), -EACCES);
        cr_assert_eq(o, SENTINEL, "a failed dup wrote its output");
    }
    /* The READ|WRITE handle lacks EXECUTE. */
    mmf_section *o = SENTINEL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_EXECUTE, &o), -EACCES);
    assert_rc(mmf_section_dup(h, MMF_ACCESS_ALL, &o), -EACCES);
    cr_assert_eq(o, SENTINEL);
    /* The same rights are fine. */
    assert_rc(mmf_section_dup(r, MMF_ACCESS_READ, &o), 0);
    cr_assert_eq(sinfo(o).access, MMF_ACCESS_READ);
    assert_rc(mmf_section_close(o), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_dup, bad_arguments)
{
    mmf_section *h = mem_section(page_size(), MMF_PAGE_EXECUTE_READWRITE, 0);
    static const unsigned bad[] = { 0x8, 0x10, MMF_ACCESS_ALL | 0x8, 0x80000000u, ~0u };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mmf_section *o = SENTINEL;
        assert_rc(mmf_section_dup(h, bad[i], &o), -EINVAL);
        cr_assert_eq(o, SENTINEL, "a failed dup wrote its output");
    }
    assert_rc(mmf_section_dup(h, 0, NULL), -EINVAL);
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, NULL), -EINVAL);
    mmf_section *o = SENTINEL;
    assert_rc(mmf_section_dup(NULL, 0, &o), -EBADF);
    assert_rc(mmf_section_dup(NULL, MMF_ACCESS_READ, &o), -EBADF);
    cr_assert_eq(o, SENTINEL);
    /* Nothing above hurt the handle. */
    cr_assert_eq(sinfo(h).access, MMF_ACCESS_ALL);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_dup, no_descriptor_leak)
{
    registry_private(0755);
    char name[128];
    hname(name, "leak");
    mmf_section *n = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    mmf_section *m = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int before = count_fds();
    for (int i = 0; i < 50; i++) {
        mmf_section *a = NULL, *b = NULL;
        assert_rc(mmf_section_dup(m, MMF_ACCESS_READ, &a), 0);
        assert_rc(mmf_section_dup(n, 0, &b), 0);
        assert_rc(mmf_section_close(a), 0);
        assert_rc(mmf_section_close(b), 0);
    }
    cr_assert_eq(count_fds(), before, "dup+close leaks descriptors: %d before, %d after",
                 before, count_fds());
    assert_rc(mmf_section_close(m), 0);
    assert_rc(mmf_section_close(n), 0);
}

Test(handle_dup, named_copy_keeps_name)
{
    registry_private(0755);
    char name[128];
    hname(name, "dup");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "named data", 10);
    assert_rc(mmf_view_unmap(v), 0);

    mmf_section *d = SENTINEL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, &d), 0);
    mmf_section_info di = sinfo(d);
    cr_assert_eq(di.named, 1, "a dup of a named handle is not named");
    cr_assert_eq(di.access, MMF_ACCESS_READ);

    /* The dup alone keeps the name. */
    assert_rc(mmf_section_close(h), 0);
    mmf_section *o = SENTINEL;
    assert_rc(mmf_section_open(name, RW_ACCESS, &o), 0);
    v = map_view(o, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v, "named data", 10) == 0, "the name now reaches other data");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(o), 0);
    assert_name_opens(name);

    /* The last handle closes: the name goes. */
    assert_rc(mmf_section_close(d), 0);
    assert_name_gone(name);
}

Test(handle_dup, named_original_keeps_name)
{
    registry_private(0755);
    char name[128];
    hname(name, "dup2");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    mmf_section *d = SENTINEL;
    assert_rc(mmf_section_dup(h, 0, &d), 0);
    /* Closing the copy first leaves the original's hold alone. */
    assert_rc(mmf_section_close(d), 0);
    assert_name_opens(name);
    assert_rc(mmf_section_close(h), 0);
    assert_name_gone(name);
}

/* ================================================================== */
/* Inheritance through exec                                            */
/* ================================================================== */

Test(handle_inherit, cloexec_by_default)
{
    registry_private(0755);
    uint64_t pg = page_size();
    int base_exec;
    int base = baseline_fds(&base_exec);
    cr_assert_eq(base, base_exec, "the baseline child has close-on-exec descriptors?");

    /* Every kind of handle, copies, views and a received handle. */
    char name[128];
    hname(name, "cloexec");
    mmf_section *s[8];
    int n = 0;
    s[n++] = mem_section(pg, MMF_PAGE_READWRITE, 0);
    int fd = tmp_file("f", pg, NULL);
    set_cloexec(fd, 1);
    s[n++] = file_section(fd, 0, MMF_PAGE_READWRITE);
    close(fd);
    s[n++] = named_mem(name, pg, MMF_PAGE_READWRITE);
    assert_rc(mmf_section_dup(s[0], MMF_ACCESS_READ, &s[n]), 0);
    n++;
    assert_rc(mmf_section_dup(s[2], 0, &s[n]), 0);
    n++;
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    s[n] = pass_handle(sv[0], sv[1], s[2]);
    n++;
    s[n] = pass_handle(sv[0], sv[1], s[1]);
    n++;
    close(sv[0]);
    close(sv[1]);
    void *v[8];
    for (int i = 0; i < n; i++)
        v[i] = map_view(s[i], MMF_PAGE_READONLY, 0, 0);

    struct child c;
    hstart(&c, "fdcount", "execfds");
    int got = child_count(&c, "fdcount");
    int got_exec = child_count(&c, "execfds");
    child_end_ok(&c);
    cr_assert_eq(got, base, "a child got %d descriptors, %d without mmf handles: "
                 "mmf's descriptors leak through exec", got, base);
    cr_assert_eq(got_exec, base_exec);

    for (int i = 0; i < n; i++) {
        assert_rc(mmf_view_unmap(v[i]), 0);
        assert_rc(mmf_section_close(s[i]), 0);
    }
}

Test(handle_inherit, memory_section_in_child)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(3 * pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "hello", 5);
    memcpy(v + 2 * pg, "page2", 5);
    int fd = make_inheritable(h);
    cr_assert(fd_inheritable(fd), "the handle's descriptor %d is not inheritable", fd);

    struct child c;
    hstart(&c, "inherit", num_str(fd), "info", "read", "0", "5", "read",
           num_str((long long)(2 * pg)), "5", "write", "16", "child", "hold", "read", "32", "5");
    child_expect(&c, "inherit", 0);
    expect_info(&c, 3 * pg, MMF_PAGE_READWRITE, RW_ACCESS, 0, 0);
    child_expect_text(&c, "hello");
    child_expect_text(&c, "page2");
    child_expect(&c, "write", 0);
    cr_assert(memcmp(v + 16, "child", 5) == 0, "the child's write is not in our view");
    child_ready(&c);
    /* Still the same memory after the child rebuilt its handle. */
    memcpy(v + 32, "later", 5);
    child_go(&c);
    child_expect_text(&c, "later");
    child_end_ok(&c);

    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_inherit, file_section_in_child)
{
    uint64_t pg = page_size(), size = 2 * pg + 100;
    int fd = tmp_file("f", size, NULL);
    mmf_section *h = file_section(fd, 0, MMF_PAGE_READWRITE);
    int hfd = -1;
    assert_rc(mmf_section_set_inheritable(h, 1, &hfd), 0);

    struct child c;
    hstart(&c, "inherit", num_str(hfd), "info", "read", num_str((long long)pg), "16",
           "write", "5", "XYZ");
    child_expect(&c, "inherit", 0);
    expect_info(&c, size, MMF_PAGE_READWRITE, RW_ACCESS, 0, 1);
    unsigned char got[16];
    child_read(&c, got, 16);
    cr_assert(check_pat(got, pg, 16), "the child does not see the file's data");
    child_expect(&c, "write", 0);
    child_end_ok(&c);
    char buf[3];
    pread_all(fd, buf, 3, 5);
    cr_assert(memcmp(buf, "XYZ", 3) == 0, "the child's write did not reach the file");

    assert_rc(mmf_section_close(h), 0);
    close(fd);
}

Test(handle_inherit, access_is_carried)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "data", 4);
    mmf_section *r = NULL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, &r), 0);
    int fd = make_inheritable(r);

    struct child c;
    hstart(&c, "inherit", num_str(fd), "info", "write", "0", "nope", "read", "0", "4");
    child_expect(&c, "inherit", 0);
    expect_info(&c, pg, MMF_PAGE_READWRITE, MMF_ACCESS_READ, 0, 0);
    child_expect(&c, "write", -EACCES);
    child_expect_text(&c, "data");
    child_end_ok(&c);
    cr_assert(memcmp(v, "data", 4) == 0);

    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_inherit, protection_is_carried)
{
    /* A WRITECOPY section: read rights only, and no read-write view. */
    uint64_t pg = page_size();
    int fd = tmp_file("f", pg, NULL);
    mmf_section *h = file_section(fd, 0, MMF_PAGE_WRITECOPY);
    int hfd = -1;
    assert_rc(mmf_section_set_inheritable(h, 1, &hfd), 0);
    struct child c;
    hstart(&c, "inherit", num_str(hfd), "info", "write", "0", "x");
    child_expect(&c, "inherit", 0);
    expect_info(&c, pg, MMF_PAGE_WRITECOPY, MMF_ACCESS_READ, 0, 1);
    child_expect(&c, "write", -EACCES);
    child_end_ok(&c);
    cr_assert_eq(file_byte(fd, 0), pat(0));
    assert_rc(mmf_section_close(h), 0);
    close(fd);
}

/* The named-section scenario: a child inherits the handle and holds it,
 * the parent closes its own.  @kill: end the child with SIGKILL. */
static void named_inherit(int kill_child)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[128];
    hname(name, kill_child ? "inhkill" : "inh");
    mmf_section *h = named_mem(name, pg, MMF_PAGE_READWRITE);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "named", 5);
    assert_rc(mmf_view_unmap(v), 0);
    int fd = make_inheritable(h);

    struct child c;
    hstart(&c, "inherit", num_str(fd), "info", "read", "0", "5", "write", "8", "fromchild",
           "hold");
    child_expect(&c, "inherit", 0);
    expect_info(&c, pg, MMF_PAGE_READWRITE, RW_ACCESS, 1, 0);
    child_expect_text(&c, "named");
    child_expect(&c, "write", 0);
    child_ready(&c);

    /* Only the child holds the object now. */
    assert_rc(mmf_section_close(h), 0);
    mmf_section *o = SENTINEL;
    assert_rc(mmf_section_open(name, RW_ACCESS, &o), 0);
    v = map_view(o, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v, "named", 5) == 0 && memcmp(v + 8, "fromchild", 9) == 0,
              "the name reaches other data than the child's");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(o), 0);
    /* A third process (which inherited nothing) finds it too. */
    struct child t;
    hstart(&t, "openname", name);
    child_expect(&t, "openname", 0);
    child_end_ok(&t);
    assert_name_opens(name);

    if (kill_child) {
        int st = child_kill(&c);
        cr_assert(killed_by(st, SIGKILL), "child status %#x", st);
    } else {
        child_end_ok(&c);
    }
    assert_name_gone(name);
}

Test(handle_inherit, named_child_holds_name)
{
    named_inherit(0);
}

Test(handle_inherit, named_child_killed_releases_name)
{
    named_inherit(1);
}

Test(handle_inherit, named_parent_and_child_both_hold)
{
    /* The parent keeps its handle; the child exits: the name stays. */
    registry_private(0755);
    char name[128];
    hname(name, "both");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    int fd = make_inheritable(h);
    struct child c;
    hstart(&c, "inherit", num_str(fd), "close");
    child_expect(&c, "inherit", 0);
    child_expect(&c, "close", 0);
    child_end_ok(&c);
    assert_name_opens(name);
    assert_rc(mmf_section_close(h), 0);
    assert_name_gone(name);
}

Test(handle_inherit, not_inheritable_again)
{
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int before = count_fds();
    int fd = make_inheritable(h);
    cr_assert(fd_inheritable(fd));
    assert_rc(mmf_section_set_inheritable(h, 0, NULL), 0);
    cr_assert_eq(count_fds(), before, "descriptors left behind: %d before, %d after",
                 before, count_fds());
    cr_assert(!fd_inheritable(fd), "descriptor %d still inheritable", fd);

    struct child c;
    hstart(&c, "inherit", num_str(fd), "info");
    child_expect(&c, "inherit", -EBADF);
    child_expect(&c, "info", -EINVAL);
    child_end_ok(&c);

    /* And inheritable once more: works again. */
    assert_rc(mmf_section_set_inheritable(h, 1, &fd), 0);
    hstart(&c, "inherit", num_str(fd), "info");
    child_expect(&c, "inherit", 0);
    expect_info(&c, page_size(), MMF_PAGE_READWRITE, RW_ACCESS, 0, 0);
    child_end_ok(&c);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_inherit, set_inheritable_twice_and_errors)
{
    assert_rc(mmf_section_set_inheritable(NULL, 1, NULL), -EBADF);
    int fd = -7;
    assert_rc(mmf_section_set_inheritable(NULL, 1, &fd), -EBADF);
    cr_assert_eq(fd, -7, "a failed call wrote its output");
    assert_rc(mmf_section_set_inheritable(NULL, 0, NULL), -EBADF);

    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    /* Making a non-inheritable handle non-inheritable is a no-op. */
    int before = count_fds();
    assert_rc(mmf_section_set_inheritable(h, 0, NULL), 0);
    cr_assert_eq(count_fds(), before);
    /* @fd may be NULL; a second call makes nothing new. */
    assert_rc(mmf_section_set_inheritable(h, 1, NULL), 0);
    int once = count_fds();
    cr_assert_gt(once, before);
    assert_rc(mmf_section_set_inheritable(h, 1, &fd), 0);
    cr_assert_eq(count_fds(), once, "a second set_inheritable opened more descriptors");
    cr_assert(fd_inheritable(fd));
    struct child c;
    hstart(&c, "inherit", num_str(fd), "info");
    child_expect(&c, "inherit", 0);
    expect_info(&c, page_size(), MMF_PAGE_READWRITE, RW_ACCESS, 0, 0);
    child_end_ok(&c);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_inherit, close_releases_inheritable_descriptors)
{
    registry_private(0755);
    char name[128];
    hname(name, "closeinh");
    /* Touch the registry first: its directory descriptor stays open.  And
     * map `keep` once: a named section opens its data description at its
     * first use, and keeps it for as long as the section lives. */
    mmf_section *keep = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    void *p = NULL;
    assert_rc(mmf_view_map(keep, MMF_PAGE_READWRITE, 0, 0, NULL, &p), 0);
    assert_rc(mmf_view_unmap(p), 0);
    int before = count_fds();
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    mmf_section *n = NULL;
    assert_rc(mmf_section_dup(keep, 0, &n), 0);
    assert_rc(mmf_section_set_inheritable(h, 1, NULL), 0);
    assert_rc(mmf_section_set_inheritable(n, 1, NULL), 0);
    assert_rc(mmf_section_close(h), 0);
    assert_rc(mmf_section_close(n), 0);
    cr_assert_eq(count_fds(), before, "closing inheritable handles left descriptors: "
                 "%d before, %d after", before, count_fds());
    assert_rc(mmf_section_close(keep), 0);
    assert_name_gone(name);
}

Test(handle_inherit, rebuilt_handle_owns_its_descriptors)
{
    int base_exec;
    int base = baseline_fds(&base_exec);
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int fd = make_inheritable(h);
    struct child c;
    hstart(&c, "fdcount", "inherit", num_str(fd), "execfds", "close", "fdcount");
    int at_start = child_count(&c, "fdcount");
    cr_assert_gt(at_start, base, "the child did not inherit the handle's descriptors");
    child_expect(&c, "inherit", 0);
    /* The rebuilt handle's descriptors are close-on-exec (its own children
     * do not inherit them), and closing it releases every one. */
    expect_handle_fds_owned(&c, base_exec, base);
    child_end_ok(&c);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_inherit, named_rebuilt_handle_is_cloexec)
{
    registry_private(0755);
    int base_exec;
    baseline_fds(&base_exec);
    char name[128];
    hname(name, "inhexec");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    int fd = make_inheritable(h);
    struct child c;
    hstart(&c, "inherit", num_str(fd), "execfds");
    child_expect(&c, "inherit", 0);
    int exec = child_count(&c, "execfds");
    cr_assert_eq(exec, base_exec, "after from_fd_handle the child would pass %d descriptors "
                 "through exec, %d without the handle", exec, base_exec);
    child_end_ok(&c);
    assert_rc(mmf_section_close(h), 0);
    assert_name_gone(name);
}

Test(handle_inherit, wrong_descriptor_in_child)
{
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    set_cloexec(p[0], 0);
    /* A regular file that is not a handle: garbage, and empty. */
    int g = tmp_file("garbage", 8192, NULL);
    set_cloexec(g, 0);
    int e = tmp_file("empty", 0, NULL);
    set_cloexec(e, 0);
    /* stdin (a pipe), a pipe, garbage, an empty file, closed numbers. */
    struct child c;
    hstart(&c, "inherit", "0", "inherit", num_str(p[0]), "inherit", num_str(g), "inherit",
           num_str(e), "inherit", "1000", "inherit", "-1", "info", "fdcount");
    child_expect(&c, "inherit", -EINVAL);
    child_expect(&c, "inherit", -EINVAL);
    child_expect(&c, "inherit", -EINVAL);
    child_expect(&c, "inherit", -EINVAL);
    child_expect(&c, "inherit", -EBADF);
    child_expect(&c, "inherit", -EBADF);
    child_expect(&c, "info", -EINVAL);
    child_count(&c, "fdcount");
    child_end_ok(&c);
    close(p[0]);
    close(p[1]);
    close(g);
    close(e);
}

Test(handle_inherit, data_descriptor_is_not_a_handle)
{
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int before[MAX_FDS], after[MAX_FDS], extra[MAX_FDS];
    int nb = list_inheritable(before, MAX_FDS);
    int fd = make_inheritable(h);
    int na = list_inheritable(after, MAX_FDS);
    int ne = new_fds(before, nb, after, na, extra, MAX_FDS);
    cr_assert_geq(ne, 2, "a handle needs its token and its data: %d new descriptors", ne);
    for (int i = 0; i < ne; i++) {
        if (extra[i] == fd)
            continue;
        struct child c;
        hstart(&c, "inherit", num_str(extra[i]), "inherit", num_str(fd), "info");
        child_expect(&c, "inherit", -EINVAL);
        child_expect(&c, "inherit", 0);
        expect_info(&c, page_size(), MMF_PAGE_READWRITE, RW_ACCESS, 0, 0);
        child_end_ok(&c);
    }
    assert_rc(mmf_section_close(h), 0);
}

/* The child gets the token but not one of the other inherited
 * descriptors: "a part of it is missing". */
static void missing_part(int named)
{
    registry_private(0755);
    char name[128];
    hname(name, "part");
    mmf_section *h = named ? named_mem(name, page_size(), MMF_PAGE_READWRITE)
                           : mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int before[MAX_FDS], after[MAX_FDS], extra[MAX_FDS];
    int nb = list_inheritable(before, MAX_FDS);
    int fd = make_inheritable(h);
    int na = list_inheritable(after, MAX_FDS);
    int ne = new_fds(before, nb, after, na, extra, MAX_FDS);
    cr_assert_geq(ne, named ? 3 : 2, "%d new inheritable descriptors", ne);
    int tried = 0;
    for (int i = 0; i < ne; i++) {
        if (extra[i] == fd)
            continue;
        struct child c;
        hspawn(&c, &extra[i], 1,
               (const char *const[]){ "inherit", num_str(fd), "info", "fdcount", NULL });
        child_expect(&c, "inherit", -EINVAL);
        child_expect(&c, "info", -EINVAL);
        child_count(&c, "fdcount");
        child_end_ok(&c);
        tried++;
    }
    cr_assert_geq(tried, named ? 2 : 1);
    assert_rc(mmf_section_close(h), 0);
    if (named)
        assert_name_gone(name);
}

Test(handle_inherit, missing_part_unnamed)
{
    missing_part(0);
}

Test(handle_inherit, missing_part_named)
{
    missing_part(1);
}

Test(handle_inherit, two_children_share_the_section)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(pg, MMF_PAGE_READWRITE, 0);
    int fd = make_inheritable(h);
    struct child a, b;
    hstart(&a, "inherit", num_str(fd), "write", "0", "first", "hold");
    hstart(&b, "inherit", num_str(fd), "hold", "read", "0", "5");
    child_expect(&a, "inherit", 0);
    child_expect(&b, "inherit", 0);
    child_expect(&a, "write", 0);
    child_ready(&a);
    child_ready(&b);
    child_go(&b);
    child_expect_text(&b, "first");
    child_end_ok(&b);
    child_end_ok(&a);
    assert_rc(mmf_section_close(h), 0);
}

/* ================================================================== */
/* SCM_RIGHTS: to another process                                      */
/* ================================================================== */

Test(handle_socket, memory_to_child)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(2 * pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "sent!", 5);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "recv", num_str(sv[1]), "info", "read", "0", "5", "write", "8", "reply",
                "hold", "read", "16", "5");
    assert_rc(mmf_section_send(sv[0], h), 0);
    child_expect(&c, "recv", 0);
    expect_info(&c, 2 * pg, MMF_PAGE_READWRITE, RW_ACCESS, 0, 0);
    child_expect_text(&c, "sent!");
    child_expect(&c, "write", 0);
    cr_assert(memcmp(v + 8, "reply", 5) == 0, "the child's write is not in our view");
    child_ready(&c);
    /* The sender's handle is unchanged; closing it keeps the child's. */
    cr_assert_eq(sinfo(h).access, RW_ACCESS);
    assert_rc(mmf_section_close(h), 0);
    memcpy(v + 16, "after", 5);
    child_go(&c);
    child_expect_text(&c, "after");
    child_end_ok(&c);
    assert_rc(mmf_view_unmap(v), 0);
    close(sv[0]);
}

Test(handle_socket, file_to_child)
{
    uint64_t pg = page_size(), size = pg + 77;
    int fd = tmp_file("f", size, NULL);
    mmf_section *h = file_section(fd, 0, MMF_PAGE_READWRITE);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "recv", num_str(sv[1]), "info", "read", "0", "32", "write", "3", "abc");
    assert_rc(mmf_section_send(sv[0], h), 0);
    child_expect(&c, "recv", 0);
    expect_info(&c, size, MMF_PAGE_READWRITE, RW_ACCESS, 0, 1);
    unsigned char got[32];
    child_read(&c, got, 32);
    cr_assert(check_pat(got, 0, 32), "the child does not see the file's data");
    child_expect(&c, "write", 0);
    child_end_ok(&c);
    char buf[3];
    pread_all(fd, buf, 3, 3);
    cr_assert(memcmp(buf, "abc", 3) == 0, "the child's write did not reach the file");
    assert_rc(mmf_section_close(h), 0);
    close(sv[0]);
    close(fd);
}

Test(handle_socket, named_child_holds_name)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[128];
    hname(name, "sock");
    mmf_section *h = named_mem(name, pg, MMF_PAGE_READWRITE);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "named", 5);
    assert_rc(mmf_view_unmap(v), 0);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "recv", num_str(sv[1]), "info", "read", "0", "5", "hold");
    assert_rc(mmf_section_send(sv[0], h), 0);
    close(sv[0]);
    child_expect(&c, "recv", 0);
    expect_info(&c, pg, MMF_PAGE_READWRITE, RW_ACCESS, 1, 0);
    child_expect_text(&c, "named");
    child_ready(&c);

    assert_rc(mmf_section_close(h), 0);
    mmf_section *o = SENTINEL;
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &o), 0);
    v = map_view(o, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v, "named", 5) == 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(o), 0);
    struct child t;
    hstart(&t, "openname", name);
    child_expect(&t, "openname", 0);
    child_end_ok(&t);

    child_end_ok(&c);
    assert_name_gone(name);
}

Test(handle_socket, reduced_access_to_child)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "keep", 4);
    mmf_section *r = NULL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, &r), 0);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "recv", num_str(sv[1]), "info", "write", "0", "nope", "read", "0", "4");
    assert_rc(mmf_section_send(sv[0], r), 0);
    child_expect(&c, "recv", 0);
    expect_info(&c, pg, MMF_PAGE_READWRITE, MMF_ACCESS_READ, 0, 0);
    child_expect(&c, "write", -EACCES);
    child_expect_text(&c, "keep");
    child_end_ok(&c);
    cr_assert(memcmp(v, "keep", 4) == 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
    close(sv[0]);
}

Test(handle_socket, round_trip_through_child)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char name[128];
    hname(name, "trip");
    mmf_section *h = named_mem(name, 2 * pg, MMF_PAGE_READWRITE);
    mmf_section *r = NULL;
    assert_rc(mmf_section_dup(h, MMF_ACCESS_READ, &r), 0);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "recv", num_str(sv[1]), "send", num_str(sv[1]), "recv", num_str(sv[1]),
                "send", num_str(sv[1]));
    assert_rc(mmf_section_send(sv[0], h), 0);
    child_expect(&c, "recv", 0);
    child_expect(&c, "send", 0);
    mmf_section *back = SENTINEL;
    assert_rc(mmf_section_recv(sv[0], &back), 0);
    cr_assert_neq(back, SENTINEL);
    assert_same_section(h, back, RW_ACCESS);
    assert_rc(mmf_section_send(sv[0], r), 0);
    child_expect(&c, "recv", 0);
    child_expect(&c, "send", 0);
    mmf_section *rback = SENTINEL;
    assert_rc(mmf_section_recv(sv[0], &rback), 0);
    assert_same_section(h, rback, MMF_ACCESS_READ);
    child_end_ok(&c);
    close(sv[0]);

    assert_coherent(h, back);
    void *v = NULL;
    assert_rc(mmf_view_map(rback, MMF_PAGE_READWRITE, 0, 0, NULL, &v), -EACCES);
    /* The handles that came back hold the name on their own. */
    assert_rc(mmf_section_close(h), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_name_opens(name);
    assert_rc(mmf_section_close(back), 0);
    assert_name_opens(name);
    assert_rc(mmf_section_close(rback), 0);
    assert_name_gone(name);
}

Test(handle_socket, received_handle_owns_its_descriptors)
{
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "fdcount", "recv", num_str(sv[1]), "execfds", "close", "fdcount");
    int at_start = child_count(&c, "fdcount");
    assert_rc(mmf_section_send(sv[0], h), 0);
    child_expect(&c, "recv", 0);
    /* Everything the child had at the start was inheritable; what came
     * with the handle must not be, and closing it releases it all. */
    expect_handle_fds_owned(&c, at_start, at_start);
    child_end_ok(&c);
    assert_rc(mmf_section_close(h), 0);
    close(sv[0]);
}

Test(handle_socket, named_received_handle_is_cloexec)
{
    registry_private(0755);
    char name[128];
    hname(name, "sockexec");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    int sv[2];
    struct child c;
    hstart_sock(&c, sv, "execfds", "recv", num_str(sv[1]), "execfds");
    int at_start = child_count(&c, "execfds");
    assert_rc(mmf_section_send(sv[0], h), 0);
    child_expect(&c, "recv", 0);
    int exec = child_count(&c, "execfds");
    cr_assert_eq(exec, at_start, "the received handle's descriptors are not close-on-exec");
    child_end_ok(&c);
    assert_rc(mmf_section_close(h), 0);
    close(sv[0]);
    assert_name_gone(name);
}

/* ================================================================== */
/* SCM_RIGHTS: within the process, and bad messages                    */
/* ================================================================== */

Test(handle_socket, same_process_memory)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(3 * pg, MMF_PAGE_EXECUTE_READWRITE, 0);
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    mmf_section *r = pass_handle(sv[0], sv[1], h);
    assert_same_section(h, r, MMF_ACCESS_ALL);
    assert_coherent(h, r);
    /* The other direction too. */
    mmf_section *r2 = pass_handle(sv[1], sv[0], r);
    assert_same_section(h, r2, MMF_ACCESS_ALL);
    assert_rc(mmf_section_close(h), 0);
    assert_rc(mmf_section_close(r), 0);
    char *v = map_view(r2, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v + 100, "from-a", 6) == 0 && memcmp(v + 200, "from-b", 6) == 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(r2), 0);
    close(sv[0]);
    close(sv[1]);
}

Test(handle_socket, same_process_file_readonly)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int wfd = tmp_file("f", pg, path);
    int fd = reopen(path, O_RDONLY);
    mmf_section *h = file_section(fd, 0, MMF_PAGE_READONLY);
    close(fd);
    int sv[2];
    sock_pair(SOCK_SEQPACKET, sv);
    mmf_section *r = pass_handle(sv[0], sv[1], h);
    assert_same_section(h, r, MMF_ACCESS_READ);
    cr_assert_eq(sinfo(r).file_backed, 1);
    cr_assert_eq(sinfo(r).protection, MMF_PAGE_READONLY);
    void *w = NULL;
    assert_rc(mmf_view_map(r, MMF_PAGE_READWRITE, 0, 0, NULL, &w), -EACCES);
    char *v = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert(check_pat(v, 0, pg));
    pwrite_all(wfd, "new", 3, 0);
    cr_assert(memcmp(v, "new", 3) == 0, "the received handle's view is not the file");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
    close(sv[0]);
    close(sv[1]);
    close(wfd);
}

Test(handle_socket, same_process_named)
{
    registry_private(0755);
    char name[128];
    hname(name, "self");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    mmf_section *r = pass_handle(sv[0], sv[1], h);
    assert_same_section(h, r, RW_ACCESS);
    cr_assert_eq(sinfo(r).named, 1);
    assert_coherent(h, r);
    assert_rc(mmf_section_close(h), 0);
    assert_name_opens(name);
    assert_rc(mmf_section_close(r), 0);
    assert_name_gone(name);
    close(sv[0]);
    close(sv[1]);
}

Test(handle_socket, named_in_flight_holds_name)
{
    /* A handle on its way holds the name like any other: the sender may
     * close before the receiver takes it. */
    registry_private(0755);
    char name[128];
    hname(name, "flight");
    mmf_section *h = named_mem(name, page_size(), MMF_PAGE_READWRITE);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "in flight", 9);
    assert_rc(mmf_view_unmap(v), 0);
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    assert_rc(mmf_section_send(sv[0], h), 0);
    assert_rc(mmf_section_close(h), 0);
    mmf_section *r = SENTINEL;
    assert_rc(mmf_section_recv(sv[1], &r), 0);
    cr_assert_eq(sinfo(r).named, 1);
    v = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v, "in flight", 9) == 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_name_opens(name);

    /* Sent and never received: the name goes with the socket. */
    assert_rc(mmf_section_send(sv[0], r), 0);
    assert_rc(mmf_section_close(r), 0);
    close(sv[0]);
    close(sv[1]);
    assert_name_gone(name);
}

Test(handle_socket, several_in_a_row)
{
    uint64_t pg = page_size();
    mmf_section *a = mem_section(pg, MMF_PAGE_READWRITE, 0);
    mmf_section *b = NULL;
    assert_rc(mmf_section_dup(a, MMF_ACCESS_READ, &b), 0);
    mmf_section *c = mem_section(5 * pg, MMF_PAGE_READONLY, 0);
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    assert_rc(mmf_section_send(sv[0], a), 0);
    assert_rc(mmf_section_send(sv[0], b), 0);
    assert_rc(mmf_section_send(sv[0], c), 0);
    mmf_section *r[3];
    for (int i = 0; i < 3; i++)
        assert_rc(mmf_section_recv(sv[1], &r[i]), 0);
    assert_same_section(a, r[0], RW_ACCESS);
    assert_same_section(b, r[1], MMF_ACCESS_READ);
    assert_same_section(c, r[2], MMF_ACCESS_READ);
    assert_coherent(a, r[0]);
    char *v = map_view(r[1], MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(v + 100, "from-a", 6) == 0, "r[1] is not a's section");
    assert_rc(mmf_view_unmap(v), 0);
    for (int i = 0; i < 3; i++)
        assert_rc(mmf_section_close(r[i]), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_rc(mmf_section_close(b), 0);
    assert_rc(mmf_section_close(c), 0);
    close(sv[0]);
    close(sv[1]);
}

Test(handle_socket, garbage_bytes)
{
    /* A stream: ten bytes, then the peer hangs up. */
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    cr_assert_eq(write(sv[0], "0123456789", 10), 10);
    close(sv[0]);
    mmf_section *r = SENTINEL;
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    cr_assert_eq(r, SENTINEL, "a failed recv wrote its output");
    assert_rc(mmf_section_recv(sv[1], &r), -ECONNRESET);
    close(sv[1]);

    /* Messages: a short one and a long one, the peer still there. */
    sock_pair(SOCK_SEQPACKET, sv);
    cr_assert_eq(write(sv[0], "0123456789", 10), 10);
    char big[4096];
    memset(big, 'm', sizeof big);
    cr_assert_eq(write(sv[0], big, sizeof big), (ssize_t)sizeof big);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    cr_assert_eq(r, SENTINEL);
    /* The socket still works for a real handle afterwards. */
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    assert_rc(mmf_section_send(sv[0], h), 0);
    assert_rc(mmf_section_recv(sv[1], &r), 0);
    assert_coherent(h, r);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
    close(sv[0]);
    close(sv[1]);
}

Test(handle_socket, peer_closed)
{
    int types[2] = { SOCK_STREAM, SOCK_SEQPACKET };
    for (int i = 0; i < 2; i++) {
        int sv[2];
        sock_pair(types[i], sv);
        close(sv[0]);
        mmf_section *r = SENTINEL;
        assert_rc(mmf_section_recv(sv[1], &r), -ECONNRESET);
        cr_assert_eq(r, SENTINEL);
        close(sv[1]);
    }
}

Test(handle_socket, garbage_with_descriptors_closed)
{
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    int before = count_fds();
    /* Up to more than mmf ever sends or makes room for. */
    for (int n = 1; n <= 6; n++) {
        int efd[6];
        for (int i = 0; i < n; i++) {
            efd[i] = eventfd(0, EFD_CLOEXEC);
            cr_assert_geq(efd[i], 0, "eventfd: %s", strerror(errno));
        }
        send_raw(sv[0], "0123456789", 10, efd, n);
        for (int i = 0; i < n; i++)
            close(efd[i]);
        cr_assert_eq(count_fds(), before);
        mmf_section *r = SENTINEL;
        assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
        cr_assert_eq(r, SENTINEL);
        cr_assert_eq(count_fds(), before, "recv kept %d of the %d descriptors of a bad "
                     "message", count_fds() - before, n);
    }
    close(sv[0]);
    close(sv[1]);
}

/*
 * A real handle's message, captured raw and sent again with other
 * descriptors: each is refused with -EINVAL, and whatever came with it
 * is closed.  Sent again as it was, it works.
 */
static void replay(int named)
{
    registry_private(0755);
    char name[128];
    hname(name, "replay");
    uint64_t pg = page_size();
    mmf_section *h = named ? named_mem(name, pg, MMF_PAGE_READWRITE)
                           : mem_section(pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(h, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v, "original", 8);
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    assert_rc(mmf_section_send(sv[0], h), 0);
    char msg[4096];
    int fds[8], nfds = 0;
    size_t len = recv_raw(sv[1], msg, sizeof msg, fds, &nfds);
    cr_assert_eq(nfds, named ? 2 : 1, "a handle came with %d descriptors", nfds);

    int before = count_fds();
    int efd = eventfd(0, EFD_CLOEXEC);
    cr_assert_geq(efd, 0);
    char ename[PATH_MAX];
    int other = tmp_file(named ? "other-n" : "other", 2 * pg, ename);
    mmf_section *r = SENTINEL;

    /* No descriptor at all. */
    send_raw(sv[0], msg, len, NULL, 0);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    /* Too few (named: the data without the entry). */
    if (named) {
        send_raw(sv[0], msg, len, fds, 1);
        assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    }
    /* One too many. */
    int more[3] = { fds[0], named ? fds[1] : efd, efd };
    send_raw(sv[0], msg, len, more, nfds + 1);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    /* Not a regular file in place of the data. */
    int wrong[2] = { efd, named ? fds[1] : -1 };
    send_raw(sv[0], msg, len, wrong, nfds);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    /* Named: another file in place of the registry entry. */
    if (named) {
        int wrong2[2] = { fds[0], other };
        send_raw(sv[0], msg, len, wrong2, 2);
        assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    }
    /* Cut short, with the right descriptors. */
    send_raw(sv[0], msg, len / 2, fds, nfds);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    /* Wrong bytes, the right descriptors. */
    char bad[4096];
    memcpy(bad, msg, len);
    for (size_t i = 0; i < 8 && i < len; i++)
        bad[i] ^= 0x5a;
    send_raw(sv[0], bad, len, fds, nfds);
    assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
    cr_assert_eq(r, SENTINEL, "a failed recv wrote its output");
    close(efd);
    close(other);
    cr_assert_eq(count_fds(), before, "refused messages left %d descriptors open",
                 count_fds() - before);

    /* As it was: a working handle. */
    send_raw(sv[0], msg, len, fds, nfds);
    assert_rc(mmf_section_recv(sv[1], &r), 0);
    assert_same_section(h, r, RW_ACCESS);
    char *rv = map_view(r, MMF_PAGE_READONLY, 0, 0);
    cr_assert(memcmp(rv, "original", 8) == 0);
    assert_rc(mmf_view_unmap(rv), 0);
    assert_rc(mmf_section_close(r), 0);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(h), 0);
    if (named)
        assert_name_gone(name);
    close(sv[0]);
    close(sv[1]);
}

Test(handle_socket, replay_with_wrong_descriptors_unnamed)
{
    replay(0);
}

Test(handle_socket, replay_with_wrong_descriptors_named)
{
    replay(1);
}

Test(handle_socket, send_errors)
{
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    assert_rc(mmf_section_send(sv[0], NULL), -EBADF);
    assert_rc(mmf_section_send(-1, h), -EBADF);
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    assert_rc(mmf_section_send(p[1], h), -ENOTSOCK);
    close(p[0]);
    close(p[1]);
    /* The peer is gone: an error, not SIGPIPE. */
    signal(SIGPIPE, SIG_DFL);
    close(sv[1]);
    int rc = mmf_section_send(sv[0], h);
    cr_assert(rc == -EPIPE || rc == -ECONNRESET, "send to a closed peer: %d (%s)", rc,
              mmf_strerror(rc));
    close(sv[0]);
    cr_assert_eq(sinfo(h).access, RW_ACCESS);
    assert_rc(mmf_section_close(h), 0);
}

Test(handle_socket, recv_errors)
{
    int sv[2];
    sock_pair(SOCK_STREAM, sv);
    mmf_section *r = SENTINEL;
    assert_rc(mmf_section_recv(-1, &r), -EBADF);
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    assert_rc(mmf_section_recv(p[0], &r), -ENOTSOCK);
    cr_assert_eq(r, SENTINEL);
    /* A NULL @out takes nothing off the socket (a timeout, not a hang,
     * if it did). */
    struct timeval tv = { .tv_sec = 5 };
    cr_assert_eq(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    mmf_section *h = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    assert_rc(mmf_section_send(sv[0], h), 0);
    assert_rc(mmf_section_recv(sv[1], NULL), -EINVAL);
    assert_rc(mmf_section_recv(sv[1], &r), 0);
    assert_same_section(h, r, RW_ACCESS);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_section_close(h), 0);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}
