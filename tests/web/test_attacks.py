"""An adversarial user of the dashboard: hostile run ids, entity ids, types, metric names and
data keys; every link the pages give must answer, and every value must show as inert text."""

from __future__ import annotations

import html
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from selenium import webdriver
from starlette.testclient import TestClient

from panther_events import (
    ExperimentInitializedEvent,
    ServiceCreatedEvent,
    TestCompletedEvent,
    TestCreatedEvent,
    TestFailedEvent,
)
from panther_events.cli.serve import start_dashboard
from panther_events.events.metrics import MetricsSummaryEvent, ResourceMetricEvent
from panther_events.serialization import event_to_dict
from panther_events.store import SQLiteEventStore
from panther_events.web import _source, create_app
from panther_events.web.app import entity_path, run_path

from ._runs import XSS, big_run, cli
from .conftest import Runs

#: Run ids a NATS producer or an imported file may carry: a slash, HTML, controls, bidi.
SLASHED = "lab/run-1" + XSS[0]
CONTROLS = "ctl\u202edeliaf\x00\x1b[31m\x85"
HOSTILE_RUNS = (SLASHED, CONTROLS, "plain" + XSS[1])
#: A run whose test fails with a 200,000-character reason of one unbroken word.
HUGE = "huge-run"
HUGE_REASON = "<b>" + "A" * 200_000


def _hostile_events(run_id: str, payload: str) -> list[object]:
    test_id = f"{run_id}/{payload}"
    service_id = f"{test_id}/service/{payload}"
    return [
        ExperimentInitializedEvent(run_id, config={"name": payload}),
        TestCreatedEvent(test_id, payload, description=payload),
        ServiceCreatedEvent(service_id, payload, "process", payload),
        MetricsSummaryEvent({payload: 1.5}, test_case=payload),
        ResourceMetricEvent("cpu_seconds", 0.1, component=payload, test_case=payload),
        TestFailedEvent(test_id, payload, error_message=payload, phase=payload)
        if payload != XSS[1]
        else TestCompletedEvent(test_id, payload),
    ]


