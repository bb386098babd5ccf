/*
 * soak.c — the kill -9 soak: processes that hold named sections, mutexes,
 * events and semaphores are SIGKILLed at random moments, over and over;
 * afterwards no name survives, every name can be created afresh, nothing
 * is left in /dev/shm, and every mutex whose owner was killed was reported
 * abandoned to the next waiter.
 *
 *   soak [--kills N] [--workers N] [--seed S] [--max-delay-us N] [--verbose]
 *
 * The supervisor (this program without --worker) makes a private registry
 * (MMF_REGISTRY_DIR = a fresh /dev/shm/mmf-soak.XXXXXX) and a private
 * directory for the files of the file-backed sections, creates a control
 * section and two "tracked" mutexes that it holds for the whole run, and
 * keeps --workers workers alive.  A worker is this program re-executed
 * (fork+exec of /proc/self/exe --worker ...), so it is an unrelated process
 * that shares only what it opens by name.  Workers loop over random
 * operations on a small pool of names: memory and file sections (create or
 * open, map a view at a random offset and protection, write, read back,
 * protect, flush, unmap, close, sometimes keep a handle or a view for a
 * while), mutexes (held for random short times), events and semaphores.
 * Every result is checked against the documented possible results; any
 * other result makes the worker print it and exit 3, which fails the run.
 *
 * The supervisor SIGKILLs a random worker after a random delay (some right
 * after spawn, to hit the first creates and opens) and starts a new one,
 * until --kills kills are done.
 *
 * Abandonment: each tracked mutex has a slot in the control section.  Its
 * owner writes its pid there right after acquiring and clears it before
 * releasing, so whoever acquires the mutex and finds a pid there has
 * acquired a mutex whose owner died holding it, and must have been told
 * MMF_WAIT_ABANDONED.  Every acquirer (workers and supervisor) logs such an
 * acquisition as one atomic 64-bit word (dead pid, result) before taking
 * the slot over.  After each kill the supervisor notes whether the victim
 * was recorded as owner and then waits on each tracked mutex itself (so the
 * abandonment is observed at once, by it or by a worker that came first).
 * At the end every owner killed must have at least one log entry, all of
 * them "abandoned".
 *
 * Exit status 0 when every check passed, 1 otherwise; 2 for bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mmf.h>

#define NTRACK      2         /* tracked mutexes, held by the supervisor */
#define LOGMAX      32768     /* abandonment log entries per tracked mutex */
#define MAXWORKERS  16
#define SEC_SIZE    65536u    /* every pool section */
#define MAXHOLD     4         /* handles or views a worker keeps around */
#define WAIT_MS     5000u     /* a tracked mutex not acquired in this time is stuck */

/* The control section. */
struct ctl {
    _Atomic uint32_t slot[NTRACK];   /* pid of the owner, or 0 */
    _Atomic uint32_t nlog[NTRACK];
    _Atomic uint32_t unattributed[NTRACK]; /* ABANDONED with an empty slot */
    _Atomic uint64_t ops;            /* operations done by all workers */
    _Atomic uint64_t tracked_acq;    /* acquisitions of tracked mutexes */
    _Atomic uint64_t other_abandoned; /* ABANDONED on the untracked mutexes */
    /* (dead pid << 32) | (result << 30) | reporter pid; result 1 = told
     * abandoned, 2 = told signaled (a failure). */
    _Atomic uint64_t log[NTRACK][LOGMAX];
};
#define CTL_SIZE ((sizeof(struct ctl) + 65535u) & ~(size_t)65535u)

/* ---- the name pool ---- */

enum kind { K_MEM, K_FILE, K_MUTEX, K_EVENT_MANUAL, K_EVENT_AUTO, K_SEM };

struct pool_name {
    enum kind kind;
    const char *fmt; /* with %s for the run tag */
};

static const struct pool_name pool[] = {
    { K_MEM, "Local\\%s-mem-0" },
    { K_MEM, "Local\\%s-mem-1" },
    { K_MEM, "%s-mem-2" },
    { K_MEM, "Global\\%s-mem-3" },
    { K_FILE, "Local\\%s-file-0" },
    { K_FILE, "Global\\%s-file-1" },
    { K_MUTEX, "Local\\%s-mtx-0" },
    { K_MUTEX, "Global\\%s-mtx-1" },
    { K_EVENT_MANUAL, "Local\\%s-evt-0" },
    { K_EVENT_AUTO, "Global\\%s-evt-1" },
    { K_SEM, "Local\\%s-sem-0" },
};
#define NPOOL ((int)(sizeof pool / sizeof pool[0]))

static char tag[64];
static char names[NPOOL][256];
static char ctl_name[256], lock_names[NTRACK][256];
static char file_dir[PATH_MAX];

