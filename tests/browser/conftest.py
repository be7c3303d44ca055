"""Browser journeys: the app served on loopback from a demo database, driven by Debian's
Chromium through Playwright. Screenshots of every step go to test-artifacts/; the
README's one per role (readme-{bureau,chain,sme}.png) also to docs/screenshots/ with
ANLIAN_TEST_SCREENSHOTS=docs.

Every journey watches, on every page it opens: console errors (CSP violations included),
Content-Security-Policy violation events (reported with their directive and source, so a
policy that blocks Plotly says exactly what it blocked) and requests to any host but the
app's."""

import csv
import io
import os
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from anlian import create_app, migrate, months
from anlian.db import session_scope
from anlian.demo import generate
from anlian.services import month_close, rollup, scores

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("ANLIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORDS = {"bureau": "bureau-demo-2026", "chain": "chain-demo-2026", "sme": "sme-demo-2026"}
LANDING = {"bureau": "/bureau/", "chain": "/chain/", "sme": "/sme/"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000
# A cell a spreadsheet would run as a formula (exports write such text with a leading ').
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Reports every Content-Security-Policy violation to the test (the binding is Playwright's,
# outside the page's CSP; the listener is added before any script of the page runs).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__anlianCsp([e.effectiveDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber,
                      e.sample].join(" | "));
});
"""


def pytest_collection_modifyitems(config, items):
    """Everything in this folder is a browser journey (`-m "not browser"` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            # werkzeug's threaded dev server leaves a static file's handle to the collector
            # when the browser drops a connection mid-response (Chromium does for favicons):
            # a quirk of the test server, not of the app.
            item.add_marker(pytest.mark.filterwarnings(
                "ignore:Exception ignored in.*FileIO:pytest.PytestUnraisableExceptionWarning"))


def _build_demo(url: str) -> None:
    """The small demo, its last 24 months closed, and the running month's provisional scores."""
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser"})
    with app.app_context():
        from anlian import clock

        engine, config = app.extensions["anlian_engine"], app.extensions["scoring_config"]
        last = clock.last_closed_month()
        with session_scope(engine) as session:
            generate(session, seed=7, scale="small", end_month=last)
            rollup.rebuild_all(session)
        for month in months.span(months.shift(last, -23), last):
            with session_scope(engine) as session:
                month_close.run_month_close(session, month=month, config=config)
        with session_scope(engine) as session:
            scores.refresh_provisional(session, config=config, today=clock.today())
    app.extensions["anlian_engine"].dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "demo.db"
    _build_demo(f"sqlite:///{path}")
    return path


@pytest.fixture
def live_server(demo_template, tmp_path):
    """The app on 127.0.0.1 with a fresh copy of the demo database for this test."""
    path = tmp_path / "live.db"
    shutil.copy(demo_template, path)
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "browser"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    app.extensions["anlian_engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Journey:
    """A page plus what a journey checks on every step: console errors, CSP violations,
    foreign requests."""

    def __init__(self, page, base_url: str, name: str, lang: str = "zh"):
        self.page, self.base_url, self.name, self.lang = page, base_url, name, lang
        self.console_errors: list[str] = []
        self.refused: set[str] = set()  # URLs a journey expects a 4xx page from
        self.csp_violations: list[str] = []
        self.foreign_requests: list[str] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.expose_binding("__anlianCsp", lambda _source, text: self.csp_violations.append(text))
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", self._watch)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        expected = message.location.get("url") in self.refused
        if not (expected and message.text.startswith("Failed to load resource")):
            self.console_errors.append(message.text)

    def _watch(self, request) -> None:
        url = request.url
        if not url.startswith((self.base_url + "/", "data:", "blob:")) and url != self.base_url:
            self.foreign_requests.append(url)

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, role: str, lang: str | None = None) -> None:
        """Choose the language, log in through the form, land on the role's page."""
        lang = lang or self.lang
        self.go(f"/lang/{lang}")  # back to where we were: the login page for a stranger
        if self.path() != "/login":
            self.go("/login")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", PASSWORDS[role])
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("load")
        assert self.path() == LANDING[role], f"{role} landed on {self.page.url}"
        assert self.page.locator("html").get_attribute("lang") == HTML_LANG[lang]

    def path(self) -> str:
        """The current URL without the server's origin and the query string."""
        return self.page.url.removeprefix(self.base_url).split("?")[0].split("#")[0]

    def submit(self, form_selector: str, *, refused: bool = False):
        """Click a form's submit button and wait for the page it leads to; its response.
        `refused`: the form is expected back with errors (a 4xx page, which Chromium logs as
        a failed resource: that one console error is expected, and only that one)."""
        if refused:
            action = self.page.locator(form_selector).evaluate("(form) => form.action")
            self.refused.add(action)
        with self.page.expect_navigation() as navigation:
            self.page.locator(f"{form_selector} button[type=submit]").first.click()
        self.page.wait_for_load_state("load")
        response = navigation.value
        assert (400 <= response.status < 500) if refused else response.ok, response.status
        return response

    def follow(self, link) -> None:
        """Click a link (a locator) and wait for the page it opens."""
        with self.page.expect_navigation():
            link.click()
        self.page.wait_for_load_state("load")

    def charts_drawn(self) -> int:
        """Wait until Plotly has drawn every chart slot of the page; how many there are."""
        slots = self.page.locator(".chart[data-figure]")
        count = slots.count()
        try:
            self.page.wait_for_function(
                """() => [...document.querySelectorAll(".chart[data-figure]")].every((el) =>
                     el.querySelector(".plot-container") && el.querySelector(".main-svg"))""",
                timeout=TIMEOUT_MS,
            )
        except Exception as error:  # noqa: BLE001 — say why, not just "timeout"
            undrawn = slots.evaluate_all(
                "(els) => els.filter((el) => !el.querySelector('.main-svg'))"
                ".map((el) => el.dataset.figure)"
            )
            raise AssertionError(
                f"charts not drawn: {undrawn}; console: {self.console_errors}; "
                f"CSP: {self.csp_violations}"
            ) from error
        return count

    def no_horizontal_scroll(self, width: int) -> None:
        scroll = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{self.path()} scrolls sideways: {scroll}px wide at {width}px"

    def download(self, link, keep_as: str | None = None) -> tuple[str, bytes]:
        """Click a download link; (suggested file name, content). A copy is kept in
        test-artifacts/ under `keep_as` when given."""
        with self.page.expect_download() as info:
            link.click()
        download = info.value
        failure = download.failure()
        assert failure is None, f"download failed: {failure}"
        body = Path(download.path()).read_bytes()
        if keep_as:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / f"{self.name}-{keep_as}").write_bytes(body)
        return download.suggested_filename, body

    def shot(self, step: str) -> Path:
        """The whole page of a step, `{journey}-{step}.png` in test-artifacts/ (in CSS pixels:
        a phone's page is not stored at twice its size)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True, scale="css", animations="disabled")
        return path

    def readme_shot(self, role: str) -> Path:
        """The picture of a role for the README, `readme-{role}.png`: the first screen, sharp
        (device pixels); also copied to docs/screenshots/ with ANLIAN_TEST_SCREENSHOTS=docs."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"readme-{role}.png"
        self.page.screenshot(path=str(path), animations="disabled")
        if os.environ.get("ANLIAN_TEST_SCREENSHOTS") == "docs":
            target = ROOT / "docs" / "screenshots"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.name)
        return path

    def assert_clean(self) -> None:
        assert self.csp_violations == [], self.csp_violations
        assert self.console_errors == [], self.console_errors
        assert self.foreign_requests == [], self.foreign_requests


