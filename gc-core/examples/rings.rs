//! A complete minimal VM binding and the rings workload: R rings of 20 nodes (`next`/`prev`),
//! all garbage, collected with 1 and 2 (or `--workers`) GC workers.
//!
//! Run: `cargo run --release -p gc-core --example rings -- [objects] [workers...]`

use std::time::Instant;

use gc_core::{GcConfig, GcRuntime};

#[path = "common/ring_vm.rs"]
mod ring_vm;
use ring_vm::{build_rings, RingVm};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let objects = args.first().copied().unwrap_or(1_000_000);
    let workers: Vec<usize> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![1, 2]
    };
    for &w in &workers {
        let rt = GcRuntime::new(
            RingVm,
            GcConfig::default().with_workers(w).with_enabled(false),
        );
        let m = rt.register_mutator("main");
        let mut times = Vec::new();
        for _ in 0..7 {
            build_rings(&m, objects);
            let t = Instant::now();
            let n = m.collect();
            times.push(t.elapsed());
            assert_eq!(n, objects / 20 * 20);
        }
        times.sort();
        let med = times[times.len() / 2];
        let rec = rt.last_record().unwrap();
        let phases: Vec<String> = rec
            .phases
            .iter()
            .map(|p| format!("{} {:.2}ms", p.phase.as_str(), p.duration_ns as f64 / 1e6))
            .collect();
        if std::env::var("RINGS_WORKERS_DETAIL").is_ok() {
            for ws in &rec.worker_stats {
                let spans: Vec<String> = ws
                    .spans
                    .iter()
                    .map(|s| {
                        format!(
                            "{} @{:.2} {:.2}ms",
                            s.phase.as_str(),
                            s.start_ns as f64 / 1e6,
                            s.duration_ns as f64 / 1e6
                        )
                    })
                    .collect();
                println!("  worker {}: {}", ws.worker, spans.join(", "));
            }
        }
        println!(
            "rings {objects} workers {w}: median {:.2} ms = {:.1} ns/object (stopped {:.2} ms); {}",
            med.as_secs_f64() * 1e3,
            med.as_nanos() as f64 / objects as f64,
            rec.stopped_ns as f64 / 1e6,
            phases.join(", ")
        );
    }
}
