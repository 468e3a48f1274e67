"""A new user's mistakes and hostile inputs: one clear line before anything runs, no traceback."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest

from panther_events.exceptions import ExperimentFileError
from panther_events.runner import (
    ExperimentRunner,
    PluginCatalog,
    Step,
    StepContext,
    StepOutput,
    StrictParams,
    load_experiment,
    parse_experiment,
)

from .helpers import check_lifecycles, leftovers, run_cli
from .inprocess import InProcessRun, run_text


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ExperimentFileError) as info:
        parse_experiment(text, "exp.yaml")
    return info.value.problems


def _one_test(*lines: str) -> str:
    return "name: x\ntests:\n  - name: t\n" + "".join(f"    {line}\n" for line in lines)


class TestFileAttacks:
    """Files that are not what an experiment file should be."""

    def test_file_that_is_not_utf8_is_one_problem(self, tmp_path: Path) -> None:
        """Binary bytes are refused as an ExperimentFileError naming the encoding."""
        path = tmp_path / "binary.yaml"
        path.write_bytes(b"\xff\xfe garbage\n")
        with pytest.raises(ExperimentFileError, match="UTF-8") as info:
            load_experiment(path)
        assert len(info.value.problems) == 1

    def test_duplicate_key_is_refused_at_its_second_line(self) -> None:
        """A key written twice in one mapping (YAML keeps the last) would lose the first."""
        text = _one_test(
            "steps:",
            "  - {kind: wait, seconds: 1}",
            "steps:",
            "  - {kind: wait, seconds: 2}",
        )
        ((line, key, message),) = _problems(text)
        assert (line, key) == (6, "tests[0].steps")
        assert "'steps' appears twice" in message and "line 4" in message

    def test_second_document_says_one_is_expected(self) -> None:
        """'---' and a second document: the message says what was expected, not only 'but'."""
        ((line, _, message),) = _problems("name: a\ntests: [{name: t}]\n---\nname: b\n")
        assert line == 3
        assert message == (
            "not valid YAML: expected a single document in the stream but found another document"
        )

    def test_duplicate_test_name_is_located(self) -> None:
        """Two tests with one name: reported at the second one's name, not the document."""
        ((line, key, message),) = _problems("name: x\ntests:\n  - name: a\n  - name: a\n")
        assert (line, key) == (4, "tests[1].name")
        assert "'a' appears twice" in message


class TestCommandAttacks:
    """Commands and environments that no process can be started with."""

    @pytest.mark.parametrize("run", ["[]", "''", "'   '"])
    def test_empty_command_step_is_refused(self, run: str) -> None:
        """A command step with nothing to run fails validation, not with an IndexError."""
        ((line, key, message),) = _problems(
            _one_test("steps:", f"  - {{kind: command, run: {run}}}")
        )
        assert (line, key) == (5, "tests[0].steps[0].run")
        assert "expected a program" in message

    def test_empty_service_command_string_is_refused(self) -> None:
        """A service command of only spaces is as empty as []."""
        ((_, key, _),) = _problems(_one_test("services:", "  - {name: s, command: '  '}"))
        assert key == "tests[0].services[0].command"

    @pytest.mark.parametrize(
        ("lines", "key"),
        [
            (("services:", '  - {name: s, command: ["a\\0b"]}'), "tests[0].services[0].command"),
            (("steps:", '  - {kind: command, run: ["a\\0b"]}'), "tests[0].steps[0].run"),
            (('environment: {env: {X: "a\\0b"}}',), "tests[0].environment.env"),
            (("steps:", '  - {kind: command, run: [a], env: {X: "\\0"}}'), "tests[0].steps[0].env"),
        ],
    )
    def test_nul_byte_is_refused(self, lines: tuple[str, ...], key: str) -> None:
        """No argument or environment value of a process can hold a NUL byte."""
        ((_, found, message),) = _problems(_one_test(*lines))
        assert found == key
        assert "NUL" in message

    @pytest.mark.parametrize("name", ["'A=B'", "''"])
    @pytest.mark.parametrize(
        ("template", "key"),
        [
            ("environment: {{env: {{{name}: x}}}}", "tests[0].environment.env"),
            (
                "services: [{{name: s, command: [a], env: {{{name}: x}}}}]",
                "tests[0].services[0].env",
            ),
            ("steps: [{{kind: command, run: [a], env: {{{name}: x}}}}]", "tests[0].steps[0].env"),
        ],
    )
    def test_bad_environment_variable_name_is_refused(
        self, name: str, template: str, key: str
    ) -> None:
        """An empty name or one holding '=' cannot be set in a process's environment."""
        ((_, found, message),) = _problems(_one_test(template.format(name=name)))
        assert found == key
        assert "environment variable name" in message


