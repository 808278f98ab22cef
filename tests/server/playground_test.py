#!/usr/bin/env python3
"""The playground page (GET /) in a real browser: headless Chromium driven by Selenium
types into the page's editors and reads what it shows: the decision in words (checked
against `lawful check --cases` on the same case), the explanation rule by rule, the
compiler's diagnostics with line and caret, the policies' tests.

usage: playground_test.py LAWFUL     (run from the repository root; needs chromium,
chromium-driver and python3-selenium; not run under the sanitizers)
"""
import json, os, pathlib, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(__file__))
from serve_common import ROOT, Server  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

LAWFUL = sys.argv[1]
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-playground-test-"))
CAMPAIGN = json.loads((ROOT / "examples/campaign.json").read_text())


def verdict_of(contact):
    """The verdict `lawful check --cases` gives the case."""
    path = TMP / "case.jsonl"
    path.write_text(json.dumps({"contact": contact, "campaign": CAMPAIGN}) + "\n")
    p = subprocess.run([LAWFUL, "check", str(ROOT / "policies"), "--cases", str(path), "--quiet"],
                       capture_output=True, text=True)
    return json.loads(p.stdout)


def main():
    srv = Server(LAWFUL, ROOT / "policies", "--watch-ms", "0")
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--user-data-dir={TMP / 'profile'}", "--no-first-run", "--disable-extensions"]:
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    wait = WebDriverWait(driver, 20)
    ok = False
    try:
        driver.get(f"http://127.0.0.1:{srv.port}/")

        def settled(previous):
            # The page says "up to date" for an answer newer than `previous`.
            def done(d):
                s = d.find_element(By.ID, "status")
                return s.text == "up to date" and int(s.get_attribute("data-sequence") or 0) > previous
            wait.until(done)
            return int(driver.find_element(By.ID, "status").get_attribute("data-sequence"))

        seq = settled(0)
        # The example contact: a company in the UK, decided as lawful check decides it.
        contact = json.loads(driver.find_element(By.ID, "contact").get_attribute("value"))
        want = verdict_of(contact)
        verdict = driver.find_element(By.ID, "verdict")
        assert verdict.get_attribute("data-verdict") == want["verdict"], (verdict.text, want)
        words = {"allow": "Allowed", "deny": "Not allowed", "review": "Needs a human review"}
        assert verdict.text == words[want["verdict"]], verdict.text
        text = driver.find_element(By.ID, "decision-text").text
        if want["basis"]:
            assert want["basis"].replace("_", " ") in text, text
        for cite in want["cites"]:
            assert cite in text, (cite, text)
        rules = driver.find_elements(By.CSS_SELECTOR, "#explanation .rule")
        assert rules and any(r.get_attribute("data-rule") in want["rules"] for r in rules), "rule by rule"
        tests = driver.find_element(By.ID, "tests").text
        assert "tests pass" in tests, tests

        # Type a consumer with no consent instead: the decision follows.
        contact = {"id": "typed-1", "country": "GB", "entity": "consumer", "email": "pat@example.org",
                   "consents": [], "objected": False, "suppressed": False}
        box = driver.find_element(By.ID, "contact")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        box.send_keys(json.dumps(contact))
        seq = settled(seq)
        want2 = verdict_of(contact)
        assert want2["verdict"] != want["verdict"], "the typed contact should change the verdict"
        assert verdict.get_attribute("data-verdict") == want2["verdict"], (verdict.text, want2)
        assert verdict.text == words[want2["verdict"]], verdict.text

        # A mistake in the policy: the compiler's message with its line and caret.
        policy = driver.find_element(By.ID, "policy")
        policy.send_keys(Keys.CONTROL, Keys.END)
        policy.send_keys("\nrule && oops")
        seq = settled(seq)
        diags = driver.find_element(By.ID, "diagnostics").text
        assert "does not compile" in diags and "Error at line" in diags, diags
        pre = driver.find_element(By.CSS_SELECTOR, "#diagnostics pre").text
        assert "uk.law:" in pre and "^" in pre, pre
        assert "does not compile" in driver.find_element(By.ID, "verdict").text
        ok = True
    finally:
        if not ok:
            try:
                print(driver.find_element(By.TAG_NAME, "body").text[:3000])
            except Exception:
                pass
        driver.quit()
        srv.stop()
        shutil.rmtree(TMP, ignore_errors=True)
    print("ok   the playground decides, explains and shows diagnostics in Chromium")


main()
