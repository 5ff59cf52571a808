//! `ruling serve`: the real binary on a loopback port, spoken to over real
//! HTTP (a few lines of HTTP/1.1 on a `TcpStream`, so no client crate).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::ruling;
use crate::support::{copy_folder, root};

/// How long the server may take to start or to reload. Generous, since CI
/// machines are slow; the loops stop as soon as the line arrives.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `ruling serve`, killed when dropped.
pub struct Server {
    child: Child,
    addr: String,
    /// The line that said where the server listens.
    banner: String,
    log: Receiver<String>,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ruling"));
        command.arg("serve").args(extra).arg(dir);
        Server::spawn(command)
    }

    /// Starts `command`, a `ruling serve` (or a shell that execs one) to
    /// which the loopback address on a free port is added.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command
            .args(["--addr", "127.0.0.1:0"])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (send, log) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
            banner: String::new(),
            log,
        };
        server.banner = server.wait_for("listening on http://");
        let rest = server.banner.split("http://").nth(1).unwrap();
        server.addr = rest.split_whitespace().next().unwrap().to_owned();
        server
    }

    /// The address the server listens on, `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Waits for a log line containing `needle`, and returns it.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!(
            "no log line with `{needle}`; the log was:\n{}",
            seen.join("\n")
        );
    }

    pub fn banner(&self) -> &str {
        &self.banner
    }

    pub fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Sends one request and returns the status and the JSON body.
    pub fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
        let (status, text) = self.raw(method, path, body);
        let json = serde_json::from_slice(&text)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&text)));
        (status, json)
    }

    pub fn raw(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        // The server may answer (413) before reading all of a large body.
        let _ = stream.write_all(body);
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .unwrap();
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, response[split + 4..].to_vec())
    }

    pub fn decide(&self, body: &Value) -> (u16, Value) {
        self.call("POST", "/v1/decide", body.to_string().as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn shipped() -> std::path::PathBuf {
    root().join("policies")
}

fn case(name: &str) -> Value {
    let path = shipped().join("iptv-smarters-pro/cases").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The JSON `ruling decide --format json` prints, on stdout or stderr.
fn cli_json(request: &Value) -> Value {
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "-",
            "--format",
            "json",
        ],
        Some(request.to_string().as_bytes()),
    );
    let text = if run.code == 0 {
        run.stdout
    } else {
        run.stderr
    };
    serde_json::from_str(&text).unwrap()
}

#[test]
fn health_and_policies() {
    let server = Server::start(&shipped(), &[]);
    let (status, health) = server.call("GET", "/healthz", b"");
    assert_eq!((status, &health["status"]), (200, &json!("ok")));
    assert_eq!(health["policies"], 4);

    let (status, list) = server.call("GET", "/v1/policies", b"");
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|policy| policy["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "best-buy-returns",
            "dot-airline-refunds",
            "iptv-smarters-pro",
            "steam"
        ]
    );
    assert_eq!(list["policies"][2]["versions"].as_array().unwrap().len(), 2);

    let (status, policy) = server.call("GET", "/v1/policies/steam", b"");
    assert_eq!(status, 200);
    let version = &policy["versions"][0];
    assert_eq!(version["version"], "2024-04-23");
    let rules = version["rules"].as_array().unwrap();
    assert!(rules.iter().all(|rule| rule["clause"].is_string()));
    assert_eq!(rules.last().unwrap()["default"], true);
    assert!(!version["fields"].as_array().unwrap().is_empty());
    assert_eq!(version["request_schema"]["type"], "object");
}

