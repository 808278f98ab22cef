"""The HTML reports in a browser (issue 22): Debian's Chromium, headless, through Selenium.

Each report (lawful check --report, lawful diff --report) is loaded from a file; the test
checks that no script error is logged and nothing is fetched, that each chart is drawn
(an SVG with a title, a description and bars of some width) with the labels the JSON
says, that a table sorts when its header is clicked, that print media hides what is for
the screen only, and it writes a screenshot and a PDF of each into OUTDIR.

    report_browser_test.py LAWFUL OUTDIR [--docs DIR]

(A PDF of the check report only: both pages share their styles.)
--docs DIR also writes the screenshots the documentation shows (DIR/check-report.png,
DIR/diff-report.png). Exit 77 (skipped) without Chromium, its driver or Selenium.
"""
import base64, json, os, pathlib, re, shutil, subprocess, sys, tempfile

# Debian's python3-selenium is installed for Debian's Python: if this one (a pyenv, a
# venv) lacks it, run again with that one.
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and not os.environ.get("LAWFUL_REEXEC"):
        os.execve("/usr/bin/python3", ["/usr/bin/python3", *sys.argv], dict(os.environ, LAWFUL_REEXEC="1"))
    print("skipped: no Selenium (Debian: python3-selenium)")
    sys.exit(77)

LAWFUL = os.path.abspath(sys.argv[1])
OUT = pathlib.Path(sys.argv[2])
DOCS = pathlib.Path(sys.argv[sys.argv.index("--docs") + 1]) if "--docs" in sys.argv else None
ROOT = pathlib.Path.cwd()
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    print("skipped: no chromium or chromedriver (Debian: chromium, chromium-driver)")
    sys.exit(77)
TMP = pathlib.Path(tempfile.mkdtemp(prefix="lawful-browser-"))
OUT.mkdir(parents=True, exist_ok=True)
CAMPAIGN = "campaign.json"


def lawful(*args):
    # In the temporary folder, so that the reports name short paths (the screenshots are
    # the documentation's).
    p = subprocess.run([LAWFUL, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=TMP)
    if p.returncode not in (0, 1):
        raise AssertionError(f"lawful {args}: exit {p.returncode}: {p.stderr[:800]}")
    return p


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def make_reports():
    shutil.copyfile(ROOT / "examples/campaign.json", TMP / CAMPAIGN)
    (TMP / "policies").symlink_to(ROOT / "policies")
    contacts = "contacts.jsonl"
    lawful("gen-contacts", "--n", 2000, "--seed", 5, "-o", contacts)
    lines = (TMP / contacts).read_text().splitlines()
    for i, bad in enumerate(["not json", '{"id": "x1", "country": 5}', '{"id": "x2", "country": "GB", "entity": "<b>zzz</b>"}']):
        lines.insert(50 + 400 * i, bad)
    (TMP / contacts).write_text("\n".join(lines) + "\n")
    lawful("check", "policies", "--contacts", contacts, "--campaign", CAMPAIGN, "-q", "-o", "/dev/null", "--summary",
           "summary.json", "--report", "check.html")
    # A change: the UK's soft opt-in (for existing customers) no longer allows.
    new = TMP / "policies-v2"
    shutil.copytree(ROOT / "policies", new)
    uk = new / "uk.law"
    uk.write_text(uk.read_text().replace("rule existing_customer: allow basis soft_opt_in", "rule existing_customer: deny", 1))
    p = lawful("diff", "policies", "policies-v2", "--contacts", contacts, "--campaign", CAMPAIGN, "--json", "--report",
               "diff.html")
    return json.loads((TMP / "summary.json").read_text()), json.loads(p.stdout)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1400",
              f"--user-data-dir={TMP / 'profile'}", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
              "--disable-background-networking", "--disable-sync", "--disable-default-apps", "--mute-audio"):
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


CHARTS_JS = """
return Array.from(document.querySelectorAll('figure[data-chart]')).map(function (f) {
  var svg = f.querySelector('svg');
  return {
    id: f.getAttribute('data-chart'),
    caption: f.querySelector('figcaption').textContent,
    svg: !!svg,
    title: svg ? svg.querySelector('title').textContent : '',
    desc: svg ? svg.querySelector('desc').textContent : '',
    labelledby: svg ? svg.getAttribute('aria-labelledby') : '',
    role: svg ? svg.getAttribute('role') : '',
    width: svg ? svg.getBoundingClientRect().width : 0,
    bars: Array.from(f.querySelectorAll('g.bar')).map(function (g) {
      var w = 0;
      g.querySelectorAll('rect').forEach(function (r) { w += r.getBoundingClientRect().width; });
      return {label: g.getAttribute('data-label'), shown: g.querySelector('text.label').textContent,
              n: Number(g.getAttribute('data-n')), width: w};
    }),
    cells: Array.from(f.querySelectorAll('g.m')).length,
    table: !!(f.nextElementSibling && (f.nextElementSibling.matches('div.scroll') && f.nextElementSibling.querySelector('table')
              || f.nextElementSibling.matches('p.empty'))),
    overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth
  };
});
"""


