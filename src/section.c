/*
 * section.c — section objects (Windows: file mapping objects) and handles.
 *
 * A section owns one descriptor: a duplicate of the caller's file
 * descriptor, or a memfd.  Views map from it; they keep the section (and so
 * the descriptor) alive through its reference count, so closing the last
 * handle never unmaps anything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "internal.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static _Atomic uint64_t next_id = 1;

void mmf__section_ref(struct section *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void mmf__section_unref(struct section *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        if (s->fd >= 0)
            close(s->fd); /* and so unlocks the truncation guard, if it was
                             the description's last descriptor (truncate.c) */
        free(s);
    }
}

struct section *mmf__section_of(const mmf_section *h)
{
    if (!h || h->magic != MMF_SECTION_MAGIC)
        return NULL;
    return h->sec;
}

int mmf__section_fd(const mmf_section *h)
{
    struct section *s = h->sec;
    int fd = atomic_load_explicit(&s->fd, memory_order_acquire);
    if (fd >= 0)
        return fd;
    /* Any hold names the entry (dup'ed handles share the section; the one
     * that created it may be closed).  Two threads may race here: the
     * loser closes its copy and uses the winner's. */
    if (!h->ref)
        return -EBADF;
    int mine = mmf__reg_reopen(h->ref, s->data_flags);
    if (mine < 0)
        return mine;
    if (!atomic_compare_exchange_strong(&s->fd, &fd, mine)) {
        close(mine);
        return fd;
    }
    return mine;
}

/* The rights a create gives its handle: what the protection allows (as
 * Wine's kernelbase does). */
static unsigned access_for_prot(unsigned prot)
{
    unsigned a = MMF_ACCESS_READ;
    if (prot & MMF_PAGE_WRITE)
        a |= MMF_ACCESS_WRITE;
    if (prot & MMF_PAGE_EXEC)
        a |= MMF_ACCESS_EXECUTE;
    return a;
}

/* Builds a section and its first handle around an open descriptor that
 * the section takes over.  On failure the descriptor (and the name hold)
 * are left to the caller. */
int mmf__section_new(int fd, const struct section_args *a, mmf_section **out)
{
    struct section *s = malloc(sizeof *s);
    mmf_section *h = malloc(sizeof *h);
    if (!s || !h) {
        free(s);
        free(h);
        return -ENOMEM;
    }
    atomic_init(&s->refs, 1);
    atomic_init(&s->fd, fd);
    s->data_flags = a->data_flags;
    s->size = a->size;
    s->unit = a->unit;
    s->prot = a->prot;
    s->flags = a->flags;
    s->file_backed = a->file_backed;
    s->data_off = a->data_off;
    s->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    h->magic = MMF_SECTION_MAGIC;
    h->access = a->access;
    h->sec = s;
    h->ref = a->ref;
    h->inherit[0] = h->inherit[1] = h->inherit[2] = -1;
    *out = h;
    return 0;
}

/* The SEC_* rules shared by both kinds of section (spec §2.2): COMMIT and
 * RESERVE exclude each other, NOCACHE and WRITECOMBINE need one of them
 * given explicitly, and large pages need COMMIT. */
static int flags_valid(unsigned flags)
{
    const unsigned known = MMF_SEC_COMMIT | MMF_SEC_RESERVE | MMF_SEC_LARGE_PAGES |
                           MMF_SEC_LARGE_PAGES_FALLBACK | MMF_SEC_NOCACHE |
                           MMF_SEC_WRITECOMBINE;
    if (flags & ~known)
        return 0;
    if ((flags & MMF_SEC_COMMIT) && (flags & MMF_SEC_RESERVE))
        return 0;
    if ((flags & (MMF_SEC_NOCACHE | MMF_SEC_WRITECOMBINE)) &&
        !(flags & (MMF_SEC_COMMIT | MMF_SEC_RESERVE)))
        return 0;
    if ((flags & MMF_SEC_LARGE_PAGES) && !(flags & MMF_SEC_COMMIT))
        return 0;
    if ((flags & MMF_SEC_LARGE_PAGES_FALLBACK) && !(flags & MMF_SEC_LARGE_PAGES))
        return 0;
    return 1;
}

