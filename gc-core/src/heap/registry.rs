//! The page registry and the abandoned-page pool.
//!
//! The registry knows every live page of a [`HeapSpace`](super::HeapSpace), owned or
//! abandoned: a vector for enumeration (each page stores its index, so removal is an O(1)
//! `swap_remove`) and a hash set of page base addresses for membership tests on arbitrary
//! addresses (`find_object` must not dereference an address before it knows it is a page).
//!
//! # Invariants
//! * **R1.** `pages[i].registry_index == i` for every registered page, and `bases` holds
//!   exactly the bases of `pages`. Both change only under the write lock.
//! * **R2.** A page is in the pool only while its owner is 0 (abandoned). Moving a page into or
//!   out of the pool goes through the pool mutex, which orders the previous owner's writes to the
//!   owner-local fields before the adopter's reads (P1).

use std::collections::HashSet;

use parking_lot::{Mutex, RwLock};

use super::page::PageRef;
use super::size_class::NUM_CLASSES;
use crate::primitive::sync::atomic::Ordering;

#[derive(Default)]
struct Inner {
    pages: Vec<PageRef>,
    bases: HashSet<usize>,
}

/// Every live page of a space.
#[derive(Default)]
pub(crate) struct Registry {
    inner: RwLock<Inner>,
}

impl Registry {
    pub(crate) fn insert(&self, page: PageRef) {
        let mut g = self.inner.write();
        page.hdr()
            .registry_index()
            .store(g.pages.len(), Ordering::Relaxed);
        g.pages.push(page);
        let fresh = g.bases.insert(page.base());
        debug_assert!(fresh, "page registered twice");
    }

    pub(crate) fn remove(&self, page: PageRef) {
        let mut g = self.inner.write();
        let i = page.hdr().registry_index().load(Ordering::Relaxed);
        debug_assert_eq!(g.pages[i], page, "registry index out of sync (R1)");
        g.pages.swap_remove(i);
        if let Some(&moved) = g.pages.get(i) {
            moved.hdr().registry_index().store(i, Ordering::Relaxed);
        }
        g.bases.remove(&page.base());
    }

    /// A copy of the page list.
    pub(crate) fn snapshot(&self) -> Vec<PageRef> {
        self.inner.read().pages.clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.read().pages.len()
    }

    /// Run `f` on every page, holding the read lock (no page can be released meanwhile).
    pub(crate) fn for_each(&self, mut f: impl FnMut(PageRef)) {
        for &page in self.inner.read().pages.iter() {
            f(page);
        }
    }

    /// Run `f` on the page with base `base` if it is registered, holding the read lock (so the
    /// page cannot be released meanwhile).
    pub(crate) fn with_page<R>(&self, base: usize, f: impl FnOnce(PageRef) -> R) -> Option<R> {
        let g = self.inner.read();
        if g.bases.contains(&base) {
            // SAFETY: base is registered, hence a live page (R1, P6); the read lock keeps it so.
            Some(f(unsafe { PageRef::from_base(base) }))
        } else {
            None
        }
    }

    /// Take every page out (used when the space is dropped).
    pub(crate) fn drain(&self) -> Vec<PageRef> {
        let mut g = self.inner.write();
        g.bases.clear();
        std::mem::take(&mut g.pages)
    }
}

/// Abandoned small pages, per size class, waiting to be adopted.
pub(crate) struct AbandonedPool {
    classes: Mutex<[Vec<PageRef>; NUM_CLASSES]>,
}

impl Default for AbandonedPool {
    fn default() -> Self {
        AbandonedPool {
            classes: Mutex::new(std::array::from_fn(|_| Vec::new())),
        }
    }
}

impl AbandonedPool {
    /// Add an abandoned page (owner already 0).
    pub(crate) fn push(&self, class: usize, page: PageRef) {
        debug_assert_eq!(page.owner(), 0, "R2");
        self.classes.lock()[class].push(page);
    }

    /// Take an abandoned page of `class` and make `new_owner` its owner (under the lock, R2).
    pub(crate) fn adopt(&self, class: usize, new_owner: usize) -> Option<PageRef> {
        let mut g = self.classes.lock();
        let page = g[class].pop()?;
        page.hdr().owner_cell().store(new_owner, Ordering::Release);
        Some(page)
    }

    pub(crate) fn clear(&self) {
        for v in self.classes.lock().iter_mut() {
            v.clear();
        }
    }
}
