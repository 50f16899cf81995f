//! Fuzzing pyrt (issue 22: no input may panic or crash the runtime).
//!
//! - [`random_programs_never_crash_the_runtime`]: random programs from a small grammar of what
//!   pyrt supports (numbers at their edges, containers and their methods, odd indices and
//!   slices, builtins with odd arguments, functions, classes with dunder methods, exceptions,
//!   bounded loops, `del`, `gc.collect()`, weakrefs, threads, self-referential containers,
//!   deep nesting) run on the `pyrt` binary, one child process each, so a segfault, an abort
//!   or a stack overflow is caught like a panic. A Python exception is fine; an internal error
//!   (status 70), a Rust panic (101), a signal or a run past the timeout is a failure.
//! - [`mutated_sources_never_crash_the_compiler`]: byte and token mutations of the test
//!   programs (`tests/py`, `tests/diff`) through the compiler, which must return a program or a
//!   `CompileError`, never panic.
//!
//! Both are deterministic (a fixed seed, `PYRT_FUZZ_SEED` to change it) and bounded: the
//! default case counts keep a debug run near a minute. Run longer with
//! `PYRT_FUZZ_CASES=20000 cargo test --release -p pyrt --test fuzz_programs`. A failing
//! program is shrunk by proptest and written under the target directory's
//! `tmp/pyrt-fuzz/`; the failure message names the file.

