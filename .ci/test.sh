#!/usr/bin/env bash
# The test command from README.md, unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace
# Fault-injection hooks are compiled in only with this feature.
cargo test -p gc-core --features fault-injection --test fault_oom --test fault_injection --test oracle