/* Checks a file descriptor against a protection (spec §2.1, §5) and
 * works out the section size (file_section() grows the file to it). */
static int check_file(int fd, uint64_t *size, unsigned prot)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    if (fl & O_PATH)        /* no I/O possible through it */
        return -EBADF;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;

    /* The descriptor's access mode caps the protection, as the file
     * handle's rights do on Windows: every section reads, a writable one
     * also writes.  mmap would refuse too, but only at view time. */
    int acc = fl & O_ACCMODE;
    if (acc == O_WRONLY)
        return -EACCES;
    if ((prot & MMF_PAGE_WRITE) && acc != O_RDWR)
        return -EACCES;
    if (prot & MMF_PAGE_EXEC) {
        struct statvfs vfs;
        if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
            return -EACCES;
    }

    uint64_t fsize = (uint64_t)st.st_size;
    if (*size == 0) {
        if (fsize == 0)
            return MMF_EEMPTYFILE;
        *size = fsize;
    }
    if (*size > (uint64_t)INT64_MAX)
        return -EINVAL;
    if (*size > fsize && !(prot & MMF_PAGE_WRITE))
        return MMF_ETOOBIG;
    return 0;
}

/* Our own descriptor for a file section (the caller may close theirs at
 * once): a new open file description of the file, which carries the
 * section's truncation guard lock (truncate.c).  When the file cannot be
 * opened again (no /proc, the mode changed since the caller opened it) a
 * dup() of the caller's descriptor does, unguarded: it shares the caller's
 * description (offset, flags), which we never use for read/write, and a
 * lock on it would be the caller's too. */
static int own_descriptor(int fd, int *guarded)
{
    int own = mmf__file_reopen(fd);
    *guarded = own >= 0;
    if (own == -EMFILE || own == -ENFILE || own == -ENOMEM)
        return own;
    if (own < 0 && (own = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
        return -errno;
    return own;
}

static int file_section(int fd, uint64_t size, unsigned prot, unsigned flags,
                        struct reg_ref *ref, mmf_section **out)
{
    int guarded;
    int own = own_descriptor(fd, &guarded);
    if (own < 0)
        return own;
    int rc = guarded ? mmf__guard_lock(own, size) : 0;
    if (rc < 0) {
        close(own);
        return rc;
    }
    if (guarded && (prot & MMF_PAGE_WRITE))
        mmf__guard_writer(own);
    struct section_args a = { .size = size, .unit = mmf__page_size(), .prot = prot,
                              .flags = flags & ~(MMF_SEC_COMMIT | MMF_SEC_RESERVE),
                              .access = access_for_prot(prot), .file_backed = 1,
                              .ref = ref };
    mmf_section *h;
    rc = mmf__section_new(own, &a, &h);
    if (rc < 0) {
        close(own);
        return rc;
    }
    /* The file's size is read again now that the section holds the
     * truncation guard: a shrink by mmf_file_set_size() since check_file()
     * would otherwise leave the section reaching past the end of the file
     * (SIGBUS in its views); from here on no such shrink can succeed.
     * Growing is the last step that can fail, so a failed create never
     * leaves a grown file behind.  ftruncate makes the new part sparse
     * (zeros), which Windows allows ("file-system defined"). */
    struct stat st;
    rc = fstat(own, &st) < 0 ? -errno : 0;
    int grow = rc == 0 && size > (uint64_t)st.st_size;
    if (grow && !(prot & MMF_PAGE_WRITE))
        rc = MMF_ETOOBIG;
    else if (grow && ftruncate(own, (off_t)size) < 0)
        rc = -errno;
    if (rc < 0) {
        h->ref = NULL; /* the caller still owns the name hold */
        mmf_section_close(h);
        return rc;
    }
    *out = h;
    return 0;
}

int mmf_section_from_fd(int fd, uint64_t size, unsigned prot, unsigned flags,
                        mmf_section **out)
{
    if (!out || !mmf__prot_valid_section(prot) || !flags_valid(flags) ||
        (flags & MMF_SEC_LARGE_PAGES))
        return -EINVAL;
    int rc = check_file(fd, &size, prot);
    if (rc < 0)
        return rc;
    return file_section(fd, size, prot, flags, NULL, out);
}

/* Reserves [off, off+size) of a memory file now (SEC_COMMIT), so that a
 * full tmpfs or memory cgroup is an error here instead of a SIGBUS at first
 * touch (Firebird#8048 is that bug).  The kernel does not check a memfd
 * against RAM, though: a size beyond what memory can hold would push the
 * system into reclaim and the OOM killer.  So large sizes are compared
 * first with what is available (reading /proc costs microseconds; small
 * sections skip it). */
static int commit(int fd, uint64_t off, uint64_t size, int large)
{
    if (!large && size >= mmf__memory_total() / 16 && size > mmf__commit_room())
        return MMF_ECOMMIT;
    int r;
    do
        r = fallocate(fd, 0, (off_t)off, (off_t)size);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == ENOSPC || errno == ENOMEM || errno == EFBIG)
            return large ? MMF_ENOLARGEPAGES : MMF_ECOMMIT;
        return -errno;
    }
    return 0;
}

