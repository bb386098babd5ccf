/*
 * test_security.c — the points of docs/security.md that no other test file
 * pins down (the document names, for each point, the test that covers it,
 * here or elsewhere):
 *
 *   security_registry  planted symlinks (dangling, to directories), hard
 *                      links and renames of live entries, entries with
 *                      modes mmf never makes, live garbage, dead leftovers,
 *                      a hostile census file, truncated entries,
 *                      MMF_REGISTRY_DIR ignored in a setgid program;
 *   security_names     hostile names of every object type (native and
 *                      Win32) create nothing outside the registry; hashed
 *                      names;
 *   security_fds       every descriptor mmf makes is close-on-exec; an
 *                      exec'd child sees none; the Win32 layer adopts only
 *                      inheritable descriptors; CreateProcess is serialised;
 *   security_overflow  sizes, offsets and lengths near 2^64 (and counts
 *                      near 2^32) give the documented errors and change
 *                      nothing; forged handle descriptions;
 *   security_users     (root) another user and synchronization objects;
 *                      Global squatting; foreign leftovers.
 */
#include "helpers.h"

#include <grp.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/statvfs.h>

#include "win32/windows.h"

TestSuite(security_registry, .fini = test_cleanup, .timeout = 60);
TestSuite(security_names, .fini = test_cleanup, .timeout = 60);
TestSuite(security_fds, .fini = test_cleanup, .timeout = 120);
TestSuite(security_overflow, .fini = test_cleanup, .timeout = 60);
TestSuite(security_users, .fini = test_cleanup, .timeout = 60);

#define SENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)
#define YSENTINEL ((mmf_sync *)(uintptr_t)0x5e5e5e50)
#define VSENTINEL ((void *)(uintptr_t)0x5e5e5e50)
#define RW_ACCESS (MMF_ACCESS_READ | MMF_ACCESS_WRITE)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static char *nm(char *buf, const char *prefix, const char *tag)
{
    snprintf(buf, 256, "%smmfs%d-%s", prefix, (int)getpid(), tag);
    return buf;
}

static int create_rc(const char *name, uint64_t size, unsigned flags, unsigned mode,
                     int everyone, mmf_section **out)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    o.mode = mode;
    o.everyone = everyone;
    return mmf_section_create(-1, size, MMF_PAGE_READWRITE, flags, &o, out);
}

static mmf_section *create_named(const char *name, uint64_t size)
{
    mmf_section *s = NULL;
    int rc = create_rc(name, size, 0, 0, 0, &s);
    cr_assert_eq(rc, 0, "create \"%s\": %d (%s)", name, rc, mmf_strerror(rc));
    return s;
}

static mmf_create_options opts(const char *name)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    return o;
}

/* The four ways a name is taken: create of a section, open of a section,
 * create of a mutex, open of an event; each must give @want (or one of
 * @want/@alt) and write no output. */
static void assert_all_ops(const char *name, int want, int alt)
{
    mmf_section *s = SENTINEL;
    int rc = create_rc(name, page_size(), 0, 0, 0, &s);
    cr_assert(rc == want || rc == alt, "create \"%s\": %d (%s), expected %d (%s)", name, rc,
              mmf_strerror(rc), want, mmf_strerror(want));
    cr_assert_eq(s, SENTINEL);
    rc = mmf_section_open(name, MMF_ACCESS_READ, &s);
    cr_assert(rc == want || rc == alt, "open \"%s\": %d (%s), expected %d (%s)", name, rc,
              mmf_strerror(rc), want, mmf_strerror(want));
    cr_assert_eq(s, SENTINEL);
    mmf_create_options o = opts(name);
    mmf_sync *y = YSENTINEL;
    rc = mmf_mutex_create(0, &o, &y);
    cr_assert(rc == want || rc == alt, "mutex create \"%s\": %d (%s), expected %d (%s)", name,
              rc, mmf_strerror(rc), want, mmf_strerror(want));
    cr_assert_eq(y, YSENTINEL);
    rc = mmf_sync_open(name, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &y);
    cr_assert(rc == want || rc == alt, "event open \"%s\": %d (%s), expected %d (%s)", name,
              rc, mmf_strerror(rc), want, mmf_strerror(want));
    cr_assert_eq(y, YSENTINEL);
}

static struct stat lst(const char *path)
{
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "lstat %s: %s", path, strerror(errno));
    return st;
}

/* The file name creating @name adds to registry directory @dir (learnt by
 * creating and closing it in an otherwise empty directory). */
static void learn_entry(const char *name, const char *dir, char *entry)
{
    assert_no_objects(dir);
    mmf_section *s = create_named(name, page_size());
    char names[4][NAME_MAX + 1];
    int n = reg_entries(dir, names, 4);
    cr_assert_eq(n, 1, "creating \"%s\" made %d entries in %s", name, n, dir);
    strcpy(entry, names[0]);
    assert_rc(mmf_section_close(s), 0);
    assert_no_objects(dir);
}

static void entry_path(char *out, const char *dir, const char *entry)
{
    pathf(out, PATH_MAX + NAME_MAX + 2, "%s/%s", dir, entry);
}

static void need_root(void)
{
    if (!is_root())
        skip_test("needs root");
}

static void need_setpriv(void)
{
    need_root();
    if (access("/usr/bin/setpriv", X_OK) != 0 && access("/bin/setpriv", X_OK) != 0)
        skip_test("setpriv (util-linux) is not installed");
}

/* ================================================================== */
/* Registry entries planted by someone else                            */
/* ================================================================== */

/*
 * A dangling symlink at an entry's name: a create that followed it with
 * O_CREAT would make the target (anywhere the link points).  mmf never
 * creates by name (O_TMPFILE + linkat, which does not follow) and opens
 * with O_NOFOLLOW: MMF_ESQUATTED, the target never appears.
 */
Test(security_registry, dangling_symlink_entry_creates_nothing)
{
    registry_private(0755);
    for (int g = 0; g < 2; g++) {
        char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
        char target[PATH_MAX];
        nm(name, g ? "Global\\" : "Local\\", "dangle");
        g ? registry_global(dir) : registry_local(dir);
        learn_entry(name, dir, entry);
        entry_path(p, dir, entry);
        tmp_path(g ? "made-global" : "made-local", target);
        cr_assert_eq(symlink(target, p), 0, "symlink: %s", strerror(errno));
        assert_all_ops(name, MMF_ESQUATTED, MMF_ESQUATTED);
        cr_assert_neq(access(target, F_OK), 0, "a create followed the symlink to %s", target);
        cr_assert(S_ISLNK(lst(p).st_mode), "the planted symlink was replaced");
        /* A semaphore and an event create too. */
        mmf_create_options o = opts(name);
        mmf_sync *y = YSENTINEL;
        assert_rc(mmf_semaphore_create(0, 1, &o, &y), MMF_ESQUATTED);
        assert_rc(mmf_event_create(1, 0, &o, &y), MMF_ESQUATTED);
        cr_assert_eq(y, YSENTINEL);
        cr_assert_neq(access(target, F_OK), 0);
        /* The same link pointing at a directory. */
        cr_assert_eq(unlink(p), 0);
        char tdir[PATH_MAX];
        tmp_path(g ? "dir-global" : "dir-local", tdir);
        cr_assert_eq(mkdir(tdir, 0700), 0);
        cr_assert_eq(symlink(tdir, p), 0);
        assert_all_ops(name, MMF_ESQUATTED, MMF_ESQUATTED);
        assert_dir_empty(tdir);
        cr_assert_eq(unlink(p), 0);
    }
    assert_registry_empty();
}

/*
 * A live object's entry hard-linked (or renamed) under the file name of
 * another name: the opener of that other name finds a live, well-formed
 * entry, but its header names another object — MMF_ESQUATTED, not a
 * silent open of the wrong object.  The same check tells apart two names
 * whose escaped forms were too long and hashed to the same file name.
 */
