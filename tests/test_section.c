/*
 * test_section.c — sections: file-backed and memory-backed creation, size
 * rules, descriptor access caps, flags, info, sync, close and lifetime.
 */
#include "helpers.h"

#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

TestSuite(section_file, .fini = tmp_cleanup, .timeout = 30);
TestSuite(section_memory, .fini = tmp_cleanup, .timeout = 30);
TestSuite(section_handle, .fini = tmp_cleanup, .timeout = 30);

#define SENTINEL ((mmf_section *)(uintptr_t)0x5e5e5e50)

static const unsigned writable_prots[2] = {
    MMF_PAGE_READWRITE, MMF_PAGE_EXECUTE_READWRITE,
};
static const unsigned nonwritable_prots[4] = {
    MMF_PAGE_READONLY, MMF_PAGE_WRITECOPY, MMF_PAGE_EXECUTE_READ,
    MMF_PAGE_EXECUTE_WRITECOPY,
};

/* 1 when the test directory's file system is mounted noexec. */
static int tmp_noexec(void)
{
    struct statvfs sv;
    cr_assert_eq(statvfs(tmp_dir(), &sv), 0);
    return (sv.f_flag & ST_NOEXEC) != 0;
}

/* What from_fd must return for an execute @prot on a readable descriptor. */
static int exec_expect(unsigned prot)
{
    return (prot & MMF_PAGE_EXEC) && tmp_noexec() ? -EACCES : 0;
}

/* ================================================================== */
/* File sections: sizes                                                */
/* ================================================================== */

Test(section_file, size0_is_file_size)
{
    uint64_t pg = page_size(), fsz = 3 * pg + 123;
    int fd = tmp_file("f", fsz, NULL);
    for (int i = 0; i < 2; i++) {
        unsigned prot = i ? MMF_PAGE_READONLY : MMF_PAGE_READWRITE;
        mmf_section *s = file_section(fd, 0, prot);
        mmf_section_info si = sinfo(s);
        cr_assert_eq(si.size, fsz);
        cr_assert_eq(si.protection, prot);
        cr_assert_eq(si.file_backed, 1);
        char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
        cr_assert(check_pat(v, 0, fsz), "view does not show the file");
        mmf_view_info vi = query(v);
        cr_assert_eq(vi.section_size, fsz);
        cr_assert_eq(vi.view_size, 4 * pg);
        assert_rc(mmf_view_unmap(v), 0);
        assert_rc(mmf_section_close(s), 0);
    }
    cr_assert_eq(fd_size(fd), fsz, "file size changed");
    close(fd);
}

Test(section_file, writable_size_grows_file_sparse)
{
    uint64_t pg = page_size();
    for (int i = 0; i < 2; i++) {
        unsigned prot = writable_prots[i];
        if (exec_expect(prot))
            continue;
        char name[16];
        snprintf(name, sizeof name, "g%d", i);
        int fd = tmp_file(name, 100, NULL);
        uint64_t want = 64 * 1024 * 1024 + 7; /* 64 MiB + 7 */
        mmf_section *s = file_section(fd, want, prot);
        cr_assert_eq(fd_size(fd), want, "file not grown to the section size");
        cr_assert_eq(sinfo(s).size, want);
        struct stat st;
        cr_assert_eq(fstat(fd, &st), 0);
        cr_assert_lt((uint64_t)st.st_blocks * 512, 8u * 1024 * 1024,
                     "the grown file is not sparse (%lld blocks)", (long long)st.st_blocks);
        /* Old bytes kept, the new ones read as zero. */
        char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
        cr_assert(check_pat(v, 0, 100));
        cr_assert(all_bytes(v + 100, 0, pg - 100));
        cr_assert(all_bytes(v + want - pg, 0, pg));
        assert_rc(mmf_view_unmap(v), 0);
        assert_rc(mmf_section_close(s), 0);
        close(fd);
    }
}

Test(section_file, empty_file_grows_for_writable_prot)
{
    uint64_t pg = page_size();
    int fd = tmp_file("e", 0, NULL);
    mmf_section *s = file_section(fd, 2 * pg, MMF_PAGE_READWRITE);
    cr_assert_eq(fd_size(fd), 2 * pg);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(all_bytes(v, 0, 2 * pg));
    v[pg + 1] = 'z';
    cr_assert_eq(file_byte(fd, pg + 1), 'z');
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    close(fd);
}

Test(section_file, nonwritable_larger_than_file_is_toobig)
{
    uint64_t pg = page_size(), fsz = pg + 10;
    int fd = tmp_file("f", fsz, NULL);
    for (int i = 0; i < 4; i++) {
        unsigned prot = nonwritable_prots[i];
        if (exec_expect(prot))
            continue;
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, fsz + 1, prot, 0, &s), MMF_ETOOBIG);
        cr_assert_eq(s, SENTINEL, "output written on failure");
        assert_rc(mmf_section_from_fd(fd, 100 * pg, prot, 0, &s), MMF_ETOOBIG);
        cr_assert_eq(fd_size(fd), fsz, "failed create changed the file size");
        /* Exactly the file size, or less, is fine. */
        s = NULL;
        assert_rc(mmf_section_from_fd(fd, fsz, prot, 0, &s), 0);
        assert_rc(mmf_section_close(s), 0);
    }
    /* An empty file and a non-zero size. */
    int e = tmp_file("e", 0, NULL);
    mmf_section *s = SENTINEL;
    assert_rc(mmf_section_from_fd(e, pg, MMF_PAGE_READONLY, 0, &s), MMF_ETOOBIG);
    cr_assert_eq(s, SENTINEL);
    cr_assert_eq(fd_size(e), 0);
    close(e);
    close(fd);
}

Test(section_file, size0_on_empty_file_is_emptyfile)
{
    int fd = tmp_file("e", 0, NULL);
    for (int i = 0; i < 6; i++) {
        unsigned prot = section_prots[i];
        if (exec_expect(prot))
            continue;
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, 0, prot, 0, &s), MMF_EEMPTYFILE);
        cr_assert_eq(s, SENTINEL);
    }
    cr_assert_eq(fd_size(fd), 0);
    close(fd);
}

