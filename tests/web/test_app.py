"""Every page and API route of the dashboard through Starlette's test client, bad inputs too."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from panther_events.web import create_app

from ._runs import XSS, big_run
from .conftest import Runs


def _quoted(entity: str) -> str:
    return quote(entity, safe="")


class TestRunsPage:
    def test_lists_every_run_newest_first_with_counts(self, client: TestClient, runs: Runs) -> None:
        """The runs page lists each run, newest first, with experiment, status and counts."""
        page = client.get("/")
        assert page.status_code == 200
        text = page.text
        positions = [text.index(r) for r in (runs.xss, runs.fixed, runs.echo, runs.failing)]
        assert positions == sorted(positions)
        assert "failing" in text and "echo" in text
        assert "status-failed" in text and "status-completed" in text

    def test_filters_by_experiment_name(self, client: TestClient, runs: Runs) -> None:
        """``?experiment=`` keeps only the runs of experiments whose name contains it."""
        text = client.get("/?experiment=ECHO").text
        assert runs.echo in text
        assert f'href="/runs/{runs.failing}"' not in text
        assert "no run of an experiment matching" in client.get("/?experiment=zzz").text

    def test_api_runs_lists_runs_as_json(self, client: TestClient, runs: Runs) -> None:
        """/api/runs gives every run with its experiment name and test counts."""
        rows = {r["run_id"]: r for r in client.get("/api/runs").json()}
        assert rows[runs.failing]["experiment"] == "failing"
        assert (rows[runs.failing]["tests_passed"], rows[runs.failing]["tests_failed"]) == (1, 3)

    def test_the_runs_table_counts_a_skip_apart_from_the_passes(self, tmp_path: Path) -> None:
        """A pytest-like run with a pass, a skip and a setup error: the runs table says 1
        passed and 1 failed of 3, as the run page and ``show`` count them."""
        from panther_events import TestCompletedEvent, TestFailedEvent
        from panther_events.store.sqlite import SQLiteEventStore

        db = tmp_path / "skips.db"
        with SQLiteEventStore(db) as store:
            store.append_many(
                [
                    TestCompletedEvent("s/ok", "ok"),
                    TestCompletedEvent("s/skip", "skip", summary={"outcome": "skipped"}),
                    TestFailedEvent("s/setup", "setup", "fixture broke", "Error", "setup"),
                ],
                run_id="skips",
            )
        with TestClient(create_app(db), base_url="http://127.0.0.1") as dashboard:
            row = dashboard.get("/").text.split('href="/runs/skips"')[1].split("</tr>")[0]
            cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
            assert cells[1:4] == ["1", "1", "3"], cells  # passed, failed, total


class TestRunPage:
    def test_shows_tests_failures_timeline_and_charts(self, client: TestClient, runs: Runs) -> None:
        """The run page has the header, every test, the failures with culprit and output,
        the timeline with a legend and hover times, and the four charts."""
        text = client.get(f"/runs/{runs.failing}").text
        for test in ("wrong-reply", "bad-exit", "service-crash", "passes"):
            assert test in text
        assert "at fault:" in text and "service flaky" in text and "step exit-three" in text
        assert "crashing on purpose" in text  # the crashed service's last output line
        assert "about to fail" in text  # the failed check's step output
        assert 'class="timeline"' in text and 'class="legend"' in text
        assert "<title>test wrong-reply: " in text  # hover text of a state
        for chart in ("Test durations", "Step durations", "Service CPU time", "Service peak"):
            assert chart in text
        assert 'data-field="status">failed' in text

    def test_a_services_output_lines_stay_lines(self, client: TestClient, runs: Runs) -> None:
        """The crashed service's last output lines are lines of their block (and a reason's
        lines are lines, as the two lines of a timeline state's hover text), not one line
        joined by a literal ``\\n``."""
        text = client.get(f"/runs/{runs.failing}").text
        blocks = re.findall(r'<pre class="output">(.*?)</pre>', text, re.S)
        (crashed,) = [block for block in blocks if "crashing on purpose" in block]
        lines = html.unescape(crashed).split("\n")
        assert lines[0].startswith("listening on 127.0.0.1:") and lines[-1] == "crashing on purpose"
        failures = text[text.index('id="failures"') : text.index('class="timeline-section"')]
        assert "\\n" not in failures
        hover = re.search(r"<title>(test wrong-reply: [^<]*)</title>", text)
        assert hover is not None and "\n" in hover.group(1) and "\\n" not in hover.group(1)

    def test_run_references_resolve(self, client: TestClient, runs: Runs) -> None:
        """A unique prefix or ``latest`` names a run as the CLI's references do."""
        assert runs.echo in client.get("/runs/echo").text
        assert client.get("/runs/latest").status_code == 200

    def test_event_stream_filters_and_pages(self, client: TestClient, runs: Runs) -> None:
        """The event list filters by type pattern and entity, and pages."""
        text = client.get(f"/runs/{runs.failing}?type=service.error").text
        assert "service.error" in text and "test.created" not in text
        api = client.get(f"/api/runs/{runs.failing}/events?type=test.*&size=5").json()
        assert len(api["events"]) == 5 and api["has_next"]
        assert all(e["type"].startswith("test.") for e in api["events"])
        second = client.get(f"/api/runs/{runs.failing}/events?type=test.*&size=5&page=2").json()
        assert {e["seq"] for e in second["events"]}.isdisjoint(e["seq"] for e in api["events"])
        entity = f"{runs.failing}/bad-exit"
        by_entity = client.get(f"/api/runs/{runs.failing}/events?entity={_quoted(entity)}")
        assert {e["entity_id"] for e in by_entity.json()["events"]} == {entity}
        assert "older →" in client.get(f"/runs/{runs.failing}?size=10").text

    def test_overview_fragment_and_json(self, client: TestClient, runs: Runs) -> None:
        """The overview fragment (what live pages refetch) and the run's JSON summary."""
        assert "wrong-reply" in client.get(f"/runs/{runs.failing}/overview").text
        data = client.get(f"/api/runs/{runs.failing}").json()
        assert data["counts"] == {"passed": 1, "failed": 3, "error": 0, "incomplete": 0, "total": 4}
        assert {f["culprit"] for f in data["failures"]} == {
            "step say-hello",
            "step exit-three",
            "service flaky",
        }


