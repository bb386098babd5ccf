/*
 * test_truncate.c — the truncation guard: mmf_file_set_size() refuses to
 * shrink a file below the end of a live section (handles or views) of any
 * process, and allows growing and shrinking down to the largest section.
 */
#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>

static void tmp_fini_all(void);

TestSuite(truncate, .fini = tmp_cleanup, .timeout = 30);
TestSuite(truncate_procs, .fini = tmp_fini_all, .timeout = 30);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void tmp_fini_all(void)
{
    tmp_cleanup();
    registry_cleanup();
}

/* A @pages-page file and a read-write section of @sec_pages over it. */
static int file_with_section(const char *name, uint64_t pages, uint64_t sec_pages,
                             mmf_section **s)
{
    uint64_t pg = page_size();
    int fd = tmp_file(name, pages * pg, NULL);
    *s = file_section(fd, sec_pages * pg, MMF_PAGE_READWRITE);
    return fd;
}

/* Decimal text of @v in a static ring of buffers (for child arguments). */
static const char *str_u64(uint64_t v)
{
    static char ring[8][24];
    static int next;
    char *b = ring[next++ % 8];
    snprintf(b, 24, "%llu", (unsigned long long)v);
    return b;
}

/* ------------------------------------------------------------------ */
/* One process                                                         */
/* ------------------------------------------------------------------ */

Test(truncate, shrink_below_live_section_is_refused)
{
    uint64_t pg = page_size();
    mmf_section *s;
    int fd = file_with_section("f", 3, 2, &s);
    assert_rc(mmf_file_set_size(fd, pg), MMF_EMAPPED);
    assert_rc(mmf_file_set_size(fd, 2 * pg - 1), MMF_EMAPPED);
    assert_rc(mmf_file_set_size(fd, 0), MMF_EMAPPED);
    cr_assert_eq(fd_size(fd), 3 * pg, "a refused shrink changed the size");
    cr_assert(file_byte(fd, 3 * pg - 1) == pat(3 * pg - 1), "a refused shrink changed the data");
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(truncate, shrink_to_exactly_the_section_size_is_allowed)
{
    uint64_t pg = page_size();
    mmf_section *s;
    int fd = file_with_section("f", 3, 2, &s);
    assert_rc(mmf_file_set_size(fd, 2 * pg), 0);
    cr_assert_eq(fd_size(fd), 2 * pg);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(truncate, grow_is_allowed)
{
    uint64_t pg = page_size();
    mmf_section *s;
    int fd = file_with_section("f", 2, 2, &s);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    assert_rc(mmf_file_set_size(fd, 10 * pg + 5), 0);
    cr_assert_eq(fd_size(fd), 10 * pg + 5);
    cr_assert(check_pat(v, 0, 2 * pg), "growing changed what the view shows");
    /* Back down to the section's end is a shrink that is still allowed. */
    assert_rc(mmf_file_set_size(fd, 2 * pg), 0);
    cr_assert_eq(fd_size(fd), 2 * pg);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(truncate, without_sections_anything_goes)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 3 * pg, NULL);
    assert_rc(mmf_file_set_size(fd, pg), 0);
    cr_assert_eq(fd_size(fd), pg);
    assert_rc(mmf_file_set_size(fd, 0), 0);
    cr_assert_eq(fd_size(fd), 0);
    assert_rc(mmf_file_set_size(fd, 7), 0);
    cr_assert_eq(fd_size(fd), 7);
    close(fd);
}

Test(truncate, a_view_keeps_the_guard_after_the_handle_closes)
{
    uint64_t pg = page_size();
    mmf_section *s;
    int fd = file_with_section("f", 2, 2, &s);
    char *v = map_view(s, MMF_PAGE_READONLY, pg, pg);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_file_set_size(fd, pg), MMF_EMAPPED);
    cr_assert_eq(fd_size(fd), 2 * pg);
    cr_assert(check_pat(v, pg, pg));
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_file_set_size(fd, pg), 0);
    cr_assert_eq(fd_size(fd), pg);
    close(fd);
}

Test(truncate, closing_the_last_handle_without_views_releases)
{
    mmf_section *s;
    int fd = file_with_section("f", 2, 2, &s);
    mmf_section *d;
    assert_rc(mmf_section_dup(s, 0, &d), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_file_set_size(fd, 0), MMF_EMAPPED); /* the duplicate holds it */
    assert_rc(mmf_section_close(d), 0);
    assert_rc(mmf_file_set_size(fd, 0), 0);
    close(fd);
}

