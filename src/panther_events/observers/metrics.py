"""MetricsObserver: aggregate ``metrics.*`` events and lifecycle durations into summaries.

Each series is a metric name plus a label set. Sources:

- ``metrics.collected``: ``metric_name`` = ``value``; labels from ``labels`` plus ``phase``,
  ``test_case`` and ``component`` when set;
- ``metrics.timing``: ``timing_<operation_name>_seconds`` = ``duration``;
- ``metrics.counter``: ``<counter_name>`` = ``value`` (increments; ``sum`` is the total);
- ``metrics.resource``: ``resource_<resource_type>`` = ``usage_value``;
- test lifecycles: ``test_duration_seconds{outcome="passed"|"failed"}`` from a test's first
  event (or ``total_duration_seconds``) to ``test.completed``/``test.failed``;
- steps: ``step_duration_seconds{step=...,outcome=...}`` (``test.step_*`` and ``step.*``);
- services: ``service_startup_seconds{service=...}`` from ``service.deployment_started`` (or
  ``service.created``) to ``service.ready``, and ``service_uptime_seconds{service=...}`` from
  ``service.started`` (or the reported ``uptime_seconds``) to ``service.stopped``.

Every series keeps count, sum, min, max and mean exactly, and p50/p95 over its samples (a
uniform reservoir of ``max_samples`` once a series has more). A metric sample that is not a
finite number (NaN, an infinity, a string) is not aggregated: it is counted in ``skipped`` and
logged once per metric.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._visible import visible
from ..observer import Observer
from ._util import EventView, view

logger = logging.getLogger(__name__)

__all__ = ["MetricSeries", "MetricsObserver"]

LabelSet = tuple[tuple[str, str], ...]

_NAME_BAD = re.compile(r"[^a-zA-Z0-9_:]")
_LABEL_BAD = re.compile(r"[^a-zA-Z0-9_]")


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass
class MetricSeries:
    """The aggregate of one metric and label set.

    Attributes:
        name: the metric name.
        labels: its label set, sorted by label name.
    """

    name: str
    labels: LabelSet
    count: int = 0
    sum: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    max_samples: int = 10_000
    _samples: list[float] = field(default_factory=list, repr=False)
    _rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def add(self, value: float) -> None:
        """Record one sample."""
        self.count += 1
        self.sum += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        if len(self._samples) < self.max_samples:
            self._samples.append(value)
        else:  # reservoir sampling keeps a uniform sample of everything seen
            slot = self._rng.randrange(self.count)
            if slot < self.max_samples:
                self._samples[slot] = value

    def stats(self) -> dict[str, Any]:
        """Return count, sum, min, max, mean, p50 and p95 (None where there are no samples)."""
        if not self.count:
            return dict.fromkeys(("count", "sum", "min", "max", "mean", "p50", "p95"), None)
        ordered = sorted(self._samples)
        return {
            "count": self.count,
            "sum": self.sum,
            "min": self.min,
            "max": self.max,
            "mean": self.sum / self.count,
            "p50": _quantile(ordered, 0.5),
            "p95": _quantile(ordered, 0.95),
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    number = float(value)
    return number if math.isfinite(number) else None


class MetricsObserver(Observer):
    """Aggregate metric events and lifecycle durations per metric and label set.

    Register it for every event; it is safe to run in the background and to read from any
    thread. ``summary()`` gives a dict, ``to_json()`` and ``to_prometheus()`` text exports.

    Args:
        max_samples: samples kept per series for the percentiles.
        prefix: prepended to metric names in the Prometheus export.
    """

    def __init__(self, *, max_samples: int = 10_000, prefix: str = "panther_") -> None:
        self.max_samples = max_samples
        self.prefix = prefix
        self._series: dict[tuple[str, LabelSet], MetricSeries] = {}
        self._lock = threading.Lock()
        # entity id -> (start time, labels) of lifecycles in progress
        self._test_start: dict[str, datetime] = {}
        self._step_start: dict[tuple[str, str], datetime] = {}
        self._service_deploy: dict[str, datetime] = {}
        self._service_start: dict[str, datetime] = {}
        #: Metric name -> samples that were not finite numbers (not aggregated).
        self.skipped: dict[str, int] = {}

    def record(self, name: str, value: float, labels: dict[str, Any] | None = None) -> None:
        """Add one sample to the series ``name`` with ``labels`` (values are made strings)."""
        label_set: LabelSet = tuple(
            sorted((str(k), str(v)) for k, v in (labels or {}).items() if v is not None)
        )
        with self._lock:
            series = self._series.get((name, label_set))
            if series is None:
                series = MetricSeries(name, label_set, max_samples=self.max_samples)
                self._series[(name, label_set)] = series
            series.add(value)

    # -- receiving ------------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """Update the aggregates with one event; unrelated events are ignored."""
        ev = view(event)
        domain = ev.type.split(".", 1)[0]
        if domain == "metrics":
            self._on_metric(ev)
        elif domain == "test":
            self._on_test(ev)
        elif domain == "step":
            self._on_step(ev)
        elif domain == "service":
            self._on_service(ev)

    # The guide's method names route to the same handler.
    on_test_case_started = on_event
    on_test_case_finished = on_event

    @staticmethod
    def _context(ev: EventView) -> dict[str, Any]:
        return {k: ev.get(k) for k in ("phase", "test_case", "component")}

    def _on_metric(self, ev: EventView) -> None:
        kind = ev.type
        if kind == "metrics.collected":
            name = str(ev.get("metric_name", ev.entity_id))
            value = self._sample(name, ev.get("value"))
            if value is not None:
                labels = {**self._context(ev), **(ev.get("labels") or {})}
                self.record(name, value, labels)
        elif kind == "metrics.timing":
            name = f"timing_{ev.get('operation_name', ev.entity_id)}_seconds"
            value = self._sample(name, ev.get("duration"))
            if value is not None:
                self.record(name, value, self._context(ev))
        elif kind == "metrics.counter":
            name = str(ev.get("counter_name", ev.entity_id))
            value = self._sample(name, ev.get("value"))
            if value is not None:
                self.record(name, value, self._context(ev))
        elif kind == "metrics.resource":
            name = f"resource_{ev.get('resource_type', ev.entity_id)}"
            value = self._sample(name, ev.get("usage_value"))
            if value is not None:
                labels = {k: ev.get(k) for k in ("component", "test_case")}
                self.record(name, value, labels)

    def _sample(self, name: str, raw: Any) -> float | None:
        """``raw`` as a finite number; else None, counted in ``skipped`` (logged once per
        metric): NaN, infinities and non-numbers cannot enter the aggregates."""
        value = _number(raw)
        if value is None:
            with self._lock:
                first = name not in self.skipped
                self.skipped[name] = self.skipped.get(name, 0) + 1
            if first:
                logger.warning(
                    "metric %r: sample %s is not a finite number and is not aggregated "
                    "(such samples are counted in MetricsObserver.skipped)",
                    name,
                    visible(repr(raw)),
                )
        return value

    def _elapsed(self, start: datetime | None, ev: EventView, *keys: str) -> float | None:
        for key in keys:
            reported = _number(ev.get(key))
            if reported is not None:
                return reported
        return None if start is None else max(0.0, (ev.timestamp - start).total_seconds())

    def _on_test(self, ev: EventView) -> None:
        kind = ev.type
        with self._lock:
            self._test_start.setdefault(ev.entity_id, ev.timestamp)
        if kind in ("test.completed", "test.failed"):
            with self._lock:
                start = self._test_start.pop(ev.entity_id, None)
            outcome = "passed" if kind == "test.completed" else "failed"
            duration = self._elapsed(start, ev, "total_duration_seconds")
            if duration is not None:
                self.record("test_duration_seconds", duration, {"outcome": outcome})
        elif kind == "test.step_started":
            with self._lock:
                self._step_start[(ev.entity_id, str(ev.get("step_name")))] = ev.timestamp
        elif kind in ("test.step_completed", "test.step_failed"):
            step = str(ev.get("step_name"))
            with self._lock:
                start = self._step_start.pop((ev.entity_id, step), None)
            duration = self._elapsed(start, ev, "duration_seconds")
            if duration is not None:
                outcome = "passed" if kind == "test.step_completed" else "failed"
                self.record("step_duration_seconds", duration, {"step": step, "outcome": outcome})

    def _on_step(self, ev: EventView) -> None:
        kind = ev.type
        key = ("step", ev.entity_id)
        if kind == "step.execution_started":
            with self._lock:
                self._step_start[key] = ev.timestamp
        elif kind in ("step.execution_completed", "step.execution_failed"):
            with self._lock:
                start = self._step_start.pop(key, None)
            duration = self._elapsed(start, ev, "duration")
            if duration is not None:
                outcome = "passed" if kind == "step.execution_completed" else "failed"
                step = str(ev.get("step_name", ev.entity_id))
                self.record("step_duration_seconds", duration, {"step": step, "outcome": outcome})

    def _on_service(self, ev: EventView) -> None:
        kind = ev.type
        sid = ev.entity_id
        labels = {"service": ev.get("service_name", sid)}
        with self._lock:
            if kind in ("service.created", "service.deployment_started"):
                if kind == "service.deployment_started" or sid not in self._service_deploy:
                    self._service_deploy[sid] = ev.timestamp
                return
            if kind == "service.started":
                self._service_start[sid] = ev.timestamp
                self._service_deploy.setdefault(sid, ev.timestamp)
                return
            deploy = self._service_deploy.pop(sid, None) if kind == "service.ready" else None
            start = self._service_start.pop(sid, None) if kind == "service.stopped" else None
        if kind == "service.ready" and deploy is not None:
            self.record("service_startup_seconds", self._elapsed(deploy, ev) or 0.0, labels)
        elif kind == "service.stopped":
            uptime = self._elapsed(start, ev, "uptime_seconds")
            if uptime is not None:
                self.record("service_uptime_seconds", uptime, labels)

    # -- reporting ------------------------------------------------------------------------

    def series(self) -> list[MetricSeries]:
        """Return every series, sorted by name then labels."""
        with self._lock:
            return sorted(self._series.values(), key=lambda s: (s.name, s.labels))

    def summary(self) -> dict[str, list[dict[str, Any]]]:
        """Return ``{metric name: [{"labels": {...}, "count": ..., "p95": ...}, ...]}``."""
        result: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for series in sorted(self._series.values(), key=lambda s: (s.name, s.labels)):
                entry = {"labels": dict(series.labels), **series.stats()}
                result.setdefault(series.name, []).append(entry)
        return result

    def get(self, name: str, **labels: Any) -> dict[str, Any] | None:
        """Return the stats of the series ``name`` with exactly ``labels``, or None."""
        label_set = tuple(sorted((k, str(v)) for k, v in labels.items()))
        with self._lock:
            series = self._series.get((name, label_set))
            return series.stats() if series is not None else None

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return ``summary()`` as JSON text."""
        return json.dumps(self.summary(), indent=indent, ensure_ascii=False)

    def to_prometheus(self) -> str:
        """Return the aggregates in the Prometheus text exposition format (version 0.0.4).

        Each metric is a ``summary`` (quantiles 0.5 and 0.95, ``_sum``, ``_count``) plus
        ``_min`` and ``_max`` gauges. Names and label names are sanitised to the allowed
        characters and prefixed with ``prefix``.
        """
        lines: list[str] = []
        for name, entries in self.summary().items():
            metric = self.prefix + _NAME_BAD.sub("_", name)
            if metric[0].isdigit():
                metric = "_" + metric
            lines.append(f"# HELP {metric} {_escape_help(name)} (from panther-events)")
            lines.append(f"# TYPE {metric} summary")
            for entry in entries:
                labels = entry["labels"]
                for quantile, key in (("0.5", "p50"), ("0.95", "p95")):
                    value = _format(entry[key])
                    lines.append(f"{metric}{_labels(labels, quantile=quantile)} {value}")
                lines.append(f"{metric}_sum{_labels(labels)} {_format(entry['sum'])}")
                lines.append(f"{metric}_count{_labels(labels)} {entry['count']}")
            for suffix in ("min", "max"):
                lines.append(f"# TYPE {metric}_{suffix} gauge")
                for entry in entries:
                    value = _format(entry[suffix])
                    lines.append(f"{metric}_{suffix}{_labels(entry['labels'])} {value}")
        return "\n".join(lines) + ("\n" if lines else "")


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


def _escape_value(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(labels: dict[str, str], **extra: str) -> str:
    pairs = {**labels, **extra}
    if not pairs:
        return ""
    parts = []
    for key, value in pairs.items():
        clean = _LABEL_BAD.sub("_", key)
        if clean[0].isdigit():
            clean = "_" + clean
        parts.append(f'{clean}="{_escape_value(value)}"')
    return "{" + ",".join(parts) + "}"


def _format(value: float | None) -> str:
    if value is None:
        return "NaN"
    return repr(float(value))