/* memfd_create with a flag saying what execution we want.  Kernels before
 * 6.3 know neither MFD_EXEC nor MFD_NOEXEC_SEAL (EINVAL): retry without,
 * and remember, so that later creates pay one system call.  Passing one of
 * the two matters on 6.3+: without it the kernel warns, and with
 * vm.memfd_noexec=2 it refuses. */
static int memfd_for(unsigned prot, unsigned extra)
{
    static _Atomic int exec_flags_work = 1;
    unsigned base = MFD_CLOEXEC | MFD_ALLOW_SEALING | extra;
    unsigned exec = (prot & MMF_PAGE_EXEC) ? MFD_EXEC : MFD_NOEXEC_SEAL;
    if (atomic_load_explicit(&exec_flags_work, memory_order_relaxed)) {
        int fd = memfd_create("mmf-section", base | exec);
        if (fd >= 0 || errno != EINVAL)
            return fd;
        atomic_store_explicit(&exec_flags_work, 0, memory_order_relaxed);
    }
    return memfd_create("mmf-section", base);
}

/* Sizes the memfd, commits its memory if asked, and seals its size.
 * Returns 0 or a negative code; the caller closes fd on failure. */
static int memfd_prepare(int fd, uint64_t size, int do_commit, int large)
{
    if (ftruncate(fd, (off_t)size) < 0)
        return errno == EINVAL || errno == EFBIG ? -EINVAL : -errno;
    if (do_commit) {
        int rc = commit(fd, 0, size, large);
        if (rc < 0)
            return rc;
    }
    /* No one holding the descriptor can now resize the memory under a
     * view (which would make it SIGBUS). */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
        return -errno;
    return 0;
}

int mmf_section_create_memory(uint64_t size, unsigned prot, unsigned flags,
                              mmf_section **out)
{
    if (!out || !mmf__prot_valid_section(prot) || !flags_valid(flags) || size == 0 ||
        size > (uint64_t)INT64_MAX / 2)
        return -EINVAL;
    if (!(flags & MMF_SEC_RESERVE))
        flags |= MMF_SEC_COMMIT;

    uint64_t unit = mmf__page_size();
    int large = 0;
    if (flags & MMF_SEC_LARGE_PAGES) {
        uint64_t lp = mmf_large_page_size();
        if (lp && size % lp)
            return -EINVAL;
        if (lp) {
            large = 1;
            unit = lp;
        } else if (!(flags & MMF_SEC_LARGE_PAGES_FALLBACK)) {
            return MMF_ENOLARGEPAGES;
        }
    }
    size = (size + unit - 1) / unit * unit;

    for (;;) {
        int fd = memfd_for(prot, large ? MFD_HUGETLB : 0);
        if (fd < 0)
            return -errno;
        int rc = memfd_prepare(fd, size, flags & MMF_SEC_COMMIT, large);
        if (rc == MMF_ENOLARGEPAGES && (flags & MMF_SEC_LARGE_PAGES_FALLBACK)) {
            close(fd);
            large = 0;
            unit = mmf__page_size();
            continue;
        }
        struct section_args a = {
            .size = size, .unit = unit, .prot = prot, .access = access_for_prot(prot),
            .flags = large ? flags & ~MMF_SEC_LARGE_PAGES_FALLBACK
                           : flags & ~(MMF_SEC_LARGE_PAGES | MMF_SEC_LARGE_PAGES_FALLBACK),
        };
        if (rc == 0)
            rc = mmf__section_new(fd, &a, out);
        if (rc < 0)
            close(fd);
        return rc;
    }
}