Test(section_file, smaller_than_file)
{
    uint64_t pg = page_size(), fsz = 3 * pg;
    int fd = tmp_file("f", fsz, NULL);
    mmf_section *s = file_section(fd, pg + 10, MMF_PAGE_READWRITE);
    cr_assert_eq(sinfo(s).size, pg + 10);
    cr_assert_eq(fd_size(fd), fsz, "the file was shrunk");
    void *v = SENTINEL;
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 0, pg + 11, NULL, &v), MMF_EVIEWSIZE);
    cr_assert_eq(v, (void *)SENTINEL);
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 0, 2 * pg, NULL, &v), MMF_EVIEWSIZE);
    assert_rc(mmf_view_map(s, MMF_PAGE_READONLY, 2 * pg, 0, NULL, &v), -EINVAL);
    char *a = map_view(s, MMF_PAGE_READONLY, 0, pg + 10);
    cr_assert(check_pat(a, 0, pg + 10));
    char *b = map_view(s, MMF_PAGE_READONLY, pg, 0);
    cr_assert_eq(query(b).view_size, pg);
    cr_assert(check_pat(b, pg, 10));
    assert_rc(mmf_view_unmap(a), 0);
    assert_rc(mmf_view_unmap(b), 0);
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(fd_size(fd), fsz);
    close(fd);
}

Test(section_file, size_beyond_file_system_is_einval)
{
    int fd = tmp_file("f", 10, NULL);
    const uint64_t sizes[] = { UINT64_MAX, (uint64_t)1 << 63, ((uint64_t)1 << 63) + 4096 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, sizes[i], MMF_PAGE_READWRITE, 0, &s), -EINVAL);
        cr_assert_eq(s, SENTINEL);
    }
    /* 2^62 is a valid off_t, beyond ext4 and XFS but not tmpfs: either an
       error that leaves the file alone, or a file of exactly that size. */
    mmf_section *s = SENTINEL;
    int rc = mmf_section_from_fd(fd, (uint64_t)1 << 62, MMF_PAGE_READWRITE, 0, &s);
    cr_assert(rc == -EINVAL || rc == -EFBIG || rc == 0, "2^62: got %d (%s)", rc,
              mmf_strerror(rc));
    if (rc == 0) {
        cr_assert_eq(fd_size(fd), (uint64_t)1 << 62);
        assert_rc(mmf_section_close(s), 0);
    } else {
        cr_assert_eq(s, SENTINEL);
        cr_assert_eq(fd_size(fd), 10, "a failed create changed the file size");
    }
    close(fd);
}

/* ================================================================== */
/* File sections: descriptors                                          */
/* ================================================================== */

Test(section_file, rdonly_fd_caps_protection)
{
    char path[PATH_MAX];
    uint64_t fsz = page_size();
    close(tmp_file("f", fsz, path));
    int fd = reopen(path, O_RDONLY);
    for (int i = 0; i < 6; i++) {
        unsigned prot = section_prots[i];
        int want = (prot & MMF_PAGE_WRITE) ? -EACCES : exec_expect(prot);
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, 0, prot, 0, &s), want);
        if (want == 0) {
            cr_assert_neq(s, SENTINEL);
            assert_rc(mmf_section_close(s), 0);
        } else {
            cr_assert_eq(s, SENTINEL);
        }
        /* A larger size must not grow the file when access is denied. */
        if (prot & MMF_PAGE_WRITE) {
            assert_rc(mmf_section_from_fd(fd, 10 * fsz, prot, 0, &s), -EACCES);
            cr_assert_eq(fd_size(fd), fsz);
        }
    }
    close(fd);
}

Test(section_file, wronly_fd_is_eacces_for_every_prot)
{
    char path[PATH_MAX];
    close(tmp_file("f", page_size(), path));
    int fd = reopen(path, O_WRONLY);
    for (int i = 0; i < 6; i++) {
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, 0, section_prots[i], 0, &s), -EACCES);
        cr_assert_eq(s, SENTINEL);
        assert_rc(mmf_section_from_fd(fd, 4 * page_size(), section_prots[i], 0, &s), -EACCES);
    }
    cr_assert_eq(fd_size(fd), page_size());
    close(fd);
}

Test(section_file, bad_descriptors_are_ebadf)
{
    char path[PATH_MAX];
    close(tmp_file("f", page_size(), path));
    mmf_section *s = SENTINEL;

    int p = open(path, O_PATH | O_CLOEXEC);
    cr_assert_geq(p, 0);
    assert_rc(mmf_section_from_fd(p, 0, MMF_PAGE_READONLY, 0, &s), -EBADF);
    close(p);

    int c = reopen(path, O_RDWR);
    close(c);
    assert_rc(mmf_section_from_fd(c, 0, MMF_PAGE_READONLY, 0, &s), -EBADF);
    assert_rc(mmf_section_from_fd(-1, 0, MMF_PAGE_READONLY, 0, &s), -EBADF);
    assert_rc(mmf_section_from_fd(1 << 20, 0, MMF_PAGE_READONLY, 0, &s), -EBADF);
    cr_assert_eq(s, SENTINEL);
}

