# waits: where Wine's answer is not Windows'.
# WaitForMultipleObjects documentation (SDK synchapi, lpHandles: "may not
# contain multiple copies of the same handle") and windows.h: the same object
# twice in a wait-all is ERROR_INVALID_PARAMETER (87) on Windows
# (STATUS_INVALID_PARAMETER_MIX); Wine does not check and simply waits.
s/^same_twice_all: 258$/same_twice_all: WAIT_FAILED err=87/
