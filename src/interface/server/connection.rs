//! The connections of `ruling serve`: how many are served at once and how
//! long each may take, so that clients that connect and say nothing, or
//! say it a byte at a time, cannot starve the others.
//!
//! ```text
//! accept ─┬─ a slot free      → served: keep-alive, --header-timeout per request head
//!         └─ all slots taken  → a spare connection: one answer, then closed:
//!                               /healthz as usual, 503 `overloaded` otherwise
//! ```
//!
//! At most [`SPARE_CONNECTIONS`] spare connections are open: a new one
//! closes the oldest. Clients that connect and say nothing therefore
//! cannot keep `/healthz` from answering, since a health check sends its
//! request at once and is answered within milliseconds.
//!
//! Every connection must send each request head within the header timeout,
//! counted from its start or from its previous answer, so an idle
//! keep-alive connection is closed after that long too. Once the head is
//! in, the body and the answer have the request timeout (the middleware in
//! `http`), and an answer the client does not read for that long ends the
//! connection ([`Socket`]).

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinHandle;

use super::log;
use super::socket::Socket;

/// How long a client may take to send a request head, and how long an idle
/// keep-alive connection is kept.
pub(crate) const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request may take, once its head is in, to send its body and
/// get its answer; and how long an answer may wait for the client to
/// take it, from the first write that had to wait.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The default cap on connections served at once, when the file limit
/// allows as many.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// The largest request head (request line and headers) read: beyond it
/// the client gets 431. It bounds the memory a slow client can pin down,
/// and is below hyper's limit on the request target (65,534 bytes), so a
/// target too long is a head too large.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Connections open beyond the cap, each for one answer: `/healthz` keeps
/// answering when every slot is taken, and other clients learn why they
/// are refused.
pub(crate) const SPARE_CONNECTIONS: usize = 16;

/// How long a spare connection may take to send its request head.
const SPARE_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// File descriptors kept for everything but connections: the standard
/// streams, the listener, the runtime, the record store, and the policy
/// files and folders read on reload.
const RESERVED_FILES: u64 = 32;

/// How long to wait before accepting again after the system refused
/// (out of file descriptors or memory); the connection waits in the queue.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long, after SIGINT or SIGTERM, requests in flight may take before
/// the server stops anyway: a stalled client cannot keep it alive.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The limits of one server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_body: usize,
    pub(crate) max_connections: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) request_timeout: Duration,
}

/// How many connections fit under the process's limit on open files
/// (`ulimit -n`), after the reserved files and the spare connections;
/// `None` when there is no limit.
pub(crate) fn connections_within_file_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current?;
    let room = limit.saturating_sub(RESERVED_FILES + SPARE_CONNECTIONS as u64);
    Some(usize::try_from(room).unwrap_or(usize::MAX))
}

/// The default `--max-connections`: [`DEFAULT_MAX_CONNECTIONS`], or fewer
/// when the file limit is lower, and at least one.
pub(crate) fn default_max_connections() -> usize {
    connections_within_file_limit()
        .map_or(DEFAULT_MAX_CONNECTIONS, |room| {
            room.min(DEFAULT_MAX_CONNECTIONS)
        })
        .max(1)
}

/// The routers the connections are served by.
pub(crate) struct Services {
    /// Every endpoint, for connections within the cap.
    pub(crate) full: Router,
    /// `/healthz`, and 503 for everything else, for spare connections.
    pub(crate) spare: Router,
}

/// Accepts connections on `listener` and serves them within `limits` until
/// `stop` completes; then lets open connections finish their requests for
/// up to [`SHUTDOWN_GRACE`].
pub(crate) async fn serve_connections(
    listener: TcpListener,
    services: Services,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let slots = Pool::new(limits.max_connections);
    let mut spares = Spares::default();
    let full = ConnectionKind {
        router: services.full,
        http: http(limits.header_timeout, true),
        send_timeout: limits.request_timeout,
    };
    let spare = ConnectionKind {
        router: services.spare,
        http: http(limits.header_timeout.min(SPARE_HEADER_TIMEOUT), false),
        send_timeout: limits.request_timeout,
    };
    let (stopping, stopped) = watch::channel(false);
    let mut state = AcceptState::default();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    state.accepted();
                    stream
                }
                Err(error) => {
                    state.failed(&error).await;
                    continue;
                }
            },
        };
        if let Some(slot) = slots.take() {
            state.below_cap();
            tokio::spawn(full.serve(stream, Some(slot), stopped.clone()));
        } else {
            state.at_cap(limits.max_connections);
            spares.make_room().await;
            spares.open(tokio::spawn(spare.serve(stream, None, stopped.clone())));
        }
    }
    drop(listener);
    spares.close_all();
    let _ = stopping.send(true);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.all_returned())
        .await
        .is_err()
    {
        log("stopped: some connections were still open after the grace period");
    }
}

