//! SVG plots are written and look like SVG.

mod common;

use common::{periodic, temp_dir, MS};
use gc_stress::profile::mmu::{mmu_curve_from_records, run_span};
use gc_stress::profile::plots::{
    histogram_bins, plot_mmu, plot_pause_histogram, plot_pause_timeline, write_all_plots,
};

fn assert_svg(path: &std::path::Path) {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        s.trim_start().starts_with("<svg"),
        "{}",
        &s[..s.len().min(200)]
    );
    assert!(s.trim_end().ends_with("</svg>"));
    assert!(s.contains("<text"), "axis labels are emitted as <text>");
}

#[test]
fn all_plots_written() {
    let rs = periodic(40, 5 * MS, 25 * MS);
    let curve = mmu_curve_from_records(&rs, run_span(&rs));
    let dir = temp_dir("plots");
    write_all_plots(&rs, &curve, &dir).unwrap();
    for f in ["pauses.svg", "histogram.svg", "mmu.svg"] {
        assert_svg(&dir.join(f));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_inputs_do_not_panic() {
    let dir = temp_dir("plots-empty");
    plot_pause_timeline(&[], &dir.join("pauses.svg")).unwrap();
    plot_pause_histogram(&[], &dir.join("histogram.svg")).unwrap();
    plot_mmu(&[], &dir.join("mmu.svg")).unwrap();
    for f in ["pauses.svg", "histogram.svg", "mmu.svg"] {
        assert_svg(&dir.join(f));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn histogram_bins_cover_all_pauses() {
    let pauses: Vec<f64> = (0..1000).map(|i| i as f64 * 0.01).collect();
    let (width, counts) = histogram_bins(&pauses);
    assert!(width > 0.0);
    assert_eq!(counts.iter().sum::<u64>(), 1000);
    assert!(width * counts.len() as f64 > 9.99);
    assert!((10..=61).contains(&counts.len()), "{}", counts.len());
}

#[test]
fn profile_dir_has_every_file() {
    let rs = periodic(10, 0, 10 * MS);
    let dir = temp_dir("profile-dir").join("nested");
    gc_stress::profile::write_profile_dir(&rs, (0, 100 * MS), &dir).unwrap();
    for f in ["pauses.svg", "histogram.svg", "mmu.svg"] {
        assert_svg(&dir.join(f));
    }
    let trace: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("trace.json")).unwrap()).unwrap();
    assert!(trace["traceEvents"].is_array());
    let recs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("records.json")).unwrap()).unwrap();
    assert_eq!(recs.as_array().unwrap().len(), 10);
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert!(summary.contains("collected 10000"), "{summary}");
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}
