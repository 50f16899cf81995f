//! What a stop-the-world records: per-thread time-to-safepoint, stuck threads, timeouts.

use std::fmt;
use std::time::{Duration, Instant};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Serialise a [`Duration`] as whole nanoseconds (saturating at `u64::MAX`).
fn ser_nanos<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(nanos(*d))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Time-to-safepoint of one thread in one stop: from the stop request to the moment the stopper
/// observed the thread suspended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadTtsp {
    /// The thread's [`ThreadSlot::id`](super::ThreadSlot::id).
    pub id: u64,
    /// The thread's name as given to [`Safepoints::register`](super::Safepoints::register).
    pub name: String,
    /// Request → observed suspended (serialised as `ttsp_ns`).
    #[serde(rename = "ttsp_ns", serialize_with = "ser_nanos")]
    pub ttsp: Duration,
}

/// A thread that stayed attached past [`SafepointConfig::stuck_threshold`](super::SafepointConfig)
/// during a stop (typically a long native loop that does not poll).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StuckThread {
    /// The thread's id.
    pub id: u64,
    /// The thread's name.
    pub name: String,
    /// How long the stopper had waited for it when it was declared stuck (serialised as
    /// `waited_ns`).
    #[serde(rename = "waited_ns", serialize_with = "ser_nanos")]
    pub waited: Duration,
}

/// The outcome of one successful stop-the-world.
///
/// Serialises (serde) with durations as nanoseconds: `stop_ns` (request → stopped), `max_ttsp_ns`,
/// `per_thread[].ttsp_ns`, `stuck[].waited_ns`; the two `Instant`s are not serialisable and are
/// represented by `stop_ns` only.
#[derive(Clone, Debug)]
pub struct StopReport {
    /// When the stop was requested (after the stop lock was acquired and `PENDING_STOP` set).
    pub requested_at: Instant,
    /// When every other registered thread had been observed suspended.
    pub stopped_at: Instant,
    /// Time-to-safepoint of every thread that was suspended by this stop (the requester excluded).
    pub per_thread: Vec<ThreadTtsp>,
    /// The largest entry of `per_thread` (zero when there is none).
    pub max_ttsp: Duration,
    /// Threads that exceeded the stuck threshold (each reported once, in detection order).
    pub stuck: Vec<StuckThread>,
}

impl StopReport {
    /// `stopped_at - requested_at`.
    pub fn stop_duration(&self) -> Duration {
        self.stopped_at.saturating_duration_since(self.requested_at)
    }
}

impl Serialize for StopReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("StopReport", 4)?;
        st.serialize_field("stop_ns", &nanos(self.stop_duration()))?;
        st.serialize_field("max_ttsp_ns", &nanos(self.max_ttsp))?;
        st.serialize_field("per_thread", &self.per_thread)?;
        st.serialize_field("stuck", &self.stuck)?;
        st.end()
    }
}

/// [`Safepoints::try_stop_the_world`](super::Safepoints::try_stop_the_world) gave up: the world
/// was restored (every thread it had suspended is running again, `PENDING_STOP` cleared).
#[derive(Clone, Debug, Serialize)]
pub struct StopTimeout {
    /// How long it tried (serialised as `waited_ns`).
    #[serde(rename = "waited_ns", serialize_with = "ser_nanos")]
    pub waited: Duration,
    /// The threads still attached when it gave up (empty when the timeout expired while waiting
    /// for another stopper to finish).
    pub not_arrived: Vec<StuckThread>,
}

impl fmt::Display for StopTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stop-the-world gave up after {:?}", self.waited)?;
        if self.not_arrived.is_empty() {
            write!(f, " (another stop was in progress)")
        } else {
            write!(f, "; still attached:")?;
            for t in &self.not_arrived {
                write!(f, " {}#{}", t.name, t.id)?;
            }
            Ok(())
        }
    }
}

impl std::error::Error for StopTimeout {}
