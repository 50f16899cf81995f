//! Checking the edges a binding reports before the collector touches what they point at.

use parking_lot::Mutex;

use crate::error::{record_violation, ContractViolation};
use crate::heap::HeapSpace;
use crate::object::ObjRef;

/// Reads a child's header flags, after validating the pointer when edge checking is on.
///
/// With checking on, a pointer that is not a live object of this runtime is reported as a
/// [`ContractViolation::ForeignPointer`] and ignored, so a broken `trace` can never make the
/// collector read or write memory it does not own. With checking off (release default) the
/// binding's rule 2 is trusted, and a freed slot still reads as "not in use" and is ignored.
pub(crate) struct EdgeFilter<'a> {
    space: Option<&'a HeapSpace>,
    violations: &'a Mutex<Vec<ContractViolation>>,
    #[cfg(feature = "fault-injection")]
    pub(crate) skip: Option<ObjRef>,
}

impl<'a> EdgeFilter<'a> {
    pub(crate) fn new(
        space: &'a HeapSpace,
        check: bool,
        violations: &'a Mutex<Vec<ContractViolation>>,
    ) -> Self {
        EdgeFilter {
            space: check.then_some(space),
            violations,
            #[cfg(feature = "fault-injection")]
            skip: None,
        }
    }

    /// Fault injection: drop every edge to `skip` from the marks (roots and traversal), so it
    /// is never marked; the refs pass still subtracts them ([`counted`](Self::counted)), so
    /// an object whose count is all internal references is then freed while a root holds it
    /// (ignored without the `fault-injection` feature).
    pub(crate) fn skipping(mut self, skip: Option<ObjRef>) -> Self {
        #[cfg(feature = "fault-injection")]
        {
            self.skip = skip;
        }
        #[cfg(not(feature = "fault-injection"))]
        let _ = (&mut self, skip);
        self
    }

    /// The flags of `child` as reported by `parent` (address; 0 for roots), or `None` if the
    /// edge must be ignored.
    #[inline]
    pub(crate) fn flags(&self, parent: usize, child: ObjRef) -> Option<u32> {
        self.admit(parent, child).then(|| child.header().flags())
    }

    /// The flags of `child` for counting (the refs and resurrection passes' subtraction): as
    /// [`flags`](Self::flags), but the fault-injection skip does not apply.
    #[inline]
    pub(crate) fn counted(&self, parent: usize, child: ObjRef) -> Option<u32> {
        self.valid(parent, child).then(|| child.header().flags())
    }

    /// Whether `child` is a live object of this runtime (always true with checking off);
    /// reports it otherwise.
    #[inline]
    fn valid(&self, parent: usize, child: ObjRef) -> bool {
        if let Some(space) = self.space {
            if space.find_object(child.as_ptr()).is_none() {
                self.report(ContractViolation::ForeignPointer {
                    parent,
                    pointer: child.addr(),
                });
                return false;
            }
        }
        true
    }

    /// Whether the edge from `parent` to `child` may be followed (without reading `child`).
    /// An edge admitted once is admitted again: [`flags`](Self::flags) after `admit` repeats
    /// a check that passes (a lookup when edge checking is on, nothing otherwise).
    #[inline]
    pub(crate) fn admit(&self, parent: usize, child: ObjRef) -> bool {
        if !self.valid(parent, child) {
            return false;
        }
        #[cfg(feature = "fault-injection")]
        if self.skip == Some(child) {
            return false;
        }
        true
    }

    pub(crate) fn report(&self, v: ContractViolation) {
        record_violation(self.violations, v);
    }
}
