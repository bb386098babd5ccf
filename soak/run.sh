#!/bin/sh
# soak/run.sh — runs the kill -9 soak (soak/README.md).  Builds nothing:
# `make soak` builds $(BUILD)/soak/soak first.
#
#   sh soak/run.sh [-b BUILD_DIR] [soak options: --kills N --workers N --seed S ...]
#
# BUILD_DIR defaults to build (the sanitized builds use build/san-*).  The
# soak's own exit status is the script's: 0 when every check passed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build"
if [ "${1:-}" = "-b" ]; then
    build=$2
    shift 2
fi
bin="$build/soak/soak"
if [ ! -x "$bin" ]; then
    echo "soak/run.sh: $bin is missing: run \`make soak\` (or build it first)" >&2
    exit 2
fi
# A private registry is made by the program itself (MMF_REGISTRY_DIR under
# /dev/shm); an inherited value would only be replaced.
unset MMF_REGISTRY_DIR
exec "$bin" "$@"
