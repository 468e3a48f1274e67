"""The dashboard's pages and JSON routes, and ``create_app`` that assembles them.

Pages: ``/`` (runs), ``/runs/{run}`` (one run), ``/runs/{run}/entities/{entity}``,
``/compare?a=RUN&b=RUN``; the fragments live pages refetch: ``/runs-table``,
``/runs/{run}/overview``. JSON: ``/api/runs``, ``/api/runs/{run}``, ``/api/runs/{run}/events``,
``/api/compare``; Server-Sent Events: ``/api/runs/{run}/live`` (one run), ``/api/live`` (the
store grew).
Every page is read-only; unknown runs answer 404 and bad parameters 400, as pages (or JSON
under ``/api``), never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

try:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from ..exceptions import MissingExtraError

    raise MissingExtraError("the dashboard", "starlette, uvicorn and jinja2", "web") from exc

from markupsafe import Markup, escape

from ..cli._terminal import visible, visible_lines
from ..compare import RunSummary
from ..exceptions import PatternError, RunNotFoundError, StoreError
from ..store.base import RunInfo, StoredEvent
from . import _live
from ._security import SecurityMiddleware, check_token
from ._source import PageTooDeepError, Source
from ._svg import MAX_LANES, Bar, bar_chart, lanes, legend, timeline

__all__ = ["create_app"]

_HERE = Path(__file__).parent
#: Events per page of the event stream, unless ``size`` says otherwise (at most MAX_PAGE).
PAGE_SIZE = 100
MAX_PAGE = 1000
#: Runs per page of the runs page, the newest first.
RUNS_PER_PAGE = 50
#: Characters of an event's data shown in the stream (the entity page shows all of it).
DATA_CHARS = 240
#: Characters of a failure's reason or output shown in the failures panel (its events on the
#: entity page keep all of it).
REASON_CHARS = 2000


def _cut(text: str, limit: int = REASON_CHARS) -> str:
    """``text``, or its first ``limit - 1`` characters and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_shown,
    )
    # A value a form sends back (a run id in a picker, a filter) must stay exact: ``exact``
    # escapes it without making its control characters visible.
    env.filters["exact"] = escape
    env.filters["duration"] = fmt_duration
    env.filters["cut"] = _cut
    env.filters["clock"] = lambda t: "-" if t is None else t.strftime("%Y-%m-%d %H:%M:%S")
    env.filters["qs"] = lambda params: urlencode({k: v for k, v in params.items() if v})
    env.globals["run_path"] = run_path
    env.globals["entity_path"] = entity_path
    env.globals["api_path"] = api_path
    env.globals["measure"] = fmt_measure
    return env


def _shown(value: Any) -> Any:
    """Every text a template prints, with its control and bidi characters made visible (as
    the terminal shows them): a NUL, an escape sequence or a right-to-left override in an
    event cannot hide or reorder what a page says. Line breaks stay line breaks (a service's
    output, a reason of several lines), which HTML cannot be made to hide anything with.
    Markup (already built) is left as is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible_lines(value)
    return value


def fmt_duration(seconds: float | None) -> str:
    """``0.042 s``, ``12.3 s``, ``4m05s``: a duration for people; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.3f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def fmt_bytes(value: float) -> str:
    """``12.3 MB``: a memory size for people."""
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop always returns


def fmt_measure(name: str, value: float | None) -> str:
    """A metric's value for people, by its name's unit: ``12.8 MB`` for ``*_bytes``,
    ``0.042 s`` for ``*_seconds``, else up to six significant digits; ``-`` when absent."""
    if value is None:
        return "-"
    if name.endswith("_bytes"):
        return fmt_bytes(value)
    if name.endswith("_seconds"):
        return fmt_duration(value)
    return f"{value:.6g}"


def run_path(run_id: str) -> str:
    """The URL path of a run's page.

    The id is quoted twice: the server decodes a path (``%2F`` included) before routing, so a
    run id holding a slash would otherwise split the path; ``run_id`` of the route quotes it
    back once. Ids of letters, digits and ``-_.~`` are unchanged.
    """
    return f"/runs/{quote(quote(run_id, safe=''), safe='')}"