Test(section_file, not_regular_file_is_einval)
{
    mmf_section *s = SENTINEL;
    int d = open(tmp_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_geq(d, 0);
    assert_rc(mmf_section_from_fd(d, 0, MMF_PAGE_READONLY, 0, &s), -EINVAL);
    assert_rc(mmf_section_from_fd(d, 4096, MMF_PAGE_READONLY, 0, &s), -EINVAL);
    close(d);

    int pp[2];
    cr_assert_eq(pipe2(pp, O_CLOEXEC), 0);
    assert_rc(mmf_section_from_fd(pp[0], 4096, MMF_PAGE_READONLY, 0, &s), -EINVAL);
    assert_rc(mmf_section_from_fd(pp[0], 0, MMF_PAGE_READONLY, 0, &s), -EINVAL);
    close(pp[0]);
    close(pp[1]);

    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_rc(mmf_section_from_fd(sv[0], 4096, MMF_PAGE_READWRITE, 0, &s), -EINVAL);
    close(sv[0]);
    close(sv[1]);

    int n = open("/dev/null", O_RDWR | O_CLOEXEC);
    cr_assert_geq(n, 0);
    assert_rc(mmf_section_from_fd(n, 4096, MMF_PAGE_READWRITE, 0, &s), -EINVAL);
    close(n);
    cr_assert_eq(s, SENTINEL);
}

Test(section_file, keeps_own_cloexec_duplicate)
{
    char path[PATH_MAX];
    uint64_t pg = page_size();
    int fd = tmp_file("f", 2 * pg, path);
    int before[MAX_FDS], after[MAX_FDS], added[8];
    int nb = list_fds(before, MAX_FDS);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    int na = list_fds(after, MAX_FDS);
    int nn = new_fds(before, nb, after, na, added, 8);
    cr_assert_eq(nn, 1, "expected one new descriptor, got %d", nn);
    cr_assert_neq(added[0], fd);
    int fl = fcntl(added[0], F_GETFD);
    cr_assert(fl >= 0 && (fl & FD_CLOEXEC), "the section's descriptor is not close-on-exec");
    struct stat a, b;
    cr_assert_eq(fstat(fd, &a), 0);
    cr_assert_eq(fstat(added[0], &b), 0);
    cr_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino, "not the same file");

    /* The caller closes its descriptor at once: views still work. */
    close(fd);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(check_pat(v, 0, 2 * pg));
    memcpy(v + pg, "hello", 5);
    assert_rc(mmf_view_flush(v, 0), 0);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(count_fds(), nb - 1, "the section's descriptor leaked");

    int r = reopen(path, O_RDONLY);
    char buf[5];
    pread_all(r, buf, 5, pg);
    cr_assert_arr_eq(buf, "hello", 5);
    close(r);
}

/* ================================================================== */
/* File sections: protections and flags                               */
/* ================================================================== */

Test(section_file, all_valid_prots)
{
    int fd = tmp_file("f", page_size(), NULL);
    for (int i = 0; i < 6; i++) {
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, 0, section_prots[i], 0, &s), exec_expect(section_prots[i]));
        if (s != SENTINEL) {
            mmf_section_info si = sinfo(s);
            cr_assert_eq(si.protection, section_prots[i]);
            cr_assert_eq(si.file_backed, 1);
            assert_rc(mmf_section_close(s), 0);
        }
    }
    close(fd);
}

Test(section_file, invalid_prots_are_einval)
{
    uint64_t fsz = page_size();
    int fd = tmp_file("f", fsz, NULL);
    mmf_section *s = SENTINEL;
    assert_rc(mmf_section_from_fd(fd, 0, MMF_PAGE_NOACCESS, 0, &s), -EINVAL);
    assert_rc(mmf_section_from_fd(fd, 0, MMF_PAGE_EXECUTE, 0, &s), -EINVAL);
    for (size_t i = 0; i < sizeof bad_prots / sizeof bad_prots[0]; i++) {
        assert_rc(mmf_section_from_fd(fd, 0, bad_prots[i], 0, &s), -EINVAL);
        /* With a size that would grow the file. */
        assert_rc(mmf_section_from_fd(fd, 8 * fsz, bad_prots[i], 0, &s), -EINVAL);
    }
    assert_rc(mmf_section_from_fd(fd, 8 * fsz, MMF_PAGE_NOACCESS, 0, &s), -EINVAL);
    cr_assert_eq(s, SENTINEL);
    cr_assert_eq(fd_size(fd), fsz, "a failed create grew the file");
    close(fd);
}

Test(section_file, flags)
{
    uint64_t fsz = page_size();
    int fd = tmp_file("f", fsz, NULL);
    const unsigned ok[] = { 0, MMF_SEC_COMMIT, MMF_SEC_RESERVE,
                            MMF_SEC_COMMIT | MMF_SEC_NOCACHE,
                            MMF_SEC_RESERVE | MMF_SEC_WRITECOMBINE };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        mmf_section *s = NULL;
        assert_rc(mmf_section_from_fd(fd, 0, MMF_PAGE_READWRITE, ok[i], &s), 0);
        cr_assert_eq(sinfo(s).file_backed, 1);
        cr_assert_eq(sinfo(s).flags & MMF_SEC_LARGE_PAGES, 0);
        assert_rc(mmf_section_close(s), 0);
    }
    const unsigned bad[] = { MMF_SEC_LARGE_PAGES, MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES,
                             MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES | MMF_SEC_LARGE_PAGES_FALLBACK,
                             0x40, 0x80000000u };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_from_fd(fd, 4 * fsz, MMF_PAGE_READWRITE, bad[i], &s), -EINVAL);
        cr_assert_eq(s, SENTINEL);
    }
    cr_assert_eq(fd_size(fd), fsz, "a failed create grew the file");
    close(fd);
}

Test(section_file, exec_section_on_rdonly_fd)
{
    char path[PATH_MAX];
    close(tmp_file("f", page_size(), path));
    int fd = reopen(path, O_RDONLY);
    mmf_section *s = SENTINEL;
    int want = exec_expect(MMF_PAGE_EXECUTE_READ);
    assert_rc(mmf_section_from_fd(fd, 0, MMF_PAGE_EXECUTE_READ, 0, &s), want);
    if (want == 0) {
        char *v = map_view(s, MMF_PAGE_EXECUTE_READ, 0, 0);
        cr_assert(check_pat(v, 0, page_size()));
        char perms[5];
        maps_perms(v, perms);
        cr_assert_eq(perms[2], 'x', "perms %s", perms);
        cr_assert_eq(perms[1], '-', "perms %s", perms);
        assert_rc(mmf_view_unmap(v), 0);
        assert_rc(mmf_section_close(s), 0);
    }
    close(fd);
}