static void linked_entry_case(int rename_it)
{
    registry_private(0755);
    char dir[PATH_MAX], a[256], b[256], ea[NAME_MAX + 1], eb[NAME_MAX + 1];
    char pa[PATH_MAX + NAME_MAX + 2], pb[PATH_MAX + NAME_MAX + 2];
    /* Long names that escape past the file-name limit: hashed ("%h..."). */
    char la[201], lb[201];
    int k = snprintf(la, sizeof la, "mmfs%d-", (int)getpid());
    memset(la + k, '/', 200 - (size_t)k);
    la[200] = '\0';
    strcpy(lb, la);
    lb[199] = 'b';
    snprintf(a, sizeof a, "%s", la);
    snprintf(b, sizeof b, "%s", lb);
    registry_local(dir);
    learn_entry(a, dir, ea);
    learn_entry(b, dir, eb);
    cr_assert_neq(strcmp(ea, eb), 0, "two names share the file name %s", ea);
    cr_assert_eq(strncmp(ea, "%h", 2), 0, "a long escaped name is not hashed: %s", ea);
    cr_assert_leq(strlen(ea), NAME_MAX);

    mmf_section *s = create_named(a, page_size());
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    strcpy(v, "object a");
    entry_path(pa, dir, ea);
    entry_path(pb, dir, eb);
    if (rename_it)
        cr_assert_eq(rename(pa, pb), 0, "rename: %s", strerror(errno));
    else
        cr_assert_eq(link(pa, pb), 0, "link: %s", strerror(errno));
    assert_all_ops(b, MMF_ESQUATTED, MMF_ESQUATTED);
    cr_assert_str_eq(v, "object a", "object a was changed through the other name");
    struct stat st = lst(pb);
    cr_assert_eq(st.st_size, (off_t)(2 * page_size()), "the linked entry was resized");
    if (rename_it) {
        cr_assert_eq(rename(pb, pa), 0);
    } else {
        cr_assert_eq(unlink(pb), 0);
        mmf_section *o = NULL;
        assert_rc(mmf_section_open(a, MMF_ACCESS_READ, &o), 0);
        assert_rc(mmf_section_close(o), 0);
    }
    assert_rc(mmf_section_close(s), 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_registry_empty();
}

Test(security_registry, hard_link_of_a_live_entry_is_squatted)
{
    linked_entry_case(0);
}

Test(security_registry, renamed_live_entry_is_squatted)
{
    linked_entry_case(1);
}

/* Entries with bits mmf never gives (execute, set-id, sticky) are
 * refused whoever holds them, and never written, resized or removed. */
Test(security_registry, entry_with_a_mode_mmf_never_makes)
{
    registry_private(0755);
    static const mode_t modes[] = { 0700, 0755, 0610, 0601, 04600, 02600, 01600 };
    for (int g = 0; g < 2; g++) {
        char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
        nm(name, g ? "Global\\" : "", "mode");
        g ? registry_global(dir) : registry_local(dir);
        learn_entry(name, dir, entry);
        entry_path(p, dir, entry);
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
            cr_assert_geq(fd, 0, "open %s: %s", p, strerror(errno));
            fill_pattern(fd, 3000);
            cr_assert_eq(fchmod(fd, modes[i]), 0);
            assert_all_ops(name, MMF_ESQUATTED, MMF_ESQUATTED);
            struct stat st = lst(p);
            cr_assert_eq(st.st_mode & 07777, modes[i], "mode %#o was changed to %#o",
                         modes[i], st.st_mode & 07777);
            cr_assert_eq(st.st_size, 3000, "mode %#o: the planted file was resized", modes[i]);
            unsigned char buf[3000];
            pread_all(fd, buf, sizeof buf, 0);
            cr_assert(check_pat(buf, 0, sizeof buf), "mode %#o: the planted file was written",
                      modes[i]);
            close(fd);
            cr_assert_eq(unlink(p), 0);
        }
    }
    assert_registry_empty();
}

/* A regular 0600 file of ours that some process holds (a shared flock)
 * but that mmf did not make: not an mmf header, so MMF_ESQUATTED; the
 * file stays as it was. */
Test(security_registry, live_entry_with_garbage_is_squatted)
{
    registry_private(0755);
    for (int g = 0; g < 2; g++) {
        char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
        nm(name, g ? "Global\\" : "Local\\", "garbage");
        g ? registry_global(dir) : registry_local(dir);
        learn_entry(name, dir, entry);
        entry_path(p, dir, entry);
        static const size_t sizes[] = { 0, 7, 4096, 3 * 4096 };
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
            cr_assert_geq(fd, 0);
            fill_pattern(fd, sizes[i]);
            cr_assert_eq(flock(fd, LOCK_SH), 0);
            assert_all_ops(name, MMF_ESQUATTED, MMF_ESQUATTED);
            cr_assert_eq(fd_size(fd), sizes[i], "the planted file was resized");
            if (sizes[i]) {
                unsigned char buf[3 * 4096];
                pread_all(fd, buf, sizes[i], 0);
                cr_assert(check_pat(buf, 0, sizes[i]), "the planted file was written");
            }
            cr_assert_eq(lst(p).st_nlink, 1, "the planted file was unlinked");
            close(fd);
            cr_assert_eq(unlink(p), 0);
        }
    }
    assert_registry_empty();
}

/* A plain file of ours nobody holds looks exactly like the leftover of a
 * killed process: it is unlinked and a fresh object made (documented: in
 * the Local namespace only the user can plant one).  The planted inode is
 * never written. */
Test(security_registry, dead_leftover_is_removed_never_written)
{
    registry_private(0755);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    nm(name, "Local\\", "left");
    registry_local(dir);
    learn_entry(name, dir, entry);
    entry_path(p, dir, entry);
    int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    fill_pattern(fd, 2 * page_size());
    mmf_section *s = create_named(name, page_size());
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert(all_bytes(v, 0, (size_t)page_size()), "the new object shows the planted data");
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_nlink, 0, "the planted file is still linked");
    cr_assert_eq(st.st_size, (off_t)(2 * page_size()));
    unsigned char buf[4096];
    pread_all(fd, buf, sizeof buf, 0);
    cr_assert(check_pat(buf, 0, sizeof buf), "the planted file was written");
    close(fd);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
}

/* The census (".census" in each namespace directory) is mapped shared by
 * every user of the directory.  Planted as a symlink it is not followed,
 * as something else it is ignored, and hostile content costs only sweeps:
 * the registry works in every case. */
Test(security_registry, hostile_census_file)
{
    registry_private(0755);
    char dir[PATH_MAX], p[PATH_MAX + 16], target[PATH_MAX], name[256];
    int tfd = tmp_file("census-target", 100, target);
    for (int g = 0; g < 2; g++) {
        g ? registry_global(dir) : registry_local(dir);
        cr_assert_eq(mkdir(dir, g ? 01777 : 0700), 0);
        cr_assert_eq(chmod(dir, g ? 01777 : 0700), 0);
        pathf(p, sizeof p, "%s/.census", dir);
        cr_assert_eq(symlink(target, p), 0);
    }
    nm(name, "Local\\", "census");
    mmf_section *s = create_named(name, page_size());
    assert_rc(mmf_section_close(s), 0);
    nm(name, "Global\\", "census");
    s = create_named(name, page_size());
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(fd_size(tfd), 100, "the census symlink was followed (target resized)");
    unsigned char buf[100];
    pread_all(tfd, buf, 100, 0);
    cr_assert(check_pat(buf, 0, 100), "the census symlink's target was written");
    cr_assert_eq(mmf_registry_gc() >= 0, 1);
    close(tfd);
    assert_registry_empty();
}

Test(security_registry, census_with_garbage_and_as_a_directory)
{
    registry_private(0755);
    char dir[PATH_MAX], p[PATH_MAX + 16], name[256];
    registry_local(dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    pathf(p, sizeof p, "%s/.census", dir);
    int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    /* pids that exist (1, us), that do not, negative ones, and bytes. */
    int32_t pids[256];
    for (int i = 0; i < 256; i++)
        pids[i] = i % 4 == 0 ? 1 : i % 4 == 1 ? -i : i % 4 == 2 ? 0x7ffffff0 - i : (int32_t)getpid();
    pwrite_all(fd, pids, sizeof pids, 0);
    close(fd);
    registry_global(dir);
    cr_assert_eq(mkdir(dir, 01777), 0);
    cr_assert_eq(chmod(dir, 01777), 0);
    pathf(p, sizeof p, "%s/.census", dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    for (int g = 0; g < 2; g++) {
        nm(name, g ? "Global\\" : "Local\\", "cg");
        mmf_section *s = create_named(name, page_size());
        mmf_section *o = NULL;
        assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &o), 0);
        assert_rc(mmf_section_close(o), 0);
        assert_rc(mmf_section_close(s), 0);
    }
    cr_assert(S_ISDIR(lst(p).st_mode));
    assert_registry_empty();
}

/*
 * A plain ftruncate of an entry by a program outside mmf (any process of
 * the owner, or any user a mode 0666 object lets write) is not prevented:
 * named memory is a registry file, not a sealed memfd.  What mmf
 * guarantees is containment: guarded reads and writes of the views report
 * MMF_EINPAGE instead of dying.
 */
Test(security_registry, truncated_entry_is_an_in_page_error_under_guard)
{
    registry_private(0755);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    uint64_t pg = page_size();
    nm(name, "Local\\", "trunc");
    registry_local(dir);
    learn_entry(name, dir, entry);
    entry_path(p, dir, entry);
    mmf_section *s = create_named(name, 4 * pg);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    memset(v, 'x', 4 * pg);
    cr_assert_eq(truncate(p, (off_t)(2 * pg)), 0, "truncate: %s", strerror(errno));
    char buf[16];
    assert_rc(mmf_view_read(v, buf, 8), 0);                 /* still in the file */
    assert_rc(mmf_view_read(v + 2 * pg, buf, 8), MMF_EINPAGE); /* past its new end */
    assert_rc(mmf_view_write(v + 3 * pg, "y", 1), MMF_EINPAGE);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
}

/* mmf_sync_open of an object whose entry was truncated below its state
 * page must fail (MMF_ESQUATTED), not fault with SIGBUS inside the
 * library.  Run in a child: a fault must fail the test, not crash it. */
static void open_truncated_sync(void *arg)
{
    mmf_sync *y = NULL;
    int rc = mmf_sync_open((const char *)arg, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &y);
    _exit(rc == MMF_ESQUATTED ? 0 : 10);
}