class TestPortAttacks:
    """Ports no socket can use."""

    @pytest.mark.parametrize(
        ("service", "key"),
        [
            ("{name: s, command: [a], port: 0}", "port"),
            ("{name: s, command: [a], port: 70000}", "port"),
            ("{name: s, command: [a], port: -1}", "port"),
            ("{name: s, command: [a], port: true}", "port"),
            ("{name: s, command: [a], ready: {tcp: 0}}", "ready.tcp"),
            ("{name: s, command: [a], ready: {tcp: 65536}}", "ready.tcp"),
            ("{name: s, command: [a], health: {tcp: 99999}}", "health.tcp"),
        ],
    )
    def test_port_out_of_range_is_refused(self, service: str, key: str) -> None:
        """Ports are 1 to 65535, wherever one is written."""
        problems = _problems(_one_test("services:", f"  - {service}"))
        assert [k for _, k, _ in problems] == [f"tests[0].services[0].{key}"]
        assert "65535" in problems[0][2]

    @pytest.mark.parametrize("check", ["ready: {tcp: true}", "health: {tcp: true}"])
    def test_tcp_check_of_own_port_needs_a_port(self, check: str) -> None:
        """tcp: true checks the service's port: without 'port' it is a validation error."""
        ((_, key, message),) = _problems(
            _one_test("services:", f"  - {{name: s, command: [a], {check}}}")
        )
        assert key == f"tests[0].services[0].{check.split(':', maxsplit=1)[0]}.tcp"
        assert "'port'" in message

    def test_http_url_with_bad_port_is_refused(self) -> None:
        """An http_get url whose port cannot exist is refused before anything runs."""
        ((_, key, message),) = _problems(
            _one_test("steps:", "  - {kind: http_get, url: 'http://127.0.0.1:99999/'}")
        )
        assert key == "tests[0].steps[0].url"
        assert "99999" in message


class TestRunAttacks:
    """Whole runs, as a real process, with inputs that used to leak tracebacks."""

    def test_binary_experiment_file_exits_2_with_one_line(self, tmp_path: Path) -> None:
        """No traceback: the usual 'invalid experiment file' message and exit status 2."""
        path = tmp_path / "binary.yaml"
        path.write_bytes(b"\x00\xff\xfe\x80\n")
        result = run_cli(path, tmp_path)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "invalid experiment file" in result.stderr
        assert not leftovers(result.marker)


class TestVariablesWithSpaces:
    """A variable's value is one argument, whatever characters it holds."""

    def test_command_line_string_keeps_a_spaced_path_one_argument(self, tmp_path: Path) -> None:
        """run: "${python} ${experiment_dir}/x.py" works from a directory with spaces."""
        where = tmp_path / "my experiments"
        where.mkdir()
        (where / "script.py").write_text("import sys; print(sys.argv[1:])\n", encoding="utf-8")
        text = _one_test(
            "steps:",
            "  - {name: s, kind: command, run: \"${python} ${experiment_dir}/script.py 'a b' c\"}",
        )
        run = run_text(text, where)
        assert run.result.passed, run.result.tests[0].reason
        assert run.result.tests[0].steps[0].result is not None
        assert run.result.tests[0].steps[0].result.output == "['a b', 'c']\n"


class TestSecondInterrupt:
    """Ctrl-C twice: the second one does not wait out a stubborn service's stop_grace."""

    def test_second_interrupt_kills_a_service_still_in_its_grace(self, tmp_path: Path) -> None:
        """A service that ignores SIGTERM is killed at the second interrupt, not after 60 s."""
        text = _one_test(
            "services:",
            "  - name: stubborn",
            '    command: ["${python}", "-c", "import signal, time; '
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
            'time.sleep(120)"]',
            "    ready: {log: up}",
            "    stop_grace: 60",
        )
        timer: list[threading.Timer] = []

        def hook(runner: ExperimentRunner, event: Any) -> None:
            if event.get_type() == "service.stopping":
                runner.interrupt("first Ctrl-C")
                # The second one arrives while teardown waits for SIGTERM to work.
                timer.append(threading.Timer(0.3, runner.interrupt, ["second Ctrl-C"]))
                timer[0].start()

        run = run_text(text, tmp_path, hook=hook)
        timer[0].join()
        (stopping,) = run.of_type("service.stopping")
        (stopped,) = run.of_type("service.stopped")
        # Not a benchmark: 60 s of grace waited out, or cut short by the second interrupt.
        assert (stopped.timestamp - stopping.timestamp).total_seconds() < 30
        assert stopped.data["reason"] == "killed"
        assert stopped.data["exit_code"] == -9
        assert run.result.finished_early and run.result.reason == "first Ctrl-C"


