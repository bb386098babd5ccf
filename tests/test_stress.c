/*
 * test_stress.c — 16 threads and 4 processes of 4 threads each creating,
 * opening, mapping, protecting, flushing, unmapping and closing the same
 * names (sections, a mutex, an event, a semaphore) for a bounded time.
 * Every call's result is checked against the documented set of results
 * (tests/child/stress_work.h); afterwards no process failed, crashed or
 * hung (each child has an alarm; the test a Criterion timeout), no name
 * survives (the private registry holds no object), and no descriptor or
 * view leaked in the test process.
 *
 * The processes are real ones: tests/child/stress-child.c started with
 * posix_spawn, found next to $MMF_TEST_CHILD (or the test binary).  If it
 * was not built, the children are plain forks running the same code.
 */
#include "helpers.h"

#include <poll.h>
#include <time.h>

#include "child/stress_work.h"

#define STRESS_SECONDS  3.0
#define STRESS_THREADS  16 /* in the test process */
#define STRESS_PROCS    4
#define STRESS_PTHREADS 4  /* in each child */

TestSuite(stress, .fini = test_cleanup, .timeout = 90);

/* The stress-child program, or NULL when it was not built. */
static const char *stress_child_path(char *buf)
{
    return sibling_child("stress-child", buf);
}

struct stress_proc {
    pid_t pid;
    FILE *out;
};

/* Starts child @id: stress-child by posix_spawn, or a fork running the
 * same work. */
static void stress_start(struct stress_proc *p, const char *prog, const char *tag,
                         const char *file, int id, unsigned seed)
{
    char secs[32], threads[16], sid[16], sseed[32];
    snprintf(secs, sizeof secs, "%.1f", STRESS_SECONDS);
    snprintf(threads, sizeof threads, "%d", STRESS_PTHREADS);
    snprintf(sid, sizeof sid, "%d", id);
    snprintf(sseed, sizeof sseed, "%u", seed);
    if (prog) {
        struct child c;
        const char *const lead[] = { prog, NULL };
        const char *const args[] = { tag, file, secs, threads, sid, sseed, NULL };
        child_spawn_cmd(&c, lead, args, NULL, 0);
        close(c.in);
        p->pid = c.pid;
        p->out = c.out;
        return;
    }
    int fds[2];
    cr_assert_eq(pipe2(fds, O_CLOEXEC), 0, "pipe2: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        alarm((unsigned)STRESS_SECONDS + 30);
        static struct sw_ctx c;
        sw_init(&c, tag, file, id, STRESS_PTHREADS, STRESS_SECONDS, seed);
        int failures = sw_run(&c);
        FILE *out = fdopen(fds[1], "w");
        if (out)
            sw_report(&c, out);
        _exit(failures ? 1 : 0);
    }
    close(fds[1]);
    p->pid = pid;
    p->out = fdopen(fds[0], "r");
    cr_assert_not_null(p->out);
}

/* Reads child @id's report (waiting at most @until, CLOCK_MONOTONIC
 * seconds), reaps it, and asserts that it ran cleanly; returns its
 * operation count. */