/* The open used to die of SIGBUS (make_handle() in src/sync.c read the
 * mapped state page without checking the entry's size). */
Test(security_registry, truncated_sync_entry_fails_cleanly)
{
    registry_private(0755);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    nm(name, "Local\\", "tsync");
    registry_local(dir);
    learn_entry(name, dir, entry);
    entry_path(p, dir, entry);
    mmf_create_options o = opts(name);
    mmf_sync *m = NULL;
    assert_rc(mmf_mutex_create(0, &o, &m), 0);
    cr_assert_eq(truncate(p, (off_t)page_size()), 0, "truncate: %s", strerror(errno));
    int st = run_child(open_truncated_sync, name);
    cr_assert(!killed_by(st, SIGBUS),
              "mmf_sync_open of a truncated entry died of SIGBUS inside the library");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "mmf_sync_open of a truncated entry: status %#x (10: not MMF_ESQUATTED)", st);
    assert_rc(mmf_sync_close(m), 0);
}

/* A named memory section whose entry was cut short: opening it is
 * refused (views of it would fault); the creator's handle is unharmed. */
Test(security_registry, truncated_section_entry_is_refused)
{
    registry_private(0755);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    nm(name, "Local\\", "tsect");
    registry_local(dir);
    learn_entry(name, dir, entry);
    entry_path(p, dir, entry);
    mmf_create_options o = opts(name);
    mmf_section *s = NULL, *t = ((mmf_section *)(uintptr_t)0x5e5e);
    assert_rc(mmf_section_create(-1, 4 * page_size(), MMF_PAGE_READWRITE, 0, &o, &s), 0);
    cr_assert_eq(truncate(p, (off_t)(2 * page_size())), 0, "truncate: %s", strerror(errno));
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &t), MMF_ESQUATTED);
    cr_assert_eq(t, ((mmf_section *)(uintptr_t)0x5e5e), "a refused open wrote its output");
    assert_rc(mmf_section_close(s), 0);
}

/* MMF_REGISTRY_DIR is read with secure_getenv: a setgid (or setuid)
 * program ignores it, so whoever starts it cannot send its names into a
 * directory of their choosing. */
Test(security_registry, registry_dir_ignored_when_setgid)
{
    need_root();
    registry_private(0755);
    char copy[PATH_MAX], name[256], bare[256], real[PATH_MAX + 256];
    tmp_path("mmf-child-sgid", copy);
    struct statvfs vfs;
    cr_assert_eq(statvfs(tmp_dir(), &vfs), 0);
    if (vfs.f_flag & ST_NOSUID)
        skip_test("%s is on a nosuid mount", tmp_dir());
    /* The test directory is 0700 root: the copy runs as root, setgid 65534. */
    int in = open(child_program(), O_RDONLY | O_CLOEXEC);
    int out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    cr_assert(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        cr_assert_eq(write(out, buf, (size_t)n), n, "write: %s", strerror(errno));
    close(in);
    close(out);
    cr_assert_eq(chown(copy, 0, NOBODY_ID), 0);
    cr_assert_eq(chmod(copy, 02755), 0);

    nm(name, "Local\\", "sgid");
    nm(bare, "", "sgid");
    mmf_section *s = create_named(name, page_size());
    /* The normal child sees the private registry... */
    struct child c;
    child_start(&c, "open", name, "r");
    child_expect(&c, "open", 0);
    child_end_ok(&c);
    /* ...the setgid one does not: it uses /dev/shm. */
    const char *lead[] = { copy, NULL };
    const char *args[] = { "open", name, "r", "create", name, "4096", "hold", NULL };
    child_spawn_cmd(&c, lead, args, NULL, 0);
    child_expect(&c, "open", MMF_ENOTFOUND);
    child_expect(&c, "create", 0);
    child_ready(&c);
    pathf(real, sizeof real, "/dev/shm/mmf-0/%s", bare);
    cr_assert_eq(access(real, F_OK), 0, "the setgid child's object is not in /dev/shm");
    char dir[PATH_MAX];
    cr_assert_eq(reg_entries(registry_local(dir), NULL, 0), 1,
                 "the setgid child created in MMF_REGISTRY_DIR");
    child_end_ok(&c);
    cr_assert_neq(access(real, F_OK), 0, "%s outlived its holder", real);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
}

/* ================================================================== */
/* Names that try to escape                                            */
/* ================================================================== */

static const char *const hostile[] = {
    "/", "..", ".", "../escaped", "../../escaped", "./x", "/etc/passwd", "a/../../b",
    "%2e%2e%2fescaped", "%", "%%2F", ".census", ".tmp", "mmf-global", "..\x01",
    "\xc0\xae\xc0\xae/escaped", "\xef\xbc\x8f", " ", "-rf", "~",
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

/* Everything directly under @dir must be a regular file, and @dir must
 * hold @want objects; returns nothing, asserts. */
static void assert_flat(const char *dir, int want)
{
    static char names[512][NAME_MAX + 1];
    int n = dir_entries(dir, names, 512), objects = 0;
    cr_assert_lt(n, 512);
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX + NAME_MAX + 2];
        entry_path(p, dir, names[i]);
        cr_assert(S_ISREG(lst(p).st_mode), "%s is not a regular file", p);
        cr_assert_leq(strlen(names[i]), NAME_MAX);
        objects += names[i][0] != '.';
    }
    cr_assert_eq(objects, want, "%s holds %d objects, expected %d", dir, objects, want);
}

/*
 * Every object type, native and Win32, under every hostile name and in
 * both namespaces, with the registry base one level inside a sandbox
 * directory: the sandbox holds only the base, the base only mmf-UID and
 * mmf-global, those only regular files; the working directory and
 * /dev/shm get nothing.
 */
Test(security_names, hostile_names_of_every_type_stay_inside)
{
    const char *sandbox = registry_private(0755);
    char base[PATH_MAX];
    pathf(base, sizeof base, "%s/base", sandbox);
    cr_assert_eq(mkdir(base, 0755), 0);
    setenv("MMF_REGISTRY_DIR", base, 1);
    static char shm_before[1024][NAME_MAX + 1], cwd_before[256][NAME_MAX + 1];
    int nshm = dir_entries("/dev/shm", shm_before, 1024);
    int ncwd = dir_entries(".", cwd_before, 256);

    static mmf_section *sec[2][NHOSTILE];
    static mmf_sync *syn[2][NHOSTILE][3];
    static HANDLE w32[2][NHOSTILE][2];
    int made[2] = { 0, 0 };
    uint64_t pg = page_size();
    char name[512];
    for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < NHOSTILE; i++) {
            /* The section gets the name itself; the other types (one
             * namespace holds them all) the name with a suffix. */
            const char *pre = g ? "Global\\" : "Local\\";
            snprintf(name, sizeof name, "%s%s", pre, hostile[i]);
            sec[g][i] = create_named(name, pg);
            mmf_create_options o;
            memset(&o, 0, sizeof o);
            o.name = name;
            snprintf(name, sizeof name, "%s%s|m", pre, hostile[i]);
            assert_rc(mmf_mutex_create(0, &o, &syn[g][i][0]), 0);
            snprintf(name, sizeof name, "%s%s|z", pre, hostile[i]);
            assert_rc(mmf_semaphore_create(0, 3, &o, &syn[g][i][1]), 0);
            snprintf(name, sizeof name, "%s%s|e", pre, hostile[i]);
            assert_rc(mmf_event_create(1, 0, &o, &syn[g][i][2]), 0);
            made[g] += 4;
            /* Win32 (ANSI names: the layer may refuse bytes that are not
             * UTF-8, with an error; anything it makes must stay inside). */
            snprintf(name, sizeof name, "%s%s|W", pre, hostile[i]);
            w32[g][i][0] = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                              4096, name);
            snprintf(name, sizeof name, "%s%s|M", pre, hostile[i]);
            w32[g][i][1] = CreateMutexA(NULL, FALSE, name);
            made[g] += (w32[g][i][0] != NULL) + (w32[g][i][1] != NULL);
        }
    cr_assert_geq(made[0], (int)(5 * NHOSTILE), "the Win32 layer refused most names");
    /* The bare form reaches the same Local object. */
    for (size_t i = 0; i < NHOSTILE; i++) {
        snprintf(name, sizeof name, "%s", hostile[i]);
        mmf_section *o = NULL;
        assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &o), 0);
        assert_rc(mmf_section_close(o), 0);
    }

    char names[8][NAME_MAX + 1], leaf[64], dir[PATH_MAX];
    int ns = dir_entries(sandbox, names, 8);
    cr_assert_eq(ns, 1, "the sandbox holds %d entries (\"%s\"...)", ns, names[0]);
    cr_assert_str_eq(names[0], "base");
    snprintf(leaf, sizeof leaf, "mmf-%u", (unsigned)geteuid());
    int nb = dir_entries(base, names, 8);
    cr_assert_eq(nb, 2, "the registry base holds %d entries", nb);
    for (int i = 0; i < nb; i++)
        cr_assert(!strcmp(names[i], leaf) || !strcmp(names[i], "mmf-global"),
                  "stray \"%s\" in the registry base", names[i]);
    pathf(dir, sizeof dir, "%s/%s", base, leaf);
    assert_flat(dir, made[0]);
    pathf(dir, sizeof dir, "%s/mmf-global", base);
    assert_flat(dir, made[1]);

    static char now[1024][NAME_MAX + 1];
    int n = dir_entries("/dev/shm", now, 1024);
    for (int i = 0; i < n && i < 1024; i++) {
        int old = 0;
        for (int j = 0; j < nshm && !old; j++)
            old = !strcmp(now[i], shm_before[j]);
        cr_assert(old || !strstr(now[i], "escaped"), "new /dev/shm/%s", now[i]);
    }
    static char cwd_now[256][NAME_MAX + 1];
    int nc = dir_entries(".", cwd_now, 256);
    cr_assert_eq(nc, ncwd, "the working directory changed (%d entries, %d before)", nc, ncwd);
    cr_assert_neq(access("/etc/passwd.mmf", F_OK), 0);

    for (int g = 0; g < 2; g++)
        for (size_t i = 0; i < NHOSTILE; i++) {
            assert_rc(mmf_section_close(sec[g][i]), 0);
            for (int t = 0; t < 3; t++)
                assert_rc(mmf_sync_close(syn[g][i][t]), 0);
            for (int t = 0; t < 2; t++)
                if (w32[g][i][t])
                    cr_assert(CloseHandle(w32[g][i][t]));
        }
    pathf(dir, sizeof dir, "%s/%s", base, leaf);
    assert_flat(dir, 0);
    pathf(dir, sizeof dir, "%s/mmf-global", base);
    assert_flat(dir, 0);
}

