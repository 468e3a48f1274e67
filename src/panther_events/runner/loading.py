"""Reading an experiment file: YAML, schema and plugin-parameter validation, errors with lines.

Validation errors from pydantic carry a location (``("tests", 0, "services", 1, "port")``);
the YAML node tree from ``yaml.compose`` carries line marks. Walking the location through the
node tree gives the line of the offending key, so every problem reads
``echo.yaml:12: tests[0].services[1].port: expected ...``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..exceptions import ExperimentFileError
from ._template import names_in
from .plugins import PluginCatalog, PluginKind, PluginLoadError
from .schema import ExperimentSpec, TestSpec

__all__ = ["ExperimentFile", "load_experiment", "parse_experiment"]

_Loc = tuple[int | str, ...]
_Problem = tuple[int | None, str, str]


@dataclass(frozen=True)
class ExperimentFile:
    """A validated experiment file, ready to run.

    Attributes:
        path: where it was read from.
        spec: the validated experiment.
        step_params: per test, per step, the step plugin's validated parameters.
        assertion_params: per test, per assertion, the assertion plugin's parameters.
    """

    path: Path
    spec: ExperimentSpec
    step_params: tuple[tuple[BaseModel, ...], ...]
    assertion_params: tuple[tuple[BaseModel, ...], ...]


def load_experiment(path: str | Path, catalog: PluginCatalog | None = None) -> ExperimentFile:
    """Read and validate the experiment file at ``path``; nothing is started.

    Args:
        path: the YAML file.
        catalog: the plugins that step and assertion kinds resolve to (default: the
            installed entry points).

    Returns:
        The validated experiment.

    Raises:
        ExperimentFileError: the file is unreadable, not YAML, or invalid; every problem
            found is listed with its line, key and what was expected.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExperimentFileError(str(path), [(None, "", f"cannot read the file: {exc}")]) from exc
    return parse_experiment(text, path, catalog)


