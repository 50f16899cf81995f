//! The summary table: every workload × system, each measured in a child process (so a peer
//! that overflows its stack, crashes or hangs is reported as such instead of killing the run).

use std::fmt::Write as _;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::peers::{
    arc_floor::ArcFloor, bacon_rajan::BaconRajan, dumpster_sync::DumpsterSync,
    gcmodule_threaded::GcModuleThreaded, ours::Ours, rc_floor::RcFloor, rust_cc::RustCc,
};
use crate::workloads::{collect_once, System, Workload};

/// What one cell measured.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Collection times, ns, one per repetition.
    Ok(Vec<u64>),
    /// The system does not apply to this workload (e.g. thread-local peers, cross-thread).
    NotApplicable,
    /// The system failed; the text says how.
    Failed(String),
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct Cell {
    /// System name.
    pub system: String,
    /// Workload.
    pub workload: Workload,
    /// Requested size (objects).
    pub size: usize,
    /// Objects in the graph (as built).
    pub objects: u64,
    /// Outcome.
    pub outcome: Outcome,
}

impl Cell {
    /// Median collection time, ns.
    pub fn median_ns(&self) -> Option<u64> {
        match &self.outcome {
            Outcome::Ok(v) if !v.is_empty() => {
                let mut v = v.clone();
                v.sort_unstable();
                Some(v[v.len() / 2])
            }
            _ => None,
        }
    }
}

fn measure<S: System>(s: &S, w: Workload, n: usize, reps: usize) -> Option<(u64, Vec<u64>)> {
    // One warm-up run (heap pages, thread pools, allocator caches), then `reps` measured runs.
    let (_, objects) = collect_once(s, w, n)?;
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let (d, _) = collect_once(s, w, n)?;
        times.push(d.as_nanos() as u64);
    }
    Some((objects, times))
}

/// Measure one cell in this process. `None`: not applicable.
pub fn run_cell_here(system: &str, w: Workload, n: usize, reps: usize) -> Option<(u64, Vec<u64>)> {
    match system {
        "ours-w1" => measure(&Ours::new(1), w, n, reps),
        "ours-w2" => measure(&Ours::new(2), w, n, reps),
        s if s.starts_with("ours-w") => {
            let k = s["ours-w".len()..].parse().expect("bad worker count");
            measure(&Ours::new(k), w, n, reps)
        }
        "dumpster-sync" => measure(&DumpsterSync::new(), w, n, reps),
        "gcmodule-threaded" => measure(&GcModuleThreaded::default(), w, n, reps),
        "rust-cc" => measure(&RustCc::new(), w, n, reps),
        "bacon-rajan-cc" => measure(&BaconRajan, w, n, reps),
        "arc-floor" => measure(&ArcFloor, w, n, reps),
        "rc-floor" => measure(&RcFloor, w, n, reps),
        other => panic!("unknown system {other}"),
    }
}

/// Child-process entry: run the cell on a thread with `stack_mb` of stack and print one
/// `RESULT objects t1,t2,...` or `NA` line.
pub fn child_main(system: &str, w: Workload, n: usize, reps: usize, stack_mb: usize) {
    let system = system.to_string();
    let r = std::thread::Builder::new()
        .name("cell".into())
        .stack_size(stack_mb << 20)
        .spawn(move || run_cell_here(&system, w, n, reps))
        .expect("spawn")
        .join();
    match r {
        Ok(Some((objects, times))) => {
            let t: Vec<String> = times.iter().map(|t| t.to_string()).collect();
            println!("RESULT {objects} {}", t.join(","));
        }
        Ok(None) => println!("NA"),
        Err(_) => std::process::exit(101),
    }
}

