/*
 * name.c — the registry of named objects, daemonless.
 *
 * Windows keeps a name exactly as long as some handle to its object is open
 * in some process.  Here a name is a file in a per-namespace directory, and
 * "some handle is open" is "some open file description of that file holds a
 * shared flock".  The kernel drops a description's lock when the last
 * descriptor for it closes, including when the process dies by SIGKILL, so
 * liveness needs no daemon and no cooperation from the dead.
 *
 * The traps, and why each step below is as it is (see also
 * shared/spec/linux-mechanisms.md §2-3):
 *   - A new entry is built unnamed (O_TMPFILE), fully initialised and
 *     locked, then published with linkat(), which never replaces a name.
 *     A process killed mid-create leaves nothing visible, and no opener
 *     ever sees a half-made header.
 *   - The last closer probes with LOCK_EX|LOCK_NB on a *fresh* description:
 *     a failed upgrade of a held LOCK_SH on the same description would drop
 *     the shared lock (flock conversion is not atomic).
 *   - Only an exclusive-lock holder unlinks, and an opener re-checks
 *     st_nlink after taking its shared lock: either the opener held its lock
 *     before the closer probed (no unlink) or it sees the unlink and retries.
 *   - An entry nobody locks belongs to processes that died: whoever meets it
 *     first (an opener, a creator, a sweep) removes it.
 *   - The lock is never taken on a description that a view maps: a
 *     MAP_SHARED mapping pins its description, so the lock (and the name)
 *     would outlive the handle.  Views map a second description, opened
 *     when the first view needs it (section.c), so that an open which is
 *     never mapped costs the one description.
 *   - Every path is relative to a directory descriptor verified once, with
 *     O_NOFOLLOW on every entry: /dev/shm is world-writable, so names could
 *     otherwise be redirected by planted symlinks or squatted files.
 *   - umask applies to O_TMPFILE: the mode is set with fchmod.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const char magic[8] = "mmfobj1";

/* ---- names ---- */