def parse_experiment(
    text: str, path: str | Path = "<string>", catalog: PluginCatalog | None = None
) -> ExperimentFile:
    """Validate experiment YAML ``text`` as if read from ``path`` (see :func:`load_experiment`)."""
    path = Path(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ExperimentFileError(
            str(path), [(line, "", f"not valid YAML: {exc.problem or exc}")]
        ) from exc
    except yaml.YAMLError as exc:
        raise ExperimentFileError(str(path), [(None, "", f"not valid YAML: {exc}")]) from exc
    if data is None:
        data = {}
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ExperimentFileError(str(path), _problems(root, (), exc)) from None

    catalog = catalog if catalog is not None else PluginCatalog.discover()
    problems: list[_Problem] = []
    step_params: list[tuple[BaseModel, ...]] = []
    assertion_params: list[tuple[BaseModel, ...]] = []
    for t, test in enumerate(spec.tests):
        test_loc: _Loc = ("tests", t)
        steps = [
            _plugin_params(
                catalog, "step", s.kind, s.params, root, (*test_loc, "steps", i), problems
            )
            for i, s in enumerate(test.steps)
        ]
        checks = [
            _plugin_params(
                catalog, "assertion", a.kind, a.params, root, (*test_loc, "assertions", i), problems
            )
            for i, a in enumerate(test.assertions)
        ]
        step_params.append(tuple(p for p in steps if p is not None))
        assertion_params.append(tuple(p for p in checks if p is not None))
        problems.extend(_variable_problems(test, root, test_loc))
        problems.extend(_reference_problems(test, root, test_loc))
    if problems:
        raise ExperimentFileError(str(path), problems)
    return ExperimentFile(path.resolve(), spec, tuple(step_params), tuple(assertion_params))


def _plugin_params(
    catalog: PluginCatalog,
    group: PluginKind,
    kind: str,
    params: dict[str, Any],
    root: yaml.Node | None,
    loc: _Loc,
    problems: list[_Problem],
) -> BaseModel | None:
    try:
        cls = catalog.load(group, kind)
    except KeyError as exc:
        problems.append((_line(root, (*loc, "kind")), _dotted((*loc, "kind")), str(exc.args[0])))
        return None
    except PluginLoadError as exc:
        problems.append((_line(root, (*loc, "kind")), _dotted((*loc, "kind")), str(exc)))
        return None
    try:
        return cls.Params.model_validate(params)
    except ValidationError as exc:
        problems.extend(_problems(root, loc, exc))
        return None


def _variable_problems(test: TestSpec, root: yaml.Node | None, loc: _Loc) -> Iterable[_Problem]:
    common = {"python", "workdir", "experiment_dir", "experiment", "test"}
    common |= {f"service.{s.name}.port" for s in test.services if s.port is not None}
    for i, service in enumerate(test.services):
        known = common | ({"port"} if service.port is not None else set())
        for key in ("command", "env"):
            value = getattr(service, key)
            yield from _unknown(names_in(value), known, root, (*loc, "services", i, key))
    for group, items in (("steps", test.steps), ("assertions", test.assertions)):
        for i, item in enumerate(items):
            for key, value in item.params.items():
                yield from _unknown(names_in(value), common, root, (*loc, group, i, key))


def _reference_problems(test: TestSpec, root: yaml.Node | None, loc: _Loc) -> Iterable[_Problem]:
    """``step:`` and ``service:`` parameters must name a step or service of the same test.

    The convention holds for every plugin: those two keys are references, checked here so a
    typo is a validation error at its line rather than a failure after the services started.
    """
    known = {"step": test.step_names(), "service": [s.name for s in test.services]}
    for group, items in (("steps", test.steps), ("assertions", test.assertions)):
        for i, item in enumerate(items):
            for key, names in known.items():
                value = item.params.get(key)
                if isinstance(value, str) and value not in names:
                    yield (
                        _line(root, (*loc, group, i, key)),
                        _dotted((*loc, group, i, key)),
                        f"no {key} {value!r} in test {test.name!r}; expected one of {names}",
                    )


def _unknown(
    used: Sequence[str], known: set[str], root: yaml.Node | None, loc: _Loc
) -> Iterable[_Problem]:
    for name in used:
        if name not in known:
            yield (
                _line(root, loc),
                _dotted(loc),
                f"unknown variable ${{{name}}}; expected one of {sorted(known)} "
                "(a service's port is a variable only when the service sets 'port')",
            )


def _problems(root: yaml.Node | None, prefix: _Loc, exc: ValidationError) -> list[_Problem]:
    """Turn pydantic's errors into (line, key, message), one per distinct location."""
    found: dict[tuple[int | None, str], list[str]] = {}
    for error in exc.errors(include_url=False):
        loc: _Loc = (*prefix, *error["loc"])
        matched = _matched(root, loc)
        # A missing key has no node: point at its parent but name the key itself. A union's
        # member tags ("int", "literal['auto']") are not keys: drop them from the name.
        key_loc = loc if error["type"] == "missing" else loc[: len(matched)]
        line = _line(root, loc)
        message = _message(error)
        found.setdefault((line, _dotted(key_loc)), []).append(message)
    return [(line, key, "; or ".join(dict.fromkeys(msgs))) for (line, key), msgs in found.items()]


def _message(error: Any) -> str:
    kind = error["type"]
    msg = str(error["msg"])
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check its spelling, or the kind's documented parameters)"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    value = error.get("input")
    if kind != "model_type" and not isinstance(value, dict | list):
        return f"{msg}, got {value!r}"
    return msg


def _matched(root: yaml.Node | None, loc: _Loc) -> list[yaml.Node]:
    """Return the nodes along ``loc`` as far as the YAML tree has them (key nodes for keys)."""
    nodes: list[yaml.Node] = []
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next((kv for kv in node.value if kv[0].value == str(part)), None)
            if pair is None:
                break
            nodes.append(pair[0])
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            nodes.append(node)
        else:
            break
    return nodes


def _line(root: yaml.Node | None, loc: _Loc) -> int | None:
    """Return the 1-based line of the deepest node of ``loc`` the YAML tree has."""
    nodes = _matched(root, loc)
    node = nodes[-1] if nodes else root
    return node.start_mark.line + 1 if node is not None else None


def _dotted(loc: _Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
