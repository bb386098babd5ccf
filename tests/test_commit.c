/*
 * test_commit.c — committed memory that cannot be had fails at create, with
 * MMF_ECOMMIT, and leaves nothing behind (docs/security.md, "Resource
 * exhaustion").
 *
 * A named memory section lives in its registry entry, a file on the
 * registry's tmpfs (/dev/shm): a committed one is fallocate()d there before
 * it gets its name (src/section.c: init_entry -> commit), so a full tmpfs
 * is an error at create and not a SIGBUS at first touch.  As root the tests
 * below mount a small tmpfs in a private mount namespace (unshare -m) and
 * point MMF_REGISTRY_DIR at it; nothing is visible outside the child that
 * does it.  Without root they skip, saying so.  The commit-room check for
 * sections larger than memory (src/sysinfo.c: mmf__commit_room) needs no
 * privilege.
 */
#include "helpers.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#define MiB ((uint64_t)1 << 20)

TestSuite(commit, .fini = test_cleanup, .timeout = 60);

#define SENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)

/* ------------------------------------------------------------------ */
/* A small tmpfs in a private mount namespace                          */
/* ------------------------------------------------------------------ */

/* Results of the child, in shared memory: r[i] or NORES when not reached. */
#define NRES 40
#define NORES (-999999)

struct tmpfs_run {
    long long r[NRES];
    char      why[256]; /* the child's reason to give up, if any */
};

/* Object entries (names not starting with '.') in dir, or -1. */
static int objects_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static long long free_bytes(const char *dir)
{
    struct statvfs v;
    if (statvfs(dir, &v) < 0)
        return -1;
    return (long long)v.f_bavail * (long long)v.f_frsize;
}

static int named_mem(const char *name, uint64_t size, unsigned flags, mmf_section **out)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    return mmf_section_create(-1, size, MMF_PAGE_READWRITE, flags, &o, out);
}

/*
 * Runs fn(dir, r) in a forked child that has a private mount namespace with
 * a tmpfs of @size_opt ("8m") mounted on a fresh directory @dir, and
 * MMF_REGISTRY_DIR pointing at it.  Returns 0, or skips the test (not root,
 * no mount namespaces).
 */
static void tmpfs_run(const char *size_opt, void (*fn)(const char *dir, struct tmpfs_run *),
                      struct tmpfs_run *out)
{
    if (!is_root())
        skip_test("needs root: mounts a small tmpfs in a private mount namespace "
                  "(unshare -m)");
    struct tmpfs_run *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(sh, MAP_FAILED);
    for (int i = 0; i < NRES; i++)
        sh->r[i] = NORES;
    sh->why[0] = '\0';
    char mnt[PATH_MAX];
    tmp_path("tmpfs", mnt);
    cr_assert_eq(mkdir(mnt, 0755), 0, "mkdir %s: %s", mnt, strerror(errno));

    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char opts[64];
        snprintf(opts, sizeof opts, "size=%s,mode=0755", size_opt);
        if (unshare(CLONE_NEWNS) < 0) {
            snprintf(sh->why, sizeof sh->why, "unshare(CLONE_NEWNS): %s", strerror(errno));
            _exit(3);
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
            snprintf(sh->why, sizeof sh->why, "mount: %s", strerror(errno));
            _exit(3);
        }
        setenv("MMF_REGISTRY_DIR", mnt, 1);
        fn(mnt, sh);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    *out = *sh;
    munmap(sh, sizeof *sh);
    rmdir(mnt); /* the mount went with the child's namespace */
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        skip_test("no private tmpfs: %s", out->why);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the tmpfs child ended with status %#x",
              st);
}

/* Asserts result i of a run, naming it. */
#define assert_res(run, i, want, what)                                               \
    do {                                                                             \
        long long got_ = (run).r[(i)];                                               \
        cr_assert(got_ != NORES, "%s: the child did not get that far", (what));       \
        cr_assert_eq(got_, (long long)(want), "%s: %lld (%s), expected %lld (%s)",    \
                     (what), got_, mmf_strerror((int)got_), (long long)(want),       \
                     mmf_strerror((int)(want)));                                     \
    } while (0)

/* ------------------------------------------------------------------ */
/* Named memory sections on a full registry tmpfs                      */
/* ------------------------------------------------------------------ */

