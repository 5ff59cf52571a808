//! The HTTP API on axum: JSON in and out, the shapes of the CLI's JSON.
//!
//! | method and path          | answer                                        |
//! |--------------------------|-----------------------------------------------|
//! | `POST /v1/decide`        | a decision, as `ruling decide --format json`  |
//! | `POST /v1/explain`       | an explanation, as `ruling explain --format json` |
//! | `GET /v1/policies`       | every policy: id, title, versions             |
//! | `GET /v1/policies/{id}`  | one policy: rules, fields, request schema     |
//! | `GET /v1/decisions/{id}` | a recorded decision (with `--record`)         |
//! | `GET /healthz`           | `{"status": "ok", …}`                         |
//! | `GET /studio`, `POST /v1/drafts/…` | the studio's page and drafts ([`super::studio`]) |
//!
//! Every error is JSON: the routes' errors ([`ApiError`]) and the HTTP
//! layer's own ([`HttpError`]: a head hyper cannot parse, a full server).
//! How many connections are served and for how long is in [`connection`].
//!
//! The server holds no state but the catalog, so any number of copies can
//! run behind a load balancer. On SIGHUP it reloads the catalog; requests
//! in flight finish on the catalog they started with.

use std::io;
use std::net::SocketAddr;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use super::analysis;
use super::api::{self, ApiError, DecideBody, ExplainBody};
use super::catalog::{Reload, SharedCatalog};
use super::connection::{self, Limits, MAX_HEAD_BYTES, Services};
use super::studio::{self, Saving};
use super::{counted, log};
use crate::interface::record::Records;

/// The default limit on a request body: far above any refund request,
/// small enough that a stray upload cannot tie up memory.
pub(crate) const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The errors of the HTTP layer itself, outside any route: the same JSON
/// shape as [`ApiError`]'s, with these kinds.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    #[error("the request is not valid HTTP/1.1: its request line or a header is malformed")]
    BadRequest,
    #[error(
        "the request line and headers are over the limit of {MAX_HEAD_BYTES} bytes or 100 headers"
    )]
    HeadTooLarge,
    #[error("the server is answering its limit of {connections} connections; try again shortly")]
    Overloaded { connections: usize },
}

impl HttpError {
    /// The error hyper answered with `status` by itself: 431 for a head
    /// over the limit, 400 for anything it cannot parse (414 cannot happen:
    /// a target over hyper's limit makes a head over ours).
    pub(crate) fn from_status(status: u16) -> HttpError {
        if status == 431 {
            HttpError::HeadTooLarge
        } else {
            HttpError::BadRequest
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            HttpError::BadRequest => StatusCode::BAD_REQUEST,
            HttpError::HeadTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            HttpError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            HttpError::BadRequest => "bad_request",
            HttpError::HeadTooLarge => "head_too_large",
            HttpError::Overloaded { .. } => "overloaded",
        }
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        api::error_json(self.kind(), &self.to_string())
    }
}

/// What every request is held to, whatever its route.
#[derive(Clone, Copy)]
struct RequestLimits {
    max_body: usize,
    timeout: Duration,
}

#[derive(Clone)]
struct AppState {
    catalog: SharedCatalog,
    max_body: usize,
    /// The decision records, when the server records (`--record`).
    records: Option<Records>,
}

/// The routes, over `catalog`, with bodies limited to `limits.max_body`
/// bytes and requests to `limits.request_timeout`.
///
/// The studio's page and draft endpoints are merged in; `saving` says
/// whether drafts may be written.
pub(crate) fn router(
    catalog: SharedCatalog,
    limits: &Limits,
    records: Option<Records>,
    saving: Saving,
) -> Router {
    let max_body = limits.max_body;
    let request = RequestLimits {
        max_body,
        timeout: limits.request_timeout,
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/decide", post(decide))
        .route("/v1/explain", post(explain))
        .route("/v1/policies", get(list_policies))
        .route("/v1/policies/{id}", get(get_policy))
        .route("/v1/decisions/{id}", get(get_decision))
        .merge(studio::routes(catalog.clone(), max_body, saving))
        .route("/v1/lint", post(lint))
        .route("/v1/diff/symbolic", post(diff_symbolic))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(request, within_limits))
        .with_state(AppState {
            catalog,
            max_body,
            records,
        })
}

/// The routes for a connection beyond the cap: `/healthz` as usual, 503
/// `overloaded` for everything else.
fn spare_router(catalog: SharedCatalog, limits: &Limits) -> Router {
    let connections = limits.max_connections;
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(move || async move { overloaded(connections) })
        .with_state(AppState {
            catalog,
            max_body: 0,
            records: None,
        })
}

fn overloaded(connections: usize) -> Response {
    let problem = HttpError::Overloaded { connections };
    let mut response = (problem.status(), axum::Json(problem.to_json())).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

/// Serves on `listener` within `limits` until SIGINT or SIGTERM, reloading
/// the catalog on SIGHUP. `ready` is called with the bound address once
/// the signal handlers are installed, so a SIGHUP sent after it never
/// kills the process (the default action of SIGHUP).
pub(crate) async fn serve(
    listener: TcpListener,
    catalog: SharedCatalog,
    limits: Limits,
    records: Option<Records>,
    saving: Saving,
    ready: impl FnOnce(SocketAddr),
) -> io::Result<()> {
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let reloading = catalog.clone();
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            reload(&reloading).await;
        }
    });
    let services = Services {
        full: router(catalog.clone(), &limits, records, saving),
        spare: spare_router(catalog, &limits),
    };
    ready(listener.local_addr()?);
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        log("shutting down after the requests in flight");
    };
    connection::serve_connections(listener, services, limits, stop).await;
    Ok(())
}

