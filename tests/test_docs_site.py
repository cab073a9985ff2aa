"""The built documentation site, opened in a real browser.

Run after ``python -m sphinx -W -n -b html docs docs/_build/html``: every
internal link of every page resolves (the file and the ``#anchor``), and
headless Chromium (Debian's ``chromium`` and ``chromium-driver``) loads the
index, an API page and an example page with no console error, sees their
content and saves a screenshot of each in ``docs/_build/screenshots/``.

Without a built site or a browser these tests skip; CI sets
``SKPRUNE_REQUIRE_DOCS=1``, which turns the skips into failures.
"""

import functools
import http.server
import os
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("SKPRUNE_DOCS_SITE", ROOT / "docs" / "_build" / "html"))
SCREENSHOTS = SITE.parent / "screenshots"
REQUIRED = os.environ.get("SKPRUNE_REQUIRE_DOCS") == "1"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

# the pages the browser opens, and text each must show
PAGES = {
    "index.html": "Exact, refit-aware model pruning",
    "generated/skprune.CoefficientPruner.html": "prune_ratio",
    "examples/03_digits_sample_pruning.html": "SampleSubsetter",
    "user_guide/row_pruning.html": "benchmarks/results/bench_data_efficiency.json",
}


def skip_or_fail(reason):
    if REQUIRED:
        pytest.fail(f"SKPRUNE_REQUIRE_DOCS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        skip_or_fail(f"no built site in {SITE}")
    return SITE


class Links(HTMLParser):
    """The ``href``/``src`` targets and the ``id``s of one page."""

    def __init__(self):
        super().__init__()
        self.targets, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.targets.append(attrs[key])


@functools.cache
def parse(page):
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def broken_links(site):
    broken = []
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).parts[0] == "_static":
            continue  # the theme's own template files, not pages
        for target in parse(page).targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith("javascript:"):
                continue  # an outside address (scikit-learn's site, GitHub)
            path = unquote(parts.path)
            if not path:
                file = page
            else:
                base = site if path.startswith("/") else page.parent
                file = (base / path.lstrip("/")).resolve()
                if file.is_dir():
                    file = file / "index.html"
            where = f"{page.relative_to(site)} -> {target}"
            if not file.is_relative_to(site.resolve()):
                broken.append(f"{where}: outside the site")
            elif not file.is_file():
                broken.append(f"{where}: no file")
            elif parts.fragment and file.suffix == ".html":
                if unquote(parts.fragment) not in parse(file).ids:
                    broken.append(f"{where}: no anchor")
    return broken


def test_every_internal_link_resolves(site):
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) > 10, pages
    broken = broken_links(site)
    assert not broken, "\n".join(broken)


def test_the_link_check_finds_a_broken_link(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="b.html">b</a><a href="b.html#here">b</a><a href="#top">t</a>'
        '<a href="https://scikit-learn.org/x.html">sk</a><p id="top"></p>'
    )
    (tmp_path / "b.html").write_text(
        '<p id="there"></p><a href="/a.html#top">a</a><a href="../x.html">x</a>'
    )
    assert broken_links(tmp_path) == [
        "a.html -> b.html#here: no anchor",
        "b.html -> ../x.html: outside the site",
    ]
    (tmp_path / "b.html").unlink()
    assert broken_links(tmp_path) == [
        "a.html -> b.html: no file",
        "a.html -> b.html#here: no file",
    ]


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if shutil.which(CHROMIUM) is None or shutil.which(CHROMEDRIVER) is None:
        skip_or_fail("Chromium is not installed (Debian: chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip_or_fail("selenium is not installed (the docs extra)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_console_errors(page, server, browser):
    browser.get(f"{server}/{page}")
    text = browser.execute_script("return document.body.innerText")
    assert PAGES[page] in text, text[:2000]
    # the theme's scripts ran (they set the colour theme on <html>) and its
    # stylesheet applied (it makes the header sticky)
    theme = browser.execute_script("return document.documentElement.dataset.theme")
    assert theme in ("light", "dark"), theme
    position = browser.execute_script(
        "return getComputedStyle(document.querySelector('.bd-header')).position"
    )
    assert position == "sticky", position
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = page.replace("/", "_").removesuffix(".html")
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    # a page with a benchmark table: the table is shot too
    has_table = browser.execute_script(
        "const t = document.querySelector('table.bench-table');"
        "if (!t) { return false; } t.scrollIntoView(); return true;"
    )
    if has_table:
        browser.save_screenshot(str(SCREENSHOTS / f"{name}-table.png"))
    errors = [
        entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
    ]
    assert not errors, errors
