/*
 * stress-child.c — a process of the stress test (tests/test_stress.c).
 *
 *   stress-child TAG FILE SECONDS THREADS PROC_ID SEED
 *
 * Runs THREADS threads of tests/child/stress_work.h on the names of run TAG
 * (FILE backs the file section) for SECONDS, then prints its report on
 * stdout: a "fail: ..." line per failure described, then "done FAILURES
 * OPS".  Exits 0 when nothing failed, 1 otherwise, 2 on bad usage.  An
 * alarm turns a hang into death by SIGALRM, which the test reports.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "stress_work.h"

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: stress-child TAG FILE SECONDS THREADS PROC_ID SEED\n");
        return 2;
    }
    /* Die with the test process (a failed test must not leave us behind). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    double seconds = atof(argv[3]);
    int nthreads = atoi(argv[4]);
    if (seconds <= 0 || seconds > 60 || nthreads < 1 || nthreads > SW_MAXTHREADS) {
        fprintf(stderr, "stress-child: bad seconds or thread count\n");
        return 2;
    }
    alarm((unsigned)seconds + 30); /* the watchdog: SIGALRM kills us */
    static struct sw_ctx c;
    sw_init(&c, argv[1], argv[2], atoi(argv[5]), nthreads, seconds,
            strtoull(argv[6], NULL, 10));
    int failures = sw_run(&c);
    sw_report(&c, stdout);
    return failures ? 1 : 0;
}