Test(truncate, the_larger_of_two_sections_governs)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 4 * pg, NULL);
    mmf_section *small = file_section(fd, pg, MMF_PAGE_READONLY);
    mmf_section *large = file_section(fd, 3 * pg, MMF_PAGE_READWRITE);
    assert_rc(mmf_file_set_size(fd, 2 * pg), MMF_EMAPPED);
    assert_rc(mmf_file_set_size(fd, 3 * pg), 0);
    assert_rc(mmf_section_close(large), 0);
    assert_rc(mmf_file_set_size(fd, pg), 0);
    assert_rc(mmf_file_set_size(fd, pg - 1), MMF_EMAPPED);
    cr_assert_eq(fd_size(fd), pg);
    assert_rc(mmf_section_close(small), 0);
    assert_rc(mmf_file_set_size(fd, 0), 0);
    close(fd);
}

/* The section's descriptor shares the caller's open file description, and
 * locks of one description never conflict: the guard must still hold when
 * the shrink comes through that very descriptor, through another
 * descriptor of the process, and for a read-only section. */
Test(truncate, every_descriptor_of_the_file_is_refused)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd = tmp_file("f", 2 * pg, path);
    int ro = reopen(path, O_RDONLY);
    mmf_section *s = file_section(ro, 2 * pg, MMF_PAGE_READONLY);
    close(ro);
    int other = reopen(path, O_RDWR);
    int wo = reopen(path, O_WRONLY);
    assert_rc(mmf_file_set_size(fd, pg), MMF_EMAPPED);
    assert_rc(mmf_file_set_size(other, pg), MMF_EMAPPED);
    assert_rc(mmf_file_set_size(wo, pg), MMF_EMAPPED);
    int dupfd = dup(fd);
    assert_rc(mmf_file_set_size(dupfd, pg), MMF_EMAPPED);
    cr_assert_eq(fd_size(fd), 2 * pg);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_file_set_size(wo, pg), 0);
    cr_assert_eq(fd_size(fd), pg);
    close(dupfd);
    close(wo);
    close(other);
    close(fd);
}

/* A section made from the same descriptor as the shrink. */
Test(truncate, the_sections_own_descriptor_is_refused)
{
    uint64_t pg = page_size();
    mmf_section *s;
    int fd = file_with_section("f", 2, 0, &s); /* size 0: the whole file */
    assert_rc(mmf_file_set_size(fd, 2 * pg - 1), MMF_EMAPPED);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

/* The file of a named section opened by name is guarded by the opener's
 * section too, after the creator's handle is gone. */
Test(truncate_procs, a_named_section_opened_by_name_guards)
{
    registry_private(0755);
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, NULL);
    char name[64];
    snprintf(name, sizeof name, "mmft%d-trunc", (int)getpid());
    mmf_create_options o = { .name = name };
    mmf_section *c, *s;
    assert_rc(mmf_section_create(fd, 2 * pg, MMF_PAGE_READWRITE, 0, &o, &c), 0);
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &s), 0);
    assert_rc(mmf_section_close(c), 0);
    assert_rc(mmf_file_set_size(fd, pg), MMF_EMAPPED);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_file_set_size(fd, pg), 0);
    close(fd);
}

/* ------------------------------------------------------------------ */
/* Other processes                                                     */
/* ------------------------------------------------------------------ */

struct shrink_arg {
    const char *path;
    uint64_t    size;
    int         want;
};

/* In a forked child: a fresh descriptor, a shrink, exit 0 when it gave
 * the expected code (no Criterion asserts in a forked child). */
