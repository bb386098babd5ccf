/*
 * bench_sync.c — the synchronization objects of mmf against the plain
 * Linux primitives, measured side by side in one run (issue 4, Figures):
 *
 *   1. uncontended mutex: mmf_wait(m, MMF_INFINITE) + mmf_mutex_release(m)
 *      vs pthread_mutex_lock + unlock of a robust, process-shared mutex
 *      (PTHREAD_MUTEX_ROBUST, PTHREAD_PROCESS_SHARED) in a MAP_SHARED
 *      page                                                   (target <= 1.5)
 *      and a check that the loop makes no system call: 1,000,000 iterations
 *      with this thread's user and system CPU time (getrusage) around them;
 *      a syscall-free loop spends (almost) no system time.  (An exact
 *      count, by hand: `strace -f -c build/bench/bench_sync` and look at
 *      the calls per iteration; the benchmark does not run strace.)
 *   2. uncontended semaphore: mmf_semaphore_release(s, 1, NULL)
 *      + mmf_wait(s, MMF_INFINITE) vs sem_post + sem_wait of a
 *      process-shared sem_t in a MAP_SHARED page              (target <= 1.5)
 *   3. cross-process round trip over two auto-reset events: the parent
 *      sets A, a forked child waits for A and sets B, the parent waits for
 *      B.  The events are unnamed and made before the fork: their state
 *      is in shared memory, so the child's inherited handles are the same
 *      objects.  Against
 *        a. the same over two process-shared POSIX semaphores in a
 *           MAP_SHARED page                                   (target <= 1.2)
 *        b. a pipe round trip (two pipes, one byte each way): mmf must be
 *           at least 2x faster, i.e. ratio <= 0.5              (target <= 0.5)
 *      Each child serves round trips until told to stop, so the rounds of
 *      both sides interleave as for the other figures; a waiting child
 *      sleeps in the kernel and costs the other side nothing.
 *      Placement is pinned, because it decides the figure: left to the
 *      scheduler, one pair of processes may share a CPU (a round trip is
 *      then two context switches) while the other pair spans two (a round
 *      trip is then two cross-CPU wake-ups, far slower in a VM), and the
 *      ratio measures the scheduler.  Both placements are measured, each
 *      with the targets: the parent on the first CPU of its
 *      affinity mask and the children on the second ("2 CPUs"; skipped
 *      when only one is allowed), then everyone on the first ("1 CPU").
 *
 * Method: each figure is the median over BENCH_ROUNDS rounds; a round runs
 * a calibrated number of iterations (about BENCH_ROUND_NS long), the same
 * number for both sides, and the two sides' rounds alternate, the first
 * side changing every round (bench.h).  The table goes to stdout and to
 * build/bench/bench_sync.csv (or the path given as the first argument).
 *
 * A missed target prints MISSED and the run still exits 0; a failing call
 * exits 1 (in the parent or a child: a child that dies unexpectedly takes
 * the run down with it, and the children die with the parent).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmf.h"

#define BENCH_NAME      "bench_sync"
#define BENCH_ITERS_MAX 4000000L
#include "bench.h"

#define SYSCALL_CHECK_ITERS 1000000L
#define SYSCALL_MAX_SHARE   0.05  /* system share of CPU time of a clean loop */

#define CSV_DEFAULT     "build/bench/bench_sync.csv"

/* ------------------------------------------------------------------ */
/* Shared memory and children                                          */
/* ------------------------------------------------------------------ */

/* The page the bare primitives (and the children's stop flags) live in. */
struct shared {
    pthread_mutex_t  mutex;        /* 1 */
    sem_t            sem;          /* 2 */
    sem_t            ping, pong;   /* 3a */
    volatile int     stop_mmf;     /* 3: set before the last ping */
    volatile int     stop_sem;
};

static struct shared *shm;

/* The children serving round trips (0: none). */
enum { CHILD_MMF, CHILD_SEM, CHILD_PIPE, NCHILDREN };
static volatile pid_t children[NCHILDREN];
static volatile sig_atomic_t stopping; /* a child exit is expected */

static void kill_children(void)
{
    stopping = 1; /* these exits are ours */
    for (int i = 0; i < NCHILDREN; i++)
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
}

/* Pins process `pid` (0: this one) to `cpu`. */
static void pin(pid_t pid, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(pid, sizeof set, &set) != 0)
        fail_sys("sched_setaffinity");
}