static void named_commit_child(const char *dir, struct tmpfs_run *o)
{
    char local[PATH_MAX];
    snprintf(local, sizeof local, "%s/mmf-%u", dir, (unsigned)geteuid());
    mmf_section *s = SENTINEL;

    /* Make the registry directory first (an open of a missing name), so
     * that free space is measured with it and its census in place. */
    mmf_section *none = NULL;
    o->r[0] = mmf_section_open("commit-none", MMF_ACCESS_READ, &none);
    long long free0 = free_bytes(dir);

    /* 16 MiB committed on an 8 MiB tmpfs: refused, nothing left. */
    o->r[1] = named_mem("commit-16m", 16 * MiB, 0, &s);
    o->r[2] = s == SENTINEL;
    o->r[3] = objects_in(local);
    o->r[4] = free_bytes(dir) >= free0; /* the reservation was given back */
    o->r[5] = mmf_section_open("commit-16m", MMF_ACCESS_READ, &none);
    /* Explicit MMF_SEC_COMMIT: the same. */
    o->r[6] = named_mem("commit-16m", 16 * MiB, MMF_SEC_COMMIT, &s);
    o->r[7] = objects_in(local);

    /* 4 MiB fits, and its memory is really reserved (free space drops). */
    mmf_section *a = NULL;
    o->r[8] = named_mem("commit-4m", 4 * MiB, 0, &a);
    o->r[9] = free_bytes(dir) <= free0 - (long long)(4 * MiB);
    /* A second 4 MiB no longer fits (the first one's header page and the
     * registry's bookkeeping take some of the 8 MiB). */
    s = SENTINEL;
    o->r[10] = named_mem("commit-4m-b", 4 * MiB, 0, &s);
    o->r[11] = s == SENTINEL;
    o->r[12] = objects_in(local); /* only commit-4m */

    /* Reserve-only: no memory taken now, so 16 MiB is accepted. */
    mmf_section *r = NULL;
    o->r[13] = named_mem("reserve-16m", 16 * MiB, MMF_SEC_RESERVE, &r);
    if (o->r[13] == 0) {
        mmf_section_info si;
        o->r[14] = mmf_section_query(r, &si) == 0 && si.size == 16 * MiB &&
                   (si.flags & MMF_SEC_RESERVE);
        /* Touching more than the tmpfs holds is an in-page error, which a
         * guarded write reports instead of dying of SIGBUS. */
        void *v = NULL;
        if (mmf_view_map(r, MMF_PAGE_READWRITE, 0, 0, NULL, &v) == 0) {
            static char chunk[1 << 20];
            memset(chunk, 'r', sizeof chunk);
            int rc = 0;
            for (uint64_t off = 0; off < 16 * MiB && rc == 0; off += sizeof chunk)
                rc = mmf_view_write((char *)v + off, chunk, sizeof chunk);
            o->r[15] = rc;
            mmf_view_unmap(v);
        }
        o->r[16] = mmf_section_close(r);
    }
    o->r[17] = mmf_section_close(a);
    o->r[18] = objects_in(local);
    o->r[19] = free_bytes(dir) >= free0;
}

Test(commit, named_section_on_a_full_tmpfs)
{
    struct tmpfs_run run;
    tmpfs_run("8m", named_commit_child, &run);
    assert_res(run, 0, MMF_ENOTFOUND, "open of a missing name");
    assert_res(run, 1, MMF_ECOMMIT, "named committed 16 MiB on an 8 MiB tmpfs");
    assert_res(run, 2, 1, "output left alone on failure");
    assert_res(run, 3, 0, "entries left by the failed create");
    assert_res(run, 4, 1, "space given back after the failed create");
    assert_res(run, 5, MMF_ENOTFOUND, "open after the failed create");
    assert_res(run, 6, MMF_ECOMMIT, "named MMF_SEC_COMMIT 16 MiB");
    assert_res(run, 7, 0, "entries left by the second failed create");
    assert_res(run, 8, 0, "named committed 4 MiB");
    assert_res(run, 9, 1, "4 MiB committed takes 4 MiB of the tmpfs at create");
    assert_res(run, 10, MMF_ECOMMIT, "a second 4 MiB on what is left");
    assert_res(run, 11, 1, "output left alone on failure");
    assert_res(run, 12, 1, "objects after the refused second 4 MiB");
    assert_res(run, 13, 0, "named MMF_SEC_RESERVE 16 MiB");
    assert_res(run, 14, 1, "query of the reserved section");
    assert_res(run, 15, MMF_EINPAGE, "writing 16 MiB into a reserve-only section on 8 MiB");
    assert_res(run, 16, 0, "close of the reserved section");
    assert_res(run, 17, 0, "close of the 4 MiB section");
    assert_res(run, 18, 0, "objects left after closing everything");
    assert_res(run, 19, 1, "all space given back after closing");
}

