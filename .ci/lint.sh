#!/usr/bin/env bash
# Formatting and clippy with warnings as errors, every target of every crate.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
# Feature-gated code (fault injection, poisoning) too.
cargo clippy --workspace --all-targets --all-features -- -D warnings
