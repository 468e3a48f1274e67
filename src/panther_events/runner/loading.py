"""Reading an experiment file: YAML, schema and plugin-parameter validation, errors with lines.

Validation errors from pydantic carry a location (``("tests", 0, "services", 1, "port")``);
the YAML node tree from ``yaml.compose`` carries line marks. Walking the location through the
node tree gives the line of the offending key, so every problem reads
``echo.yaml:12: tests[0].services[1].port: expected ...``.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..exceptions import ExperimentFileError
from ._template import names_in
from .plugins import PluginCatalog, PluginKind, PluginLoadError
from .schema import (
    DEFER_UNIQUE_NAMES,
    NAME_PATTERN,
    AssertionSpec,
    ExperimentSpec,
    StepSpec,
    TestSpec,
)

__all__ = ["ExperimentFile", "load_experiment", "parse_experiment"]

_Loc = tuple[int | str, ...]
_Problem = tuple[int | None, str, str]
_M = TypeVar("_M", bound=BaseModel)

# The most values (scalars, lists and mappings) a document may expand to. A large experiment
# has a few thousand; the bound only refuses documents built to explode (see _check_size).
_MAX_VALUES = 200_000
_TOO_DEEP = "the document nests lists or mappings too deeply to read; expected a few levels"
# The safe loader, in C when PyYAML was built with libyaml.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Duplicate names are reported by _duplicate_problems, located, with everything else.
_DEFER = {DEFER_UNIQUE_NAMES: True}


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
        raise ExperimentFileError(str(path), [(None, "", _unreadable(exc))]) from None
    except UnicodeDecodeError as exc:
        message = (
            f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start} "
            "(is it a YAML file? save it as UTF-8)"
        )
        raise ExperimentFileError(str(path), [(None, "", message)]) from None
    return parse_experiment(text, path, catalog)


def _unreadable(exc: OSError) -> str:
    """Why the experiment file cannot be read, and what to pass instead."""
    if isinstance(exc, FileNotFoundError):
        return "no such file; check the path (an experiment is a YAML file: examples/echo.yaml)"
    if isinstance(exc, IsADirectoryError):
        return "is a directory; name an experiment's YAML file in it"
    return f"cannot read the file: {exc.strerror or exc}"


def parse_experiment(
    text: str, path: str | Path = "<string>", catalog: PluginCatalog | None = None
) -> ExperimentFile:
    """Validate experiment YAML ``text`` as if read from ``path`` (see :func:`load_experiment`)."""
    path = Path(path)
    root, data = _read_yaml(text, path)
    problems: list[_Problem] = list(_duplicate_key_problems(root))
    try:
        spec: ExperimentSpec | None = ExperimentSpec.model_validate(data, context=_DEFER)
    except ValidationError as exc:
        spec = None
        problems.extend(_problems(root, (), exc, ExperimentSpec))
    # Every test is also checked on its own, so that one error (a duplicate name, a bad
    # port) hides nothing else: plugin parameters and references are reported with it.
    raw_tests = data.get("tests") if isinstance(data, dict) else None
    if spec is not None:
        problems.extend(_repeated(root, ("tests",), "test names", [t.name for t in spec.tests]))
    catalog = catalog if catalog is not None else PluginCatalog.discover()
    step_params: list[tuple[BaseModel, ...]] = []
    assertion_params: list[tuple[BaseModel, ...]] = []
    for t, raw in enumerate(raw_tests if isinstance(raw_tests, list) else []):
        loc: _Loc = ("tests", t)
        test = spec.tests[t] if spec is not None else _valid(TestSpec, raw)
        raw_items = raw if isinstance(raw, dict) else {}
        steps = (
            list(enumerate(test.steps))
            if test is not None
            else _valid_items(StepSpec, raw_items.get("steps"))
        )
        checks = (
            list(enumerate(test.assertions))
            if test is not None
            else _valid_items(AssertionSpec, raw_items.get("assertions"))
        )
        step_params.append(_all_params(catalog, "step", steps, root, (*loc, "steps"), problems))
        assertion_params.append(
            _all_params(catalog, "assertion", checks, root, (*loc, "assertions"), problems)
        )
        if test is not None:
            problems.extend(_duplicate_problems(test, root, loc))
            problems.extend(_variable_problems(test, root, loc))
            problems.extend(_reference_problems(test, root, loc))
            problems.extend(_dependency_problems(test, root, loc))
            problems.extend(_own_port_problems(test, root, loc))
    if problems or spec is None:
        raise ExperimentFileError(str(path), problems)
    return ExperimentFile(path.resolve(), spec, tuple(step_params), tuple(assertion_params))


def _read_yaml(text: str, path: Path) -> tuple[yaml.Node | None, Any]:
    """Parse ``text``: its node tree (for line numbers) and its data, or ExperimentFileError."""
    # Parsed once, by libyaml when PyYAML has it (ten times faster than the pure-Python
    # parser: a file with a few megabytes of payloads took seconds), into the node tree the
    # line numbers come from; the data is constructed from that tree once its size is checked.
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        _check_size(root)
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own bound
            raise ExperimentFileError(str(path), [(line, "", _TOO_DEEP)]) from None
        # "expected a single document in the stream" + "but found another document"
        what = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        lines = text.splitlines()
        if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            what += "; YAML indents with spaces, not tabs"
        raise ExperimentFileError(str(path), [(line, "", f"not valid YAML: {what}")]) from exc
    except yaml.YAMLError as exc:
        raise ExperimentFileError(str(path), [(None, "", f"not valid YAML: {exc}")]) from exc
    except _TooLarge as exc:
        raise ExperimentFileError(str(path), [(None, "", str(exc))]) from None
    except RecursionError:  # PyYAML reads nested collections recursively
        raise ExperimentFileError(str(path), [(None, "", _TOO_DEEP)]) from None
    finally:
        loader.dispose()
    return root, {} if data is None else data


class _TooLarge(Exception):
    """The document, its aliases expanded, holds more values than any experiment needs."""


def _check_size(root: yaml.Node | None) -> None:
    """Refuse a document whose aliases expand to more than ``_MAX_VALUES`` values.

    An alias is a reference to an anchored node, so the tree PyYAML builds stays small while
    the document it stands for can be huge ("billion laughs"): nine levels of nine aliases are
    387 million strings, which validation would walk one by one. The expanded size is counted
    once per distinct node, so the check is linear in the text.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _TooLarge("the document refers to itself through a YAML alias; expected a tree")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        if total > _MAX_VALUES:
            raise _TooLarge(
                f"the document expands to more than {_MAX_VALUES:,} values once its YAML "
                "aliases are repeated; expected an experiment file of ordinary size (an anchor "
                "repeated by aliases that are themselves repeated multiplies the document)"
            )
        sizes[key] = total
        return total

    if root is not None:
        size(root)


