#!/usr/bin/env bash
# A time-bounded garbage-scaling run with the independent checker on, across 1..4 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f stress/src/main.rs ] || ! grep -q "scale" stress/src/main.rs; then
    echo "SKIP: gc-stress scale is not built yet"
    exit 0
fi
target="${CARGO_TARGET_DIR:-target}"
cargo build --release -p gc-stress
"$target"/release/gc-stress scale --threads 1,2,3,4 --seconds 5 --verify --json "$target"/ci-scale.json
# Refcount death under fire: four threads drop deep chains of finalizable objects while
# finalizers call collect() mid-cascade, with gc-core's self-check on.
"$target"/release/gc-stress deaths --threads 4 --seconds 3 --depth 20000 --verify

# Memory-safety issue 22 at full size: every gc-vm-adapter/pyrt/tests/release/NAME.py runs on a
# release build of pyrt, once per line of NAME.args (its arguments; once without arguments when
# there is no such file), and the runs' concatenated stdout must be CPython 3.11's
# (NAME.expected, made the same way) with every run exiting 0: structures ten million deep
# freed by refcount and by the collector, on the main thread and on a threading.Thread (too
# slow for the debug test runner). A run over 15 minutes is killed and fails.
cargo build --release -p pyrt
release_dir=gc-vm-adapter/pyrt/tests/release
# The deepest run (10^7 dicts) peaks near 6.5 GB (docs/reliability.md). On a machine with less
# than 8 GiB available the depths are scaled down to fit, loudly: the output does not depend
# on the depth, and a run killed for memory would say nothing about the trashcan.
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
depth_scale_pct=100
if [ "${avail_kb:-0}" -gt 0 ] && [ "$avail_kb" -lt $((8 * 1024 * 1024)) ]; then
    depth_scale_pct=$((avail_kb * 100 / (8 * 1024 * 1024)))
    [ "$depth_scale_pct" -ge 10 ] || depth_scale_pct=10
    echo "NOTE: only $((avail_kb / 1024)) MiB available: tests/release depths scaled to ${depth_scale_pct}%" >&2
fi
pyrt="$(cd "$target" && pwd)/release/pyrt"
for prog in "$release_dir"/*.py; do
    name="$(basename "$prog" .py)"
    out="$(cd "$target" && pwd)/release-$name.out"
    : >"$out"
    args_file="$release_dir/$name.args"
    [ -f "$args_file" ] || args_file=/dev/null
    while read -r args || [ -z "${ran:-}" ]; do
        ran=1
        status=0
        first="${args%% *}"
        if [ "$depth_scale_pct" -lt 100 ] && [[ "$first" =~ ^[0-9]+$ ]]; then
            args="$((first * depth_scale_pct / 100))${args#"$first"}"
        fi
        # shellcheck disable=SC2086 # the line is a list of arguments
        (cd "$release_dir" && GC_WORKERS=2 timeout 900 "$pyrt" "$name.py" $args >>"$out" </dev/null) ||
            status=$?
        if [ "$status" -ne 0 ]; then
            echo "FAIL: pyrt tests/release/$name.py $args: exit status $status (CPython 0; 124 = timed out)" >&2
            exit 1
        fi
    done <"$args_file"
    unset ran
    if ! cmp -s "$out" "$release_dir/$name.expected"; then
        echo "FAIL: pyrt tests/release/$name.py: stdout differs from CPython's" >&2
        diff "$release_dir/$name.expected" "$out" >&2 || true
        exit 1
    fi
    echo "ok: pyrt tests/release/$name.py matches CPython"
done
