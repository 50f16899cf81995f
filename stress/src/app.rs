//! The `gc-stress` program: parse, run the subcommand, print, exit status.
//!
//! Exit status: 0 success; 1 a verification failure (something was lost or corrupted) or an
//! output file could not be written; 2 a usage error (bad arguments).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;

use crate::cli::{Cli, CollectArgs, Command, ModelKind, ProfileArgs, ScaleArgs, WorkloadArgs};
use crate::model::{adapter, lean};
use crate::report;
use crate::scale::{self, Progress, RunOutcome, ScaleReport};

/// Exit status for a verification failure.
pub const EXIT_VIOLATION: i32 = 1;
/// Exit status for a usage error.
pub const EXIT_USAGE: i32 = 2;

/// Run the program with the process arguments; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    // A mistyped GC_* variable would otherwise only warn and fall back to the default, and
    // the run would measure something else than asked.
    if let Err(e) = gc_core::config::check_env() {
        return usage_error(&e.to_string());
    }
    match cli.command {
        None => scale_cmd(&ScaleArgs::default()),
        Some(Command::Scale(a)) => scale_cmd(&a),
        Some(Command::Collect(a)) => collect_cmd(&a),
        Some(Command::Profile(a)) => profile_cmd(&a),
        Some(Command::Deaths(a)) => crate::deaths::run(&a),
    }
}

fn usage_error(msg: &str) -> i32 {
    eprintln!("error: {msg}");
    EXIT_USAGE
}

fn check_fault_flag(fault: bool, model: ModelKind) -> Result<(), String> {
    if fault && !cfg!(feature = "fault-injection") {
        return Err(
            "--inject-fault needs gc-stress built with `--features fault-injection`".to_string(),
        );
    }
    if fault && model != ModelKind::Lean {
        return Err(
            "--inject-fault needs --model lean (the adapter's roots are counted \
             references, which a skipped mark cannot lose)"
                .to_string(),
        );
    }
    Ok(())
}

