//! End-to-end tests of the `gc-stress` binary: short verified runs at 1, 2 and 4 threads
//! (asserting on the JSON), the injected fault caught by `--verify`, usage errors, and the
//! profile output files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gc-stress"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc-stress-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("run gc-stress");
    eprintln!(
        "gc-stress {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("json written")).expect("valid json")
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn scale_verified_at_1_2_4_threads() {
    let dir = tmp("scale");
    let file = dir.join("scale.json");
    let out = run(&[
        "scale",
        "--threads",
        "1,2,4",
        "--seconds",
        "1",
        "--live",
        "2000",
        "--workers",
        "2",
        "--verify",
        "--json",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "scale --verify failed");
    let v = json(&file);
    assert_eq!(v["verify"], true);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for (r, t) in runs.iter().zip([1u64, 2, 4]) {
        assert_eq!(u(r, "threads"), t);
        assert!(u(r, "collections") >= 1, "no collection at {t} threads");
        assert_eq!(u(r, "violations"), 0);
        let ver = &r["verify"];
        assert_eq!(u(ver, "violations"), 0);
        assert!(
            u(ver, "checks") >= u(r, "collections"),
            "a collection went unchecked"
        );
        // The live set survives: filled (1 ring in 50) up to at most --live.
        let live = u(r, "live_objects");
        assert!(live > 0 && live <= 2000 + 21, "live set {live}");
        // Nothing lost, all garbage collected: heap == live set, destroyed == allocated - live.
        assert_eq!(u(r, "heap_live_objects"), live);
        assert_eq!(u(r, "destroyed") + live, u(r, "allocated"));
        assert!(u(r, "collected") > 0, "no garbage collected at {t} threads");
        assert!(r["pause"]["max_ns"].as_u64().unwrap() > 0);
    }
}

#[test]
fn scale_shapes_and_models() {
    for (model, shape) in [
        ("adapter", "cross-thread"),
        ("adapter", "mixed"),
        ("lean", "rings"),
        ("lean", "cross-thread"),
        ("lean", "mixed"),
    ] {
        let dir = tmp(&format!("{model}-{shape}"));
        let file = dir.join("s.json");
        let out = run(&[
            "scale",
            "--model",
            model,
            "--threads",
            "2",
            "--seconds",
            "1",
            "--live",
            "1000",
            "--shape",
            shape,
            "--verify",
            "--json",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{model} {shape} failed");
        let v = json(&file);
        assert_eq!(v["model"], model);
        let r = &v["runs"][0];
        assert_eq!(r["shape"], shape);
        assert_eq!(u(r, "violations"), 0);
        assert!(u(r, "collections") >= 1);
        assert!(u(r, "live_objects") > 0);
        assert_eq!(u(r, "heap_live_objects"), u(r, "live_objects"));
        assert_eq!(u(r, "destroyed") + u(r, "live_objects"), u(r, "allocated"));
    }
}

#[test]
fn collect_verified_every_shape() {
    collect_every_shape("adapter");
    collect_every_shape("lean");
}

fn collect_every_shape(model: &str) {
    // gc_traversal has n(n-1)/2 references: keep it small in debug builds.
    for (shape, workers, n) in [
        ("rings", "1", 4200u64),
        ("rings", "2", 4200),
        ("tree", "4", 4200),
        ("mixed", "2", 4200),
        ("gc_collect", "2", 4200),
        ("gc_traversal", "1", 300),
        ("cross-thread", "2", 4200),
    ] {
        let dir = tmp(&format!("collect-{model}-{shape}-{workers}"));
        let file = dir.join("c.json");
        let objects = n.to_string();
        let out = run(&[
            "collect",
            "--model",
            model,
            "--shape",
            shape,
            "--objects",
            &objects,
            "--workers",
            workers,
            "--repeat",
            "3",
            "--verify",
            "--json",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "collect {shape} failed");
        let v = json(&file);
        assert_eq!(v["shape"], shape);
        assert_eq!(v["model"], model);
        assert_eq!(u(&v, "objects"), n);
        assert_eq!(u(&v, "workers"), workers.parse::<u64>().unwrap());
        assert_eq!(u(&v, "repeat"), 3);
        assert!(u(&v, "pause_ns_min") > 0 && u(&v, "pause_ns_min") <= u(&v, "pause_ns_median"));
        assert!(v["ns_per_object"].as_f64().unwrap() > 0.0);
        assert_eq!(u(&v, "violations"), 0);
        assert!(u(&v["verify"], "checks") >= 3);
        let (collected, live) = (u(&v, "collected"), u(&v, "live_objects"));
        let (expect_collected, expect_live) = match shape {
            "rings" | "cross-thread" | "gc_collect" => (n, 0),
            "tree" | "gc_traversal" => (0, n),
            "mixed" => (n / 2, n / 2),
            _ => unreachable!(),
        };
        // The adapter model's live unit also holds its tag int.
        let expect_live = match (model, expect_live) {
            ("adapter", l) if l > 0 => l + 1,
            (_, l) => l,
        };
        assert_eq!(collected, expect_collected, "{shape}");
        assert_eq!(live, expect_live, "{shape}");
        assert_eq!(u(&v, "heap_live_objects"), expect_live);
    }
}

/// The checker can fail: a live unit whose mark is skipped (gc-core's fault hook) is freed,
/// and `--verify` reports it and exits 1. The test build turns the `fault-injection` feature
/// on through the package's dev-dependency on itself, so plain `cargo test` runs this too.
#[cfg(feature = "fault-injection")]
#[test]
fn injected_fault_is_caught() {
    let out = run(&[
        "scale",
        "--model",
        "lean",
        "--threads",
        "1",
        "--seconds",
        "2",
        "--live",
        "400",
        "--verify",
        "--inject-fault",
        "skip-mark",
    ]);
    assert_eq!(out.status.code(), Some(1), "the fault went unnoticed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("VERIFICATION FAILED"), "{err}");
    assert!(err.contains("freed while"), "{err}");

    let out = run(&[
        "collect",
        "--model",
        "lean",
        "--shape",
        "tree",
        "--objects",
        "1000",
        "--repeat",
        "2",
        "--verify",
        "--inject-fault",
        "skip-mark",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("VERIFICATION FAILED") && err.contains("freed while"),
        "{err}"
    );
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let cases: &[&[&str]] = &[
        &["scale", "--shape", "triangles"],
        &["scale", "--threads", "0"],
        &["scale", "--threads", "1,x"],
        &["scale", "--threads", ""],
        &["scale", "--threads", "-2"],
        &["scale", "--live", "-5"],
        &["scale", "--seconds", "-1"],
        &["scale", "--seconds", "abc"],
        &["scale", "--workers", "0"],
        &["collect", "--shape", "blob"],
        &["collect", "--objects", "-10"],
        &["collect", "--objects", "0"],
        &["collect", "--repeat", "0"],
        &["profile", "--threads", "2"],
        &["frobnicate"],
        // The adapter's roots are counted: the fault needs the lean model.
        &["scale", "--inject-fault", "skip-mark"],
    ];
    for args in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn unusable_gc_environment_variables_exit_2_naming_them() {
    for (name, value) in [
        ("GC_WORKERS", "four"),
        ("GC_WORKERS", "0"),
        ("GC_PARALLEL_MIN_OBJECTS", "-1"),
        ("GC_VERIFY", "maybe"),
        ("GC_MARK_PREFETCH", "2"),
    ] {
        let out = bin()
            .args(["collect", "--objects", "100", "--repeat", "1"])
            .env(name, value)
            .output()
            .expect("run gc-stress");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}={value}: {err}");
        assert!(
            err.contains("error") && err.contains(name),
            "{name}={value}: {err}"
        );
    }
    // Spelled-out switches are accepted.
    let out = bin()
        .args(["collect", "--objects", "100", "--repeat", "1"])
        .env("GC_VERIFY", "off")
        .env("GC_WORKERS", " 2 ")
        .output()
        .expect("run gc-stress");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_for_every_subcommand() {
    for sub in [&[][..], &["scale"], &["collect"], &["profile"]] {
        let mut args: Vec<&str> = sub.to_vec();
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

#[test]
fn profile_writes_all_files() {
    let dir = tmp("profile");
    let out = run(&[
        "profile",
        "--threads",
        "2",
        "--seconds",
        "1",
        "--live",
        "2000",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    for f in [
        "trace.json",
        "records.json",
        "pauses.svg",
        "histogram.svg",
        "mmu.svg",
    ] {
        let p = dir.join(f);
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        assert!(len > 0, "{f} missing or empty");
    }
    let records = json(&dir.join("records.json"));
    assert!(!records.as_array().unwrap().is_empty());
    let trace = json(&dir.join("trace.json"));
    assert!(trace.is_object() || trace.is_array());
    assert!(String::from_utf8_lossy(&out.stdout).contains("p99"));
}

#[test]
fn scale_trace_file() {
    let dir = tmp("trace");
    let file = dir.join("t.json");
    let out = run(&[
        "scale",
        "--threads",
        "1",
        "--seconds",
        "0.5",
        "--live",
        "500",
        "--trace",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    json(&file);
}

#[test]
fn deaths_run_finalizes_and_frees_every_object_once() {
    // Two threads drop finalizable chains by refcount while finalizers collect, verified.
    let out = run(&[
        "deaths",
        "--threads",
        "2",
        "--seconds",
        "0.3",
        "--depth",
        "3000",
        "--collect-every",
        "101",
        "--workers",
        "2",
        "--verify",
    ]);
    assert!(out.status.success(), "deaths run failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.trim_end().ends_with(": ok"), "{stdout}");
    assert!(stdout.contains("violations 0"), "{stdout}");
}

#[test]
fn deaths_rejects_a_zero_depth() {
    let out = run(&["deaths", "--depth", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
