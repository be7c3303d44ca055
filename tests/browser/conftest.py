"""Browser journeys: the app served on loopback from a demo database, driven by Debian's
Chromium through Playwright. Screenshots go to test-artifacts/ (and, with
ANLIAN_SCREENSHOTS=docs, also to docs/screenshots/ for the README)."""

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
    """A page plus what a journey checks on every step: console errors, foreign requests."""

    def __init__(self, page, base_url: str, name: str):
        self.page, self.base_url, self.name = page, base_url, name
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", self._watch)

    def _watch(self, request) -> None:
        if not request.url.startswith(self.base_url) and not request.url.startswith("data:"):
            self.foreign_requests.append(request.url)

    def go(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, role: str, lang: str = "zh") -> None:
        self.go(f"/lang/{lang}")
        self.go("/login")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", PASSWORDS[role])
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if os.environ.get("ANLIAN_SCREENSHOTS") == "docs":
            target = ROOT / "docs" / "screenshots"
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.name)
        return path

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.foreign_requests == [], self.foreign_requests


@pytest.fixture
def journey(browser, live_server, request):
    """A fresh browser context (desktop) for one journey."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield lambda name, **options: _journey(context, browser, live_server, name, **options)
    context.close()


def _journey(context, browser, base_url, name, *, width=None, height=None):
    if width:
        context = browser.new_context(
            viewport={"width": width, "height": height or 812},
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
        )
    return Journey(context.new_page(), base_url, name)