int mmf_section_close(mmf_section *h)
{
    struct section *s = mmf__section_of(h);
    if (!s)
        return -EBADF;
    h->magic = 0;
    mmf__handle_drop_inherit(h);
    mmf__reg_release(h->ref);
    free(h);
    mmf__section_unref(s);
    return 0;
}

int mmf_section_query(mmf_section *h, mmf_section_info *info)
{
    struct section *s = mmf__section_of(h);
    if (!s)
        return -EBADF;
    if (!info)
        return -EINVAL;
    info->size = s->size;
    info->protection = s->prot;
    info->flags = s->flags;
    info->file_backed = s->file_backed;
    info->id = s->id;
    info->access = h->access;
    info->named = h->ref != NULL;
    return 0;
}

int mmf_section_sync(mmf_section *h)
{
    struct section *s = mmf__section_of(h);
    if (!s)
        return -EBADF;
    if (!s->file_backed)
        return 0;
    /* A read-only descriptor can be fsync'ed on Linux; Windows requires
     * GENERIC_WRITE for FlushFileBuffers, which the Win32 layer checks. */
    return fsync(s->fd) < 0 ? -errno : 0;
}

/* ---- named sections ---- */

/* What a new registry entry is initialised with. */
struct named_init {
    struct obj_header hdr;
    uint64_t          data_off; /* memory sections: the data's offset */
    int               commit;
    int               file_fd;  /* file sections: the caller's descriptor */
};

/* Writes the header page and, for a memory section, sizes and commits the
 * data that follows it.  Runs before the entry has a name. */
static int init_entry(int fd, void *arg, struct obj_header *hdr)
{
    struct named_init *ni = arg;
    uint64_t len = ni->data_off + (ni->hdr.file_backed ? 0 : ni->hdr.size);
    if (ftruncate(fd, (off_t)len) < 0)
        return errno == EFBIG || errno == EINVAL ? -EINVAL : -errno;
    if (ni->hdr.file_backed) {
        /* The file grows to the section's size before the name exists:
         * an opener in another process finds the name and maps the file
         * at once, and must not find it short (SIGBUS).  (check_file()
         * refused a non-writable section larger than its file.) */
        struct stat st;
        if (fstat(ni->file_fd, &st) < 0)
            return -errno;
        if ((uint64_t)st.st_size < ni->hdr.size && ftruncate(ni->file_fd, (off_t)ni->hdr.size) < 0)
            return -errno;
    }
    if (!ni->hdr.file_backed && ni->commit) {
        int rc = commit(fd, ni->data_off, ni->hdr.size, 0);
        if (rc < 0)
            return rc;
    }
    hdr->type = ni->hdr.type;
    hdr->prot = ni->hdr.prot;
    hdr->flags = ni->hdr.flags;
    hdr->file_backed = ni->hdr.file_backed;
    hdr->size = ni->hdr.size;
    hdr->file_dev = ni->hdr.file_dev;
    hdr->file_ino = ni->hdr.file_ino;
    memcpy(hdr->path, ni->hdr.path, sizeof hdr->path);
    return 0;
}

/* Opens the file of a named file section through a live holder when its
 * path no longer leads to it (renamed, replaced): the holders of the entry
 * are the flock owners in /proc/locks, and one of their descriptors is the
 * file.  Works for the same user (or root); returns -ESTALE otherwise. */