static void pin_children(int cpu)
{
    for (int i = 0; i < NCHILDREN; i++)
        if (children[i] > 0)
            pin(children[i], cpu);
}

/* A child that exits while the parent waits for its answer would leave the
 * parent asleep for good: end the run instead. */
static void on_sigchld(int sig)
{
    (void)sig;
    if (stopping)
        return;
    static const char msg[] = BENCH_NAME ": a round-trip child exited "
                                         "unexpectedly\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    for (int i = 0; i < NCHILDREN; i++)
        if (children[i] > 0)
            kill(children[i], SIGKILL);
    _exit(1);
}

/* Forks a child that runs `serve` and exits 0 when it returns.  The child
 * dies with the parent. */
static pid_t spawn(void (*serve)(void *), void *arg)
{
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        fail_sys("fork");
    if (pid > 0)
        return pid;
    bench_on_failure = NULL; /* the parent's children are not ours */
    signal(SIGCHLD, SIG_DFL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail_sys("prctl(PR_SET_PDEATHSIG) (child)");
    if (getppid() != parent) /* the parent died before the prctl */
        _exit(1);
    serve(arg);
    _exit(0);
}

/* Tells a child to stop with `poke` and checks that it exited 0. */
static void stop_child(int which, void (*poke)(void))
{
    stopping = 1;
    poke();
    int status;
    pid_t pid = children[which];
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            fail_sys("waitpid");
    children[which] = 0;
    stopping = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, BENCH_NAME ": round-trip child %ld ended badly "
                "(status 0x%x)\n", (long)pid, status);
        bench_exit_failed();
    }
}

/* ------------------------------------------------------------------ */
/* Checked calls                                                       */
/* ------------------------------------------------------------------ */

/* mmf_wait must acquire: an error fails, and so does any other result. */
static inline void wait_acquired(mmf_sync *h, const char *what)
{
    int rc = mmf_wait(h, MMF_INFINITE);
    if (rc == MMF_WAIT_OBJECT_0)
        return;
    if (rc < 0)
        fail_mmf(what, rc);
    fprintf(stderr, BENCH_NAME ": %s returned %d, not MMF_WAIT_OBJECT_0\n",
            what, rc);
    bench_exit_failed();
}

static _Noreturn void fail_pthread(const char *call, int rc)
{
    errno = rc;
    fail_sys(call);
}

static inline void sem_wait_checked(sem_t *s, const char *what)
{
    while (sem_wait(s) != 0)
        if (errno != EINTR)
            fail_sys(what);
}

static inline void sem_post_checked(sem_t *s, const char *what)
{
    if (sem_post(s) != 0)
        fail_sys(what);
}

/* ------------------------------------------------------------------ */
/* 1. Uncontended mutex                                                */
/* ------------------------------------------------------------------ */

static void op_mmf_mutex(void *arg, long n)
{
    mmf_sync *m = arg;
    for (long i = 0; i < n; i++) {
        wait_acquired(m, "mmf_wait (mutex)");
        int rc = mmf_mutex_release(m);
        if (rc != 0)
            fail_mmf("mmf_mutex_release", rc);
    }
}

static void op_pthread_mutex(void *arg, long n)
{
    pthread_mutex_t *m = arg;
    for (long i = 0; i < n; i++) {
        int rc = pthread_mutex_lock(m);
        if (rc != 0)
            fail_pthread("pthread_mutex_lock (robust, shared)", rc);
        rc = pthread_mutex_unlock(m);
        if (rc != 0)
            fail_pthread("pthread_mutex_unlock", rc);
    }
}

static void init_robust_mutex(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    int rc = pthread_mutexattr_init(&a);
    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0)
        rc = pthread_mutex_init(m, &a);
    if (rc != 0)
        fail_pthread("pthread_mutex_init (robust, process-shared)", rc);
    pthread_mutexattr_destroy(&a);
}

/* CPU time of this thread over `n` iterations of `op`. */
struct cpu_use {
    double user_ms, sys_ms;
    long   csw; /* voluntary + involuntary context switches */
};

static double tv_ms(struct timeval tv)
{
    return 1e3 * (double)tv.tv_sec + (double)tv.tv_usec / 1e3;
}