class TestCrashWhileAnotherGetsReady:
    """A service that dies while a later one waits for readiness is the test's failure."""

    def test_crash_of_a_started_service_ends_the_wait_of_the_next(self, tmp_path: Path) -> None:
        """'a' aborts while 'b' waits (in vain, 60 s) for its log line: the crash is the reason."""
        text = _one_test(
            "services:",
            '  - {name: a, command: ["${python}", "-c", '
            '"import os, time; time.sleep(0.3); os.abort()"]}',
            '  - {name: b, command: ["${python}", "-c", "import time; time.sleep(120)"],'
            " ready: {log: never, timeout: 60}}",
        )
        run = run_text(text, tmp_path)
        (outcome,) = run.result.tests
        assert outcome.reason == "service 'a' exited unexpectedly with SIGABRT (-6)"
        assert outcome.phase == "service"
        errors = run.of_type("service.error")
        assert [e.data["service_name"] for e in errors] == ["a"]
        assert errors[0].data["error_type"] == "ServiceCrashed"
        (failure,) = run.of_type("experiment.service_failure")
        assert failure.data["failed_service"] == "a"
        (deployment,) = run.of_type("test.deployment_failed")
        assert deployment.data["failed_services"] == ["a"]
        assert run.refused == []
        assert set(check_lifecycles(run.events)["service"].values()) == {"destroyed"}


class TestAssertionsOnSkippedSteps:
    """An assertion about a step that was skipped says so, not that the step does not exist."""

    def test_output_of_a_skipped_step_is_reported_as_not_run(self, tmp_path: Path) -> None:
        """The step is in the file: 'no step' would send the user hunting for a typo."""
        text = _one_test(
            "steps:",
            "  - {name: fails, kind: command, run: ['false']}",
            "  - {name: later, kind: command, run: ['echo', 'x']}",
            "assertions:",
            "  - {kind: output_contains, step: later, text: x}",
            "  - {kind: metric_within, metric: step.later.duration_seconds, max: 1}",
        )
        run = run_text(text, tmp_path)
        messages = [r.data["assertion_message"] for r in run.of_type("assertion.result")]
        assert len(messages) == 2
        assert all("'later' did not run" in m for m in messages), messages
        assert not any("no step" in m for m in messages), messages


class TestLongNames:
    """Names become file names: one too long for the file system is refused when read."""

    @pytest.mark.parametrize(
        ("lines", "key"),
        [
            (("steps: [{{kind: wait, seconds: 0, name: {n}}}]",), "tests[0].steps[0].name"),
            (("services: [{{name: {n}, command: [a]}}]",), "tests[0].services[0].name"),
            (
                ("assertions: [{{kind: duration_under, seconds: 1, name: {n}}}]",),
                "tests[0].assertions[0].name",
            ),
        ],
    )
    def test_name_longer_than_100_characters_is_refused(
        self, lines: tuple[str, ...], key: str
    ) -> None:
        """A 300-character service name failed at run time with 'File name too long'."""
        problems = _problems(_one_test(*(line.format(n="a" * 300) for line in lines)))
        assert [k for _, k, _ in problems] == [key]
        assert "100" in problems[0][2]

    def test_long_test_name_is_refused(self) -> None:
        """The test's working directory is named after it."""
        ((_, key, _),) = _problems(f"name: x\ntests:\n  - name: {'t' * 101}\n")
        assert key == "tests[0].name"


_ENDLESS_HTTP = """
import socket, sys
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    conn, _ = server.accept()
    conn.recv(65536)
    try:
        conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 100000000000\\r\\n\\r\\n")
        while True:
            conn.sendall(b"x" * 65536)
    except OSError:
        conn.close()
"""


def _step_against(tmp_path: Path, server: str, step: str) -> InProcessRun:
    """Run one step (``kind: ..., params``, on service ``web``) against a Python ``server``."""
    (tmp_path / "server.py").write_text(server, encoding="utf-8")
    text = _one_test(
        "services:",
        '  - {name: web, command: ["${python}", "${experiment_dir}/server.py", "${port}"],'
        " port: auto, ready: {tcp: true}}",
        "steps:",
        f"  - {{name: step, service: web, {step}}}",
    )
    return run_text(text, tmp_path)