#[test]
fn unknown_policies_and_paths_are_404_and_never_files() {
    let server = Server::start(&shipped(), &[]);
    for path in [
        "/v1/policies/nope",
        "/v1/policies/..%2Fsteam",
        "/v1/policies/%2E%2E",
        "/v1/nothing",
    ] {
        let (status, body) = server.call("GET", path, b"");
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
    let (_, body) = server.call("GET", "/v1/policies/nope", b"");
    assert_eq!(body["error"]["kind"], "unknown_policy");
    assert_eq!(
        body["error"]["message"],
        "no policy `nope` is loaded; the policies are `best-buy-returns`, `dot-airline-refunds`, `iptv-smarters-pro`, `steam`"
    );
}

#[test]
fn a_decision_is_the_cli_json() {
    let server = Server::start(&shipped(), &[]);
    for name in [
        "approve-within-window.json",
        "amount-as-json-number.json",
        "billing-error-late.json",
    ] {
        let request = case(name)["request"].clone();
        let (status, decision) = server.decide(&json!({
            "policy": "iptv-smarters-pro",
            "request": request,
        }));
        assert_eq!(status, 200, "{name}: {decision}");
        assert_eq!(decision, cli_json(&request), "{name}");
    }
    let request = case("approve-within-window.json")["request"].clone();
    let (status, decision) = server.decide(&json!({
        "policy": "iptv-smarters-pro",
        "request": request,
        "version": "2025-01-22",
    }));
    assert_eq!(status, 200);
    assert_eq!(decision["policy"]["version"], "2025-01-22");
    assert_eq!(
        decision["policy"]["selected"],
        "version 2025-01-22 was asked for"
    );
}

#[test]
fn an_explanation_is_the_cli_json() {
    let server = Server::start(&shipped(), &[]);
    let path = "policies/iptv-smarters-pro/cases/day-8-is-outside-the-window.json";
    let request = case("day-8-is-outside-the-window.json")["request"].clone();
    let body = json!({"policy": "iptv-smarters-pro", "request": request, "outcome": "approve"});
    let (status, explanation) = server.call("POST", "/v1/explain", body.to_string().as_bytes());
    assert_eq!(status, 200, "{explanation}");
    let cli = crate::cli::ruling(
        &[
            "explain",
            "policies/iptv-smarters-pro",
            path,
            "--format",
            "json",
            "--outcome",
            "approve",
        ],
        None,
    );
    let cli: Value = serde_json::from_str(&cli.stdout).unwrap();
    assert_eq!(
        explanation, cli,
        "the whole explanation, policy.selected included"
    );
    assert_eq!(explanation["outcome"], "deny");
    let bad = json!({"policy": "iptv-smarters-pro", "request": {}, "outcome": "refund"});
    let (status, _) = server.call("POST", "/v1/explain", bad.to_string().as_bytes());
    assert_eq!(status, 400);
}

#[test]
fn recorded_decisions_are_served_by_id() {
    let records = tempfile::tempdir().unwrap();
    let db = records.path().join("decisions.db");
    let flag = format!("--record={}", db.display());
    let server = Server::start(&shipped(), &[flag.as_str()]);
    let request = case("approve-within-window.json")["request"].clone();
    let (status, decision) =
        server.decide(&json!({"policy": "iptv-smarters-pro", "request": request}));
    assert_eq!(status, 200);
    let id = decision["id"].as_str().unwrap().to_owned();
    let (status, record) = server.call("GET", &format!("/v1/decisions/{}", &id[..12]), b"");
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["decision"]["outcome"], "approve");
    let (status, missing) = server.call("GET", "/v1/decisions/0000000000000000", b"");
    assert_eq!(status, 404);
    assert_eq!(missing["error"]["kind"], "unknown_decision");
    let plain = Server::start(&shipped(), &[]);
    let (status, off) = plain.call("GET", &format!("/v1/decisions/{id}"), b"");
    assert_eq!(status, 404);
    assert_eq!(off["error"]["kind"], "not_recording");
}

