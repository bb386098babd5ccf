/*
 * test_named_lazy.c — a named memory section opens its data description at
 * its first use (a view, inheritance, a send), not at open: an open that is
 * never mapped costs one descriptor.  The description opened later must be
 * the object's own, whatever happened to the name meanwhile, and exactly
 * one per section, however many threads race for it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <grp.h>
#include <sys/socket.h>

#include "helpers.h"

TestSuite(named_lazy, .fini = test_cleanup, .timeout = 60);

static mmf_section *make(const char *name, uint64_t size)
{
    mmf_create_options o = { .name = name };
    mmf_section *s = NULL;
    assert_rc(mmf_section_create(-1, size, MMF_PAGE_READWRITE, 0, &o, &s), 0);
    return s;
}

static char *view(mmf_section *s, unsigned prot)
{
    void *p = NULL;
    assert_rc(mmf_view_map(s, prot, 0, 0, NULL, &p), 0);
    return p;
}

Test(named_lazy, an_open_never_mapped_costs_one_descriptor)
{
    registry_private(0755);
    mmf_section *a = make("lz1", page_size());
    int before = count_fds();
    mmf_section *b = NULL;
    assert_rc(mmf_section_open("lz1", MMF_ACCESS_ALL, &b), 0);
    cr_assert_eq(count_fds(), before + 1, "open: %d descriptors more, expected 1",
                 count_fds() - before);
    char *v = view(b, MMF_PAGE_READWRITE);
    cr_assert_eq(count_fds(), before + 2, "first view: the data description is opened");
    char *w = view(b, MMF_PAGE_READONLY);
    cr_assert_eq(count_fds(), before + 2, "a second view reuses it");
    strcpy(v, "through b");
    cr_assert_str_eq(w, "through b");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_section_close(b), 0);
    cr_assert_eq(count_fds(), before, "closing the handle with no view left frees both");
    assert_rc(mmf_section_close(a), 0);
    assert_registry_empty();
}

Test(named_lazy, a_creator_that_never_maps_costs_one_descriptor)
{
    registry_private(0755);
    mmf_section *probe = make("lz2probe", page_size()); /* the registry is open */
    int before = count_fds();
    mmf_section *a = make("lz2", page_size());
    cr_assert_eq(count_fds(), before + 1, "create: %d descriptors more, expected 1",
                 count_fds() - before);
    assert_rc(mmf_section_close(a), 0);
    cr_assert_eq(count_fds(), before);
    assert_rc(mmf_section_close(probe), 0);
    assert_registry_empty();
}

/* The name is removed behind the holders' back (as `mmf rm` does) and made
 * again by someone else: a first view of the old handle must still show
 * the old object, never the newcomer. */
Test(named_lazy, first_view_after_the_name_was_replaced_maps_the_old_object)
{
    registry_private(0755);
    mmf_section *a = make("lz3", page_size());
    char *va = view(a, MMF_PAGE_READWRITE);
    strcpy(va, "old object");
    mmf_section *b = NULL;
    assert_rc(mmf_section_open("lz3", MMF_ACCESS_READ, &b), 0);

    char dir[PATH_MAX], path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/lz3", registry_local(dir));
    cr_assert_eq(unlink(path), 0, "unlink %s: %s", path, strerror(errno));
    mmf_section *n = make("lz3", page_size());
    char *vn = view(n, MMF_PAGE_READWRITE);
    strcpy(vn, "new object");

    char *vb = view(b, MMF_PAGE_READONLY);
    cr_assert_str_eq(vb, "old object", "the first view of b shows '%s'", vb);
    strcpy(va, "old, changed");
    cr_assert_str_eq(vb, "old, changed", "b's view shares a's data");
    cr_assert_str_eq(vn, "new object");

    assert_rc(mmf_view_unmap(vb), 0);
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_view_unmap(vn), 0);
    assert_rc(mmf_section_close(b), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_rc(mmf_section_close(n), 0);
    assert_registry_empty();
}

/* A duplicate made before any view, the original closed: the duplicate's
 * first view opens the data through its own hold. */
