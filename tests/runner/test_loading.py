"""Experiment files are validated before anything runs; errors name file, line, key, expectation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from panther_events.exceptions import ExperimentFileError
from panther_events.runner import load_experiment, parse_experiment
from panther_events.runner._template import TemplateError, names_in, substitute

from .helpers import EXAMPLES


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ExperimentFileError) as info:
        parse_experiment(text, "exp.yaml")
    return info.value.problems


class TestLoadExperiment:
    """load_experiment and parse_experiment."""

    @pytest.mark.parametrize("name", ["echo.yaml", "http.yaml", "failing.yaml"])
    def test_examples_are_valid(self, name: str) -> None:
        """Every shipped example validates, plugin parameters included."""
        loaded = load_experiment(EXAMPLES / name)
        assert [len(p) for p in loaded.step_params] == [len(t.steps) for t in loaded.spec.tests]

    def test_wrong_type_names_line_key_and_expectation(self) -> None:
        """A value of the wrong type is reported at its own line, with its dotted key."""
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n      - name: s\n"
            "        command: [a]\n        port: eighty\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (7, "tests[0].services[0].port")
        assert "valid integer" in message and "'eighty'" in message

    def test_message_starts_with_file_and_line(self) -> None:
        """str(error) reads file:line: key: message."""
        with pytest.raises(
            ExperimentFileError, match=r"^exp\.yaml:3: tests\[0\]\.colour: unknown key"
        ):
            parse_experiment("name: x\ntests:\n  - colour: blue\n    name: t\n", "exp.yaml")

    def test_missing_key_points_at_its_parent(self) -> None:
        """A missing required key is named, at the line of the mapping that lacks it."""
        ((line, key, message),) = _problems("name: x\ntests:\n  - description: no name\n")
        assert (line, key, message) == (3, "tests[0].name", "required key is missing")

    def test_two_readiness_checks_are_refused(self) -> None:
        """ready takes exactly one of tcp, log and delay."""
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n      - name: s\n"
            "        command: a\n        ready: {tcp: 80, delay: 1}\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (7, "tests[0].services[0].ready")
        assert "exactly one of 'tcp', 'log' or 'delay'" in message

    def test_unknown_step_kind_lists_known_kinds(self) -> None:
        """An unknown kind is reported at its line with the kinds that exist."""
        text = "name: x\ntests:\n  - name: t\n    steps:\n      - kind: teleport\n"
        ((line, key, message),) = _problems(text)
        assert (line, key) == (5, "tests[0].steps[0].kind")
        assert "'teleport'" in message and "'tcp_send'" in message

    def test_plugin_parameter_error_is_located(self) -> None:
        """A step plugin's own parameters are validated, at their own line."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n      - kind: wait\n        seconds: soon\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (6, "tests[0].steps[0].seconds")
        assert "valid number" in message

    def test_unknown_variable_is_refused(self) -> None:
        """${...} must name a known variable; a service's port only when it has one."""
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n      - name: s\n"
            "        command: [run, '${service.s.port}']\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (6, "tests[0].services[0].command")
        assert "${service.s.port}" in message

    def test_duplicate_names_are_refused(self) -> None:
        """Two steps with one name would share an entity id: refused."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n      - {kind: wait, seconds: 0, name: a}\n"
            "      - {kind: wait, seconds: 0, name: a}\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (6, "tests[0].steps[1].name")
        assert "'a' appears twice" in message

    def test_yaml_syntax_error_has_a_line(self) -> None:
        """Malformed YAML is reported with the line the parser stopped at."""
        ((line, key, message),) = _problems("name: x\ntests:\n  - name: [unclosed\n")
        assert line == 4 and key == "" and message.startswith("not valid YAML")

    def test_empty_file_needs_name_and_tests(self) -> None:
        """An empty document reports both required top-level keys."""
        keys = {key for _, key, _ in _problems("")}
        assert keys == {"name", "tests"}

    def test_unreadable_file(self, tmp_path: Path) -> None:
        """A missing path is one plain line naming it: no errno, no placeholder line or key."""
        with pytest.raises(ExperimentFileError) as info:
            load_experiment(tmp_path / "absent.yaml")
        text = str(info.value)
        assert text.startswith(f"{tmp_path / 'absent.yaml'}: no such file; check the path")
        assert "Errno" not in text and "<document>" not in text and ":?:" not in text


class TestErrorLines:
    """The reported line is where the bad value is written, wherever that is."""

    @settings(max_examples=40, deadline=None)
    @given(
        steps=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4),
        data=st.data(),
    )
    def test_bad_timeout_is_reported_at_its_line(
        self, steps: list[int], data: st.DataObject
    ) -> None:
        """A bad step timeout in any test and step is reported at the line it is on."""
        bad_test = data.draw(st.integers(0, len(steps) - 1))
        bad_step = data.draw(st.integers(0, steps[bad_test] - 1))
        doc = {
            "name": "x",
            "tests": [
                {
                    "name": f"t{i}",
                    "steps": [
                        {"kind": "wait", "seconds": 0, "timeout": 1.0}
                        | ({"timeout": "BAD"} if (i, j) == (bad_test, bad_step) else {})
                        for j in range(n)
                    ],
                }
                for i, n in enumerate(steps)
            ],
        }
        text = yaml.safe_dump(doc, sort_keys=False)
        expected = next(i for i, ln in enumerate(text.splitlines(), 1) if "BAD" in ln)
        ((line, key, _),) = _problems(text)
        assert line == expected
        assert key == f"tests[{bad_test}].steps[{bad_step}].timeout"


class TestCommands:
    """Commands as written in YAML."""

    def test_numbers_in_an_argv_become_text(self) -> None:
        """[sleep, 300] is the argv ['sleep', '300'], for services and command steps."""
        loaded = parse_experiment(
            "name: x\ntests:\n  - name: t\n    services:\n"
            "      - {name: s, command: [sleep, 300]}\n"
            "    steps:\n      - {kind: command, run: [echo, 1, 2.5]}\n"
        )
        assert loaded.spec.tests[0].services[0].command == ["sleep", "300"]
        assert loaded.step_params[0][0].argv() == ["echo", "1", "2.5"]  # type: ignore[attr-defined]


_NAMES = st.from_regex(r"[a-z][a-z0-9_.]{0,12}", fullmatch=True)


class TestTemplate:
    """${name} substitution."""

    @given(text=st.text().filter(lambda t: "$" not in t))
    def test_text_without_dollar_is_unchanged(self, text: str) -> None:
        """Only ${...} and $$ are special."""
        assert substitute(text, {}) == text

    @given(values=st.dictionaries(_NAMES, st.text(), min_size=1), prefix=st.text(alphabet="ab "))
    def test_every_variable_is_replaced(self, values: dict[str, str], prefix: str) -> None:
        """Each ${name} becomes its value, $$ a single $, in strings nested in lists and dicts."""
        template = prefix + "".join(f"${{{name}}}$$" for name in values)
        expected = prefix + "".join(f"{value}$" for value in values.values())
        assert substitute({"k": [template]}, values) == {"k": [expected]}
        assert names_in([template]) == list(values)

    def test_unknown_variable_names_the_known_ones(self) -> None:
        """The error lists what could have been meant."""
        with pytest.raises(
            TemplateError, match=r"unknown variable \$\{prot\}; known here: \['port'\]"
        ):
            substitute("${prot}", {"port": "1"})


class TestReferences:
    """step: and service: parameters name something in the same test."""

    def test_unknown_step_reference_is_located(self) -> None:
        """An assertion about a step that does not exist is refused at its line."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n      - {kind: wait, seconds: 0}\n"
            "    assertions:\n      - kind: exit_code\n        step: wiat-1\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (8, "tests[0].assertions[0].step")
        assert message == "no step 'wiat-1' in test 't'; expected one of ['wait-1']"

    def test_unknown_service_reference_is_located(self) -> None:
        """A step sending to a service that does not exist is refused at its line."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n"
            "      - {kind: tcp_send, service: echo, data: hi}\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (5, "tests[0].steps[0].service")
        assert "no service 'echo'" in message


class TestAllErrorsAtOnce:
    """One validation reports every problem of the file."""

    def test_duplicate_step_name_hides_no_other_error(self) -> None:
        """A duplicate name, a plugin parameter, a reference and another test's bad port."""
        text = (
            "name: x\ntests:\n  - name: t\n"
            "    steps:\n"
            "      - {kind: wait, seconds: 0, name: a}\n"
            "      - {kind: wait, seconds: soon, name: a}\n"
            "    assertions:\n"
            "      - {kind: exit_code, step: nope}\n"
            "  - name: u\n    services:\n      - {name: s, command: [run], port: eighty}\n"
            "    steps:\n      - {kind: wait, seconds: later}\n"
        )
        found = {key: message for _, key, message in _problems(text)}
        assert "'a' appears twice" in found["tests[0].steps[1].name"]
        assert "tests[0].steps[1].seconds" in found
        assert "no step 'nope'" in found["tests[0].assertions[0].step"]
        assert "tests[1].services[0].port" in found
        assert "tests[1].steps[0].seconds" in found  # a test with a schema error too

    def test_two_kinds_of_duplicates_are_both_named(self) -> None:
        """Duplicate service and assertion names are reported together."""
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n"
            "      - {name: s, command: [run]}\n      - {name: s, command: [run]}\n"
            "    assertions:\n"
            "      - {kind: duration_under, seconds: 1, name: d}\n"
            "      - {kind: duration_under, seconds: 1, name: d}\n"
        )
        found = {key: message for _, key, message in _problems(text)}
        assert "service names in test 't'; 's' appears twice" in found["tests[0].services[1].name"]
        assert "'d' appears twice" in found["tests[0].assertions[1].name"]