static struct cpu_use cpu_of(op_fn op, void *arg, long n)
{
    struct rusage a, b;
    if (getrusage(RUSAGE_THREAD, &a) != 0)
        fail_sys("getrusage");
    op(arg, n);
    if (getrusage(RUSAGE_THREAD, &b) != 0)
        fail_sys("getrusage");
    return (struct cpu_use){
        .user_ms = tv_ms(b.ru_utime) - tv_ms(a.ru_utime),
        .sys_ms = tv_ms(b.ru_stime) - tv_ms(a.ru_stime),
        .csw = (b.ru_nvcsw - a.ru_nvcsw) + (b.ru_nivcsw - a.ru_nivcsw),
    };
}

static double sys_share(struct cpu_use u)
{
    double total = u.user_ms + u.sys_ms;
    return total > 0 ? u.sys_ms / total : 0;
}

/* ------------------------------------------------------------------ */
/* 2. Uncontended semaphore                                            */
/* ------------------------------------------------------------------ */

static void op_mmf_sem(void *arg, long n)
{
    mmf_sync *s = arg;
    for (long i = 0; i < n; i++) {
        int rc = mmf_semaphore_release(s, 1, NULL);
        if (rc != 0)
            fail_mmf("mmf_semaphore_release", rc);
        wait_acquired(s, "mmf_wait (semaphore)");
    }
}

static void op_posix_sem(void *arg, long n)
{
    sem_t *s = arg;
    for (long i = 0; i < n; i++) {
        sem_post_checked(s, "sem_post");
        sem_wait_checked(s, "sem_wait");
    }
}

/* ------------------------------------------------------------------ */
/* 3. Cross-process round trips                                        */
/* ------------------------------------------------------------------ */

static mmf_sync *ev_a, *ev_b;       /* parent -> child, child -> parent */
static int p2c[2] = { -1, -1 }, c2p[2] = { -1, -1 };

/* mmf: two auto-reset events */
static void serve_mmf(void *arg)
{
    (void)arg;
    for (;;) {
        wait_acquired(ev_a, "mmf_wait (event A, child)");
        if (shm->stop_mmf)
            return;
        int rc = mmf_event_set(ev_b);
        if (rc != 0)
            fail_mmf("mmf_event_set (event B, child)", rc);
    }
}

static void op_mmf_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        int rc = mmf_event_set(ev_a);
        if (rc != 0)
            fail_mmf("mmf_event_set (event A)", rc);
        wait_acquired(ev_b, "mmf_wait (event B)");
    }
}

static void poke_mmf(void)
{
    shm->stop_mmf = 1;
    int rc = mmf_event_set(ev_a);
    if (rc != 0)
        fail_mmf("mmf_event_set (stop)", rc);
}

/* POSIX: two process-shared semaphores */
static void serve_sem(void *arg)
{
    (void)arg;
    for (;;) {
        sem_wait_checked(&shm->ping, "sem_wait (ping, child)");
        if (shm->stop_sem)
            return;
        sem_post_checked(&shm->pong, "sem_post (pong, child)");
    }
}

static void op_sem_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        sem_post_checked(&shm->ping, "sem_post (ping)");
        sem_wait_checked(&shm->pong, "sem_wait (pong)");
    }
}

static void poke_sem(void)
{
    shm->stop_sem = 1;
    sem_post_checked(&shm->ping, "sem_post (stop)");
}

/* Pipes: one byte each way; 'q' (or end of file) stops the child. */
static void read_byte(int fd, char *c, const char *what)
{
    for (;;) {
        ssize_t r = read(fd, c, 1);
        if (r == 1)
            return;
        if (r == 0) {
            *c = 'q';
            return;
        }
        if (errno != EINTR)
            fail_sys(what);
    }
}

static void write_byte(int fd, char c, const char *what)
{
    for (;;) {
        ssize_t w = write(fd, &c, 1);
        if (w == 1)
            return;
        if (w >= 0)
            errno = EIO;
        if (errno != EINTR)
            fail_sys(what);
    }
}

static void serve_pipe(void *arg)
{
    (void)arg;
    close(p2c[1]);
    close(c2p[0]);
    for (;;) {
        char c;
        read_byte(p2c[0], &c, "read (pipe, child)");
        if (c == 'q')
            return;
        write_byte(c2p[1], c, "write (pipe, child)");
    }
}

static void op_pipe_round_trip(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        char c;
        write_byte(p2c[1], 'x', "write (pipe)");
        read_byte(c2p[0], &c, "read (pipe)");
        if (c != 'x') {
            fprintf(stderr, BENCH_NAME ": the pipe child answered '%c'\n", c);
            bench_exit_failed();
        }
    }
}

static void poke_pipe(void)
{
    write_byte(p2c[1], 'q', "write (pipe, stop)");
}

