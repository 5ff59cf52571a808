//! The studio: its draft endpoints over real HTTP, on `ruling studio` (which
//! saves) and `ruling serve` (which never writes a file); and the page
//! itself in headless Chromium, driven by `tests/studio_browser.py` with
//! Selenium and Debian's `chromium-driver`, and in headless Firefox ESR,
//! driven by `tests/studio_firefox.py` over WebDriver BiDi.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::serve::{Server, shipped};
use crate::support::{copy_folder, root};

const POLICY: &str = "iptv-smarters-pro";
const OLD_VERSION: &str = "2025-01-22";

/// A copy of the shipped policies, so that saving changes nothing else.
fn policies_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_folder(&shipped(), dir.path());
    dir
}

fn studio(dir: &Path) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ruling"));
    command.arg("studio").arg(dir);
    Server::spawn(command)
}

fn policy_file(dir: &Path) -> PathBuf {
    dir.join(POLICY).join(format!("{OLD_VERSION}.toml"))
}

/// The saved text of the 7-day version with the window made 14 days.
fn fourteen_days(dir: &Path) -> String {
    let text = std::fs::read_to_string(policy_file(dir)).unwrap();
    assert!(text.contains("days_since_purchase <= 7 and"));
    text.replace(
        "days_since_purchase <= 7 and",
        "days_since_purchase <= 14 and",
    )
}

fn day_8_request() -> Value {
    let path = shipped()
        .join(POLICY)
        .join("cases/day-8-is-outside-the-window.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    case["request"].clone()
}

fn post(server: &Server, path: &str, body: &Value) -> (u16, Value) {
    server.call("POST", path, body.to_string().as_bytes())
}

/// The head and body of a GET, for the headers.
fn get_with_head(server: &Server, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_lowercase(), body.to_owned())
}

#[test]
fn the_page_is_embedded_and_loads_nothing_from_elsewhere() {
    let server = Server::start(&shipped(), &[]);
    for path in ["/", "/studio"] {
        let (head, body) = get_with_head(&server, path);
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("content-type: text/html"), "{head}");
        assert!(
            head.contains("content-security-policy: default-src 'self'; script-src 'self';"),
            "{head}"
        );
        assert!(body.contains(r#"<script src="/studio/studio.js" defer>"#));
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{body}"
        );
    }
    for path in ["/studio/studio.js", "/studio/studio.css"] {
        let (head, body) = get_with_head(&server, path);
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("content-security-policy"), "{head}");
        let external = body
            .match_indices("http")
            .filter(|(at, _)| !body[*at..].starts_with("http://www.w3.org/2000/svg"))
            .count();
        assert_eq!(external, 0, "{path} names another origin");
    }
    let (status, settings) = server.call("GET", "/v1/studio", b"");
    assert_eq!((status, settings), (200, json!({"can_save": false})));
}

#[test]
fn a_version_source_has_its_text_hash_and_rules_as_written() {
    let server = Server::start(&shipped(), &[]);
    let path = format!("/v1/policies/{POLICY}/versions/{OLD_VERSION}/source");
    let (status, source) = server.call("GET", &path, b"");
    assert_eq!(status, 200, "{source}");
    let text = std::fs::read_to_string(policy_file(&shipped())).unwrap();
    assert_eq!(source["text"], text);
    assert_eq!(source["file"], format!("{OLD_VERSION}.toml"));
    let rule = &source["rules"][5];
    assert_eq!(rule["id"], "within-window-support-contacted");
    assert_eq!(
        rule["when"],
        "days_since_purchase <= 7 and support.contacted"
    );
    assert!(
        rule["reason"]
            .as_str()
            .unwrap()
            .contains("{days_since_purchase}")
    );

    let (status, missing) = server.call(
        "GET",
        &format!("/v1/policies/{POLICY}/versions/1999/source"),
        b"",
    );
    assert_eq!(
        (status, &missing["error"]["kind"]),
        (404, &json!("unknown_version"))
    );
}

