//! # gc-vm-adapter: a nogil object model with biased reference counting, bound to gc-core
//!
//! A free-threaded (PEP 703-style) object model: every object carries a biased reference count
//! (an owner-only local count plus an atomic shared count, merged through per-thread queues,
//! see [`header`]), containers are safe to mutate from many threads behind per-object locks,
//! and cycles are collected by `gc-core` through [`AdapterBinding`], this crate's
//! implementation of the [`gc_core::VmBinding`] contract.
//!
//! - [`header`]: the object header and the biased-refcount protocol (model-checked by
//!   `tests/loom_brc.rs`).
//! - [`payload`]: the [`Payload`] contract and the static per-type [`TypeInfo`] table every
//!   header points to; [`Object::downcast`].
//! - [`types`]: int, float, str, tuple, list, dict, class, instance, function, cell, weakref,
//!   native callable: one file each, each a `Payload`.
//! - [`handle`]: [`Ref`] (counted, `Send + Sync`) and [`Borrowed`] (uncounted).
//! - [`thread`]: per-thread context (id, mutator, merge queue, root stack) and [`ThreadGuard`].
//! - [`lifecycle`]: death by reference count, its steps in order (finalizer, untrack,
//!   weakrefs, trashcan, free).
//! - `queue`: biased-RC merge queues and the deferred-decref list.
//! - [`weakref_table`]: the weakref table, one clearing routine for both deaths.
//! - [`hooks`]: [`VmHooks`], how the runtime calls finalizer and callback objects.
//! - [`binding`]: the `VmBinding` implementation (forwards to the type tables).
//! - [`runtime`]: [`Runtime`]: attach, allocate (typed: [`Runtime::alloc`]), poll, collect,
//!   roots.
//!
//! `docs/binding-guide-adapter.md` walks through how each contract method is implemented.
//!
//! # Example: a cycle across two threads
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use gc_core::GcConfig;
//! use gc_vm_adapter::Runtime;
//!
//! let rt = Runtime::new(GcConfig::default().with_workers(2).with_enabled(false));
//! let _main = rt.attach_thread("main");
//!
//! let finalized = Arc::new(AtomicUsize::new(0));
//! let class = rt.new_class("Node", None);
//! let f = finalized.clone();
//! class.as_class().unwrap().set_finalizer(move |_| {
//!     f.fetch_add(1, Ordering::SeqCst);
//! });
//!
//! // `a` is owned by this thread, `b` by a worker thread (which exits afterwards).
//! let a = rt.new_instance(&class);
//! let b = std::thread::scope(|s| {
//!     s.spawn(|| {
//!         let _worker = rt.attach_thread("worker");
//!         let b = rt.new_instance(&class);
//!         b.as_instance().unwrap().set_attr("next", a.clone());
//!         b
//!     })
//!     .join()
//!     .unwrap()
//! });
//! a.as_instance().unwrap().set_attr("next", b.clone());
//! let watch = rt.new_weakref(&a, None::<fn(&gc_vm_adapter::Ref)>);
//!
//! drop((a, b)); // a <-> b is now unreachable: only the collector can free it
//! assert!(watch.as_weakref().unwrap().upgrade().is_some());
//! assert_eq!(rt.collect(), 2);
//! assert_eq!(finalized.load(Ordering::SeqCst), 2);
//! assert!(watch.as_weakref().unwrap().upgrade().is_none());
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub(crate) mod primitive;

pub mod binding;
pub mod handle;
pub mod header;
pub mod hooks;
pub mod lifecycle;
pub mod payload;
pub(crate) mod queue;
pub mod runtime;
pub mod thread;
pub mod types;
pub mod weakref_table;

pub use binding::{AdapterBinding, RootId};
pub use handle::{Borrowed, Ref};
pub use header::{Kind, Object};
pub use hooks::{DefaultHooks, VmHooks};
pub use payload::{Edges, Payload, TypeInfo, VarPayload};
pub use runtime::Runtime;
pub use thread::{ThreadContext, ThreadGuard};
pub use types::{
    Class, Dict, Finalizer, Function, HashKey, Instance, Int, KeyMatch, List, NativeCallable,
    RefSlot, WeakRef,
};

pub use gc_core::{GcConfig, ObjRef};
