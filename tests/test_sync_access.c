/*
 * test_sync_access.c — the rights of a synchronization object handle:
 * waiting needs MMF_SYNC_ACCESS_WAIT, releasing/setting/resetting needs
 * MMF_SYNC_ACCESS_MODIFY; a denied call changes nothing.
 */
#include "helpers.h"

static void name_for(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "Local\\mmf-access-%s-%d", what, (int)getpid());
}

Test(sync_access, bad_access_is_einval)
{
    char name[64];
    name_for(name, sizeof name, "bad");
    mmf_create_options o = { .name = name };
    mmf_sync *e, *x = NULL;
    cr_assert_eq(mmf_event_create(1, 0, &o, &e), 0);
    cr_assert_eq(mmf_sync_open(name, MMF_SYNC_EVENT, 0, &x), -EINVAL);
    cr_assert_eq(mmf_sync_open(name, MMF_SYNC_EVENT, 0x4, &x), -EINVAL);
    cr_assert_null(x);
    cr_assert_eq(mmf_sync_close(e), 0);
}

Test(sync_access, wait_only_handle_cannot_modify)
{
    char name[64];
    name_for(name, sizeof name, "wait");
    mmf_create_options o = { .name = name };
    mmf_sync *e, *w;
    cr_assert_eq(mmf_event_create(1, 0, &o, &e), 0);
    cr_assert_eq(mmf_sync_open(name, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_WAIT, &w), 0);
    cr_assert_eq(mmf_event_set(w), -EACCES);
    cr_assert_eq(mmf_wait(e, 0), MMF_WAIT_TIMEOUT, "the denied set changed the event");
    cr_assert_eq(mmf_event_set(e), 0);
    cr_assert_eq(mmf_wait(w, 0), MMF_WAIT_OBJECT_0);
    cr_assert_eq(mmf_event_reset(w), -EACCES);
    cr_assert_eq(mmf_wait(e, 0), MMF_WAIT_OBJECT_0, "the denied reset changed the event");
    cr_assert_eq(mmf_sync_close(w), 0);
    cr_assert_eq(mmf_sync_close(e), 0);
}

Test(sync_access, modify_only_handle_cannot_wait)
{
    char name[64];
    name_for(name, sizeof name, "modify");
    mmf_create_options o = { .name = name };
    mmf_sync *s, *m;
    cr_assert_eq(mmf_semaphore_create(1, 5, &o, &s), 0);
    cr_assert_eq(mmf_sync_open(name, MMF_SYNC_SEMAPHORE, MMF_SYNC_ACCESS_MODIFY, &m), 0);
    cr_assert_eq(mmf_wait(m, 0), -EACCES);
    mmf_sync *both[2] = { s, m };
    cr_assert_eq(mmf_wait_multiple(both, 2, 0, 0), -EACCES);
    uint32_t prev = 99;
    cr_assert_eq(mmf_semaphore_release(m, 1, &prev), 0);
    cr_assert_eq(prev, 1, "the denied waits took a count");
    cr_assert_eq(mmf_sync_close(m), 0);
    cr_assert_eq(mmf_sync_close(s), 0);
}

Test(sync_access, mutex_release_needs_modify)
{
    char name[64];
    name_for(name, sizeof name, "mutex");
    mmf_create_options o = { .name = name };
    mmf_sync *m, *w;
    cr_assert_eq(mmf_mutex_create(0, &o, &m), 0);
    cr_assert_eq(mmf_sync_open(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_WAIT, &w), 0);
    cr_assert_eq(mmf_wait(w, 0), MMF_WAIT_OBJECT_0);
    cr_assert_eq(mmf_mutex_release(w), -EACCES);
    cr_assert_eq(mmf_mutex_release(m), 0, "still owned after the denied release");
    cr_assert_eq(mmf_sync_close(w), 0);
    cr_assert_eq(mmf_sync_close(m), 0);
}