#[test]
fn a_draft_is_checked_with_each_problem_at_its_line_and_column() {
    let server = Server::start(&shipped(), &[]);
    let mut source = std::fs::read_to_string(policy_file(&shipped())).unwrap();
    let lines = source.lines().count();
    source.push_str("[policy\n");
    let body = json!({"policy": POLICY, "version": OLD_VERSION, "source": source});
    let (status, report) = post(&server, "/v1/drafts/check", &body);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["valid"], false);
    let problem = &report["diagnostics"][0];
    assert_eq!(problem["line"], lines + 1, "{problem}");
    assert_eq!(problem["column"], 8, "{problem}");
    assert_eq!(problem["severity"], "error");
    assert_eq!(problem["file"], format!("{OLD_VERSION}.toml"));
    assert!(
        problem["help"].as_str().unwrap().contains("[policy]"),
        "{problem}"
    );
    assert!(problem["span"]["start"].is_u64());

    let body =
        json!({"policy": POLICY, "version": OLD_VERSION, "source": fourteen_days(&shipped())});
    let (status, report) = post(&server, "/v1/drafts/check", &body);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["diagnostics"], json!([]));

    // Another version's date in the draft clashes with that version.
    let clash = fourteen_days(&shipped())
        .replace("effective_date = 2025-01-22", "effective_date = 2025-06-01");
    let body = json!({"policy": POLICY, "version": OLD_VERSION, "source": clash});
    let (_, report) = post(&server, "/v1/drafts/check", &body);
    assert_eq!(report["valid"], false, "{report}");
    assert_eq!(
        report["diagnostics"][0]["code"],
        "folder-overlapping-versions"
    );
}

#[test]
fn a_draft_is_decided_tested_and_compared_without_being_saved() {
    let server = Server::start(&shipped(), &[]);
    let draft = fourteen_days(&shipped());
    let with = |extra: Value| {
        let mut body = json!({"policy": POLICY, "version": OLD_VERSION, "source": draft});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let (status, saved) = server.decide(&json!({"policy": POLICY, "request": day_8_request()}));
    assert_eq!((status, &saved["outcome"]), (200, &json!("deny")));
    let (status, decision) = post(
        &server,
        "/v1/drafts/decide",
        &with(json!({"request": day_8_request()})),
    );
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["outcome"], "approve");
    assert_eq!(decision["rule"]["id"], "within-window-support-contacted");

    let (status, explanation) = post(
        &server,
        "/v1/drafts/explain",
        &with(json!({"request": day_8_request(), "outcome": "deny"})),
    );
    assert_eq!(status, 200, "{explanation}");
    assert_eq!(explanation["outcome"], "approve");

    let (status, report) = post(&server, "/v1/drafts/test", &with(json!({})));
    assert_eq!(status, 200, "{report}");
    let failed: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["passed"] == false)
        .map(|case| case["case"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"day-8-is-outside-the-window"),
        "{failed:?}"
    );
    assert_eq!(report["failed"], failed.len());
    let (_, saved_report) = post(
        &server,
        "/v1/drafts/test",
        &json!({"policy": POLICY, "version": OLD_VERSION}),
    );
    assert_eq!(saved_report["failed"], 0, "{saved_report}");

    let posted = json!({"request": day_8_request(), "expect": {"outcome": "deny"}});
    let (status, diff) = post(
        &server,
        "/v1/drafts/diff",
        &with(json!({"requests": [day_8_request(), posted]})),
    );
    assert_eq!(status, 200, "{diff}");
    let group = diff["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["from"] == "deny" && group["to"] == "approve")
        .unwrap_or_else(|| panic!("no deny → approve group: {diff}"));
    let names: Vec<&str> = group["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"day-8-is-outside-the-window"), "{names:?}");
    assert!(
        names.contains(&"request 1") && names.contains(&"request 2"),
        "{names:?}"
    );
    let rules: Vec<&str> = diff["structure"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "within-window-support-contacted",
            "within-window-support-not-contacted"
        ],
        "{diff}"
    );
    assert_eq!(
        diff["compared"],
        diff["unchanged"].as_u64().unwrap()
            + diff["changed"].as_u64().unwrap()
            + diff["rejected"].as_array().unwrap().len() as u64
    );

    let broken = json!({"policy": POLICY, "version": OLD_VERSION, "source": "format = 1\n", "request": day_8_request()});
    let (status, error) = post(&server, "/v1/drafts/decide", &broken);
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["error"]["kind"], "invalid_draft");
    assert!(!error["error"]["problems"].as_array().unwrap().is_empty());
}