static int scan_holders(const struct reg_ref *ref, const struct obj_header *hdr, int flags)
{
    FILE *f = fopen("/proc/locks", "re");
    if (!f)
        return -ESTALE;
    char line[256];
    int fd = -ESTALE;
    while (fd < 0 && fgets(line, sizeof line, f)) {
        char type[16];
        int pid;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", type, &pid, &maj, &min, &ino) != 5 ||
            strcmp(type, "FLOCK") != 0 || makedev(maj, min) != ref->dev || ino != ref->ino)
            continue;
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while (fd < 0 && (e = readdir(d)) != NULL) {
            char path[64 + 256];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != hdr->file_dev ||
                st.st_ino != hdr->file_ino)
                continue;
            int t = open(path, flags | O_CLOEXEC | O_NOCTTY);
            if (t >= 0 && fstat(t, &st) == 0 && st.st_dev == hdr->file_dev &&
                st.st_ino == hdr->file_ino)
                fd = t;
            else if (t >= 0)
                close(t);
        }
        closedir(d);
    }
    fclose(f);
    return fd;
}

/* /proc/locks is read a page at a time from a list that other processes
 * keep changing, and a line can be missed when locks come and go between
 * two reads (many processes taking locks at once): a miss is tried again
 * before it counts. */
static int open_via_holders(const struct reg_ref *ref, const struct obj_header *hdr, int flags)
{
    int fd = -ESTALE;
    for (int pass = 0; pass < 3 && fd == -ESTALE; pass++)
        fd = scan_holders(ref, hdr, flags);
    return fd;
}

/* A new handle to an existing named object described by hdr, with the
 * rights asked for.  The mode of the entry (for memory) or of the file
 * (for files) decides whether they can be had: the open fails with
 * -EACCES otherwise, like a DACL check. */
