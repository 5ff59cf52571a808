//! `ruling mcp` end to end: the real binary spoken to over its stdin and
//! stdout, one JSON-RPC line at a time, so these tests run on any machine
//! with Rust; and once more through the official Python MCP client (a
//! client this project does not write), started the way an agent starts it.
//!
//! The messages under `tests/fixtures/mcp/` are a catalogue: each file is a
//! header line naming the answer it must get, then the line sent, byte for
//! byte. A new case is a new file; its answer is snapshotted.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::ruling;
use crate::support::root;

/// How long one answer may take. Generous, since CI machines are slow; the
/// loops stop as soon as the answer arrives.
const PATIENCE: Duration = Duration::from_secs(30);

/// The id of the `ping` sent after each message under test: its answer
/// marks the end of the answers to that message.
const MARKER: &str = "ruling-test-marker";

/// A running `ruling mcp policies`, killed when dropped.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    answers: Receiver<Vec<u8>>,
}

impl Session {
    /// Starts the server and goes through the `initialize` handshake, as
    /// a client does.
    fn start() -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ruling"))
            .arg("mcp")
            .arg(root().join("policies"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, answers) = channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match stdout.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if send.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let stdin = child.stdin.take();
        let mut session = Session {
            child,
            stdin,
            answers,
        };
        let initialize = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "ruling-tests", "version": "1"},
            },
        });
        session.send(initialize.to_string().as_bytes());
        let answer = session.next_answer().expect("an answer to `initialize`");
        assert_eq!(answer["result"]["serverInfo"]["name"], "ruling", "{answer}");
        session.send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        session
    }

    /// Sends one line: `bytes` and a newline.
    fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The next line the server writes, as JSON; `None` if it writes
    /// nothing within [`PATIENCE`] or has stopped.
    fn next_answer(&self) -> Option<Value> {
        let line = match self.answers.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        let text = String::from_utf8(line).expect("the server writes UTF-8");
        assert!(text.ends_with('\n'), "an answer is one whole line: {text}");
        Some(serde_json::from_str(&text).unwrap_or_else(|error| {
            panic!("the server wrote a line that is not JSON ({error}): {text}")
        }))
    }

    /// Sends `message` as one line, then a `ping`, and returns what came
    /// back before the ping's answer: the answers to `message`, in order.
    fn exchange(&mut self, message: &[u8]) -> Result<Vec<Value>, String> {
        self.send(message);
        self.send(
            json!({"jsonrpc": "2.0", "id": MARKER, "method": "ping"})
                .to_string()
                .as_bytes(),
        );
        let started = Instant::now();
        let mut answers = Vec::new();
        while started.elapsed() < PATIENCE * 2 {
            let Some(answer) = self.next_answer() else {
                return Err(format!(
                    "the server stopped answering; before that it wrote {answers:?}"
                ));
            };
            if answer["id"] == MARKER {
                return Ok(answers);
            }
            answers.push(answer);
        }
        Err(format!(
            "the ping was never answered; the server wrote {answers:?}"
        ))
    }

    /// Calls a tool and returns the JSON-RPC answer.
    fn call_tool(&mut self, id: u64, name: &str, arguments: &str) -> Value {
        let message = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{name}","arguments":{arguments}}}}}"#
        );
        let mut answers = self.exchange(message.as_bytes()).unwrap();
        assert_eq!(answers.len(), 1, "one answer to a tool call: {answers:?}");
        let answer = answers.remove(0);
        assert_eq!(answer["id"], id, "{answer}");
        answer
    }

    /// The server's peak resident memory in bytes (Linux), while it runs.
    fn peak_memory(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a catalogue message must get, from its header line.
#[derive(Debug, PartialEq)]
enum Expect {
    /// `# expect: result`: a JSON-RPC result that is not a tool error.
    Result,
    /// `# expect: tool error`: a result with `isError: true`.
    ToolError,
    /// `# expect: error -32700`: a JSON-RPC error with that code.
    Error(i64),
    /// `# expect: no answer`: a notification, or a client's response.
    Nothing,
}

impl Expect {
    fn parse(header: &str) -> Expect {
        let kind = header
            .strip_prefix("# expect: ")
            .unwrap_or_else(|| panic!("the header must start `# expect: `, found `{header}`"));
        match kind.trim() {
            "result" => Expect::Result,
            "tool error" => Expect::ToolError,
            "no answer" => Expect::Nothing,
            other => match other.strip_prefix("error ").map(str::parse) {
                Some(Ok(code)) => Expect::Error(code),
                _ => panic!("unknown expectation `{other}`"),
            },
        }
    }

    /// Whether `answers` are what this expectation names.
    fn check(&self, answers: &[Value]) -> Result<(), String> {
        let answer = match (self, answers) {
            (Expect::Nothing, []) => return Ok(()),
            (Expect::Nothing, _) => return Err(format!("expected no answer, got {answers:?}")),
            (_, [answer]) => answer,
            (_, _) => return Err(format!("expected one answer, got {answers:?}")),
        };
        let fits = match self {
            Expect::Result => answer["result"]["isError"] != true && answer.get("result").is_some(),
            Expect::ToolError => answer["result"]["isError"] == true,
            Expect::Error(code) => answer["error"]["code"] == *code,
            Expect::Nothing => false,
        };
        if fits {
            Ok(())
        } else {
            Err(format!("expected {self:?}, got {answer}"))
        }
    }
}

/// A catalogue file: its header, and the line to send (without the
/// newline that ends it in the file).
fn read_case(path: &Path) -> (Expect, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let (header, rest) = bytes.split_at(bytes.iter().position(|&byte| byte == b'\n').unwrap());
    let message = rest.strip_prefix(b"\n").unwrap();
    let message = message.strip_suffix(b"\n").unwrap_or(message);
    assert!(
        !message.contains(&b'\n'),
        "{}: the message must be one line",
        path.display()
    );
    (
        Expect::parse(std::str::from_utf8(header).unwrap()),
        message.to_vec(),
    )
}

#[test]
fn every_catalogue_message_gets_the_answer_its_header_names() {
    let mut wrong = Vec::new();
    insta::glob!("fixtures/mcp", "*.msg", |path| {
        let (expect, message) = read_case(path);
        let mut session = Session::start();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let answers = match session.exchange(&message) {
            Ok(answers) => answers,
            Err(problem) => {
                wrong.push(format!("{name}: {problem}"));
                return;
            }
        };
        if let Err(problem) = expect.check(&answers) {
            wrong.push(format!("{name}: {problem}"));
            return;
        }
        let shown = match answers.first() {
            Some(answer) => serde_json::to_string_pretty(answer).unwrap(),
            None => "(no answer)".to_owned(),
        };
        insta::assert_snapshot!(shown);
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_line_over_the_limit_is_answered_and_skipped_without_being_kept() {
    const LINE_BYTES: usize = 64 << 20;
    let head = r#"{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"decide","arguments":{"policy":"steam","request":{"note":""#;
    let tail = r#""}}}}"#;
    let mut line = Vec::with_capacity(LINE_BYTES);
    line.extend_from_slice(head.as_bytes());
    line.resize(LINE_BYTES - tail.len(), b'x');
    line.extend_from_slice(tail.as_bytes());

    let mut session = Session::start();
    let answers = session.exchange(&line).unwrap();
    assert_eq!(answers.len(), 1, "{answers:?}");
    let answer = &answers[0];
    assert_eq!(answer["id"], 41, "the id is read from the start: {answer}");
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("67108864 bytes"), "{message}");
    assert!(message.contains("8388608"), "{message}");

    // Still serving, and the line was never held whole.
    let listed = session.call_tool(42, "list_policies", "{}");
    assert_eq!(listed["result"]["isError"], false, "{listed}");
    if let Some(peak) = session.peak_memory() {
        assert!(
            peak < (LINE_BYTES / 2) as u64,
            "the server peaked at {peak} bytes for a line of {LINE_BYTES}"
        );
    }
}

/// A request to the IPTV policy whose amount is `amount`, written as is.
fn request_with_amount(amount: &str) -> String {
    let case = std::fs::read_to_string(
        root().join("policies/iptv-smarters-pro/cases/approve-within-window.json"),
    )
    .unwrap();
    let case: Value = serde_json::from_str(&case).unwrap();
    case["request"]
        .to_string()
        .replace(r#""amount":"59.99""#, &format!(r#""amount":{amount}"#))
}

#[test]
fn mcp_decides_exactly_as_the_cli_does() {
    let mut session = Session::start();
    for (index, amount) in ["59.90", "100000000000000.07", "1e2", "\"59.90\""]
        .into_iter()
        .enumerate()
    {
        let request = request_with_amount(amount);
        assert!(request.contains(amount), "{request}");
        let cli = ruling(
            &[
                "decide",
                "policies/iptv-smarters-pro",
                "-",
                "--format",
                "json",
            ],
            Some(request.as_bytes()),
        );
        let arguments = format!(r#"{{"policy":"iptv-smarters-pro","request":{request}}}"#);
        let answer = session.call_tool(index as u64 + 1, "decide", &arguments);
        let result = &answer["result"];
        let structured = &result["structuredContent"];
        if amount == "1e2" {
            assert_eq!(cli.code, 3, "{}", cli.transcript());
            let error: Value = serde_json::from_str(&cli.stderr).unwrap();
            assert_eq!(result["isError"], true, "{answer}");
            assert_eq!(structured, &error, "amount {amount}");
            assert_eq!(structured["error"]["problems"][0]["code"], "exponent");
            continue;
        }
        assert_eq!(cli.code, 0, "{}", cli.transcript());
        let decision: Value = serde_json::from_str(&cli.stdout).unwrap();
        assert_eq!(result["isError"], false, "{answer}");
        assert_eq!(structured["id"], decision["id"], "amount {amount}");
        let written = amount.trim_matches('"');
        assert_eq!(structured["effects"]["refund_amount"], written, "{answer}");
        assert_eq!(structured, &decision, "amount {amount}");
        let text: Value =
            serde_json::from_str(result["content"][1]["text"].as_str().unwrap()).unwrap();
        assert_eq!(&text, structured, "the text is the structured content");
    }
}

/// The Python interpreter with the `mcp` package: `$RULING_PYTHON`, else
/// the virtual environment `.ci/run` makes, else `python3`.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("RULING_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = root().join("target/ci-venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

#[test]
fn the_python_mcp_client_uses_every_tool() {
    let python = python();
    let importable = Command::new(&python)
        .args(["-c", "import mcp"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    // A machine with only Rust has no Python client: the test then says so
    // where it is seen (straight to stderr, which the harness does not
    // capture), unless RULING_REQUIRE_MCP is set, as .ci/run sets it.
    if !importable {
        assert!(
            std::env::var_os("RULING_REQUIRE_MCP").is_none(),
            "the MCP end-to-end test needs Python 3 with the official `mcp` package at `{}`: \
             run .ci/run, or set RULING_PYTHON to an interpreter that has it",
            python.display()
        );
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nSKIPPED mcp::the_python_mcp_client_uses_every_tool: `{}` cannot import `mcp`; \
             .ci/run makes target/ci-venv with it, or set RULING_PYTHON\n",
            python.display()
        );
        return;
    }
    let case = root().join("policies/iptv-smarters-pro/cases/approve-within-window.json");
    let output = Command::new(&python)
        .arg(root().join("tests/mcp_client.py"))
        .arg(env!("CARGO_BIN_EXE_ruling"))
        .arg(root().join("policies"))
        .arg(case)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the MCP client failed\n--- stdout\n{stdout}--- stderr\n{stderr}"
    );
    assert!(stdout.contains("mcp_client: ok"), "{stdout}");
}

#[test]
fn mcp_lints_and_diffs_symbolically() {
    let mut session = Session::start();
    let answer = session.call_tool(1, "lint", r#"{"policy":"iptv-smarters-pro"}"#);
    let result = &answer["result"];
    assert_eq!(result["isError"], false, "{answer}");
    assert_eq!(result["content"][0]["text"], "0 warning(s), 1 note(s)");
    assert_eq!(
        result["structuredContent"]["files"][0]["policy"]["version"],
        "2025-06-01"
    );
    let answer = session.call_tool(
        2,
        "diff_symbolic",
        r#"{"policy":"iptv-smarters-pro","old":"2025-01-22","new":"2025-06-01"}"#,
    );
    let result = &answer["result"];
    assert_eq!(result["isError"], false, "{answer}");
    assert_eq!(result["structuredContent"]["complete"], true);
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with("group(s) of requests change decision"),
        "{answer}"
    );
    let answer = session.call_tool(3, "lint", r#"{}"#);
    assert_eq!(answer["result"]["isError"], true, "{answer}");
}