class TestHttpBodies:
    """http_get reads a body within the step's timeout and memory, however much is sent."""

    def test_endless_body_fails_at_the_timeout_not_with_memory_error(self, tmp_path: Path) -> None:
        """A 100 GB Content-Length used to end in MemoryError (or eat memory until it did)."""
        run = _step_against(tmp_path, _ENDLESS_HTTP, "kind: http_get, timeout: 1")
        (failed,) = run.of_type("step.execution_failed")
        message = failed.data["error_message"]
        assert "MemoryError" not in message
        assert "body" in message and "1.0s" in message, message

    def test_expect_body_is_found_beyond_what_is_kept(self, tmp_path: Path) -> None:
        """A 20 MiB body ending in the expected text passes; the output keeps its first 16 MiB."""
        run = _step_against(tmp_path, _BIG_HTTP, "kind: http_get, expect_body: NEEDLE, timeout: 20")
        assert run.result.passed, run.result.tests[0].reason
        result = run.result.tests[0].steps[0].result
        assert result is not None and len(result.output) == 16 * 1024 * 1024


_BIG_HTTP = """
import socket, sys
body = b"x" * (20 * 1024 * 1024 - 3) + b"NEEDLE"
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    conn, _ = server.accept()
    try:
        if conn.recv(65536):  # the readiness check connects and sends nothing
            conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
    except OSError:
        pass
    conn.close()
"""


class TestLogReadiness:
    """ready.log: 'a regular expression a line of the service's stdout or stderr must match'."""

    @pytest.mark.parametrize(
        ("program", "pattern"),
        [
            # ^ matches at a later line's start (it only matched at the start of all output).
            ("print('starting'); print('listening on 1', flush=True)", "^listening on \\d+$"),
            # A line written in two pieces, a moment apart, matches once whole.
            (
                "import sys, time; sys.stdout.write('listen'); sys.stdout.flush(); "
                "time.sleep(0.3); print('ing', flush=True)",
                "^listening$",
            ),
        ],
    )
    def test_a_line_of_the_output_matches(self, tmp_path: Path, program: str, pattern: str) -> None:
        """The service becomes ready at the line its pattern matches."""
        text = _one_test(
            "services:",
            f'  - {{name: s, command: ["${{python}}", "-c", "{program}; import time; '
            f"time.sleep(60)\"], ready: {{log: '{pattern}', timeout: 5}}}}",
        )
        run = run_text(text, tmp_path)
        assert run.result.passed, run.result.tests[0].reason


class _BrokenParams(StrictParams):
    pass


class BrokenInitStep(Step):
    """A third-party step with a bug in its constructor."""

    Params = _BrokenParams

    def __init__(self, params: _BrokenParams) -> None:
        raise RuntimeError("bug in the plugin")

    def run(self, context: StepContext, timeout: float) -> StepOutput:
        return StepOutput()  # pragma: no cover (never constructed)


class TestBrokenStepPlugin:
    """A plugin's bug fails its step like any step failure; the engine goes on."""

    def test_constructor_error_fails_the_step_with_a_closed_lifecycle(self, tmp_path: Path) -> None:
        """The step gets execution_failed (it stayed 'executing'), the next is skipped."""
        catalog = PluginCatalog.discover()
        catalog.register("step", "broken", BrokenInitStep)
        text = _one_test("steps:", "  - {kind: broken}", "  - {kind: wait, seconds: 0}")
        run = run_text(text, tmp_path, catalog)
        (outcome,) = run.result.tests
        assert outcome.phase == "steps"
        assert outcome.reason == "step 'broken-1' failed: RuntimeError: bug in the plugin"
        finals = check_lifecycles(run.events)
        assert set(finals["step"].values()) == {"failed", "skipped"}
        assert run.refused == []