static long stress_finish(struct stress_proc *p, int id, double until)
{
    char line[512], fails[4][512];
    int nfails = 0, failures = -1;
    long ops = 0;
    int fd = fileno(p->out);
    for (;;) {
        double left = until - sw_now();
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = left > 0 ? poll(&pfd, 1, (int)(left * 1000) + 1) : 0;
        if (r == 0) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, NULL, 0);
            cr_assert_fail("child %d (pid %d) hung: no report %.0f s after its deadline", id,
                           (int)p->pid, STRESS_SECONDS + 30);
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (!fgets(line, sizeof line, p->out))
            break;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "fail: ", 6) == 0 && nfails < 4)
            snprintf(fails[nfails++], sizeof fails[0], "%s", line + 6);
        else
            sscanf(line, "done %d %ld", &failures, &ops);
    }
    fclose(p->out);
    int st;
    cr_assert_eq(waitpid(p->pid, &st, 0), p->pid, "waitpid: %s", strerror(errno));
    cr_assert(!killed_by(st, SIGALRM), "child %d hung: its watchdog alarm killed it", id);
    cr_assert(!WIFSIGNALED(st), "child %d died of signal %d", id, WTERMSIG(st));
    cr_assert_neq(failures, -1, "child %d gave no report (status %#x)", id, st);
    cr_assert_eq(failures, 0, "child %d: %d failed calls, e.g.\n  %s%s%s", id, failures,
                 nfails ? fails[0] : "(none described)", nfails > 1 ? "\n  " : "",
                 nfails > 1 ? fails[1] : "");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status %#x", id, st);
    cr_assert_gt(ops, 0, "child %d did nothing", id);
    return ops;
}

Test(stress, threads_and_processes_on_the_same_names)
{
    registry_private(0755);
    char tag[64], file[PATH_MAX], progbuf[PATH_MAX];
    snprintf(tag, sizeof tag, "mmf-stress-%d", (int)getpid());
    tmp_path("stress-file", file);
    const char *prog = stress_child_path(progbuf);
    if (!prog)
        cr_log_warn("stress-child was not built: the children are plain forks");

    /* The process's first registry uses (directory descriptors, census)
     * happen before the descriptors are counted. */
    static struct sw_ctx c;
    sw_init(&c, tag, file, STRESS_PROCS, STRESS_THREADS, STRESS_SECONDS, 0);
    mmf_create_options o = { .name = c.names[0] };
    mmf_section *s;
    assert_rc(mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &s), 0);
    assert_rc(mmf_section_close(s), 0);
    o.name = c.event; /* Global */
    mmf_sync *e;
    assert_rc(mmf_event_create(1, 0, &o, &e), 0);
    assert_rc(mmf_sync_close(e), 0);
    int fds_before = count_fds();
    size_t views_before = mmf_view_count();

    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    struct stress_proc procs[STRESS_PROCS];
    for (int i = 0; i < STRESS_PROCS; i++)
        stress_start(&procs[i], prog, tag, file, i, seed + (unsigned)i * 7919u);

    sw_init(&c, tag, file, STRESS_PROCS, STRESS_THREADS, STRESS_SECONDS,
            (uint64_t)seed * 31u + 1);
    double t0 = sw_now();
    int failures = sw_run(&c);
    double took = sw_now() - t0;
    int nmsg = atomic_load(&c.nmsg);
    cr_assert_eq(failures, 0, "seed %u: %d failed calls in the test process, e.g.\n  %s%s%s",
                 seed, failures, nmsg ? c.msg[0] : "", nmsg > 1 ? "\n  " : "",
                 nmsg > 1 ? c.msg[1] : "");
    cr_assert_lt(took, STRESS_SECONDS + 10, "the threads took %.1f s to stop", took);

    long ops = atomic_load(&c.ops);
    for (int i = 0; i < STRESS_PROCS; i++)
        ops += stress_finish(&procs[i], i, t0 + STRESS_SECONDS + 30);
    cr_log_info("stress: %ld operations in %.1f s (seed %u)", ops, took, seed);

    /* Nothing survives: every handle everywhere is closed. */
    assert_registry_empty();
    o.name = c.names[0];
    assert_rc(mmf_section_create(-1, page_size(), MMF_PAGE_READWRITE, 0, &o, &s), 0);
    assert_rc(mmf_section_close(s), 0);
    assert_registry_empty();
    cr_assert_eq(mmf_view_count(), views_before, "%zu views left, %zu before",
                 mmf_view_count(), views_before);
    int fds_after = count_fds();
    cr_assert_eq(fds_after, fds_before, "%d descriptors open after the run, %d before",
                 fds_after, fds_before);
}
