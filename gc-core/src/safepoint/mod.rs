//! Mutator states and stop-the-world safepoints (DESIGN §3.2), in the style of CPython's PEP 703.
//!
//! Every mutator thread registers once ([`Safepoints::register`]) and gets a [`ThreadSlot`] whose
//! `state` is one of
//!
//! * **Attached**: running VM code, may touch managed objects, must [`poll`](Safepoints::poll)
//!   regularly;
//! * **Detached**: in native or blocking code, must not touch managed objects;
//! * **Suspended**: detached *and* parked by a stop; it cannot attach until the world restarts.
//!
//! Transitions and who may make them:
//!
//! | from → to            | by            | how                                   |
//! |----------------------|---------------|---------------------------------------|
//! | Detached → Attached  | the thread    | CAS in [`attach`](Safepoints::attach) |
//! | Attached → Detached  | the thread    | store in [`detach`](Safepoints::detach) |
//! | Detached → Suspended | the stopper   | CAS while waiting for the world       |
//! | Suspended → Detached | the stopper   | CAS in [`restart_the_world`](Safepoints::restart_the_world) |
//!
//! A stop ([`Safepoints::stop_the_world`]) takes the stop token (one stop at a time), sets
//! [`PENDING_STOP`] in the `pending` word, then repeatedly scans the registry: every Detached
//! thread is CASed to Suspended at once, every Attached one is waited for (it will see the bit in
//! `poll`, or detach on its own). The stop completes when every registered thread except the
//! requester has been observed Suspended. [`Safepoints::restart_the_world`] turns them back to
//! Detached, clears the bit and wakes the parked ones.
//!
//! # Why no thread runs attached while the world is stopped
//!
//! Only the thread itself can make its state Attached, and only by a CAS from Detached. When the
//! stopper declares the world stopped it has observed (by its own successful CAS, or a failed CAS
//! that read Suspended) every other registered thread in state Suspended. All writes to one slot's
//! `state` are totally ordered (modification order of a single atomic, and every transition out
//! of Detached/Suspended is an RMW), so once the stopper's CAS to Suspended is in that order, any
//! later CAS Detached→Attached by the thread fails until the stopper itself writes Detached again
//! in `restart_the_world`. Nobody else writes Suspended→Detached, so Suspended is "sticky" for the
//! whole stop, and checking the threads one after the other yields a moment where *all* of them
//! are Suspended at once. This argument uses only per-location coherence, no cross-location
//! ordering. Threads registering during a stop are created Suspended (`Registry::stopping` is read
//! and written under the registry mutex), and an unregistered thread is simply no longer scanned.
//!
//! Memory visibility: the thread's `Release` store of Detached is read by the stopper's (SeqCst,
//! hence acquire) CAS to Suspended, so everything the mutator did while attached happens-before
//! the collector's work; the stopper's (release) CAS back to Detached is read by the thread's
//! `Acquire` CAS to Attached, so the collector's work happens-before the mutator's next access.
//!
//! # Why there is no lost wake-up
//!
//! *Stopper waiting for an attached thread.* The stopper reads each state while holding the
//! `arrive` mutex and only then waits on `arrive_cv` (which releases that mutex atomically). A
//! detaching thread, after its store, notifies `arrive_cv` *under the same mutex* if it sees
//! `PENDING_STOP`. So a notify can only be missed if the detaching thread did not see the bit while
//! the stopper did not see Detached. That is the store-buffering (Dekker) pattern, excluded by two
//! `fence(SeqCst)`: stopper `fetch_or(PENDING_STOP)`; fence; load state — thread store Detached;
//! fence; load `pending`. Whichever fence is first in the single total order S, the other side's
//! load observes the first side's store ([atomics.fences]/C++20 32.11 p6). (We use explicit fences
//! rather than SeqCst accesses because loom models SeqCst accesses only as AcqRel but models SeqCst
//! fences exactly, so the loom tests verify the very argument given here.) The condvar wait also
//! has a short timeout (`wait_slice`) as a backstop and to drive stuck-thread detection; the loom
//! model waits without timeout and so proves the timeout is never needed for progress.
//!
//! *Thread waiting to re-attach.* A thread whose CAS Detached→Attached failed (state Suspended)
//! locks the `park` mutex and waits on `park_cv` while its state is Suspended, re-reading the state
//! under the mutex. `restart_the_world` writes Detached to every suspended slot *while holding the
//! `park` mutex* and notifies all once it has released it. So the thread either reads Detached, or
//! was already waiting (it released the mutex in `wait`) before the writes, and the notify, which
//! comes after them, wakes it.
//!
//! *Two stoppers.* The stop token is a `Mutex<bool>` + condvar; a requester that is attached
//! detaches before waiting for the token (so the other stopper can suspend it instead of waiting
//! for it forever) and re-attaches once it holds the token, which cannot block: the previous holder
//! has restarted the world before releasing the token.
//!
//! Lock order: `registry` → `park`; `arrive` → `registry`; `stop_token` alone. No user code (the
//! stuck hook) runs under any of them.
//!
//! # Stuck threads
//!
//! A thread that stays attached longer than [`SafepointConfig::stuck_threshold`] after the request
//! is recorded once per stop in [`StopReport::stuck`], logged with `tracing::warn!` and passed to
//! the hook set by [`Safepoints::set_stuck_hook`]; the stopper keeps waiting (or gives up cleanly in
//! [`Safepoints::try_stop_the_world`]). Under `cfg(loom)` stuck detection is compiled out (its
//! wall-clock branch is meaningless in a model) and loom's `Condvar::wait_timeout` never times
//! out; the protocol code is otherwise identical.
//!
//! There is no `unsafe` in this module.