#[test]
fn bad_input_gets_clear_4xx_errors() {
    let server = Server::start(&shipped(), &["--max-body", "2000"]);
    let kind =
        |(status, body): (u16, Value)| (status, body["error"]["kind"].as_str().unwrap().to_owned());
    let post = |body: &[u8]| kind(server.call("POST", "/v1/decide", body));

    assert_eq!(post(b"{\"policy\": "), (400, "malformed_body".into()));
    assert_eq!(post(b"[]"), (400, "malformed_body".into()));
    assert_eq!(post(b"{\"request\": {}}"), (400, "malformed_body".into()));
    assert_eq!(
        post(br#"{"policy": 7, "request": {}}"#),
        (400, "malformed_body".into())
    );
    assert_eq!(
        post(br#"{"policy": "steam", "request": {}, "colour": "red"}"#),
        (400, "malformed_body".into())
    );
    assert_eq!(
        post(br#"{"policy": "nope", "request": {}}"#),
        (404, "unknown_policy".into())
    );
    assert_eq!(
        post(br#"{"policy": "steam", "request": {}, "version": "9"}"#),
        (404, "unknown_version".into())
    );
    assert_eq!(
        post(br#"{"policy": "steam", "request": {}, "at": "1999-01-01"}"#),
        (422, "not_in_effect".into())
    );
    assert_eq!(
        post(br#"{"policy": "steam", "request": {}, "at": "soon"}"#),
        (400, "bad_date".into())
    );
    assert_eq!(
        post(br#"{"policy": "steam", "request": {}, "at": "2025-01-01", "version": "1"}"#),
        (400, "version_and_date".into())
    );

    let (_, malformed) = server.call("POST", "/v1/decide", b"{\"policy\": ");
    let message = malformed["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("the body is not valid: "), "{message}");

    // Wrong types inside the request: 422 with the CLI's error JSON.
    let mut request = case("approve-within-window.json")["request"].clone();
    request["purchase"]["amount"] = json!(true);
    request["support"]["contacted"] = json!("yes");
    let (status, body) = server.decide(&json!({
        "policy": "iptv-smarters-pro",
        "request": request,
    }));
    assert_eq!(status, 422);
    assert_eq!(body, cli_json(&request));
    assert_eq!(body["error"]["kind"], "invalid_request");
    assert_eq!(body["error"]["problems"].as_array().unwrap().len(), 2);

    let large = format!(
        r#"{{"policy": "steam", "request": {{"pad": "{}"}}}}"#,
        "x".repeat(5000)
    );
    assert_eq!(post(large.as_bytes()), (413, "too_large".into()));
    assert_eq!(
        kind(server.call("GET", "/v1/decide", b"")),
        (405, "method_not_allowed".into())
    );
    assert_eq!(
        kind(server.call("POST", "/healthz", b"")),
        (405, "method_not_allowed".into())
    );
    assert_eq!(
        kind(server.call("GET", "/v1/policies/%ff%fe", b"")),
        (400, "malformed_body".into())
    );
    // Still serving after all of that.
    assert_eq!(server.call("GET", "/healthz", b"").0, 200);
}

#[test]
fn a_body_that_is_not_json_is_told_so_in_plain_words() {
    let server = Server::start(&shipped(), &[]);
    let message = |body: &[u8]| {
        let (status, json) = server.call("POST", "/v1/decide", body);
        assert_eq!(status, 400, "{json}");
        assert_eq!(json["error"]["kind"], "malformed_body");
        json["error"]["message"].as_str().unwrap().to_owned()
    };
    let nope = message(b"nope");
    assert!(
        nope.starts_with(
            "the body is not valid: it is not JSON: `nope` at line 1, column 2 cannot be read as JSON. \
             Send {\"policy\": \"<id>\", \"request\": {…}}"
        ),
        "{nope}"
    );
    let unquoted = message(b"{\n  \"policy\": steam,\n  \"request\": {}\n}");
    assert!(
        unquoted.contains("`steam` at line 2, column 13 cannot be read as JSON"),
        "{unquoted}"
    );
    let cut = message(b"{\"policy\": ");
    assert!(
        cut.contains("it ends at line 1, column 11 before the JSON is complete"),
        "{cut}"
    );
    assert!(message(b"").contains("the body is empty"));
    let wrong_type = message(br#"{"policy": 7, "request": {}}"#);
    assert!(
        wrong_type.contains("expected a string (at line 1, column 12)"),
        "{wrong_type}"
    );
    for text in [nope, unquoted, cut, wrong_type] {
        assert!(!text.contains("ident"), "{text}");
        assert!(!text.contains("1 column"), "serde's own wording: {text}");
    }
}

#[test]
fn sighup_reloads_valid_policies_and_keeps_the_old_ones_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    copy_folder(&shipped(), dir.path());
    let server = Server::start(dir.path(), &[]);
    let title = |server: &Server| {
        let (status, policy) = server.call("GET", "/v1/policies/steam", b"");
        assert_eq!(status, 200);
        policy["title"].as_str().unwrap().to_owned()
    };
    assert_eq!(title(&server), "Steam refund policy");

    let file = dir.path().join("steam/2024-04-23.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("title = \"Steam refund policy\"", "title = "),
    )
    .unwrap();
    server.hangup();
    let line = server.wait_for("reload of");
    assert!(
        line.contains("still serving the policies loaded before"),
        "{line}"
    );
    assert_eq!(title(&server), "Steam refund policy");
    let (status, _) = server.decide(&json!({"policy": "steam", "request": {}}));
    assert_eq!(status, 200);

    std::fs::write(
        &file,
        text.replace(
            "title = \"Steam refund policy\"",
            "title = \"Steam, revised\"",
        ),
    )
    .unwrap();
    server.hangup();
    server.wait_for("reloaded");
    assert_eq!(title(&server), "Steam, revised");
}

/// An editor that deletes a policy file and writes it anew: a SIGHUP in
/// between must not drop the policy.
#[test]
fn sighup_keeps_a_policy_whose_file_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    copy_folder(&shipped(), dir.path());
    let server = Server::start(dir.path(), &[]);
    let file = dir.path().join("steam/2024-04-23.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();

    server.hangup();
    let warning = server.wait_for("is missing");
    assert!(
        warning.contains("still serving version `2024-04-23` of `steam`"),
        "{warning}"
    );
    server.wait_for("reloaded");
    let (status, policy) = server.call("GET", "/v1/policies/steam", b"");
    assert_eq!(status, 200, "{policy}");
    let (status, _) = server.decide(&json!({"policy": "steam", "request": {}}));
    assert_eq!(status, 200);

    std::fs::write(
        &file,
        text.replace(
            "title = \"Steam refund policy\"",
            "title = \"Steam, revised\"",
        ),
    )
    .unwrap();
    server.hangup();
    server.wait_for("reloaded");
    let (_, policy) = server.call("GET", "/v1/policies/steam", b"");
    assert_eq!(policy["title"], "Steam, revised");
}

#[test]
fn an_invalid_policy_folder_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = ruling(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            &dir.path().display().to_string(),
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("holds no policy folders"),
        "{}",
        run.stderr
    );
}

/// A client that never finishes its request cannot keep the server alive
/// after SIGTERM: requests in flight get a grace period, then it exits.
#[test]
fn a_stalled_client_does_not_stop_the_shutdown() {
    // A header timeout longer than the test, so that the client is still
    // stalled when the grace period ends.
    let mut server = Server::start(&shipped(), &["--header-timeout", "600"]);
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    stalled
        .write_all(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // Connections are accepted in order: once a later one is answered, the
    // stalled one is in the server's hands.
    assert_eq!(server.call("GET", "/healthz", b"").0, 200);
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + PATIENCE;
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server still runs");
        std::thread::sleep(Duration::from_millis(100));
    }
    server.wait_for("grace period");
}