/* 64-bit FNV-1a from a given basis. */
static uint64_t fnv1a(const char *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

/* Splits off the namespace prefix and escapes the rest into a file name:
 * '/' and '%' become %2F and %25, and a leading '.' becomes %2E so that no
 * name is ".", ".." or one of the registry's own dot files.  Escaping can
 * triple a name past NAME_MAX; such names become "%h" and a 128-bit hash,
 * and the header keeps the real name so that a collision is detected
 * (MMF_ESQUATTED) rather than taken for the same object. */
static int parse_name(const char *name, int *ns, char file[256], const char **rest_out)
{
    const char *rest = name;
    *ns = MMF_NS_LOCAL;
    if (strncmp(name, "Global\\", 7) == 0) {
        *ns = MMF_NS_GLOBAL;
        rest = name + 7;
    } else if (strncmp(name, "Local\\", 6) == 0) {
        rest = name + 6;
    }
    if (strchr(rest, '\\'))
        return MMF_EBADNAME;
    size_t n = strlen(rest);
    if (n == 0)
        return -EINVAL;
    if (n > MMF_NAME_MAX)
        return -ENAMETOOLONG;
    size_t k = 0;
    for (size_t i = 0; i < n && k <= MMF_FILE_MAX; i++) {
        unsigned char c = (unsigned char)rest[i];
        if (c == '/' || c == '%' || (i == 0 && c == '.'))
            k += (size_t)snprintf(file + k, 4, "%%%02X", c);
        else
            file[k++] = (char)c;
    }
    if (k > MMF_FILE_MAX)
        k = (size_t)snprintf(file, 256, "%%h%016llx%016llx",
                             (unsigned long long)fnv1a(rest, n, 0xcbf29ce484222325ull),
                             (unsigned long long)fnv1a(rest, n, 0x84222325cbf29ce4ull));
    file[k] = '\0';
    if (rest_out)
        *rest_out = rest;
    return 0;
}

/* ---- the census: reclaiming after SIGKILL without waiting for a name ---- */

/*
 * A dead process's entries are found when their name is next used, but
 * their memory should not wait for that.  Each namespace directory holds a
 * small shared table (".census") of the pids of processes that use it.
 * Every registry operation glances at it: a pid that no longer exists
 * (kill(pid, 0) == ESRCH) is cleared and triggers one sweep of the
 * directory.  The table only triggers sweeps, and a sweep removes only what
 * no live process locks, so a corrupt or hostile table costs time, never
 * correctness.  A reused pid hides a death until the next one; `mmf gc`
 * remains for that.
 */
#define CENSUS_SLOTS 256

struct census {
    _Atomic int32_t pid[CENSUS_SLOTS];
};

static struct census *census[2];
static _Atomic int32_t census_me[2];

/* Maps the directory's census table, creating it; NULL when unusable. */
static struct census *census_open(int dirfd, int ns)
{
    mode_t mode = ns == MMF_NS_LOCAL ? 0600 : 0666;
    int fd = openat(dirfd, ".census", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return NULL;
    struct stat st;
    struct census *c = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (st.st_uid == geteuid() && (st.st_mode & 0777) != mode)
            fchmod(fd, mode); /* umask */
        if ((size_t)st.st_size >= sizeof *c || ftruncate(fd, sizeof *c) == 0) {
            c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (c == MAP_FAILED)
                c = NULL;
        }
    }
    close(fd);
    return c;
}

/* getpid() is a system call in current glibc; a fork child refreshes. */
static int32_t my_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;
static void pid_refresh(void) { my_pid = (int32_t)getpid(); }
static void pid_init(void)
{
    pid_refresh();
    pthread_atfork(NULL, NULL, pid_refresh);
}

/* Registers this process and reports whether a registered process died. */
static int census_deaths(int ns)
{
    struct census *c = census[ns];
    if (!c)
        return 0;
    pthread_once(&pid_once, pid_init);
    int32_t me = my_pid;
    int dead = 0;
    int registered = atomic_load_explicit(&census_me[ns], memory_order_relaxed) == me;
    /* Each live registered process costs a kill(pid, 0): with many of
     * them, scanning on every operation would dominate.  A process scans
     * at most once a millisecond (the coarse clock is read without a
     * system call), which keeps "reclaimed by the next operation" true to
     * within that millisecond. */
    static uint64_t last_scan[2];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (registered && now - last_scan[ns] < 1000000)
        return 0;
    last_scan[ns] = now;
    for (int i = 0; i < CENSUS_SLOTS; i++) {
        int32_t p = atomic_load_explicit(&c->pid[i], memory_order_relaxed);
        if (p == me) {
            registered = 1;
            continue;
        }
        if (p > 0 && kill(p, 0) < 0 && errno == ESRCH &&
            atomic_compare_exchange_strong(&c->pid[i], &p, 0))
            dead = 1;
    }
    if (!registered) {
        for (int i = 0; i < CENSUS_SLOTS; i++) {
            int32_t zero = 0;
            if (atomic_compare_exchange_strong(&c->pid[i], &zero, me))
                break;
        }
        atomic_store_explicit(&census_me[ns], me, memory_order_relaxed);
    }
    return dead;
}

/* ---- directories ---- */

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static int dir_fd[2] = { -1, -1 };
/* The effective uid the directories were opened for: the owner every
 * Local entry must have (geteuid() is a system call; a process that
 * changes its euid later keeps its directories, see docs/security.md). */
static _Atomic uid_t dir_uid;
/* Entries removed by sweeps nobody asked for, not yet reported by
 * mmf_registry_gc() (guarded by dir_lock). */
static int swept;

static int sweep(int dirfd);

static void sweep_counted(int dirfd)
{
    int n = sweep(dirfd);
    if (n > 0)
        swept += n;
}

/* Opens and verifies a namespace directory.  Local: /dev/shm/mmf-UID,
 * ours, mode 0700.  Global: /dev/shm/mmf-global, mode 1777 (sticky: users
 * cannot remove each other's entries), owned by root or by us.  Anything
 * else was not made by mmf for us: refuse it rather than trust it. */
static int open_dir(int ns)
{
    const char *base = secure_getenv("MMF_REGISTRY_DIR");
    if (!base || !*base)
        base = "/dev/shm";
    char path[PATH_MAX];
    uid_t me = geteuid();
    atomic_store(&dir_uid, me);
    if (ns == MMF_NS_LOCAL)
        snprintf(path, sizeof path, "%s/mmf-%u", base, (unsigned)me);
    else
        snprintf(path, sizeof path, "%s/mmf-global", base);
    mode_t want = ns == MMF_NS_LOCAL ? 0700 : 01777;

    int made = mkdir(path, want) == 0;
    if (!made && errno != EEXIST)
        return -errno;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP || errno == ENOTDIR ? MMF_ESQUATTED : -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    int ours = st.st_uid == me;
    int ok = ns == MMF_NS_LOCAL ? ours : (ours || st.st_uid == 0);
    /* The umask may have taken bits off a directory we just made: set
     * them.  An existing directory with other bits was not made by us as
     * it is (mkdir only ever removes bits) and is refused, even our own:
     * while it was open to others, entries could have been moved. */
    if (ok && (st.st_mode & 07777) != want) {
        if (ours && made && fchmod(fd, want) == 0)
            st.st_mode = (st.st_mode & ~07777u) | want;
        else
            ok = 0;
    }
    if (!ok) {
        close(fd);
        return MMF_ESQUATTED;
    }
    return fd;
}

/* The directory of a namespace, opened once per process.  A directory
 * removed since (rm -rf /dev/shm/mmf-UID) would swallow new entries unseen
 * by others, so with `recheck` a deleted one is replaced; callers recheck
 * only when a name is missing, which keeps an fstat off the fast paths.
 * The old descriptor is left open (another thread may be using it): a
 * removed registry directory costs one descriptor.  The first open sweeps
 * leftovers of dead processes, and every call reads the census. */
static int get_dir(int ns, int recheck)
{
    pthread_mutex_lock(&dir_lock);
    int fd = dir_fd[ns];
    struct stat st;
    if (fd >= 0 && recheck && (fstat(fd, &st) < 0 || st.st_nlink == 0))
        fd = dir_fd[ns] = -1;
    if (fd < 0) {
        fd = open_dir(ns);
        if (fd >= 0) {
            dir_fd[ns] = fd;
            if (census[ns])
                munmap(census[ns], sizeof *census[ns]);
            census[ns] = census_open(fd, ns);
            sweep_counted(fd);
        }
    }
    if (fd >= 0 && census_deaths(ns))
        sweep_counted(fd);
    pthread_mutex_unlock(&dir_lock);
    return fd;
}

/* ---- the process's holds ---- */

/*
 * Windows closes a process's handles when it exits, so its names go at
 * once.  The kernel drops our locks at exit too, but nobody would unlink
 * the names until the next registry operation; so a normal exit (exit(),
 * return from main) releases the holds still open.  _exit and signals skip
 * this and leave the work to the census.
 */
static pthread_mutex_t holds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reg_ref holds = { .prev = &holds, .next = &holds };

/* Forks so far (a prepare handler counts them): a hold older than the
 * last fork shares its description with the child. */
static _Atomic unsigned fork_gen;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static void fork_count(void) { atomic_fetch_add(&fork_gen, 1); }
static void fork_init(void) { pthread_atfork(fork_count, NULL, NULL); }

static unsigned fork_now(void)
{
    pthread_once(&fork_once, fork_init);
    return atomic_load(&fork_gen);
}

void mmf__reg_shared(struct reg_ref *ref)
{
    if (ref)
        ref->shared = 1;
}

static void hold_add(struct reg_ref *r)
{
    pthread_mutex_lock(&holds_lock);
    r->next = &holds;
    r->prev = holds.prev;
    holds.prev->next = r;
    holds.prev = r;
    pthread_mutex_unlock(&holds_lock);
}

static void drop_hold(struct reg_ref *ref);

/* Other threads may still be closing handles while the process exits, so
 * the holds stay allocated and listed: each is dropped (its descriptor
 * closed and marked -1) under the list lock, and a later
 * mmf__reg_release() of it only frees it. */
__attribute__((destructor)) static void release_at_exit(void)
{
    pthread_mutex_lock(&holds_lock);
    for (struct reg_ref *r = holds.next; r != &holds; r = r->next)
        if (r->lockfd >= 0)
            drop_hold(r);
    pthread_mutex_unlock(&holds_lock);
}

/* ---- entries ---- */

/* Whether an entry is one mmf could have made: a regular file with no
 * execute, set-id or sticky bits; in the local namespace, ours. */
static int entry_sane(const struct stat *st, int ns)
{
    if (!S_ISREG(st->st_mode) || (st->st_mode & 07111))
        return 0;
    return ns == MMF_NS_GLOBAL || st->st_uid == atomic_load(&dir_uid);
}

/* Removes `file` if it is still the inode `st` describes.  The caller holds
 * an exclusive lock on it, so no live handle exists.  Returns 0 when the
 * name no longer leads to that inode, -errno when it could not be removed
 * (EPERM: another user's leftover in the sticky global directory). */
static int unlink_if_same(int dirfd, const char *file, const struct stat *st)
{
    struct stat now;
    if (fstatat(dirfd, file, &now, AT_SYMLINK_NOFOLLOW) < 0 || now.st_dev != st->st_dev ||
        now.st_ino != st->st_ino)
        return 0;
    return unlinkat(dirfd, file, 0) < 0 && errno != ENOENT ? -errno : 0;
}

/* Gives the O_TMPFILE inode t its name.  linkat(AT_EMPTY_PATH) is the
 * direct way but needs CAP_DAC_READ_SEARCH; everyone else goes through the
 * /proc/self/fd link, which costs a path walk. */
static int publish(int t, const char *proc, int dirfd, const char *file)
{
    static _Atomic int empty_path_works = 1;
    if (atomic_load_explicit(&empty_path_works, memory_order_relaxed)) {
        if (linkat(t, "", dirfd, file, AT_EMPTY_PATH) == 0)
            return 0;
        if (errno != ENOENT && errno != EPERM)
            return -errno;
        atomic_store_explicit(&empty_path_works, 0, memory_order_relaxed);
    }
    return linkat(AT_FDCWD, proc, dirfd, file, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

/* Makes, fills and publishes a new entry.  On success *out is its locked
 * descriptor, *st its stat, *hdr its header, and (if datafd) *datafd a
 * read-write description of it for mapping when the mode would deny the
 * creator one later, else -1.  (Opened by name later, that description
 * shows the entry's path in /proc/PID/maps, which `mmf views` reads;
 * through /proc/self/fd it shows the anonymous O_TMPFILE inode.) */
static int create_entry(int dirfd, const char *file, const char *bare, mmf_reg_init init,
                        void *arg, unsigned mode, int *out, struct stat *st,
                        struct obj_header *hdr, int *datafd)
{
    int t = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (t < 0)
        return -errno;
    int rc = 0, data = -1;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", t);
    /* A creator may give itself a mode it could not open with (0400,
     * 0200): then open the mapping description now, before the mode.
     * (Windows gives the creator's handle its rights whatever the DACL.) */
    if (datafd && (mode & 0600) != 0600 && (data = open(proc, O_RDWR | O_CLOEXEC)) < 0)
        rc = -errno;
    /* umask applies to O_TMPFILE too: set the mode exactly, but only when
     * it differs (it usually does not for 0600). */
    if (rc == 0 && fstat(t, st) < 0)
        rc = -errno;
    if (rc == 0 && (st->st_mode & 07777) != mode) {
        if (fchmod(t, mode) < 0)
            rc = -errno;
        st->st_mode = (st->st_mode & ~07777u) | mode;
    }
    if (rc == 0 && flock(t, LOCK_SH) < 0)
        rc = -errno;
    if (rc == 0) {
        memset(hdr, 0, sizeof *hdr);
        memcpy(hdr->magic, magic, sizeof magic);
        memcpy(hdr->name, bare, strlen(bare) + 1);
        rc = init(t, arg, hdr);
    }
    if (rc == 0) {
        ssize_t w = pwrite(t, hdr, sizeof *hdr, 0);
        if (w != (ssize_t)sizeof *hdr)
            rc = w < 0 ? -errno : -EIO;
    }
    if (rc == 0)
        rc = publish(t, proc, dirfd, file); /* -EEXIST: another came first */
    if (rc < 0) {
        if (data >= 0)
            close(data);
        close(t);
        return rc;
    }
    *out = t;
    if (datafd)
        *datafd = data;
    return 0;
}

/* Takes the shared lock.  An exclusive lock is only ever held for the few
 * system calls of a probe, so waiting is short; but a holder stopped (by a
 * debugger, SIGSTOP) in those few calls must not hang every opener: wait
 * with growing naps, at most about two seconds, then give up with -EAGAIN. */
static int lock_shared(int fd)
{
    long nap = 1000; /* ns */
    for (long waited = 0;; waited += nap, nap = nap < 10000000 ? nap * 2 : nap) {
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return -errno;
        if (waited > 2000000000L)
            return -EAGAIN;
        struct timespec ts = { 0, nap };
        nanosleep(&ts, NULL);
    }
}

/* Reads the header; the long path field only for a file section (most of
 * the page, and no memory section has one). */
static int read_header(int fd, struct obj_header *hdr)
{
    const size_t head = offsetof(struct obj_header, path);
    ssize_t n = pread(fd, hdr, head, 0);
    if (n < 0)
        return -errno;
    if ((size_t)n != head || memcmp(hdr->magic, magic, sizeof magic) != 0)
        return MMF_ESQUATTED;
    hdr->path[0] = '\0';
    if (hdr->file_backed) {
        n = pread(fd, hdr->path, sizeof hdr->path, (off_t)head);
        if (n < 0)
            return -errno;
        if ((size_t)n != sizeof hdr->path)
            return MMF_ESQUATTED;
    }
    hdr->path[sizeof hdr->path - 1] = '\0';
    hdr->name[sizeof hdr->name - 1] = '\0';
    return 0;
}

/* Opens an entry to hold it: for writing when asked and allowed (*rw says
 * which), never following a symlink.  O_NONBLOCK: a FIFO planted in the
 * world-writable global directory must not hang us before we can see
 * what it is. */
static int open_entry(int dirfd, const char *file, int want_rw, int *rw)
{
    const int base = O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    if (want_rw) {
        /* Denied writing (mode, read-only file system), or not a file
         * one could write (a directory): the read-only open decides,
         * and the checks that follow it tell a squatter. */
        int fd = openat(dirfd, file, O_RDWR | base);
        if (fd >= 0 || (errno != EACCES && errno != EISDIR && errno != EROFS)) {
            *rw = fd >= 0;
            return fd;
        }
    }
    *rw = 0;
    return openat(dirfd, file, O_RDONLY | base);
}

int mmf__reg_acquire(const char *name, uint32_t type, mmf_reg_init init, void *arg,
                     unsigned mode, int want_rw, struct reg_ref **refp, struct obj_header *hdr,
                     int *datafd)
{
    if (datafd)
        *datafd = -1;
    int ns;
    char file[256];
    const char *bare;
    int rc = parse_name(name, &ns, file, &bare);
    if (rc < 0)
        return rc;
    unsigned gen = fork_now(); /* before any lock is taken */
    struct reg_ref *ref = malloc(sizeof *ref);
    if (!ref)
        return -ENOMEM;
    int dirfd = get_dir(ns, 0);
    if (dirfd < 0) {
        free(ref);
        return dirfd;
    }

    int fd, created = 0, rechecked = 0, rw = 0;
    struct stat st;
    for (;;) {
        fd = open_entry(dirfd, file, want_rw, &rw);
        if (fd < 0) {
            if (errno == ELOOP) {
                rc = MMF_ESQUATTED;
                break;
            }
            if (errno != ENOENT) {
                rc = -errno;
                break;
            }
            if (!rechecked && !init) {
                /* Missing: make sure the directory itself still exists
                 * (a creator finds out for free: publishing into a
                 * removed directory fails with ENOENT, below). */
                rechecked = 1;
                int d = get_dir(ns, 1);
                if (d < 0) {
                    rc = d;
                    break;
                }
                if (d != dirfd) {
                    dirfd = d;
                    continue;
                }
            }
            if (!init) {
                rc = MMF_ENOTFOUND;
                break;
            }
            rc = create_entry(dirfd, file, bare, init, arg, mode, &fd, &st, hdr, datafd);
            rw = 1; /* the O_TMPFILE description */
            if (rc == -EEXIST)
                continue;
            if (rc == -ENOENT && !rechecked) {
                rechecked = 1;
                int d = get_dir(ns, 1);
                if (d < 0) {
                    rc = d;
                    break;
                }
                dirfd = d;
                continue;
            }
            created = rc == 0;
            break;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            /* Nobody holds it: the leftover of dead processes, or
             * something mmf did not make.  If a leftover cannot be removed
             * (another user's, in the global directory) the name is dead
             * but taken: not found for an opener, and a creator is denied
             * until its owner or root sweeps. */
            if (fstat(fd, &st) < 0 || !entry_sane(&st, ns)) {
                rc = MMF_ESQUATTED;
                break;
            }
            if (unlink_if_same(dirfd, file, &st) < 0) {
                rc = init ? -EACCES : MMF_ENOTFOUND;
                break;
            }
            close(fd);
            fd = -1;
            continue;
        }
        rc = lock_shared(fd);
        if (rc < 0)
            break;
        if (fstat(fd, &st) < 0 || !entry_sane(&st, ns)) {
            rc = MMF_ESQUATTED;
            break;
        }
        if (st.st_nlink == 0) {
            close(fd); /* the last holder removed it meanwhile */
            fd = -1;
            continue;
        }
        break;
    }
    if (rc == 0 && !created)
        rc = read_header(fd, hdr);
    if (rc == 0 && strcmp(hdr->name, bare) != 0)
        rc = MMF_ESQUATTED; /* a hash collision, or a planted entry */
    if (rc == 0 && hdr->type != type)
        rc = MMF_ETYPE;
    if (rc < 0) {
        if (fd >= 0) {
            /* A new entry we published but cannot use must not outlive
             * us: go through the normal release. */
            if (created) {
                if (datafd && *datafd >= 0) {
                    close(*datafd);
                    *datafd = -1;
                }
                *ref = (struct reg_ref){ .ns = ns, .lockfd = fd, .dev = st.st_dev,
                                         .ino = st.st_ino, .fork_gen = gen };
                strcpy(ref->file, file);
                mmf__reg_track(ref);
                mmf__reg_release(ref);
                return rc;
            }
            close(fd);
        }
        free(ref);
        return rc;
    }
    *ref = (struct reg_ref){ .ns = ns, .lockfd = fd, .dev = st.st_dev, .ino = st.st_ino,
                             .fork_gen = gen, .size = (uint64_t)st.st_size, .lock_rw = rw };
    strcpy(ref->file, file);
    mmf__reg_track(ref);
    *refp = ref;
    return created ? 0 : MMF_EXISTED;
}

void mmf__reg_track(struct reg_ref *ref)
{
    hold_add(ref);
}

static void drop_hold(struct reg_ref *ref)
{
    int dirfd = get_dir(ref->ns, 0);
    if (!ref->shared && ref->fork_gen == fork_now()) {
        /* Our description is ours alone: converting its shared lock to an
         * exclusive one succeeds exactly when no other description holds
         * the entry (flock conversion drops ours first; an opener that
         * slips in then makes it fail, and then it is not ours to remove).
         * Two system calls fewer than a fresh probe. */
        struct stat st = { .st_dev = (dev_t)ref->dev, .st_ino = (ino_t)ref->ino };
        if (dirfd >= 0 && flock(ref->lockfd, LOCK_EX | LOCK_NB) == 0)
            (void)unlink_if_same(dirfd, ref->file, &st);
        close(ref->lockfd);
        ref->lockfd = -1;
        return;
    }
    /* Probe on a fresh description, opened before ours is closed so that
     * it names the same entry if the entry is still there. */
    int p = dirfd >= 0 ? openat(dirfd, ref->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK) : -1;
    close(ref->lockfd);
    if (p >= 0) {
        /* The common case (others still hold it) costs one flock; only a
         * last closer checks that the name is still our entry. */
        struct stat st;
        if (flock(p, LOCK_EX | LOCK_NB) == 0 && fstat(p, &st) == 0 && st.st_dev == ref->dev &&
            st.st_ino == ref->ino)
            (void)unlink_if_same(dirfd, ref->file, &st);
        close(p);
    }
    ref->lockfd = -1;
}

void mmf__reg_release(struct reg_ref *ref)
{
    if (!ref)
        return;
    pthread_mutex_lock(&holds_lock);
    ref->prev->next = ref->next;
    ref->next->prev = ref->prev;
    int live = ref->lockfd >= 0; /* not already dropped by the exit path */
    pthread_mutex_unlock(&holds_lock);
    if (live)
        drop_hold(ref);
    free(ref);
}

int mmf__reg_reopen(const struct reg_ref *ref, int flags)
{
    /* By name, proven by device and inode: about half the cost of going
     * through /proc, which stays the fallback when the name has gone or
     * changed meanwhile. */
    pthread_mutex_lock(&dir_lock);
    int dirfd = dir_fd[ref->ns];
    pthread_mutex_unlock(&dir_lock);
    if (dirfd >= 0) {
        int fd = openat(dirfd, ref->file, flags | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            struct stat st;
            if (fstat(fd, &st) == 0 && st.st_dev == ref->dev && st.st_ino == ref->ino)
                return fd;
            close(fd);
        }
        /* Any failure, EACCES too, goes on to /proc: the name may lead
         * to another object now (re-made with another mode, by another
         * user), and our own is still reached through the hold; if it is
         * ours that denies, /proc denies the same. */
    }
    /* Under the holds' lock: at exit, another thread's release_at_exit
     * closes the hold's descriptor (and marks it -1), and its number could
     * otherwise be reused under us. */
    pthread_mutex_lock(&holds_lock);
    int fd = -EBADF;
    if (ref->lockfd >= 0) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", ref->lockfd);
        fd = open(proc, flags | O_CLOEXEC);
        if (fd < 0)
            fd = -errno;
    }
    pthread_mutex_unlock(&holds_lock);
    return fd;
}

/* A directory stream of its own over dirfd (readdir must not move the
 * shared descriptor's position). */
static int open_listing(int dirfd, DIR **d)
{
    int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    *d = fdopendir(dfd);
    if (!*d) {
        close(dfd);
        return -ENOMEM;
    }
    return 0;
}

/* Removes every entry of the directory that no process holds: ours, or
 * any when we are root.  Returns how many went. */
static int sweep(int dirfd)
{
    DIR *d;
    int rc = open_listing(dirfd, &d);
    if (rc < 0)
        return rc;
    uid_t me = geteuid();
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        int fd = openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_uid == me || me == 0) &&
            flock(fd, LOCK_EX | LOCK_NB) == 0) {
            struct stat now;
            if (fstatat(dirfd, e->d_name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
                now.st_ino == st.st_ino && unlinkat(dirfd, e->d_name, 0) == 0)
                removed++;
        }
        close(fd);
    }
    closedir(d);
    return removed;
}