def _custom_wire(run_id: str, payload: str) -> dict[str, object]:
    """An event of an unknown type whose every field is ``payload``."""
    wire = event_to_dict(TestCreatedEvent(f"{run_id}/custom", payload))
    wire.update(
        id=f"custom-{abs(hash(run_id))}",
        type=f"{payload}.{payload}",
        name=payload,
        entity_type=payload,
        entity_id=payload,
        data={payload: payload},
    )
    return wire


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of runs whose ids, names, types, metric names and data keys are hostile."""
    db = tmp_path_factory.mktemp("hostile") / "events.db"
    with SQLiteEventStore(db) as store:
        for run_id, payload in zip(HOSTILE_RUNS, (XSS[0], CONTROLS, XSS[1]), strict=True):
            store.append_many(_hostile_events(run_id, payload), run_id=run_id)
            store.append_wire([_custom_wire(run_id, payload)], run_id=run_id)
        store.append_many(
            [
                ExperimentInitializedEvent(HUGE, config={"name": "huge"}),
                TestCreatedEvent(f"{HUGE}/t", "t"),
                TestFailedEvent(f"{HUGE}/t", "t", error_message=HUGE_REASON, phase="assertions"),
            ],
            run_id=HUGE,
        )
    return db


@pytest.fixture
def hostile(hostile_db: Path) -> Iterator[TestClient]:
    """Starlette's test client over the hostile store."""
    with TestClient(create_app(hostile_db), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def hostile_served(hostile_db: Path) -> Iterator[httpx.Client]:
    """An HTTP client of the dashboard over the hostile store, served by uvicorn (the test
    client decodes a path twice, so quoting is tested against the real server)."""
    dashboard = start_dashboard(hostile_db)
    try:
        with httpx.Client(base_url=dashboard.url, timeout=30) as client:
            yield client
    finally:
        dashboard.stop()


def _links(text: str) -> list[str]:
    """Every same-site URL a page links to or hands its script (href, src, data-*-url)."""
    found = re.findall(r'(?:href|src|data-[a-z-]*url)="(/[^"]*)"', text)
    return [html.unescape(u).split("#")[0] for u in found]


def test_every_link_of_a_hostile_run_answers(hostile_served: httpx.Client) -> None:
    """From the runs page, every link of every page (run, overview, JSON, live, entity,
    compare) answers 200, whatever the run id holds (a slash included)."""
    seen: set[str] = set()
    todo = ["/"]
    while todo:
        url = todo.pop()
        if url in seen or url.startswith("/static/"):
            continue
        seen.add(url)
        if url.startswith("/api/") and "/live" in url:
            with hostile_served.stream("GET", url) as response:
                assert response.status_code == 200, url
            continue
        response = hostile_served.get(url)
        assert response.status_code == 200, url
        if "text/html" in response.headers["content-type"]:
            todo += _links(response.text)
    assert len([u for u in seen if u.startswith("/runs/")]) >= 3 * len(HOSTILE_RUNS)


#: What must never reach a page raw: C0/C1 controls and the bidi override that reorders text.
_RAW_CONTROLS = ("\x00", "\x1b", "\x85", "\u202e")


def test_control_and_bidi_characters_show_as_escapes(hostile_served: httpx.Client) -> None:
    """A run id, test name, type or data holding NUL, ESC, a C1 control or a right-to-left
    override shows those as visible escapes on every page and in the live rows' JSON, the
    way the terminal shows them (a reversed "deliaf" must not read as "failed")."""
    test_id = f"{CONTROLS}/{CONTROLS}"
    paths = [
        "/",
        run_path(CONTROLS),
        f"{run_path(CONTROLS)}/overview",
        entity_path(CONTROLS, test_id),
        f"/compare?a={quote(CONTROLS)}&b={quote(CONTROLS)}",
    ]
    for path in paths:
        response = hostile_served.get(path)
        assert response.status_code == 200, path
        # Form values (not shown) stay exact: see test_exact_values_survive_in_forms.
        shown = re.sub(r'value="[^"]*"', "", response.text)
        for char in _RAW_CONTROLS:
            assert char not in shown, (path, char)
        assert "\\u202edeliaf\\x00\\x1b[31m\\x85" in html.unescape(shown), path


def test_exact_values_survive_in_forms(hostile_served: httpx.Client) -> None:
    """Values a form sends back (the compare pickers) keep the exact run id, so comparing a
    run whose id holds controls still works."""
    page = hostile_served.get("/").text
    options = re.findall(r'<option value="([^"]*)"', page)
    assert CONTROLS in [html.unescape(v) for v in options]
    response = hostile_served.get("/compare", params={"a": CONTROLS, "b": CONTROLS})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/runs/latest/live?after=99999999999999999999999", 400),
        ("/api/runs/latest/live?after=-1", 400),
        ("/api/live?after=99999999999999999999999", 400),
        ("/api/live?after=-1", 400),
        ("/runs/latest/entities/", 404),
        ("/api/runs/latest/events?entity=", 200),
    ],
)
def test_out_of_range_values_get_an_error_not_a_traceback(
    hostile_served: httpx.Client, path: str, status: int
) -> None:
    """A live position SQLite cannot hold, a negative one, or an empty entity get a clear
    400 or 404 at once (a too-large position used to crash the stream after its 200)."""
    with hostile_served.stream("GET", path) as response:
        assert response.status_code == status, path
        if status != 200:
            assert "Traceback" not in response.read().decode()


def test_a_non_ascii_token_attempt_is_refused_not_a_server_error(hostile_db: Path) -> None:
    """A request carrying a token with non-ASCII characters gets a 401, never a 500 (the
    comparison of text tokens used to raise)."""
    token = "k" * 24
    with TestClient(create_app(hostile_db, token=token), base_url="http://192.0.2.1") as remote:
        assert remote.get("/", params={"token": "sécret"}).status_code == 401
        assert remote.get("/", params={"token": token}).status_code == 200


@pytest.mark.parametrize(
    "token", ["a", "short-token", "s\u00e9cret-s\u00e9cret-s\u00e9cret", "x" * 20 + "&#"]
)
def test_weak_or_unsafe_tokens_are_refused(hostile_db: Path, token: str) -> None:
    """A token shorter than 16 characters, or holding characters that a URL or cookie would
    mangle, is refused at start with one line saying what a good token is."""
    proc = cli("serve", "--db", str(hostile_db), "--host", "0.0.0.0", "--token", token, timeout=30)
    assert proc.returncode == 2, proc.stdout
    assert "at least 16" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="at least 16"):
        create_app(hostile_db, token=token)