static int attach(struct reg_ref *ref, const struct obj_header *hdr, unsigned access,
                  int made, int given, mmf_section **out)
{
    int writable = (access & MMF_ACCESS_WRITE) && (hdr->prot & MMF_PAGE_WRITE);
    int flags = writable ? O_RDWR : O_RDONLY;
    int fd;
    if (hdr->file_backed) {
        /* The same file, found again by path and proven by device and
         * inode; a file renamed or replaced since is reached through a
         * live holder's descriptor instead. */
        /* The path is the creator's word, perhaps another user's: look
         * at what it names (O_PATH opens nothing: no device is touched, no
         * FIFO blocks) before opening it for real, through that very
         * description, with our own rights. */
        int at = open(hdr->path, O_PATH | O_CLOEXEC);
        struct stat st;
        fd = -1;
        if (at >= 0 && fstat(at, &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_dev == hdr->file_dev && st.st_ino == hdr->file_ino) {
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", at);
            fd = open(proc, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            if (fd < 0 && errno == EACCES) {
                close(at);
                return -EACCES;
            }
        }
        if (at >= 0)
            close(at);
        if (fd < 0)
            fd = open_via_holders(ref, hdr, flags);
        if (fd < 0)
            return fd;
        /* A description of our own: it carries this section's guard. */
        int rc = mmf__guard_lock(fd, hdr->size);
        if (rc < 0) {
            close(fd);
            return rc;
        }
        if (hdr->prot & MMF_PAGE_WRITE) /* the section is writable, whatever we may do */
            mmf__guard_writer(fd);
    } else if (!made &&
               (ref->size < mmf__page_size() || ref->size - mmf__page_size() < hdr->size)) {
        /* An entry cut short (by anyone who may write it): its views
         * would fault.  Refuse it as something mmf did not make. */
        return MMF_ESQUATTED;
    } else if (writable && !ref->lock_rw && given < 0) {
        return -EACCES; /* the entry's mode denied the hold writing */
    } else {
        /* The creator's own, opened before its mode was set; or none
         * yet: the first view opens one (mmf__section_fd), so an open
         * that is never mapped costs no second description. */
        fd = given;
    }
    struct section_args a = { .size = hdr->size, .unit = mmf__page_size(), .prot = hdr->prot,
                              .flags = hdr->flags, .access = access,
                              .file_backed = (int)hdr->file_backed,
                              .data_off = hdr->file_backed ? 0 : mmf__page_size(),
                              .data_flags = flags, .ref = ref };
    int rc = mmf__section_new(fd, &a, out);
    if (rc < 0 && fd >= 0)
        close(fd);
    return rc;
}

int mmf_section_create(int fd, uint64_t size, unsigned prot, unsigned flags,
                       const mmf_create_options *opt, mmf_section **out)
{
    const char *name = opt ? opt->name : NULL;
    if (mmf__unnamed(name))
        return fd < 0 ? mmf_section_create_memory(size, prot, flags, out)
                      : mmf_section_from_fd(fd, size, prot, flags, out);

    if (!out || !mmf__prot_valid_section(prot) || !flags_valid(flags) ||
        (flags & MMF_SEC_LARGE_PAGES) || (opt->mode & ~0666u))
        return -EINVAL;
    unsigned mode = opt->everyone ? 0666 : opt->mode ? opt->mode : 0600;

    struct named_init ni = { .hdr = { .magic = "mmfobj1", .type = MMF_TYPE_SECTION,
                                      .prot = prot, .file_backed = fd >= 0 } };
    int rc;
    if (fd >= 0) {
        rc = check_file(fd, &size, prot);
        if (rc < 0)
            return rc;
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(proc, ni.hdr.path, sizeof ni.hdr.path);
        if (n < 0)
            return -errno;
        if ((size_t)n >= sizeof ni.hdr.path)
            return -ENAMETOOLONG;
        struct stat st;
        if (fstat(fd, &st) < 0)
            return -errno;
        ni.hdr.file_dev = st.st_dev;
        ni.hdr.file_ino = st.st_ino;
        ni.hdr.flags = flags & ~(MMF_SEC_COMMIT | MMF_SEC_RESERVE);
        ni.data_off = mmf__page_size();  /* the header page only */
        ni.file_fd = fd;
    } else {
        uint64_t page = mmf__page_size();
        if (size == 0 || size > (uint64_t)INT64_MAX / 2)
            return -EINVAL;
        size = (size + page - 1) / page * page;
        if (!(flags & MMF_SEC_RESERVE))
            flags |= MMF_SEC_COMMIT;
        ni.hdr.flags = flags;
        ni.data_off = page;
        ni.commit = (flags & MMF_SEC_COMMIT) != 0;
    }
    ni.hdr.size = size;

    struct reg_ref *ref;
    struct obj_header hdr;
    int cfd = -1; /* a file section maps the file, not the entry */
    rc = mmf__reg_acquire(name, MMF_TYPE_SECTION, init_entry, &ni, mode,
                          (prot & MMF_PAGE_WRITE) != 0, &ref, &hdr, fd < 0 ? &cfd : NULL);
    if (rc < 0)
        return rc;
    int existed = rc == MMF_EXISTED;
    /* attach() takes cfd over, on failure too. */
    if (existed || fd < 0)
        rc = attach(ref, &hdr, access_for_prot(prot), !existed, cfd, out);
    else
        rc = file_section(fd, size, prot, flags, ref, out);
    if (rc < 0) {
        mmf__reg_release(ref);
        return rc;
    }
    return existed ? MMF_EXISTED : 0;
}

int mmf_section_open(const char *name, unsigned access, mmf_section **out)
{
    if (!out || mmf__unnamed(name) || access == 0 || (access & ~MMF_ACCESS_ALL))
        return -EINVAL;
    struct reg_ref *ref;
    struct obj_header hdr;
    int rc = mmf__reg_acquire(name, MMF_TYPE_SECTION, NULL, NULL, 0,
                              (access & MMF_ACCESS_WRITE) != 0, &ref, &hdr, NULL);
    if (rc < 0)
        return rc;
    rc = attach(ref, &hdr, access, 0, -1, out);
    if (rc < 0)
        mmf__reg_release(ref);
    return rc;
}