#[test]
fn draft_bodies_get_the_api_errors() {
    let server = Server::start(&shipped(), &["--max-body", "2000"]);
    let (status, error) = server.call("POST", "/v1/drafts/check", b"{\"policy\": 3}");
    assert_eq!(
        (status, &error["error"]["kind"]),
        (400, &json!("malformed_body"))
    );
    let (status, error) = post(
        &server,
        "/v1/drafts/check",
        &json!({"policy": "nope", "version": "1", "source": ""}),
    );
    assert_eq!(
        (status, &error["error"]["kind"]),
        (404, &json!("unknown_policy"))
    );
    let source = std::fs::read_to_string(policy_file(&shipped())).unwrap();
    let (status, error) = post(
        &server,
        "/v1/drafts/check",
        &json!({"policy": POLICY, "version": OLD_VERSION, "source": source}),
    );
    assert_eq!(
        (status, &error["error"]["kind"]),
        (413, &json!("too_large"))
    );
    let (status, error) = server.call("GET", "/v1/drafts/check", b"");
    assert_eq!(
        (status, &error["error"]["kind"]),
        (405, &json!("method_not_allowed"))
    );
}

#[test]
fn serve_never_writes_a_file() {
    let dir = policies_copy();
    let before = std::fs::read_to_string(policy_file(dir.path())).unwrap();
    let server = Server::start(dir.path(), &[]);
    let (_, source) = server.call(
        "GET",
        &format!("/v1/policies/{POLICY}/versions/{OLD_VERSION}/source"),
        b"",
    );
    let body = json!({
        "policy": POLICY, "version": OLD_VERSION, "source": fourteen_days(dir.path()),
        "base_sha256": source["sha256"],
    });
    let (status, error) = post(&server, "/v1/drafts/save", &body);
    assert_eq!(
        (status, &error["error"]["kind"]),
        (403, &json!("read_only")),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(policy_file(dir.path())).unwrap(),
        before
    );
}

