#!/usr/bin/env bash
# Regenerates the expected results of the differential programs with CPython 3.11:
#
#   gc-vm-adapter/pyrt/tests/regen_expected.sh [tests/diff/name.py ...]
#
# For every tests/py/*.py and tests/diff/*.py (or only the programs named), it runs
#
#   cd "$(dirname prog)" && timeout 120 python3.11 "$(basename prog)"   # python3 if it is 3.11
#
# and writes, next to the program:
#   name.expected  its stdout (always);
#   name.status    its exit status, only when it is not 0;
#   name.stderr    the last line of its stderr (exception class and message), only when the
#                  status is not 0; or, for a program with a line "# regen: stderr-lines",
#                  every unindented non-empty stderr line (the "Exception ignored in: ..."
#                  reports and exception lines, without the traceback's file and source
#                  lines), whatever the status.
# tests/programs.rs (`every_program_matches_cpython`) runs each program on pyrt and requires
# the same stdout, the same status and a stderr containing name.stderr. Review the diff of
# the regenerated files before committing them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

py=""
for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null &&
        [ "$("$cand" -c 'import sys; print(sys.version_info[:2] == (3, 11))')" = True ]; then
        py="$cand"
        break
    fi
done
if [ -z "$py" ]; then
    echo "regen_expected.sh: needs CPython 3.11 (python3.11 or python3)" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    progs=("$@")
else
    progs=("$here"/py/*.py "$here"/diff/*.py)
fi

for prog in "${progs[@]}"; do
    dir="$(cd "$(dirname "$prog")" && pwd)"
    name="$(basename "$prog" .py)"
    err="$(mktemp)"
    status=0
    (cd "$dir" && timeout 120 "$py" "$name.py" >"$name.expected" 2>"$err") || status=$?
    if grep -q '^# regen: stderr-lines' "$prog"; then
        grep -v -e '^[[:space:]]' -e '^$' "$err" >"$dir/$name.stderr" || true
        if [ "$status" -eq 0 ]; then rm -f "$dir/$name.status"; else echo "$status" >"$dir/$name.status"; fi
    elif [ "$status" -eq 0 ]; then
        rm -f "$dir/$name.status" "$dir/$name.stderr"
    else
        echo "$status" >"$dir/$name.status"
        grep -v '^[[:space:]]*$' "$err" | tail -n 1 >"$dir/$name.stderr"
    fi
    rm -f "$err"
    echo "$name: status $status"
done
