#!/usr/bin/env bash
# A time-bounded garbage-scaling run with the independent checker on, across 1..4 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f stress/src/main.rs ] || ! grep -q "scale" stress/src/main.rs; then
    echo "SKIP: gc-stress scale is not built yet"
    exit 0
fi
cargo build --release -p gc-stress
./target/release/gc-stress scale --threads 1,2,3,4 --seconds 5 --verify --json target/ci-scale.json
# Refcount death under fire: four threads drop deep chains of finalizable objects while
# finalizers call collect() mid-cascade, with gc-core's self-check on.
./target/release/gc-stress deaths --threads 4 --seconds 3 --depth 20000 --verify
