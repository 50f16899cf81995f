//! The reachability oracle: what a correct collector frees, computed without the collector.
//!
//! Tests keep their own model of the graph (adjacency by index or id) and the set of
//! references they hold; [`reachable`] is everything those references reach, so the garbage
//! is exactly the rest, and [`expected_counts`] is the count each survivor must have after a
//! collection that cleared only garbage.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

/// Every node reachable from `roots` (roots included), breadth first, following
/// `children(node)`. Generic over the node key, so a test's ids or indices work alike.
pub fn reachable<K, I>(
    roots: impl IntoIterator<Item = K>,
    mut children: impl FnMut(K) -> I,
) -> HashSet<K>
where
    K: Copy + Eq + Hash,
    I: IntoIterator<Item = K>,
{
    let mut seen = HashSet::new();
    let mut queue = VecDeque::new();
    for r in roots {
        if seen.insert(r) {
            queue.push_back(r);
        }
    }
    while let Some(x) = queue.pop_front() {
        for c in children(x) {
            if seen.insert(c) {
                queue.push_back(c);
            }
        }
    }
    seen
}

/// [`reachable`] over adjacency lists by index.
pub fn reachable_in(adj: &[Vec<usize>], roots: impl IntoIterator<Item = usize>) -> HashSet<usize> {
    reachable(roots, |i| adj[i].iter().copied())
}

/// The count each live node must have once the garbage is gone: one per handle the test
/// holds (`handles`, duplicates counted) plus one per edge from a live node. Edges from
/// garbage must have been dropped by the collector; nothing else may have changed.
pub fn expected_counts(
    adj: &[Vec<usize>],
    live: &HashSet<usize>,
    handles: &[usize],
) -> HashMap<usize, usize> {
    let mut want: HashMap<usize, usize> = live.iter().map(|&i| (i, 0)).collect();
    for &h in handles {
        *want.get_mut(&h).expect("a handle keeps its node live") += 1;
    }
    for &i in live {
        for &j in &adj[i] {
            *want
                .get_mut(&j)
                .expect("an edge from a live node keeps its target live") += 1;
        }
    }
    want
}