/* ================================================================== */
/* Descriptors: close-on-exec everywhere                               */
/* ================================================================== */

/* Runs `ls -1 /proc/self/fd` (posix_spawn, as a plain exec'd program)
 * and returns how many descriptors it had. */
static int exec_child_fds(void)
{
    struct child c;
    const char *lead[] = { "ls", "-1", "/proc/self/fd", NULL };
    const char *none[] = { NULL };
    child_spawn_cmd(&c, lead, none, NULL, 0);
    char line[256];
    int n = 0;
    close(c.in);
    while (fgets(line, sizeof line, c.out))
        n++;
    fclose(c.out);
    int st;
    cr_assert_eq(waitpid(c.pid, &st, 0), c.pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ls ended with status %#x", st);
    return n;
}

/* Asserts that each descriptor opened since @before is close-on-exec. */
static void assert_new_fds_cloexec(const int *before, int nb, const char *what)
{
    int after[MAX_FDS], added[MAX_FDS];
    int na = list_fds(after, MAX_FDS);
    int nn = new_fds(before, nb, after, na, added, MAX_FDS);
    for (int i = 0; i < nn; i++) {
        int fl = fcntl(added[i], F_GETFD);
        if (fl < 0)
            continue; /* closed meanwhile (the listing's own) */
        char link[64], target[PATH_MAX] = "?";
        snprintf(link, sizeof link, "/proc/self/fd/%d", added[i]);
        ssize_t l = readlink(link, target, sizeof target - 1);
        if (l > 0)
            target[l] = '\0';
        cr_assert(fl & FD_CLOEXEC, "%s: descriptor %d (%s) is not close-on-exec", what,
                  added[i], target);
        cr_assert_geq(added[i], 3, "%s: descriptor %d (%s) took a stdio number", what,
                      added[i], target);
    }
}

static int fine_fn(void *arg)
{
    (void)arg;
    return 7;
}

static HANDLE w32_created[32];
static int nw32;
static void *w32_view;

/* Makes one of everything mmf and its Win32 layer give out; returns the
 * number of native handles made (in secs/syns). */
static void make_everything(mmf_section **secs, int *nsec, mmf_sync **syns, int *nsyn,
                            void **views, int *nviews)
{
    uint64_t pg = page_size();
    char name[256], path[PATH_MAX];
    *nsec = *nsyn = *nviews = 0;
    secs[(*nsec)++] = mem_section(pg, MMF_PAGE_READWRITE, 0);
    int fd = tmp_file("cloexec-f", 2 * pg, path);
    secs[(*nsec)++] = file_section(fd, 0, MMF_PAGE_READWRITE);
    secs[(*nsec)++] = create_named(nm(name, "Local\\", "fdl"), pg);
    secs[(*nsec)++] = create_named(nm(name, "Global\\", "fdg"), pg);
    mmf_create_options fo = opts(nm(name, "Local\\", "fdf"));
    mmf_section *nf = NULL;
    assert_rc(mmf_section_create(fd, 0, MMF_PAGE_READWRITE, 0, &fo, &nf), 0);
    secs[(*nsec)++] = nf;
    mmf_section *o = NULL;
    assert_rc(mmf_section_open(name, RW_ACCESS, &o), 0); /* the named file section */
    secs[(*nsec)++] = o;
    assert_rc(mmf_section_open(nm(name, "Local\\", "fdl"), MMF_ACCESS_READ, &o), 0);
    secs[(*nsec)++] = o;
    assert_rc(mmf_section_dup(secs[0], 0, &o), 0);
    secs[(*nsec)++] = o;
    assert_rc(mmf_section_dup(secs[2], MMF_ACCESS_NONE, &o), 0);
    secs[(*nsec)++] = o;
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    for (int i = 0; i < 3; i++) {
        assert_rc(mmf_section_send(sv[0], secs[i]), 0);
        assert_rc(mmf_section_recv(sv[1], &o), 0);
        secs[(*nsec)++] = o;
    }
    close(sv[0]);
    close(sv[1]);
    for (int i = 0; i < *nsec; i++)
        if (i != 8) /* the no-access copy cannot map */
            views[(*nviews)++] = map_view(secs[i], MMF_PAGE_READONLY, 0, 0);
    char buf[8];
    assert_rc(mmf_view_read(views[0], buf, sizeof buf), 0);
    assert_rc(mmf_guard(views[0], 8, fine_fn, NULL), 7);
    char fname[PATH_MAX];
    assert_rc(mmf_view_filename(views[1], fname, sizeof fname, NULL), 0);
    assert_rc(mmf_file_set_size(fd, 3 * pg), 0);
    close(fd);
    assert_rc(mmf_view_flush(views[1], 0), 0);
    assert_rc(mmf_section_sync(secs[1]), 0);
    cr_assert_geq(mmf_registry_gc(), 0);

    mmf_create_options so = opts(nm(name, "Local\\", "fdm"));
    mmf_sync *y;
    assert_rc(mmf_mutex_create(0, NULL, &y), 0);
    syns[(*nsyn)++] = y;
    assert_rc(mmf_mutex_create(0, &so, &y), 0);
    syns[(*nsyn)++] = y;
    assert_rc(mmf_sync_open(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &y), 0);
    syns[(*nsyn)++] = y;
    so = opts(nm(name, "Global\\", "fds"));
    assert_rc(mmf_semaphore_create(1, 2, &so, &y), 0);
    syns[(*nsyn)++] = y;
    so = opts(nm(name, "Local\\", "fde"));
    assert_rc(mmf_event_create(1, 0, &so, &y), 0);
    syns[(*nsyn)++] = y;
    assert_rc(mmf_sync_dup(syns[1], 0, &y), 0);
    syns[(*nsyn)++] = y;
    assert_rc(mmf_wait(syns[1], 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_mutex_release(syns[1]), 0);
    assert_rc(mmf_wait_multiple(syns + 3, 2, 0, 0), MMF_WAIT_OBJECT_0);

    /* The Win32 layer, inheritable handles included (their descriptors
     * stay close-on-exec: CreateProcess hands them on). */
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    nw32 = 0;
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 65536,
                                  nm(name, "Local\\", "w32m"));
    cr_assert_not_null(m);
    w32_created[nw32++] = m;
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, TRUE, name);
    cr_assert_not_null(h);
    w32_created[nw32++] = h;
    void *wv = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(wv);
    w32_view = wv;
    w32_created[nw32++] = CreateMutexA(&sa, FALSE, nm(name, "Local\\", "w32x"));
    w32_created[nw32++] = CreateEventA(NULL, TRUE, FALSE, NULL);
    w32_created[nw32++] = CreateSemaphoreA(&sa, 0, 5, NULL);
    tmp_path("w32file", path);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, &sa, CREATE_ALWAYS, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    w32_created[nw32++] = f;
    HANDLE fm = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 4096, NULL);
    cr_assert_not_null(fm);
    w32_created[nw32++] = fm;
    HANDLE d;
    cr_assert(DuplicateHandle(GetCurrentProcess(), m, GetCurrentProcess(), &d, 0, TRUE,
                              DUPLICATE_SAME_ACCESS));
    w32_created[nw32++] = d;
    cr_assert(DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    w32_created[nw32++] = d;
    HANDLE p = OpenProcess(PROCESS_ALL_ACCESS, TRUE, GetCurrentProcessId());
    cr_assert_not_null(p);
    w32_created[nw32++] = p;
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    PROCESS_INFORMATION pi;
    char cmd[] = "/bin/true";
    cr_assert(CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi),
              "CreateProcessA: %lu", (unsigned long)GetLastError());
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    w32_created[nw32++] = pi.hProcess;
    w32_created[nw32++] = pi.hThread;
    for (int i = 0; i < nw32; i++)
        cr_assert_not_null(w32_created[i], "Win32 object %d was not made", i);
}

