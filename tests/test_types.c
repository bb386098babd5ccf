/*
 * test_types.c — one namespace for every object type: a name held by an
 * object of another type is MMF_ETYPE (Windows: ERROR_INVALID_HANDLE).
 * The synchronization objects are not built yet, so the other type's
 * entry is made through the registry's internal interface, as sync.c
 * will make it.
 */
#include "helpers.h"

#include <string.h>

#include "internal.h"

static int init_mutex(int fd, void *arg, struct obj_header *h)
{
    (void)arg;
    h->type = MMF_TYPE_MUTEX;
    return ftruncate(fd, 4096) < 0 ? -EIO : 0;
}

Test(types, a_name_of_another_type_is_etype)
{
    char name[64];
    snprintf(name, sizeof name, "Local\\types-%d", (int)getpid());
    struct reg_ref *ref;
    struct obj_header hdr;
    int rc = mmf__reg_acquire(name, MMF_TYPE_MUTEX, init_mutex, NULL, 0600, 0, &ref, &hdr, NULL);
    cr_assert_eq(rc, 0, "making the mutex entry: %s", mmf_strerror(rc));

    mmf_section *s = NULL;
    cr_assert_eq(mmf_section_open(name, MMF_ACCESS_READ, &s), MMF_ETYPE);
    cr_assert_null(s);
    mmf_create_options o = { .name = name };
    cr_assert_eq(mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &o, &s), MMF_ETYPE);
    cr_assert_null(s);

    /* The failed calls did not take the name or disturb the holder. */
    struct reg_ref *ref2;
    rc = mmf__reg_acquire(name, MMF_TYPE_MUTEX, NULL, NULL, 0, 0, &ref2, &hdr, NULL);
    cr_assert_eq(rc, MMF_EXISTED);
    cr_assert_eq(hdr.type, (uint32_t)MMF_TYPE_MUTEX);
    mmf__reg_release(ref2);
    mmf__reg_release(ref);

    /* Gone with its last holder: the name is free for a section now. */
    cr_assert_eq(mmf_section_open(name, MMF_ACCESS_READ, &s), MMF_ENOTFOUND);
    cr_assert_eq(mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &o, &s), 0);
    cr_assert_eq(mmf_section_close(s), 0);
}
