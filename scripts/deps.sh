#!/bin/sh
# Installs the Debian packages a target needs when they are missing.
#   scripts/deps.sh build|test|bench|fuzz
# Runs apt-get only when something is missing; as root directly, otherwise
# through sudo when it is available.  Exits non-zero with a clear message if
# a package is missing and cannot be installed.
set -eu

want="gcc make"
case "${1:-build}" in
    build) ;;
    test)  want="$want libcriterion-dev pkg-config" ;;
    bench) want="$want g++ libboost-dev gnuplot-nox" ;;
    fuzz)  want="$want clang libclang-rt-14-dev" ;;
    *) echo "usage: $0 build|test|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "mmf: missing Debian packages:$missing (run as root: apt-get install -y$missing)" >&2
    exit 1
fi
echo "mmf: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once, then retry.
$sudo apt-get install -y -q $missing >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q $missing >/dev/null
}