static void init_shared_sem(sem_t *s, unsigned value, const char *what)
{
    if (sem_init(s, 1, value) != 0)
        fail_sys(what);
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */

static const char *const cpu_keys[] = { "model name", "Model", "Hardware",
                                        "cpu model", "cpu" };

int main(int argc, char **argv)
{
    const char *csv = argc > 1 ? argv[1] : CSV_DEFAULT;
    double began = clock_ns();
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    bench_on_failure = kill_children;

    print_machine(cpu_keys, sizeof cpu_keys / sizeof *cpu_keys);
    printf("config: %d rounds per figure (median), ~%.0f ms per round; "
           "syscall check %ld iterations\n", BENCH_ROUNDS,
           BENCH_ROUND_NS / 1e6, SYSCALL_CHECK_ITERS);

    void *page = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        fail_sys("mmap (shared page)");
    shm = page;

    /* ---- 1. uncontended mutex ---- */
    mmf_sync *mutex = NULL;
    rc = mmf_mutex_create(0, NULL, &mutex);
    if (rc != 0)
        fail_mmf("mmf_mutex_create", rc);
    init_robust_mutex(&shm->mutex);
    double m1, b1;
    run_pair(op_mmf_mutex, mutex, op_pthread_mutex, &shm->mutex, &m1, &b1);
    add_row("mutex acquire+release (uncontended)", m1, b1, 1.5);

    struct cpu_use mcpu = cpu_of(op_mmf_mutex, mutex, SYSCALL_CHECK_ITERS);
    struct cpu_use bcpu = cpu_of(op_pthread_mutex, &shm->mutex,
                                 SYSCALL_CHECK_ITERS);
    rc = mmf_sync_close(mutex);
    if (rc != 0)
        fail_mmf("mmf_sync_close (mutex)", rc);

    /* ---- 2. uncontended semaphore ---- */
    mmf_sync *sem = NULL;
    rc = mmf_semaphore_create(0, 0x7FFFFFFFu, NULL, &sem);
    if (rc != 0)
        fail_mmf("mmf_semaphore_create", rc);
    init_shared_sem(&shm->sem, 0, "sem_init (process-shared)");
    double m2, b2;
    run_pair(op_mmf_sem, sem, op_posix_sem, &shm->sem, &m2, &b2);
    add_row("semaphore release+wait (uncontended)", m2, b2, 1.5);
    struct cpu_use scpu = cpu_of(op_mmf_sem, sem, SYSCALL_CHECK_ITERS);
    rc = mmf_sync_close(sem);
    if (rc != 0)
        fail_mmf("mmf_sync_close (semaphore)", rc);

    /* ---- 3. cross-process round trips ---- */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) != 0)
        fail_sys("sigaction (SIGCHLD)");

    rc = mmf_event_create(0, 0, NULL, &ev_a);
    if (rc != 0)
        fail_mmf("mmf_event_create (auto-reset, A)", rc);
    rc = mmf_event_create(0, 0, NULL, &ev_b);
    if (rc != 0)
        fail_mmf("mmf_event_create (auto-reset, B)", rc);
    init_shared_sem(&shm->ping, 0, "sem_init (ping, process-shared)");
    init_shared_sem(&shm->pong, 0, "sem_init (pong, process-shared)");
    if (pipe(p2c) != 0 || pipe(c2p) != 0)
        fail_sys("pipe");

    /* The first two CPUs this process may use. */
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        fail_sys("sched_getaffinity");
    int cpu[2] = { -1, -1 }, ncpu = 0;
    for (int c = 0; c < CPU_SETSIZE && ncpu < 2; c++)
        if (CPU_ISSET(c, &allowed))
            cpu[ncpu++] = c;
    pin(0, cpu[0]); /* the children inherit it */

    children[CHILD_PIPE] = spawn(serve_pipe, NULL);
    children[CHILD_SEM] = spawn(serve_sem, NULL);
    children[CHILD_MMF] = spawn(serve_mmf, NULL);

    /* round trips per placement: [0] 2 CPUs, [1] 1 CPU; m mmf, s sems,
     * p pipes, and mmf measured a second time against the pipes */
    double rt_m[2] = { 0, 0 }, rt_s[2] = { 0, 0 };
    double rt_m2[2] = { 0, 0 }, rt_p[2] = { 0, 0 };
    for (int one = ncpu < 2; one < 2; one++) {
        pin_children(cpu[one ? 0 : 1]);
        const char *where = one ? "1 CPU" : "2 CPUs";
        char what[64];
        run_pair(op_mmf_round_trip, NULL, op_sem_round_trip, NULL,
                 &rt_m[one], &rt_s[one]);
        snprintf(what, sizeof what, "event round trip (%s) vs 2 POSIX sems",
                 where);
        add_row(what, rt_m[one], rt_s[one], 1.2);
        run_pair(op_mmf_round_trip, NULL, op_pipe_round_trip, NULL,
                 &rt_m2[one], &rt_p[one]);
        snprintf(what, sizeof what, "event round trip (%s) vs 2 pipes",
                 where);
        add_row(what, rt_m2[one], rt_p[one], 0.5);
    }

    stop_child(CHILD_MMF, poke_mmf);
    stop_child(CHILD_SEM, poke_sem);
    stop_child(CHILD_PIPE, poke_pipe);
    signal(SIGCHLD, SIG_DFL);
    if (sched_setaffinity(0, sizeof allowed, &allowed) != 0)
        fail_sys("sched_setaffinity (restore)");

    if ((rc = mmf_sync_close(ev_a)) != 0 || (rc = mmf_sync_close(ev_b)) != 0)
        fail_mmf("mmf_sync_close (event)", rc);
    close(p2c[0]);
    close(p2c[1]);
    close(c2p[0]);
    close(c2p[1]);
    sem_destroy(&shm->sem);
    sem_destroy(&shm->ping);
    sem_destroy(&shm->pong);
    pthread_mutex_destroy(&shm->mutex);
    munmap(page, sizeof *shm);

    /* ---- report ---- */
    print_rows(48, 90);
    printf("\nrow 1: bare = pthread_mutex_lock+unlock, PTHREAD_MUTEX_ROBUST + "
           "PTHREAD_PROCESS_SHARED, in a MAP_SHARED page\n");
    printf("row 2: bare = sem_post+sem_wait, sem_init(pshared=1) in a "
           "MAP_SHARED page\n");
    printf("round trips: ns per round trip (set A; the child waits for A "
           "and sets B; wait for B), parent on CPU %d,\n"
           "  children on CPU %d (\"2 CPUs\") or %d (\"1 CPU\"); "
           "the pipe rows' target 0.5 means mmf >= 2x faster\n",
           cpu[0], cpu[1], cpu[0]);
    if (ncpu < 2)
        printf("  only one CPU allowed: the 2-CPU placement is skipped\n");
    for (int one = ncpu < 2; one < 2; one++)
        printf("  %-6s: mmf %.2fx POSIX sems; speedup over pipes %.2fx "
               "(target >= 2) %s; for scale, POSIX sems over pipes "
               "%.2fx\n", one ? "1 CPU" : "2 CPUs", rt_m[one] / rt_s[one],
               rt_p[one] / rt_m2[one],
               rt_p[one] / rt_m2[one] >= 2.0 ? "ok" : "MISSED",
               rt_p[one] / rt_s[one]);

    printf("\nsyscall check, %ld iterations each (this thread's CPU time, "
           "getrusage):\n", SYSCALL_CHECK_ITERS);
    printf("  mmf mutex acquire+release:  user %7.1f ms, system %7.1f ms "
           "(%4.1f%%), %ld context switches\n", mcpu.user_ms, mcpu.sys_ms,
           100 * sys_share(mcpu), mcpu.csw);
    printf("  pthread robust mutex:       user %7.1f ms, system %7.1f ms "
           "(%4.1f%%), %ld context switches\n", bcpu.user_ms, bcpu.sys_ms,
           100 * sys_share(bcpu), bcpu.csw);
    printf("  mmf semaphore release+wait: user %7.1f ms, system %7.1f ms "
           "(%4.1f%%), %ld context switches\n", scpu.user_ms, scpu.sys_ms,
           100 * sys_share(scpu), scpu.csw);
    int clean = sys_share(mcpu) <= SYSCALL_MAX_SHARE;
    printf("  uncontended mmf mutex makes no system call (system time <= "
           "%.0f%% of CPU time): %s\n", 100 * SYSCALL_MAX_SHARE,
           clean ? "ok" : "MISSED");
    if (!clean)
        printf("  (about %.0f ns of system time per iteration: check with "
               "`strace -f -c build/bench/bench_sync`)\n",
               mcpu.sys_ms * 1e6 / (double)SYSCALL_CHECK_ITERS);

    finish_run(csv, began);
    return 0;
}
