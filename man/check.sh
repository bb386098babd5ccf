#!/bin/sh
# man/check.sh - check the mmf man pages.
#
#   - every public function of include/mmf.h (each MMF_EXTERN declaration)
#     has a page man/man3/NAME.3, either a page of its own or a ".so" link;
#     a link's target exists and names the function in its NAME section;
#   - every error code the header's doc comment of a function documents
#     (MMF_E*, -E*) appears in that function's page;
#   - every function page has NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE,
#     ERRORS and SEE ALSO sections;
#   - every complete example program (an .EX block with main()) compiles
#     with -Wall -Werror against the header (skipped without a C compiler);
#   - every page renders with no warning: groff -man -ww -z, and (when
#     man-db is installed) MANWIDTH=80 man --warnings -l.
#
# Prints one line per failure, then exactly "N passed, N failed".
# Exit status 0 when nothing failed, 1 otherwise.
#
# Usage: sh man/check.sh [HEADER]      (default: include/mmf.h)

here=$(cd "$(dirname "$0")" && pwd)
header=${1:-$here/../include/mmf.h}
pass=0
fail=0

ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf '%s\n' "FAIL: $*"; }

if ! command -v groff >/dev/null 2>&1; then
    echo "FAIL: groff is not installed (apt-get install -y groff-base)"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -r "$header" ]; then
    echo "FAIL: cannot read $header"
    echo "0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# "name<TAB>error tokens" for every MMF_EXTERN declaration.  A declaration
# may span lines; the doc comment before it (or, for declarations that
# follow each other, the last one) lists its errors.
awk '
    /^[ \t]*\/\*/        { incomment = 1; comment = "" }
    incomment            { comment = comment " " $0 }
    incomment && /\*\//  { incomment = 0; next }
    incomment            { next }
    /^[ \t]*MMF_EXTERN/  { decl = ""; indecl = 1 }
    indecl {
        decl = decl " " $0
        if (index(decl, "(")) {
            indecl = 0
            d = substr(decl, 1, index(decl, "(") - 1)
            sub(/[ \t]+$/, "", d)
            n = split(d, w, /[^A-Za-z0-9_]+/)
            name = w[n]
            errs = ""
            c = comment
            while (match(c, /(MMF_E[A-Z]+|-E[A-Z0-9]+)/)) {
                t = substr(c, RSTART, RLENGTH)
                sub(/^-/, "", t)
                if (index(" " errs " ", " " t " ") == 0)
                    errs = errs " " t
                c = substr(c, RSTART + RLENGTH)
            }
            print name "\t" errs
        }
    }
' "$header" > "$tmp/funcs"

if [ ! -s "$tmp/funcs" ]; then
    bad "no MMF_EXTERN function found in $header"
fi

# The page a file stands for: itself, or the target of its ".so" line.
resolve() {
    so=$(sed -n 's/^\.so[ \t]*//p' "$1" | head -n 1)
    if [ -n "$so" ]; then
        printf '%s\n' "$here/$so"
    else
        printf '%s\n' "$1"
    fi
}

# ---- every function has a page, with its errors and sections ----
while IFS="	" read -r name errs; do
    page=$here/man3/$name.3
    if [ ! -f "$page" ]; then
        bad "$name: no page man3/$name.3"
        continue
    fi
    target=$(resolve "$page")
    if [ ! -f "$target" ]; then
        bad "$name: man3/$name.3 links to a missing page ${target#$here/}"
        continue
    fi
    # The NAME section must name the function.
    if ! sed -n '/^\.SH NAME/,/^\.SH /p' "$target" | sed 's/\\-/-/g; s/\\//g' |
            grep -qw -- "$name"; then
        bad "$name: the NAME section of ${target#$here/} does not name it"
        continue
    fi
    missing=""
    for sec in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS "SEE ALSO"; do
        grep -q "^\.SH \"*$sec\"*\$" "$target" || missing="$missing, $sec"
    done
    if [ -n "$missing" ]; then
        bad "$name: ${target#$here/} lacks section(s) ${missing#, }"
        continue
    fi
    grep -q "^\.BI* .*$name *(" "$target" ||
        grep -q "$name(" "$target" || {
        bad "$name: no prototype of $name in the SYNOPSIS of ${target#$here/}"
        continue
    }
    undocumented=""
    for e in $errs; do
        grep -qw -- "$e" "$target" || undocumented="$undocumented $e"
    done
    if [ -n "$undocumented" ]; then
        bad "$name: ${target#$here/} does not document$undocumented"
        continue
    fi
    ok
done < "$tmp/funcs"

# ---- every page renders without a warning ----
have_man=0
if command -v man >/dev/null 2>&1 && man --help 2>&1 | grep -q -- '--warnings'; then
    have_man=1
fi
for page in "$here"/man1/*.1 "$here"/man3/*.3 "$here"/man7/*.7; do
    [ -f "$page" ] || continue
    rel=${page#$here/}
    # .so paths are relative to the top of the manual tree: run from man/.
    out=$(cd "$here" && groff -man -ww -z "$rel" 2>&1)
    if [ -n "$out" ]; then
        bad "$rel: groff: $(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
        continue
    fi
    if [ "$have_man" = 1 ]; then
        out=$(cd "$here" && MANWIDTH=80 man --warnings -l "$rel" 2>&1 >/dev/null)
        if [ -n "$out" ]; then
            bad "$rel: man: $(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
            continue
        fi
    fi
    ok
done

# ---- every complete example program (an .EX block with main) compiles ----
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1; then
    incdir=$(cd "$(dirname "$header")" && pwd)
    for page in "$here"/man3/*.3 "$here"/man7/*.7; do
        [ -f "$page" ] || continue
        grep -q '^\.so' "$page" && continue
        rel=${page#$here/}
        rm -f "$tmp"/ex.*
        awk -v dir="$tmp" '
            /^\.EX/ { on = 1; n++; next }
            /^\.EE/ { on = 0; next }
            on      { print > (dir "/ex." n ".c") }
        ' "$page"
        for ex in "$tmp"/ex.*.c; do
            [ -f "$ex" ] || continue
            grep -q '^main(\|[ *]main(' "$ex" || continue
            # roff escapes back to C: \e \- \(aq \&
            sed -e 's/\\e/\\/g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\&//g' \
                "$ex" > "$ex.c"
            n=${ex#$tmp/ex.}; n=${n%.c}
            if out=$("$cc" -std=gnu11 -Wall -Werror -fsyntax-only -I"$incdir" "$ex.c" 2>&1); then
                ok
            else
                bad "$rel: example $n does not compile: $(printf '%s' "$out" | grep -m 1 'error' | sed 's/^[^:]*://')"
            fi
        done
    done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