static void make_names(void)
{
    for (int i = 0; i < NPOOL; i++)
        snprintf(names[i], sizeof names[i], pool[i].fmt, tag);
    snprintf(ctl_name, sizeof ctl_name, "Local\\%s-ctl", tag);
    snprintf(lock_names[0], sizeof lock_names[0], "Local\\%s-lock-0", tag);
    snprintf(lock_names[1], sizeof lock_names[1], "Global\\%s-lock-1", tag);
}

/* ---- small things ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
    return n ? rnd() % n : 0;
}

static void sleep_us(long us)
{
    if (us <= 0)
        return;
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ================================================================== */
/* Worker                                                              */
/* ================================================================== */

static int widx;
static uint32_t mypid;
static struct ctl *ctl;
static mmf_sync *locks[NTRACK];

__attribute__((noreturn, format(printf, 1, 2)))
static void wfail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "soak worker %d (pid %u): %s\n", widx, (unsigned)mypid, msg);
    _exit(3);
}

/* Fails unless rc is one of the allowed results (a -1-terminated list). */
#define EXPECT(call, ...)                                                        \
    do {                                                                         \
        int rc_ = (call);                                                        \
        const int ok_[] = { __VA_ARGS__, -1 };                                   \
        int good_ = 0;                                                           \
        for (int k_ = 0; ok_[k_] != -1; k_++)                                    \
            good_ |= rc_ == ok_[k_];                                             \
        if (!good_)                                                              \
            wfail("%s:%d: %s returned %d (%s)", __FILE__, __LINE__, #call, rc_,  \
                  mmf_strerror(rc_));                                            \
    } while (0)

/* What a worker keeps between iterations. */
struct held {
    int kind; /* 0 none, 1 section, 2 view, 3 sync */
    mmf_section *s;
    mmf_sync *y;
    void *v;
};
static struct held held[MAXHOLD];

static void drop(struct held *h)
{
    switch (h->kind) {
    case 1: EXPECT(mmf_section_close(h->s), 0); break;
    case 2: EXPECT(mmf_view_unmap(h->v), 0); break;
    case 3: EXPECT(mmf_sync_close(h->y), 0); break;
    default: break;
    }
    h->kind = 0;
}

/* Keeps the object in a free hold slot (or drops it) and returns 1 if kept. */
static int keep(int kind, mmf_section *s, mmf_sync *y, void *v)
{
    if (rnd_below(4) != 0)
        return 0;
    struct held *h = &held[rnd_below(MAXHOLD)];
    drop(h);
    h->kind = kind;
    h->s = s;
    h->y = y;
    h->v = v;
    return 1;
}

static const unsigned view_prots[] = { MMF_PAGE_READONLY, MMF_PAGE_READWRITE,
                                       MMF_PAGE_WRITECOPY };

/* Maps a random view of s and exercises it; unmaps it (or keeps it). */
static void use_view(mmf_section *s, int writable_section)
{
    unsigned prot = view_prots[rnd_below(writable_section ? 3 : 1)];
    uint64_t pg = 4096;
    uint64_t off = pg * rnd_below(SEC_SIZE / pg);
    uint64_t size = rnd_below(2) ? 0 : pg * (1 + rnd_below((uint32_t)((SEC_SIZE - off) / pg)));
    char *v = NULL;
    EXPECT(mmf_view_map(s, prot, off, size, NULL, (void **)&v), 0);
    uint64_t len = size ? size : SEC_SIZE - off;
    /* Our own 64 bytes of each page: nobody else writes them. */
    volatile uint64_t *mine = (volatile uint64_t *)(v + (uint64_t)widx * 64);
    uint64_t val = (uint64_t)mypid << 32 | rnd();
    if (prot != MMF_PAGE_READONLY) {
        mine[0] = val;
        if (mine[0] != val)
            wfail("read back %#llx, wrote %#llx", (unsigned long long)mine[0],
                  (unsigned long long)val);
        v[len - 1] = (char)val;
    } else {
        (void)mine[0];
    }
    switch (rnd_below(4)) {
    case 0: {
        unsigned old = 0;
        EXPECT(mmf_view_protect(v, (size_t)pg, MMF_PAGE_READONLY, &old), 0);
        if (old != prot)
            wfail("protect: old protection %#x, the view has %#x", old, prot);
        EXPECT(mmf_view_protect(v, (size_t)pg, prot, NULL), 0);
        break;
    }
    case 1:
        EXPECT(mmf_view_flush(v, 0), 0);
        break;
    case 2: {
        mmf_view_info vi;
        EXPECT(mmf_view_query(v + len - 1, &vi), 0);
        if (vi.view_base != v || vi.offset != off)
            wfail("query: base %p offset %llu, expected %p %llu", vi.view_base,
                  (unsigned long long)vi.offset, (void *)v, (unsigned long long)off);
        break;
    }
    default:
        break;
    }
    if (!keep(2, NULL, NULL, v))
        EXPECT(mmf_view_unmap(v + rnd_below((uint32_t)len)), 0);
}