/// Refuses a body whose declared length is over the limit before reading
/// it, and gives every request its timeout to arrive and be answered.
async fn within_limits(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limits.max_body) {
        return error(&ApiError::TooLarge {
            limit: limits.max_body,
        });
    }
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error(&ApiError::Timeout {
            seconds: limits.timeout.as_secs(),
        }),
    }
}

/// Reloads on a blocking thread (it reads files) and logs what happened.
async fn reload(catalog: &SharedCatalog) {
    let root = catalog.snapshot().root().display().to_string();
    let working = catalog.clone();
    match tokio::task::spawn_blocking(move || working.reload()).await {
        Ok(Reload::Replaced {
            policies,
            versions,
            missing,
        }) => {
            for kept in missing {
                log(&format!(
                    "warning: `{}` is missing; still serving version `{}` of `{}` as loaded before \
                     (restart the server to retire it)",
                    kept.file.display(),
                    kept.version,
                    kept.id
                ));
            }
            log(&format!(
                "reloaded `{root}`: {}",
                counted(policies, versions)
            ));
        }
        Ok(Reload::Kept(errors)) => {
            let mut text =
                format!("reload of `{root}` failed; still serving the policies loaded before\n");
            for error in &errors {
                text.push_str(&error.render());
            }
            log(text.trim_end());
        }
        Err(error) => log(&format!("reload of `{root}` failed: {error}")),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    let catalog = state.catalog.snapshot();
    ok(&json!({
        "status": "ok",
        "policies": catalog.len(),
        "versions": catalog.versions(),
    }))
}

async fn decide(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    let mut submitted = None;
    let result = body_bytes(body, state.max_body).and_then(|bytes| {
        let body: DecideBody = api::parse_body(&bytes)?;
        let catalog = state.catalog.snapshot();
        let decision = api::decide_body(&catalog, &body)?;
        submitted = (state.records.as_ref())
            .map(|records| api::record(records, &catalog, &body, &decision));
        Ok(decision)
    });
    let mut response = respond(result);
    if let Some(submitted) = submitted {
        let value = HeaderValue::from_static(submitted.keyword());
        response.headers_mut().insert("ruling-record", value);
    }
    response
}

async fn get_decision(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let result = match (path_id(id), state.records) {
        (Err(error), _) => Err(error),
        (Ok(_), None) => Err(ApiError::NotRecording),
        // A lookup waits for the records queued before it: not on the
        // threads that answer requests.
        (Ok(id), Some(records)) => tokio::task::spawn_blocking(move || api::why(&records, &id))
            .await
            .unwrap_or_else(|error| Err(ApiError::Records(error.to_string()))),
    };
    respond(result)
}

async fn explain(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    let result = body_bytes(body, state.max_body).and_then(|bytes| {
        let body: ExplainBody = api::parse_body(&bytes)?;
        api::explain_body(&state.catalog.snapshot(), &body)
    });
    respond(result)
}

/// The analyses take up to a second: not on the threads that answer
/// requests.
async fn lint(State(state): State<AppState>, body: Result<Bytes, BytesRejection>) -> Response {
    let catalog = state.catalog.snapshot();
    let result = match body_bytes(body, state.max_body) {
        Err(error) => Err(error),
        Ok(bytes) => tokio::task::spawn_blocking(move || {
            let body: analysis::LintBody = api::parse_body(&bytes)?;
            analysis::lint_body(&catalog, &body)
        })
        .await
        .unwrap_or_else(|error| Err(ApiError::Malformed(error.to_string()))),
    };
    respond(result)
}

async fn diff_symbolic(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let catalog = state.catalog.snapshot();
    let result = match body_bytes(body, state.max_body) {
        Err(error) => Err(error),
        Ok(bytes) => tokio::task::spawn_blocking(move || {
            let body: analysis::SymbolicBody = api::parse_body(&bytes)?;
            analysis::symbolic_body(&catalog, &body)
        })
        .await
        .unwrap_or_else(|error| Err(ApiError::Malformed(error.to_string()))),
    };
    respond(result)
}

async fn list_policies(State(state): State<AppState>) -> Response {
    ok(&api::list_policies(&state.catalog.snapshot()))
}

async fn get_policy(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    respond(path_id(id).and_then(|id| api::get_policy(&state.catalog.snapshot(), &id)))
}

async fn not_found(uri: Uri) -> Response {
    error(&ApiError::NotFound(uri.path().to_owned()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error(&ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    })
}

/// The `{id}` of a path, or the error for one that is not text.
fn path_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id).map_err(|rejection| {
        ApiError::Malformed(format!("the path is not valid: {}", rejection.body_text()))
    })
}

/// The body, or the error for one too large or cut short.
fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit }
        } else {
            ApiError::Malformed(format!("cannot read the body: {}", rejection.body_text()))
        }
    })
}

fn respond<T: Serialize>(result: Result<T, ApiError>) -> Response {
    match result {
        Ok(value) => ok(&value),
        Err(problem) => error(&problem),
    }
}

fn ok<T: Serialize>(value: &T) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn error(problem: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(problem.to_json())).into_response()
}