static void close_everything(mmf_section **secs, int nsec, mmf_sync **syns, int nsyn,
                             void **views, int nviews)
{
    for (int i = 0; i < nviews; i++)
        assert_rc(mmf_view_unmap(views[i]), 0);
    for (int i = 0; i < nsec; i++)
        assert_rc(mmf_section_close(secs[i]), 0);
    for (int i = 0; i < nsyn; i++)
        assert_rc(mmf_sync_close(syns[i]), 0);
    cr_assert(UnmapViewOfFile(w32_view));
    for (int i = 0; i < nw32; i++)
        cr_assert(CloseHandle(w32_created[i]), "CloseHandle %d: %lu", i,
                  (unsigned long)GetLastError());
}

Test(security_fds, every_descriptor_is_cloexec_and_no_child_gets_one)
{
    registry_private(0755);
    int base_exec = exec_child_fds();
    int before[MAX_FDS];
    tmp_dir();
    int nb = list_fds(before, MAX_FDS);

    mmf_section *secs[32];
    mmf_sync *syns[16];
    void *views[40];
    int nsec, nsyn, nviews;
    make_everything(secs, &nsec, syns, &nsyn, views, &nviews);
    assert_new_fds_cloexec(before, nb, "after creating everything");
    cr_assert_eq(exec_child_fds(), base_exec,
                 "an exec'd child got %d descriptors, %d before mmf made anything",
                 exec_child_fds(), base_exec);

    /* Made inheritable on purpose: exactly the handle's own copies are
     * not close-on-exec (token, data, entry: 3 for a named section, 2
     * unnamed), and an exec'd child gets just those. */
    int mid[MAX_FDS], after[MAX_FDS], added[8];
    int nm_ = list_fds(mid, MAX_FDS);
    int tok1, tok2;
    assert_rc(mmf_section_set_inheritable(secs[2], 1, &tok1), 0);
    assert_rc(mmf_sync_set_inheritable(syns[0], 1, &tok2), 0);
    int na = list_fds(after, MAX_FDS);
    int nn = new_fds(mid, nm_, after, na, added, 8);
    cr_assert_eq(nn, 5, "making two handles inheritable opened %d descriptors", nn);
    for (int i = 0; i < nn; i++) {
        int fl = fcntl(added[i], F_GETFD);
        cr_assert(fl >= 0 && !(fl & FD_CLOEXEC), "inheritable copy %d is close-on-exec",
                  added[i]);
    }
    cr_assert_eq(exec_child_fds(), base_exec + 5);
    assert_rc(mmf_section_set_inheritable(secs[2], 0, NULL), 0);
    assert_rc(mmf_sync_set_inheritable(syns[0], 0, NULL), 0);
    cr_assert_eq(exec_child_fds(), base_exec);
    assert_new_fds_cloexec(before, nb, "after making handles non-inheritable again");

    close_everything(secs, nsec, syns, nsyn, views, nviews);
    cr_assert_eq(exec_child_fds(), base_exec);
}

/* The number of descriptors a child started by CreateProcess has, as its
 * exit code (the shell counts /proc/self/fd). */
static DWORD w32_child_fds(BOOL inherit)
{
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    PROCESS_INFORMATION pi;
    char cmd[] = "/bin/sh -c \"set -- /proc/self/fd/*; exit $#\"";
    cr_assert(CreateProcessA(NULL, cmd, NULL, NULL, inherit, 0, NULL, NULL, &si, &pi),
              "CreateProcessA: %lu", (unsigned long)GetLastError());
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    cr_assert(GetExitCodeProcess(pi.hProcess, &code));
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    return code;
}

struct spawner {
    int      rounds;
    BOOL     inherit;
    DWORD    base;
    int      bad;  /* children that did not have base descriptors */
    DWORD    last;
};

static void *spawn_loop(void *arg)
{
    struct spawner *sp = arg;
    for (int i = 0; i < sp->rounds; i++) {
        STARTUPINFOA si;
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        PROCESS_INFORMATION pi;
        char cmd[] = "/bin/sh -c \"set -- /proc/self/fd/*; exit $#\"";
        if (!CreateProcessA(NULL, cmd, NULL, NULL, sp->inherit, 0, NULL, NULL, &si, &pi)) {
            sp->bad++;
            continue;
        }
        WaitForSingleObject(pi.hProcess, 20000);
        DWORD code = 0;
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        if (!sp->inherit && code != sp->base) {
            sp->bad++;
            sp->last = code;
        }
    }
    return NULL;
}

/*
 * CreateProcess(bInheritHandles=FALSE) in one thread while another thread
 * spawns with inheritance: the inheritable copies made for the second
 * spawn never reach the first one's children (spawns are serialised,
 * src/win32/process.c: spawn_lock).
 */
Test(security_fds, createprocess_inheritance_is_serialised)
{
    registry_private(0755);
    DWORD base = w32_child_fds(FALSE);
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE h[6];
    char name[256];
    for (int i = 0; i < 6; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "ser%d", i);
        h[i] = i % 2 ? CreateMutexA(&sa, FALSE, nm(name, "Local\\", tag))
                     : CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096,
                                          nm(name, "Local\\", tag));
        cr_assert_not_null(h[i]);
    }
    DWORD with = w32_child_fds(TRUE);
    cr_assert_gt(with, base, "an inheriting child has %lu descriptors, %lu without",
                 (unsigned long)with, (unsigned long)base);
    cr_assert_eq(w32_child_fds(FALSE), base);

    struct spawner a = { .rounds = 40, .inherit = TRUE, .base = base };
    struct spawner b = { .rounds = 40, .inherit = FALSE, .base = base };
    pthread_t ta, tb;
    pthread_create(&ta, NULL, spawn_loop, &a);
    pthread_create(&tb, NULL, spawn_loop, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a.bad, 0, "%d inheriting spawns failed", a.bad);
    cr_assert_eq(b.bad, 0, "%d non-inheriting children had other descriptors (e.g. %lu, "
                 "base %lu): another spawn's inheritable copies leaked", b.bad,
                 (unsigned long)b.last, (unsigned long)base);
    for (int i = 0; i < 6; i++)
        cr_assert(CloseHandle(h[i]));
}

/* The Win32 layer adopts an unknown handle value only when it names a
 * descriptor without FD_CLOEXEC above stderr: a value that happens to
 * name one of mmf's own (close-on-exec) descriptors is refused, and the
 * descriptor is left alone. */
static HANDLE handle_of_fd(int fd)
{
    return (HANDLE)(uintptr_t)(((uintptr_t)fd + 1) * 4);
}

Test(security_fds, win32_adopts_only_inheritable_descriptors)
{
    registry_private(0755);
    uint64_t pg = page_size();
    int before[MAX_FDS], after[MAX_FDS], added[8];
    int nb = list_fds(before, MAX_FDS);
    char name[256];
    mmf_section *s = create_named(nm(name, "Local\\", "adopt"), pg);
    int na = list_fds(after, MAX_FDS);
    int nn = new_fds(before, nb, after, na, added, 8);
    cr_assert_geq(nn, 2, "a named section has %d descriptors", nn);
    for (int i = 0; i < nn; i++) {
        HANDLE h = handle_of_fd(added[i]);
        SetLastError(0);
        cr_assert_null(MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0),
                       "mmf's descriptor %d was adopted as a mapping", added[i]);
        cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
        cr_assert_eq(GetFileSize(h, NULL), INVALID_FILE_SIZE);
        cr_assert(!CloseHandle(h), "CloseHandle closed mmf's descriptor %d", added[i]);
        cr_assert_geq(fcntl(added[i], F_GETFD), 0, "descriptor %d was closed", added[i]);
    }
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    v[0] = 1;
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);

    /* stdio numbers are never adopted, whatever their flags. */
    cr_assert(!CloseHandle(handle_of_fd(2)));
    cr_assert_geq(fcntl(2, F_GETFD), 0, "stderr was closed");

    /* A close-on-exec file is not adopted; the same file without the flag
     * is (as an inherited file handle), and then becomes close-on-exec. */
    int fd = tmp_file("adopt", 100, NULL);
    cr_assert_eq(GetFileSize(handle_of_fd(fd), NULL), INVALID_FILE_SIZE);
    cr_assert(!CloseHandle(handle_of_fd(fd)));
    cr_assert_geq(fcntl(fd, F_GETFD), 0);
    cr_assert_eq(fcntl(fd, F_SETFD, 0), 0);
    cr_assert_eq(GetFileSize(handle_of_fd(fd), NULL), 100);
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "an adopted descriptor stays inheritable");
    cr_assert(CloseHandle(handle_of_fd(fd)));
    cr_assert_lt(fcntl(fd, F_GETFD), 0, "CloseHandle left the adopted descriptor open");
    assert_registry_empty();
}

/* ================================================================== */
/* Integer overflow in sizes, offsets and counts                       */
/* ================================================================== */

