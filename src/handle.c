/*
 * handle.c — handles across processes: duplication, inheritance through
 * exec, and passing over a Unix socket.
 *
 * A handle is rebuilt elsewhere from its descriptors plus a description:
 * the data descriptor (what views map), the entry descriptor whose shared
 * flock is the name's hold (named objects only), and `struct handle_desc`
 * for the rest (rights, size, protection, which entry).  Passing the entry
 * descriptor passes the *same* open file description, so the receiver
 * holds the name exactly as the sender's handle does (a Windows handle in
 * a child holds the object the same way).
 *
 * Inheritance: exec keeps descriptor numbers, so the description is written
 * into a small memfd (the "token") that records the numbers of the other
 * two; the token's number is the handle value a parent passes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

static const char desc_magic[8] = "mmfhdl1";

struct handle_desc {
    char     magic[8];
    uint32_t access, prot, flags, file_backed;
    uint64_t size, unit, data_off;
    int32_t  named, ns;
    uint64_t dev, ino;       /* of the registry entry */
    char     file[256];      /* the entry's file name */
    int32_t  data_fd, lock_fd; /* inheritance only: descriptor numbers */
};

static void describe(const mmf_section *h, struct handle_desc *d)
{
    const struct section *s = h->sec;
    memset(d, 0, sizeof *d);
    memcpy(d->magic, desc_magic, sizeof desc_magic);
    d->access = h->access;
    d->prot = s->prot;
    d->flags = s->flags;
    d->file_backed = (uint32_t)s->file_backed;
    d->size = s->size;
    d->unit = s->unit;
    d->data_off = s->data_off;
    d->data_fd = d->lock_fd = -1;
    if (h->ref) {
        d->named = 1;
        d->ns = h->ref->ns;
        d->dev = h->ref->dev;
        d->ino = h->ref->ino;
        memcpy(d->file, h->ref->file, sizeof d->file);
    }
}

/* The mapping unit of a description: the page size, or the large page
 * size for a large-page memory section, whose size it divides.  Any other
 * value (a forged message) would let views run past the memory. */
static int unit_valid(const struct handle_desc *d)
{
    uint64_t page = mmf__page_size(), large = mmf_large_page_size();
    if (d->unit != page && !(d->unit == large && large && !d->file_backed &&
                             (d->flags & MMF_SEC_LARGE_PAGES)))
        return 0;
    return d->file_backed || d->size % d->unit == 0;
}

/* Checks a received description against its descriptors and builds the
 * handle, which takes the descriptors over.  On failure they are left to
 * the caller. */
static int rebuild(const struct handle_desc *d, int data_fd, int lock_fd, mmf_section **out)
{
    struct stat st;
    if (memcmp(d->magic, desc_magic, sizeof desc_magic) != 0 || (d->access & ~MMF_ACCESS_ALL) ||
        !mmf__prot_valid_section(d->prot) || d->size == 0 || !unit_valid(d) ||
        fstat(data_fd, &st) < 0 || !S_ISREG(st.st_mode) || d->file[sizeof d->file - 1])
        return -EINVAL;
    /* A description that claims more than the file holds would make views
     * SIGBUS: refuse it (a forged or corrupt message). */
    if ((uint64_t)st.st_size < d->data_off || (uint64_t)st.st_size - d->data_off < d->size)
        return -EINVAL;
    struct reg_ref *ref = NULL;
    if (d->named) {
        if (lock_fd < 0 || fstat(lock_fd, &st) < 0 || st.st_dev != d->dev || st.st_ino != d->ino)
            return -EINVAL;
        ref = malloc(sizeof *ref);
        if (!ref)
            return -ENOMEM;
        *ref = (struct reg_ref){ .ns = d->ns == MMF_NS_GLOBAL ? MMF_NS_GLOBAL : MMF_NS_LOCAL,
                                 .lockfd = lock_fd, .dev = d->dev, .ino = d->ino,
                                 .shared = 1 /* with the sender's */ };
        memcpy(ref->file, d->file, sizeof ref->file);
    }
    struct section_args a = { .size = d->size, .unit = d->unit, .data_off = d->data_off,
                              .prot = d->prot, .flags = d->flags, .access = d->access,
                              .file_backed = d->file_backed != 0, .ref = ref };
    int rc = mmf__section_new(data_fd, &a, out);
    if (rc < 0)
        free(ref);
    else if (ref)
        mmf__reg_track(ref);
    return rc;
}