class TestEntityPage:
    def test_test_entity_shows_events_states_and_metrics(
        self, client: TestClient, runs: Runs
    ) -> None:
        """A test's page lists its events, its states and its measurements."""
        entity = f"{runs.failing}/wrong-reply"
        page = client.get(f"/runs/{runs.failing}/entities/{_quoted(entity)}")
        assert page.status_code == 200
        assert "test.failed" in page.text and "executing" in page.text
        assert "step.say-hello.duration_seconds" in page.text

    def test_service_entity_shows_cpu_and_memory(self, client: TestClient, runs: Runs) -> None:
        """A service's page shows its CPU time and peak memory."""
        entity = f"{runs.failing}/service-crash/service/flaky"
        text = client.get(f"/runs/{runs.failing}/entities/{_quoted(entity)}").text
        assert "CPU time" in text and "peak memory" in text and "service.error" in text

    def test_unknown_entity_is_404(self, client: TestClient, runs: Runs) -> None:
        """An entity the run never mentions gets a 404 page."""
        page = client.get(f"/runs/{runs.failing}/entities/nobody")
        assert page.status_code == 404 and "nobody" in page.text


class TestComparePage:
    def test_shows_changed_outcome_and_durations(self, client: TestClient, runs: Runs) -> None:
        """Comparing failing.yaml with its fixed copy shows bad-exit going failed → passed,
        every duration with a change, and no warning about different experiments."""
        text = client.get(f"/compare?a={runs.failing}&b={runs.fixed}").text
        row = text[text.index("Outcomes that changed") : text.index("Durations")]
        assert "bad-exit" in row and "outcome-failed" in row and "outcome-passed" in row
        assert "wrong-reply" not in row
        assert "different experiments" not in text
        assert "%" in text[text.index("Durations") :]

    def test_without_runs_shows_the_form(self, client: TestClient) -> None:
        """/compare alone offers two run pickers."""
        text = client.get("/compare").text
        assert 'name="a"' in text and 'name="b"' in text

    def test_api_compare(self, client: TestClient, runs: Runs) -> None:
        """/api/compare gives the comparison as JSON."""
        data = client.get(f"/api/compare?a={runs.failing}&b={runs.fixed}").json()
        assert data["outcomes"] == [{"test": "bad-exit", "before": "failed", "after": "passed"}]


