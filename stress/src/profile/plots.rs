//! SVG plots (plotters, SVG backend; text is emitted as `<text>` elements, so no system fonts are
//! needed).
//!
//! * [`plot_pause_timeline`] — `pauses.svg`: x = collection start (s since the runtime epoch),
//!   y = pause (ms); a bar per collection for its world-stopped time and a dot for its whole
//!   duration.
//! * [`plot_pause_histogram`] — `histogram.svg`: world-stopped pause counts in linear bins.
//! * [`plot_mmu`] — `mmu.svg`: MMU curve, log x (window, ms), y 0..1.
//! * [`write_all_plots`] — all three into a directory.

use std::io;
use std::path::Path;

use gc_core::record::CollectionRecord;
use plotters::prelude::*;

use super::mmu::MmuPoint;

/// Pixel size of every plot.
pub const PLOT_SIZE: (u32, u32) = (1000, 600);

fn err<E: std::fmt::Display>(e: E) -> io::Error {
    io::Error::other(e.to_string())
}

/// Upper bound for an axis: `max * 1.1`, never zero.
fn headroom(max: f64, fallback: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.1
    } else {
        fallback
    }
}

/// Pause timeline: one bar per collection (world-stopped ms), plus a dot at the whole
/// collection's duration (ms), at its start time (s).
pub fn plot_pause_timeline(records: &[CollectionRecord], path: &Path) -> io::Result<()> {
    let pts: Vec<(f64, f64, f64)> = records
        .iter()
        .map(|r| {
            (
                r.start_ns as f64 / 1e9,
                r.stopped_ns as f64 / 1e6,
                r.duration_ns() as f64 / 1e6,
            )
        })
        .collect();
    let x_min = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_min = if x_min.is_finite() {
        x_min.min(0.0)
    } else {
        0.0
    };
    let x_max = headroom(pts.iter().map(|p| p.0).fold(0.0, f64::max), 1.0);
    let y_max = headroom(pts.iter().map(|p| p.1.max(p.2)).fold(0.0, f64::max), 1.0);
    let bar_w = ((x_max - x_min) / 1000.0).max(1e-9);

    let root = SVGBackend::new(path, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("GC pauses", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("time since start (s)")
        .y_desc("pause (ms)")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(pts.iter().map(|&(x, stopped, _)| {
            Rectangle::new([(x, 0.0), (x + bar_w, stopped)], RED.mix(0.8).filled())
        }))
        .map_err(err)?
        .label("world stopped")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], RED.filled()));
    chart
        .draw_series(
            pts.iter()
                .map(|&(x, _, total)| Circle::new((x, total), 2, BLUE.mix(0.6).filled())),
        )
        .map_err(err)?
        .label("whole collection")
        .legend(|(x, y)| Circle::new((x + 5, y), 3, BLUE.filled()));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Bins of the pause histogram: `(bin width ms, counts)`; bin i covers `[i*width, (i+1)*width)`, covering
/// `0..=max`. The bin count is `sqrt(n)` clamped to 10..=60, and the width is rounded up to a
/// "nice" 1/2/5 × 10^k ms.
pub fn histogram_bins(pauses_ms: &[f64]) -> (f64, Vec<u64>) {
    let max = pauses_ms.iter().copied().fold(0.0, f64::max);
    let n_bins = ((pauses_ms.len() as f64).sqrt().ceil() as usize).clamp(10, 60);
    let raw = if max > 0.0 {
        max / n_bins as f64
    } else {
        0.001
    };
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let width = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * base)
        .find(|&w| w >= raw)
        .unwrap_or(10.0 * base);
    let bins = ((max / width).floor() as usize + 1).max(1);
    let mut counts = vec![0u64; bins];
    for &p in pauses_ms {
        let i = ((p / width).floor() as usize).min(bins - 1);
        counts[i] += 1;
    }
    (width, counts)
}

/// Histogram of world-stopped pauses (ms) in linear bins (see [`histogram_bins`]).
pub fn plot_pause_histogram(records: &[CollectionRecord], path: &Path) -> io::Result<()> {
    let pauses: Vec<f64> = records.iter().map(|r| r.stopped_ns as f64 / 1e6).collect();
    let (width, counts) = histogram_bins(&pauses);
    let x_max = width * counts.len() as f64;
    let y_max = headroom(counts.iter().copied().max().unwrap_or(0) as f64, 1.0);

    let root = SVGBackend::new(path, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "World-stopped pause histogram ({} collections)",
                pauses.len()
            ),
            ("sans-serif", 24),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(format!("pause (ms), bin width {width} ms"))
        .y_desc("collections")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(i, &c)| {
                    let x0 = i as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], BLUE.mix(0.7).filled())
                }),
        )
        .map_err(err)?;
    root.present().map_err(err)
}

/// MMU curve: x = window (ms, log scale), y = MMU (0..1).
pub fn plot_mmu(curve: &[MmuPoint], path: &Path) -> io::Result<()> {
    let xs = curve.iter().map(|p| p.window_ns.max(1) as f64 / 1e6);
    let x_min = xs.clone().fold(f64::INFINITY, f64::min);
    let x_max = xs.fold(0.0, f64::max);
    let (x_min, x_max) = if x_min.is_finite() && x_max > x_min {
        (x_min, x_max)
    } else if x_min.is_finite() {
        (x_min / 2.0, x_min * 2.0)
    } else {
        (1.0, 10_000.0)
    };

    let root = SVGBackend::new(path, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Minimum mutator utilisation", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((x_min..x_max).log_scale(), 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("window (ms)")
        .y_desc("MMU")
        .draw()
        .map_err(err)?;
    let pts: Vec<(f64, f64)> = curve
        .iter()
        .map(|p| (p.window_ns.max(1) as f64 / 1e6, p.mmu.clamp(0.0, 1.0)))
        .collect();
    chart
        .draw_series(LineSeries::new(pts.iter().copied(), GREEN.stroke_width(2)))
        .map_err(err)?;
    chart
        .draw_series(pts.iter().map(|&p| Circle::new(p, 3, GREEN.filled())))
        .map_err(err)?;
    root.present().map_err(err)
}

/// Writes `pauses.svg`, `histogram.svg` and `mmu.svg` into `dir` (which must exist).
pub fn write_all_plots(
    records: &[CollectionRecord],
    curve: &[MmuPoint],
    dir: &Path,
) -> io::Result<()> {
    plot_pause_timeline(records, &dir.join("pauses.svg"))?;
    plot_pause_histogram(records, &dir.join("histogram.svg"))?;
    plot_mmu(curve, &dir.join("mmu.svg"))
}