mod report;

pub use report::{StopReport, StopTimeout, StuckThread, ThreadTtsp};

use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool as StdAtomicBool, AtomicU64 as StdAtomicU64};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use crate::primitive::sync::atomic::{fence, AtomicU32, AtomicU64, AtomicU8, Ordering};
use crate::primitive::sync::{Condvar, Mutex, MutexGuard};

/// Bit of the `pending` word meaning "a stop-the-world is requested".
pub const PENDING_STOP: u32 = 1;

/// Whether stuck-thread detection is compiled in (not under loom, where wall-clock time is
/// meaningless and `wait_timeout` never times out).
const STUCK_DETECTION: bool = !cfg!(loom);

const DETACHED: u8 = 0;
const ATTACHED: u8 = 1;
const SUSPENDED: u8 = 2;

const NO_TTSP: u64 = u64::MAX;

/// The state of a registered thread (see the module docs for the transitions).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ThreadState {
    /// In native or blocking code; must not touch managed objects.
    Detached,
    /// Running VM code; polls.
    Attached,
    /// Parked by a stop-the-world; cannot attach until the world restarts.
    Suspended,
}

impl ThreadState {
    fn from_u8(v: u8) -> Self {
        match v {
            DETACHED => ThreadState::Detached,
            ATTACHED => ThreadState::Attached,
            SUSPENDED => ThreadState::Suspended,
            _ => unreachable!("invalid thread state {v}"),
        }
    }
}

/// One registered mutator thread, shared (`Arc`) between the thread and the [`Safepoints`].
pub struct ThreadSlot {
    state: AtomicU8,
    id: u64,
    name: String,
    // Diagnostics, not part of the protocol: plain std atomics even under loom.
    registered: StdAtomicBool,
    last_ttsp_ns: StdAtomicU64,
}

impl ThreadSlot {
    /// A unique id (unique per [`Safepoints`], never reused).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The name given at registration.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current state (a racy snapshot unless read by the thread itself or with the world
    /// stopped).
    pub fn state(&self) -> ThreadState {
        ThreadState::from_u8(self.state.load(Ordering::Acquire))
    }

    /// Time-to-safepoint of this thread in the last stop that suspended it.
    pub fn last_ttsp(&self) -> Option<Duration> {
        match self.last_ttsp_ns.load(std::sync::atomic::Ordering::Relaxed) {
            NO_TTSP => None,
            ns => Some(Duration::from_nanos(ns)),
        }
    }

    /// Whether the slot is still registered.
    pub fn is_registered(&self) -> bool {
        self.registered.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl fmt::Debug for ThreadSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadSlot")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("state", &self.state())
            .field("last_ttsp", &self.last_ttsp())
            .finish()
    }
}

