/*
 * child_args.h — what the test children share: argument parsing, a small
 * stack of handles, and a descriptor count.  Define CHILD_NAME (for messages) and
 * CHILD_HANDLE_T (the handle type) before including it.
 */
#ifndef MMF_CHILD_ARGS_H
#define MMF_CHILD_ARGS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_HANDLES 16

static CHILD_HANDLE_T *handles[MAX_HANDLES];
static int nhandles;

__attribute__((noreturn))
static void usage(const char *why, const char *arg)
{
    fprintf(stderr, CHILD_NAME ": %s%s%s\n", why, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static long long num(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || end == s || *end)
        usage("not a number", s);
    return v;
}

static const char *arg(char **argv, int argc, int i)
{
    if (i >= argc)
        usage("missing argument after", argv[argc - 1]);
    return argv[i];
}

static void push(CHILD_HANDLE_T *s)
{
    if (nhandles == MAX_HANDLES)
        usage("too many handles", NULL);
    handles[nhandles++] = s;
}

static CHILD_HANDLE_T *top(void)
{
    return nhandles ? handles[nhandles - 1] : NULL;
}

/* Counts the open descriptors (all, or only those an exec would keep),
 * leaving out the one that reads the directory. */
static int count_fds(int only_inheritable)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -errno;
    int self = dirfd(d), n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd == self)
            continue;
        if (only_inheritable) {
            int fl = fcntl(fd, F_GETFD);
            if (fl < 0 || (fl & FD_CLOEXEC))
                continue;
        }
        n++;
    }
    closedir(d);
    return n;
}

#endif
