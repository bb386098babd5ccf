/*
 * test_errors.c — mmf_strerror.
 */
#include "helpers.h"

TestSuite(errors);

static const int mmf_codes[] = {
    MMF_EALIGN, MMF_EADDRINUSE, MMF_ENOTVIEW, MMF_EVIEWSIZE, MMF_EEMPTYFILE,
    MMF_ETOOBIG, MMF_ENOTFILE, MMF_ECOMMIT, MMF_ENOLARGEPAGES, MMF_EPROTECT,
};
#define NCODES (sizeof mmf_codes / sizeof mmf_codes[0])

Test(errors, mmf_codes_have_distinct_messages)
{
    for (size_t i = 0; i < NCODES; i++) {
        const char *m = mmf_strerror(mmf_codes[i]);
        cr_assert_not_null(m, "code %d", mmf_codes[i]);
        cr_assert_gt(strlen(m), 0, "code %d: empty message", mmf_codes[i]);
        cr_assert_str_neq(m, "unknown error", "code %d is unknown to mmf_strerror", mmf_codes[i]);
        cr_assert_str_neq(m, mmf_strerror(0), "code %d reads like success", mmf_codes[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(m, mmf_strerror(mmf_codes[j]), "codes %d and %d share \"%s\"",
                              mmf_codes[i], mmf_codes[j], m);
        /* Stable: the same static string every time. */
        cr_assert_eq(mmf_strerror(mmf_codes[i]), m);
    }
}

Test(errors, errno_codes_use_strerror)
{
    const int errs[] = { ENOENT, EINVAL, EACCES, EBADF, ENOMEM, ERANGE, EFBIG, ENOSPC, EPERM };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "%s", strerror(errs[i]));
        const char *m = mmf_strerror(-errs[i]);
        cr_assert_not_null(m);
        cr_assert_str_eq(m, want, "-%d", errs[i]);
        for (size_t j = 0; j < NCODES; j++)
            cr_assert_str_neq(m, mmf_strerror(mmf_codes[j]));
    }
}

Test(errors, success_and_unknown)
{
    const char *ok = mmf_strerror(0);
    cr_assert_not_null(ok);
    cr_assert_gt(strlen(ok), 0);
    char lower[128];
    size_t n = strlen(ok) < sizeof lower - 1 ? strlen(ok) : sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)(ok[i] >= 'A' && ok[i] <= 'Z' ? ok[i] + 32 : ok[i]);
    lower[n] = '\0';
    cr_assert(strstr(lower, "success") != NULL, "mmf_strerror(0) is \"%s\"", ok);

    const int unknown[] = { 1, 12345, INT_MAX, INT_MIN, -10000, -10011, -10999, -99999 };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *m = mmf_strerror(unknown[i]);
        cr_assert_not_null(m, "code %d", unknown[i]);
        cr_assert_gt(strlen(m), 0, "code %d", unknown[i]);
        for (size_t j = 0; j < NCODES; j++)
            cr_assert_str_neq(m, mmf_strerror(mmf_codes[j]), "code %d", unknown[i]);
    }
    /* Positive values are no error code at all. */
    cr_assert_str_eq(mmf_strerror(12345), "unknown error");
    cr_assert_str_eq(mmf_strerror(INT_MIN), "unknown error");
}