/// A diagnostic snapshot of one registered thread ([`Safepoints::threads`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ThreadInfo {
    /// [`ThreadSlot::id`].
    pub id: u64,
    /// [`ThreadSlot::name`].
    pub name: String,
    /// State at the time of the snapshot.
    pub state: ThreadState,
    /// [`ThreadSlot::last_ttsp`] in nanoseconds.
    pub last_ttsp_ns: Option<u64>,
}

/// Tunables of the stop protocol.
#[derive(Clone, Debug)]
pub struct SafepointConfig {
    /// An attached thread that has not reached a safepoint this long after the request is
    /// reported as stuck (default 200 ms).
    pub stuck_threshold: Duration,
    /// The stopper's condvar wait slice: a backstop against missed notifications and the period
    /// of stuck detection (default 1 ms).
    pub wait_slice: Duration,
}

impl Default for SafepointConfig {
    fn default() -> Self {
        SafepointConfig {
            stuck_threshold: Duration::from_millis(200),
            wait_slice: Duration::from_millis(1),
        }
    }
}

/// The user hook called once per stuck thread per stop.
pub type StuckHook = dyn Fn(&StuckThread) + Send + Sync;

struct Registry {
    slots: Vec<Arc<ThreadSlot>>,
    next_id: u64,
    /// A stop holds the token and has requested (set by the stopper, cleared by restart).
    stopping: bool,
}

/// The safepoint machinery of one collector runtime: registry, `pending` word, stop protocol.
pub struct Safepoints {
    pending: AtomicU32,
    registry: Mutex<Registry>,
    /// The stop token: `true` while a stop (or a failed try) is in progress.
    stop_token: Mutex<bool>,
    stop_token_cv: Condvar,
    /// The stopper waits here for attached threads to detach.
    arrive: Mutex<()>,
    arrive_cv: Condvar,
    /// Suspended threads wait here for the restart.
    park: Mutex<()>,
    park_cv: Condvar,
    /// Id of the thread that requested the current stop (0 = none): it may detach and attach
    /// during its own stop without waiting for it to end.
    stopper: AtomicU64,
    config: SafepointConfig,
    stuck_hook: parking_lot::RwLock<Option<Arc<StuckHook>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn wait<'a, T>(cv: &Condvar, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(g).unwrap_or_else(PoisonError::into_inner)
}

fn wait_timeout<'a, T>(cv: &Condvar, g: MutexGuard<'a, T>, d: Duration) -> MutexGuard<'a, T> {
    match cv.wait_timeout(g, d) {
        Ok((g, _)) => g,
        Err(e) => e.into_inner().0,
    }
}

