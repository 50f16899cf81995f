//! Library side of `gc-stress`: garbage-scaling stress runs with an independent checker,
//! one-shot collection timings, and pause profiling (analysis and export of collection
//! records).
//!
//! * [`cli`] — the command line (clap derive) and argument validation.
//! * [`model`] — the object model the workloads run on and the independent checker.
//! * [`scale`] — `gc-stress scale`: T mutator threads, continuous garbage, a live set.
//! * [`collect`] — `gc-stress collect`: timed full collections of standard graph shapes.
//! * [`deaths`] — `gc-stress deaths`: deep finalizable chains dropped by refcount on several
//!   threads while finalizers collect; every object finalized and freed exactly once.
//! * [`profile`] — pause percentiles, MMU, Chrome traces, SVG plots (`gc-stress profile`).
//! * [`report`] — tables, memory readings, formatting.
//! * [`app`] — the program: dispatch and exit status (0 ok, 1 verification failure, 2 usage).

pub mod app;
pub mod cli;
pub mod collect;
pub mod deaths;
pub mod model;
pub mod profile;
pub mod report;
pub mod scale;
