/*
 * test_named_file_race.c — a named file section is findable by name only
 * once its file has its full size: an opener in another process that maps
 * and touches the last page the moment the name appears must never die of
 * SIGBUS (the file used to be grown after the name was published).
 */
#include "helpers.h"

TestSuite(named_file_race, .fini = test_cleanup, .timeout = 120);

#define PAGES 16

static void opener(void *arg)
{
    const char *name = arg;
    uint64_t pg = page_size();
    for (;;) { /* until killed */
        mmf_section *s;
        if (mmf_section_open(name, MMF_ACCESS_READ, &s) != 0)
            continue;
        char *v;
        if (mmf_view_map(s, MMF_PAGE_READONLY, 0, 0, NULL, (void **)&v) == 0) {
            (void)*(volatile char *)(v + PAGES * pg - 1); /* the last page */
            mmf_view_unmap(v);
        }
        mmf_section_close(s);
    }
}

Test(named_file_race, openers_never_see_a_short_file)
{
    registry_private(0755);
    const char *name = "Local\\fr";
    uint64_t pg = page_size();
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        opener((void *)name);
    }
    char path[PATH_MAX];
    for (int i = 0; i < 400; i++) {
        /* a fresh, empty file every time: the create must grow it (the
         * opener may still hold the last one's name: then it exists) */
        char file[32];
        snprintf(file, sizeof file, "race%d", i);
        int fd = tmp_file(file, 0, path);
        mmf_create_options o = { .name = name };
        mmf_section *s;
        int rc = mmf_section_create(fd, PAGES * pg, MMF_PAGE_READWRITE, 0, &o, &s);
        cr_assert(rc == 0 || rc == MMF_EXISTED, "create %d: %d (%s)", i, rc, mmf_strerror(rc));
        close(fd);
        assert_rc(mmf_section_close(s), 0);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            cr_assert_fail("the opener died (status %#x%s)", st,
                           killed_by(st, SIGBUS) ? ": SIGBUS on a short file" : "");
    }
    kill(pid, SIGKILL);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(killed_by(st, SIGKILL), "the opener died of something else: %#x", st);
}