Test(named_lazy, a_duplicate_maps_after_the_original_closed)
{
    registry_private(0755);
    mmf_section *keep = make("lz4", page_size());
    char *vk = view(keep, MMF_PAGE_READWRITE);
    strcpy(vk, "kept");
    mmf_section *b = NULL, *d = NULL;
    assert_rc(mmf_section_open("lz4", MMF_ACCESS_ALL, &b), 0);
    assert_rc(mmf_section_dup(b, MMF_ACCESS_READ, &d), 0);
    assert_rc(mmf_section_close(b), 0);
    char *vd = view(d, MMF_PAGE_READONLY);
    cr_assert_str_eq(vd, "kept");
    void *p = NULL;
    assert_rc(mmf_view_map(d, MMF_PAGE_READWRITE, 0, 0, NULL, &p), -EACCES);
    assert_rc(mmf_view_unmap(vd), 0);
    assert_rc(mmf_section_close(d), 0);
    assert_rc(mmf_view_unmap(vk), 0);
    assert_rc(mmf_section_close(keep), 0);
    assert_registry_empty();
}

/* A handle opened for reading only opens its data read-only: a write view
 * is refused by its rights, and the copy view it may make stays private. */
Test(named_lazy, a_read_handle_opens_its_data_read_only)
{
    registry_private(0755);
    mmf_section *a = make("lz5", page_size());
    char *va = view(a, MMF_PAGE_READWRITE);
    strcpy(va, "shared");
    mmf_section *r = NULL;
    assert_rc(mmf_section_open("lz5", MMF_ACCESS_READ, &r), 0);
    char *vc = view(r, MMF_PAGE_WRITECOPY);
    cr_assert_str_eq(vc, "shared");
    strcpy(vc, "private");
    cr_assert_str_eq(va, "shared", "a copy view never writes back");
    void *p = NULL;
    assert_rc(mmf_view_map(r, MMF_PAGE_READWRITE, 0, 0, NULL, &p), -EACCES);
    assert_rc(mmf_view_unmap(vc), 0);
    assert_rc(mmf_section_close(r), 0);
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_registry_empty();
}

#define RACERS 8

struct race {
    mmf_section *h;
    pthread_barrier_t go;
    char *views[RACERS];
    atomic_int failed;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    static atomic_int next;
    int me = atomic_fetch_add(&next, 1);
    pthread_barrier_wait(&r->go);
    void *p = NULL;
    if (mmf_view_map(r->h, MMF_PAGE_READWRITE, 0, 0, NULL, &p) != 0)
        atomic_fetch_add(&r->failed, 1);
    r->views[me] = p;
    return NULL;
}

Test(named_lazy, threads_racing_for_the_first_view_share_one_description)
{
    registry_private(0755);
    mmf_section *a = make("lz6", page_size());
    struct race r = { 0 };
    assert_rc(mmf_section_open("lz6", MMF_ACCESS_ALL, &r.h), 0);
    int before = count_fds();
    pthread_barrier_init(&r.go, NULL, RACERS);
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, racer, &r), 0);
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&r.failed), 0, "every racer maps");
    cr_assert_eq(count_fds(), before + 1, "one data description for all: %d more",
                 count_fds() - before);
    strcpy(r.views[0], "one object");
    for (int i = 1; i < RACERS; i++)
        cr_assert_str_eq(r.views[i], "one object", "view %d", i);
    for (int i = 0; i < RACERS; i++)
        assert_rc(mmf_view_unmap(r.views[i]), 0);
    assert_rc(mmf_section_close(r.h), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_registry_empty();
}

/* Sending a handle that was never mapped opens its data then: the
 * receiver gets a working section. */