/// Run one cell in a child process of `exe` with a time limit.
pub fn run_cell_child(
    exe: &std::path::Path,
    system: &str,
    w: Workload,
    n: usize,
    reps: usize,
    stack_mb: usize,
    timeout: Duration,
) -> Cell {
    let size_txt = human(n as u64);
    let mut cell = Cell {
        system: system.to_string(),
        workload: w,
        size: n,
        objects: 0,
        outcome: Outcome::NotApplicable,
    };
    let child = Command::new(exe)
        .args([
            "--cell",
            system,
            w.name(),
            &n.to_string(),
            &reps.to_string(),
            &stack_mb.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            cell.outcome = Outcome::Failed(format!("failed: could not start child: {e}"));
            return cell;
        }
    };
    // Drain stderr on a thread so a chatty child cannot block on a full pipe.
    let mut err_pipe = child.stderr.take().expect("stderr");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let mut out = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    let err = err_reader.join().unwrap_or_default();
    let Some(status) = status else {
        cell.outcome = Outcome::Failed(format!(
            "failed: timeout (>{}s) at {size_txt}",
            timeout.as_secs()
        ));
        return cell;
    };
    if status.success() {
        for line in out.lines() {
            if let Some(rest) = line.strip_prefix("RESULT ") {
                let mut it = rest.split(' ');
                cell.objects = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
                let times = it
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .filter_map(|x| x.parse().ok())
                    .collect();
                cell.outcome = Outcome::Ok(times);
                return cell;
            }
            if line.trim() == "NA" {
                return cell;
            }
        }
        cell.outcome = Outcome::Failed(format!("failed: no result at {size_txt}"));
        return cell;
    }
    let why = if err.contains("overflowed its stack") {
        "stack overflow".to_string()
    } else if let Some(p) = err.lines().find(|l| l.contains("panicked")) {
        let msg = err
            .lines()
            .skip_while(|l| !l.contains("panicked"))
            .nth(1)
            .unwrap_or(p);
        format!(
            "panic ({})",
            msg.trim().chars().take(80).collect::<String>()
        )
    } else if err.contains("memory allocation") || err.contains("out of memory") {
        "out of memory".to_string()
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            match status.signal() {
                Some(sig) => format!("crashed (signal {sig})"),
                None => format!("exit code {:?}", status.code()),
            }
        }
        #[cfg(not(unix))]
        format!("exit code {:?}", status.code())
    };
    cell.outcome = Outcome::Failed(format!("failed: {why} at {size_txt}"));
    cell
}

/// 1000 -> "1k", 1_000_000 -> "1M", 4_100_000 -> "4.1M".
pub fn human(n: u64) -> String {
    if n >= 1_000_000 {
        let m = n as f64 / 1e6;
        if (m - m.round()).abs() < 1e-9 {
            format!("{}M", m.round())
        } else {
            format!("{m:.1}M")
        }
    } else if n >= 1000 && (n / 1000) * 1000 == n {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

fn fmt_time(ns: u64) -> String {
    if ns >= 1_000_000_000 {
        format!("{:.2} s", ns as f64 / 1e9)
    } else if ns >= 1_000_000 {
        format!("{:.2} ms", ns as f64 / 1e6)
    } else {
        format!("{:.1} µs", ns as f64 / 1e3)
    }
}

/// The table as Markdown (also readable as plain text).
pub fn table(cells: &[Cell]) -> String {
    let mut s = String::new();
    s.push_str("| system | workload | objects | median collection | ns/object | vs ours-w1 |\n");
    s.push_str("|---|---|---:|---:|---:|---:|\n");
    for c in cells {
        let base = cells
            .iter()
            .find(|b| b.system == "ours-w1" && b.workload == c.workload && b.size == c.size)
            .and_then(Cell::median_ns);
        let objects = if c.objects > 0 {
            c.objects
        } else {
            c.size as u64
        };
        let obj_txt = if c.workload == Workload::GcTraversal {
            format!("{} lists", human(objects))
        } else {
            human(objects)
        };
        match (&c.outcome, c.median_ns()) {
            (Outcome::Ok(_), Some(m)) => {
                let ratio = base
                    .map(|b| format!("{:.2}x", m as f64 / b.max(1) as f64))
                    .unwrap_or_else(|| "–".into());
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {:.1} | {} |",
                    c.system,
                    c.workload.name(),
                    obj_txt,
                    fmt_time(m),
                    m as f64 / objects.max(1) as f64,
                    ratio
                );
            }
            (Outcome::Failed(why), _) => {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | – | – |",
                    c.system,
                    c.workload.name(),
                    obj_txt,
                    why
                );
            }
            _ => {}
        }
    }
    s
}

/// `nproc` and the CPU model.
pub fn machine_description() -> String {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("nproc = {nproc}, CPU: {model}")
}

/// Markers of the section this tool owns in docs/benchmarks.md.
pub const BEGIN: &str = "<!-- peers:begin -->";
/// End marker.
pub const END: &str = "<!-- peers:end -->";

/// Replace (or append) the marked section of `doc` with `section`.
pub fn replace_section(doc: &str, section: &str) -> String {
    let block = format!("{BEGIN}\n{section}{END}");
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{}{}", &doc[..b], block, &doc[e + END.len()..])
        }
        _ => {
            let mut d = doc.to_string();
            if !d.is_empty() && !d.ends_with('\n') {
                d.push('\n');
            }
            if !d.is_empty() {
                d.push('\n');
            }
            d.push_str(&block);
            d.push('\n');
            d
        }
    }
}