mod fuzz_gen;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Cases per target: `PYRT_FUZZ_CASES`, or `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PYRT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A runner with a fixed seed (`PYRT_FUZZ_SEED` overrides it) and no persisted failures, so a
/// run is reproducible and leaves nothing behind in the source tree.
fn runner(cases: u32, salt: u64) -> TestRunner {
    let seed: u64 = std::env::var("PYRT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_f022);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&(seed ^ salt).to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Where failing inputs are written.
fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyrt-fuzz");
    std::fs::create_dir_all(&d).expect("fuzz output dir");
    d
}

/// Per-program wall-clock limit: `PYRT_FUZZ_TIMEOUT_S`, else 20 s (a debug build is slow).
fn timeout() -> Duration {
    let s = std::env::var("PYRT_FUZZ_TIMEOUT_S")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(s)
}

/// How one run of the `pyrt` binary ended.
#[derive(Debug)]
enum Outcome {
    /// Exited with this status (0, 1 for an uncaught exception, 2 for a construct outside the
    /// subset are all fine).
    Exit(i32),
    /// Killed by a signal (a segfault, an abort, a stack overflow).
    Signal(i32),
    /// Still running at the timeout (killed).
    Hang,
}

/// Run `path` on `exe`, with a 6 GiB address-space limit so that a runaway allocation is an
/// allocation failure, not a machine out of memory. Returns the outcome and the stderr tail.
fn run_file(exe: &str, path: &Path, limit: Duration) -> (Outcome, String) {
    let err_path = path.with_extension("stderr");
    let err_file = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 6291456 2>/dev/null; exec \"$0\" \"$@\"")
        .arg(exe)
        .arg(path)
        .env("GC_WORKERS", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err_file)
        .spawn()
        .expect("spawn pyrt");
    let start = Instant::now();
    let outcome = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            use std::os::unix::process::ExitStatusExt;
            break match (status.code(), status.signal()) {
                (Some(c), _) => Outcome::Exit(c),
                (None, Some(s)) => Outcome::Signal(s),
                (None, None) => Outcome::Exit(-1),
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break Outcome::Hang;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut err = String::new();
    if let Ok(mut f) = std::fs::File::open(&err_path) {
        let _ = f.read_to_string(&mut err);
    }
    let _ = std::fs::remove_file(&err_path);
    // The panic's location and message first, then the last lines.
    let lines: Vec<&str> = err.lines().collect();
    let mut tail: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("panicked at"))
        .take(1)
        .collect();
    tail.extend(&lines[lines.len().saturating_sub(4)..]);
    let tail = tail.join("\n");
    (outcome, tail)
}

/// Whether CPython (`python3`, if present) finishes `path` within `limit`: a program CPython
/// cannot finish either is slow by nature (huge arithmetic), not a pyrt hang.
fn cpython_finishes(path: &Path, limit: Duration) -> bool {
    let Ok(mut child) = Command::new("python3")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return true;
    };
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Run one generated program; `Err` describes a crash, a panic or a hang.
fn check_program(exe: &str, src: &str, n: u64) -> Result<(), String> {
    let path = out_dir().join(format!("case-{}-{n}.py", std::process::id()));
    std::fs::write(&path, src).expect("write case");
    let (outcome, tail) = run_file(exe, &path, timeout());
    if std::env::var_os("PYRT_FUZZ_KEEP").is_some() {
        let _ = std::fs::copy(&path, path.with_extension(format!("{outcome:?}.py")));
    }
    let bad = match outcome {
        Outcome::Exit(0..=2) => None,
        Outcome::Hang => {
            // Only a hang if CPython runs it in a tenth of the time.
            (cpython_finishes(&path, timeout() / 10)).then(|| "hang (killed at the timeout)".into())
        }
        Outcome::Exit(c) => Some(format!("exit status {c}")),
        Outcome::Signal(s) => Some(format!("killed by signal {s}")),
    };
    match bad {
        None => {
            let _ = std::fs::remove_file(&path);
            Ok(())
        }
        Some(what) => {
            let keep = out_dir().join(format!("failure-{}.py", std::process::id()));
            std::fs::write(&keep, src).expect("write failure");
            let _ = std::fs::remove_file(&path);
            Err(format!(
                "pyrt: {what} on the program in {} (latest shrink step)\nstderr tail:\n{tail}",
                keep.display()
            ))
        }
    }
}

/// The signature of a failure: the panic's location if there is one, else the failure kind.
fn signature(msg: &str) -> String {
    msg.lines()
        .find_map(|l| l.split_once("panicked at ").map(|(_, loc)| loc.to_string()))
        .unwrap_or_else(|| {
            msg.lines()
                .next()
                .unwrap_or("")
                .split(" on the")
                .next()
                .unwrap_or("")
                .into()
        })
}

#[test]
fn random_programs_never_crash_the_runtime() {
    let exe = env!("CARGO_BIN_EXE_pyrt");
    let mut runner = runner(cases(300), 1);
    let counter = std::sync::atomic::AtomicU64::new(0);
    // `PYRT_FUZZ_TRIAGE=1`: run every case without stopping or shrinking, keep the shortest
    // program per distinct failure (panic location) and list them at the end.
    let triage = std::env::var_os("PYRT_FUZZ_TRIAGE").is_some();
    let found =
        std::sync::Mutex::new(std::collections::BTreeMap::<String, (String, String)>::new());
    let result = runner.run(&fuzz_gen::program(), |src| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match check_program(exe, &src, n) {
            Err(msg) if triage => {
                let mut f = found.lock().unwrap();
                let e = f
                    .entry(signature(&msg))
                    .or_insert_with(|| (src.clone(), msg.clone()));
                if src.len() < e.0.len() {
                    *e = (src.clone(), msg);
                }
                Ok(())
            }
            r => r.map_err(TestCaseError::fail),
        }
    });
    let found = found.into_inner().unwrap();
    for (i, (k, (src, msg))) in found.iter().enumerate() {
        let path = out_dir().join(format!("triage-{i}.py"));
        std::fs::write(&path, src).expect("write triage case");
        eprintln!("== {k}\n{}\n{msg}\n", path.display());
    }
    assert!(found.is_empty(), "{} distinct failures", found.len());
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The test programs, as mutation seeds.
fn seed_sources() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["tests/py", "tests/diff"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("test programs")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "py"))
            .collect();
        paths.sort();
        for p in paths {
            // Some seeds are deliberately not UTF-8 or hold a null byte; the compiler takes
            // `&str`, so keep the readable ones.
            if let Ok(s) = std::fs::read_to_string(&p) {
                // Mutating a 1 MB program is slow and finds nothing a small one does not.
                if s.len() <= 20_000 {
                    out.push(s);
                }
            }
        }
    }
    out
}

#[test]
fn mutated_sources_never_crash_the_compiler() {
    let seeds = seed_sources();
    assert!(seeds.len() > 20, "found {} seed programs", seeds.len());
    // A stack overflow aborts the process before a message can be printed: the input being
    // compiled is written here first, so an abort leaves it behind.
    let current = out_dir().join(format!("compiling-{}.py", std::process::id()));
    let mut runner = runner(cases(1000), 2);
    let result = runner.run(
        &fuzz_gen::mutate::mutated(seeds.len()),
        |(seed, muts): (usize, Vec<fuzz_gen::mutate::Mutation>)| {
            let src = fuzz_gen::mutate::apply(&seeds[seed], &muts);
            std::fs::write(&current, &src).expect("write current input");
            let r = std::panic::catch_unwind(|| pyrt::compile(&src, "<fuzz>").map(|_| ()));
            match r {
                Ok(_) => Ok(()),
                Err(p) => {
                    let keep = out_dir().join(format!("compile-failure-{}.py", std::process::id()));
                    std::fs::write(&keep, &src).expect("write failure");
                    Err(TestCaseError::fail(format!(
                        "compiler panicked ({}) on {}",
                        pyrt::vm::panic_message(p.as_ref()),
                        keep.display()
                    )))
                }
            }
        },
    );
    let _ = std::fs::remove_file(&current);
    if let Err(e) = result {
        panic!("{e}");
    }
}