impl Default for Safepoints {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Safepoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Safepoints")
            .field("pending", &self.pending())
            .field("threads", &self.threads())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Safepoints {
    /// With the default [`SafepointConfig`].
    pub fn new() -> Self {
        Self::with_config(SafepointConfig::default())
    }

    /// With the given configuration.
    pub fn with_config(config: SafepointConfig) -> Self {
        Safepoints {
            pending: AtomicU32::new(0),
            registry: Mutex::new(Registry {
                slots: Vec::new(),
                next_id: 1,
                stopping: false,
            }),
            stop_token: Mutex::new(false),
            stop_token_cv: Condvar::new(),
            arrive: Mutex::new(()),
            arrive_cv: Condvar::new(),
            park: Mutex::new(()),
            park_cv: Condvar::new(),
            stopper: AtomicU64::new(0),
            config,
            stuck_hook: parking_lot::RwLock::new(None),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SafepointConfig {
        &self.config
    }

    /// Install the hook called once per stuck thread per stop (replacing any previous one). It
    /// runs on the stopping thread with no safepoint lock held.
    pub fn set_stuck_hook(&self, hook: Box<StuckHook>) {
        *self.stuck_hook.write() = Some(Arc::from(hook));
    }

    /// Remove the stuck hook.
    pub fn clear_stuck_hook(&self) {
        *self.stuck_hook.write() = None;
    }

    // ---------------------------------------------------------------- registry

    /// Register the calling thread. The slot starts Detached; [`attach`](Self::attach) it before
    /// touching managed objects. If a stop is in progress the slot starts Suspended instead, so
    /// the first `attach` blocks until the world restarts (`register` itself never blocks on a
    /// stop).
    pub fn register(&self, name: impl Into<String>) -> Arc<ThreadSlot> {
        let mut reg = lock(&self.registry);
        let id = reg.next_id;
        reg.next_id += 1;
        let initial = if reg.stopping { SUSPENDED } else { DETACHED };
        let slot = Arc::new(ThreadSlot {
            state: AtomicU8::new(initial),
            id,
            name: name.into(),
            registered: StdAtomicBool::new(true),
            last_ttsp_ns: StdAtomicU64::new(NO_TTSP),
        });
        reg.slots.push(Arc::clone(&slot));
        slot
    }

    /// Unregister a thread (normally when it exits). If the slot is still Attached it is detached
    /// first, which is only allowed on the owning thread; otherwise it may be called from any
    /// thread. Works while a stop is in progress (including while the slot is Suspended): the stop
    /// no longer waits for it. The slot must not be attached again afterwards.
    pub fn unregister(&self, slot: &ThreadSlot) {
        if slot.state.load(Ordering::Relaxed) == ATTACHED {
            self.detach(slot);
        }
        let mut reg = lock(&self.registry);
        if let Some(i) = reg.slots.iter().position(|s| s.id == slot.id) {
            reg.slots.swap_remove(i);
        }
        slot.registered
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// A snapshot of the registered threads, for diagnostics.
    pub fn threads(&self) -> Vec<ThreadInfo> {
        let reg = lock(&self.registry);
        reg.slots
            .iter()
            .map(|s| ThreadInfo {
                id: s.id,
                name: s.name.clone(),
                state: s.state(),
                last_ttsp_ns: s.last_ttsp().map(|d| d.as_nanos() as u64),
            })
            .collect()
    }

    // ---------------------------------------------------------------- pending word

    /// The whole `pending` word (relaxed; a hint).
    #[inline]
    pub fn pending(&self) -> u32 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Whether a stop is requested (relaxed; a hint).
    #[inline]
    pub fn is_stop_requested(&self) -> bool {
        self.pending() & PENDING_STOP != 0
    }

    /// Set runtime-defined bits of the `pending` word (e.g. "collection requested"); they are
    /// returned by [`poll`](Self::poll). Returns the previous word. `PENDING_STOP` is reserved.
    pub fn set_pending(&self, bits: u32) -> u32 {
        assert_eq!(
            bits & PENDING_STOP,
            0,
            "PENDING_STOP is reserved for stop_the_world"
        );
        self.pending.fetch_or(bits, Ordering::Release)
    }

    /// Clear runtime-defined bits of the `pending` word. Returns the previous word.
    pub fn clear_pending(&self, bits: u32) -> u32 {
        assert_eq!(
            bits & PENDING_STOP,
            0,
            "PENDING_STOP is reserved for stop_the_world"
        );
        self.pending.fetch_and(!bits, Ordering::AcqRel)
    }

    // ---------------------------------------------------------------- mutator side

    /// The safepoint poll, to be called by an attached thread regularly. Fast path: one relaxed
    /// load and a branch. If a stop is requested the thread detaches and re-attaches (blocking
    /// while it is suspended). Returns the pending bits other than `PENDING_STOP`.
    #[inline]
    pub fn poll(&self, slot: &ThreadSlot) -> u32 {
        let p = self.pending.load(Ordering::Relaxed);
        if p & PENDING_STOP != 0 {
            return self.poll_slow(slot);
        }
        p
    }

    #[cold]
    #[inline(never)]
    fn poll_slow(&self, slot: &ThreadSlot) -> u32 {
        self.detach(slot);
        self.attach(slot);
        self.pending.load(Ordering::Relaxed) & !PENDING_STOP
    }

    /// Attach the calling thread (Detached → Attached). Blocks while the slot is Suspended, i.e.
    /// until the world restarts. Must be called by the slot's own thread.
    ///
    /// # Panics
    /// If the slot is already attached or no longer registered.
    pub fn attach(&self, slot: &ThreadSlot) {
        assert!(
            slot.is_registered(),
            "attach of an unregistered thread slot"
        );
        loop {
            // While a stop is pending, a detached thread does not slip back in: without this
            // a thread polling in a loop could detach and re-attach between two scans of the
            // stopper forever (and a thread that polls once, then exits, would never be seen
            // parked). The stopper suspends it while it waits here.
            if self.pending.load(Ordering::Acquire) & PENDING_STOP != 0
                && self.stopper.load(Ordering::Acquire) != slot.id
            {
                self.park_while_stop_pending(slot);
            }
            match slot.state.compare_exchange(
                DETACHED,
                ATTACHED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(ATTACHED) => panic!("attach of a thread slot that is already attached"),
                Err(_) => self.park_until_restarted(slot),
            }
        }
    }

    fn park_while_stop_pending(&self, slot: &ThreadSlot) {
        let mut g = lock(&self.park);
        while self.pending.load(Ordering::Acquire) & PENDING_STOP != 0
            && self.stopper.load(Ordering::Acquire) != slot.id
        {
            g = wait(&self.park_cv, g);
        }
    }

    fn park_until_restarted(&self, slot: &ThreadSlot) {
        let mut g = lock(&self.park);
        while slot.state.load(Ordering::Acquire) == SUSPENDED {
            g = wait(&self.park_cv, g);
        }
    }

    /// Detach the calling thread (Attached → Detached), e.g. around a blocking call; wakes the
    /// stopper if a stop is pending. Must be called by the slot's own thread, while attached.
    pub fn detach(&self, slot: &ThreadSlot) {
        debug_assert_eq!(
            slot.state.load(Ordering::Relaxed),
            ATTACHED,
            "detach of a thread slot that is not attached"
        );
        slot.state.store(DETACHED, Ordering::Release);
        // Dekker with the fence in `begin_stop` (see the module docs).
        fence(Ordering::SeqCst);
        if self.pending.load(Ordering::Relaxed) & PENDING_STOP != 0 {
            let _g = lock(&self.arrive);
            self.arrive_cv.notify_all();
        }
    }

    /// Run `f` detached (around a blocking call), re-attaching afterwards, also on unwind.
    pub fn detached<R>(&self, slot: &ThreadSlot, f: impl FnOnce() -> R) -> R {
        struct Reattach<'a>(&'a Safepoints, &'a ThreadSlot);
        impl Drop for Reattach<'_> {
            fn drop(&mut self) {
                self.0.attach(self.1);
            }
        }
        self.detach(slot);
        let _reattach = Reattach(self, slot);
        f()
    }

    // ---------------------------------------------------------------- stopper side

    /// Stop the world: when this returns, every registered thread other than `requester` is
    /// Suspended and stays so until [`restart_the_world`](Self::restart_the_world). Blocks while
    /// another stop is in progress. If `requester` is the caller's own slot and attached, it is
    /// detached while waiting for the stop token and attached again before this returns; pass
    /// `None` from a thread that is not registered (a collector thread).
    ///
    /// Never returns with a thread stuck: stuck threads are reported (see the module docs) and
    /// waited for. A registered, attached thread that calls this with `requester = None` waits
    /// for itself forever (and is reported stuck).
    pub fn stop_the_world(&self, requester: Option<&ThreadSlot>) -> StopReport {
        match self.stop_inner(requester, None) {
            Ok(r) => r,
            Err(_) => unreachable!("a stop without deadline cannot time out"),
        }
    }

    /// [`stop_the_world`](Self::stop_the_world) returning a guard that restarts on drop.
    pub fn stop(&self, requester: Option<&ThreadSlot>) -> StopGuard<'_> {
        let report = self.stop_the_world(requester);
        StopGuard {
            sp: self,
            report: Some(report),
        }
    }

    /// Like [`stop_the_world`](Self::stop_the_world), but give up once `timeout` has passed
    /// (waiting for the stop token or for attached threads). On failure the world is restored:
    /// the threads this attempt suspended are Detached again, `PENDING_STOP` is cleared, the token
    /// released. (The requester's re-attach after the token wait may still block briefly.)
    pub fn try_stop_the_world(
        &self,
        requester: Option<&ThreadSlot>,
        timeout: Duration,
    ) -> Result<StopReport, StopTimeout> {
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        self.stop_inner(requester, Some(deadline))
    }

    fn stop_inner(
        &self,
        requester: Option<&ThreadSlot>,
        deadline: Option<Instant>,
    ) -> Result<StopReport, StopTimeout> {
        let start = Instant::now();
        // An attached requester detaches while it waits for the token: another stopper may then
        // suspend it instead of waiting for it (two attached stoppers would deadlock otherwise).
        let reattach = requester.filter(|s| s.state.load(Ordering::Relaxed) == ATTACHED);
        if let Some(s) = reattach {
            self.detach(s);
        }
        let got = self.acquire_token(deadline);
        if let Some(s) = reattach {
            // Cannot block when we hold the token: the previous stopper restarted before
            // releasing it. (If we timed out it may block until the current stop ends.)
            self.attach(s);
        }
        if !got {
            return Err(StopTimeout {
                waited: start.elapsed(),
                not_arrived: Vec::new(),
            });
        }

        let requested_at = Instant::now();
        self.stopper
            .store(requester.map_or(0, |s| s.id), Ordering::Release);
        lock(&self.registry).stopping = true;
        self.pending.fetch_or(PENDING_STOP, Ordering::SeqCst);
        // Dekker with the fence in `detach` (see the module docs).
        fence(Ordering::SeqCst);

        match self.wait_for_threads(requester.map(|s| s.id), requested_at, deadline) {
            Ok((per_thread, stuck)) => {
                let stopped_at = Instant::now();
                let max_ttsp = per_thread
                    .iter()
                    .map(|t| t.ttsp)
                    .max()
                    .unwrap_or(Duration::ZERO);
                tracing::debug!(
                    threads = per_thread.len(),
                    max_ttsp_us = max_ttsp.as_micros() as u64,
                    stuck = stuck.len(),
                    "world stopped"
                );
                Ok(StopReport {
                    requested_at,
                    stopped_at,
                    per_thread,
                    max_ttsp,
                    stuck,
                })
            }
            Err(not_arrived) => {
                self.restart_the_world();
                tracing::warn!(
                    not_arrived = not_arrived.len(),
                    "try_stop_the_world timed out; world restored"
                );
                Err(StopTimeout {
                    waited: start.elapsed(),
                    not_arrived,
                })
            }
        }
    }

    fn acquire_token(&self, deadline: Option<Instant>) -> bool {
        let mut active = lock(&self.stop_token);
        while *active {
            match deadline {
                None => active = wait(&self.stop_token_cv, active),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    active = wait_timeout(&self.stop_token_cv, active, d - now);
                }
            }
        }
        *active = true;
        true
    }

    fn release_token(&self) {
        let mut active = lock(&self.stop_token);
        *active = false;
        // All: a waiter that just timed out must not swallow the only notification.
        self.stop_token_cv.notify_all();
    }

    /// Suspend every Detached thread, wait for the Attached ones. `Ok` once all are Suspended;
    /// `Err(still attached)` when the deadline passed (the caller restores the world).
    #[allow(clippy::type_complexity)]
    fn wait_for_threads(
        &self,
        requester: Option<u64>,
        requested_at: Instant,
        deadline: Option<Instant>,
    ) -> Result<(Vec<ThreadTtsp>, Vec<StuckThread>), Vec<StuckThread>> {
        let mut arrived: Vec<ThreadTtsp> = Vec::new();
        let mut arrived_ids: HashSet<u64> = HashSet::new();
        let mut stuck: Vec<StuckThread> = Vec::new();
        let mut attached: Vec<Arc<ThreadSlot>> = Vec::new();
        let mut guard = lock(&self.arrive);
        loop {
            attached.clear();
            let now = Instant::now();
            let waited = now.saturating_duration_since(requested_at);
            {
                let reg = lock(&self.registry);
                for slot in &reg.slots {
                    if Some(slot.id) == requester || arrived_ids.contains(&slot.id) {
                        continue;
                    }
                    match slot.state.compare_exchange(
                        DETACHED,
                        SUSPENDED,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    ) {
                        Ok(_) | Err(SUSPENDED) => {
                            arrived_ids.insert(slot.id);
                            slot.last_ttsp_ns.store(
                                u64::try_from(waited.as_nanos()).unwrap_or(NO_TTSP - 1),
                                std::sync::atomic::Ordering::Relaxed,
                            );
                            arrived.push(ThreadTtsp {
                                id: slot.id,
                                name: slot.name.clone(),
                                ttsp: waited,
                            });
                        }
                        Err(_) => attached.push(Arc::clone(slot)),
                    }
                }
            }
            if attached.is_empty() {
                return Ok((arrived, stuck));
            }
            if deadline.is_some_and(|d| now >= d) {
                drop(guard);
                let not_arrived = attached
                    .iter()
                    .map(|s| StuckThread {
                        id: s.id,
                        name: s.name.clone(),
                        waited,
                    })
                    .collect();
                return Err(not_arrived);
            }
            if STUCK_DETECTION && waited >= self.config.stuck_threshold {
                let newly: Vec<StuckThread> = attached
                    .iter()
                    .filter(|s| !stuck.iter().any(|t| t.id == s.id))
                    .map(|s| StuckThread {
                        id: s.id,
                        name: s.name.clone(),
                        waited,
                    })
                    .collect();
                if !newly.is_empty() {
                    // Report with no lock held (the hook is user code), then rescan.
                    drop(guard);
                    self.report_stuck(&newly);
                    stuck.extend(newly);
                    guard = lock(&self.arrive);
                    continue;
                }
            }
            let mut slice = self.config.wait_slice;
            if let Some(d) = deadline {
                slice = slice.min(d.saturating_duration_since(now));
            }
            guard = wait_timeout(&self.arrive_cv, guard, slice);
        }
    }

    fn report_stuck(&self, newly: &[StuckThread]) {
        let hook = self.stuck_hook.read().clone();
        for t in newly {
            tracing::warn!(
                thread_id = t.id,
                thread = %t.name,
                waited_ms = t.waited.as_millis() as u64,
                threshold_ms = self.config.stuck_threshold.as_millis() as u64,
                "thread stuck attached: stop-the-world is waiting for it to reach a safepoint"
            );
            if let Some(h) = &hook {
                h(t);
            }
        }
    }

    /// Restart the world after [`stop_the_world`](Self::stop_the_world): every Suspended thread
    /// becomes Detached (and may attach again), `PENDING_STOP` is cleared, parked threads are
    /// woken and the stop token is released. Returns when the threads were released: just
    /// before the wake-up. The caller may be descheduled by the very threads it wakes (on a
    /// busy machine the scheduler often runs a woken thread in the waker's place for a whole
    /// time slice, about 1 ms); the world is running by then, so a stop's duration should end
    /// at this instant, not when this call returns.
    ///
    /// # Panics
    /// If no stop is in progress.
    pub fn restart_the_world(&self) -> Instant {
        let released;
        {
            let mut reg = lock(&self.registry);
            assert!(reg.stopping, "restart_the_world without a stop in progress");
            reg.stopping = false;
            self.pending.fetch_and(!PENDING_STOP, Ordering::SeqCst);
            self.stopper.store(0, Ordering::Release);
            {
                let _park = lock(&self.park);
                for slot in &reg.slots {
                    let _ = slot.state.compare_exchange(
                        SUSPENDED,
                        DETACHED,
                        Ordering::SeqCst,
                        Ordering::Relaxed,
                    );
                }
            }
            // Notified after `park` is released, so the woken threads do not run into it.
            released = Instant::now();
            self.park_cv.notify_all();
        }
        self.release_token();
        released
    }
}

/// A stopped world; restarts it when dropped. Dereferences to the [`StopReport`].
#[must_use = "dropping the guard restarts the world immediately"]
pub struct StopGuard<'a> {
    sp: &'a Safepoints,
    report: Option<StopReport>,
}

impl StopGuard<'_> {
    /// The report of this stop.
    pub fn report(&self) -> &StopReport {
        self.report.as_ref().expect("report present until restart")
    }

    /// Restart the world now and return the report.
    pub fn restart(self) -> StopReport {
        self.restart_timed().0
    }

    /// Restart the world now; returns the report and the instant the threads were released
    /// (the end of the stop, see [`Safepoints::restart_the_world`]).
    pub fn restart_timed(mut self) -> (StopReport, Instant) {
        let report = self.report.take().expect("report present until restart");
        let released = self.sp.restart_the_world();
        (report, released)
    }
}

impl Deref for StopGuard<'_> {
    type Target = StopReport;
    fn deref(&self) -> &StopReport {
        self.report()
    }
}

impl Drop for StopGuard<'_> {
    fn drop(&mut self) {
        if self.report.take().is_some() {
            self.sp.restart_the_world();
        }
    }
}

impl fmt::Debug for StopGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopGuard")
            .field("report", &self.report)
            .finish()
    }
}
