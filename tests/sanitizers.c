/*
 * sanitizers.c — settings read by the sanitizer runtimes when the tests are
 * built with `make check SANITIZE=...`; unused otherwise.
 *
 * Criterion's runner leaks a few bytes of its own (calloc inside
 * libcriterion.so) at exit, which would fail every LeakSanitizer run.  Only
 * that library is suppressed: leaks in mmf or in the tests still fail.
 */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
    return "leak:libcriterion.so\n";
}

const char *__lsan_default_options(void);

const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
