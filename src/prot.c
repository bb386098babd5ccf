/*
 * prot.c — the page-protection rules, in one place.
 *
 * Windows caps protections three times (spec §4): the file's access caps the
 * section, the section caps its views, and a view's initial protection caps
 * VirtualProtect.  The last two use the same test: the R/W/X *access set* of
 * the new protection must lie within that of the cap.  Copy-on-write needs
 * only read access, which is why a copy view of a read-only section, or
 * PAGE_WRITECOPY on a read-only view, is allowed.
 */
#include <sys/mman.h>

#include "internal.h"

#define ACCESS_BITS (MMF_PAGE_READ | MMF_PAGE_WRITE | MMF_PAGE_EXEC)

int mmf__prot_valid(unsigned prot)
{
    switch (prot) {
    case MMF_PAGE_NOACCESS:
    case MMF_PAGE_READONLY:
    case MMF_PAGE_READWRITE:
    case MMF_PAGE_WRITECOPY:
    case MMF_PAGE_EXECUTE:
    case MMF_PAGE_EXECUTE_READ:
    case MMF_PAGE_EXECUTE_READWRITE:
    case MMF_PAGE_EXECUTE_WRITECOPY:
        return 1;
    }
    return 0;
}

/* A section must be readable: Windows rejects PAGE_NOACCESS and
 * PAGE_EXECUTE for CreateFileMapping. */
int mmf__prot_valid_section(unsigned prot)
{
    return mmf__prot_valid(prot) && (prot & MMF_PAGE_READ);
}

int mmf__prot_within(unsigned prot, unsigned cap)
{
    return ((prot & ACCESS_BITS) & ~(cap & ACCESS_BITS)) == 0;
}

/* Copy-on-write pages are writable: the kernel copies them on the first
 * write to a MAP_PRIVATE mapping. */
int mmf__prot_to_mmap(unsigned prot)
{
    int p = PROT_NONE;
    if (prot & MMF_PAGE_READ)
        p |= PROT_READ;
    if (prot & (MMF_PAGE_WRITE | MMF_PAGE_COPY))
        p |= PROT_WRITE;
    if (prot & MMF_PAGE_EXEC)
        p |= PROT_EXEC;
    return p;
}