def _valid(model: type[_M], raw: Any) -> _M | None:
    """``raw`` validated as ``model``, or None (its errors are reported by the whole file's)."""
    try:
        return model.model_validate(raw, context=_DEFER)
    except ValidationError:
        return None


def _valid_items(model: type[_M], raw: Any) -> list[tuple[int, _M]]:
    """The items of the list ``raw`` that are valid ``model`` instances, with their positions."""
    items = raw if isinstance(raw, list) else []
    valid = ((i, _valid(model, item)) for i, item in enumerate(items))
    return [(i, item) for i, item in valid if item is not None]


def _all_params(
    catalog: PluginCatalog,
    group: PluginKind,
    items: Sequence[tuple[int, StepSpec | AssertionSpec]],
    root: yaml.Node | None,
    loc: _Loc,
    problems: list[_Problem],
) -> tuple[BaseModel, ...]:
    """The validated plugin parameters of ``items`` (position, spec); problems are collected."""
    found = (
        _plugin_params(catalog, group, item.kind, item.params, root, (*loc, i), problems)
        for i, item in items
    )
    return tuple(params for params in found if params is not None)


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
        message = str(exc.args[0]) + _meant(kind, catalog.kinds(group))
        problems.append((_line(root, (*loc, "kind")), _dotted((*loc, "kind")), message))
        return None
    except PluginLoadError as exc:
        problems.append((_line(root, (*loc, "kind")), _dotted((*loc, "kind")), str(exc)))
        return None
    try:
        return cls.Params.model_validate(params)
    except ValidationError as exc:
        spec = StepSpec if group == "step" else AssertionSpec
        problems.extend(_problems(root, loc, exc, cls.Params, spec))
        return None