def load(driver, path):
    driver.get(path.as_uri())
    check(driver.execute_script("return document.readyState") == "complete", f"{path.name} loaded")
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    check(not errors, f"{path.name}: errors in the console: {errors}")
    fetched = driver.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    check(fetched == [], f"{path.name}: fetched {fetched}")
    charts = {c["id"]: c for c in driver.execute_script(CHARTS_JS)}
    for c in charts.values():
        if c["svg"]:
            check(c["role"] == "img" and c["title"] and c["desc"] and c["labelledby"], f"{c['id']}: an image with words")
            check(c["width"] > 100, f"{c['id']}: drawn ({c['width']} px wide)")
            for b in c["bars"]:
                check(b["width"] > 0 and b["n"] > 0 or b["n"] == 0, f"{c['id']}: bar {b['label']} drawn")
                check(b["shown"].rstrip("\u2026") and b["label"].startswith(b["shown"].rstrip("\u2026")),
                      f"{c['id']}: label {b['shown']!r} of {b['label']!r}")
        check(c["table"], f"{c['id']}: a table (or the words for nothing) under the chart")
        check(not c["overflow"], f"{path.name}: the page is no wider than the window")
    return charts


def bars_of(chart):
    return {b["label"]: b["n"] for b in chart["bars"]}


def sorts(driver, table):
    header = driver.find_element(By.CSS_SELECTOR, f'table[data-table="{table}"] thead th[data-col="total"]')
    totals = lambda: [int(td.get_attribute("data-n")) for td in driver.find_elements(
        By.CSS_SELECTOR, f'table[data-table="{table}"] tbody tr:not(.total) td[data-col="total"]')]
    header.click()
    check(totals() == sorted(totals(), reverse=True) and header.get_attribute("aria-sort") == "descending", "sorted, largest first")
    header.click()
    check(totals() == sorted(totals()) and header.get_attribute("aria-sort") == "ascending", "then smallest first")
    last = driver.find_elements(By.CSS_SELECTOR, f'table[data-table="{table}"] tbody tr')[-1]
    check(last.get_attribute("data-key") == "all", "the total row stays last")


def snapshot(driver, name, docs_name, pdf=True):
    # The top of the page, as a reader first sees it (a whole page of 10,000 pixels took
    # seconds more), and the whole page printed.
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(OUT / f"{name}.png"))
    check((OUT / f"{name}.png").stat().st_size > 20000, f"{name}: a screenshot")
    if DOCS:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(OUT / f"{name}.png", DOCS / docs_name)
    if not pdf:
        return
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    (OUT / f"{name}.pdf").write_bytes(base64.b64decode(pdf["data"]))
    check((OUT / f"{name}.pdf").stat().st_size > 20000, f"{name}: printed")


def main():
    summary, diff = make_reports()
    driver = browser()
    try:
        # The control: a script error is seen, so that seeing none below means something.
        broken = TMP / "broken.html"
        broken.write_text("<!DOCTYPE html><title>x</title><script>no_such_function();</script>")
        driver.get(broken.as_uri())
        logged = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        check(any("no_such_function" in e["message"] for e in logged), f"the console shows a script error: {logged}")
        charts = load(driver, TMP / "check.html")
        want = {(f"{','.join(x['jurisdictions'])} ({x['policy']})" if x["policy"] else "(no policy)"):
                x["allow"] + x["deny"] + x["review"] for x in summary["policies"]}
        check(bars_of(charts["chart-jurisdictions"]) == want, f"jurisdiction bars {charts['chart-jurisdictions']['bars']}")
        check(bars_of(charts["chart-bases"]) == {k: v for k, v in summary["bases"].items() if v}, "basis bars")
        check(bars_of(charts["chart-errors"]) == {k["kind"]: k["count"] for k in summary["error_kinds"]}, "error bars")
        rules = [f"{r['policy']}: {r['decision']}.{r['rule']}" for r in summary["rules"]]
        check([b["label"] for b in charts["chart-rules"]["bars"]] == rules[:15], "the 15 rules behind the most decisions")
        check(all(charts[c]["svg"] for c in ("chart-missing", "chart-obligations")), "missing facts and obligations drawn")
        sorts(driver, "policies")
        driver.refresh()  # as it was, for the screenshot
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        hidden = driver.execute_script("return getComputedStyle(document.querySelector('nav.toc')).display")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        check(hidden == "none", "the contents list is for the screen only")
        snapshot(driver, "check-report", "check-report.png")

        charts = load(driver, TMP / "diff.html")
        moves = {f"{m['from']['verdict']}{': ' + m['from']['basis'] if m['from']['basis'] else ''} \u2192 "
                 f"{m['to']['verdict']}{': ' + m['to']['basis'] if m['to']['basis'] else ''}": m["count"] for m in diff["movements"]}
        check(diff["changed"] > 0 and bars_of(charts["chart-moves"]) == moves, f"move bars {charts['chart-moves']['bars']}")
        check(charts["matrix-all"]["svg"] and charts["matrix-all"]["cells"] >= 4, "the matrix of all jurisdictions")
        labels = driver.execute_script(
            "return Array.from(document.querySelectorAll('figure[data-chart=\"matrix-all\"] text.col'))"
            ".map(function (t) { return t.getAttribute('data-label'); })")
        check("allow: soft_opt_in" in labels and "deny" in labels, f"matrix columns {labels}")
        check(bars_of(charts["chart-changes"]).get("uk.pecr: rule electronic_mail.existing_customer", 0) > 0,
              f"the changed rule's bar {charts['chart-changes']['bars']}")
        commands = driver.find_elements(By.CSS_SELECTOR, "code.cmd")
        check(commands and commands[0].text.startswith("lawful explain "), "explain commands")
        snapshot(driver, "diff-report", "diff-report.png", pdf=False)  # the same styles: printed once is enough
    finally:
        driver.quit()
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"ok: reports render; screenshots and PDFs in {OUT}")


try:
    main()
except AssertionError as e:
    print(f"FAIL: {e}")
    sys.exit(1)