static void op_section(int i)
{
    mmf_create_options o = { .name = names[i] };
    mmf_section *s = NULL;
    int fd = -1;
    if (pool[i].kind == K_FILE) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/file-%d", file_dir, i);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            wfail("open %s: %s", path, strerror(errno));
    }
    EXPECT(mmf_section_create(fd, SEC_SIZE, MMF_PAGE_READWRITE, 0, &o, &s), 0, MMF_EXISTED);
    if (fd >= 0)
        close(fd);
    use_view(s, 1);
    if (rnd_below(2))
        use_view(s, 1);
    if (!keep(1, s, NULL, NULL))
        EXPECT(mmf_section_close(s), 0);
}

static void op_open(int i)
{
    mmf_section *s = NULL;
    unsigned acc = rnd_below(2) ? MMF_ACCESS_READ : MMF_ACCESS_READ | MMF_ACCESS_WRITE;
    int rc = mmf_section_open(names[i], acc, &s);
    if (rc == MMF_ENOTFOUND)
        return;
    EXPECT(rc, 0);
    use_view(s, acc & MMF_ACCESS_WRITE);
    if (!keep(1, s, NULL, NULL))
        EXPECT(mmf_section_close(s), 0);
}

/* The tracked-mutex protocol, shared with the supervisor.  Returns the
 * wait result. */
static int tracked_acquire(int m, mmf_sync *h, uint32_t me, uint32_t timeout)
{
    int rc = mmf_wait(h, timeout);
    if (rc != MMF_WAIT_OBJECT_0 && rc != MMF_WAIT_ABANDONED)
        return rc;
    atomic_fetch_add(&ctl->tracked_acq, 1);
    uint32_t prev = atomic_load(&ctl->slot[m]);
    if (prev != 0) {
        uint32_t n = atomic_fetch_add(&ctl->nlog[m], 1);
        uint64_t res = rc == MMF_WAIT_ABANDONED ? 1 : 2;
        if (n < LOGMAX)
            atomic_store(&ctl->log[m][n], (uint64_t)prev << 32 | res << 30 | (me & 0x3fffffffu));
    } else if (rc == MMF_WAIT_ABANDONED) {
        atomic_fetch_add(&ctl->unattributed[m], 1);
    }
    atomic_store(&ctl->slot[m], me);
    return rc;
}

static void tracked_release(int m, mmf_sync *h)
{
    atomic_store(&ctl->slot[m], 0);
    EXPECT(mmf_mutex_release(h), 0);
}

static void op_tracked(void)
{
    int m = (int)rnd_below(NTRACK);
    int both = rnd_below(4) == 0; /* lock 0 then lock 1: one order only */
    if (both)
        m = 0;
    int rc = tracked_acquire(m, locks[m], mypid, 1 + rnd_below(200));
    EXPECT(rc, MMF_WAIT_OBJECT_0, MMF_WAIT_ABANDONED, MMF_WAIT_TIMEOUT);
    if (rc == MMF_WAIT_TIMEOUT)
        return;
    int rc2 = MMF_WAIT_TIMEOUT;
    if (both) {
        rc2 = tracked_acquire(1, locks[1], mypid, 1 + rnd_below(200));
        EXPECT(rc2, MMF_WAIT_OBJECT_0, MMF_WAIT_ABANDONED, MMF_WAIT_TIMEOUT);
    }
    sleep_us(rnd_below(3) ? (long)rnd_below(300) : (long)rnd_below(3000));
    if (rc2 != MMF_WAIT_TIMEOUT)
        tracked_release(1, locks[1]);
    tracked_release(m, locks[m]);
}

static void op_sync(int i)
{
    mmf_create_options o = { .name = names[i] };
    mmf_sync *h = NULL;
    int rc;
    switch (pool[i].kind) {
    case K_MUTEX:
        if (rnd_below(3) == 0) {
            rc = mmf_sync_open(names[i], MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &h);
            if (rc == MMF_ENOTFOUND)
                return;
            EXPECT(rc, 0);
        } else {
            EXPECT(mmf_mutex_create(0, &o, &h), 0, MMF_EXISTED);
        }
        rc = mmf_wait(h, rnd_below(50));
        EXPECT(rc, MMF_WAIT_OBJECT_0, MMF_WAIT_ABANDONED, MMF_WAIT_TIMEOUT);
        if (rc == MMF_WAIT_ABANDONED)
            atomic_fetch_add(&ctl->other_abandoned, 1);
        if (rc != MMF_WAIT_TIMEOUT) {
            sleep_us((long)rnd_below(500));
            EXPECT(mmf_mutex_release(h), 0);
        }
        break;
    case K_EVENT_MANUAL:
    case K_EVENT_AUTO:
        EXPECT(mmf_event_create(pool[i].kind == K_EVENT_MANUAL, 0, &o, &h), 0, MMF_EXISTED);
        EXPECT(mmf_event_set(h), 0);
        EXPECT(mmf_wait(h, rnd_below(5)), MMF_WAIT_OBJECT_0, MMF_WAIT_TIMEOUT);
        if (rnd_below(2))
            EXPECT(mmf_event_reset(h), 0);
        break;
    case K_SEM:
        EXPECT(mmf_semaphore_create(2, 4, &o, &h), 0, MMF_EXISTED);
        rc = mmf_wait(h, rnd_below(5));
        EXPECT(rc, MMF_WAIT_OBJECT_0, MMF_WAIT_TIMEOUT);
        if (rc == MMF_WAIT_OBJECT_0) {
            sleep_us((long)rnd_below(200));
            EXPECT(mmf_semaphore_release(h, 1, NULL), 0);
        }
        break;
    default:
        wfail("not a sync name");
    }
    if (!keep(3, NULL, h, NULL))
        EXPECT(mmf_sync_close(h), 0);
}