def _variable_problems(test: TestSpec, root: yaml.Node | None, loc: _Loc) -> Iterable[_Problem]:
    common = {"python", "workdir", "experiment_dir", "experiment", "test"}
    # The test's environment is made before any service gets its port.
    yield from _unknown(names_in(test.environment.env), common, root, (*loc, "environment", "env"))
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
    """``step:``, ``service:`` and ``metric:`` parameters must name one of the same test.

    The convention holds for every plugin: those keys are references, checked here so a typo
    is a validation error at its line rather than a failure after the services started.
    """
    known = {
        "step": test.step_names(),
        "service": [s.name for s in test.services],
        "metric": test.metric_names(),
    }
    for group, items in (("steps", test.steps), ("assertions", test.assertions)):
        for i, item in enumerate(items):
            for key, names in known.items():
                value = item.params.get(key)
                if isinstance(value, str) and value not in names and not names_in(value):
                    yield (
                        _line(root, (*loc, group, i, key)),
                        _dotted((*loc, group, i, key)),
                        f"no {key} {value!r} in test {test.name!r}; expected one of {names}",
                    )


def _duplicate_problems(test: TestSpec, root: yaml.Node | None, loc: _Loc) -> Iterable[_Problem]:
    """Each repeated service, step or assertion name, at the line of its second use."""
    for (what, names), group in zip(
        test.named_groups(), ("services", "steps", "assertions"), strict=True
    ):
        yield from _repeated(root, (*loc, group), f"{what} names in test {test.name!r}", names)


