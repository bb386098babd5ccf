/*
 * test_guard.c — in-page errors (SIGBUS) as MMF_EINPAGE: mmf_view_read,
 * mmf_view_write and mmf_guard, against a real truncation of the file by
 * another process (truncate(1), which knows nothing of mmf).
 */
#include <pthread.h>
#include <setjmp.h>

#include "helpers.h"

TestSuite(guard, .fini = tmp_cleanup, .timeout = 60);

/* A file section of 4 pages with a read-write view of it; *path receives
 * the file's path. */
static char *mapped_file(char *path, mmf_section **sec)
{
    uint64_t pg = page_size();
    int fd = tmp_file("g", 4 * pg, path);
    mmf_section *s;
    assert_rc(mmf_section_from_fd(fd, 4 * pg, MMF_PAGE_READWRITE, 0, &s), 0);
    close(fd);
    void *v;
    assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v), 0);
    if (sec)
        *sec = s;
    else
        mmf_section_close(s);
    return v;
}

/* Truncates the file from another process that is not an mmf process. */
static void truncate_elsewhere(const char *path, uint64_t size)
{
    char sz[32];
    snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        execlp("truncate", "truncate", "-s", sz, path, (char *)NULL);
        _exit(127);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "truncate(1) failed: %d", st);
}

Test(guard, read_and_write_of_a_truncated_page_return_einpage)
{
    char path[PATH_MAX];
    uint64_t pg = page_size();
    char *v = mapped_file(path, NULL);
    char buf[64];
    assert_rc(mmf_view_read(v + pg, buf, sizeof buf), 0);
    cr_assert(check_pat(buf, pg, sizeof buf), "data before truncation");
    truncate_elsewhere(path, pg); /* pages 1..3 are gone */
    assert_rc(mmf_view_read(v + pg, buf, sizeof buf), MMF_EINPAGE);
    assert_rc(mmf_view_write(v + 2 * pg, "x", 1), MMF_EINPAGE);
    /* the first page is still there, and works through the same calls */
    assert_rc(mmf_view_write(v + 10, "hello", 5), 0);
    assert_rc(mmf_view_read(v + 10, buf, 5), 0);
    cr_assert(memcmp(buf, "hello", 5) == 0);
    /* a copy that starts in a good page and runs into a bad one */
    char big[2 * 4096];
    cr_assert(pg <= 4096);
    assert_rc(mmf_view_read(v + pg - 16, big, 32), MMF_EINPAGE);
    cr_assert(memcmp(big, v + pg - 16, 16) == 0, "the bytes before the fault were copied");
    assert_rc(mmf_view_unmap(v), 0);
}

struct touch {
    volatile char *p;
    int ran_after;
};

static int touch_fn(void *arg)
{
    struct touch *t = arg;
    char c = *t->p; /* faults */
    t->ran_after = 1;
    return c == 0 ? 7 : 8;
}

static int fine_fn(void *arg)
{
    (void)arg;
    return 42;
}

Test(guard, guarded_block_is_abandoned_at_the_fault)
{
    char path[PATH_MAX];
    uint64_t pg = page_size();
    char *v = mapped_file(path, NULL);
    assert_rc(mmf_guard(v, 4 * pg, fine_fn, NULL), 42);
    truncate_elsewhere(path, 0);
    struct touch t = { v + 3 * pg, 0 };
    assert_rc(mmf_guard(v, 4 * pg, touch_fn, &t), MMF_EINPAGE);
    cr_assert_eq(t.ran_after, 0, "the block went on after the fault");
    /* again: the guard still works after a jump (the mask was restored) */
    t.ran_after = 0;
    assert_rc(mmf_guard(v, 4 * pg, touch_fn, &t), MMF_EINPAGE);
    assert_rc(mmf_guard(v, 4 * pg, fine_fn, NULL), 42);
    assert_rc(mmf_view_unmap(v), 0);
}

struct nest {
    char *outer_addr, *inner_range;
    size_t len;
    int inner_rc;
};

static int inner_fn(void *arg)
{
    struct nest *n = arg;
    return *(volatile char *)n->outer_addr; /* outside the inner range */
}

static int outer_fn(void *arg)
{
    struct nest *n = arg;
    n->inner_rc = mmf_guard(n->inner_range, n->len, inner_fn, n);
    return 5;
}

Test(guard, nested_guards_go_to_the_one_whose_range_faulted)
{
    char path[PATH_MAX], path2[PATH_MAX];
    uint64_t pg = page_size();
    char *v = mapped_file(path, NULL);
    int fd2 = tmp_file("g2", pg, path2);
    char *w = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd2, 0);
    cr_assert_neq(w, MAP_FAILED);
    close(fd2);
    truncate_elsewhere(path, 0);
    struct nest n = { .outer_addr = v, .inner_range = w, .len = pg, .inner_rc = -1 };
    assert_rc(mmf_guard(v, 4 * pg, outer_fn, &n), MMF_EINPAGE);
    cr_assert_eq(n.inner_rc, -1, "the inner guard must not catch a fault outside its range");
    munmap(w, pg);
}

