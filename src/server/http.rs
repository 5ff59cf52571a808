//! The HTTP API on axum: JSON in and out, the shapes of the CLI's JSON.
//!
//! | method and path          | answer                                        |
//! |--------------------------|-----------------------------------------------|
//! | `POST /v1/decide`        | a decision, as `ruling decide --format json`  |
//! | `GET /v1/policies`       | every policy: id, title, versions             |
//! | `GET /v1/policies/{id}`  | one policy: rules, fields, request schema     |
//! | `GET /healthz`           | `{"status": "ok", …}`                         |
//!
//! The server holds no state but the catalog, so any number of copies can
//! run behind a load balancer. On SIGHUP it reloads the catalog; requests
//! in flight finish on the catalog they started with.

use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use super::api::{self, ApiError, DecideBody, ExplainBody};
use super::catalog::{Reload, SharedCatalog};
use super::log;
use crate::record::Store;
use std::sync::{Arc, Mutex};

/// The default limit on a request body: far above any refund request,
/// small enough that a stray upload cannot tie up memory.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

#[derive(Clone)]
struct AppState {
    catalog: SharedCatalog,
    max_body: usize,
    /// The decision records, when the server records (`--record`).
    records: Option<Arc<Mutex<Store>>>,
}

/// The routes, over `catalog`, with bodies limited to `max_body` bytes.
pub fn router(catalog: SharedCatalog, max_body: usize, records: Option<Store>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/decide", post(decide))
        .route("/v1/explain", post(explain))
        .route("/v1/policies", get(list_policies))
        .route("/v1/policies/{id}", get(get_policy))
        .route("/v1/decisions/{id}", get(get_decision))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(AppState {
            catalog,
            max_body,
            records: records.map(|store| Arc::new(Mutex::new(store))),
        })
}

/// Serves on `listener` until SIGINT or SIGTERM, reloading the catalog on
/// SIGHUP. `ready` is called with the bound address once the signal
/// handlers are installed, so a SIGHUP sent after it never kills the
/// process (the default action of SIGHUP).
pub async fn serve(
    listener: TcpListener,
    catalog: SharedCatalog,
    max_body: usize,
    records: Option<Store>,
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
    let app = router(catalog, max_body, records);
    ready(listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            log("shutting down after the requests in flight");
        })
        .await
}

/// Reloads on a blocking thread (it reads files) and logs what happened.
async fn reload(catalog: &SharedCatalog) {
    let root = catalog.snapshot().root().display().to_string();
    let working = catalog.clone();
    match tokio::task::spawn_blocking(move || working.reload()).await {
        Ok(Reload::Replaced { policies, versions }) => log(&format!(
            "reloaded `{root}`: {policies} policies, {versions} versions"
        )),
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
    let result = body_bytes(body, state.max_body).and_then(|bytes| {
        let body: DecideBody = api::parse_body(&bytes)?;
        let decision = api::decide_body(&state.catalog.snapshot(), &body)?;
        if let Some(records) = &state.records {
            let mut store = records
                .lock()
                .map_err(|_| ApiError::Records("the store is unusable".to_owned()))?;
            api::record(&mut store, &decision, body.request.get().as_bytes())?;
        }
        Ok(decision)
    });
    respond(result)
}

async fn get_decision(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let result = match &state.records {
        None => Err(ApiError::NotRecording),
        Some(records) => records
            .lock()
            .map_err(|_| ApiError::Records("the store is unusable".to_owned()))
            .and_then(|store| api::why(&store, &id)),
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

async fn list_policies(State(state): State<AppState>) -> Response {
    ok(&api::list_policies(&state.catalog.snapshot()))
}

async fn get_policy(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    respond(api::get_policy(&state.catalog.snapshot(), &id))
}

async fn not_found(uri: Uri) -> Response {
    error(&ApiError::NotFound(uri.path().to_owned()))
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