class TestMetricReferences:
    """metric_within names a metric the test can measure."""

    def test_metric_that_cannot_exist_is_located(self) -> None:
        """A misspelt metric is refused at its line with the metrics the test has."""
        text = (
            "name: x\ntests:\n  - name: t\n    steps:\n      - {kind: wait, seconds: 0}\n"
            "    assertions:\n      - kind: metric_within\n"
            "        metric: step.wait-2.duration_seconds\n        max: 1\n"
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (8, "tests[0].assertions[0].metric")
        assert "no metric 'step.wait-2.duration_seconds'" in message
        assert "'step.wait-1.duration_seconds'" in message

    @pytest.mark.parametrize(
        "metric",
        [
            "step.wait-1.duration_seconds",
            "service.s.startup_seconds",
            "service.s.cpu_seconds",
            "service.s.peak_memory_bytes",
            "test.steps_duration_seconds",
        ],
    )
    def test_every_documented_metric_is_accepted(self, metric: str) -> None:
        """Each metric the runner records for the test validates."""
        text = (
            "name: x\ntests:\n  - name: t\n    services:\n      - {name: s, command: [run]}\n"
            "    steps:\n      - {kind: wait, seconds: 0}\n"
            f"    assertions:\n      - {{kind: metric_within, metric: {metric}, min: 0}}\n"
        )
        parse_experiment(text, "exp.yaml")


def _services(*lines: str) -> str:
    return "name: x\ntests:\n  - name: t\n    services:\n" + "".join(
        f"      - {line}\n" for line in lines
    )


class TestDependsOn:
    """Service start order: depends_on, cycles, unknown names, port references."""

    def test_unknown_dependency_is_located(self) -> None:
        """depends_on naming no service of the test is refused at its line."""
        text = _services("{name: a, command: [run], depends_on: [ghost]}")
        ((line, key, message),) = _problems(text)
        assert (line, key) == (5, "tests[0].services[0].depends_on")
        assert "no service 'ghost'" in message and "['a']" in message

    def test_cycle_is_refused(self) -> None:
        """a -> b -> a is refused, the cycle spelt out."""
        text = _services(
            "{name: a, command: [run], depends_on: [b]}",
            "{name: b, command: [run], depends_on: [a]}",
        )
        messages = [message for _, _, message in _problems(text)]
        assert any("a -> b -> a" in m or "b -> a -> b" in m for m in messages), messages

    def test_reference_to_a_later_service_is_refused(self) -> None:
        """${service.back.port} in a service that starts before 'back' names the fix."""
        text = _services(
            "{name: front, command: [run, '${service.back.port}']}",
            "{name: back, command: [run], port: auto}",
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (5, "tests[0].services[0].command")
        assert "'back' starts after 'front'" in message
        assert "depends_on: [back]" in message

    def test_depends_on_makes_the_reference_valid(self) -> None:
        """With depends_on, back starts first and front may use its port."""
        text = _services(
            "{name: front, command: [run, '${service.back.port}'], depends_on: [back]}",
            "{name: back, command: [run], port: auto}",
        )
        experiment = parse_experiment(text, "exp.yaml")
        (test,) = experiment.spec.tests
        assert [s.name for s in test.start_order()] == ["back", "front"]


BILLION_LAUGHS = """
name: bomb
tests:
  - name: t
    environment:
      env:
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    steps:
      - {kind: command, run: [echo, *i]}
"""


class TestYamlBomb:
    """A document whose aliases expand to billions of values is refused, not validated."""

    def test_billion_laughs_is_refused_with_one_line(self) -> None:
        """One problem naming the limit and the aliases (a hang guard, not a benchmark)."""
        box: list[BaseException | None] = []

        def parse() -> None:
            try:
                parse_experiment(BILLION_LAUGHS, "bomb.yaml")
            except BaseException as exc:
                box.append(exc)
            else:
                box.append(None)

        worker = threading.Thread(target=parse, daemon=True)
        worker.start()
        worker.join(30)
        assert box, "still validating after 30 s"
        error = box[0]
        assert isinstance(error, ExperimentFileError)
        ((_, _, message),) = error.problems
        assert "aliases" in message and "values" in message
        assert "\n" not in str(error)

    def test_aliases_of_ordinary_size_are_accepted(self) -> None:
        """Anchors and aliases used for sharing a few values still work."""
        text = (
            "name: x\ntests:\n  - name: t\n    environment: {env: &e {A: '1'}}\n"
            "    services:\n      - {name: s, command: [run], env: *e}\n"
        )
        parse_experiment(text, "exp.yaml")

    def test_deep_nesting_is_one_line_not_a_traceback(self) -> None:
        """Thousands of nested lists are refused with one problem, not a RecursionError."""
        ((_, _, message),) = _problems("name: x\ntests: " + "[" * 5000 + "]" * 5000)
        assert "nests lists or mappings too deeply" in message


class TestFirstMistakes:
    """The mistakes of a first experiment file get one plain line each, with the fix."""

    def test_a_directory_is_refused_as_not_an_experiment_file(self, tmp_path: Path) -> None:
        """``run examples`` says the path is a directory and to name a YAML file in it."""
        with pytest.raises(ExperimentFileError) as info:
            load_experiment(tmp_path)
        assert str(info.value) == (
            f"{tmp_path}: is a directory; name an experiment's YAML file in it"
        )

    def test_a_yaml_syntax_error_has_no_placeholder_key(self) -> None:
        """A syntax error reads ``file:line: not valid YAML: ...``."""
        with pytest.raises(ExperimentFileError, match=r"^exp\.yaml:4: not valid YAML: "):
            parse_experiment("name: x\ntests:\n  - name: [unclosed\n", "exp.yaml")

    def test_a_tab_in_the_indentation_is_named(self) -> None:
        """YAML's "cannot start any token" on a tab says that YAML indents with spaces."""
        ((line, _, message),) = _problems("name: x\ntests:\n\t- name: a\n")
        assert line == 3 and message.endswith("; YAML indents with spaces, not tabs"), message

    @pytest.mark.parametrize(
        ("text", "key", "got"),
        [
            ("- a\n- b\n", "", "a list"),
            ("name: x\ntests:\n  - just-a-name\n", "tests[0]", "'just-a-name'"),
        ],
    )
    def test_a_list_where_a_mapping_belongs_is_said_plainly(
        self, text: str, key: str, got: str
    ) -> None:
        """No class name (``instance of ExperimentSpec``): a mapping of keys was expected."""
        ((_, found_key, message),) = _problems(text)
        assert found_key == key
        assert message.startswith("expected a mapping (key: value lines), got "), message
        assert got in message and "Spec" not in message

    def test_a_name_with_a_space_says_what_a_name_is_made_of(self) -> None:
        """Not pydantic's regular expression: the characters a name may hold, and a name
        that would do."""
        ((_, key, message),) = _problems("name: x\ntests:\n  - name: tcp echo\n")
        assert key == "tests[0].name"
        assert message == (
            "a name is letters, digits, '.', '_' and '-', starting with a letter or digit "
            "(it becomes part of file names and ids), got 'tcp echo'; e.g. 'tcp-echo'"
        )
        assert "^[" not in message

    @pytest.mark.parametrize(
        ("item", "suggested"),
        [
            ("steps:\n      - {kind: comand, run: [a]}", "command"),
            ("assertions:\n      - {kind: output_contain, step: s, text: x}", "output_contains"),
        ],
    )
    def test_an_unknown_kind_suggests_the_kind_meant(self, item: str, suggested: str) -> None:
        """A misspelt step or assertion kind names the kind it most likely meant."""
        problems = _problems(f"name: x\ntests:\n  - name: t\n    {item}\n")
        ((_, _, message),) = [p for p in problems if p[1].endswith(".kind")]
        assert f"did you mean {suggested!r}?" in message, message

    @pytest.mark.parametrize(
        ("text", "key", "suggested"),
        [
            ("name: x\ntests:\n  - name: t\n    stpes: []\n", "tests[0].stpes", "steps"),
            ("name: x\nteests:\n  - name: t\n", "teests", "tests"),
            (
                "name: x\ntests:\n  - name: t\n    steps:\n      - {kind: command, command: [a]}\n",
                "tests[0].steps[0].command",
                "run",
            ),
            (
                "name: x\ntests:\n  - name: t\n    services:\n      - {name: s, comand: [a]}\n",
                "tests[0].services[0].comand",
                "command",
            ),
        ],
    )
    def test_an_unknown_key_suggests_the_key_meant(
        self, text: str, key: str, suggested: str
    ) -> None:
        """A misspelt key (or a service's ``command`` in a step, which says ``run``) names
        the key it most likely meant."""
        problems = [p for p in _problems(text) if p[1] == key]
        assert problems, _problems(text)
        ((_, _, message),) = problems
        assert f"did you mean {suggested!r}?" in message
