//! `threading.Lock`.

use parking_lot::{Condvar, Mutex};

use gc_vm_adapter::{payload_type, Kind, Payload};

/// A Python-level lock (`threading.Lock`).
#[derive(Default)]
pub struct PyLock {
    locked: Mutex<bool>,
    cv: Condvar,
}

impl PyLock {
    /// Try to take the lock without blocking.
    pub fn try_acquire(&self) -> bool {
        let mut l = self.locked.lock();
        if *l {
            false
        } else {
            *l = true;
            true
        }
    }

    /// Block until the lock is taken (call detached).
    pub fn acquire_blocking(&self, timeout: Option<std::time::Duration>) -> bool {
        let mut l = self.locked.lock();
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        while *l {
            match deadline {
                Some(d) => {
                    if self.cv.wait_until(&mut l, d).timed_out() && *l {
                        return false;
                    }
                }
                None => self.cv.wait(&mut l),
            }
        }
        *l = true;
        true
    }

    /// Release; false if it was not locked.
    pub fn release(&self) -> bool {
        let mut l = self.locked.lock();
        if !*l {
            return false;
        }
        *l = false;
        self.cv.notify_one();
        true
    }

    /// Whether it is held.
    pub fn locked(&self) -> bool {
        *self.locked.lock()
    }
}

// SAFETY: no references (rules 1-3 trivially); untracked.
unsafe impl Payload for PyLock {
    const TRACKED: bool = false;
    payload_type!(PyLock, "_thread.lock", Kind::Other);
}
