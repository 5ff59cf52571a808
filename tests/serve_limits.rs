//! `ruling serve` under clients that try to starve it: idle and slow
//! connections, more of them than it may serve or has files for, clients
//! that never read, heads hyper refuses, and policy files missing at a
//! reload. Every wait is bounded; timings are asserted only as generous
//! bounds.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::serve::{Server, shipped};

/// How long anything that should be quick may take on a slow CI machine.
const PATIENCE: Duration = Duration::from_secs(30);

/// The open-file limit the flooded server runs under.
const OPEN_FILES: usize = 64;

/// `ruling serve` under `ulimit -n 64`, with `extra` flags.
fn start_with_few_files(extra: &[&str]) -> Server {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n {OPEN_FILES} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_ruling"))
        .arg("serve")
        .args(extra)
        .arg(shipped());
    Server::spawn(command)
}

/// Sends `bytes` on a new connection and reads the answer to its end:
/// the status and the body as JSON.
fn exchange(addr: &str, bytes: &[u8]) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    // The server may answer and close before reading everything.
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let json = serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body:?}"));
    (status, json)
}

fn get(addr: &str, path: &str) -> (u16, Value) {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// The `N` of "at most N connections" in the server's first line.
fn connection_cap(server: &Server) -> usize {
    let line = server.banner();
    line.split("at most ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no cap in {line:?}"))
}

/// Opens `count` connections that say nothing, and as many that send half
/// a request head and stop.
fn idle_and_slow(addr: &str, count: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for index in 0..count * 2 {
        let mut stream = TcpStream::connect(addr).unwrap();
        if index % 2 == 1 {
            stream
                .write_all(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-")
                .unwrap();
        }
        held.push(stream);
    }
    held
}

/// Reads from `stream` until the server closes it; false if it stays open
/// for `within`.
fn closed_by_server(mut stream: &TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut buffer = [0; 4096];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
    false
}

/// The flood of the review: more idle and slow connections than the
/// server may serve and than it has files for. `/healthz` still answers,
/// other requests get a clear 503, and the default cap fits the file
/// limit.
#[test]
fn a_flood_of_idle_and_slow_connections_does_not_stop_healthz() {
    // A header timeout longer than the test: the flood holds every slot
    // however slow the machine.
    let server = start_with_few_files(&["--header-timeout", "600"]);
    let cap = connection_cap(&server);
    assert!(
        (1..OPEN_FILES - 16).contains(&cap),
        "the default cap {cap} must leave room under {OPEN_FILES} files"
    );
    let _held = idle_and_slow(server.addr(), OPEN_FILES);
    server.wait_for(&format!("all {cap} connections are in use"));

    for _ in 0..3 {
        let started = Instant::now();
        let (status, health) = get(server.addr(), "/healthz");
        assert_eq!((status, &health["status"]), (200, &json!("ok")));
        assert!(started.elapsed() < PATIENCE);
    }
    let (status, refused) = get(server.addr(), "/v1/policies");
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"]["kind"], "overloaded");
    assert_eq!(refused["error"]["problems"], json!([]));
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("limit of {cap} connections")),
        "{message}"
    );
}

/// Idle connections, and connections that send their head too slowly, are
/// closed after the header timeout, and the server serves again.
#[test]
fn idle_and_slow_connections_are_closed_after_the_header_timeout() {
    let server = start_with_few_files(&["--header-timeout", "2"]);
    let cap = connection_cap(&server);
    let held = idle_and_slow(server.addr(), cap);
    server.wait_for(&format!("all {cap} connections are in use"));
    let open = held
        .iter()
        .filter(|stream| !closed_by_server(stream, PATIENCE))
        .count();
    assert_eq!(open, 0, "connections still open after the header timeout");
    let (status, _) = get(server.addr(), "/v1/policies");
    assert_eq!(status, 200);

    // A keep-alive connection is closed once idle for the header timeout.
    let mut kept = TcpStream::connect(server.addr()).unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0; 12];
    kept.set_read_timeout(Some(PATIENCE)).unwrap();
    kept.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    assert!(closed_by_server(&kept, PATIENCE));
}

/// A client that sends requests and never reads the answers cannot hold
/// its connection: once an answer waits unread for the request timeout,
/// the server closes it.
#[test]
fn a_client_that_never_reads_its_answers_is_disconnected() {
    let server = Server::start(&shipped(), &["--request-timeout", "2"]);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    // About 90 MB of answers: far more than the socket buffers hold.
    let request = b"GET /v1/policies/steam HTTP/1.1\r\nHost: x\r\n\r\n";
    stream.set_write_timeout(Some(PATIENCE)).unwrap();
    for _ in 0..10_000 {
        if stream.write_all(request).is_err() {
            break;
        }
    }
    // The answers stay unread; the server's closing shows as a write that
    // fails, while a live but blocked server only makes writes wait.
    stream.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + PATIENCE;
    let reset = loop {
        match stream.write(request) {
            Err(error) if error.kind() != ErrorKind::WouldBlock => break true,
            _ if Instant::now() > deadline => break false,
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    assert!(reset, "the connection was not closed");
}

#[test]
fn errors_of_the_http_layer_are_json() {
    let server = Server::start(&shipped(), &[]);
    let addr = server.addr();
    let kind = |bytes: &[u8]| {
        let (status, body) = exchange(addr, bytes);
        assert_eq!(body["error"]["format"], 1, "{body}");
        assert_eq!(body["error"]["problems"], json!([]), "{body}");
        assert!(body["error"]["message"].is_string(), "{body}");
        (status, body["error"]["kind"].as_str().unwrap().to_owned())
    };
    let bad_request = (400, "bad_request".to_owned());
    assert_eq!(kind(b"BLAH\r\n\r\n"), bad_request);
    assert_eq!(kind(b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"), bad_request);
    assert_eq!(
        kind(b"GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n"),
        bad_request
    );
    let long_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    assert_eq!(
        kind(long_header.as_bytes()),
        (431, "head_too_large".to_owned())
    );
    let many_headers: String = (0..150).map(|index| format!("X-{index}: a\r\n")).collect();
    let many = format!("GET /healthz HTTP/1.1\r\n{many_headers}\r\n");
    assert_eq!(kind(many.as_bytes()), (431, "head_too_large".to_owned()));
    // A request target over hyper's limit of 65,534 bytes makes a head
    // over the server's limit of 64 KiB.
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    assert_eq!(
        kind(long_target.as_bytes()),
        (431, "head_too_large".to_owned())
    );
    assert_eq!(get(addr, "/healthz").0, 200);
}
