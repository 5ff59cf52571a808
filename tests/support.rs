//! Helpers shared by the integration tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ruling::diagnostic::{SourceFile, render};
use ruling::interface::record::Record;
use ruling::policy::folder::{PolicyError, read_policy};
use serde_json::{Value, json};

/// The crate's root folder, where `policies/` and `tests/` are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, with `/` separators, for snapshots.
pub fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Renders policy problems the way `ruling check` does, without colour.
pub fn render_problems(errors: &[PolicyError]) -> String {
    let mut out = String::new();
    for error in errors {
        match error {
            PolicyError::Invalid(error) => {
                let file = SourceFile::new(
                    relative(Path::new(&error.file.name)),
                    error.file.text.clone(),
                );
                out.push_str(&render(&error.diagnostics, &file, false, 80));
            }
            other => out.push_str(&format!("{other}\n")),
        }
    }
    out
}

// The decision-record tests (`records`, `recording`, `postgres_records`)
// record decisions of one policy, on requests made distinct by a number.

pub const POLICY: &str = "policies/iptv-smarters-pro/2025-01-22.toml";

pub const REQUEST: &str = r#"{"purchase": {"invoice_number": "INV-1001", "date": "2025-03-01",
  "email": "ana@example.com", "amount": "59.99", "currency": "EUR"},
  "request": {"date": "2025-03-05", "email": "ana@example.com", "invoice_number": "INV-1001",
  "explanation": "Channels stopped loading.", "reason": "technical_failure"},
  "support": {"contacted": true, "issue_resolved": false}, "customer": {"terms_violated": false}}"#;

/// The absolute path of [`POLICY`], for the command line.
pub fn policy_path() -> String {
    root().join(POLICY).display().to_string()
}

/// `REQUEST` with its explanation made unique by `n`: a distinct decision.
pub fn request(n: usize) -> String {
    REQUEST.replace(
        "Channels stopped loading.",
        &format!("Channels stopped loading ({n})."),
    )
}

/// The record of deciding `json` by the policy of [`POLICY`].
pub fn record_of(json: &str) -> Record {
    let policy = read_policy(&root().join(POLICY)).unwrap();
    let decoded =
        ruling::request::decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
    let decision = ruling::decide(&policy, &decoded).unwrap();
    Record::new(&policy, &decoded, &decision)
}

/// The record of deciding `request(n)`.
pub fn record(n: usize) -> Record {
    record_of(&request(n))
}

/// Writes `count` distinct requests, starting at `first`, as NDJSON.
pub fn ndjson(dir: &Path, name: &str, first: usize, count: usize) -> String {
    let lines: Vec<String> = (first..first + count)
        .map(|n| {
            serde_json::from_str::<serde_json::Value>(&request(n))
                .unwrap()
                .to_string()
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.display().to_string()
}

/// Sends one HTTP request, waiting at most `patience` for the answer; the
/// status, the response head and the JSON body.
pub fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    body: &str,
    patience: Duration,
) -> (u16, String, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(patience)).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(body).unwrap(),
    )
}

/// The body of `POST /v1/decide` for `request(n)`.
pub fn decide_body(n: usize) -> String {
    let request: Value = serde_json::from_str(&request(n)).unwrap();
    json!({"policy": "iptv-smarters-pro", "request": request}).to_string()
}

/// Decides `request(n)` on the server at `addr`; the decision, after
/// checking that it was answered and its record queued.
pub fn decide_on(addr: &str, n: usize, patience: Duration) -> Value {
    let (status, head, decision) = exchange(addr, "POST", "/v1/decide", &decide_body(n), patience);
    assert_eq!(status, 200, "{decision}");
    assert!(head.contains("\r\nruling-record: queued"), "{head}");
    decision
}

/// Waits until `done` holds, failing the test with `what` after `patience`.
pub fn wait_until(what: &str, patience: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !done() {
        assert!(Instant::now() < deadline, "still waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