static void child_shrink(void *p)
{
    struct shrink_arg *a = p;
    int fd = open(a->path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        _exit(20);
    int rc = mmf_file_set_size(fd, a->size);
    _exit(rc == a->want ? 0 : 30 + (rc < 0 ? -rc % 50 : 49));
}

Test(truncate_procs, a_forked_child_is_refused_while_the_parent_maps)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd = tmp_file("f", 2 * pg, path);
    mmf_section *s = file_section(fd, 2 * pg, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    assert_rc(mmf_section_close(s), 0);
    struct shrink_arg a = { path, pg, MMF_EMAPPED };
    int st = run_child(child_shrink, &a);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    cr_assert_eq(fd_size(fd), 2 * pg);
    assert_rc(mmf_view_unmap(v), 0);
    a.want = 0;
    st = run_child(child_shrink, &a);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    cr_assert_eq(fd_size(fd), pg);
    close(fd);
}

/* An unrelated process (fork + exec, nothing inherited) maps the file; this
 * process is refused until that process ends. */
Test(truncate_procs, an_exec_child_section_refuses_the_parent)
{
    registry_private(0755);
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd = tmp_file("f", pg, path);
    char name[64];
    snprintf(name, sizeof name, "mmft%d-tx", (int)getpid());
    struct child c;
    child_start(&c, "create-file", name, path, str_u64(3 * pg), "map", "rw", "hold");
    child_expect(&c, "create-file", 0);
    child_expect(&c, "map", 0);
    child_ready(&c);
    cr_assert_eq(fd_size(fd), 3 * pg, "the child's section grew the file");
    assert_rc(mmf_file_set_size(fd, 2 * pg), MMF_EMAPPED);
    assert_rc(mmf_file_set_size(fd, 3 * pg), 0);
    assert_rc(mmf_file_set_size(fd, 4 * pg), 0);
    cr_assert_eq(fd_size(fd), 4 * pg);
    child_end_ok(&c);
    assert_rc(mmf_file_set_size(fd, 0), 0);
    cr_assert_eq(fd_size(fd), 0);
    close(fd);
}

/* A child started with exec must not keep our sections' guards alive:
 * every descriptor a section adds is close-on-exec, and once the section is
 * gone the file shrinks although the child still runs. */
Test(truncate_procs, the_guard_does_not_leak_into_exec_children)
{
    int before[MAX_FDS], after[MAX_FDS], added[MAX_FDS];
    int fd = tmp_file("f", 2 * page_size(), NULL);
    int nb = list_fds(before, MAX_FDS);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    int na = list_fds(after, MAX_FDS);
    int n = new_fds(before, nb, after, na, added, MAX_FDS);
    cr_assert_eq(n, 1, "expected the section's descriptor only, got %d", n);
    for (int i = 0; i < n; i++)
        cr_assert(fcntl(added[i], F_GETFD) & FD_CLOEXEC, "descriptor %d is not close-on-exec",
                  added[i]);

    struct child c;
    child_start(&c, "hold");
    child_ready(&c);
    assert_rc(mmf_file_set_size(fd, 1), MMF_EMAPPED);
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(count_fds(), nb + 2, /* the pipes to the child */
                 "the section left descriptors behind");
    assert_rc(mmf_file_set_size(fd, 1), 0);
    child_end_ok(&c);
    close(fd);
}

/* ------------------------------------------------------------------ */
/* Failures leave nothing behind; bad input is an error                */
/* ------------------------------------------------------------------ */

Test(truncate, a_failed_create_leaves_no_guard)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", pg, NULL);
    int before = count_fds();
    mmf_section *s = NULL;
    /* Read-only and larger than the file: refused. */
    assert_rc(mmf_section_from_fd(fd, 2 * pg, MMF_PAGE_READONLY, 0, &s), MMF_ETOOBIG);
    cr_assert_eq(count_fds(), before);
    assert_rc(mmf_file_set_size(fd, 0), 0);
    /* An empty file with size 0: refused. */
    assert_rc(mmf_section_from_fd(fd, 0, MMF_PAGE_READWRITE, 0, &s), MMF_EEMPTYFILE);
    cr_assert_eq(count_fds(), before);
    close(fd);
}

/* Out of descriptors is an error, not a silent fallback to an unguarded
 * section. */
Test(truncate, a_create_without_descriptors_fails_cleanly)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", pg, NULL);
    int before = count_fds();
    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    int fds[MAX_FDS], n = list_fds(fds, MAX_FDS), top = 0;
    for (int i = 0; i < n; i++)
        if (fds[i] > top)
            top = fds[i];
    lim = old;
    lim.rlim_cur = (rlim_t)top + 2;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    int fill[MAX_FDS], nf = 0;
    for (int f; nf < MAX_FDS && (f = dup(0)) >= 0;)
        fill[nf++] = f;
    mmf_section *s = NULL;
    int rc = mmf_section_from_fd(fd, pg, MMF_PAGE_READWRITE, 0, &s);
    for (int i = 0; i < nf; i++)
        close(fill[i]);
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_rc(rc, -EMFILE);
    cr_assert_eq(count_fds(), before, "a failed create left descriptors behind");
    assert_rc(mmf_file_set_size(fd, 0), 0);
    close(fd);
}