int mmf_registry_gc(void)
{
    int total = 0;
    for (int ns = MMF_NS_LOCAL; ns <= MMF_NS_GLOBAL; ns++) {
        int fd = get_dir(ns, 1);
        if (fd < 0)
            return fd;
        int n = sweep(fd);
        if (n < 0)
            return n;
        total += n;
    }
    /* Count what this process's implicit sweeps (first use, census)
     * removed since the last call too: they did gc's work. */
    pthread_mutex_lock(&dir_lock);
    total += swept;
    swept = 0;
    pthread_mutex_unlock(&dir_lock);
    return total;
}

/* ---- listing and forced removal (the mmf CLI) ---- */

int mmf__reg_list(int ns, int (*cb)(const struct reg_entry_info *, void *), void *arg)
{
    int dirfd = get_dir(ns, 0);
    if (dirfd < 0)
        return dirfd;
    DIR *d;
    int rc = open_listing(dirfd, &d);
    if (rc < 0)
        return rc;
    struct dirent *e;
    int stop = 0;
    while (!stop && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        int fd = openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue;
        struct reg_entry_info info = { .ns = ns };
        struct stat st;
        if (fstat(fd, &st) == 0 && entry_sane(&st, ns) && read_header(fd, &info.hdr) == 0) {
            memcpy(info.name, info.hdr.name, sizeof info.name - 1);
            info.uid = st.st_uid;
            info.mode = st.st_mode & 07777;
            info.dev = st.st_dev;
            info.ino = st.st_ino;
            /* An entry nobody holds is a dead one: remove it as an opener
             * would (merely probing would make a concurrent opener see a
             * live entry and keep it). */
            if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                (void)unlink_if_same(dirfd, e->d_name, &st);
            else
                stop = cb(&info, arg);
        }
        close(fd);
    }
    closedir(d);
    return 0;
}

int mmf__reg_unlink(const char *name)
{
    int ns;
    char file[256];
    int rc = parse_name(name, &ns, file, NULL);
    if (rc < 0)
        return rc;
    int dirfd = get_dir(ns, 0);
    if (dirfd < 0)
        return dirfd;
    struct stat st;
    if (fstatat(dirfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? MMF_ENOTFOUND : -errno;
    if (unlinkat(dirfd, file, 0) < 0)
        return -errno;
    return 0;
}