/* ================================================================== */
/* Memory sections                                                     */
/* ================================================================== */

Test(section_memory, size0_is_einval)
{
    mmf_section *s = SENTINEL;
    assert_rc(mmf_section_create_memory(0, MMF_PAGE_READWRITE, 0, &s), -EINVAL);
    assert_rc(mmf_section_create_memory(0, MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &s), -EINVAL);
    cr_assert_eq(s, SENTINEL);
}

Test(section_memory, size_above_2_63_is_einval)
{
    mmf_section *s = SENTINEL;
    const uint64_t sizes[] = { ((uint64_t)1 << 63) + 1, UINT64_MAX, UINT64_MAX - 100,
                               UINT64_MAX - page_size() + 2 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_rc(mmf_section_create_memory(sizes[i], MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &s), -EINVAL);
        assert_rc(mmf_section_create_memory(sizes[i], MMF_PAGE_READWRITE, 0, &s), -EINVAL);
    }
    cr_assert_eq(s, SENTINEL);
}

Test(section_memory, size_rounded_to_page)
{
    uint64_t pg = page_size();
    const uint64_t in[] = { 1, pg - 1, pg, pg + 1, 10 * pg + 5 };
    const uint64_t out[] = { pg, pg, pg, 2 * pg, 11 * pg };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        mmf_section *s = mem_section(in[i], MMF_PAGE_READWRITE, 0);
        mmf_section_info si = sinfo(s);
        cr_assert_eq(si.size, out[i], "size %llu reported %llu", (unsigned long long)in[i],
                     (unsigned long long)si.size);
        cr_assert_eq(si.file_backed, 0);
        cr_assert_eq(si.protection, MMF_PAGE_READWRITE);
        cr_assert_eq(si.flags & (MMF_SEC_COMMIT | MMF_SEC_RESERVE), MMF_SEC_COMMIT,
                     "COMMIT is the default (flags %#x)", si.flags);
        /* The whole rounded size is mappable, and no more. */
        void *v = SENTINEL;
        assert_rc(mmf_view_map(s, MMF_PAGE_READWRITE, 0, out[i] + 1, NULL, &v), MMF_EVIEWSIZE);
        char *w = map_view(s, MMF_PAGE_READWRITE, 0, out[i]);
        w[out[i] - 1] = 1;
        assert_rc(mmf_view_unmap(w), 0);
        assert_rc(mmf_section_close(s), 0);
    }
}

Test(section_memory, zero_filled)
{
    uint64_t pg = page_size(), sz = 16 * pg;
    unsigned flags[] = { 0, MMF_SEC_RESERVE };
    for (int f = 0; f < 2; f++) {
        mmf_section *s = mem_section(sz, MMF_PAGE_READWRITE, flags[f]);
        char *v = map_view(s, MMF_PAGE_READONLY, 0, 0);
        cr_assert(all_bytes(v, 0, sz), "memory section not zero-filled");
        assert_rc(mmf_view_unmap(v), 0);
        assert_rc(mmf_section_close(s), 0);
    }
}

Test(section_memory, all_valid_prots)
{
    for (int i = 0; i < 6; i++) {
        mmf_section *s = mem_section(page_size(), section_prots[i], 0);
        mmf_section_info si = sinfo(s);
        cr_assert_eq(si.protection, section_prots[i]);
        cr_assert_eq(si.file_backed, 0);
        assert_rc(mmf_section_close(s), 0);
    }
}

Test(section_memory, invalid_prots_are_einval)
{
    mmf_section *s = SENTINEL;
    int before = count_fds();
    assert_rc(mmf_section_create_memory(4096, MMF_PAGE_NOACCESS, 0, &s), -EINVAL);
    assert_rc(mmf_section_create_memory(4096, MMF_PAGE_EXECUTE, 0, &s), -EINVAL);
    for (size_t i = 0; i < sizeof bad_prots / sizeof bad_prots[0]; i++)
        assert_rc(mmf_section_create_memory(4096, bad_prots[i], 0, &s), -EINVAL);
    cr_assert_eq(s, SENTINEL);
    cr_assert_eq(count_fds(), before, "a failed create leaked a descriptor");
}

Test(section_memory, flag_combinations)
{
    const unsigned bad[] = {
        MMF_SEC_COMMIT | MMF_SEC_RESERVE,
        MMF_SEC_LARGE_PAGES,
        MMF_SEC_LARGE_PAGES | MMF_SEC_RESERVE,
        MMF_SEC_LARGE_PAGES | MMF_SEC_COMMIT | MMF_SEC_RESERVE,
        MMF_SEC_LARGE_PAGES | MMF_SEC_LARGE_PAGES_FALLBACK,
        MMF_SEC_NOCACHE,
        MMF_SEC_WRITECOMBINE,
        MMF_SEC_NOCACHE | MMF_SEC_WRITECOMBINE,
        MMF_SEC_COMMIT | MMF_SEC_RESERVE | MMF_SEC_NOCACHE,
        0x40,
        MMF_SEC_COMMIT | 0x100,
    };
    int before = count_fds();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mmf_section *s = SENTINEL;
        assert_rc(mmf_section_create_memory(4096, MMF_PAGE_READWRITE, bad[i], &s), -EINVAL);
        cr_assert_eq(s, SENTINEL, "flags %#x: output written", bad[i]);
    }
    cr_assert_eq(count_fds(), before, "a failed create leaked a descriptor");

    const unsigned ok[] = {
        0, MMF_SEC_COMMIT, MMF_SEC_RESERVE,
        MMF_SEC_NOCACHE | MMF_SEC_COMMIT, MMF_SEC_NOCACHE | MMF_SEC_RESERVE,
        MMF_SEC_WRITECOMBINE | MMF_SEC_COMMIT, MMF_SEC_WRITECOMBINE | MMF_SEC_RESERVE,
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        mmf_section *s = mem_section(4096, MMF_PAGE_READWRITE, ok[i]);
        mmf_section_info si = sinfo(s);
        unsigned want = (ok[i] & MMF_SEC_RESERVE) ? MMF_SEC_RESERVE : MMF_SEC_COMMIT;
        cr_assert_eq(si.flags & (MMF_SEC_COMMIT | MMF_SEC_RESERVE), want,
                     "flags %#x: info.flags %#x", ok[i], si.flags);
        cr_assert_eq(si.flags & MMF_SEC_LARGE_PAGES, 0);
        char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
        v[0] = 1;
        assert_rc(mmf_view_unmap(v), 0);
        assert_rc(mmf_section_close(s), 0);
    }
}

