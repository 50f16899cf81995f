//! The tree workload on the minimal binding of the rings example: a binary tree of N nodes
//! (two references each), its root a VM root, all live. A collection is one mark from the
//! roots: the refs pass, mark-reachable and the scan are skipped when it reaches everything.
//!
//! Run: `cargo run --release -p gc-core --example tree -- [objects] [workers...]`

#[path = "common/ring_vm.rs"]
mod ring_vm;

fn main() {
    let (objects, workers) = ring_vm::args();
    ring_vm::measure("tree", objects, &workers, |m| {
        // One tree per runtime, collected 7 times: nothing to free.
        if m.runtime().binding().roots.lock().is_empty() {
            ring_vm::build_tree(m, objects);
        }
        0
    });
}
