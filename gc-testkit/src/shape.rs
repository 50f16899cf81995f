//! The standard graph shapes (DESIGN §5), as edge lists over node indices.
//!
//! A shape knows nothing about objects: it calls `edge(from, to)` for each strong reference,
//! in a fixed order, over nodes `0..n` that the caller allocated. The same function therefore
//! builds a ring of kit nodes (stress's lean model), a ring of `Rc`s or `dumpster::Gc`s
//! (benches' peer systems) and a ring of adapter lists (stress's adapter model): every system
//! compared gets exactly the same graph, and a shape is written once.
//!
//! Each doc says which node is the shape's *head* (the one node that reaches all others).
//!
//! The other §5 workloads are compositions of these, made where the nodes are allocated:
//! *mixed* is a live [`tree`] plus garbage [`ring`]s; *cross-thread* is [`ring`]s over nodes
//! allocated by different threads' mutators (every other node, or round-robin over three
//! heaps); gc_collect is [`ring`]s of 41. The edges are always the ones below.

use rand::Rng;

/// A ring: node `i` refers to `i + 1` and then to `i - 1` (mod `n`), so every node has two
/// edges (a ring of one refers to itself twice). Head: any node; by convention node 0.
pub fn ring(n: usize, mut edge: impl FnMut(usize, usize)) {
    for i in 0..n {
        edge(i, (i + 1) % n);
        edge(i, (i + n - 1) % n);
    }
}

/// A binary tree in heap order: node `i` refers to `2i + 1` and `2i + 2` when they exist.
/// Acyclic; only the head, node 0, has no reference to it.
pub fn tree(n: usize, mut edge: impl FnMut(usize, usize)) {
    for i in 0..n {
        for c in [2 * i + 1, 2 * i + 2] {
            if c < n {
                edge(i, c);
            }
        }
    }
}

/// A binary tree whose leaves refer back to the root (node 0, the head), so every node is on
/// a cycle: a tree that only a cycle collector can free. A leaf's single edge is to the root.
pub fn cyclic_tree(n: usize, mut edge: impl FnMut(usize, usize)) {
    for i in 0..n {
        if 2 * i + 1 >= n && i != 0 {
            edge(i, 0);
        }
        for c in [2 * i + 1, 2 * i + 2] {
            if c < n {
                edge(i, c);
            }
        }
    }
}

/// pyperformance's gc_traversal: lists `0..n`, list `k` holds `k` references to list
/// `k - 1`. Acyclic; the head is list `n - 1`, which reaches every list.
pub fn list_chain(n: usize, mut edge: impl FnMut(usize, usize)) {
    for k in 1..n {
        for _ in 0..k {
            edge(k, k - 1);
        }
    }
}

/// The head of [`list_chain`]`(n)`.
pub fn list_chain_head(n: usize) -> usize {
    n.saturating_sub(1)
}

/// A random directed graph over `0..n` (self-loops and duplicate edges included): each node
/// gets 0–3 edges, mostly near (`i + 0..8`: chains and small rings), sometimes anywhere.
/// Returns the adjacency lists (for the [oracle](crate::oracle)); the caller adds the edges.
/// Deterministic for a seeded `rng`.
pub fn random(rng: &mut impl Rng, n: usize) -> Vec<Vec<usize>> {
    let mut adj = vec![Vec::new(); n];
    for (i, out) in adj.iter_mut().enumerate() {
        for _ in 0..rng.random_range(0..=3) {
            let j = if rng.random_bool(0.8) {
                (i + rng.random_range(0..8)) % n
            } else {
                rng.random_range(0..n)
            };
            out.push(j);
        }
    }
    adj
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(f: impl FnOnce(&mut dyn FnMut(usize, usize))) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        f(&mut |a, b| v.push((a, b)));
        v
    }

    #[test]
    fn shapes_have_the_documented_edges() {
        assert_eq!(
            edges(|e| ring(3, e)),
            [(0, 1), (0, 2), (1, 2), (1, 0), (2, 0), (2, 1)]
        );
        assert_eq!(edges(|e| tree(4, e)), [(0, 1), (0, 2), (1, 3)]);
        assert_eq!(
            edges(|e| cyclic_tree(4, e)),
            [(0, 1), (0, 2), (1, 3), (2, 0), (3, 0)]
        );
        assert_eq!(edges(|e| list_chain(3, e)), [(1, 0), (2, 1), (2, 1)]);
        assert_eq!(list_chain_head(3), 2);
    }
}
