//! `gc-bench-summary`: every standard workload × system, median of N collections each, as one
//! table; `--write docs/benchmarks.md` replaces the `<!-- peers:begin -->` section there.
//!
//! ```text
//! gc-bench-summary [--sizes 100000,1000000] [--reps 5] [--systems a,b] [--workloads a,b]
//!                  [--timeout 180] [--stack-mb 256] [--write docs/benchmarks.md]
//! ```
//! Each cell runs in a child process (this binary with `--cell`), so a system that overflows
//! its stack, crashes or runs past the timeout is reported in the table as failed.

use std::time::Duration;

use gc_benches::peers::SYSTEMS;
use gc_benches::summary::{self, Cell};
use gc_benches::Workload;

struct Args {
    sizes: Vec<usize>,
    reps: usize,
    systems: Vec<String>,
    workloads: Vec<Workload>,
    timeout: u64,
    stack_mb: usize,
    write: Option<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: gc-bench-summary [--sizes N,N] [--reps N] [--systems a,b] [--workloads a,b] \
         [--timeout SECS] [--stack-mb MB] [--write docs/benchmarks.md]\n\
         systems: {}\nworkloads: {}",
        SYSTEMS.join(","),
        Workload::ALL.map(|w| w.name()).join(",")
    );
    std::process::exit(2)
}

fn parse_args(raw: &[String]) -> Args {
    let mut a = Args {
        sizes: vec![100_000, 1_000_000],
        reps: 5,
        systems: SYSTEMS.iter().map(|s| s.to_string()).collect(),
        workloads: Workload::ALL.to_vec(),
        timeout: 180,
        stack_mb: 256,
        write: None,
    };
    let mut it = raw.iter();
    while let Some(flag) = it.next() {
        let mut val = || it.next().cloned().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--sizes" => {
                a.sizes = val()
                    .split(',')
                    .map(|x| {
                        x.trim()
                            .replace('_', "")
                            .parse()
                            .unwrap_or_else(|_| usage())
                    })
                    .collect()
            }
            "--reps" => a.reps = val().parse().unwrap_or_else(|_| usage()),
            "--systems" => a.systems = val().split(',').map(str::to_string).collect(),
            "--workloads" => {
                a.workloads = val()
                    .split(',')
                    .map(|w| Workload::parse(w).unwrap_or_else(|| usage()))
                    .collect()
            }
            "--timeout" => a.timeout = val().parse().unwrap_or_else(|_| usage()),
            "--stack-mb" => a.stack_mb = val().parse().unwrap_or_else(|_| usage()),
            "--write" => a.write = Some(val()),
            _ => usage(),
        }
    }
    a
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if raw.first().map(String::as_str) == Some("--cell") {
        if raw.len() != 6 {
            usage();
        }
        let w = Workload::parse(&raw[2]).unwrap_or_else(|| usage());
        let n = raw[3].parse().unwrap_or_else(|_| usage());
        let reps = raw[4].parse().unwrap_or_else(|_| usage());
        let stack = raw[5].parse().unwrap_or_else(|_| usage());
        summary::child_main(&raw[1], w, n, reps, stack);
        return;
    }
    let args = parse_args(&raw);
    let exe = std::env::current_exe().expect("current_exe");
    let mut cells: Vec<Cell> = Vec::new();
    for &w in &args.workloads {
        let sizes: Vec<usize> = if w.fixed_size() {
            vec![0]
        } else {
            args.sizes.clone()
        };
        for &n in &sizes {
            for sys in &args.systems {
                eprint!("{sys} {} {} ... ", w.name(), summary::human(n as u64));
                let c = summary::run_cell_child(
                    &exe,
                    sys,
                    w,
                    n,
                    args.reps,
                    args.stack_mb,
                    Duration::from_secs(args.timeout),
                );
                match (&c.outcome, c.median_ns()) {
                    (_, Some(m)) => eprintln!("{:.2} ms", m as f64 / 1e6),
                    (summary::Outcome::Failed(why), _) => eprintln!("{why}"),
                    _ => eprintln!("n/a"),
                }
                cells.push(c);
            }
        }
    }
    let table = summary::table(&cells);
    println!("{table}");
    let machine = summary::machine_description();
    println!("{machine}");
    if let Some(path) = &args.write {
        let cmd = format!(
            "cargo run -p gc-benches --release --bin gc-bench-summary -- {}",
            raw.join(" ")
        );
        let section = format!(
            "## Peer comparison\n\n\
             Collection time only (graph built untimed; timed: drop the external handles to the \
             garbage, then one explicit collection; the Arc/Rc floors break cycles by hand \
             instead). Median of {} runs after one warm-up, each cell in its own process on a \
             thread with a {} MiB stack; every run checks that exactly the garbage was freed \
             (Drop/destroy counters). \"vs ours-w1\" is the cell's time divided by gc-core's \
             with 1 worker (above 1 = slower than ours). mixed = live tree of N/2 plus N/2 ring \
             garbage; gc_collect = 100 000 rings of 41; gc_traversal = 1000 lists, 499 500 \
             references.\n\n\
             Machine: {machine}\n\n\
             Command: `{cmd}`\n\n{table}\n",
            args.reps, args.stack_mb
        );
        let doc = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".into());
        let new = summary::replace_section(&doc, &section);
        if let Some(dir) = std::path::Path::new(path).parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, new).expect("write benchmarks doc");
        eprintln!("wrote {path}");
    }
}
