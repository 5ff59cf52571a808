//! `ruling mcp` end to end, through the official Python MCP client (a
//! client this project does not write), started the way an agent starts it.

use std::process::Command;

use crate::support::root;

#[test]
fn the_python_mcp_client_uses_every_tool() {
    let importable = Command::new("python3")
        .args(["-c", "import mcp"])
        .status()
        .is_ok_and(|status| status.success());
    // A machine with only Rust has no Python client: the test then says so
    // and passes, unless RULING_REQUIRE_MCP is set, as .ci/run sets it.
    if !importable {
        assert!(
            std::env::var_os("RULING_REQUIRE_MCP").is_none(),
            "the MCP end-to-end test needs Python 3 with the official `mcp` package: \
             run `python3 -m pip install mcp` (as .ci/run does)"
        );
        eprintln!("skipped: the MCP end-to-end test needs `python3 -m pip install mcp`");
        return;
    }
    let case = root().join("policies/iptv-smarters-pro/cases/approve-within-window.json");
    let output = Command::new("python3")
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