/// hyper's HTTP/1.1 settings for one kind of connection.
fn http(header_timeout: Duration, keep_alive: bool) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(keep_alive)
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(MAX_HEAD_BYTES)
        // One buffer per write, so that `Socket` sees hyper's own error
        // answers whole.
        .writev(false);
    builder
}

/// A kind of connection: what serves it, with which settings.
struct ConnectionKind {
    router: Router,
    http: http1::Builder,
    send_timeout: Duration,
}

impl ConnectionKind {
    /// Serves one connection until it closes, times out, or (on shutdown)
    /// finishes the request in flight. `slot`, if any, is given back when
    /// it ends.
    fn serve(
        &self,
        stream: TcpStream,
        slot: Option<OwnedSemaphorePermit>,
        mut stopped: watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + use<> {
        let socket = TokioIo::new(Socket::new(stream, self.send_timeout));
        let service = TowerToHyperService::new(self.router.clone());
        let connection = self.http.serve_connection(socket, service);
        async move {
            let _slot = slot;
            tokio::pin!(connection);
            // A connection's errors (a timeout, a reset, a malformed head)
            // end only that connection, and are not worth a log line each.
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopped.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        }
    }
}

/// A fixed number of connection slots.
struct Pool {
    size: u32,
    semaphore: Arc<Semaphore>,
}

impl Pool {
    fn new(size: usize) -> Pool {
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        Pool {
            size,
            semaphore: Arc::new(Semaphore::new(size as usize)),
        }
    }

    fn take(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.semaphore).try_acquire_owned().ok()
    }

    /// Completes once every slot has been given back.
    async fn all_returned(&self) {
        let _ = self.semaphore.acquire_many(self.size).await;
    }
}

/// The spare connections open, oldest first.
#[derive(Default)]
struct Spares {
    open: VecDeque<JoinHandle<()>>,
}

impl Spares {
    /// Makes room for one more spare connection: if there are already
    /// [`SPARE_CONNECTIONS`], closes the oldest, and waits until it is
    /// closed so that the open files stay within the count.
    async fn make_room(&mut self) {
        self.open.retain(|task| !task.is_finished());
        if self.open.len() >= SPARE_CONNECTIONS
            && let Some(oldest) = self.open.pop_front()
        {
            oldest.abort();
            let _ = oldest.await;
        }
    }

    fn open(&mut self, task: JoinHandle<()>) {
        self.open.push_back(task);
    }

    /// Spare connections only ever give one short answer: on shutdown they
    /// are closed without waiting.
    fn close_all(&mut self) {
        for task in self.open.drain(..) {
            task.abort();
        }
    }
}

/// What the accept loop logs: one line when a state begins, not one per
/// connection, so that a flood does not flood the log too.
#[derive(Default)]
struct AcceptState {
    at_cap: bool,
    failing: bool,
}

impl AcceptState {
    fn accepted(&mut self) {
        if self.failing {
            self.failing = false;
            log("accepting connections again");
        }
    }

    async fn failed(&mut self, error: &io::Error) {
        // A client that gave up before it was accepted is no one's problem.
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
        ) {
            return;
        }
        if !self.failing {
            self.failing = true;
            log(&format!(
                "cannot accept connections: {error}; retrying every {} ms",
                ACCEPT_BACKOFF.as_millis()
            ));
        }
        tokio::time::sleep(ACCEPT_BACKOFF).await;
    }

    fn at_cap(&mut self, max_connections: usize) {
        if !self.at_cap {
            self.at_cap = true;
            log(&format!(
                "all {max_connections} connections are in use: new ones get only /healthz, or 503, until some close"
            ));
        }
    }

    fn below_cap(&mut self) {
        if self.at_cap {
            self.at_cap = false;
            log("connections are below the limit again");
        }
    }
}