Test(named_lazy, sending_an_unmapped_handle)
{
    registry_private(0755);
    mmf_section *a = make("lz7", page_size());
    char *va = view(a, MMF_PAGE_READWRITE);
    strcpy(va, "sent");
    mmf_section *b = NULL, *got = NULL;
    assert_rc(mmf_section_open("lz7", MMF_ACCESS_ALL, &b), 0);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_rc(mmf_section_send(sv[0], b), 0);
    assert_rc(mmf_section_recv(sv[1], &got), 0);
    close(sv[0]);
    close(sv[1]);
    assert_rc(mmf_section_close(b), 0);
    char *vg = view(got, MMF_PAGE_READWRITE);
    cr_assert_str_eq(vg, "sent");
    assert_rc(mmf_view_unmap(vg), 0);
    assert_rc(mmf_section_close(got), 0);
    assert_rc(mmf_view_unmap(va), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_registry_empty();
}

/* Out of descriptors at the first view: the view fails with -EMFILE and
 * changes nothing; with room again, the same handle maps. */
Test(named_lazy, first_view_without_a_free_descriptor)
{
    registry_private(0755);
    mmf_section *a = make("lz8", page_size());
    mmf_section *b = NULL;
    assert_rc(mmf_section_open("lz8", MMF_ACCESS_ALL, &b), 0);
    struct rlimit old;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    /* Fill every free number below a low limit, then lower the limit. */
    int fds[MAX_FDS], n = 0;
    int before = count_fds();
    struct rlimit low = { (rlim_t)count_fds() + 8, old.rlim_max };
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    for (int fd; n < MAX_FDS && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
        fds[n++] = fd;
    cr_assert_eq(errno, EMFILE);
    void *p = (void *)(uintptr_t)0x5e5e5000;
    int rc = mmf_view_map(b, MMF_PAGE_READWRITE, 0, 0, NULL, &p);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    int after = count_fds();
    assert_rc(rc, -EMFILE);
    cr_assert_eq(p, (void *)(uintptr_t)0x5e5e5000, "the address was written on failure");
    cr_assert_eq(after, before, "a failed first view left a descriptor");
    cr_assert_eq(mmf_view_count(), 0, "a failed first view is counted");
    char *v = view(b, MMF_PAGE_READWRITE);
    strcpy(v, "mapped at last");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(b), 0);
    assert_rc(mmf_section_close(a), 0);
    assert_registry_empty();
}

/* ---- what a user bound by the modes sees ---- */

/* Runs fn in a child process as a user the entry modes bind (nobody when
 * we are root: root passes every mode check); fn returns NULL or what went
 * wrong, which fails the test. */
static void as_bound_user(const char *(*fn)(void))
{
    registry_private(01777);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        const char *why = NULL;
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(NOBODY_ID) != 0 ||
                               setuid(NOBODY_ID) != 0))
            why = "cannot become nobody";
        if (!why)
            why = fn();
        if (why && write(p[1], why, strlen(why)) < 0)
            _exit(2);
        _exit(why ? 1 : 0);
    }
    close(p[1]);
    char buf[256] = { 0 };
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(n <= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "as uid %u: %s",
              (unsigned)(geteuid() == 0 ? NOBODY_ID : geteuid()), n > 0 ? buf : "crashed");
}

/* The entry removed and made again with a mode that denies us: the first
 * view of a handle opened before must still reach the old object (through
 * the hold), not stop at the newcomer's mode. */
static const char *replaced_by_a_stricter_mode(void)
{
    mmf_create_options o = { .name = "lz9" };
    mmf_section *a, *b, *n;
    void *va, *vb;
    if (mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &a) != 0 ||
        mmf_view_map(a, MMF_PAGE_READWRITE, 0, 0, NULL, &va) != 0)
        return "create or map of the first object";
    strcpy(va, "old");
    if (mmf_section_open("lz9", MMF_ACCESS_ALL, &b) != 0)
        return "open";
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/mmf-%u/lz9", getenv("MMF_REGISTRY_DIR"),
             (unsigned)geteuid());
    if (unlink(path) != 0)
        return "unlink of the entry";
    o.mode = 0400;
    if (mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &n) != 0)
        return "create of the newcomer (mode 0400)";
    int rc = mmf_view_map(b, MMF_PAGE_READWRITE, 0, 0, NULL, &vb);
    if (rc != 0)
        return rc == -EACCES ? "first view: -EACCES from the newcomer's mode"
                             : "first view failed";
    if (strcmp(vb, "old") != 0)
        return "first view does not show the old object";
    mmf_view_unmap(vb);
    mmf_view_unmap(va);
    mmf_section_close(b);
    mmf_section_close(a);
    mmf_section_close(n);
    return NULL;
}

Test(named_lazy, first_view_after_replacement_by_a_stricter_mode)
{
    as_bound_user(replaced_by_a_stricter_mode);
}

/* A creator's mode may deny the creator itself (0200, 0400): its handle
 * keeps the rights it was created with, as on Windows, views included. */
static const char *creator_denied_by_its_mode(void)
{
    static const unsigned modes[] = { 0200, 0400, 0000 };
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        char name[32];
        snprintf(name, sizeof name, "lz10-%o", modes[i]);
        mmf_create_options o = { .name = name, .mode = modes[i] };
        mmf_section *s;
        void *v;
        if (mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &s) != 0)
            return "create";
        if (mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v) != 0)
            return "the creator's view";
        strcpy(v, "mine");
        if (strcmp(v, "mine") != 0)
            return "write through the view";
        mmf_view_unmap(v);
        mmf_section_close(s);
    }
    return NULL;
}

Test(named_lazy, a_creator_denied_by_its_own_mode_still_maps)
{
    as_bound_user(creator_denied_by_its_mode);
}