static int worker_main(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(4);
    mypid = (uint32_t)getpid();
    /* The control objects first: a kill right after spawn hits these
     * opens. */
    mmf_section *cs = NULL;
    EXPECT(mmf_section_open(ctl_name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, &cs), 0);
    EXPECT(mmf_view_map(cs, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&ctl), 0);
    EXPECT(mmf_section_close(cs), 0);
    for (int m = 0; m < NTRACK; m++)
        EXPECT(mmf_sync_open(lock_names[m], MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &locks[m]), 0);
    for (;;) {
        int i = (int)rnd_below(NPOOL);
        switch (rnd_below(8)) {
        case 0:
        case 1:
            if (pool[i].kind == K_MEM || pool[i].kind == K_FILE)
                op_section(i);
            else
                op_sync(i);
            break;
        case 2:
            op_open((int)rnd_below(6)); /* the sections */
            break;
        case 3:
        case 4:
            op_tracked();
            break;
        case 5:
            op_sync(6 + (int)rnd_below(NPOOL - 6));
            break;
        case 6:
            drop(&held[rnd_below(MAXHOLD)]);
            break;
        default:
            op_section((int)rnd_below(6));
            break;
        }
        atomic_fetch_add(&ctl->ops, 1);
    }
}

/* ================================================================== */
/* Supervisor                                                          */
/* ================================================================== */

static int failures;

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "FAIL: ");
    vfprintf(stdout, fmt, ap);
    fprintf(stdout, "\n");
    fflush(stdout);
    va_end(ap);
    failures++;
}

static char self_exe[PATH_MAX];
static char reg_base[PATH_MAX];
static int verbose;

static pid_t spawn_worker(int idx)
{
    char sidx[16], sseed[32];
    snprintf(sidx, sizeof sidx, "%d", idx);
    snprintf(sseed, sizeof sseed, "%u", rnd());
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fail("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execl(self_exe, self_exe, "--worker", sidx, sseed, tag, file_dir, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Killed pids recorded as owners of tracked mutex m (set, small). */
struct pidset {
    uint32_t *v;
    size_t n, cap;
};

static int pidset_has(const struct pidset *s, uint32_t p)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == p)
            return 1;
    return 0;
}

static void pidset_add(struct pidset *s, uint32_t p)
{
    if (pidset_has(s, p))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) {
            perror("realloc");
            exit(1);
        }
    }
    s->v[s->n++] = p;
}

static struct pidset owners_killed[NTRACK]; /* slot held the victim's pid */
static struct pidset all_killed;
static long supervisor_checks, supervisor_abandoned;

/* After a worker died: note whether it was recorded as an owner, then take
 * and give back every tracked mutex (observing any abandonment now). */
static void after_death(uint32_t pid)
{
    for (int m = 0; m < NTRACK; m++)
        if (atomic_load(&ctl->slot[m]) == pid)
            pidset_add(&owners_killed[m], pid);
    for (int m = 0; m < NTRACK; m++) {
        int rc = tracked_acquire(m, locks[m], (uint32_t)getpid(), WAIT_MS);
        supervisor_checks++;
        if (rc == MMF_WAIT_ABANDONED)
            supervisor_abandoned++;
        if (rc != MMF_WAIT_OBJECT_0 && rc != MMF_WAIT_ABANDONED) {
            fail("tracked mutex %d: wait after killing pid %u returned %d (%s)%s", m,
                 (unsigned)pid, rc, rc < 0 ? mmf_strerror(rc) : "",
                 rc == MMF_WAIT_TIMEOUT ? ": stuck" : "");
            continue;
        }
        atomic_store(&ctl->slot[m], 0);
        int r = mmf_mutex_release(locks[m]);
        if (r != 0)
            fail("release of tracked mutex %d: %d (%s)", m, r, mmf_strerror(r));
    }
}

/* Kills worker pid and reaps it; returns 1 if it died of the SIGKILL. */
static int kill_worker(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            fail("waitpid %d: %s", (int)pid, strerror(errno));
            return 0;
        }
    pidset_add(&all_killed, (uint32_t)pid);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        return 1;
    if (WIFEXITED(st))
        fail("worker pid %d exited with status %d before its kill (see its message above)",
             (int)pid, WEXITSTATUS(st));
    else
        fail("worker pid %d died of signal %d", (int)pid, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}