int mmf_section_dup(mmf_section *h, unsigned access, mmf_section **out)
{
    struct section *s = mmf__section_of(h);
    if (!s)
        return -EBADF;
    if (!out || (access & ~(MMF_ACCESS_ALL | MMF_ACCESS_NONE)))
        return -EINVAL;
    if (access & MMF_ACCESS_NONE)
        access = 0;
    else if (access == 0)
        access = h->access;
    if (access & ~h->access)
        return -EACCES;
    mmf_section *n = malloc(sizeof *n);
    struct reg_ref *ref = NULL;
    if (!n)
        return -ENOMEM;
    int rc = h->ref ? mmf__reg_dup(h->ref, &ref) : 0;
    if (rc < 0) {
        free(n);
        return rc;
    }
    *n = (mmf_section){ .magic = MMF_SECTION_MAGIC, .access = access, .sec = s, .ref = ref,
                        .inherit = { -1, -1, -1 } };
    mmf__section_ref(s);
    *out = n;
    return 0;
}

int mmf__inherit_make(int datafd, struct reg_ref *ref, void *desc, size_t len,
                      int32_t *data_field, int32_t *lock_field, int fds[3])
{
    int tok = memfd_create("mmf-handle", MFD_NOEXEC_SEAL);
    if (tok < 0 && errno == EINVAL)
        tok = memfd_create("mmf-handle", 0);
    int data = tok < 0 ? -1 : fcntl(datafd, F_DUPFD, 3);
    int lock = data < 0 || !ref ? -1 : fcntl(ref->lockfd, F_DUPFD, 3);
    int rc = tok < 0 || data < 0 || (ref && lock < 0) ? -errno : 0;
    mmf__reg_shared(ref); /* a child may keep the description */
    *data_field = data;
    *lock_field = lock;
    if (rc == 0) {
        ssize_t w = pwrite(tok, desc, len, 0);
        if (w != (ssize_t)len)
            rc = w < 0 ? -errno : -EIO;
    }
    if (rc < 0) {
        int all[3] = { tok, data, lock };
        for (int i = 0; i < 3; i++)
            if (all[i] >= 0)
                close(all[i]);
        return rc;
    }
    fds[0] = tok;
    fds[1] = data;
    fds[2] = lock;
    return 0;
}

int mmf__reg_dup(struct reg_ref *r, struct reg_ref **out)
{
    /* A duplicate of the entry descriptor shares its description, and so
     * its lock: the name lives while either handle does. */
    struct reg_ref *ref = malloc(sizeof *ref);
    int fd = ref ? fcntl(r->lockfd, F_DUPFD_CLOEXEC, 3) : -1;
    if (fd < 0) {
        int rc = ref ? -errno : -ENOMEM;
        free(ref);
        return rc;
    }
    /* Field by field: the list links of r belong to the list lock, and
     * other threads move them. */
    *ref = (struct reg_ref){ .ns = r->ns, .lockfd = fd, .dev = r->dev, .ino = r->ino,
                             .shared = 1, .lock_rw = r->lock_rw };
    mmf__reg_shared(r);
    memcpy(ref->file, r->file, sizeof ref->file);
    mmf__reg_track(ref);
    *out = ref;
    return 0;
}

void mmf__handle_drop_inherit(mmf_section *h)
{
    for (int i = 0; i < 3; i++) {
        if (h->inherit[i] >= 0)
            close(h->inherit[i]);
        h->inherit[i] = -1;
    }
}

