//! gc-vm-adapter (in progress).
pub mod interp;
