//! The studio: a policy workbench in the browser, served with the HTTP API
//! (`ruling serve`, read-only) and by `ruling studio` (local, can save).
//!
//! The page (`assets/`) is plain HTML, CSS and JavaScript embedded in the
//! binary and uses only the public HTTP API; the draft endpoints it needs
//! are here, with the API's JSON errors and body limit.
//!
//! | method and path                                   | answer                              |
//! |---------------------------------------------------|-------------------------------------|
//! | `GET /`, `GET /studio`                            | the page                            |
//! | `GET /v1/studio`                                  | `{"can_save": …}`                   |
//! | `GET /v1/policies/{id}/versions/{version}/source` | a version's text, hash and rules    |
//! | `POST /v1/drafts/check`                           | a draft's diagnostics               |
//! | `POST /v1/drafts/decide`, `…/explain`             | a decision or explanation by a draft |
//! | `POST /v1/drafts/test`                            | the folder's cases against a draft  |
//! | `POST /v1/drafts/diff`                            | saved → draft decisions, grouped    |
//! | `POST /v1/drafts/save`                            | the draft formatted and written     |

mod draft;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;

use super::api::ApiError;
use super::catalog::{Catalog, SharedCatalog};
use draft::{DraftBody, StudioError};

/// Whether drafts may be written to the policy files: only a studio started
/// on someone's own machine (`ruling studio`) saves; `ruling serve` never
/// writes a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saving {
    Never,
    Local,
}

#[derive(Clone)]
struct StudioState {
    catalog: SharedCatalog,
    max_body: usize,
    saving: Saving,
}

/// Only the server's own origin: no script, style, font or image from
/// anywhere else, no inline script, and the page in no one's frame.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("assets/index.html");
const STUDIO_JS: &str = include_str!("assets/studio.js");
const STUDIO_CSS: &str = include_str!("assets/studio.css");

/// The page, its assets and the draft endpoints, to merge into the API's
/// router (whose body limit and timeouts then apply to them too).
pub fn routes<S>(catalog: SharedCatalog, max_body: usize, saving: Saving) -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/studio", get(index))
        .route("/studio/studio.js", get(script))
        .route("/studio/studio.css", get(style))
        .route("/v1/studio", get(settings))
        .route("/v1/policies/{id}/versions/{version}/source", get(source))
        .route("/v1/drafts/check", post(check))
        .route("/v1/drafts/decide", post(decide))
        .route("/v1/drafts/explain", post(explain))
        .route("/v1/drafts/test", post(test))
        .route("/v1/drafts/diff", post(diff))
        .route("/v1/drafts/save", post(save))
        .with_state(StudioState {
            catalog,
            max_body,
            saving,
        })
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", STUDIO_JS)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STUDIO_CSS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn settings(State(state): State<StudioState>) -> Response {
    reply(Ok::<_, StudioError>(json!({
        "can_save": state.saving == Saving::Local,
    })))
}

async fn source(
    State(state): State<StudioState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let result = path
        .map_err(|rejection| {
            StudioError::from(ApiError::Malformed(format!(
                "the path is not valid: {}",
                rejection.body_text()
            )))
        })
        .and_then(|Path((id, version))| draft::source(&state.catalog.snapshot(), &id, &version));
    reply(result)
}

/// Runs a draft operation on a thread that may block: testing and diffing
/// read the case files, saving writes the policy file.
async fn on_draft<T, F>(
    state: StudioState,
    body: Result<Bytes, BytesRejection>,
    operation: F,
) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(&StudioState, &DraftBody) -> Result<T, StudioError> + Send + 'static,
{
    let parsed = body_bytes(body, state.max_body).and_then(|bytes| parse_draft(&bytes));
    let body = match parsed {
        Ok(body) => body,
        Err(problem) => return error(&problem),
    };
    let result = tokio::task::spawn_blocking(move || operation(&state, &body))
        .await
        .unwrap_or_else(|failure| Err(StudioError::Stopped(failure.to_string())));
    reply(result)
}

fn snapshot(state: &StudioState) -> std::sync::Arc<Catalog> {
    state.catalog.snapshot()
}

async fn check(State(state): State<StudioState>, body: Result<Bytes, BytesRejection>) -> Response {
    on_draft(state, body, |state, body| {
        draft::check(&snapshot(state), body)
    })
    .await
}

async fn decide(State(state): State<StudioState>, body: Result<Bytes, BytesRejection>) -> Response {
    on_draft(state, body, |state, body| {
        draft::decide(&snapshot(state), body)
    })
    .await
}

async fn explain(
    State(state): State<StudioState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    on_draft(state, body, |state, body| {
        draft::explain(&snapshot(state), body)
    })
    .await
}

async fn test(State(state): State<StudioState>, body: Result<Bytes, BytesRejection>) -> Response {
    on_draft(state, body, |state, body| {
        draft::test(&snapshot(state), body)
    })
    .await
}

async fn diff(State(state): State<StudioState>, body: Result<Bytes, BytesRejection>) -> Response {
    on_draft(state, body, |state, body| {
        draft::diff(&snapshot(state), body)
    })
    .await
}

async fn save(State(state): State<StudioState>, body: Result<Bytes, BytesRejection>) -> Response {
    on_draft(state, body, |state, body| match state.saving {
        Saving::Never => Err(StudioError::ReadOnly),
        Saving::Local => draft::save(&state.catalog, body),
    })
    .await
}

/// The shape every draft endpoint takes, for messages about a body that
/// is not valid.
const DRAFT_BODY_EXAMPLE: &str =
    r#"{"policy": "<id>", "version": "<saved version>", "source": "<the draft's TOML>", …}"#;

fn parse_draft(bytes: &[u8]) -> Result<DraftBody, StudioError> {
    serde_json::from_slice(bytes).map_err(|problem| {
        ApiError::Malformed(format!(
            "the body is not valid: {problem}. Send {DRAFT_BODY_EXAMPLE}"
        ))
        .into()
    })
}

/// The body, or the error for one too large or cut short.
fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, StudioError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit }.into()
        } else {
            ApiError::Malformed(format!("cannot read the body: {}", rejection.body_text())).into()
        }
    })
}

fn reply<T: Serialize>(result: Result<T, StudioError>) -> Response {
    match result {
        Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
        Err(problem) => error(&problem),
    }
}

fn error(problem: &StudioError) -> Response {
    let status =
        StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(problem.to_json())).into_response()
}