#[test]
fn the_studio_saves_formatted_drafts_and_never_over_a_changed_file() {
    let dir = policies_copy();
    let file = policy_file(dir.path());
    let server = studio(dir.path());
    let (_, settings) = server.call("GET", "/v1/studio", b"");
    assert_eq!(settings["can_save"], true);
    let (_, source) = server.call(
        "GET",
        &format!("/v1/policies/{POLICY}/versions/{OLD_VERSION}/source"),
        b"",
    );
    let base = source["sha256"].clone();

    let broken = json!({"policy": POLICY, "version": OLD_VERSION, "source": "format = 1\n", "base_sha256": base});
    let (status, error) = post(&server, "/v1/drafts/save", &broken);
    assert_eq!(
        (status, &error["error"]["kind"]),
        (422, &json!("invalid_draft")),
        "{error}"
    );

    // Badly laid out, so that the save visibly formats it.
    let draft = fourteen_days(dir.path()).replace("format = 1", "format   =   1");
    let body =
        json!({"policy": POLICY, "version": OLD_VERSION, "source": draft, "base_sha256": base});
    let (status, saved) = post(&server, "/v1/drafts/save", &body);
    assert_eq!(status, 200, "{saved}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("days_since_purchase <= 14 and"));
    assert!(written.contains("\nformat = 1\n"), "not formatted");
    assert_eq!(saved["text"], written);
    let check = crate::cli::ruling(&["fmt", "--check", file.to_str().unwrap()], None);
    assert_eq!(check.code, 0, "{}", check.stdout);
    // The catalog was reloaded: the saved folder now approves on day 8.
    let (_, decision) = server.decide(&json!({"policy": POLICY, "request": day_8_request()}));
    assert_eq!(decision["outcome"], "approve");

    // The draft was opened from `base`, which is no longer on disk.
    let (status, error) = post(&server, "/v1/drafts/save", &body);
    assert_eq!(
        (status, &error["error"]["kind"]),
        (409, &json!("changed_on_disk")),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    let body = json!({"policy": POLICY, "version": OLD_VERSION, "source": draft, "base_sha256": saved["sha256"]});
    std::fs::write(&file, format!("{written}# changed by someone else\n")).unwrap();
    let (status, error) = post(&server, "/v1/drafts/save", &body);
    assert_eq!(
        (status, &error["error"]["kind"]),
        (409, &json!("changed_on_disk")),
        "{error}"
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .ends_with("# changed by someone else\n")
    );
}

#[test]
fn the_studio_starts_only_on_valid_policies() {
    let dir = policies_copy();
    std::fs::write(policy_file(dir.path()), "format = 1\n[policy\n").unwrap();
    let folder = dir.path().display().to_string();
    let run = crate::cli::ruling(&["studio", "--addr", "127.0.0.1:0", &folder], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("this table header is not closed"),
        "{}",
        run.stderr
    );
}

/// The Python interpreter that has Selenium and websockets:
/// `$RULING_PYTHON`, else the virtual environment `.ci/run` makes, else
/// `python3`.
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

/// A browser a scenario script drives: what it needs on the machine, and
/// the Debian packages and Python module that provide it.
struct Browser {
    name: &'static str,
    test: &'static str,
    programs: &'static [&'static str],
    packages: &'static str,
    module: &'static str,
    script: &'static str,
}

const CHROMIUM: Browser = Browser {
    name: "Chromium",
    test: "the_page_in_headless_chromium",
    programs: &["/usr/bin/chromium", "/usr/bin/chromedriver"],
    packages: "chromium chromium-driver",
    module: "selenium",
    script: "tests/studio_browser.py",
};

/// Firefox speaks WebDriver BiDi itself: no geckodriver, only a WebSocket
/// client.
const FIREFOX: Browser = Browser {
    name: "Firefox",
    test: "the_page_in_headless_firefox",
    programs: &["/usr/bin/firefox-esr"],
    packages: "firefox-esr",
    module: "websockets.sync.client",
    script: "tests/studio_firefox.py",
};

impl Browser {
    /// Why the browser test cannot run here, if it cannot.
    fn missing(&self, python: &Path) -> Option<String> {
        for program in self.programs {
            if !Path::new(program).exists() {
                return Some(format!(
                    "`{program}` is missing (apt-get install {})",
                    self.packages
                ));
            }
        }
        let imports = Command::new(python)
            .args(["-c", &format!("import {}", self.module)])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        (!imports).then(|| format!("`{}` cannot import `{}`", python.display(), self.module))
    }

    /// Whether the test must be skipped, which it says; with
    /// `RULING_REQUIRE_BROWSER` set, a missing piece fails it instead.
    fn skipped(&self, python: &Path) -> bool {
        let Some(missing) = self.missing(python) else {
            return false;
        };
        assert!(
            std::env::var_os("RULING_REQUIRE_BROWSER").is_none(),
            "the studio's {} test needs Debian's {} and the Python module `{}`: {missing}; .ci/run installs them",
            self.name,
            self.packages,
            self.module,
        );
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nSKIPPED studio::{}: {missing}; .ci/run installs what it needs\n",
            self.test
        );
        true
    }

    /// Runs the scenario script with `arguments` after the page's address,
    /// and answers what it printed.
    fn play(&self, python: &Path, server: &Server, arguments: &[&Path]) -> String {
        let screenshots = root().join("target/studio-screenshots");
        let logs = tempfile::tempdir().unwrap();
        let (stdout_path, stderr_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
        let mut child = Command::new(python)
            .arg(root().join(self.script))
            .arg(format!("http://{}", server.addr()))
            .args(arguments)
            .arg(&screenshots)
            // The browser's profile and other temporary files go with the
            // logs, which are removed even if the script is stopped.
            .env("TMPDIR", logs.path())
            .stdout(std::fs::File::create(&stdout_path).unwrap())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        // Each step of the scenario waits at most 30 seconds; the whole of
        // it, the browser's start included, gets this long before it is
        // stopped.
        let deadline = Instant::now() + Duration::from_secs(300);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        assert!(
            status.is_some_and(|status| status.success()),
            "the scenario in {} failed or took over 300 s (screenshots in {}):\n{stdout}\n{stderr}",
            self.name,
            screenshots.display(),
        );
        // The medians, for the record; timings are never asserted.
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nstudio in {}: {}",
            self.name,
            stdout.trim()
        );
        stdout
    }
}

#[test]
fn the_page_in_headless_chromium() {
    let python = python();
    if CHROMIUM.skipped(&python) {
        return;
    }
    let dir = policies_copy();
    let server = studio(dir.path());
    CHROMIUM.play(&python, &server, &[dir.path()]);
}

/// The core of the scenario in Firefox ESR: the page lists the IPTV policy,
/// a day-8 request typed into the form is denied by `outside-window`, the
/// `approve` counterfactual applied with the mouse approves it, a 14-day
/// draft fails the day-8 case and turns `deny` into `approve` in the diff,
/// and a syntax error typed into the draft is underlined at its line.
#[test]
fn the_page_in_headless_firefox() {
    let python = python();
    if FIREFOX.skipped(&python) {
        return;
    }
    let dir = policies_copy();
    let server = studio(dir.path());
    let played = FIREFOX.play(&python, &server, &[]);
    assert!(played.contains("page_load_ms"), "{played}");
}
