#!/usr/bin/env bash
# The gc-core, gc-vm-adapter and pyrt test suites under AddressSanitizer, with the nightly toolchain
# when one is installed. Without nightly, print a clear skip line and succeed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "SKIP: AddressSanitizer needs a nightly toolchain; none is installed"
    exit 0
fi
target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Zsanitizer=address"
export RUSTDOCFLAGS="-Zsanitizer=address"
# allocator_may_return_null: a huge request (`[0] * 10**10`) fails like a real allocator
# (pyrt turns it into MemoryError) instead of ASan aborting the process.
export ASAN_OPTIONS="detect_leaks=0:detect_stack_use_after_return=0:allocator_may_return_null=1"
export CARGO_TARGET_DIR="target/asan"
# Smaller property-test budgets: ASan is ~3x slower.
export PROPTEST_CASES="${PROPTEST_CASES:-8}"
cargo +nightly test -p gc-core -p gc-vm-adapter -p pyrt --target "$target" --lib --tests
