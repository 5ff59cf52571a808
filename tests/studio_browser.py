"""The studio in a real browser: headless Chromium driven through
chromium-driver with Selenium, against a running `ruling studio`.

Run by tests/studio.rs as: python studio_browser.py BASE_URL POLICIES_DIR SCREENSHOTS_DIR.
It plays the scenario of the issue, saves a screenshot of each state, and
prints the medians of the page load and of a decision's round trip as one
JSON line on stdout. Any failed expectation raises, and the exit code is 1.
"""

import json
import statistics
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

PATIENCE = 30
POLICY = "iptv-smarters-pro"
OLD_VERSION = "2025-01-22"


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1800", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Scenario:
    def __init__(self, driver, base, policies, shots):
        self.driver = driver
        self.base = base
        self.policies = Path(policies)
        self.shots = Path(shots)
        # The page redraws what it shows: an element found a moment ago may
        # be gone, and is then looked for again.
        self.wait = WebDriverWait(driver, PATIENCE, ignored_exceptions=[StaleElementReferenceException])

    def shot(self, name):
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def until(self, what, condition):
        try:
            return self.wait.until(lambda _: condition())
        except TimeoutException as error:
            self.shot("failed")
            raise AssertionError(f"waited {PATIENCE} s for {what}: {self.text('#result')[:300]!r}") from error

    def text(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else ""

    def set_value(self, css, value):
        """Sets an input the way a person's edit does: the value, then
        `input` and `change` events."""
        element = self.find(css)
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            element, value)

    def type_into(self, css, value):
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def choose(self, css, text):
        Select(self.find(css)).select_by_visible_text(text)

    def load(self):
        self.driver.get(f"{self.base}/studio")
        self.until("the page to be ready", lambda: self.driver.execute_script("return document.body.dataset.ready"))

    def page_load_ms(self):
        """From navigation start to the page showing its first policy."""
        timings = []
        for _ in range(5):
            self.load()
            timings.append(self.driver.execute_script(
                "return Number(document.body.dataset.ready)"))
        return statistics.median(timings)

    def round_trip_ms(self):
        """A decision's round trip measured in the page with fetch."""
        request = json.loads((self.policies / POLICY / "cases/day-8-is-outside-the-window.json").read_text())["request"]
        timings = self.driver.execute_async_script(
            """
            const [policy, request, done] = arguments;
            (async () => {
              const times = [];
              for (let i = 0; i < 30; i++) {
                const started = performance.now();
                const response = await fetch('/v1/decide', {method: 'POST',
                  headers: {'Content-Type': 'application/json'}, body: JSON.stringify({policy, request})});
                await response.json();
                times.push(performance.now() - started);
              }
              done(times);
            })();
            """, POLICY, request)
        return statistics.median(timings)

    def security_headers(self):
        csp = self.driver.execute_async_script(
            "const done = arguments[0];"
            "fetch('/studio').then(r => done(r.headers.get('content-security-policy')));")
        assert csp and "default-src 'self'" in csp, csp
        assert "http" not in csp, csp

    def every_control_is_labelled(self):
        unlabelled = self.driver.execute_script("""
            return [...document.querySelectorAll('input, select, textarea, button')]
              .filter((control) => !(control.labels && control.labels.length)
                && !control.getAttribute('aria-label') && !control.textContent.trim())
              .map((control) => control.id || control.outerHTML.slice(0, 80));
            """)
        assert not unlabelled, unlabelled

    def reflows_at_400_percent(self):
        """A 1280-pixel-wide window at 400% zoom is 320 CSS pixels wide:
        the page must fit it without scrolling sideways."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": 320, "height": 720, "deviceScaleFactor": 1, "mobile": False})
        try:
            widths = self.driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            self.shot("0-at-400-percent")
            assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def tab_leaves_the_editor(self):
        editor = self.find("#source")
        editor.click()
        editor.send_keys(Keys.TAB)
        focused = self.driver.execute_script("return document.activeElement.id")
        assert focused != "source", "Tab must move on from the editor, not be caught in it"
        assert "\t" not in editor.get_attribute("value")

    def add_an_item_to_a_list(self):
        self.choose("#policy", "Best Buy Return & Exchange Promise (best-buy-returns)")
        self.until("the Best Buy form", lambda: self.driver.find_elements(By.CSS_SELECTOR, '[data-path="order.purchased_on"]'))
        assert not self.driver.find_elements(By.CSS_SELECTOR, '[data-path="order.items.0.category"]')
        add = self.driver.find_element(By.XPATH, "//button[text()='Add items']")
        add.send_keys(Keys.ENTER)
        category = self.until("a new item", lambda: self.driver.find_elements(By.CSS_SELECTOR, '[data-path="order.items.0.category"]'))
        assert category[0].tag_name == "select"
        Select(category[0]).select_by_visible_text("cell_phone")
        self.find("#raw-mode").click()
        request = json.loads(self.find("#raw-request").get_attribute("value"))
        assert request["order"]["items"] == [{"category": "cell_phone"}], request
        self.find("#raw-mode").click()

    def decide_a_day_8_request(self):
        self.choose("#policy", "IPTV Smarters Pro refund policy (iptv-smarters-pro)")
        self.until("the IPTV policy", lambda: POLICY in self.text("#policy-title") or "IPTV" in self.text("#policy-title"))
        self.choose("#version", f"{OLD_VERSION} (from {OLD_VERSION})")
        self.until("the old version's form", lambda: self.text("#policy-title").find(OLD_VERSION) >= 0)
        fields = {
            "purchase.invoice_number": "INV-1001",
            "purchase.email": "ana@example.com",
            "purchase.amount": "59.99",
            "purchase.currency": "EUR",
            "request.email": "ana@example.com",
            "request.invoice_number": "INV-1001",
            "request.explanation": "Channels stopped loading after two days.",
        }
        for path, value in fields.items():
            self.type_into(f'[data-path="{path}"]', value)
        # Date inputs take their value in the browser's locale when typed;
        # the value itself is always YYYY-MM-DD.
        self.set_value('[data-path="purchase.date"]', "2025-03-01")
        self.set_value('[data-path="request.date"]', "2025-03-09")
        Select(self.find('[data-path="request.reason"]')).select_by_visible_text("not_as_expected")
        Select(self.find('[data-path="support.contacted"]')).select_by_visible_text("yes")
        Select(self.find('[data-path="support.issue_resolved"]')).select_by_visible_text("no")
        Select(self.find('[data-path="customer.terms_violated"]')).select_by_visible_text("no")
        assert self.find('[data-path="purchase.date"]').get_attribute("type") == "date"
        assert self.find('[data-path="request.reason"]').tag_name == "select"
        # Enter in a field sends the form, as in any form.
        self.find('[data-path="request.explanation"]').send_keys(Keys.ENTER)
        self.until("a decision", lambda: self.text("#outcome") == "deny")
        assert "outside-window" in self.text("#decided-by"), self.text("#decided-by")
        self.shot("1-deny-day-8")

    def apply_the_approve_counterfactual(self):
        self.until("the counterfactuals", lambda: self.driver.find_elements(By.CSS_SELECTOR, 'button.apply[data-outcome="approve"]'))
        self.find('button.apply[data-outcome="approve"]').send_keys(Keys.ENTER)
        self.until("approve", lambda: self.text("#outcome") == "approve")
        assert self.find('[data-path="request.date"]').get_attribute("value") == "2025-03-08"
        self.shot("2-approve-after-counterfactual")
        self.set_value('[data-path="request.date"]', "2025-03-09")

    def read_the_policy(self):
        self.set_value("#in-effect-on", "2025-07-01")
        assert self.text("#in-effect").startswith("version 2025-06-01"), self.text("#in-effect")
        self.set_value("#in-effect-on", "2025-03-01")
        assert self.text("#in-effect").startswith("version 2025-01-22"), self.text("#in-effect")
        counts = {group.get_attribute("data-rule"): int(group.get_attribute("data-count"))
                  for group in self.driver.find_elements(By.CSS_SELECTOR, "#flow g[data-rule]")}
        assert counts["outside-window"] > 0 and counts["within-window-support-contacted"] > 0, counts
        rows = [row.get_attribute("data-rule") for row in self.driver.find_elements(By.CSS_SELECTOR, "#rules tbody tr")]
        assert rows == list(counts), (rows, list(counts))

    def decide_with_the_draft(self):
        self.find("#use-draft").click()
        self.find("#decide").click()
        # Day 8, which the saved version denies, within the draft's 14 days.
        self.until("approve by the draft", lambda: self.text("#outcome") == "approve"
                   and "8 days" in self.text("#reason"))
        self.find("#use-draft").click()

    def edit_the_window_to_14_days(self):
        editor = self.find("#source")
        text = editor.get_attribute("value")
        assert "days_since_purchase <= 7" in text
        checks = self.checks()
        self.set_value("#source", text.replace("days_since_purchase <= 7", "days_since_purchase <= 14"))
        self.until("the check of the draft", lambda: self.checks() > checks)
        assert self.text("#diagnostics-summary") == "No problems.", self.text("#diagnostics-summary")
        assert not self.driver.find_elements(By.CSS_SELECTOR, "#highlight .diag")
        self.find("#run-cases").click()
        self.until("the cases", lambda: "failed" in self.text("#test-summary"))
        failed = [row.get_attribute("data-case") for row in
                  self.driver.find_elements(By.CSS_SELECTOR, '#case-table tr[data-passed="false"]')]
        assert "day-8-is-outside-the-window" in failed, failed
        self.shot("3-cases-against-14-days")
        self.find("#run-diff").click()
        self.until("the diff", lambda: self.driver.find_elements(By.CSS_SELECTOR, '#diff-results .group[data-from="deny"][data-to="approve"]'))
        assert "days_since_purchase <= 14" in self.text("#structure"), self.text("#structure")
        requests = self.shots / "day-8-requests.ndjson"
        request = json.loads((self.policies / POLICY / "cases/day-8-is-outside-the-window.json").read_text())["request"]
        requests.write_text(json.dumps(request) + "\n" + json.dumps(request) + "\n")
        self.find("#request-file").send_keys(str(requests.resolve()))
        self.until("the added requests in the diff", lambda: "request 2" in self.text(
            '#diff-results .group[data-from="deny"][data-to="approve"]'))
        self.driver.execute_script("document.getElementById('diff-results').scrollIntoView()")
        self.shot("4-diff-deny-to-approve")

    def checks(self):
        """How many checks of the draft the page has had answered."""
        return int(self.find("#diagnostics-summary").get_attribute("data-checks") or 0)

    def type_a_syntax_error(self):
        editor = self.find("#source")
        editor.click()
        editor.send_keys(Keys.CONTROL, Keys.END)
        editor.send_keys(Keys.ENTER, "[policy")
        lines = editor.get_attribute("value").split("\n")
        expected = str(len(lines))
        self.until("the underlined error", lambda: self.driver.find_elements(By.CSS_SELECTOR, "#highlight .diag"))
        marked = {mark.get_attribute("data-line") for mark in self.driver.find_elements(By.CSS_SELECTOR, "#highlight .diag")}
        assert marked == {expected}, (marked, expected)
        assert f"Line {expected}" in self.text("#diagnostics"), self.text("#diagnostics")
        self.driver.execute_script("document.getElementById('source').scrollIntoView()")
        self.shot("5-syntax-error-underlined")
        # Taken back with the keyboard, as a person would.
        for _ in range(len("[policy") + 1):
            editor.send_keys(Keys.BACKSPACE)
        self.until("the draft to check again", lambda: self.text("#diagnostics-summary") == "No problems.")

    def save_and_refuse_a_file_changed_on_disk(self):
        file = self.policies / POLICY / f"{OLD_VERSION}.toml"
        self.find("#save").click()
        self.until("the save", lambda: self.text("#save-status").startswith("Saved"))
        assert "days_since_purchase <= 14" in file.read_text()
        self.shot("6-saved")
        self.set_value("#source", self.find("#source").get_attribute("value").replace(
            'title = "IPTV', 'title = "The IPTV', 1))
        file.write_text(file.read_text() + "\n# changed by someone else\n")
        self.find("#save").click()
        self.until("the refusal", lambda: self.text("#save-status").startswith("Not saved"))
        assert "changed on disk" in self.text("#save-status"), self.text("#save-status")
        assert "changed by someone else" in file.read_text()
        self.shot("7-save-refused")

    def page_errors(self):
        return [entry for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
                and "status of 409" not in entry["message"]]


def main():
    base, policies, shots = sys.argv[1:4]
    Path(shots).mkdir(parents=True, exist_ok=True)
    driver = browser()
    try:
        scenario = Scenario(driver, base, policies, shots)
        load = scenario.page_load_ms()
        scenario.security_headers()
        scenario.every_control_is_labelled()
        scenario.reflows_at_400_percent()
        scenario.tab_leaves_the_editor()
        scenario.add_an_item_to_a_list()
        scenario.decide_a_day_8_request()
        scenario.read_the_policy()
        scenario.apply_the_approve_counterfactual()
        round_trip = scenario.round_trip_ms()
        scenario.edit_the_window_to_14_days()
        scenario.decide_with_the_draft()
        scenario.type_a_syntax_error()
        scenario.save_and_refuse_a_file_changed_on_disk()
        errors = scenario.page_errors()
        assert not errors, errors
        print(json.dumps({"page_load_ms": round(load, 1), "decision_round_trip_ms": round(round_trip, 2)}))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
