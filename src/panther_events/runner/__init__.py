"""The experiment runner: load an experiment file, run its tests on real processes, emit events.

Importing this package needs the ``cli`` extra (PyYAML, pydantic, psutil).
"""

from __future__ import annotations

try:
    import psutil  # noqa: F401
    import pydantic  # noqa: F401
    import yaml  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from ..exceptions import MissingExtraError

    raise MissingExtraError("the experiment runner", exc.name or "pyyaml", "cli") from exc

from .engine import ExperimentRunner
from .loading import ExperimentFile, load_experiment, parse_experiment
from .plugins import (
    Assertion,
    AssertionContext,
    AssertionOutcome,
    PluginCatalog,
    ServiceView,
    Step,
    StepContext,
    StepFailed,
    StepOutput,
    StepRecord,
    StrictParams,
)
from .results import AssertionRecord, ExperimentOutcome, TestOutcome
from .schema import ExperimentSpec

__all__ = [
    "Assertion",
    "AssertionContext",
    "AssertionOutcome",
    "AssertionRecord",
    "ExperimentFile",
    "ExperimentOutcome",
    "ExperimentRunner",
    "ExperimentSpec",
    "PluginCatalog",
    "ServiceView",
    "Step",
    "StepContext",
    "StepFailed",
    "StepOutput",
    "StepRecord",
    "StrictParams",
    "TestOutcome",
    "load_experiment",
    "parse_experiment",
]