@pytest.fixture
def journey(browser, live_server):
    """Opens journeys: `journey(name, lang="zh", width=None, height=None)`, each in its own
    browser context (cookies, cache), all closed at the end of the test. Desktop is 1280×900;
    a width gives a phone (touch, mobile viewport, height 812 unless given). The browser's
    language is Chinese, the audience's; a journey in English switches through /lang/en as a
    user does."""
    contexts = []

    def open_journey(name: str, *, lang: str = "zh", width=None, height=None) -> Journey:
        options = {"locale": "zh-CN", "accept_downloads": True, "viewport": DESKTOP}
        if width:
            options |= {
                "viewport": {"width": width, "height": height or 812},
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 2,
            }
        context = browser.new_context(**options)
        contexts.append(context)
        return Journey(context.new_page(), live_server, name, lang)

    yield open_journey
    for context in contexts:
        context.close()


def read_csv(body: bytes) -> list[list[str]]:
    """The rows of a CSV export (UTF-8 with BOM)."""
    assert body.startswith(b"\xef\xbb\xbf"), "CSV without BOM: Excel would garble Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[list]:
    """The rows of the first sheet of an XLSX export (values, None for empty cells)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body))
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def formula_cells(rows: list[list]) -> list:
    """Cells a spreadsheet would evaluate: text starting with = + - @ (a negative number is a
    number, not text)."""
    return [
        value
        for row in rows
        for value in row
        if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value)
    ]
