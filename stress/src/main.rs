//! `gc-stress`: garbage-scaling runs (`gc-stress scale`, the default), one-shot collection
//! timings (`gc-stress collect`) and pause profiles (`gc-stress profile`). See `--help` and
//! the library docs; the logic lives in the library (`gc_stress::app`).

fn main() {
    std::process::exit(gc_stress::app::main());
}