class TestBadInput:
    @pytest.mark.parametrize(
        ("path", "status", "words"),
        [
            ("/runs/no-such-run", 404, "no run matches 'no-such-run'"),
            ("/runs/no-such-run/overview", 404, "no run matches"),
            ("/compare?a=no-such-run&b=latest", 404, "no run matches"),
            ("/runs/latest?page=zero", 400, "page must be a whole number"),
            ("/runs/latest?page=0", 400, "page must be between 1"),
            ("/runs/latest?size=100000", 400, "size must be between 1 and 1000"),
            ("/runs/latest?order=sideways", 400, "order must be"),
            ("/runs/latest?type=test..x", 400, "bad type filter"),
            ("/nowhere", 404, "Not found"),
            ("/?page=99", 404, "no page 99: there is 1 page of runs"),
        ],
    )
    def test_bad_inputs_get_an_error_page(
        self, client: TestClient, path: str, status: int, words: str
    ) -> None:
        """Unknown runs and bad filters get a 404 or 400 page naming the problem."""
        page = client.get(path)
        assert page.status_code == status
        assert "text/html" in page.headers["content-type"]
        assert words in html.unescape(page.text)
        assert "Traceback" not in page.text

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            ("/api/runs/no-such-run", 404),
            ("/api/runs/latest/events?page=-1", 400),
            ("/api/runs/latest/events?type=a..b", 400),
            ("/api/compare?a=latest", 404),
            ("/api/runs/latest/live?after=abc", 400),
            ("/api/runs/no-such-run/live", 404),
        ],
    )
    def test_bad_api_inputs_get_json_errors(
        self, client: TestClient, path: str, status: int
    ) -> None:
        """The JSON routes answer bad input with a JSON error, not a page or a traceback."""
        response = client.get(path)
        assert response.status_code == status
        assert response.json()["status"] == status

    def test_post_is_refused(self, client: TestClient) -> None:
        """The dashboard is read-only: no route accepts a POST."""
        assert client.post("/", content=b"x").status_code == 405


