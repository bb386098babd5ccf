/*
 * security.c — the two security-descriptor calls that Windows programs
 * use to share objects with everyone, and their translation into the
 * native create options.
 *
 * mmf's objects have Unix permissions, not ACLs: the default descriptor
 * (no SECURITY_ATTRIBUTES, or one without a DACL) is owner-only, like
 * Windows' default DACL; a present NULL DACL is "everyone".  Any other DACL
 * cannot be expressed and is treated as the default.
 */
#include "w32.h"

BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR p, DWORD rev)
{
    if (!p) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    if (rev != SECURITY_DESCRIPTOR_REVISION) {
        w32_set(ERROR_UNKNOWN_REVISION);
        return FALSE;
    }
    SECURITY_DESCRIPTOR *sd = p;
    memset(sd, 0, sizeof *sd);
    sd->Revision = SECURITY_DESCRIPTOR_REVISION;
    return TRUE;
}

BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR p, BOOL present, PACL dacl,
                                      BOOL defaulted)
{
    SECURITY_DESCRIPTOR *sd = p;
    if (!sd) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    if (sd->Revision != SECURITY_DESCRIPTOR_REVISION) {
        w32_set(ERROR_UNKNOWN_REVISION);
        return FALSE;
    }
    sd->Control &= (SECURITY_DESCRIPTOR_CONTROL) ~(SE_DACL_PRESENT | SE_DACL_DEFAULTED);
    if (present) {
        sd->Control |= SE_DACL_PRESENT;
        sd->Dacl = dacl;
        if (defaulted)
            sd->Control |= SE_DACL_DEFAULTED;
    } else {
        sd->Dacl = NULL;
    }
    return TRUE;
}

void w32_security(const SECURITY_ATTRIBUTES *sa, const char *name, mmf_create_options *o)
{
    memset(o, 0, sizeof *o);
    o->name = name;
    const SECURITY_DESCRIPTOR *sd = sa ? sa->lpSecurityDescriptor : NULL;
    if (sd && sd->Revision == SECURITY_DESCRIPTOR_REVISION && (sd->Control & SE_DACL_PRESENT) &&
        !sd->Dacl)
        o->everyone = 1;
}
