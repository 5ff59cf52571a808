"""The studio in headless Firefox, against a running `ruling studio`.

Firefox (129 and later) speaks WebDriver BiDi itself, so no geckodriver is
needed: this starts `firefox-esr --headless --remote-debugging-port 0` on a
profile of its own, talks BiDi to it over a WebSocket on 127.0.0.1, and
plays the core of the issue's scenario.

Run by tests/studio.rs as: python studio_firefox.py BASE_URL SCREENSHOTS_DIR.
It saves a screenshot of each state as firefox-*.png and prints the median
page load as one JSON line on stdout. Any failed expectation raises, and the
exit code is 1. Firefox is stopped and its profile removed whether the
scenario passes or fails; if this script is killed, Firefox dies with it.
"""

import base64
import ctypes
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

FIREFOX = "/usr/bin/firefox-esr"
PATIENCE = 30
POLICY = "iptv-smarters-pro"
OLD_VERSION = "2025-01-22"
ENTER = "\ue007"
BACKSPACE = "\ue003"


def die_with_parent():
    """Runs in the child before Firefox starts: if this script is killed,
    Linux kills Firefox too, so that no browser outlives a stopped test."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class Firefox:
    """A headless Firefox on a throwaway profile, listening for BiDi on a
    loopback port it picks itself and writes into the profile."""

    def __init__(self):
        self.profile = tempfile.TemporaryDirectory(prefix="ruling-firefox-", ignore_cleanup_errors=True)
        self.log = open(Path(self.profile.name) / "firefox.log", "w")
        env = dict(os.environ, MOZ_CRASHREPORTER_DISABLE="1", MOZ_HEADLESS="1")
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--profile", self.profile.name,
             "--remote-debugging-port", "0", "--remote-allow-hosts", "127.0.0.1", "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True, preexec_fn=die_with_parent)

    def address(self):
        server = Path(self.profile.name) / "WebDriverBiDiServer.json"
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"Firefox stopped with {self.process.returncode}: {self.output()}")
            try:
                found = json.loads(server.read_text())
                return f"ws://{found['ws_host']}:{found['ws_port']}/session"
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise AssertionError(f"Firefox did not listen for WebDriver BiDi within {PATIENCE} s: {self.output()}")

    def output(self):
        self.log.flush()
        return (Path(self.profile.name) / "firefox.log").read_text()[-2000:]

    def stop(self):
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()
        self.profile.cleanup()


class Bidi:
    """Commands over one WebSocket; events are kept for whoever asks."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.events = []

    def send(self, method, params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + PATIENCE
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"Firefox did not answer {method} within {PATIENCE} s")
            message = json.loads(self.socket.recv(timeout=left))
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == self.next_id:
                if message.get("type") == "error":
                    raise AssertionError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def close_browser(self):
        """Asks Firefox to close; it may drop the connection before it
        answers, which is as good."""
        try:
            self.send("browser.close", {})
        except (AssertionError, ConnectionClosed, TimeoutError):
            pass


