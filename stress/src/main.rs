//! `gc-stress`: garbage-scaling runs (`gc-stress scale`, the default), one-shot collection
//! timings (`gc-stress collect`), pause profiles (`gc-stress profile`) and refcount death under
//! fire (`gc-stress deaths`). See `--help` and
//! the library docs; the logic lives in the library (`gc_stress::app`).

fn main() {
    std::process::exit(gc_stress::app::main());
}
