#!/usr/bin/env bash
# Loom models of every concurrency protocol (safepoint handshake, mark-bit claim and
# termination, biased-RC queue and merge). The preemption bound keeps the run within the CI
# budget; docs/reliability.md records what each bound explores.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_LOOM:-target/loom}"
# In-crate models (mark-bit claim and termination).
cargo test -p gc-core --release --lib loom
for t in $(ls gc-core/tests/loom_*.rs 2>/dev/null); do
    name=$(basename "$t" .rs)
    cargo test -p gc-core --release --test "$name"
done
for t in $(ls gc-vm-adapter/tests/loom_*.rs 2>/dev/null); do
    name=$(basename "$t" .rs)
    cargo test -p gc-vm-adapter --release --test "$name"
done
