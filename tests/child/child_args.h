/*
 * child_args.h — what the test children share: argument parsing and a
 * small stack of handles.  Define CHILD_NAME (for messages) and
 * CHILD_HANDLE_T (the handle type) before including it.
 */
#ifndef MMF_CHILD_ARGS_H
#define MMF_CHILD_ARGS_H

#include <errno.h>
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

#endif