def api_path(run_id: str) -> str:
    """The URL path of a run's JSON."""
    return f"/api{run_path(run_id)}"


def entity_path(run_id: str, entity_id: str) -> str:
    """The URL path of an entity's page within a run."""
    return f"{run_path(run_id)}/entities/{quote(entity_id, safe='')}"


def _event_row(stored: StoredEvent) -> dict[str, Any]:
    """The fields the event stream shows, as plain values (the browser sets them as text)."""
    data = json.dumps(stored.data, ensure_ascii=False, separators=(", ", ": "), default=str)
    return {
        "seq": stored.seq,
        "position": stored.position,
        "time": stored.timestamp.strftime("%H:%M:%S.%f")[:-3],
        "type": visible(stored.type),
        "entity_id": visible(stored.entity_id),
        # Runner ids start with the run id: the page is the run's, so it is left out.
        "entity_label": visible(stored.entity_id.removeprefix(stored.run_id + "/")),
        "entity_href": entity_path(stored.run_id, stored.entity_id),
        "data": visible(_cut(data, DATA_CHARS)),
    }


def _header(summary: RunSummary, info: RunInfo) -> dict[str, Any]:
    """The live header's values (the page renders them; the live stream updates them): the
    store's ``info`` of the run, and the test counts of ``summary``."""
    counts = summary.counts()
    return {
        "run_id": info.run_id,
        "status": info.status,
        "passed": counts["passed"],
        "failed": counts["failed"] + counts["error"],
        "total": counts["total"],
        "events": info.event_count,
        "first_time": info.first_time.isoformat() if info.first_time else None,
        "last_time": info.last_time.isoformat() if info.last_time else None,
        "elapsed": fmt_duration(info.duration_seconds),
    }


def _charts(summary: RunSummary) -> dict[str, Any]:
    run_id = summary.run_id
    tests = [
        Bar(t.name, t.duration_seconds, entity_path(run_id, t.test_id), t.outcome)
        for t in summary.tests
        if t.duration_seconds is not None
    ]
    steps = [
        Bar(f"{t.name} / {s.name}", s.duration_seconds, None, s.outcome)
        for t in summary.tests
        for s in t.steps
        if s.duration_seconds is not None
    ]
    cpu = [
        Bar(f"{s.test} / {s.name}", s.cpu_seconds, entity_path(run_id, s.service_id))
        for s in summary.services
        if s.cpu_seconds is not None
    ]
    memory = [
        Bar(f"{s.test} / {s.name}", s.peak_memory_bytes, entity_path(run_id, s.service_id))
        for s in summary.services
        if s.peak_memory_bytes is not None
    ]
    return {
        "test_durations": bar_chart(tests, fmt_duration),
        "step_durations": bar_chart(steps, fmt_duration),
        "service_cpu": bar_chart(cpu, fmt_duration),
        "service_memory": bar_chart(memory, fmt_bytes),
    }


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise HTTPException(400, f"{name} must be between {low} and {high}, got {value}")
    return value


#: The largest store position (SQLite's INTEGER).
_MAX_POSITION = 2**63 - 1


def _resume_position(request: Request) -> int | None:
    """The store position a live stream resumes after (``Last-Event-ID`` or ``?after=``);
    None: from now.

    Raises:
        HTTPException: 400 when it is not a whole number from 0 to the largest position.
    """
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= _MAX_POSITION:
        raise HTTPException(400, f"after must be a store position (0 or more), got {raw!r}")
    return value