/*
 * A completely full tmpfs: even the header page of a new entry cannot be
 * written.  Every kind of named object then fails at create with an error
 * (never a SIGBUS, never a half-made name).
 */
static void full_tmpfs_child(const char *dir, struct tmpfs_run *o)
{
    char local[PATH_MAX], filler[PATH_MAX];
    snprintf(local, sizeof local, "%s/mmf-%u", dir, (unsigned)geteuid());
    mmf_section *none = NULL;
    o->r[0] = mmf_section_open("full-none", MMF_ACCESS_READ, &none);
    snprintf(filler, sizeof filler, "%s/filler", dir);
    int f = open(filler, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    /* Fill it: fallocate what is free, then a page at a time. */
    long long fb = free_bytes(dir);
    if (f >= 0 && fb > 0)
        (void)fallocate(f, 0, 0, (off_t)fb);
    for (off_t off = (off_t)fb; f >= 0 && fallocate(f, 0, off, 4096) == 0; off += 4096)
        ;
    o->r[1] = free_bytes(dir);

    mmf_section *s = SENTINEL;
    o->r[2] = named_mem("full-commit", 64 * 1024, 0, &s);
    o->r[3] = named_mem("full-reserve", 64 * 1024, MMF_SEC_RESERVE, &s);
    o->r[4] = s == SENTINEL;
    mmf_create_options opt;
    memset(&opt, 0, sizeof opt);
    opt.name = "full-mutex";
    mmf_sync *m = NULL;
    o->r[5] = mmf_mutex_create(0, &opt, &m);
    o->r[6] = objects_in(local);
    if (f >= 0) {
        close(f);
        unlink(filler);
    }
    /* With the space back, the same names work. */
    s = NULL;
    o->r[7] = named_mem("full-commit", 64 * 1024, 0, &s);
    if (o->r[7] == 0)
        o->r[8] = mmf_section_close(s);
}

Test(commit, every_named_object_fails_cleanly_on_a_full_tmpfs)
{
    struct tmpfs_run run;
    tmpfs_run("1m", full_tmpfs_child, &run);
    assert_res(run, 0, MMF_ENOTFOUND, "open of a missing name");
    assert_res(run, 1, 0, "free space after filling the tmpfs");
    assert_res(run, 2, MMF_ECOMMIT, "named committed section on a full tmpfs");
    /* Reserve-only and sync objects take no commit, but their header page
     * cannot be written either: -ENOSPC, the file system's word for it. */
    assert_res(run, 3, -ENOSPC, "named reserve-only section on a full tmpfs");
    assert_res(run, 4, 1, "output left alone on failure");
    assert_res(run, 5, -ENOSPC, "named mutex on a full tmpfs");
    assert_res(run, 6, 0, "entries left by the failed creates");
    assert_res(run, 7, 0, "named committed section once space is back");
    assert_res(run, 8, 0, "close");
}

/* ------------------------------------------------------------------ */
/* A file section on a full file system                                */
/* ------------------------------------------------------------------ */

static void file_grow_child(const char *dir, struct tmpfs_run *o)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    static unsigned char buf[1 << 20];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = pat(i);
    o->r[0] = pwrite(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf;

    /* A 16 MiB writable section over a 1 MiB file on an 8 MiB tmpfs must
     * grow the file past the space.  Windows refuses (ERROR_DISK_FULL);
     * Linux grows a file sparse, so the grow itself may succeed and the
     * space run out only when pages are written: then a guarded write
     * reports MMF_EINPAGE instead of dying of SIGBUS. */
    mmf_section *s = SENTINEL;
    int rc = mmf_section_from_fd(fd, 16 * MiB, MMF_PAGE_READWRITE, 0, &s);
    o->r[1] = rc;
    struct stat st;
    fstat(fd, &st);
    o->r[2] = st.st_size;
    if (rc == 0) {
        void *v = NULL;
        o->r[3] = mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v);
        if (o->r[3] == 0) {
            static char chunk[1 << 20];
            memset(chunk, 'w', sizeof chunk);
            int w = 0;
            /* The first MiB is the file's data: leave it alone. */
            for (uint64_t off = MiB; off < 16 * MiB && w == 0; off += sizeof chunk)
                w = mmf_view_write((char *)v + off, chunk, sizeof chunk);
            o->r[4] = w;
            mmf_view_unmap(v);
        }
        mmf_section_close(s);
    } else {
        o->r[5] = s == SENTINEL;
    }
    /* The data already in the file is untouched either way. */
    static unsigned char back[1 << 20];
    o->r[6] = pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back &&
              memcmp(back, buf, sizeof buf) == 0;
    close(fd);
}

