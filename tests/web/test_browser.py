"""The dashboard in a real browser: Debian's chromium, headless, driven by chromium-driver."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from panther_events.cli.serve import Dashboard, start_dashboard
from panther_events.exceptions import StoreError
from panther_events.store.sqlite import SQLiteEventStore

from ._runs import CLI, SLOW_EXPERIMENT, XSS
from .conftest import Runs
from .test_app import _many_runs
from .test_live import _write_from_another_process


def _shot(browser: webdriver.Chrome, path: Path) -> Path:
    """Save a screenshot of the whole page (the window grown to the page's height)."""
    height = int(browser.execute_script("return document.body.scrollHeight"))
    browser.set_window_size(1280, min(max(height, 800), 6000))
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def _wait(browser: webdriver.Chrome, timeout: float = 10) -> WebDriverWait[webdriver.Chrome]:
    """A wait that polls every 50 ms and retries when the page replaced the element it read.

    Live updates swap rows and tables in place, so an element found in one poll may be
    gone when its text is read; that is the page working, not a failure. Timeouts are
    generous (a wait ends as soon as its condition holds) because CI machines are busy.
    """
    return WebDriverWait(
        browser, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    )


def _no_alert(browser: webdriver.Chrome) -> None:
    try:
        text = browser.switch_to.alert.text
    except NoAlertPresentException:
        return
    raise AssertionError(f"a script ran: it opened a dialog saying {text!r}")


def _js_errors(browser: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


class TestInBrowser:
    def test_run_page_shows_tests_and_failures(
        self, browser: webdriver.Chrome, served: Dashboard, runs: Runs, tmp_path: Path
    ) -> None:
        """The run page of failing.yaml shows its four tests, three failures with their
        culprits, the timeline, and runs its script without errors."""
        browser.get(f"{served.url}runs/{runs.failing}")
        tests = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.tests td a")]
        assert tests == ["wrong-reply", "bad-exit", "service-crash", "passes"]
        failures = browser.find_elements(By.CSS_SELECTOR, ".failure")
        assert len(failures) == 3
        assert "service flaky" in failures[2].text and "crashing on purpose" in failures[2].text
        assert browser.find_element(By.CSS_SELECTOR, "svg.timeline").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, '[data-field="status"]').text == "failed"
        # The page connected its live stream (a first message updates the header).
        _wait(browser).until(
            lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-live-seen")
        )
        assert _js_errors(browser) == []
        _shot(browser, tmp_path / "run.png")
        browser.get(served.url)
        assert runs.failing in browser.find_element(By.CSS_SELECTOR, "table.runs").text
        _shot(browser, tmp_path / "runs.png")

    def test_event_from_another_process_appears_without_reload(
        self, browser: webdriver.Chrome, runs: Runs, db_copy: Path
    ) -> None:
        """A test another process stores shows in the open page's event list and header
        without a reload; after the server restarts the page reconnects and shows the next."""
        dashboard = start_dashboard(db_copy)
        port = int(dashboard.url.rsplit(":", 1)[1].strip("/"))
        try:
            browser.get(f"{dashboard.url}runs/{runs.echo}")
            body = browser.find_element(By.TAG_NAME, "body")
            _wait(browser).until(lambda b: body.get_attribute("data-live-seen"))
            events_before = browser.find_element(By.CSS_SELECTOR, '[data-field="events"]').text
            browser.execute_script("window.notReloaded = true")
            _write_from_another_process(db_copy, runs.echo, "arrived-live")
            _wait(browser).until(
                lambda b: "arrived-live" in b.find_element(By.ID, "event-rows").text
            )
            assert browser.execute_script("return window.notReloaded") is True
            _wait(browser).until(
                lambda b: (
                    b.find_element(By.CSS_SELECTOR, '[data-field="events"]').text
                    == str(int(events_before) + 1)
                )
            )
            dashboard.stop()
            _wait(browser).until(lambda b: b.find_element(By.ID, "conn").is_displayed())
            _write_from_another_process(db_copy, runs.echo, "after-restart")
            dashboard = start_dashboard(db_copy, port=port)
            _wait(browser, 10).until(
                lambda b: "after-restart" in b.find_element(By.ID, "event-rows").text
            )
            assert browser.execute_script("return window.notReloaded") is True
        finally:
            dashboard.stop()

    def test_new_run_appears_on_the_runs_page_without_reload(
        self, browser: webdriver.Chrome, db_copy: Path
    ) -> None:
        """A run another process starts shows up in the open runs page."""
        dashboard = start_dashboard(db_copy)
        try:
            browser.get(dashboard.url)
            browser.execute_script("window.notReloaded = true")
            _write_from_another_process(db_copy, "fresh-run", "first-test")
            _wait(browser).until(
                lambda b: "fresh-run" in b.find_element(By.CSS_SELECTOR, "table.runs").text
            )
            assert browser.execute_script("return window.notReloaded") is True
        finally:
            dashboard.stop()

    def test_the_runs_page_pages_through_many_runs(
        self, browser: webdriver.Chrome, tmp_path: Path
    ) -> None:
        """120 runs: the browser follows "older →" to the last page and back, the filter
        kept, and every page runs its script without errors."""
        db = tmp_path / "many.db"
        run_ids = _many_runs(db, 120)
        dashboard = start_dashboard(db)
        try:
            browser.get(f"{dashboard.url}?experiment=alpha")
            assert "page 1 of 2" in browser.find_element(By.CSS_SELECTOR, ".pager").text
            browser.find_element(By.LINK_TEXT, "older →").click()
            _wait(browser).until(lambda b: "page=2" in b.current_url)
            table = browser.find_element(By.CSS_SELECTOR, "table.runs").text
            assert run_ids[0] in table and run_ids[1] not in table
            browser.find_element(By.LINK_TEXT, "← newer").click()
            _wait(browser).until(lambda b: "page=1" in b.current_url)
            assert "experiment=alpha" in browser.current_url
            assert _js_errors(browser) == []
        finally:
            dashboard.stop()

    def test_xss_payloads_render_inert(
        self, browser: webdriver.Chrome, served: Dashboard, runs: Runs, tmp_path: Path
    ) -> None:
        """Names and data that are script or HTML show as text: no dialog opens and no
        element is injected, on every page that shows them."""
        entity = quote(f"{runs.xss}/{XSS[1]}", safe="")
        for path in (
            "",
            f"runs/{runs.xss}",
            f"runs/{runs.xss}/entities/{entity}",
            f"compare?a={runs.xss}&b={runs.failing}",
        ):
            browser.get(served.url + path)
            _no_alert(browser)
            assert browser.find_elements(By.CSS_SELECTOR, "img[src=x]") == []
            injected = browser.execute_script(
                "return [...document.scripts].filter(s => !s.src).length"
            )
            assert injected == 0
        browser.get(f"{served.url}runs/{runs.xss}")
        text = browser.find_element(By.TAG_NAME, "main").text
        assert XSS[0] in text and XSS[1] in text
        _shot(browser, tmp_path / "xss.png")

    def test_compare_page_shows_a_changed_outcome(
        self, browser: webdriver.Chrome, served: Dashboard, runs: Runs, tmp_path: Path
    ) -> None:
        """Comparing failing.yaml with its fixed copy shows bad-exit failed → passed."""
        browser.get(served.url)
        # Picked through the form on the runs page, as a user would.
        browser.find_element(
            By.CSS_SELECTOR, f'select[name="a"] option[value="{runs.failing}"]'
        ).click()
        browser.find_element(
            By.CSS_SELECTOR, f'select[name="b"] option[value="{runs.fixed}"]'
        ).click()
        browser.find_element(By.CSS_SELECTOR, ".compare-form button").click()
        _wait(browser).until(lambda b: "/compare" in b.current_url)
        rows = browser.find_elements(By.CSS_SELECTOR, "table.outcomes tbody tr")
        assert [r.text.split() for r in rows] == [["bad-exit", "failed", "passed"]]
        _shot(browser, tmp_path / "compare.png")


class TestWatchingARun:
    def test_page_follows_a_running_experiment_to_its_end(
        self, browser: webdriver.Chrome, tmp_path: Path
    ) -> None:
        """Opened while ``panther-events run`` is writing, the run page turns from running to
        failed, and the failure shows up, without a reload."""
        experiment = tmp_path / "slow.yaml"
        experiment.write_text(SLOW_EXPERIMENT)
        db = tmp_path / "events.db"
        with subprocess.Popen(
            [str(CLI), "run", str(experiment), "--db", str(db), "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ) as run:
            try:
                deadline = time.monotonic() + 30
                while not _has_a_run(db):
                    assert time.monotonic() < deadline, "the run stored nothing"
                    time.sleep(0.05)
                dashboard = start_dashboard(db)
                try:
                    browser.get(f"{dashboard.url}runs/latest")
                    status = browser.find_element(By.CSS_SELECTOR, '[data-field="status"]')
                    assert status.text == "running"
                    browser.execute_script("window.notReloaded = true")
                    _wait(browser, 40).until(
                        lambda b: (
                            b.find_element(By.CSS_SELECTOR, '[data-field="status"]').text
                            == "failed"
                        )
                    )
                    _wait(browser).until(
                        lambda b: "exit-two" in b.find_element(By.ID, "overview").text
                    )
                    failure = browser.find_element(By.CSS_SELECTOR, ".failure").text
                    assert "waits-then-fails" in failure
                    assert browser.execute_script("return window.notReloaded") is True
                finally:
                    dashboard.stop()
            finally:
                run.wait(timeout=60)


def _has_a_run(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        with SQLiteEventStore(db, create=False) as store:
            return bool(store.runs())
    except StoreError:
        return False  # created but its schema not yet committed
