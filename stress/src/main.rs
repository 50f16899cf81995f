//! `gc-stress`: see `gc-stress --help` and the library docs.

fn main() {
    std::process::exit(gc_stress::app::main());
}
