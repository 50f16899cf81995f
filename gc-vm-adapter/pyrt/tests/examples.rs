//! The example scripts in `examples/py/` run to completion at small sizes.

use gc_vm_adapter::GcConfig;
use pyrt::vm::{run_source, RunOptions};

fn run_example(name: &str, args: &[&str]) -> String {
    let path = format!("{}/examples/py/{name}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).expect("example");
    let mut argv = vec![path.clone()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let r = run_source(
        &src,
        &path,
        RunOptions {
            argv,
            capture: true,
            config: GcConfig::default()
                .with_workers(2)
                .with_parallel_min_objects(0),
        },
    )
    .expect("compiles");
    assert_eq!(r.error, None, "{name} raised");
    r.stdout
}

#[test]
fn gc_collect_example() {
    let out = run_example("gc_collect.py", &["200", "2"]);
    assert!(out.contains("200 rings of 21 nodes"), "{out}");
    assert!(out.contains("gc.collect() best"), "{out}");
}

#[test]
fn gc_traversal_example() {
    let out = run_example("gc_traversal.py", &["100", "2"]);
    assert!(out.contains("100 lists, 4950 references"), "{out}");
}

#[test]
fn gc_scaling_example() {
    let out = run_example("gc_scaling.py", &["2", "0.3", "20"]);
    assert!(out.contains("threads=2"), "{out}");
    assert!(out.contains("gc share"), "{out}");
    assert!(out.contains("pause p50"), "{out}");
}
