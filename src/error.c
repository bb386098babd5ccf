/* error.c — error descriptions. */
#include <string.h>

#include "internal.h"

const char *mmf_strerror(int code)
{
    switch (code) {
    case 0:                 return "success";
    case MMF_EALIGN:        return "offset or address is not a multiple of the allocation granularity";
    case MMF_EADDRINUSE:    return "the requested address range is not free";
    case MMF_ENOTVIEW:      return "address is not inside a view";
    case MMF_EVIEWSIZE:     return "view extends past the end of the section";
    case MMF_EEMPTYFILE:    return "cannot map an empty file with size 0";
    case MMF_ETOOBIG:       return "read-only section is larger than its file";
    case MMF_ENOTFILE:      return "view is memory-backed and has no file";
    case MMF_ECOMMIT:       return "not enough memory to commit the section";
    case MMF_ENOLARGEPAGES: return "no large pages are available";
    case MMF_EPROTECT:      return "protection exceeds the view's access";
    case MMF_EXISTED:       return "the named object already existed";
    case MMF_ENOTFOUND:     return "no object has this name";
    case MMF_ETYPE:         return "the name belongs to an object of another type";
    case MMF_EBADNAME:      return "invalid object name or namespace";
    case MMF_ESQUATTED:     return "registry entry was not made by mmf for this user";
    case MMF_ENOTOWNER:     return "the calling thread does not own the mutex";
    case MMF_ETOOMANYPOSTS: return "the semaphore count would pass its maximum";
    case MMF_EINPAGE:      return "a page of the view could not be read in (in-page error)";
    case MMF_EMAPPED:      return "a section maps the file beyond that size";
    }
    /* strerror() of an unknown number returns "Unknown error N" from a
     * static buffer on glibc; keep our own answer for the out-of-range case
     * so the result is always a constant string. */
    if (code < 0 && code > -4096)
        return strerrordesc_np(-code) ? strerrordesc_np(-code) : "unknown error";
    return "unknown error";
}