static const uint64_t huge_sizes[] = {
    UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 4095, UINT64_MAX - 4096 + 2,
    (uint64_t)1 << 63, ((uint64_t)1 << 63) + 4096, ((uint64_t)1 << 62) + 1,
    (uint64_t)INT64_MAX,
};
#define NHUGE (sizeof huge_sizes / sizeof huge_sizes[0])

Test(security_overflow, section_sizes_near_2_64)
{
    registry_private(0755);
    char name[256];
    int fd = tmp_file("ovf", 100, NULL);
    int fds0 = count_fds();
    for (size_t i = 0; i < NHUGE; i++) {
        uint64_t sz = huge_sizes[i];
        mmf_section *s = SENTINEL;
        for (int f = 0; f < 2; f++) {
            unsigned flags = f ? MMF_SEC_RESERVE : 0;
            assert_rc(mmf_section_create_memory(sz, MMF_PAGE_READWRITE, flags, &s), -EINVAL);
            assert_rc(create_rc(nm(name, "Local\\", "ovf"), sz, flags, 0, 0, &s), -EINVAL);
            assert_rc(create_rc(nm(name, "Global\\", "ovf"), sz, flags, 0, 0, &s), -EINVAL);
        }
        if (sz > (uint64_t)INT64_MAX) {
            assert_rc(mmf_section_from_fd(fd, sz, MMF_PAGE_READWRITE, 0, &s), -EINVAL);
            mmf_create_options o = opts(nm(name, "Local\\", "ovff"));
            assert_rc(mmf_section_create(fd, sz, MMF_PAGE_READWRITE, 0, &o, &s), -EINVAL);
            assert_rc(mmf_section_from_fd(fd, sz, MMF_PAGE_READONLY, 0, &s), -EINVAL);
        } else {
            /* 2^62 + 1 .. 2^63 - 1 are valid offsets: an error or a file of
             * exactly that size, nothing in between. */
            int rc = mmf_section_from_fd(fd, sz, MMF_PAGE_READONLY, 0, &s);
            assert_rc(rc, MMF_ETOOBIG);
        }
        cr_assert_eq(s, SENTINEL, "output written for size %#llx", (unsigned long long)sz);
        cr_assert_eq(fd_size(fd), 100, "size %#llx changed the file", (unsigned long long)sz);
    }
    assert_rc(mmf_file_set_size(fd, UINT64_MAX), -EFBIG);
    assert_rc(mmf_file_set_size(fd, (uint64_t)1 << 63), -EFBIG);
    cr_assert_eq(fd_size(fd), 100);
    cr_assert_eq(count_fds(), fds0, "failed creates left descriptors");
    close(fd);
    assert_registry_empty();
}

Test(security_overflow, file_view_offsets_near_2_64)
{
    uint64_t pg = page_size();
    int fd = tmp_file("ovv", 4 * pg, NULL);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    size_t views = mmf_view_count();
    const uint64_t offs[] = { 0, pg, 3 * pg, (uint64_t)0 - pg, (uint64_t)1 << 63,
                              ((uint64_t)0 - pg) & ~(uint64_t)0xffff, (uint64_t)1 << 62 };
    const uint64_t sizes[] = { UINT64_MAX, (uint64_t)0 - pg, ((uint64_t)0 - pg) + 1,
                               (uint64_t)1 << 63, 5 * pg };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            void *v = VSENTINEL;
            int rc = mmf_view_map(s, MMF_PAGE_READWRITE, offs[i], sizes[j], NULL, &v);
            cr_assert(rc == MMF_EVIEWSIZE || rc == -EINVAL,
                      "offset %#llx size %#llx: %d (%s)", (unsigned long long)offs[i],
                      (unsigned long long)sizes[j], rc, mmf_strerror(rc));
            cr_assert_eq(v, VSENTINEL);
        }
    /* A requested address near the top of the address space. */
    mmf_map_options o;
    memset(&o, 0, sizeof o);
    o.address = (void *)(UINTPTR_MAX & ~(uintptr_t)(pg - 1));
    void *v = VSENTINEL;
    int rc = mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, &o, &v);
    cr_assert(rc == -ENOMEM || rc == MMF_EADDRINUSE || rc == -EINVAL, "%d (%s)", rc,
              mmf_strerror(rc));
    cr_assert_eq(v, VSENTINEL);
    cr_assert_eq(mmf_view_count(), views);
    cr_assert_eq(fd_size(fd), 4 * pg);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

/* Lengths that wrap around the address space, for every call that takes
 * an address and a length: the documented error, nothing done. */
static int called;
static int count_fn(void *arg)
{
    (void)arg;
    called++;
    return 0;
}

