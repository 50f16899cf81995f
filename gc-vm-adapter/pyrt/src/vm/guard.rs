//! Guards on the runtime's own recursion: one per-thread depth counter shared by Python calls
//! and by the native code that recurses into the values it walks (`repr`, `==`, `<`, hashing),
//! and `Py_ReprEnter`-style cycle detection for `repr`.
//!
//! Why one counter: a Python `__repr__` / `__eq__` / `__lt__` can re-enter the native walk and
//! the native walk can call Python again, so the stack a thread uses is the sum of both kinds
//! of levels. Counting both against [`RECURSION_LIMIT`] (as CPython 3.11 does with its single
//! recursion counter) bounds the stack by one number, and the interpreter threads are spawned
//! with stacks sized for that number (see [`MAIN_STACK`] and [`THREAD_STACK`]), so a
//! `RecursionError` is raised long before any stack runs out.

use std::cell::{Cell, RefCell};

use super::{PyResult, Vm};
use gc_vm_adapter::Ref;

/// Maximum depth per thread, Python calls and native recursion together.
pub const RECURSION_LIMIT: usize = 900;

/// Stack of the interpreter's main thread. Measured in a debug build (2026-12-06): the
/// deepest-stack path found, recursion through `sorted(key=...)` and `__str__`, hits the limit
/// on a 32 MiB stack and overflows a 16 MiB one, so a counted level costs under ~36 KiB;
/// 256 MiB is 8x that (release builds use less).
pub const MAIN_STACK: usize = 256 << 20;

/// Stack of every `threading.Thread`: the same limit applies there, so the same stack (it
/// is reserved, not committed: untouched pages cost nothing). It also covers what no depth
/// counter sees yet: freeing a 100 000-deep nested list recurses in the adapter's dealloc
/// (no trashcan there yet), which overflowed the 64 MiB threads had before.
pub const THREAD_STACK: usize = 256 << 20;

/// `RecursionError` message of `repr` / `str` (CPython's wording).
pub const IN_REPR: &str = "maximum recursion depth exceeded while getting the repr of an object";
/// `RecursionError` message of comparisons (CPython's wording).
pub const IN_CMP: &str = "maximum recursion depth exceeded in comparison";
/// `RecursionError` message of Python calls and everything else.
pub const IN_CALL: &str = "maximum recursion depth exceeded";

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    static REPR_ACTIVE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// One level of the per-thread depth; dropping it leaves the level.
pub struct Depth(());

impl Drop for Depth {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// Enter one level; `RecursionError(msg)` past [`RECURSION_LIMIT`].
pub fn enter(vm: &Vm, msg: &str) -> PyResult<Depth> {
    let depth = DEPTH.with(|d| {
        d.set(d.get() + 1);
        d.get()
    });
    let g = Depth(());
    if depth > RECURSION_LIMIT {
        return Err(vm.error(&vm.exc.recursion, msg));
    }
    Ok(g)
}

/// `o` is being repr'd on this thread; dropping it ends that (`Py_ReprLeave`).
pub struct ReprActive(usize);

impl ReprActive {
    /// `Py_ReprEnter`: `None` when `o` is already being repr'd further up this thread's stack
    /// (the container is part of a cycle and prints as `[...]` / `{...}` / `(...)`).
    pub fn enter(o: &Ref) -> Option<ReprActive> {
        let a = o.addr();
        REPR_ACTIVE.with(|s| {
            let mut s = s.borrow_mut();
            if s.contains(&a) {
                return None;
            }
            s.push(a);
            Some(ReprActive(a))
        })
    }
}

impl Drop for ReprActive {
    fn drop(&mut self) {
        REPR_ACTIVE.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(i) = s.iter().rposition(|&a| a == self.0) {
                s.remove(i);
            }
        });
    }
}

/// Sizes computed from user input (`[0] * n`, `'a' * n`, `list(range(n))`): a vector with room
/// for `n` more items, or `MemoryError` when the allocator refuses (never Rust's
/// `capacity overflow` panic, which would abort the interpreter).
pub fn reserve<T>(vm: &Vm, n: usize) -> PyResult<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| vm.error(&vm.exc.memory, ""))?;
    Ok(v)
}