/* A section costs one descriptor, as before the guard: its own description
 * of the file is both what views map and what holds the lock. */
Test(truncate, a_section_costs_one_descriptor)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", pg, NULL);
    int before = count_fds();
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    mmf_section *t = file_section(fd, 0, MMF_PAGE_READONLY);
    cr_assert_eq(count_fds(), before + 2);
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_section_close(t), 0);
    cr_assert_eq(count_fds(), before);
    close(fd);
}

Test(truncate, bad_input)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd = tmp_file("f", pg, path);
    assert_rc(mmf_file_set_size(-1, 0), -EBADF);
    assert_rc(mmf_file_set_size(100000, 0), -EBADF);
    int ro = reopen(path, O_RDONLY);
    assert_rc(mmf_file_set_size(ro, 0), -EBADF);
    close(ro);
    int op = reopen(path, O_PATH);
    assert_rc(mmf_file_set_size(op, 0), -EBADF);
    close(op);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    assert_rc(mmf_file_set_size(p[1], 0), -EINVAL);
    close(p[0]);
    close(p[1]);
    assert_rc(mmf_file_set_size(fd, (uint64_t)INT64_MAX + 1), -EFBIG);
    assert_rc(mmf_file_set_size(fd, UINT64_MAX), -EFBIG);
    cr_assert_eq(fd_size(fd), pg);
    close(fd);
}

/* Memory sections are sealed; the call is for files only. */
Test(truncate, memory_sections_are_not_files)
{
    mmf_section *s = mem_section(page_size(), MMF_PAGE_READWRITE, 0);
    assert_rc(mmf_section_close(s), 0);
    int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    cr_assert_geq(fd, 0);
    assert_rc(mmf_file_set_size(fd, 100), 0); /* a memfd is a regular file */
    cr_assert_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
    assert_rc(mmf_file_set_size(fd, 10), -EPERM);
    close(fd);
}

/* ------------------------------------------------------------------ */
/* Races: a shrink and a create never interleave                       */
/* ------------------------------------------------------------------ */

struct race {
    int              fd;
    uint64_t         pg;
    atomic_int       stop;
    atomic_int       bad;
    atomic_int       refused, done;
};

static void *shrinker(void *p)
{
    struct race *r = p;
    while (!atomic_load(&r->stop)) {
        int rc = mmf_file_set_size(r->fd, 0);
        if (rc == MMF_EMAPPED)
            atomic_fetch_add(&r->refused, 1);
        else if (rc == 0)
            atomic_fetch_add(&r->done, 1);
        else
            atomic_store(&r->bad, rc);
    }
    return NULL;
}

/* While a section (created with size 2 pages, growing the file) lives,
 * the file is never below 2 pages, however the shrinks interleave. */
Test(truncate, shrinks_racing_creates_never_cut_a_live_section)
{
    struct race r = { .pg = page_size() };
    r.fd = tmp_file("f", 0, NULL);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, shrinker, &r), 0);
    int short_seen = 0, made = 0;
    for (int i = 0; i < 2000; i++) {
        mmf_section *s;
        int rc = mmf_section_from_fd(r.fd, 2 * r.pg, MMF_PAGE_READWRITE, 0, &s);
        if (rc < 0)
            continue;
        made++;
        struct stat st;
        if (fstat(r.fd, &st) == 0 && (uint64_t)st.st_size < 2 * r.pg)
            short_seen++;
        mmf_section_close(s);
    }
    atomic_store(&r.stop, 1);
    pthread_join(t, NULL);
    close(r.fd);
    assert_rc(atomic_load(&r.bad), 0);
    cr_assert_eq(made, 2000);
    cr_assert_eq(short_seen, 0, "%d live sections found their file cut short", short_seen);
    cr_assert_gt(atomic_load(&r.done), 0, "no shrink ever succeeded");
}