Test(security_overflow, lengths_that_wrap_the_address_space)
{
    uint64_t pg = page_size();
    mmf_section *s = mem_section(4 * pg, MMF_PAGE_READWRITE, 0);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    memset(v, 'v', 4 * pg);
    char buf[64];
    memset(buf, 'b', sizeof buf);
    const size_t lens[] = { SIZE_MAX, SIZE_MAX - pg + 1, (size_t)0 - (uintptr_t)v,
                            (size_t)0 - (uintptr_t)v + 1, (size_t)1 << 63, 4 * pg + 1 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t len = lens[i];
        assert_rc(mmf_view_read(v + pg, buf, len), MMF_ENOTVIEW);
        assert_rc(mmf_view_write(v + pg, buf, len), MMF_ENOTVIEW);
        assert_rc(mmf_view_flush(v + pg, len), MMF_ENOTVIEW);
        unsigned old = 0xdead;
        assert_rc(mmf_view_protect(v + pg, len, MMF_PAGE_READONLY, &old), MMF_ENOTVIEW);
        cr_assert_eq(old, 0xdead);
    }
    cr_assert(all_bytes(buf, 'b', sizeof buf), "a failed read wrote the buffer");
    cr_assert(all_bytes(v, 'v', 4 * pg), "a failed write changed the view");
    char perms[5];
    for (uint64_t o = 0; o < 4 * pg; o += pg) {
        maps_perms(v + o, perms);
        cr_assert_str_eq(perms, "rw-s", "a failed protect changed page %llu",
                         (unsigned long long)(o / pg));
    }
    /* mmf_guard: a range that wraps is refused and fn never runs; one
     * that ends exactly at the top is a valid range. */
    called = 0;
    assert_rc(mmf_guard(v, SIZE_MAX, count_fn, NULL), -EINVAL);
    assert_rc(mmf_guard((void *)(UINTPTR_MAX - 10), 11, count_fn, NULL), -EINVAL);
    cr_assert_eq(called, 0, "mmf_guard ran fn over a wrapping range");
    assert_rc(mmf_guard((void *)(UINTPTR_MAX - 10), 10, count_fn, NULL), 0);
    cr_assert_eq(called, 1);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(security_overflow, counts_near_2_32)
{
    mmf_sync *y = YSENTINEL;
    assert_rc(mmf_semaphore_create(0, UINT32_MAX, NULL, &y), -EINVAL);
    assert_rc(mmf_semaphore_create(0, 0x80000000u, NULL, &y), -EINVAL);
    assert_rc(mmf_semaphore_create(UINT32_MAX, 0x7FFFFFFFu, NULL, &y), -EINVAL);
    cr_assert_eq(y, YSENTINEL);
    assert_rc(mmf_semaphore_create(5, 0x7FFFFFFFu, NULL, &y), 0);
    uint32_t prev = 0xdead;
    const uint32_t counts[] = { UINT32_MAX, UINT32_MAX - 4, 0x80000000u, 0x7FFFFFFBu };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        assert_rc(mmf_semaphore_release(y, counts[i], &prev), MMF_ETOOMANYPOSTS);
    cr_assert_eq(prev, 0xdead, "prev written on failure");
    assert_rc(mmf_semaphore_release(y, 0x7FFFFFFAu, &prev), 0); /* exactly to the max */
    cr_assert_eq(prev, 5);
    assert_rc(mmf_semaphore_release(y, 1, &prev), MMF_ETOOMANYPOSTS);
    mmf_sync *hs[2] = { y, y };
    assert_rc(mmf_wait_multiple(hs, UINT32_MAX, 0, 0), -EINVAL);
    assert_rc(mmf_wait_multiple(hs, MMF_MAXIMUM_WAIT_OBJECTS + 1, 0, 0), -EINVAL);
    assert_rc(mmf_sync_close(y), 0);
    assert_rc(mmf_set_granularity((uint64_t)1 << 63), -EINVAL);
    assert_rc(mmf_set_granularity(UINT64_MAX), -EINVAL);
    assert_rc(mmf_set_granularity(((uint64_t)1 << 30) << 1), -EINVAL);
}

/*
 * A handle description received over a socket is checked against its
 * descriptors: sizes and offsets that would reach past the data (or wrap
 * around while computing it) are refused with -EINVAL, and no view of an
 * accepted one reaches past the file.  The offsets below are those of
 * struct handle_desc in src/handle.c (magic[8]; access, prot, flags,
 * file_backed: 4 bytes each; size, unit, data_off: 8 bytes each).
 */
#define DESC_SIZE 24
#define DESC_UNIT 32
#define DESC_DATA_OFF 40

static void send_raw(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
    union {
        char b[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds) {
        msg.msg_control = ctl.b;
        msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    cr_assert_eq(sendmsg(sock, &msg, 0), (ssize_t)len, "sendmsg: %s", strerror(errno));
}

static size_t recv_raw(int sock, void *buf, size_t cap, int *fds, int *nfds)
{
    union {
        char b[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { .iov_base = buf, .iov_len = cap };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                          .msg_controllen = sizeof ctl.b };
    ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    cr_assert_gt(r, 0, "recvmsg: %s", strerror(errno));
    *nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
            memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    return (size_t)r;
}

Test(security_overflow, forged_handle_sizes_are_refused)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(2 * pg, MMF_PAGE_READWRITE, 0);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_rc(mmf_section_send(sv[0], h), 0);
    char msg[4096];
    int fds[8], nfds;
    size_t len = recv_raw(sv[1], msg, sizeof msg, fds, &nfds);
    cr_assert_eq(nfds, 1);
    uint64_t size, unit, off;
    memcpy(&size, msg + DESC_SIZE, 8);
    memcpy(&unit, msg + DESC_UNIT, 8);
    memcpy(&off, msg + DESC_DATA_OFF, 8);
    cr_assert_eq(size, 2 * pg, "struct handle_desc changed: update the offsets here");
    cr_assert_eq(unit, pg);
    cr_assert_eq(off, 0);

    static const struct { uint64_t size, off; } bad[] = {
        { UINT64_MAX, 0 }, { 3 * 4096, 0 }, { 4096, 4096 + 1 }, { 4096, UINT64_MAX - 4095 },
        { UINT64_MAX - 4095, 8192 }, { (uint64_t)1 << 63, (uint64_t)1 << 63 }, { 0, 0 },
    };
    int before = count_fds();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char f[4096];
        memcpy(f, msg, len);
        uint64_t bs = bad[i].size == 3 * 4096 ? 3 * pg : bad[i].size;
        memcpy(f + DESC_SIZE, &bs, 8);
        memcpy(f + DESC_DATA_OFF, &bad[i].off, 8);
        send_raw(sv[0], f, len, fds, 1);
        mmf_section *r = SENTINEL;
        assert_rc(mmf_section_recv(sv[1], &r), -EINVAL);
        cr_assert_eq(r, SENTINEL);
    }
    cr_assert_eq(count_fds(), before, "refused descriptions left descriptors");
    close(fds[0]);
    close(sv[0]);
    close(sv[1]);
    assert_rc(mmf_section_close(h), 0);
}

/* Units that are not the page size: refused, or views that stay inside
 * the 2 pages the memfd has.  (The library used to accept any non-zero
 * unit: a unit of 3 or 3 pages gave a view reaching past the memfd.) */
Test(security_overflow, forged_handle_units_stay_inside)
{
    uint64_t pg = page_size();
    mmf_section *h = mem_section(2 * pg, MMF_PAGE_READWRITE, 0);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_rc(mmf_section_send(sv[0], h), 0);
    char msg[4096];
    int fds[8], nfds;
    size_t len = recv_raw(sv[1], msg, sizeof msg, fds, &nfds);
    cr_assert_eq(nfds, 1);
    const uint64_t units[] = { 1, 3, 3 * pg, (uint64_t)1 << 63, UINT64_MAX };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        char f[4096];
        memcpy(f, msg, len);
        memcpy(f + DESC_UNIT, &units[i], 8);
        send_raw(sv[0], f, len, fds, 1);
        mmf_section *r = SENTINEL;
        int rc = mmf_section_recv(sv[1], &r);
        if (rc < 0) {
            assert_rc(rc, -EINVAL);
            continue;
        }
        void *v = NULL;
        rc = mmf_view_map(r, MMF_PAGE_READONLY, 0, 0, NULL, &v);
        if (rc == 0) {
            mmf_view_info vi = query(v);
            cr_assert_leq(vi.view_size, 2 * pg,
                          "a forged unit %#llx gives a view of %llu bytes over %llu",
                          (unsigned long long)units[i], (unsigned long long)vi.view_size,
                          (unsigned long long)(2 * pg));
            assert_rc(mmf_view_unmap(v), 0);
        }
        assert_rc(mmf_section_close(r), 0);
    }
    close(fds[0]);
    close(sv[0]);
    close(sv[1]);
    assert_rc(mmf_section_close(h), 0);
}

/* ================================================================== */
/* Other users (root only)                                             */
/* ================================================================== */

/*
 * A forked child that becomes user and group 65534 before the process has
 * touched the registry (a process that changes its user later keeps the
 * directories it opened, see docs/security.md), then waits for the parent.
 */
struct as_nobody {
    pid_t pid;
    int   go[2];
    int  *res; /* shared */
};

static void nobody_start(struct as_nobody *a, void (*fn)(int *res))
{
    a->res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(a->res, MAP_FAILED);
    for (int i = 0; i < 64; i++)
        a->res[i] = INT_MIN;
    cr_assert_eq(pipe2(a->go, O_CLOEXEC), 0);
    fflush(NULL);
    a->pid = fork();
    cr_assert_geq(a->pid, 0);
    if (a->pid == 0) {
        close(a->go[1]);
        if (setgroups(0, NULL) < 0 || setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 ||
            setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
            _exit(3);
        char c;
        if (read(a->go[0], &c, 1) != 1)
            _exit(4);
        fn(a->res);
        _exit(0);
    }
    close(a->go[0]);
}

static void nobody_run(struct as_nobody *a)
{
    cr_assert_eq(write(a->go[1], "g", 1), 1);
    close(a->go[1]);
    int st;
    cr_assert_eq(waitpid(a->pid, &st, 0), a->pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child as nobody: status %#x", st);
}

static char sync_names[6][256];

static void nobody_sync_ops(int *r)
{
    mmf_sync *y = NULL;
    mmf_create_options o;
    /* Global, default mode (owner only): no open, no create. */
    r[0] = mmf_sync_open(sync_names[0], MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_WAIT, &y);
    memset(&o, 0, sizeof o);
    o.name = sync_names[0];
    r[1] = mmf_mutex_create(0, &o, &y);
    /* Global 0644: readable is not enough (waiting writes the state). */
    r[2] = mmf_sync_open(sync_names[1], MMF_SYNC_EVENT, MMF_SYNC_ACCESS_WAIT, &y);
    /* Global everyone: open, use. */
    r[3] = mmf_sync_open(sync_names[2], MMF_SYNC_SEMAPHORE, MMF_SYNC_ACCESS_ALL, &y);
    if (r[3] == 0) {
        r[4] = mmf_wait(y, 0);
        r[5] = mmf_semaphore_release(y, 1, NULL);
        r[6] = mmf_sync_close(y);
    }
    /* Local names of another user: not found, whatever their mode. */
    r[7] = mmf_sync_open(sync_names[3], MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &y);
    r[8] = mmf_sync_open(sync_names[4], MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &y);
    /* A Local create makes nobody's own object. */
    memset(&o, 0, sizeof o);
    o.name = sync_names[3];
    r[9] = mmf_mutex_create(0, &o, &y);
    if (r[9] == 0)
        r[10] = mmf_sync_close(y);
    r[11] = mmf_registry_gc() >= 0;
}

Test(security_users, sync_objects_and_other_users)
{
    need_root();
    registry_private(01777);
    nm(sync_names[0], "Global\\", "um");
    nm(sync_names[1], "Global\\", "ue");
    nm(sync_names[2], "Global\\", "us");
    nm(sync_names[3], "Local\\", "ul");
    nm(sync_names[4], "", "ul2");
    struct as_nobody a; /* forked now: it sees the names above, not later writes */
    nobody_start(&a, nobody_sync_ops);
    mmf_sync *y[5];
    mmf_create_options o = opts(sync_names[0]);
    assert_rc(mmf_mutex_create(0, &o, &y[0]), 0);
    o = opts(sync_names[1]);
    o.mode = 0644;
    assert_rc(mmf_event_create(1, 1, &o, &y[1]), 0);
    o = opts(sync_names[2]);
    o.everyone = 1;
    assert_rc(mmf_semaphore_create(1, 2, &o, &y[2]), 0);
    o = opts(sync_names[3]);
    o.everyone = 1;
    assert_rc(mmf_mutex_create(0, &o, &y[3]), 0);
    o = opts(sync_names[4]);
    o.everyone = 1;
    assert_rc(mmf_mutex_create(0, &o, &y[4]), 0);
    nobody_run(&a);
    int *r = a.res;
    assert_rc(r[0], -EACCES);
    assert_rc(r[1], -EACCES);
    assert_rc(r[2], -EACCES);
    assert_rc(r[3], 0);
    assert_rc(r[4], MMF_WAIT_OBJECT_0);
    assert_rc(r[5], 0);
    assert_rc(r[6], 0);
    assert_rc(r[7], MMF_ENOTFOUND);
    assert_rc(r[8], MMF_ENOTFOUND);
    assert_rc(r[9], 0);
    assert_rc(r[10], 0);
    cr_assert(r[11], "nobody's gc failed");
    /* Ours are intact (the semaphore is back at 1). */
    assert_rc(mmf_wait(y[2], 0), MMF_WAIT_OBJECT_0);
    assert_rc(mmf_wait(y[2], 0), MMF_WAIT_TIMEOUT);
    assert_rc(mmf_wait(y[1], 0), MMF_WAIT_OBJECT_0);
    for (int i = 0; i < 5; i++)
        assert_rc(mmf_sync_close(y[i]), 0);
    assert_registry_empty();
}

/*
 * Not protected: the Global namespace is first come, first served.  Any
 * user can create Global\NAME before its intended owner (Windows would
 * require SeCreateGlobalPrivilege); the owner's later create then opens
 * the squatter's object (MMF_EXISTED) — with whatever mode the squatter
 * chose.  Programs that need to trust a Global object must check who
 * made it (mmf ls / mmf info show the owner).
 */
Test(security_users, global_names_can_be_taken_first_by_another_user)
{
    need_setpriv();
    registry_private(01777);
    char name[256];
    nm(name, "Global\\", "first");
    /* The Global directory made by root (see global_dir_made_by_a_user). */
    cr_assert_geq(mmf_registry_gc(), 0);
    struct child c;
    child_start_nobody(&c, "create-mode", name, "4096", "everyone", "map", "rw", "write",
                       "0", "planted", "hold");
    child_expect(&c, "create-mode", 0);
    child_expect(&c, "map", 0);
    child_expect(&c, "write", 0);
    child_ready(&c);
    mmf_section *s = NULL;
    assert_rc(create_rc(name, 4096, 0, 0, 0, &s), MMF_EXISTED);
    char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert_str_eq(v, "planted", "the squatter's data is what the owner sees");
    char dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    registry_global(dir);
    cr_assert_eq(reg_entries(dir, &entry, 1), 1);
    entry_path(p, dir, entry);
    cr_assert_eq(lst(p).st_uid, (uid_t)NOBODY_ID, "the entry shows its real owner");
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    child_end_ok(&c);
    assert_registry_empty();
}

/*
 * Another user's leftover in the sticky Global directory cannot be
 * removed by a third user: the name is dead but taken — an opener gets
 * MMF_ENOTFOUND, a creator -EACCES — until its owner or root sweeps (root
 * removes it, never writes it).
 */
Test(security_users, foreign_leftover_in_global)
{
    need_setpriv();
    registry_private(01777);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    nm(name, "Global\\", "leftover");
    registry_global(dir);
    learn_entry(name, dir, entry);
    entry_path(p, dir, entry);
    /* root's, unlocked, readable by others (0600 would be -EACCES to them
     * for every call: they could not even look at it) */
    int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fchmod(fd, 0644), 0);
    fill_pattern(fd, 4096);
    struct child c;
    child_start_nobody(&c, "open", name, "r", "create", name, "4096", "gc");
    child_expect(&c, "open", MMF_ENOTFOUND);
    child_expect(&c, "create", -EACCES);
    cr_assert_geq(child_rc(&c, "gc"), 0);
    child_end_ok(&c);
    cr_assert_eq(lst(p).st_nlink, 1, "nobody removed root's leftover");
    /* Root's own create reclaims it (unlinks, never writes). */
    mmf_section *s = create_named(name, 4096);
    unsigned char buf[4096];
    pread_all(fd, buf, sizeof buf, 0);
    cr_assert(check_pat(buf, 0, sizeof buf), "the leftover was written");
    close(fd);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
}

/* Another user's live fake entry (a regular file it holds with a shared
 * flock) in the Global directory: MMF_ESQUATTED, and nothing written. */
Test(security_users, foreign_live_fake_entry_in_global)
{
    need_setpriv();
    registry_private(01777);
    char name[256], dir[PATH_MAX], entry[NAME_MAX + 1], p[PATH_MAX + NAME_MAX + 2];
    nm(name, "Global\\", "fake");
    registry_global(dir);
    learn_entry(name, dir, entry);
    entry_path(p, dir, entry);
    /* As nobody: create the file, lock it, wait. */
    int go[2], ready[2];
    cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (setgroups(0, NULL) < 0 || setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0 ||
            setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) < 0)
            _exit(3);
        int f = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
        if (f < 0 || flock(f, LOCK_SH) < 0)
            _exit(4);
        unsigned char junk[8192];
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = pat(i);
        if (pwrite(f, junk, sizeof junk, 0) != (ssize_t)sizeof junk)
            _exit(5);
        close(go[1]);
        if (write(ready[1], "r", 1) != 1)
            _exit(6);
        char ch;
        if (read(go[0], &ch, 1) < 0)
            _exit(7);
        _exit(0);
    }
    close(go[0]);
    close(ready[1]);
    char ch;
    cr_assert_eq(read(ready[0], &ch, 1), 1, "the child as nobody did not plant its file");
    assert_all_ops(name, MMF_ESQUATTED, MMF_ESQUATTED);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fd_size(fd), 8192, "the fake entry was resized");
    unsigned char buf[8192];
    pread_all(fd, buf, sizeof buf, 0);
    cr_assert(check_pat(buf, 0, sizeof buf), "the fake entry was written");
    close(fd);
    cr_assert_eq(write(go[1], "g", 1), 1);
    close(go[1]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "nobody child: %#x", st);
    unlink(p);
    close(ready[0]);
    assert_registry_empty();
}