class TestSecurity:
    def test_xss_payloads_are_escaped(self, client: TestClient, runs: Runs) -> None:
        """Names and data that are HTML render as text on every page."""
        pages = [
            "/",
            f"/runs/{runs.xss}",
            f"/runs/{runs.xss}/overview",
            f"/runs/{runs.xss}/entities/{_quoted(runs.xss + '/' + XSS[0])}",
            f"/compare?a={runs.xss}&b={runs.xss}",
        ]
        for path in pages:
            text = client.get(path).text
            for payload in XSS:
                assert payload not in text, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path

    def test_headers_forbid_inline_scripts(self, client: TestClient) -> None:
        """Every response carries a CSP without 'unsafe-inline' and nosniff."""
        for path in ("/", "/runs/nope", "/static/style.css"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert headers["x-content-type-options"] == "nosniff"

    def test_pages_have_no_inline_script(self, client: TestClient, runs: Runs) -> None:
        """Scripts come only from /static (the CSP would block inline ones anyway)."""
        text = client.get(f"/runs/{runs.failing}").text
        assert text.count("<script") == 1 and '<script src="/static/app.js"' in text

    def test_other_host_names_are_refused(self, runs: Runs) -> None:
        """Without a token, a request addressed to another host name (DNS rebinding) gets
        a 403."""
        with TestClient(create_app(runs.db), base_url="http://evil.example") as other:
            assert other.get("/").status_code == 403

    def test_token_is_required_when_set(self, runs: Runs) -> None:
        """With a token, requests without it get a 401; ``?token=`` once sets a cookie that
        lets later requests in."""
        app = create_app(runs.db, token="s3cret-s3cret-s3cret")
        with TestClient(app, base_url="http://192.0.2.1") as remote:
            assert remote.get("/").status_code == 401
            assert remote.get("/?token=wrong").status_code == 401
            first = remote.get("/?token=s3cret-s3cret-s3cret")
            assert (
                first.status_code == 200 and "panther_events_token" in first.headers["set-cookie"]
            )
            assert remote.get("/api/runs").status_code == 200  # the cookie
            assert (
                TestClient(
                    create_app(runs.db, token="s3cret-s3cret-s3cret"), base_url="http://192.0.2.1"
                )
                .get("/api/runs", headers={"authorization": "Bearer s3cret-s3cret-s3cret"})
                .status_code
                == 200
            )

    def test_serving_never_changes_the_store(self, runs: Runs, db_copy: Path) -> None:
        """Reading every page leaves the database file byte for byte as it was."""
        before = hashlib.sha256(db_copy.read_bytes()).hexdigest()
        with TestClient(create_app(db_copy), base_url="http://127.0.0.1") as own:
            for path in ("/", f"/runs/{runs.failing}", f"/compare?a={runs.failing}&b=latest"):
                assert own.get(path).status_code == 200
        assert hashlib.sha256(db_copy.read_bytes()).hexdigest() == before

    def test_missing_store_is_an_error_not_a_new_file(self, tmp_path: Path) -> None:
        """create_app on a path with no store raises and creates nothing."""
        from panther_events.exceptions import StoreError

        with pytest.raises(StoreError, match="no event store"):
            create_app(tmp_path / "missing.db")
        assert not (tmp_path / "missing.db").exists()


class TestScale:
    def test_big_run_pages_and_aggregates(self, tmp_path: Path) -> None:
        """A run of 100,000 events: the run page shows one page of events, a timeline of a
        lane per entity (not per event), and its last page is reachable."""
        db = tmp_path / "big.db"
        run_id = big_run(db, 100_000)
        with TestClient(create_app(db), base_url="http://127.0.0.1") as big:
            text = big.get(f"/runs/{run_id}").text
            assert text.count('<tr><td class="num">') == 100
            timeline = text[text.index('class="timeline"') : text.index("</svg>")]
            assert timeline.count('class="state"') < 200
            assert "older →" in text
            last = big.get(f"/api/runs/{run_id}/events?page=1000").json()
            assert [e["seq"] for e in last["events"]] == list(range(100, 0, -1))
            assert not last["has_next"]


class TestStepEntity:
    def test_step_entity_shows_its_duration(self, client: TestClient, runs: Runs) -> None:
        """A step's page shows its duration and outcome."""
        entity = f"{runs.failing}/bad-exit/step/exit-three"
        text = client.get(f"/runs/{runs.failing}/entities/{_quoted(entity)}").text
        assert "step.execution_completed" in text
        metrics = text[text.index("Metrics") : text.index("Events")]
        assert "duration" in metrics and "passed" in metrics


class TestRunsTableFragment:
    def test_fragment_is_the_filtered_table(self, client: TestClient, runs: Runs) -> None:
        """/runs-table is the runs page's table (what the live runs page refetches), filtered
        as the page is; the page follows the store-wide stream."""
        table = client.get("/runs-table?experiment=echo").text
        assert runs.echo in table and runs.failing not in table
        assert "<html" not in table
        assert 'data-live-url="/api/live?after=' in client.get("/").text
        assert client.get("/api/live?after=x").status_code == 400


def _many_runs(db: Path, count: int) -> list[str]:
    """``count`` runs of one event each (experiments ``alpha`` and ``beta`` in turn), the
    oldest first, in a store at ``db``."""
    from datetime import UTC, datetime, timedelta

    from panther_events import ExperimentInitializedEvent, SQLiteEventStore

    start = datetime(2026, 1, 1, tzinfo=UTC)
    run_ids = []
    with SQLiteEventStore(db) as store:
        for n in range(count):
            name = "alpha" if n % 2 == 0 else "beta"
            run_id = f"{name}-{n:04d}"
            event = ExperimentInitializedEvent(run_id, config={"name": name})
            event.timestamp = start + timedelta(minutes=n)
            store.append(event, run_id=run_id)
            run_ids.append(run_id)
    return run_ids


class TestRunsPaging:
    def test_the_runs_page_shows_one_page_of_runs_and_links_the_others(
        self, tmp_path: Path
    ) -> None:
        """3,000 runs: the runs page lists 50, the newest first, says how many pages there are
        and links the next and previous; the last page holds the oldest; the compare form
        offers the page's runs, not all 3,000."""
        db = tmp_path / "many.db"
        run_ids = _many_runs(db, 3000)
        with TestClient(create_app(db), base_url="http://127.0.0.1") as many:
            first = many.get("/").text
            assert first.count('<td class="mono">') == 50
            assert run_ids[-1] in first and run_ids[-50] in first and run_ids[-51] not in first
            assert "page 1 of 60" in first and "?page=2" in first
            compare = first[first.index('class="compare-form"') :]
            assert compare.count("<option value=") == 2 * 50
            assert len(first) < 100_000
            last = many.get("/?page=60").text
            assert run_ids[0] in last and "?page=59" in last and "?page=61" not in last
            assert "page 60 of 60" in last

    def test_paging_keeps_the_experiment_filter(self, tmp_path: Path) -> None:
        """Filtered by experiment, the pages count the matching runs and their links keep
        the filter; the live fragment is the same page."""
        db = tmp_path / "many.db"
        run_ids = _many_runs(db, 120)
        with TestClient(create_app(db), base_url="http://127.0.0.1") as many:
            text = many.get("/?experiment=beta&page=2").text
            assert "page 2 of 2" in text
            assert "experiment=beta&amp;page=1" in text
            shown = [r for r in run_ids if r.startswith("beta")][:10]
            assert all(r in text for r in shown)
            assert not any(r.startswith("alpha") and r in text for r in run_ids)
            fragment = many.get("/runs-table?experiment=beta&page=2").text
            assert all(r in fragment for r in shown)

    @pytest.mark.parametrize("page", ["0", "x", "61"])
    def test_a_page_that_does_not_exist_is_one_clear_error(self, tmp_path: Path, page: str) -> None:
        """``page`` out of range or not a number: an error page that names it."""
        db = tmp_path / "many.db"
        _many_runs(db, 3000)
        with TestClient(create_app(db), base_url="http://127.0.0.1") as many:
            response = many.get(f"/?page={page}")
            assert response.status_code in (400, 404)
            assert "page" in response.text and page in response.text
