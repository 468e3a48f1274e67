"""What ``pytest --panther-events`` costs: trivial tests timed with the plugin on and off.

Usage::

    python bench/pytest_plugin.py                 # 2,000 tests, 7 rounds (about a minute)
    python bench/pytest_plugin.py --tests 200 --rounds 1   # a quick look
    python bench/pytest_plugin.py --compare /tmp/old/src    # also another tree's plugin

Each round runs the same generated suite (``--tests`` trivial tests in files of 100) in three
fresh ``python -m pytest -q`` processes, in turn so that a busy moment of the machine hits all
three alike:

* ``absent``: the plugin not loaded at all (``-p no:panther_events``);
* ``inert``: installed but not enabled (what every pytest session in the environment pays);
* ``on``: ``--panther-events`` recording into a fresh SQLite store.

It prints, for each, the median wall time and the median CPU time (user + system, all
threads, and the recording process that ``on`` starts included) of the processes, and the
overhead of ``on`` over
``inert`` and over ``absent``; the promise (docs/pytest.md) is at most 15% longer than
``inert`` for 2,000 tests. Times are of the whole process: startup, collection, the run and
the store's final flush. On a shared machine CPU time is the steadier figure: wall time also
counts the moments the process waits for a core.

``--compare SRC`` adds ``inert@SRC`` and ``on@SRC``: the same runs with the ``panther_events``
package of another source tree first on ``PYTHONPATH`` (``git archive <commit> src | tar -x``),
taken in turn with the others, so a change is measured before and after in the same moments
of the machine.

``--instructions`` runs each variant once under ``valgrind --tool=callgrind`` instead and
prints the instructions executed (all threads; the pytest process alone, and with the
recording process it starts): a count that does not depend on how busy the machine is, for
comparing changes on a shared one (about 50 times slower: use ``--tests 400``).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = {
    "absent": ["-p", "no:panther_events"],
    "inert": [],
    "on": ["--panther-events"],
}
PER_FILE = 100


def make_suite(root: Path, tests: int) -> None:
    """Write ``tests`` trivial test functions into ``root``, ``PER_FILE`` to a file."""
    for start in range(0, tests, PER_FILE):
        count = min(PER_FILE, tests - start)
        body = "".join(f"def test_{start + i}():\n    assert True\n\n" for i in range(count))
        (root / f"test_trivial_{start // PER_FILE:03d}.py").write_text(body)
    (root / "pytest.ini").write_text("[pytest]\n")


def _command(
    root: Path, variant: str, round_no: int, src: str | None
) -> tuple[list[str], dict[str, str]]:
    """The pytest command and environment of ``variant`` (``<variant>@SRC``: with the
    package of source tree ``src``)."""
    base = variant.partition("@")[0]
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *VARIANTS[base]]
    if base == "on":
        args.append(f"--panther-events-db={root / f'events-{variant}-{round_no}.db'}")
    env = dict(os.environ)
    if src is not None and "@" in variant:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return args, env


def _run(args: list[str], root: Path, env: dict[str, str], variant: str) -> str:
    """Run one process; return its stderr (pytest failing stops the benchmark)."""
    done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed under {variant!r}:\n{done.stdout}\n{done.stderr}")
    return done.stderr


def run_once(
    root: Path, variant: str, round_no: int, src: str | None = None
) -> tuple[float, float]:
    """(wall, CPU) seconds of one pytest process over the suite, with ``variant``'s options."""
    args, env = _command(root, variant, round_no, src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    _run(args, root, env, variant)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def count_instructions(root: Path, variants: list[str], src: str | None) -> None:
    """Print the instructions each variant's process executes, under callgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("--instructions needs valgrind: apt-get install valgrind")
    counts = {}
    for variant in variants:
        args, env = _command(root, variant, 0, src)
        logs = root / f"valgrind-{variant.replace('@', '-')}"
        logs.mkdir()
        tool = [
            valgrind,
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            "--trace-children=yes",
            f"--log-file={logs}/%p.log",  # one log per process: the recorder's stderr is not ours
        ]
        _run([*tool, *args], root, env, variant)
        # One count per process; the pytest process is the one this process started.
        found, pytest_process = [], 0
        for log in logs.iterdir():
            text = log.read_text()
            count = re.search(r"Collected : (\d+)", text)
            if count is None:
                raise SystemExit(f"no instruction count in {log} for {variant!r}")
            found.append(int(count.group(1)))
            if re.search(rf"Parent PID: {os.getpid()}\b", text):
                pytest_process = found[-1]
        counts[variant] = sum(found)
        print(
            f"{variant}: {counts[variant]:,} instructions "
            f"(the pytest process {pytest_process:,}; {len(found)} process(es))",
            flush=True,
        )
    for variant, count in counts.items():
        base = "inert@SRC" if variant.endswith("@SRC") else "inert"
        if variant != base:
            print(f"{variant} over {base}: {(count / counts[base] - 1) * 100:+.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000, help="number of trivial tests")
    parser.add_argument("--rounds", type=int, default=7, help="processes per variant")
    parser.add_argument("--compare", metavar="SRC", help="also time the package in SRC")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under callgrind"
    )
    options = parser.parse_args()
    variants = list(VARIANTS)
    if options.compare:
        variants += ["inert@SRC", "on@SRC"]
    with tempfile.TemporaryDirectory(prefix="pe-bench-pytest-") as tmp:
        root = Path(tmp)
        make_suite(root, options.tests)
        if options.instructions:
            count_instructions(root, variants, options.compare)
            return
        wall: dict[str, list[float]] = {v: [] for v in variants}
        cpu: dict[str, list[float]] = {v: [] for v in variants}
        for variant in variants:  # warm the file cache and the bytecode
            run_once(root, variant, -1, options.compare)
        for round_no in range(options.rounds):
            for variant in variants:
                seconds, cpu_seconds = run_once(root, variant, round_no, options.compare)
                wall[variant].append(seconds)
                cpu[variant].append(cpu_seconds)
    print(f"pytest, {options.tests} trivial tests, median of {options.rounds} processes each")
    print()
    print("| variant | wall s (median) | CPU s (median) | CPU s (best) |")
    print("|---|---|---|---|")
    for variant in variants:
        print(
            f"| {variant} | {statistics.median(wall[variant]):.3f} | "
            f"{statistics.median(cpu[variant]):.3f} | {min(cpu[variant]):.3f} |"
        )
    print()
    for base in ("inert", "absent"):
        for label, figures in (("wall", wall), ("CPU", cpu)):
            ratio = statistics.median(figures["on"]) / statistics.median(figures[base])
            print(f"--panther-events over {base}, {label} time: {(ratio - 1) * 100:+.1f}%")
    if options.compare:
        print(f"SRC = {options.compare}")
        for label, figures in (("wall", wall), ("CPU", cpu)):
            ratio = statistics.median(figures["on@SRC"]) / statistics.median(figures["inert@SRC"])
            print(f"--panther-events over inert, SRC, {label} time: {(ratio - 1) * 100:+.1f}%")


if __name__ == "__main__":
    main()
