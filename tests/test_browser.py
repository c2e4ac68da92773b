"""Browser tests: the system's headless Chromium, driven by Selenium, against a real server
on a loopback port (tests/live.py).

They need Debian's chromium and chromium-driver (.ci/run installs them when missing); without
them every test here fails, saying what to install: they are never skipped. Screenshots go to
a temporary folder, or to BROWSER_SCREENSHOTS when that names one, to look at afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from live import live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = ("DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver "
           "(as .ci/run does)")
# Loading and validating the data comes first; on a busy two-core machine that can take a
# few minutes, so the server is given longer than the helper's default to get ready.
SERVER_STARTUP_SECONDS = 600
WAIT_SECONDS = 30
CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--window-size=1280,1024")


def require_browser() -> None:
    """Fail, not skip, when the browser or its driver is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"headless Chromium is needed for the browser tests and {', '.join(missing)} "
                    f"is missing: install it with {INSTALL}", pytrace=False)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is needed for the browser tests: pip install -e '.[test]'",
                    pytrace=False)


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def root(browser):
    """The live server's root URL (the browser is started first, so a missing browser
    fails at once rather than after the server's start-up)."""
    with live_server(timeout=SERVER_STARTUP_SECONDS) as url:
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    chosen = os.environ.get("BROWSER_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")


def screenshot(browser, shots: Path, name: str) -> Path:
    """A full-page screenshot: the window is stretched to the page's height first."""
    height = browser.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    browser.set_window_size(1280, min(max(int(height), 800), 6000))
    path = shots / f"{name}.png"
    assert browser.save_screenshot(str(path)), f"no screenshot saved for {name}"
    browser.set_window_size(1280, 1024)
    return path


def wait(browser):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, WAIT_SECONDS)


def by_css(browser, selector: str):
    from selenium.webdriver.common.by import By
    return browser.find_elements(By.CSS_SELECTOR, selector)


def one(browser, selector: str):
    found = by_css(browser, selector)
    assert found, f"nothing matches {selector} on {browser.current_url}"
    return found[0]


def open_page(browser, url: str):
    """Load a page and wait until it has loaded; the page must not be an error page."""
    browser.get(url)
    wait(browser).until(lambda b: b.execute_script("return document.readyState") == "complete")
    heading = one(browser, "h1").text
    assert not heading[:3].isdigit(), f"{url} is an error page: {heading}"
    return heading


def severe_console_messages(browser) -> list[str]:
    """Errors the page logged (a missing stylesheet, a script error), favicon aside."""
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]


def path_of(browser) -> str:
    parts = urlsplit(browser.current_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- The pages ---------------------------------------------------------------------------

def test_home_page(browser, root, shots):
    heading = open_page(browser, f"{root}/")
    assert "Going Local" in heading
    assert browser.title.endswith("Going Local inspections")
    assert one(browser, "main").text.strip()
    screenshot(browser, shots, "home")
    assert severe_console_messages(browser) == []


def test_bocu_page_after_the_303(browser, root, shots):
    heading = open_page(browser, f"{root}/id/bocu/harrow")
    assert path_of(browser) == "/doc/bocu/harrow"  # the browser followed the 303
    assert "Harrow" in heading
    text = one(browser, "main").text
    assert "2003-04" in text
    screenshot(browser, shots, "bocu-harrow")
    assert severe_console_messages(browser) == []


def test_recommendation_page(browser, root, shots):
    heading = open_page(browser, f"{root}/id/inspection/2003-04/harrow/recommendation/4")
    assert path_of(browser) == "/doc/inspection/2003-04/harrow/recommendation/4"
    assert "recommendation 4" in heading.lower() or "Harrow" in heading
    text = one(browser, "main").text
    assert "a review of demand management and deployment" in text
    screenshot(browser, shots, "recommendation-harrow-4")


def test_source_page(browser, root, shots):
    open_page(browser, f"{root}/source")
    text = one(browser, "main").text
    assert "HMIC Going Local Inspection Programme 2003-2004" in text
    assert "The ‘Sanctuary Project’ for victims of domestic violence" in text
    screenshot(browser, shots, "source")


def test_list_with_filters_used_through_its_form(browser, root, shots):
    from selenium.webdriver.support.ui import Select

    open_page(browser, f"{root}/recommendations?theme=demand-management&year=2003-04")
    rows = by_css(browser, "main table tbody tr")
    assert len(rows) == 4
    assert "4 recommendations match these filters" in one(browser, "p.count").text
    assert sorted(r.find_elements("css selector", "td")[0].text for r in rows) == [
        "Harrow BOCU", "Hillingdon BOCU", "Newham BOCU", "Westminster BOCU"]
    screenshot(browser, shots, "recommendations-demand-management-2003-04")

    # Narrow to one borough with the form (a plain GET form: no script needed).
    Select(one(browser, "select#filter-borough")).select_by_value("hillingdon")
    one(browser, "form.filters button[type=submit]").click()
    wait(browser).until(lambda b: "borough=hillingdon" in b.current_url)
    rows = by_css(browser, "main table tbody tr")
    assert len(rows) == 1 and "Hillingdon" in rows[0].text
    assert "demand management strategy" in rows[0].text

    # Remove the theme filter by its link: all four of Hillingdon's recommendations.
    one(browser, 'ul.active-filters a[aria-label^="Remove the filter Theme"]').click()
    wait(browser).until(lambda b: "theme=" not in b.current_url)
    assert len(by_css(browser, "main table tbody tr")) == 4
    screenshot(browser, shots, "recommendations-hillingdon")
    assert severe_console_messages(browser) == []


def test_bocus_list(browser, root, shots):
    open_page(browser, f"{root}/bocus?per_page=100")
    rows = by_css(browser, "main table tbody tr")
    assert len(rows) == 32
    enfield = next(r for r in rows if r.text.startswith("Enfield BOCU"))
    assert "Arranged for January 2005" in enfield.text
    screenshot(browser, shots, "bocus")


def test_search_page(browser, root, shots):
    open_page(browser, f"{root}/search")
    box = one(browser, "input#q")
    box.send_keys("sanctuary")
    box.submit()
    wait(browser).until(lambda b: "q=sanctuary" in b.current_url)
    results = by_css(browser, "ol.results li")
    assert len(results) == 1
    assert one(browser, "ol.results mark").text == "Sanctuary"
    screenshot(browser, shots, "search-sanctuary")
    results[0].find_element("css selector", "a").click()
    wait(browser).until(lambda b: "/doc/" in b.current_url)
    assert path_of(browser) == "/doc/inspection/2003-04/harrow/good-practice/1"

    # Hostile input is searched as words, and the page says so rather than failing.
    open_page(browser, f"{root}/search?q=%22")
    assert "no words to search for" in one(browser, "[role=alert]").text


def test_named_query_on_the_query_page(browser, root, shots):
    open_page(browser, f"{root}/query")
    named = by_css(browser, "ul.named-queries a")
    assert named, "the query page lists no named queries"
    titles = [a.text for a in named]
    link = next((a for a in named if "per theme" in a.text.lower()), named[0])
    chosen = link.text
    link.click()
    wait(browser).until(lambda b: "name=" in b.current_url)
    text = one(browser, "textarea#query-text").get_attribute("value")
    assert "SELECT" in text.upper(), f"the form was not filled from {chosen!r} ({titles})"
    one(browser, "form.query-form button[type=submit]").click()
    wait(browser).until(lambda b: by_css(b, "table.results") or by_css(b, "[role=alert]"))
    assert not by_css(browser, "[role=alert]"), one(browser, "[role=alert]").text
    headers = [th.text for th in by_css(browser, "table.results thead th")]
    rows = [[td.text for td in tr.find_elements("css selector", "td")]
            for tr in by_css(browser, "table.results tbody tr")]
    assert headers and rows, f"{chosen!r} gave no rows"
    assert all(len(row) == len(headers) for row in rows)
    screenshot(browser, shots, "query-named")


# --- At a glance ---------------------------------------------------------------------------

def rect_of(browser, element) -> dict:
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,"
        "        width: r.width, height: r.height};", element)


