//! Every system under test as a [`System`](crate::System): gc-core ([`ours`]), the peer cycle
//! collectors, and the `Arc`/`Rc` floors (reference counting with cycles broken by hand).
//!
//! Peer nodes have the same shape as gc-core's bench node: two inline edge slots plus a spill
//! `Vec`, and a `Drop` that counts frees so every run can check that everything was freed.

pub mod arc_floor;
pub mod bacon_rajan;
pub mod dumpster_sync;
pub mod gcmodule_threaded;
pub mod ours;
pub mod rc_floor;
pub mod rust_cc;

/// A node's strong edges: two inline slots, then a `Vec`.
pub struct Edges<P> {
    a: Option<P>,
    b: Option<P>,
    more: Vec<P>,
}

impl<P> Default for Edges<P> {
    fn default() -> Self {
        Edges {
            a: None,
            b: None,
            more: Vec::new(),
        }
    }
}

impl<P> Edges<P> {
    /// Add an edge.
    pub fn push(&mut self, p: P) {
        if self.a.is_none() {
            self.a = Some(p);
        } else if self.b.is_none() {
            self.b = Some(p);
        } else {
            self.more.push(p);
        }
    }

    /// Every edge.
    pub fn iter(&self) -> impl Iterator<Item = &P> {
        self.a.iter().chain(self.b.iter()).chain(self.more.iter())
    }

    /// Remove and return every edge.
    pub fn take_all(&mut self) -> Vec<P> {
        let mut v = std::mem::take(&mut self.more);
        v.extend(self.a.take());
        v.extend(self.b.take());
        v
    }
}

/// Names of every system, in table order.
pub const SYSTEMS: [&str; 8] = [
    "ours-w1",
    "ours-w2",
    "dumpster-sync",
    "gcmodule-threaded",
    "rust-cc",
    "bacon-rajan-cc",
    "arc-floor",
    "rc-floor",
];