class _Dashboard:
    """The route handlers, sharing one ``Source`` and one template environment."""

    def __init__(self, source: Source, *, poll_interval: float) -> None:
        self.source = source
        self.env = _env()
        self.poll_interval = poll_interval
        # Set when the server is asked to stop: live streams end on their next look, so the
        # server stops at once instead of waiting for open pages.
        self.stopping = threading.Event()

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)

    def run_id(self, request: Request, key: str = "run") -> str:
        """The run id a path (quoted once more, see ``run_path``) or query parameter names."""
        ref = unquote(request.path_params.get(key, "")) or request.query_params.get(key) or ""
        try:
            return self.source.resolve(ref)
        except RunNotFoundError as exc:
            raise HTTPException(404, str(exc)) from None

    def event_page(self, request: Request, run_id: str, entity: str | None = None) -> Any:
        type_pattern = request.query_params.get("type") or None
        entity = entity or request.query_params.get("entity") or None
        page = _int_param(request, "page", 1, 1, 1_000_000)
        size = _int_param(request, "size", PAGE_SIZE, 1, MAX_PAGE)
        order = request.query_params.get("order", "desc") or "desc"
        if order not in ("asc", "desc"):
            raise HTTPException(400, f"order must be 'asc' or 'desc', got {order!r}")
        try:
            found = self.source.events(
                run_id,
                type_pattern=type_pattern,
                entity_id=entity,
                page=page,
                size=size,
                newest_first=order == "desc",
            )
        except PatternError as exc:
            raise HTTPException(400, f"bad type filter: {exc}") from None
        except PageTooDeepError as exc:
            raise HTTPException(400, str(exc)) from None
        filters = {"type": type_pattern or "", "entity": entity or "", "order": order}
        return found, filters

    # -- pages ----------------------------------------------------------------------------

    def runs_page(self, request: Request, template: str = "runs.html") -> HTMLResponse:
        wanted = (request.query_params.get("experiment") or "").strip()
        page = _int_param(request, "page", 1, 1, 1_000_000)
        rows = self.source.runs()
        shown = [r for r in rows if wanted.lower() in r.experiment.lower()] if wanted else rows
        pages = max(1, -(-len(shown) // RUNS_PER_PAGE))
        if page > pages:
            there = "there is 1 page" if pages == 1 else f"there are {pages} pages"
            raise HTTPException(404, f"no page {page}: {there} of runs")
        start = (page - 1) * RUNS_PER_PAGE
        return self.page(
            template,
            rows=shown[start : start + RUNS_PER_PAGE],
            any_runs=bool(rows),
            page=page,
            pages=pages,
            experiment=wanted,
            experiments=sorted({r.experiment for r in rows}),
            filters={"experiment": wanted} if wanted else {},
            fragment_query=urlencode({"experiment": wanted, "page": page}),
            position=self.source.last_position(),
        )

    def runs_fragment(self, request: Request) -> HTMLResponse:
        return self.runs_page(request, "_runs_table.html")

    def run_page(self, request: Request) -> HTMLResponse:
        run_id = self.run_id(request)
        position = self.source.last_position()
        summary = self.source.summary(run_id)
        found, filters = self.event_page(request, run_id)
        previous = self._previous_run(summary)
        return self.page(
            "run.html",
            header=_header(summary, summary.info),
            events=[_event_row(e) for e in found.events],
            found=found,
            filters=filters,
            live_query=urlencode(
                {"after": position, "type": filters["type"], "entity": filters["entity"]}
            ),
            live=found.page == 1 and filters["order"] == "desc",
            previous=previous,
            **self._overview(summary),
        )

    def _overview(self, summary: RunSummary) -> dict[str, Any]:
        run_id, info = summary.run_id, summary.info
        colours: dict[str, str] = {}
        drawn = lanes(self.source.intervals(run_id), run_id)
        svg = None
        if drawn and info.first_time is not None and info.last_time is not None:
            svg = timeline(
                drawn,
                info.first_time,
                info.last_time,
                lambda entity: entity_path(run_id, entity),
                colours,
            )
        return {
            "timeline": svg,
            "lanes_hidden": max(0, len(drawn) - MAX_LANES),
            "legend": legend(colours),
            "charts": _charts(summary),
            "s": summary,
        }

    def _previous_run(self, summary: RunSummary) -> str | None:
        rows = self.source.runs()
        ids = [r.info.run_id for r in rows if r.experiment == summary.experiment]
        if summary.run_id in ids:
            index = ids.index(summary.run_id)
            if index + 1 < len(ids):
                return ids[index + 1]
        return None

    def overview_fragment(self, request: Request) -> HTMLResponse:
        run_id = self.run_id(request)
        summary = self.source.summary(run_id)
        return self.page("_overview.html", **self._overview(summary))

    def entity_page(self, request: Request) -> HTMLResponse:
        run_id = self.run_id(request)
        entity = request.path_params["entity"]
        if not entity:
            raise HTTPException(404, f"no entity named in {request.url.path!r}")
        found, filters = self.event_page(request, run_id, entity)
        if not found.events and found.page == 1 and not filters["type"]:
            raise HTTPException(404, f"run {run_id} has no events about {entity!r}")
        states = [i for i in self.source.intervals(run_id) if i.entity_id == entity]
        summary = self.source.summary(run_id)
        return self.page(
            "entity.html",
            run_id=run_id,
            experiment=summary.experiment,
            entity=entity,
            states=states,
            metrics=_entity_metrics(summary, entity),
            events=found.events,
            found=found,
            filters=filters,
        )

    def compare_page(self, request: Request) -> HTMLResponse:
        rows = self.source.runs()
        a, b = request.query_params.get("a"), request.query_params.get("b")
        if not a or not b:
            return self.page("compare.html", c=None, rows=rows, a=a or "", b=b or "")
        comparison = self.source.compare(self.run_id(request, "a"), self.run_id(request, "b"))
        return self.page("compare.html", c=comparison, rows=rows, a=a, b=b)

    # -- JSON -----------------------------------------------------------------------------

    def api_runs(self, request: Request) -> JSONResponse:
        return JSONResponse(
            [{**r.info.to_dict(), "experiment": r.experiment} for r in self.source.runs()]
        )

    def api_run(self, request: Request) -> JSONResponse:
        return JSONResponse(self.source.summary(self.run_id(request)).to_dict())

    def api_events(self, request: Request) -> JSONResponse:
        run_id = self.run_id(request)
        found, filters = self.event_page(request, run_id)
        return JSONResponse(
            {
                "run_id": run_id,
                "page": found.page,
                "size": found.size,
                "has_next": found.has_next,
                "filters": filters,
                "events": [{**e.to_dict(), "seq": e.seq} for e in found.events],
            }
        )

    def api_compare(self, request: Request) -> JSONResponse:
        a, b = self.run_id(request, "a"), self.run_id(request, "b")
        return JSONResponse(self.source.compare(a, b).to_dict())

    async def store_live(self, request: Request) -> Response:
        after = _resume_position(request)
        return StreamingResponse(
            _live.store_stream(
                request,
                self.source,
                after=after,
                interval=self.poll_interval,
                stopping=self.stopping,
            ),
            media_type="text/event-stream",
            headers={"cache-control": "no-store"},
        )

    async def live(self, request: Request) -> Response:
        run_id = await run_in_threadpool(self.run_id, request)
        type_pattern = request.query_params.get("type") or None
        entity = request.query_params.get("entity") or None
        after = _resume_position(request)
        try:
            _live.check_pattern(type_pattern)
        except PatternError as exc:
            raise HTTPException(400, f"bad live parameters: {exc}") from None

        def header() -> dict[str, Any]:
            return _header(self.source.summary(run_id, max_age=1.0), self.source.info(run_id))

        stream: AsyncIterator[str] = _live.stream(
            request,
            self.source,
            run_id,
            after=after,
            type_pattern=type_pattern,
            entity_id=entity,
            header=header,
            row=_event_row,
            interval=self.poll_interval,
            stopping=self.stopping,
        )
        return StreamingResponse(
            stream,
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )


def _entity_metrics(summary: RunSummary, entity: str) -> list[tuple[str, str]]:
    """The measurements that belong to ``entity``: a test's or step's duration, a service's
    CPU and memory, and a test's ``metrics.summary`` values."""
    found: list[tuple[str, str]] = []
    for test in summary.tests:
        if test.test_id == entity:
            found.append(("duration", fmt_duration(test.duration_seconds)))
            found.append(("outcome", test.outcome))
            prefix = f"{test.name}: "
            found.extend(
                (name.removeprefix(prefix), fmt_measure(name, value))
                for name, value in summary.metrics.items()
                if name.startswith(prefix)
            )
    if entity in summary.steps:
        test_name, step_name = summary.steps[entity]
        for test in summary.tests:
            if test.name == test_name:
                for step in test.steps:
                    if step.name == step_name:
                        found.append(("duration", fmt_duration(step.duration_seconds)))
                        found.append(("outcome", step.outcome))
    for service in summary.services:
        if service.service_id == entity:
            if service.cpu_seconds is not None:
                found.append(("CPU time", fmt_duration(service.cpu_seconds)))
            if service.peak_memory_bytes is not None:
                found.append(("peak memory", fmt_bytes(service.peak_memory_bytes)))
    return found


def _errors(dashboard: _Dashboard) -> dict[Any, Callable[..., Any]]:
    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        return await _error_response(dashboard, request, status, str(detail))

    async def store_error(request: Request, exc: Exception) -> Response:
        return await _error_response(dashboard, request, 503, f"the event store failed: {exc}")

    async def internal_error(request: Request, exc: Exception) -> Response:
        # Never a traceback in a page: the server's log has it.
        return await _error_response(dashboard, request, 500, "internal error (see the log)")

    return {HTTPException: http_error, StoreError: store_error, Exception: internal_error}


async def _error_response(
    dashboard: _Dashboard, request: Request, status: int, detail: str
) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": detail, "status": status}, status_code=status)
    titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}
    return dashboard.page(
        "error.html", status, status=status, title=titles.get(status, "Error"), detail=detail
    )


def create_app(
    db: str | Path,
    *,
    token: str | None = None,
    extra_hosts: frozenset[str] = frozenset(),
    poll_interval: float = 0.2,
) -> Starlette:
    """Return the dashboard over the SQLite event store at ``db``, as an ASGI application.

    Args:
        db: the store's file; it must exist.
        token: when given, every request must carry it (see ``_security``); give one whenever
            the server listens on an address other than loopback.
        extra_hosts: Host header names accepted besides loopback ones (no token case).
        poll_interval: seconds between the live stream's looks at the store.

    The application's ``state.stopping`` (a ``threading.Event``) ends every live stream within
    ``poll_interval`` once set: set it before stopping the server (``serve`` does).

    Raises:
        StoreError: the file is missing or not an event store.
        ValueError: ``token`` is too short or holds characters a URL or cookie would mangle.
    """
    if token is not None:
        check_token(token)
    source = Source(db)
    dashboard = _Dashboard(source, poll_interval=poll_interval)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        source.close()

    routes = [
        Route("/", dashboard.runs_page, name="runs"),
        Route("/runs-table", dashboard.runs_fragment),
        Route("/runs/{run}", dashboard.run_page, name="run"),
        Route("/runs/{run}/overview", dashboard.overview_fragment, name="overview"),
        Route("/runs/{run}/entities/{entity:path}", dashboard.entity_page, name="entity"),
        Route("/compare", dashboard.compare_page, name="compare"),
        Route("/api/runs", dashboard.api_runs),
        Route("/api/runs/{run}", dashboard.api_run),
        Route("/api/runs/{run}/events", dashboard.api_events),
        Route("/api/runs/{run}/live", dashboard.live),
        Route("/api/live", dashboard.store_live),
        Route("/api/compare", dashboard.api_compare),
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    application = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityMiddleware, token=token, extra_hosts=extra_hosts)],
        exception_handlers=_errors(dashboard),
        lifespan=lifespan,
    )
    application.state.stopping = dashboard.stopping
    return application