/*
 * The Global directory must be root's (or the caller's own): a user who
 * owns the directory can rename and remove every entry in it, sticky bit
 * or not.  So when a non-root user made /dev/shm/mmf-global first, every
 * other user is refused with MMF_ESQUATTED (documented: have root, or the
 * boot, make the directory when several users share Global names).
 */
Test(security_users, global_dir_made_by_a_user)
{
    need_setpriv();
    registry_private(01777);
    char name[256], dir[PATH_MAX];
    nm(name, "Global\\", "udir");
    struct child c;
    child_start_nobody(&c, "create-mode", name, "4096", "everyone", "hold");
    child_expect(&c, "create-mode", 0);
    child_ready(&c);
    struct stat st = lst(registry_global(dir));
    cr_assert_eq(st.st_uid, (uid_t)NOBODY_ID);
    cr_assert_eq(st.st_mode & 07777, 01777);
    mmf_section *s = SENTINEL;
    assert_rc(create_rc(name, 4096, 0, 0, 0, &s), MMF_ESQUATTED);
    assert_rc(mmf_section_open(name, MMF_ACCESS_READ, &s), MMF_ESQUATTED);
    cr_assert_eq(s, SENTINEL);
    /* Local names are not affected. */
    nm(name, "Local\\", "udir");
    s = create_named(name, 4096);
    assert_rc(mmf_section_close(s), 0);
    child_end_ok(&c);
}

/*
 * A named file section's entry records the file's path, and an opener
 * opens that path with its own privileges before checking device and
 * inode.  The creator (any user, for a Global name) can replace the path
 * with a symlink to a FIFO or a device: the opener must not open it.
 * Here a writer blocked on a FIFO shows whether root's open opened the
 * FIFO for reading.  (It used to: attach() in src/section.c now looks at
 * the path with O_PATH first.)
 */
static void *fifo_writer(void *arg)
{
    int fd = open((const char *)arg, O_WRONLY | O_CLOEXEC); /* blocks for a reader */
    if (fd >= 0)
        close(fd);
    return NULL;
}

Test(security_users, file_section_path_is_not_opened_blindly)
{
    need_setpriv();
    registry_private(01777);
    char pub[] = "/tmp/mmf-secpath-XXXXXX";
    cr_assert_not_null(mkdtemp(pub));
    cr_assert_eq(chmod(pub, 0777), 0);
    char file[PATH_MAX], moved[PATH_MAX], fifo[PATH_MAX], name[256];
    pathf(file, sizeof file, "%s/data", pub);
    pathf(moved, sizeof moved, "%s/data.moved", pub);
    pathf(fifo, sizeof fifo, "%s/fifo", pub);
    nm(name, "Global\\", "path");
    cr_assert_geq(mmf_registry_gc(), 0); /* root makes the Global directory */
    struct child c;
    child_start_nobody(&c, "create-file", name, file, "4096", "hold");
    child_expect(&c, "create-file", 0);
    child_ready(&c);
    /* What the creator may do next: the path now leads to a FIFO. */
    cr_assert_eq(rename(file, moved), 0);
    cr_assert_eq(mkfifo(fifo, 0666), 0);
    cr_assert_eq(symlink(fifo, file), 0);
    pthread_t t;
    pthread_create(&t, NULL, fifo_writer, fifo);
    usleep(100000);
    mmf_section *s = NULL;
    int rc = mmf_section_open(name, MMF_ACCESS_READ, &s);
    usleep(200000);
    /* Did anyone open the FIFO for reading?  A finished writer says so. */
    int opened = pthread_tryjoin_np(t, NULL) == 0;
    if (!opened) {
        int r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* release the writer */
        pthread_join(t, NULL);
        if (r >= 0)
            close(r);
    }
    if (rc == 0)
        assert_rc(mmf_section_close(s), 0);
    child_end_ok(&c);
    unlink(file);
    unlink(moved);
    unlink(fifo);
    rmdir(pub);
    cr_log_info("open of the file section: %d (%s)", rc, mmf_strerror(rc));
    cr_assert(!opened, "mmf_section_open opened the FIFO the creator's path leads to");
    assert_rc(rc, 0); /* through a live holder's descriptor */
}
