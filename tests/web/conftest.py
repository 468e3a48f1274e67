"""Fixtures of the dashboard's tests: recorded runs, a served dashboard, a headless chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from starlette.testclient import TestClient

from panther_events.cli.serve import Dashboard, start_dashboard
from panther_events.web import create_app

from ._runs import EXAMPLES, fixed_failing, record, xss_run

#: Debian's chromium and its driver (``make setup`` installs them): never a downloaded browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1600",
)


class Runs:
    """The runs recorded once for the whole session, in one store."""

    def __init__(self, db: Path, failing: str, echo: str, fixed: str, xss: str) -> None:
        self.db = db
        self.failing = failing
        self.echo = echo
        self.fixed = fixed
        self.xss = xss


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """examples/failing.yaml, examples/echo.yaml and a fixed failing.yaml, each run by a real
    ``panther-events run`` process, plus a run whose names are XSS payloads."""
    tmp = tmp_path_factory.mktemp("runs")
    db = tmp / "events.db"
    failing = record(EXAMPLES / "failing.yaml", db)
    echo = record(EXAMPLES / "echo.yaml", db)
    fixed = record(fixed_failing(tmp / "fixed"), db)
    return Runs(db, failing, echo, fixed, xss_run(db))


@pytest.fixture
def db_copy(runs: Runs, tmp_path: Path) -> Path:
    """A private copy of the session's store, for tests that write to it."""
    target = tmp_path / "events.db"
    shutil.copy(runs.db, target)
    return target


@pytest.fixture
def client(runs: Runs) -> Iterator[TestClient]:
    """Starlette's test client over the session's store (as if on 127.0.0.1)."""
    with TestClient(create_app(runs.db), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def served(runs: Runs) -> Iterator[Dashboard]:
    """The dashboard over the session's store, served by uvicorn on 127.0.0.1."""
    dashboard = start_dashboard(runs.db)
    try:
        yield dashboard
    finally:
        dashboard.stop()


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's chromium, headless, driven by its chromium-driver."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    # Console errors are collected, so a test can say the page ran without any.
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