/* ---- /dev/shm and the registry ---- */

#define MAXENT 4096
struct listing {
    char (*name)[NAME_MAX + 1];
    int n;
};

static void list_dir(const char *dir, struct listing *l)
{
    l->n = 0;
    if (!l->name)
        l->name = calloc(MAXENT, sizeof *l->name);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && l->n < MAXENT)
            snprintf(l->name[l->n++], NAME_MAX + 1, "%s", e->d_name);
    closedir(d);
}

static int listed(const struct listing *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->name[i], name) == 0)
            return 1;
    return 0;
}

/* Counts object entries (not the registry's dot files) in one namespace
 * directory, printing them; adds the bytes every entry occupies. */
static int registry_leftovers(const char *dir, long long *bytes, int *dotfiles)
{
    struct listing l = { 0 };
    list_dir(dir, &l);
    int n = 0;
    for (int i = 0; i < l.n; i++) {
        char p[PATH_MAX + NAME_MAX + 2];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, l.name[i]);
        /* The bookkeeping files are the registry's own: not counted. */
        if (l.name[i][0] != '.' && lstat(p, &st) == 0)
            *bytes += (long long)st.st_blocks * 512;
        if (l.name[i][0] == '.') {
            (*dotfiles)++;
            if (strcmp(l.name[i], ".census") != 0) {
                printf("  unexpected bookkeeping file %s\n", p);
                n++;
            }
            continue;
        }
        printf("  leftover entry %s\n", p);
        n++;
    }
    free(l.name);
    return n;
}

static int rm_tree(const char *dir)
{
    struct listing l = { 0 };
    list_dir(dir, &l);
    int bad = 0;
    for (int i = 0; i < l.n; i++) {
        char p[PATH_MAX + NAME_MAX + 2];
        snprintf(p, sizeof p, "%s/%s", dir, l.name[i]);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            bad |= rm_tree(p);
        else if (unlink(p) < 0)
            bad = 1;
    }
    free(l.name);
    return rmdir(dir) < 0 ? 1 : bad;
}

/* ---- the final checks ---- */

/* Creates every pool and control name afresh: each must be new (0, not
 * MMF_EXISTED); a fresh memory section must read as zeros; after the close
 * the name must be gone.  Returns the number of names checked. */
static int check_names_fresh(void)
{
    int checked = 0;
    for (int i = -1 - NTRACK; i < NPOOL; i++) {
        const char *name;
        enum kind kind;
        if (i == -1 - NTRACK) {
            name = ctl_name;
            kind = K_MEM;
        } else if (i < 0) {
            name = lock_names[i + NTRACK];
            kind = K_MUTEX;
        } else {
            name = names[i];
            kind = pool[i].kind;
        }
        mmf_create_options o = { .name = name };
        int rc;
        checked++;
        /* No name survives its holders. */
        if (kind == K_MEM || kind == K_FILE) {
            mmf_section *t = NULL;
            rc = mmf_section_open(name, MMF_ACCESS_READ, &t);
            if (rc == 0)
                mmf_section_close(t);
        } else {
            mmf_sync *t = NULL;
            rc = mmf_sync_open(name, kind == K_MUTEX ? MMF_SYNC_MUTEX
                                     : kind == K_SEM ? MMF_SYNC_SEMAPHORE : MMF_SYNC_EVENT,
                               MMF_SYNC_ACCESS_ALL, &t);
            if (rc == 0)
                mmf_sync_close(t);
        }
        if (rc != MMF_ENOTFOUND)
            fail("%s: open after every holder died returned %d (%s), expected MMF_ENOTFOUND",
                 name, rc, mmf_strerror(rc));
        if (kind == K_MEM || kind == K_FILE) {
            mmf_section *s = NULL;
            int fd = -1;
            char path[PATH_MAX + 32];
            if (kind == K_FILE) {
                snprintf(path, sizeof path, "%s/fresh-%d", file_dir, i);
                fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (fd < 0) {
                    fail("open %s: %s", path, strerror(errno));
                    continue;
                }
            }
            rc = mmf_section_create(fd, SEC_SIZE, MMF_PAGE_READWRITE, 0, &o, &s);
            if (fd >= 0)
                close(fd);
            if (rc != 0) {
                fail("%s: create afresh returned %d (%s), expected a new object", name, rc,
                     rc > 0 ? "MMF_EXISTED" : mmf_strerror(rc));
                if (rc >= 0)
                    mmf_section_close(s);
                continue;
            }
            unsigned char *v = NULL;
            rc = mmf_view_map(s, MMF_PAGE_READONLY, 0, 0, NULL, (void **)&v);
            if (rc != 0) {
                fail("%s: map of the fresh section: %d (%s)", name, rc, mmf_strerror(rc));
            } else {
                for (uint32_t k = 0; k < SEC_SIZE; k++)
                    if (v[k]) {
                        fail("%s: the fresh section holds old data at byte %u", name,
                             (unsigned)k);
                        break;
                    }
                mmf_view_unmap(v);
            }
            mmf_section_close(s);
            mmf_section *t = NULL;
            rc = mmf_section_open(name, MMF_ACCESS_READ, &t);
            if (rc != MMF_ENOTFOUND) {
                fail("%s: open after the last close returned %d (%s)", name, rc,
                     mmf_strerror(rc));
                if (rc == 0)
                    mmf_section_close(t);
            }
        } else {
            mmf_sync *h = NULL;
            int type = kind == K_MUTEX ? MMF_SYNC_MUTEX
                       : kind == K_SEM ? MMF_SYNC_SEMAPHORE : MMF_SYNC_EVENT;
            if (kind == K_MUTEX)
                rc = mmf_mutex_create(0, &o, &h);
            else if (kind == K_SEM)
                rc = mmf_semaphore_create(0, 4, &o, &h);
            else
                rc = mmf_event_create(kind == K_EVENT_MANUAL, 0, &o, &h);
            if (rc != 0) {
                fail("%s: create afresh returned %d (%s), expected a new object", name, rc,
                     rc > 0 ? "MMF_EXISTED" : mmf_strerror(rc));
                if (rc >= 0)
                    mmf_sync_close(h);
                continue;
            }
            /* A fresh object is in its initial state. */
            int w = mmf_wait(h, 0);
            int want = kind == K_MUTEX ? MMF_WAIT_OBJECT_0 : MMF_WAIT_TIMEOUT;
            if (w != want)
                fail("%s: a fresh object's wait returned %d, expected %d", name, w, want);
            if (kind == K_MUTEX && w >= 0 && w != MMF_WAIT_TIMEOUT)
                mmf_mutex_release(h);
            mmf_sync_close(h);
            mmf_sync *t = NULL;
            rc = mmf_sync_open(name, type, MMF_SYNC_ACCESS_ALL, &t);
            if (rc != MMF_ENOTFOUND) {
                fail("%s: open after the last close returned %d (%s)", name, rc,
                     mmf_strerror(rc));
                if (rc == 0)
                    mmf_sync_close(t);
            }
        }
    }
    return checked;
}