static void unguarded_fault(void *arg)
{
    const char *path = arg;
    uint64_t pg = page_size();
    int fd = open(path, O_RDWR);
    mmf_section *s;
    void *v;
    if (fd < 0 || mmf_section_from_fd(fd, 2 * pg, MMF_PAGE_READWRITE, 0, &s) < 0 ||
        mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v) < 0)
        _exit(3);
    /* install mmf's handler, then fault outside every guard */
    if (mmf_guard(v, 1, fine_fn, NULL) != 42)
        _exit(4);
    if (ftruncate(fd, 0) < 0) /* plain ftruncate: not stopped */
        _exit(5);
    (void)*(volatile char *)((char *)v + pg);
    _exit(6); /* not reached */
}

Test(guard, a_fault_outside_every_guard_still_kills)
{
    char path[PATH_MAX];
    close(tmp_file("k", 2 * page_size(), path));
    int st = run_child(unguarded_fault, path);
    cr_assert(killed_by(st, SIGBUS), "status %d: the process must die of SIGBUS", st);
}

static sigjmp_buf user_jb;
static volatile sig_atomic_t user_handler_ran;

static void user_handler(int sig)
{
    (void)sig;
    user_handler_ran = 1;
    siglongjmp(user_jb, 1);
}

static void chained(void *arg)
{
    const char *path = arg;
    uint64_t pg = page_size();
    signal(SIGBUS, user_handler); /* the program's own, before mmf's */
    int fd = open(path, O_RDWR);
    mmf_section *s;
    char *v;
    if (fd < 0 || mmf_section_from_fd(fd, 2 * pg, MMF_PAGE_READWRITE, 0, &s) < 0 ||
        mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&v) < 0)
        _exit(3);
    if (ftruncate(fd, 0) < 0)
        _exit(5);
    char b;
    if (mmf_view_read(v + pg, &b, 1) != MMF_EINPAGE) /* mmf's, inside the guard */
        _exit(6);
    if (sigsetjmp(user_jb, 1) == 0)
        (void)*(volatile char *)(v + pg); /* outside: the program's handler */
    _exit(user_handler_ran ? 0 : 7);
}

Test(guard, faults_outside_the_guards_go_to_the_previous_handler)
{
    char path[PATH_MAX];
    close(tmp_file("c", 2 * page_size(), path));
    int st = run_child(chained, path);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}

struct thr {
    char *v;
    uint64_t pg;
    int einpage, ok;
};

static void *reader(void *arg)
{
    struct thr *t = arg;
    for (int i = 0; i < 200; i++) {
        char b[8];
        int rc = mmf_view_read(t->v + (i % 2 ? 0 : 2 * t->pg), b, sizeof b);
        if (rc == MMF_EINPAGE)
            t->einpage++;
        else if (rc == 0)
            t->ok++;
    }
    return NULL;
}

Test(guard, threads_fault_independently)
{
    char path[PATH_MAX];
    uint64_t pg = page_size();
    char *v = mapped_file(path, NULL);
    truncate_elsewhere(path, pg);
    pthread_t th[8];
    struct thr t[8];
    for (int i = 0; i < 8; i++) {
        t[i] = (struct thr){ v, pg, 0, 0 };
        cr_assert_eq(pthread_create(&th[i], NULL, reader, &t[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(t[i].einpage, 100, "thread %d: %d in-page errors", i, t[i].einpage);
        cr_assert_eq(t[i].ok, 100, "thread %d: %d good reads", i, t[i].ok);
    }
    assert_rc(mmf_view_unmap(v), 0);
}

Test(guard, bad_arguments)
{
    char path[PATH_MAX];
    uint64_t pg = page_size();
    mmf_section *s;
    char *v = mapped_file(path, &s);
    char buf[16], local[16] = { 0 };
    assert_rc(mmf_view_read(local, buf, 4), MMF_ENOTVIEW);
    assert_rc(mmf_view_write(local, buf, 4), MMF_ENOTVIEW);
    assert_rc(mmf_view_read(v + 4 * pg - 2, buf, 4), MMF_ENOTVIEW); /* runs past the view */
    assert_rc(mmf_view_read(v, NULL, 4), -EINVAL);
    assert_rc(mmf_view_read(v, NULL, 0), 0);
    assert_rc(mmf_guard(v, 16, NULL, NULL), -EINVAL);
    assert_rc(mmf_guard((void *)UINTPTR_MAX, 16, fine_fn, NULL), -EINVAL);
    /* a read-only view: writing is refused up front (it would be SIGSEGV) */
    void *r;
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 0, 0, NULL, &r), 0);
    assert_rc(mmf_view_write(r, "x", 1), -EACCES);
    assert_rc(mmf_view_read(r, buf, 1), 0);
    /* a page made no-access inside a read-write view */
    assert_rc(mmf_view_protect(v + pg, pg, MMF_PAGE_NOACCESS, NULL), 0);
    assert_rc(mmf_view_read(v, buf, 1), 0);
    assert_rc(mmf_view_read(v + pg - 1, buf, 2), -EACCES);
    /* copy-on-write pages are writable */
    void *c;
    assert_rc(mmf_view_map(s, MMF_PAGE_WRITECOPY, 0, 0, NULL, &c), 0);
    assert_rc(mmf_view_write(c, "cow", 3), 0);
    cr_assert(memcmp(v, "cow", 3) != 0, "a copy-on-write write reached the file");
    mmf_view_unmap(c);
    mmf_view_unmap(r);
    mmf_view_unmap(v);
    mmf_section_close(s);
}