Test(section_memory, large_page_size_not_multiple_is_einval)
{
    uint64_t lps = mmf_large_page_size();
    if (lps == 0)
        cr_skip_test("no large pages in this kernel");
    cr_assert_eq(lps & (lps - 1), 0, "large page size %llu is not a power of two",
                 (unsigned long long)lps);
    cr_assert_gt(lps, page_size());
    mmf_section *s = SENTINEL;
    const uint64_t sizes[] = { page_size(), lps + page_size(), lps - 1, lps / 2 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_rc(mmf_section_create_memory(sizes[i], MMF_PAGE_READWRITE,
                                            MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES, &s), -EINVAL);
        assert_rc(mmf_section_create_memory(sizes[i], MMF_PAGE_READWRITE,
                                            MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES |
                                            MMF_SEC_LARGE_PAGES_FALLBACK, &s), -EINVAL);
    }
    cr_assert_eq(s, SENTINEL);
}

/* --- large pages: needs root to size the hugetlb pool ------------- */

#define NR_HUGE "/proc/sys/vm/nr_hugepages"
#define NR_OVERCOMMIT_HUGE "/proc/sys/vm/nr_overcommit_hugepages"

static long saved_nr_huge = -1, saved_overcommit_huge = -1;

static long read_long(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long v = -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

static int write_long(const char *path, long v)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return -1;
    int ok = fprintf(f, "%ld\n", v) > 0;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

/* A field of /proc/meminfo (its number as printed), or -1. */
static long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "re");
    cr_assert_not_null(f);
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static void huge_restore(void)
{
    if (saved_nr_huge >= 0)
        write_long(NR_HUGE, saved_nr_huge);
    if (saved_overcommit_huge >= 0)
        write_long(NR_OVERCOMMIT_HUGE, saved_overcommit_huge);
    saved_nr_huge = saved_overcommit_huge = -1;
}

Test(section_memory, large_pages, .fini = huge_restore)
{
    if (!is_root())
        cr_skip_test("needs root");
    uint64_t lps = mmf_large_page_size();
    if (lps == 0)
        cr_skip_test("no large pages in this kernel");
    saved_nr_huge = read_long(NR_HUGE);
    saved_overcommit_huge = read_long(NR_OVERCOMMIT_HUGE);
    cr_assert_geq(saved_nr_huge, 0, "cannot read " NR_HUGE);

    /* No pool at all. */
    /* Criterion skips .fini on a skip: restore by hand before skipping. */
    if (write_long(NR_HUGE, 0) || (saved_overcommit_huge >= 0 && write_long(NR_OVERCOMMIT_HUGE, 0))) {
        huge_restore();
        cr_skip_test("cannot write " NR_HUGE);
    }
    if (meminfo("HugePages_Free") != 0) {
        huge_restore();
        cr_skip_test("large pages in use elsewhere; cannot empty the pool");
    }

    mmf_section *s = SENTINEL;
    int fds = count_fds();
    assert_rc(mmf_section_create_memory(lps, MMF_PAGE_READWRITE,
                                        MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES, &s),
              MMF_ENOLARGEPAGES);
    cr_assert_eq(s, SENTINEL);
    cr_assert_eq(count_fds(), fds, "a failed create leaked a descriptor");

    /* The same with fallback: normal pages. */
    s = mem_section(lps, MMF_PAGE_READWRITE,
                    MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES | MMF_SEC_LARGE_PAGES_FALLBACK);
    mmf_section_info si = sinfo(s);
    cr_assert_eq(si.size, lps);
    cr_assert_eq(si.flags & MMF_SEC_LARGE_PAGES, 0,
                 "info reports LARGE_PAGES although none were used (flags %#x)", si.flags);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert(all_bytes(v, 0, lps));
    v[0] = 1;
    v[lps - 1] = 2;
    cr_assert_eq(v[0] + v[lps - 1], 3);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);

    /* A pool of two pages. */
    cr_assert_eq(write_long(NR_HUGE, 2), 0);
    long have = meminfo("HugePages_Free");
    if (have < 1) {
        huge_restore();
        cr_skip_test("the kernel could not allocate any large page");
    }
    s = mem_section(lps, MMF_PAGE_READWRITE, MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES);
    si = sinfo(s);
    cr_assert_eq(si.size, lps);
    cr_assert_neq(si.flags & MMF_SEC_LARGE_PAGES, 0, "flags %#x", si.flags);
    cr_assert_neq(si.flags & MMF_SEC_COMMIT, 0, "flags %#x", si.flags);
    long left = meminfo("HugePages_Free") - meminfo("HugePages_Rsvd");
    cr_assert_lt(left, have, "the commit took no large page (%ld of %ld left)", left, have);
    v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    cr_assert_eq(query(v).view_size, lps);
    cr_assert(all_bytes(v, 0, lps));
    memset(v, 0x5a, lps);
    char *w = map_view(s, MMF_PAGE_READONLY, 0, 0);
    cr_assert(all_bytes(w, 0x5a, lps), "two large-page views are not coherent");
    assert_rc(mmf_view_unmap(w), 0);
    assert_rc(mmf_view_unmap(v), 0);

    /* More than the pool holds. */
    if (have == 2) {
        mmf_section *t = SENTINEL;
        assert_rc(mmf_section_create_memory(2 * lps, MMF_PAGE_READWRITE,
                                            MMF_SEC_COMMIT | MMF_SEC_LARGE_PAGES, &t),
                  MMF_ENOLARGEPAGES);
        cr_assert_eq(t, SENTINEL);
    }
    assert_rc(mmf_section_close(s), 0);
}