static void usage(void)
{
    fprintf(stderr, "usage: soak [--kills N] [--workers N] [--seed S] [--max-delay-us N] "
                    "[--verbose]\n");
    exit(2);
}

static long arg_num(int argc, char **argv, int i)
{
    if (i >= argc)
        usage();
    char *end;
    errno = 0;
    long v = strtol(argv[i], &end, 0);
    if (errno || end == argv[i] || *end || v < 0)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--worker") == 0) {
        widx = atoi(argv[2]);
        rng_state = strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull | 1;
        snprintf(tag, sizeof tag, "%s", argv[4]);
        snprintf(file_dir, sizeof file_dir, "%s", argv[5]);
        make_names();
        return worker_main();
    }

    long kills = 1000, nworkers = 4, max_delay = 100000;
    unsigned long long seed = (unsigned long long)time(NULL) ^ (unsigned long long)getpid() << 16;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--kills") == 0)
            kills = arg_num(argc, argv, ++i);
        else if (strcmp(argv[i], "--workers") == 0)
            nworkers = arg_num(argc, argv, ++i);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = (unsigned long long)arg_num(argc, argv, ++i);
        else if (strcmp(argv[i], "--max-delay-us") == 0)
            max_delay = arg_num(argc, argv, ++i);
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = 1;
        else
            usage();
    }
    if (nworkers < 1 || nworkers > MAXWORKERS || kills < 1)
        usage();
    rng_state = seed * 0x9E3779B97F4A7C15ull | 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0) {
        perror("readlink /proc/self/exe");
        return 1;
    }
    self_exe[n] = '\0';
    snprintf(tag, sizeof tag, "soak-%d", (int)getpid());
    make_names();

    /* /dev/shm before, then the private registry and file directory. */
    struct listing shm_before = { 0 }, shm_after = { 0 };
    list_dir("/dev/shm", &shm_before);
    struct statvfs vfs0, vfs1;
    int have_vfs = statvfs("/dev/shm", &vfs0) == 0;
    snprintf(reg_base, sizeof reg_base, "/dev/shm/mmf-soak.XXXXXX");
    if (!mkdtemp(reg_base)) {
        perror("mkdtemp /dev/shm/mmf-soak.XXXXXX");
        return 1;
    }
    chmod(reg_base, 0755);
    setenv("MMF_REGISTRY_DIR", reg_base, 1);
    const char *tmp = getenv("TMPDIR");
    snprintf(file_dir, sizeof file_dir, "%s/mmf-soak-files.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(file_dir)) {
        perror("mkdtemp (file sections)");
        return 1;
    }
    printf("soak: %ld kills, %ld workers, seed %llu, max delay %ld us\n", kills, nworkers,
           seed, max_delay);
    printf("soak: registry %s, files %s\n", reg_base, file_dir);

    /* The control objects, held for the whole run. */
    mmf_create_options co = { .name = ctl_name };
    mmf_section *cs = NULL;
    int rc = mmf_section_create(-1, CTL_SIZE, MMF_PAGE_READWRITE, 0, &co, &cs);
    if (rc == 0)
        rc = mmf_view_map(cs, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&ctl);
    for (int m = 0; m < NTRACK && rc == 0; m++) {
        mmf_create_options lo = { .name = lock_names[m] };
        rc = mmf_mutex_create(0, &lo, &locks[m]);
    }
    if (rc != 0) {
        printf("FAIL: cannot create the control objects: %d (%s)\n", rc, mmf_strerror(rc));
        return 1;
    }

    pid_t workers[MAXWORKERS];
    for (int w = 0; w < nworkers; w++)
        workers[w] = spawn_worker(w);
    double t0 = now_s();
    long done = 0, early = 0, sigkilled = 0;
    int last = 0; /* the worker spawned last */
    while (done < kills && failures < 20) {
        int w;
        if (rnd_below(100) < 15) {
            /* The worker just spawned, killed within half a millisecond:
             * it is in exec or in its first opens or creates. */
            w = last;
            sleep_us((long)rnd_below(500));
            early++;
        } else {
            w = (int)rnd_below((uint32_t)nworkers);
            sleep_us((long)rnd_below((uint32_t)max_delay + 1));
        }
        sigkilled += kill_worker(workers[w]);
        after_death((uint32_t)workers[w]);
        workers[w] = spawn_worker(w);
        last = w;
        done++;
        if (done % 100 == 0 || verbose)
            printf("soak: %ld kills (%.1f s, %llu worker operations)\n", done, now_s() - t0,
                   (unsigned long long)atomic_load(&ctl->ops));
    }
    for (int w = 0; w < nworkers; w++) {
        sigkilled += kill_worker(workers[w]);
        after_death((uint32_t)workers[w]);
    }
    double elapsed = now_s() - t0;

    /* Abandonment: every owner killed was reported abandoned to the next
     * acquirer, and nobody was told "signaled" over a dead owner. */
    long seen = 0, reported = 0, unattributed = 0, logged = 0;
    for (int m = 0; m < NTRACK; m++) {
        uint32_t nl = atomic_load(&ctl->nlog[m]);
        if (nl > LOGMAX) {
            fail("tracked mutex %d: the log overflowed (%u entries)", m, (unsigned)nl);
            nl = LOGMAX;
        }
        logged += nl;
        unattributed += atomic_load(&ctl->unattributed[m]);
        /* Every pid logged as a dead owner is an owner that was killed. */
        struct pidset dead = { 0 };
        for (uint32_t k = 0; k < nl; k++) {
            uint64_t e = atomic_load(&ctl->log[m][k]);
            if (e == 0)
                continue; /* the logger was killed between its two steps */
            uint32_t p = (uint32_t)(e >> 32);
            if (!pidset_has(&all_killed, p))
                fail("tracked mutex %d: pid %u logged as a dead owner, but it was never "
                     "killed (mutual exclusion broken?)", m, (unsigned)p);
            pidset_add(&dead, p);
        }
        for (size_t k = 0; k < dead.n; k++)
            pidset_add(&owners_killed[m], dead.v[k]);
        for (size_t k = 0; k < owners_killed[m].n; k++) {
            uint32_t p = owners_killed[m].v[k];
            int any = 0, bad = 0;
            for (uint32_t j = 0; j < nl; j++) {
                uint64_t e = atomic_load(&ctl->log[m][j]);
                if (e && (uint32_t)(e >> 32) == p) {
                    any = 1;
                    if (((e >> 30) & 3) != 1) {
                        bad = 1;
                        fail("tracked mutex %d: owner pid %u was killed holding it, but pid %u "
                             "was told WAIT_OBJECT_0, not WAIT_ABANDONED", m, (unsigned)p,
                             (unsigned)(e & 0x3fffffffu));
                    }
                }
            }
            seen++;
            if (!any)
                fail("tracked mutex %d: owner pid %u was killed holding it, and no acquirer "
                     "saw it", m, (unsigned)p);
            else if (!bad)
                reported++;
        }
        free(dead.v);
    }

    unsigned long long total_ops = atomic_load(&ctl->ops);
    unsigned long long tracked_acq = atomic_load(&ctl->tracked_acq);
    unsigned long long other_abandoned = atomic_load(&ctl->other_abandoned);

    /* Let go of the control objects; then every name must be free. */
    mmf_view_unmap(ctl);
    ctl = NULL;
    mmf_section_close(cs);
    for (int m = 0; m < NTRACK; m++)
        mmf_sync_close(locks[m]);
    int gc = mmf_registry_gc();
    if (gc < 0)
        fail("mmf_registry_gc: %d (%s)", gc, mmf_strerror(gc));

    char dir[PATH_MAX + 32];
    long long bytes = 0;
    int dotfiles = 0, leftovers = 0;
    snprintf(dir, sizeof dir, "%s/mmf-%u", reg_base, (unsigned)geteuid());
    leftovers += registry_leftovers(dir, &bytes, &dotfiles);
    snprintf(dir, sizeof dir, "%s/mmf-global", reg_base);
    leftovers += registry_leftovers(dir, &bytes, &dotfiles);
    /* Anything else directly in the base (the library makes only the two
     * namespace directories). */
    {
        struct listing l = { 0 };
        char local[64];
        snprintf(local, sizeof local, "mmf-%u", (unsigned)geteuid());
        list_dir(reg_base, &l);
        for (int i = 0; i < l.n; i++)
            if (strcmp(l.name[i], local) && strcmp(l.name[i], "mmf-global")) {
                printf("  leftover %s/%s\n", reg_base, l.name[i]);
                leftovers++;
            }
        free(l.name);
    }
    if (leftovers)
        fail("%d registry entries survived every holder", leftovers);
    if (bytes)
        fail("%lld bytes still allocated by registry entries", bytes);

    int checked = check_names_fresh();
    /* The fresh objects are gone again. */
    long long bytes2 = 0;
    int dot2 = 0, left2 = 0;
    snprintf(dir, sizeof dir, "%s/mmf-%u", reg_base, (unsigned)geteuid());
    left2 += registry_leftovers(dir, &bytes2, &dot2);
    snprintf(dir, sizeof dir, "%s/mmf-global", reg_base);
    left2 += registry_leftovers(dir, &bytes2, &dot2);
    if (left2)
        fail("%d entries left by the fresh creates", left2);

    /* Remove the private directories; then /dev/shm must hold nothing new
     * of ours.  Other programs may use /dev/shm meanwhile: the private
     * registries of the test suite (mmf-t.PID.*) of other processes are not
     * ours and are left out. */
    int rm_bad = rm_tree(reg_base);
    rm_bad |= rm_tree(file_dir);
    if (rm_bad)
        fail("could not remove %s or %s", reg_base, file_dir);
    list_dir("/dev/shm", &shm_after);
    int stray = 0;
    for (int i = 0; i < shm_after.n; i++) {
        const char *e = shm_after.name[i];
        if (listed(&shm_before, e))
            continue;
        int pid;
        if (sscanf(e, "mmf-t.%d.", &pid) == 1 && pid != (int)getpid())
            continue;
        printf("  new in /dev/shm: %s\n", e);
        stray++;
    }
    /* Names of this run in the real registry directories would mean the
     * private registry was not used. */
    for (int i = 0; i < shm_after.n; i++) {
        if (strncmp(shm_after.name[i], "mmf-", 4) != 0)
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "/dev/shm/%s", shm_after.name[i]);
        struct listing l = { 0 };
        list_dir(p, &l);
        for (int k = 0; k < l.n; k++)
            if (strstr(l.name[k], tag)) {
                printf("  in the real registry: %s/%s\n", p, l.name[k]);
                stray++;
            }
        free(l.name);
    }
    if (stray)
        fail("%d new entries in /dev/shm", stray);
    long long shm_delta = 0;
    if (have_vfs && statvfs("/dev/shm", &vfs1) == 0)
        shm_delta = ((long long)vfs0.f_bfree - (long long)vfs1.f_bfree) * (long long)vfs0.f_frsize;

    if (seen != reported)
        fail("abandoned mutexes: %ld seen, only %ld reported abandoned", seen, reported);
    if (sigkilled != done + nworkers)
        fail("%ld of %ld workers died of their SIGKILL", sigkilled, done + nworkers);

    printf("\nsoak summary (%.1f s, seed %llu)\n", elapsed, seed);
    printf("  kills:               %ld (%ld right after spawn), %ld died of SIGKILL\n", done,
           early, sigkilled);
    printf("  worker operations:   %llu (%llu acquisitions of the tracked mutexes)\n",
           total_ops, tracked_acq);
    printf("  abandoned mutexes:   %ld seen, %ld reported abandoned\n", seen, reported);
    printf("                       (%ld supervisor checks, %ld of them abandoned; %ld log "
           "entries; %ld abandoned in the unrecorded instants; %llu on untracked mutexes)\n",
           supervisor_checks, supervisor_abandoned, logged, unattributed, other_abandoned);
    printf("  registry_gc:         removed %d\n", gc);
    printf("  names checked:       %d: not found, then created afresh "
           "(new, zero-filled, gone after close)\n", checked);
    printf("  leftovers:           %d registry entries, %lld bytes, %d in /dev/shm "
           "(/dev/shm usage %+lld bytes, others included)\n",
           leftovers + left2, bytes + bytes2, stray, shm_delta);
    printf("  result:              %s\n", failures ? "FAIL" : "PASS");
    free(shm_before.name);
    free(shm_after.name);
    free(all_killed.v);
    for (int m = 0; m < NTRACK; m++)
        free(owners_killed[m].v);
    return failures ? 1 : 0;
}