fn validate_workload(w: &WorkloadArgs) -> Result<(), String> {
    check_fault_flag(w.inject_fault.is_some(), w.model)?;
    if w.inject_fault.is_some() && w.live == 0 {
        return Err("--inject-fault needs a live set (--live > 0)".to_string());
    }
    if w.inject_fault.is_some() {
        eprintln!(
            "note: --inject-fault turns gc-core's own self-check off: only gc-stress's \
             independent checker can catch the fault"
        );
    }
    Ok(())
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(File::create(path)?);
        serde_json::to_writer_pretty(&mut f, value)?;
        f.write_all(b"\n")?;
        f.flush()
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn suffixed(path: &Path, threads: usize, several: bool) -> PathBuf {
    if !several {
        return path.to_path_buf();
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("trace");
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-t{threads}.{ext}"),
        None => format!("{stem}-t{threads}"),
    };
    path.with_file_name(name)
}

/// Run the workload for every thread count, printing a line per finished count.
fn run_all(
    w: &WorkloadArgs,
    command: &str,
    mut each: impl FnMut(&RunOutcome) -> Result<(), String>,
) -> Result<ScaleReport, String> {
    eprintln!(
        "gc-stress {command}: model {:?}, shape {}, live set {} objects, {} s per thread count, \
         threads {:?}{}",
        w.model,
        w.shape.name(),
        w.live,
        w.seconds,
        w.threads.0,
        if w.verify {
            ", verifying every collection"
        } else {
            ""
        }
    );
    let mut runs = Vec::new();
    for &t in &w.threads.0 {
        let progress = Progress::new(t, Duration::from_secs_f64(w.seconds));
        let tick = |t| progress.tick(t);
        let out = match w.model {
            ModelKind::Adapter => scale::run_one::<adapter::World>(w, t, &tick),
            ModelKind::Lean => scale::run_one::<lean::World>(w, t, &tick),
        };
        progress.finish();
        let r = &out.result;
        eprintln!(
            "T={t}: {} alloc/s, {} collected/s, {} collections, GC {:.1}%, stopped p99 {} ms{}",
            report::si(r.allocated_per_s),
            report::si(r.collected_per_s),
            r.collections,
            100.0 * r.gc_share,
            report::ms(r.stopped.p99_ns),
            if r.violations > 0 {
                format!(", {} VIOLATIONS", r.violations)
            } else {
                String::new()
            }
        );
        each(&out)?;
        let failed = out.result.violations > 0;
        runs.push(out.result);
        if failed {
            break;
        }
    }
    Ok(ScaleReport {
        command: command.to_string(),
        model: match w.model {
            ModelKind::Adapter => "adapter",
            ModelKind::Lean => "lean",
        }
        .to_string(),
        shape: w.shape.name().to_string(),
        seconds: w.seconds,
        live: w.live,
        verify: w.verify,
        poison: cfg!(feature = "poison"),
        process_peak_rss_bytes: report::peak_rss_bytes().unwrap_or(0),
        runs,
    })
}

fn print_violations(runs: &[scale::RunResult]) -> i32 {
    let total = scale::violations(runs);
    if total == 0 {
        return 0;
    }
    eprintln!("VERIFICATION FAILED: {total} violation(s)");
    for r in runs {
        if r.violations == 0 {
            continue;
        }
        eprintln!("  with {} threads:", r.threads);
        for m in &r.violation_messages {
            eprintln!("    {m}");
        }
    }
    EXIT_VIOLATION
}

fn scale_cmd(a: &ScaleArgs) -> i32 {
    if let Err(e) = validate_workload(&a.workload) {
        return usage_error(&e);
    }
    let several = a.workload.threads.0.len() > 1;
    let rep = run_all(&a.workload, "scale", |out| {
        if let Some(p) = &a.trace {
            let path = suffixed(p, out.result.threads, several);
            let f =
                File::create(&path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            crate::profile::write_chrome_trace(&out.records, f)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    });
    let rep = match rep {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_VIOLATION;
        }
    };
    println!(
        "gc-stress scale --model {} --shape {} --live {} --seconds {} (workers {}, poisoned \
         frees{})",
        rep.model,
        rep.shape,
        rep.live,
        rep.seconds,
        rep.runs.first().map_or(0, |r| r.workers),
        if rep.verify { ", verified" } else { "" }
    );
    print!("{}", report::scale_table(&rep.runs));
    if let Some(p) = &a.json {
        if let Err(e) = write_json(p, &rep) {
            eprintln!("error: {e}");
            return EXIT_VIOLATION;
        }
    }
    print_violations(&rep.runs)
}

fn profile_cmd(a: &ProfileArgs) -> i32 {
    if let Err(e) = validate_workload(&a.workload) {
        return usage_error(&e);
    }
    let several = a.workload.threads.0.len() > 1;
    let rep = run_all(&a.workload, "profile", |out| {
        let dir = if several {
            a.out.join(format!("t{}", out.result.threads))
        } else {
            a.out.clone()
        };
        crate::profile::write_profile_dir(&out.records, out.span, &dir)
            .map_err(|e| format!("cannot write the profile to {}: {e}", dir.display()))?;
        let wall = out.span.1 - out.span.0;
        println!(
            "profile of {} mutator threads ({} s, shape {}, live {}): {}",
            out.result.threads,
            a.workload.seconds,
            a.workload.shape.name(),
            a.workload.live,
            dir.display()
        );
        print!("{}", crate::profile::summary_table(&out.records, wall));
        println!(
            "wrote trace.json, records.json, summary.txt, pauses.svg, histogram.svg, mmu.svg in {}",
            dir.display()
        );
        Ok(())
    });
    match rep {
        Ok(r) => print_violations(&r.runs),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_VIOLATION
        }
    }
}

fn collect_cmd(a: &CollectArgs) -> i32 {
    if let Err(e) = check_fault_flag(a.inject_fault.is_some(), a.model)
        .and_then(|_| crate::collect::validate(a))
    {
        return usage_error(&e);
    }
    let r = match a.model {
        ModelKind::Adapter => crate::collect::run::<adapter::World>(a),
        ModelKind::Lean => crate::collect::run::<lean::World>(a),
    };
    println!("{}", crate::collect::summary(&r));
    if let Some(p) = &a.json {
        if let Err(e) = write_json(p, &r) {
            eprintln!("error: {e}");
            return EXIT_VIOLATION;
        }
    }
    if r.violations > 0 {
        eprintln!("VERIFICATION FAILED: {} violation(s)", r.violations);
        for m in &r.violation_messages {
            eprintln!("  {m}");
        }
        return EXIT_VIOLATION;
    }
    0
}