/* --- memory commit: run inside a small memory cgroup ---------------- */

struct memcg {
    char dir[PATH_MAX];
    int  v2;
};

static int write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -e;
}

/* Makes an empty memory cgroup below this process's own; 0 on success. */
static int memcg_make(struct memcg *cg)
{
    if (!is_root())
        return -1;
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return -1;
    char line[PATH_MAX + 64], base[PATH_MAX] = "";
    int v2 = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        char *ctrls = c1 + 1, *path = c2 + 1;
        int mem = 0;
        for (char *save = NULL, *t = strtok_r(ctrls, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (!strcmp(t, "memory"))
                mem = 1;
        if (mem) {
            snprintf(base, sizeof base, "/sys/fs/cgroup/memory%s", path);
            v2 = 0;
            break;
        }
        if (!strcmp(line, "0") && !*ctrls && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
            snprintf(base, sizeof base, "/sys/fs/cgroup%s", path);
            v2 = 1;
        }
    }
    fclose(f);
    if (!*base)
        return -1;
    char p[PATH_MAX + 64];
    if (v2) {
        snprintf(p, sizeof p, "%s/cgroup.subtree_control", base);
        write_str(p, "+memory");
    }
    snprintf(cg->dir, sizeof cg->dir, "%s/mmf-test-%d", base, (int)getpid());
    if (mkdir(cg->dir, 0755) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/%s", cg->dir, v2 ? "memory.max" : "memory.limit_in_bytes");
    if (access(p, W_OK) != 0) {
        rmdir(cg->dir);
        return -1;
    }
    cg->v2 = v2;
    return 0;
}

/* In the child: enter the cgroup with @limit bytes and no OOM kills. */
static int memcg_enter(const struct memcg *cg, uint64_t limit)
{
    char p[PATH_MAX + 64], v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)limit);
    if (cg->v2) {
        snprintf(p, sizeof p, "%s/memory.max", cg->dir);
        if (write_str(p, v))
            return -1;
        snprintf(p, sizeof p, "%s/memory.swap.max", cg->dir);
        write_str(p, "0");
        /* No OOM victim may be found, so charges fail with ENOMEM. */
        if (write_str("/proc/self/oom_score_adj", "-1000"))
            return -1;
    } else {
        snprintf(p, sizeof p, "%s/memory.limit_in_bytes", cg->dir);
        if (write_str(p, v))
            return -1;
        /* cgroup v1: with the OOM killer disabled, a charge made outside a
           page fault fails with ENOMEM instead of killing. */
        snprintf(p, sizeof p, "%s/memory.oom_control", cg->dir);
        if (write_str(p, "1"))
            return -1;
    }
    snprintf(p, sizeof p, "%s/cgroup.procs", cg->dir);
    return write_str(p, "0") ? -1 : 0;
}

#define MEMCG_NRES 16

/*
 * Runs fn(res) in a child inside a fresh memory cgroup limited to @limit
 * bytes; copies its results to @res.  Returns 0, or -1 when no memory cgroup
 * could be set up (the caller skips).
 */