def test_compare_command_shows_bidi_overrides_as_escapes(hostile_db: Path) -> None:
    """``panther-events compare`` prints a right-to-left override, NUL or ESC in a run's names
    as escapes, like every other command (a reversed "deliaf" must not read as "failed")."""
    proc = cli("compare", "ctl", "ctl", "--db", str(hostile_db))  # a prefix: argv holds no NUL
    assert proc.returncode == 0, proc.stderr
    for char in _RAW_CONTROLS:
        assert char not in proc.stdout, repr(char)
    assert "\\u202edeliaf\\x00\\x1b[31m\\x85" in proc.stdout


def test_a_busy_port_is_named_with_the_remedy(hostile_db: Path) -> None:
    """``serve`` on a port already in use says which address and port, and how to pick
    another, in one line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = cli("serve", "--db", str(hostile_db), "--port", str(port), timeout=30)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert f"127.0.0.1:{port}" in proc.stderr and "--port 0" in proc.stderr


def test_a_huge_failure_reason_is_cut_and_wraps(
    hostile_db: Path, hostile_served: httpx.Client, browser: webdriver.Chrome
) -> None:
    """A failure reason of 200,000 characters in one word is cut on the run page (the entity
    page's events keep it whole) and wraps: the page never scrolls sideways."""
    response = hostile_served.get(run_path(HUGE))
    assert response.status_code == 200
    assert len(response.text) < 50_000
    assert "&lt;b&gt;AAAA" in response.text and "…" in response.text
    browser.get(f"{hostile_served.base_url}{run_path(HUGE).lstrip('/')}")
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


def test_compare_page_shows_metrics_in_their_units(client: TestClient, runs: Runs) -> None:
    """Memory metrics show as ``12.8 MB`` and times as seconds, never ``1.28287e+07``."""
    text = client.get("/compare", params={"a": runs.echo, "b": runs.failing}).text
    assert "peak_memory_bytes" in text
    assert "e+0" not in text
    assert re.search(r"<td class=\"num\">\d+\.\d MB</td>", text)


def test_comparing_a_run_with_itself_says_so(client: TestClient, runs: Runs) -> None:
    """The same run on both sides is named as such (page, terminal and JSON), so an empty
    comparison is not mistaken for "nothing changed between two runs"."""
    text = client.get("/compare", params={"a": runs.failing, "b": runs.failing}).text
    assert "the same run on both sides" in text
    proc = cli("compare", runs.failing, runs.failing, "--db", str(runs.db))
    assert "the same run on both sides" in proc.stdout
    proc = cli("compare", runs.failing, runs.failing, "--db", str(runs.db), "--json")
    assert json.loads(proc.stdout)["same_run"] is True
    other = cli("compare", runs.failing, runs.fixed, "--db", str(runs.db), "--json")
    assert json.loads(other.stdout)["same_run"] is False


def test_a_page_too_deep_to_read_cheaply_is_a_400(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that would read more than ``MAX_DEPTH`` events (a filtered page a million
    deep, the middle of a huge run) is refused with what to do instead, not read for
    seconds; pages near either end of an unfiltered run stay reachable."""
    monkeypatch.setattr(_source, "MAX_DEPTH", 300)
    db = tmp_path / "events.db"
    big_run(db, 1000, tests=2)
    with TestClient(create_app(db), base_url="http://127.0.0.1") as client:
        deep = client.get("/runs/big-run", params={"type": "service.*", "page": 40, "size": 10})
        assert deep.status_code == 400
        assert "flip the order or narrow" in html.unescape(deep.text)
        middle = client.get("/api/runs/big-run/events", params={"page": 50, "size": 10})
        assert middle.status_code == 400
        for page in (1, 29, 71, 100):  # near an end: read from that end
            response = client.get("/api/runs/big-run/events", params={"page": page, "size": 10})
            assert response.status_code == 200, page
            assert len(response.json()["events"]) == 10
