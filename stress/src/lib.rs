//! Library side of `gc-stress`: pause profiling (analysis and export of collection records).

pub mod profile;