static int memcg_run(uint64_t limit, void (*fn)(long long *res), long long *res)
{
    struct memcg cg;
    memset(&cg, 0, sizeof cg);
    if (memcg_make(&cg) != 0)
        return -1;
    int pp[2];
    cr_assert_eq(pipe2(pp, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        long long r[MEMCG_NRES + 1];
        memset(r, 0, sizeof r);
        close(pp[0]);
        if (memcg_enter(&cg, limit) == 0) {
            r[0] = 1;
            fn(r + 1);
        }
        ssize_t w = write(pp[1], r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(pp[1]);
    long long r[MEMCG_NRES + 1];
    memset(r, 0, sizeof r);
    ssize_t got = read(pp[0], r, sizeof r);
    close(pp[0]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    for (int i = 0; i < 100 && rmdir(cg.dir) != 0 && errno == EBUSY; i++)
        usleep(10000);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    cr_assert_eq(got, (ssize_t)sizeof r);
    if (!r[0])
        return -1;
    memcpy(res, r + 1, MEMCG_NRES * sizeof *res);
    return 0;
}

#define GiB ((uint64_t)1 << 30)
#define MiB ((uint64_t)1 << 20)

static void commit_child(long long *r)
{
    uint64_t pg = page_size();
    mmf_section *s = SENTINEL;
    r[0] = count_fds();
    /* 256 MiB committed in a 32 MiB cgroup: the default and explicit COMMIT. */
    r[1] = mmf_section_create_memory(256 * MiB, MMF_PAGE_READWRITE, 0, &s);
    r[2] = mmf_section_create_memory(256 * MiB, MMF_PAGE_READWRITE, MMF_SEC_COMMIT, &s);
    /* Far beyond RAM + swap: safe here because the cgroup bounds it. */
    r[3] = mmf_section_create_memory((uint64_t)1 << 40, MMF_PAGE_READWRITE, MMF_SEC_COMMIT, &s);
    r[4] = (s == SENTINEL);
    r[5] = count_fds();
    /* RESERVE takes nothing now: 64 GiB fits a 32 MiB cgroup. */
    s = NULL;
    r[6] = mmf_section_create_memory(64 * GiB, MMF_PAGE_READWRITE, MMF_SEC_RESERVE, &s);
    if (r[6] == 0) {
        mmf_section_info si;
        r[7] = mmf_section_query(s, &si) == 0 && si.size == 64 * GiB &&
               (si.flags & MMF_SEC_RESERVE);
        void *v = NULL;
        r[8] = mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v);
        if (r[8] == 0) {
            volatile char *c = v;
            c[0] = 'a';
            c[64 * GiB - pg] = 'b';
            c[40 * GiB + 3] = 'c';
            r[9] = c[0] == 'a' && c[64 * GiB - pg] == 'b' && c[40 * GiB + 3] == 'c' &&
                   c[40 * GiB] == 0;
            r[10] = mmf_view_unmap(v);
        }
        r[11] = mmf_section_close(s);
    }
    /* A commit that fits still works. */
    s = NULL;
    r[12] = mmf_section_create_memory(MiB, MMF_PAGE_READWRITE, MMF_SEC_COMMIT, &s);
    if (r[12] == 0)
        r[13] = mmf_section_close(s);
}

Test(section_memory, commit_failure_is_ecommit_reserve_is_free)
{
    long long r[MEMCG_NRES];
    if (memcg_run(32 * MiB, commit_child, r) != 0)
        cr_skip_test("needs root and a memory cgroup");
    assert_rc(r[1], MMF_ECOMMIT);
    assert_rc(r[2], MMF_ECOMMIT);
    assert_rc(r[3], MMF_ECOMMIT);
    cr_assert(r[4], "output written on failure");
    cr_assert_eq(r[5], r[0], "a failed commit leaked a descriptor");
    assert_rc(r[6], 0);
    cr_assert(r[7], "info of the 64 GiB reserved section is wrong");
    assert_rc(r[8], 0);
    cr_assert(r[9], "the 64 GiB reserved view does not hold data");
    assert_rc(r[10], 0);
    assert_rc(r[11], 0);
    assert_rc(r[12], 0);
    assert_rc(r[13], 0);
}

/* Without a cgroup to bound a mistake, use a size that cannot hurt. */
Test(section_memory, reserve_takes_no_memory)
{
    uint64_t total = (uint64_t)meminfo("MemTotal") * 1024;
    uint64_t size = total / 4 < 64 * GiB ? (total / 4) & ~(page_size() - 1) : 64 * GiB;
    long shmem0 = meminfo("Shmem");
    mmf_section *s = mem_section(size, MMF_PAGE_READWRITE, MMF_SEC_RESERVE);
    long shmem1 = meminfo("Shmem");
    cr_assert_lt((uint64_t)(shmem1 - shmem0) * 1024, size / 2,
                 "a RESERVE section of %llu bytes took %ld KiB",
                 (unsigned long long)size, shmem1 - shmem0);
    cr_assert_eq(sinfo(s).size, size);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    v[size - 1] = 'x';
    cr_assert_eq(v[size - 1], 'x');
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_close(s), 0);
}

Test(section_memory, memfd_sealed_and_cloexec)
{
    int before[MAX_FDS], after[MAX_FDS], added[8];
    int nb = list_fds(before, MAX_FDS);
    mmf_section *s = mem_section(3 * page_size(), MMF_PAGE_READWRITE, 0);
    int na = list_fds(after, MAX_FDS);
    int nn = new_fds(before, nb, after, na, added, 8);
    cr_assert_eq(nn, 1, "expected one new descriptor, got %d", nn);
    int fd = added[0];
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    cr_assert_gt(n, 0);
    target[n] = '\0';
    cr_assert(!strncmp(target, "/memfd:", 7), "not a memfd: %s", target);
    int fl = fcntl(fd, F_GETFD);
    cr_assert(fl >= 0 && (fl & FD_CLOEXEC), "the memfd is not close-on-exec");
    int seals = fcntl(fd, F_GET_SEALS);
    cr_assert_geq(seals, 0, "F_GET_SEALS: %s", strerror(errno));
    cr_assert_eq(seals & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW,
                 "seals %#x", seals);
    cr_assert_neq(ftruncate(fd, 0), 0, "the memfd could be shrunk");
    cr_assert_neq(ftruncate(fd, 100 * (off_t)page_size()), 0, "the memfd could be grown");
    cr_assert_eq(fd_size(fd), 3 * page_size());
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(count_fds(), nb, "the memfd was not closed with the section");
}

/* ================================================================== */
/* Handles: info, sync, close, lifetime                                */
/* ================================================================== */

Test(section_handle, null_out_is_einval)
{
    int fd = tmp_file("f", page_size(), NULL);
    int before = count_fds();
    assert_rc(mmf_section_from_fd(fd, 0, MMF_PAGE_READWRITE, 0, NULL), -EINVAL);
    assert_rc(mmf_section_from_fd(fd, 8 * page_size(), MMF_PAGE_READWRITE, 0, NULL), -EINVAL);
    cr_assert_eq(fd_size(fd), page_size(), "a failed create grew the file");
    assert_rc(mmf_section_create_memory(4096, MMF_PAGE_READWRITE, 0, NULL), -EINVAL);
    cr_assert_eq(count_fds(), before);
    close(fd);
}

Test(section_handle, close_null_is_ebadf)
{
    assert_rc(mmf_section_close(NULL), -EBADF);
    assert_rc(mmf_section_sync(NULL), -EBADF);
    mmf_section_info si;
    assert_rc(mmf_section_query(NULL, &si), -EBADF);
    void *v = SENTINEL;
    assert_rc(mmf_view_map(NULL, MMF_PAGE_READONLY, 0, 0, NULL, &v), -EBADF);
    cr_assert_eq(v, (void *)SENTINEL);
}

Test(section_handle, info)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 5 * pg + 1, NULL);
    mmf_section *a = file_section(fd, 0, MMF_PAGE_WRITECOPY);
    mmf_section *b = file_section(fd, 0, MMF_PAGE_WRITECOPY);
    mmf_section *c = mem_section(pg + 1, MMF_PAGE_EXECUTE_READWRITE, MMF_SEC_RESERVE);
    mmf_section_info ia = sinfo(a), ib = sinfo(b), ic = sinfo(c);
    cr_assert_eq(ia.size, 5 * pg + 1);
    cr_assert_eq(ia.protection, MMF_PAGE_WRITECOPY);
    cr_assert_eq(ia.file_backed, 1);
    cr_assert_eq(ic.size, 2 * pg);
    cr_assert_eq(ic.protection, MMF_PAGE_EXECUTE_READWRITE);
    cr_assert_eq(ic.file_backed, 0);
    cr_assert_eq(ic.flags & (MMF_SEC_COMMIT | MMF_SEC_RESERVE), MMF_SEC_RESERVE);
    cr_assert_neq(ia.id, ib.id, "two sections share an id");
    cr_assert_neq(ia.id, ic.id);
    cr_assert_neq(ib.id, ic.id);
    /* Views report their section's id. */
    void *v = map_view(b, MMF_PAGE_READONLY, pg, 0);
    mmf_view_info vi = query(v);
    cr_assert_eq(vi.section_id, ib.id);
    cr_assert_eq(vi.section_size, 5 * pg + 1);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_query(a, NULL), -EINVAL);
    assert_rc(mmf_section_close(a), 0);
    assert_rc(mmf_section_close(b), 0);
    assert_rc(mmf_section_close(c), 0);
    close(fd);
}