Test(commit, file_section_growing_past_the_space)
{
    struct tmpfs_run run;
    tmpfs_run("8m", file_grow_child, &run);
    assert_res(run, 0, 1, "writing the 1 MiB file");
    long long rc = run.r[1];
    cr_assert(rc == 0 || rc == -ENOSPC, "16 MiB file section on 8 MiB: %lld (%s)", rc,
              mmf_strerror((int)rc));
    if (rc == -ENOSPC) {
        assert_res(run, 2, (long long)MiB, "file size after the refused grow");
        assert_res(run, 5, 1, "output left alone on failure");
    } else {
        /* The grow is sparse (docs/security.md: known difference). */
        cr_log_info("a 16 MiB file section on an 8 MiB tmpfs is created sparse; "
                    "the space runs out at write time");
        assert_res(run, 2, (long long)(16 * MiB), "file size after the sparse grow");
        assert_res(run, 3, 0, "view of the grown file");
        assert_res(run, 4, MMF_EINPAGE, "writing past the space through a guarded write");
    }
    assert_res(run, 6, 1, "the file's first MiB is intact");
}

/* ------------------------------------------------------------------ */
/* Unprivileged: the commit-room check                                 */
/* ------------------------------------------------------------------ */

static uint64_t mem_total_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    cr_assert_not_null(f);
    char line[256];
    unsigned long long kb, total = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1 ||
            sscanf(line, "SwapTotal: %llu kB", &kb) == 1)
            total += kb;
    fclose(f);
    return (uint64_t)total * 1024;
}

/*
 * A committed section larger than RAM + swap is refused before any memory
 * is touched (the kernel would not refuse it: a memfd is not checked
 * against RAM, and the system would go into reclaim and the OOM killer).
 */
Test(commit, larger_than_memory_is_ecommit)
{
    const char *base = registry_private(0755);
    (void)base;
    uint64_t pg = page_size();
    uint64_t huge = (mem_total_bytes() * 2 + pg - 1) / pg * pg;
    int before = count_fds();
    mmf_section *s = SENTINEL;
    assert_rc(mmf_section_create_memory(huge, MMF_PAGE_READWRITE, 0, &s), MMF_ECOMMIT);
    assert_rc(mmf_section_create_memory(huge, MMF_PAGE_READWRITE, MMF_SEC_COMMIT, &s),
              MMF_ECOMMIT);
    cr_assert_eq(s, SENTINEL, "output written on failure");
    cr_assert_eq(count_fds(), before, "a failed commit left a descriptor");

    /* Named: the same code, and no name appears. */
    assert_rc(named_mem("commit-huge", huge, 0, &s), MMF_ECOMMIT);
    cr_assert_eq(s, SENTINEL);
    assert_registry_empty();
    assert_rc(mmf_section_open("commit-huge", MMF_ACCESS_READ, &s), MMF_ENOTFOUND);
    before = count_fds(); /* now with the registry directory's descriptor */

    /* Reserve-only takes nothing now: accepted (and never touched here). */
    s = NULL;
    assert_rc(mmf_section_create_memory(huge, MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &s), 0);
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(count_fds(), before);
}