def drawn(browser, selector: str) -> list:
    """The elements matching `selector`, each checked to be drawn with a non-zero size."""
    found = by_css(browser, selector)
    assert found, f"nothing matches {selector} on {browser.current_url}"
    for element in found:
        box = rect_of(browser, element)
        assert box["width"] > 0 and box["height"] > 0, (selector, box)
    return found


def chart_fits(browser) -> None:
    """The page's one chart has a size, and stays inside the main column."""
    (svg,) = by_css(browser, "svg.chart")
    assert svg.size["width"] > 0 and svg.size["height"] > 0
    box, main = rect_of(browser, svg), rect_of(browser, one(browser, "main"))
    assert main["left"] - 1 <= box["left"] and box["right"] <= main["right"] + 1, (box, main)


@pytest.mark.parametrize("path, name, marks", [
    ("/glance/timeline", "glance-timeline", ["rect.visit", "path.report", "g.reference"]),
    ("/glance/themes", "glance-themes", ["g.cell rect", "text.column-total"]),
    ("/glance/programme", "glance-programme", ["g.tile rect", "text.tile-name"]),
])
def test_glance_charts_are_drawn(browser, root, shots, path, name, marks):
    browser.get_log("browser")  # what earlier pages logged (a search's deliberate 400) is theirs
    open_page(browser, f"{root}{path}")
    chart_fits(browser)
    for selector in marks:
        drawn(browser, f"svg.chart {selector}")
    assert by_css(browser, "table.chart-data tbody tr")
    screenshot(browser, shots, name)
    assert severe_console_messages(browser) == []


def test_glance_timeline_draws_seven_visits_and_the_papers_date(browser, root):
    open_page(browser, f"{root}/glance/timeline")
    visits = drawn(browser, "svg.chart g.timeline-row rect.visit")
    assert len(visits) == 7
    line = rect_of(browser, one(browser, "svg.chart g.reference line"))
    # The paper's date is to the right of every visit and report.
    assert all(rect_of(browser, v)["right"] < line["left"] for v in visits)
    # The chart prints, scaled to the page.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        chart_fits(browser)
        assert one(browser, "table.chart-data").size["height"] > 0
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_glance_programme_tiles_lead_to_their_bocu(browser, root):
    open_page(browser, f"{root}/glance/programme")
    tiles = drawn(browser, "svg.chart g.tile")
    assert len(tiles) == 32
    enfield = one(browser, 'svg.chart g.tile[data-bocu="enfield"]')
    enfield.click()
    wait(browser).until(lambda b: "/doc/bocu/enfield" in b.current_url)
    assert "Enfield" in one(browser, "h1").text


def test_glance_quality_page(browser, root, shots):
    browser.get_log("browser")
    open_page(browser, f"{root}/glance/quality")
    assert len(by_css(browser, "table.errata-table tbody tr")) == 8
    verdicts = [v.text.lower() for v in by_css(browser, "ol.claims strong.verdict")]
    assert verdicts and set(verdicts) == {"agrees"}
    for verdict in by_css(browser, "ol.claims strong.verdict"):
        assert verdict.size["width"] > 0
    screenshot(browser, shots, "glance-quality")
    assert severe_console_messages(browser) == []
