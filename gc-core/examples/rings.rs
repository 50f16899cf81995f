//! A complete minimal VM binding and the rings workload: R rings of 20 nodes (`next`/`prev`),
//! all garbage, collected with 1 and 2 (or the given) GC workers.
//!
//! Run: `cargo run --release -p gc-core --example rings -- [objects] [workers...]`

#[path = "common/ring_vm.rs"]
mod ring_vm;

fn main() {
    let (objects, workers) = ring_vm::args();
    ring_vm::measure("rings", objects, &workers, |m| {
        ring_vm::build_rings(m, objects);
        objects / 20 * 20
    });
}