def _repeated(
    root: yaml.Node | None, loc: _Loc, what: str, names: Sequence[str]
) -> Iterable[_Problem]:
    """Each name of ``names`` (the items at ``loc``) used again, at its second use's line."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            where = (*loc, i, "name")
            message = f"expected unique {what}; {name!r} appears twice"
            yield _line(root, where), _dotted(where), message
        seen.add(name)


def _duplicate_key_problems(root: yaml.Node | None) -> Iterable[_Problem]:
    """Each key written twice in one mapping: YAML keeps the last value, losing the first."""
    pending: list[tuple[yaml.Node, _Loc]] = [(root, ())] if root is not None else []
    visited: set[int] = set()  # an anchored node is reported once, however often it is used
    while pending:
        node, loc = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            pending.extend((child, (*loc, i)) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                    continue  # merge keys repeat legitimately
                where = (*loc, key.value)
                if key.value in first:
                    yield (
                        key.start_mark.line + 1,
                        _dotted(where),
                        f"{key.value!r} appears twice in this mapping (first on line "
                        f"{first[key.value]}); YAML would keep only the last: merge them",
                    )
                first.setdefault(key.value, key.start_mark.line + 1)
                pending.append((value, where))


def _dependency_problems(test: TestSpec, root: yaml.Node | None, loc: _Loc) -> Iterable[_Problem]:
    """``depends_on`` names services of the test without a cycle, and every
    ``${service.X.port}`` in a service names one that starts before it."""
    names = [s.name for s in test.services]
    # Services with a port: ${service.X.port} of one without is an unknown variable instead.
    with_port = {s.name for s in test.services if s.port is not None}
    unknown = False
    for i, service in enumerate(test.services):
        for name in service.depends_on:
            if name not in names:
                unknown = True
                where = (*loc, "services", i, "depends_on")
                yield (
                    _line(root, where),
                    _dotted(where),
                    f"no service {name!r} in test {test.name!r}; expected one of {names}",
                )
    if unknown:
        return
    try:
        order = [s.name for s in test.start_order()]
    except ValueError as exc:
        where = (*loc, "services")
        yield _line(root, where), _dotted(where), str(exc)
        return
    for i, service in enumerate(test.services):
        later = with_port.difference(order[: order.index(service.name) + 1])
        for key in ("command", "env"):
            for used in names_in(getattr(service, key)):
                other = used.removeprefix("service.").removesuffix(".port")
                if used == f"service.{other}.port" and other in later:
                    where = (*loc, "services", i, key)
                    yield (
                        _line(root, where),
                        _dotted(where),
                        f"${{{used}}}: service {other!r} starts after {service.name!r} (services "
                        f"start in file order unless depends_on says otherwise); add "
                        f"depends_on: [{other}] to {service.name!r}",
                    )


def _own_port_problems(test: TestSpec, root: yaml.Node | None, loc: _Loc) -> Iterable[_Problem]:
    """``tcp: true`` checks the service's own port: the service must have one."""
    for i, service in enumerate(test.services):
        checks = {"health": service.health.tcp, "ready": service.ready and service.ready.tcp}
        for key, tcp in checks.items():
            if tcp is True and service.port is None:
                where = (*loc, "services", i, key, "tcp")
                yield (
                    _line(root, where),
                    _dotted(where),
                    f"tcp: true checks the service's own port, and {service.name!r} sets no "
                    "'port'; add port: auto (or a number), or give tcp the port to check",
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


def _problems(
    root: yaml.Node | None,
    prefix: _Loc,
    exc: ValidationError,
    model: type[BaseModel],
    *also: type[BaseModel],
) -> list[_Problem]:
    """Turn pydantic's errors into (line, key, message), one per distinct location.

    ``model`` is what was validated at ``prefix`` (``also``: models whose keys are valid there
    too): an unknown key's message names the known key it most likely meant.
    """
    found: dict[tuple[int | None, str], list[str]] = {}
    for error in exc.errors(include_url=False):
        loc: _Loc = (*prefix, *error["loc"])
        matched = _matched(root, loc)
        # A missing key has no node: point at its parent but name the key itself. A union's
        # member tags ("int", "literal['auto']") are not keys: drop them from the name.
        key_loc = loc if error["type"] == "missing" else loc[: len(matched)]
        line = _line(root, loc)
        message = _message(error)
        if error["type"] == "extra_forbidden" and error["loc"]:
            parent = tuple(error["loc"][:-1])
            known = {key for m in (model, *also) for key in _keys_at(m, parent)}
            message += _meant(str(error["loc"][-1]), known)
        found.setdefault((line, _dotted(key_loc)), []).append(message)
    return [(line, key, "; or ".join(dict.fromkeys(msgs))) for (line, key), msgs in found.items()]


def _message(error: Any) -> str:
    kind = error["type"]
    msg = str(error["msg"])
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check its spelling, or the kind's documented parameters)"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_PATTERN:
        value = str(error.get("input"))
        fixed = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-_.") or "name-1"
        return (
            "a name is letters, digits, '.', '_' and '-', starting with a letter or digit "
            f"(it becomes part of file names and ids), got {value!r}; e.g. {fixed!r}"
        )
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    value = error.get("input")
    if kind == "model_type":  # not pydantic's "instance of ExperimentSpec"
        got = "a list" if isinstance(value, list) else repr(value)
        return f"expected a mapping (key: value lines), got {got}"
    if not isinstance(value, dict | list):
        # The value itself says more than pydantic's "got a number with a fractional part".
        return f"{msg.split(', got ')[0]}, got {value!r}"
    return msg


#: Keys a user brings from elsewhere in the file: a step runs ``run``, a service ``command``.
_SYNONYMS = {"command": "run", "cmd": "run", "args": "run", "argv": "run", "run": "command"}


def _meant(name: str, known: Iterable[str]) -> str:
    """`` ; did you mean 'KEY'?`` for the key of ``known`` that ``name`` most likely meant
    (a close spelling, or the word this file uses elsewhere for it), else ``""``."""
    choices = sorted(known)
    synonym = _SYNONYMS.get(name)
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    guess = synonym if synonym in choices else (close[0] if close else None)
    return f"; did you mean {guess!r}?" if guess else ""


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> set[str]:
    """The keys of the mapping at ``loc`` under ``model`` (its nested models' fields)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return set()
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        current = _nested_model(field.annotation) if field is not None else None
    return set(current.model_fields) if current is not None else set()


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (``Model``, ``list[Model]``, ``Model | None``...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


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