Test(section_handle, sync)
{
    uint64_t pg = page_size();
    char path[PATH_MAX];
    int fd = tmp_file("f", 2 * pg, path);
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    memcpy(v + 10, "synced", 6);
    assert_rc(mmf_view_flush(v, 0), 0);
    assert_rc(mmf_section_sync(s), 0);
    char buf[6];
    pread_all(fd, buf, 6, 10);
    cr_assert_arr_eq(buf, "synced", 6);
    assert_rc(mmf_view_unmap(v), 0);
    assert_rc(mmf_section_sync(s), 0);
    assert_rc(mmf_section_close(s), 0);

    /* A read-only descriptor's section can be synced too. */
    int r = reopen(path, O_RDONLY);
    s = file_section(r, 0, MMF_PAGE_READONLY);
    assert_rc(mmf_section_sync(s), 0);
    assert_rc(mmf_section_close(s), 0);
    close(r);

    mmf_section *m = mem_section(pg, MMF_PAGE_READWRITE, 0);
    assert_rc(mmf_section_sync(m), 0);
    assert_rc(mmf_section_close(m), 0);
    close(fd);
}

Test(section_handle, close_never_unmaps_views)
{
    uint64_t pg = page_size();
    int fd = tmp_file("f", 4 * pg, NULL);
    int nb = count_fds();
    mmf_section *s = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v = map_view(s, MMF_PAGE_READWRITE, pg, 2 * pg);
    mmf_section_info si = sinfo(s);
    size_t views = mmf_view_count();
    assert_rc(mmf_section_close(s), 0);
    cr_assert_eq(mmf_view_count(), views, "closing the section unmapped a view");
    cr_assert_eq(count_fds(), nb + 1, "the section's descriptor went before its view");
    cr_assert(check_pat(v, pg, 2 * pg));
    memcpy(v + pg + 3, "after close", 11);
    char buf[11];
    pread_all(fd, buf, 11, 2 * pg + 3);
    cr_assert_arr_eq(buf, "after close", 11);
    mmf_view_info vi = query(v + 5);
    cr_assert_eq(vi.section_id, si.id);
    cr_assert_eq(vi.offset, pg);
    cr_assert_eq(vi.section_size, 4 * pg);
    assert_rc(mmf_view_flush(v, 0), 0);
    assert_rc(mmf_view_protect(v, pg, MMF_PAGE_READONLY, NULL), 0);
    assert_rc(mmf_view_unmap(v), 0);
    cr_assert(range_unmapped(v, 2 * pg));
    cr_assert_eq(count_fds(), nb, "the section's descriptor outlived its last view");
    close(fd);
}

Test(section_handle, memory_lives_until_last_view)
{
    uint64_t pg = page_size();
    int nb = count_fds();
    mmf_section *s = mem_section(2 * pg, MMF_PAGE_READWRITE, 0);
    char *a = map_view(s, MMF_PAGE_READWRITE, 0, 0);
    char *b = map_view(s, MMF_PAGE_READONLY, pg, pg);
    assert_rc(mmf_section_close(s), 0);
    memcpy(a + pg + 1, "still here", 10);
    cr_assert_arr_eq(b + 1, "still here", 10);
    assert_rc(mmf_view_unmap(a), 0);
    cr_assert_eq(count_fds(), nb + 1, "the memory went before its last view");
    cr_assert_arr_eq(b + 1, "still here", 10);
    mmf_view_info vi = query(b);
    cr_assert_eq(vi.section_size, 2 * pg);
    cr_assert_eq(vi.offset, pg);
    assert_rc(mmf_view_unmap(b), 0);
    cr_assert_eq(count_fds(), nb, "the memory outlived its last view");
}

Test(section_handle, views_survive_every_handle_closing)
{
    /* Two handles (sections) on one file: closing both keeps every view. */
    uint64_t pg = page_size();
    int fd = tmp_file("f", pg, NULL);
    mmf_section *s1 = file_section(fd, 0, MMF_PAGE_READWRITE);
    mmf_section *s2 = file_section(fd, 0, MMF_PAGE_READWRITE);
    char *v1 = map_view(s1, MMF_PAGE_READWRITE, 0, 0);
    char *v2 = map_view(s2, MMF_PAGE_READWRITE, 0, 0);
    close(fd);
    assert_rc(mmf_section_close(s1), 0);
    assert_rc(mmf_section_close(s2), 0);
    v1[7] = 'Q';
    cr_assert_eq(v2[7], 'Q');
    assert_rc(mmf_view_unmap(v1), 0);
    assert_rc(mmf_view_unmap(v2), 0);
}