class Scenario:
    def __init__(self, bidi, base, shots):
        self.bidi = bidi
        self.base = base
        self.shots = Path(shots)
        bidi.send("session.new", {"capabilities": {}})
        bidi.send("session.subscribe", {"events": ["log.entryAdded"]})
        self.context = bidi.send("browsingContext.getTree", {})["contexts"][0]["context"]
        bidi.send("browsingContext.setViewport", {"context": self.context,
                                                  "viewport": {"width": 1400, "height": 1800}})

    def js(self, body, *args):
        """The value of an async function's `body` run in the page with
        `args`, passed through JSON."""
        expression = (f"(async (...args) => {{ {body} }})(...{json.dumps(args)})"
                      ".then((value) => JSON.stringify(value === undefined ? null : value))")
        result = self.bidi.send("script.evaluate", {
            "expression": expression, "target": {"context": self.context},
            "awaitPromise": True, "resultOwnership": "none"})
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise AssertionError(f"the page threw: {details.get('text')} ({body[:80]!r})")
        return json.loads(result["result"]["value"])

    def until(self, what, body, *args):
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            found = self.js(body, *args)
            if found:
                return found
            time.sleep(0.1)
        self.shot("failed")
        raise AssertionError(f"waited {PATIENCE} s for {what}: {self.text('#result')[:300]!r}")

    def text(self, css):
        return self.js("const found = document.querySelector(args[0]); return found ? found.innerText : '';", css)

    def shot(self, name):
        picture = self.bidi.send("browsingContext.captureScreenshot", {"context": self.context})
        (self.shots / f"firefox-{name}.png").write_bytes(base64.b64decode(picture["data"]))

    def keys(self, *keys):
        """Presses keys one after the other, as a keyboard does."""
        actions = []
        for key in keys:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.bidi.send("input.performActions", {"context": self.context, "actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

    def click(self, css):
        """Clicks the middle of an element with the mouse. (Firefox does
        not activate a focused button on Enter or Space that WebDriver
        presses, in any page, so the keyboard cannot stand in here.)"""
        self.js("document.querySelector(args[0]).scrollIntoView({block: 'center'});", css)
        nodes = self.bidi.send("browsingContext.locateNodes", {
            "context": self.context, "locator": {"type": "css", "value": css}, "maxNodeCount": 1})["nodes"]
        assert nodes, f"nothing matches {css}"
        element = {"sharedId": nodes[0]["sharedId"]}
        self.bidi.send("input.performActions", {"context": self.context, "actions": [
            {"type": "pointer", "id": "mouse", "actions": [
                {"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": element}},
                {"type": "pointerDown", "button": 0},
                {"type": "pointerUp", "button": 0}]}]})

    def focus(self, css):
        self.js("document.querySelector(args[0]).focus();", css)

    def set_value(self, css, value):
        """Sets a control the way a person's edit does: the value, then
        `input` and `change` events."""
        self.js("""
            const element = document.querySelector(args[0]);
            element.value = args[1];
            element.dispatchEvent(new Event('input', {bubbles: true}));
            element.dispatchEvent(new Event('change', {bubbles: true}));
            """, css, value)

    def choose(self, css, text):
        """Picks the option of a select that shows `text`."""
        value = self.js("""
            const option = [...document.querySelector(args[0]).options].find((item) => item.text === args[1]);
            return option ? option.value : null;
            """, css, text)
        assert value is not None, f"{css} has no option {text!r}"
        self.set_value(css, value)

    def load(self):
        self.bidi.send("browsingContext.navigate", {"context": self.context, "url": f"{self.base}/studio",
                                                    "wait": "complete"})
        self.until("the page to be ready", "return document.body.dataset.ready")

    def page_load_ms(self):
        """From navigation start to the page showing its first policy."""
        timings = []
        for _ in range(3):
            self.load()
            timings.append(self.js("return Number(document.body.dataset.ready);"))
        return statistics.median(timings)

    def lists_the_policies(self):
        options = self.js("return [...document.querySelectorAll('#policy option')].map((option) => option.value);")
        assert POLICY in options, options
        versions = self.js("return [...document.querySelectorAll('#version option')].map((option) => option.value);")
        assert versions, "no version is listed"

    def reflows_at_400_percent(self):
        """A 1280-pixel-wide window at 400% zoom is 320 CSS pixels wide:
        the page must fit it without scrolling sideways."""
        self.bidi.send("browsingContext.setViewport", {"context": self.context,
                                                       "viewport": {"width": 320, "height": 720}})
        try:
            widths = self.until("the narrow layout", """
                await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
                const root = document.documentElement;
                return root.clientWidth <= 320 && [root.scrollWidth, root.clientWidth];
                """)
            self.shot("0-at-400-percent")
            assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"
        finally:
            self.bidi.send("browsingContext.setViewport", {"context": self.context,
                                                           "viewport": {"width": 1400, "height": 1800}})

    def decide_a_day_8_request(self):
        self.choose("#policy", "IPTV Smarters Pro refund policy (iptv-smarters-pro)")
        self.until("the IPTV policy", "return document.getElementById('policy-title').textContent.includes('IPTV');")
        self.choose("#version", f"{OLD_VERSION} (from {OLD_VERSION})")
        self.until("the old version's form",
                   "return document.getElementById('policy-title').textContent.includes(args[0]);", OLD_VERSION)
        fields = {
            "purchase.invoice_number": "INV-1001",
            "purchase.email": "ana@example.com",
            "purchase.amount": "59.99",
            "purchase.currency": "EUR",
            "request.email": "ana@example.com",
            "request.invoice_number": "INV-1001",
            "request.date": "2025-03-09",
            "purchase.date": "2025-03-01",
        }
        for path, value in fields.items():
            self.set_value(f'[data-path="{path}"]', value)
        choices = {
            "request.reason": "not_as_expected",
            "support.contacted": "yes",
            "support.issue_resolved": "no",
            "customer.terms_violated": "no",
        }
        for path, text in choices.items():
            self.choose(f'[data-path="{path}"]', text)
        kinds = self.js("""
            return ['purchase.date', 'request.reason']
              .map((path) => document.querySelector(`[data-path="${path}"]`))
              .map((control) => control.type);
            """)
        assert kinds == ["date", "select-one"], kinds
        # The last field is typed, and Enter in it sends the form, as in
        # any form.
        self.focus('[data-path="request.explanation"]')
        self.keys(*"Channels stopped loading.", ENTER)
        self.until("a decision", "return document.getElementById('outcome')?.textContent === 'deny';")
        decided_by = self.text("#decided-by")
        assert "outside-window" in decided_by, decided_by
        self.shot("1-deny-day-8")

    def apply_the_approve_counterfactual(self):
        self.until("the counterfactuals", "return !!document.querySelector('button.apply[data-outcome=\"approve\"]');")
        self.click('button.apply[data-outcome="approve"]')
        self.until("approve", "return document.getElementById('outcome')?.textContent === 'approve';")
        date = self.js("return document.querySelector('[data-path=\"request.date\"]').value;")
        assert date == "2025-03-08", date
        self.shot("2-approve-after-counterfactual")

    def edit_the_window_to_14_days(self):
        text = self.js("return document.getElementById('source').value;")
        assert "days_since_purchase <= 7" in text
        checks = self.checks()
        self.set_value("#source", text.replace("days_since_purchase <= 7", "days_since_purchase <= 14"))
        self.until("the check of the draft",
                   "return Number(document.getElementById('diagnostics-summary').dataset.checks || 0) > args[0];",
                   checks)
        summary = self.text("#diagnostics-summary")
        assert summary == "No problems.", summary
        self.click("#run-cases")
        self.until("the cases", "return (document.getElementById('test-summary')?.textContent || '').includes('failed');")
        failed = self.js("""
            return [...document.querySelectorAll('#case-table tr[data-passed="false"]')].map((row) => row.dataset.case);
            """)
        assert "day-8-is-outside-the-window" in failed, failed
        self.click("#run-diff")
        self.until("the diff", "return !!document.querySelector('#diff-results .group[data-from=\"deny\"][data-to=\"approve\"]');")
        self.js("document.getElementById('diff-results').scrollIntoView();")
        self.shot("3-diff-deny-to-approve")

    def checks(self):
        """How many checks of the draft the page has had answered."""
        return self.js("return Number(document.getElementById('diagnostics-summary').dataset.checks || 0);")

    def type_a_syntax_error(self):
        self.js("""
            const editor = document.getElementById('source');
            editor.scrollIntoView();
            editor.focus();
            editor.setSelectionRange(editor.value.length, editor.value.length);
            """)
        self.keys(ENTER, *"[policy")
        expected = str(self.js("return document.getElementById('source').value.split('\\n').length;"))
        self.until("the underlined error", "return document.querySelectorAll('#highlight .diag').length > 0;")
        marked = set(self.js("return [...document.querySelectorAll('#highlight .diag')].map((mark) => mark.dataset.line);"))
        assert marked == {expected}, (marked, expected)
        listed = self.text("#diagnostics")
        assert f"Line {expected}" in listed, listed
        self.shot("4-syntax-error-underlined")
        # Taken back with the keyboard, as a person would.
        self.keys(*[BACKSPACE] * (len("[policy") + 1))
        self.until("the draft to check again",
                   "return document.getElementById('diagnostics-summary').textContent === 'No problems.';")

    def page_errors(self):
        return [event["params"] for event in self.bidi.events
                if event["method"] == "log.entryAdded" and event["params"].get("level") == "error"]


def main():
    base, shots = sys.argv[1:3]
    Path(shots).mkdir(parents=True, exist_ok=True)
    firefox = Firefox()
    try:
        with connect(firefox.address(), max_size=None, open_timeout=PATIENCE) as socket:
            bidi = Bidi(socket)
            try:
                scenario = Scenario(bidi, base, shots)
                load = scenario.page_load_ms()
                scenario.lists_the_policies()
                scenario.reflows_at_400_percent()
                scenario.decide_a_day_8_request()
                scenario.apply_the_approve_counterfactual()
                scenario.edit_the_window_to_14_days()
                scenario.type_a_syntax_error()
                errors = scenario.page_errors()
                assert not errors, errors
            finally:
                bidi.close_browser()
        print(json.dumps({"page_load_ms": round(load, 1)}))
    finally:
        firefox.stop()


if __name__ == "__main__":
    main()