class TestEnvironmentVariables:
    """environment.env takes ${...} like every other string of a test, checked the same way."""

    def test_variables_in_environment_env_are_substituted(self, tmp_path: Path) -> None:
        """${workdir} and ${test} reach the processes' environment as values, not as text."""
        text = _one_test(
            "environment: {env: {WHERE: '${workdir}/x', WHO: '${test}', COST: '$$5'}}",
            "steps:",
            "  - {name: c, kind: command, run: 'echo \"$WHERE $WHO $COST\"', shell: true}",
        )
        run = run_text(text, tmp_path)
        assert run.result.passed, run.result.tests[0].reason
        result = run.result.tests[0].steps[0].result
        assert result is not None
        where, who, cost = result.output.split()
        assert where.endswith("/x") and "${" not in where
        assert (who, cost) == ("t", "$5")

    def test_unknown_variable_in_environment_env_is_refused(self) -> None:
        """It was passed on literally, silently."""
        ((line, key, message),) = _problems(_one_test("environment: {env: {X: '${nope}'}}"))
        assert (line, key) == (4, "tests[0].environment.env")
        assert "unknown variable ${nope}" in message


class TestExitCodeOfAStepWithout:
    """exit_code on a step that has no exit status (a wait, a tcp_send) says so."""

    def test_message_names_the_kind_not_an_unknown_status(self, tmp_path: Path) -> None:
        """'exited with an unknown status' read as if the wait had been killed."""
        text = _one_test(
            "steps: [{name: w, kind: wait, seconds: 0}]",
            "assertions: [{kind: exit_code, step: w}]",
        )
        run = run_text(text, tmp_path)
        (result,) = run.of_type("assertion.result")
        assert result.data["assertion_message"] == (
            "step 'w' (wait) has no exit status; exit_code judges steps that run a program"
        )


class TestMessages:
    """Each problem reads as one sentence."""

    def test_value_is_quoted_once(self) -> None:
        """'a valid integer, got 8080.5', not '..., got a number ..., got 8080.5'."""
        text = _one_test("services: [{name: s, command: [a], port: 8080.5}]")
        ((_, _, message),) = _problems(text)
        assert message == (
            "Input should be a valid integer, got 8080.5; or Input should be 'auto', got 8080.5"
        )


_FLOOD_TCP = """
import socket, sys
server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
while True:
    conn, _ = server.accept()
    try:
        if conn.recv(10):  # the readiness check sends nothing
            while True:
                conn.sendall(b"x" * 65536)
    except OSError:
        conn.close()
"""


class TestFloodingPeer:
    """A tcp_send whose peer floods it: the failure is one short line, the output bounded."""

    def test_failure_quotes_the_start_of_the_reply_and_its_size(self, tmp_path: Path) -> None:
        """The reason held the whole reply: a 15 MB line on the terminal, 120 MB in the store."""
        step = "kind: tcp_send, data: go, expect: never, timeout: 1"
        run = _step_against(tmp_path, _FLOOD_TCP, step)
        reason = run.result.tests[0].reason or ""
        assert len(reason) < 500, reason[:600]
        assert re.search(r"got \d[\d,]* bytes, starting 'x+'", reason), reason[:600]


class TestLargeCommandOutput:
    """A command's output is kept up to 16 MiB, like a reply's: the runner's memory is bounded."""

    def test_first_16_mib_of_stdout_and_last_of_stderr_are_kept(self, tmp_path: Path) -> None:
        """20 MiB on each stream: stdout keeps its start, stderr its end (where errors are)."""
        program = (
            "import sys; sys.stdout.write('o' * (20 << 20)); "
            "sys.stderr.write('e' * (20 << 20) + 'the error')"
        )
        text = _one_test(
            f'steps: [{{name: big, kind: command, run: ["${{python}}", "-c", "{program}"]}}]'
        )
        run = run_text(text, tmp_path)
        result = run.result.tests[0].steps[0].result
        assert result is not None
        assert len(result.output) == 16 << 20 and set(result.output) == {"o"}
        assert len(result.stderr) == 16 << 20 and result.stderr.endswith("the error")


class TestRelativeProgramPath:
    """'./server.py' next to the experiment file: the message says where it was looked for."""

    @pytest.mark.parametrize(
        "lines",
        [
            ("services: [{name: s, command: [./server.py]}]",),
            ("steps: [{name: s, kind: command, run: [./server.py]}]",),
        ],
    )
    def test_missing_relative_program_names_the_fix(
        self, tmp_path: Path, lines: tuple[str, ...]
    ) -> None:
        """Processes run in the test's working directory, not beside the experiment file."""
        (tmp_path / "server.py").write_text("print('hi')\n", encoding="utf-8")
        run = run_text(_one_test(*lines), tmp_path)
        reason = run.result.tests[0].reason or ""
        assert "working directory" in reason and "${experiment_dir}/server.py" in reason, reason