static pthread_mutex_t inherit_lock = PTHREAD_MUTEX_INITIALIZER;
static int set_inheritable_locked(mmf_section *h, int inheritable, int *fd);

int mmf_section_set_inheritable(mmf_section *h, int inheritable, int *fd)
{
    if (!mmf__section_of(h))
        return -EBADF;
    /* One token per handle, even when threads ask at the same moment. */
    pthread_mutex_lock(&inherit_lock);
    int rc = set_inheritable_locked(h, inheritable, fd);
    pthread_mutex_unlock(&inherit_lock);
    return rc;
}

static int set_inheritable_locked(mmf_section *h, int inheritable, int *fd)
{
    if (!inheritable) {
        mmf__handle_drop_inherit(h);
        return 0;
    }
    if (h->inherit[0] < 0) {
        /* Our own copies without FD_CLOEXEC: the handle's usual
         * descriptors stay close-on-exec, so making one handle inheritable
         * never leaks another. */
        int data = mmf__section_fd(h);
        if (data < 0)
            return data;
        struct handle_desc d;
        describe(h, &d);
        int rc = mmf__inherit_make(data, h->ref, &d, sizeof d, &d.data_fd, &d.lock_fd,
                                   h->inherit);
        if (rc < 0)
            return rc;
    }
    if (fd)
        *fd = h->inherit[0];
    return 0;
}

int mmf_section_from_fd_handle(int fd, mmf_section **out)
{
    if (!out)
        return -EINVAL;
    struct handle_desc d;
    ssize_t n = pread(fd, &d, sizeof d, 0);
    if (n < 0) /* EBADF also for a descriptor open for writing only */
        return errno == EBADF && fcntl(fd, F_GETFD) < 0 ? -EBADF : -EINVAL;
    if ((size_t)n != sizeof d || d.data_fd < 0 || d.data_fd == fd || d.lock_fd == fd ||
        (d.named && d.lock_fd < 0))
        return -EINVAL;
    int rc = rebuild(&d, d.data_fd, d.named ? d.lock_fd : -1, out);
    if (rc < 0)
        return rc;
    /* Ours now, and no longer inheritable by our own children. */
    fcntl(d.data_fd, F_SETFD, FD_CLOEXEC);
    if (d.named)
        fcntl(d.lock_fd, F_SETFD, FD_CLOEXEC);
    close(fd);
    return 0;
}

int mmf_section_send(int sock, mmf_section *h)
{
    if (!mmf__section_of(h))
        return -EBADF;
    int data = mmf__section_fd(h);
    if (data < 0)
        return data;
    struct handle_desc d;
    describe(h, &d);
    int fds[2] = { data, h->ref ? h->ref->lockfd : -1 };
    mmf__reg_shared(h->ref); /* the receiver shares the description */
    int nfds = h->ref ? 2 : 1;
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { .iov_base = &d, .iov_len = sizeof d };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                          .msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int)) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    ssize_t r;
    do
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    return r == (ssize_t)sizeof d ? 0 : -EIO;
}

int mmf_section_recv(int sock, mmf_section **out)
{
    if (!out)
        return -EINVAL;
    struct handle_desc d;
    union {
        char buf[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = { .iov_base = &d, .iov_len = sizeof d };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                          .msg_controllen = sizeof ctl.buf };
    ssize_t r;
    do
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;

    /* Collect every descriptor that came, so none leaks whatever the
     * message turns out to be. */
    int fds[8], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && nfds < 8; i++)
            memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    int rc;
    if (r == 0 && nfds == 0)
        rc = -ECONNRESET;
    else if ((size_t)r != sizeof d || (msg.msg_flags & MSG_CTRUNC) || nfds != 1 + (d.named != 0))
        rc = -EINVAL;
    else
        rc = rebuild(&d, fds[0], d.named ? fds[1] : -1, out);
    if (rc < 0)
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
    return rc;
}
