//! Classes and instances, with `__del__`-like finalizers (PEP 442: run at most once, by
//! refcount death or by the collector, and may resurrect).

use std::sync::Arc;

use parking_lot::RwLock;

use super::dict::AttrMap;
use super::RefSlot;
use crate::handle::{Borrowed, Ref};

/// A finalizer: called with a temporary strong reference to the dying object.
pub type Finalizer = Arc<dyn Fn(&Ref) + Send + Sync>;

/// The attribute table of a class or an instance: an ordered map behind a lock. Values are
/// dropped after unlocking (a drop may run VM code that touches this table again).
#[derive(Default)]
pub(crate) struct AttrTable(RwLock<AttrMap>);

impl std::ops::Deref for AttrTable {
    type Target = RwLock<AttrMap>;
    fn deref(&self) -> &RwLock<AttrMap> {
        &self.0
    }
}

impl AttrTable {
    fn get(&self, name: &str) -> Option<Ref> {
        self.0.read().get(name).cloned()
    }

    fn set(&self, name: &str, v: Ref) {
        let old = self.0.write().set(name, v);
        drop(old);
    }

    fn remove(&self, name: &str) -> Option<Ref> {
        self.0.write().remove(name)
    }

    fn names(&self) -> Vec<Arc<str>> {
        self.0
            .read()
            .entries
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// A class: name, optional base, attribute dict, optional finalizer for its instances.
pub struct Class {
    pub(crate) name: Box<str>,
    pub(crate) base: RefSlot,
    pub(crate) attrs: AttrTable,
    pub(crate) finalizer: RwLock<Option<Finalizer>>,
}

impl Class {
    pub(crate) fn new(name: &str, base: Option<Ref>) -> Class {
        Class {
            name: name.into(),
            base: RefSlot::new(base),
            attrs: AttrTable::default(),
            finalizer: RwLock::new(None),
        }
    }

    /// The class name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base class.
    pub fn base(&self) -> Option<Borrowed<'_>> {
        self.base.get()
    }

    /// Attribute of the class itself (not its bases).
    pub fn get_attr(&self, name: &str) -> Option<Ref> {
        self.attrs.get(name)
    }

    /// Set an attribute; the old value is dropped after unlocking.
    pub fn set_attr(&self, name: &str, v: Ref) {
        self.attrs.set(name, v)
    }

    /// Remove an attribute.
    pub fn del_attr(&self, name: &str) -> Option<Ref> {
        self.attrs.remove(name)
    }

    /// Attribute names, in definition order.
    pub fn attr_names(&self) -> Vec<Arc<str>> {
        self.attrs.names()
    }

    /// Install the finalizer run for instances of this class (and subclasses without one).
    pub fn set_finalizer(&self, f: impl Fn(&Ref) + Send + Sync + 'static) {
        *self.finalizer.write() = Some(Arc::new(f));
    }

    /// Look the finalizer up along the base chain.
    pub(crate) fn find_finalizer(&self) -> Option<Finalizer> {
        if let Some(f) = self.finalizer.read().clone() {
            return Some(f);
        }
        self.base.get()?.as_class()?.find_finalizer()
    }
}

/// An instance: class reference, attribute dict, optional own finalizer.
pub struct Instance {
    pub(crate) class: RefSlot,
    pub(crate) attrs: AttrTable,
    pub(crate) finalizer: RwLock<Option<Finalizer>>,
}

impl Instance {
    pub(crate) fn new(class: Ref) -> Instance {
        Instance {
            class: RefSlot::new(Some(class)),
            attrs: AttrTable::default(),
            finalizer: RwLock::new(None),
        }
    }

    /// The class (absent only after the collector cleared the instance).
    pub fn class(&self) -> Option<Borrowed<'_>> {
        self.class.get()
    }

    /// An attribute of the instance itself.
    pub fn get_attr(&self, name: &str) -> Option<Ref> {
        self.attrs.get(name)
    }

    /// Set an attribute; the old value is dropped after unlocking.
    pub fn set_attr(&self, name: &str, v: Ref) {
        self.attrs.set(name, v)
    }

    /// Remove an attribute.
    pub fn del_attr(&self, name: &str) -> Option<Ref> {
        self.attrs.remove(name)
    }

    /// Attribute names.
    pub fn attr_names(&self) -> Vec<Arc<str>> {
        self.attrs.names()
    }

    /// Install a finalizer for this instance (overrides the class's).
    pub fn set_finalizer(&self, f: impl Fn(&Ref) + Send + Sync + 'static) {
        *self.finalizer.write() = Some(Arc::new(f));
    }

    /// The finalizer to run: the instance's own, else its class chain's.
    pub(crate) fn find_finalizer(&self) -> Option<Finalizer> {
        if let Some(f) = self.finalizer.read().clone() {
            return Some(f);
        }
        self.class.get()?.as_class()?.find_finalizer()
    }
}
