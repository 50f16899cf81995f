//! gc-vm-adapter (in progress).
