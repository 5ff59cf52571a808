//! The connections lookups use (`GET /v1/decisions/{id}`, the MCP `why`
//! tool): at most [`MAX_CONNECTIONS`], kept open between lookups so that a
//! lookup does not pay for connecting.
//!
//! A connection is made when a lookup finds none idle; a lookup that finds
//! all of them busy waits up to [`BUSY_PATIENCE`] for one. Connecting fails
//! at once when the database refuses it, so a lookup while the database is
//! down fails fast. A kept connection that turns out to be gone (the
//! database restarted since) is replaced once, within the same lookup.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::Config;

use super::{PostgresStore, Session, config, is_connection_lost};
use crate::interface::record::{RecordError, redact_url};

/// Connections open at once, at most.
pub(crate) const MAX_CONNECTIONS: usize = 4;

/// How long a lookup waits for a busy connection.
pub(crate) const BUSY_PATIENCE: Duration = Duration::from_secs(5);

/// A bounded set of read-only connections to one database.
pub(crate) struct Pool {
    config: Config,
    shown: String,
    state: Mutex<State>,
    returned: Condvar,
}

#[derive(Default)]
struct State {
    idle: Vec<PostgresStore>,
    /// Connections open: idle, in use, or being made.
    open: usize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("url", &self.shown).finish()
    }
}

impl Pool {
    /// A pool for the database at `url`; nothing is connected yet.
    pub(crate) fn new(url: &str) -> Result<Self, RecordError> {
        Ok(Self {
            config: config(url)?,
            shown: redact_url(url),
            state: Mutex::new(State::default()),
            returned: Condvar::new(),
        })
    }

    /// Runs `read` on a connection of the pool.
    pub(crate) fn with<T>(
        &self,
        mut read: impl FnMut(&mut PostgresStore) -> Result<T, RecordError>,
    ) -> Result<T, RecordError> {
        let (mut store, kept) = self.take()?;
        let mut result = read(&mut store);
        if kept && result.as_ref().is_err_and(is_connection_lost) {
            match self.connect() {
                Ok(fresh) => {
                    store = fresh;
                    result = read(&mut store);
                }
                Err(error) => {
                    self.give_back(None);
                    return Err(error);
                }
            }
        }
        let healthy = !store.is_closed() && !result.as_ref().is_err_and(is_connection_lost);
        self.give_back(healthy.then_some(store));
        result
    }

    /// An idle connection (`true`: it was kept), else a new one when fewer
    /// than [`MAX_CONNECTIONS`] are open, else waits for one to come back.
    fn take(&self) -> Result<(PostgresStore, bool), RecordError> {
        let deadline = Instant::now() + BUSY_PATIENCE;
        let mut state = self.state();
        loop {
            if let Some(store) = state.idle.pop() {
                return Ok((store, true));
            }
            if state.open < MAX_CONNECTIONS {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(store) => Ok((store, false)),
                    Err(error) => {
                        self.give_back(None);
                        Err(error)
                    }
                };
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Err(RecordError::Busy(MAX_CONNECTIONS));
            };
            state = match self.returned.wait_timeout(state, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn connect(&self) -> Result<PostgresStore, RecordError> {
        PostgresStore::connect(self.config.clone(), self.shown.clone(), Session::Reader)
    }

    /// Returns a connection to the idle ones, or, with `None`, counts one
    /// that was closed or never made.
    fn give_back(&self, store: Option<PostgresStore>) {
        let mut state = self.state();
        match store {
            Some(store) => state.idle.push(store),
            None => state.open = state.open.saturating_sub(1),
        }
        drop(state);
        self.returned.notify_one();
    }

    /// The state even if a thread panicked holding it: the count of open
    /// connections stays right.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
