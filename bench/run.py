"""Benchmark panther-events against panther-net, blinker, pyee, PyPubSub, state-machine peers
and a dispatch floor, and print a Markdown table of medians with the ratio to our figure.

Usage::

    python bench/run.py            # the full run (make bench): a few minutes
    python bench/run.py --smoke    # every case with tiny counts (make bench-smoke): seconds
    python bench/run.py --only publish_exact,unique_20k --rounds 5 --json out.json

Each implementation runs each case in its own process (``bench/worker.py``), panther-net in the
virtualenv ``bench/.peers/panther-net`` made by ``bench/setup_peers.py``. A case is measured in
``--rounds`` processes per implementation, taken in turn across implementations so that a noisy
moment hits all of them alike, each doing ``--reps`` timed repetitions after a warm-up; the
table shows the median of all repetitions. Implementations or code that are missing are
reported as "not available" and never stop the run. Figures are lower-is-better.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from _common import machine_probe_ms

BENCH = Path(__file__).resolve().parent
PEER_PYTHON = BENCH / ".peers" / "panther-net" / "bin" / "python"
SETUP_HINT = "run `python bench/setup_peers.py` (make bench does)"


@dataclass(frozen=True)
class Impl:
    """One implementation: where it runs (``ours`` venv or the ``panther`` peer venv)."""

    label: str
    venv: str
    module: str
    variant: str
    pythonpath: str = ""  # set for --baseline: another source tree of panther-events


IMPLS: dict[str, Impl] = {
    "ours": Impl("panther-events", "ours", "cases_ours", "default"),
    "pn": Impl("panther-net 1.2.0 (defaults)", "panther", "cases_panther", "defaults"),
    "pn-off": Impl("panther-net 1.2.0 (dedup off)", "panther", "cases_panther", "dedup-off"),
    "blinker": Impl("blinker `send`", "ours", "cases_dispatch", "blinker"),
    "pyee": Impl("pyee `emit`", "ours", "cases_dispatch", "pyee"),
    "pypubsub": Impl("PyPubSub `sendMessage`", "ours", "cases_dispatch", "pypubsub"),
    "floor": Impl("floor: dict of tuples", "ours", "cases_dispatch", "floor"),
    "transitions": Impl("transitions", "ours", "cases_states", "transitions"),
    "statemachine": Impl("python-statemachine", "ours", "cases_states", "python-statemachine"),
}

DISPATCH = ["ours", "pn-off", "blinker", "pyee", "pypubsub", "floor"]


@dataclass(frozen=True)
class Case:
    """One row group of the table: what is measured, in which unit, with which counts."""

    key: str
    title: str
    unit: str
    n: int
    n_smoke: int
    impls: list[str]
    rounds: int | None = None  # None: the --rounds option
    reps: int | None = None  # None: the --reps option


CASES: list[Case] = [
    Case(
        "build_event",
        "Build a typed event with its content id",
        "µs/event",
        50_000,
        300,
        ["ours", "pn"],
    ),
    Case(
        "publish_exact",
        "Publish to 1 observer on the exact type (dedup on)",
        "µs/event",
        20_000,
        300,
        DISPATCH,
    ),
    Case(
        "mixed_10", "10 observers with mixed patterns (9 match)", "µs/event", 20_000, 300, DISPATCH
    ),
    Case("patterns_100", "100 registered patterns, 1 matches", "µs/event", 20_000, 300, DISPATCH),
    Case(
        "patterns_1000", "1,000 registered patterns, 1 matches", "µs/event", 20_000, 300, DISPATCH
    ),
    Case("wildcard", "One wildcard (`*`) subscription", "µs/event", 20_000, 300, DISPATCH),
    Case(
        "flat_100",
        "Publish time with 100 patterns / with 1, back to back in one process",
        "x",
        20_000,
        300,
        ["ours"],
    ),
    Case(
        "flat_1000",
        "Publish time with 1,000 patterns / with 1, back to back in one process",
        "x",
        20_000,
        300,
        ["ours"],
    ),
    Case(
        "unique_20k",
        "20,000 unique events, dedup on at defaults, 1 exact observer",
        "µs/event",
        20_000,
        300,
        ["ours", "pn", "pn-off"],
    ),
    Case(
        "logger_observer",
        "LoggerObserver attached, output to /dev/null",
        "µs/event",
        10_000,
        200,
        ["ours", "pn-off"],
    ),
    Case(
        "store_append",
        "SQLite store: `append` one by one + `flush`",
        "µs/event",
        50_000,
        300,
        ["ours"],
    ),
    Case(
        "store_append_many",
        "SQLite store: `append_many` + `flush`",
        "µs/event",
        50_000,
        300,
        ["ours"],
    ),
    Case(
        "store_end_to_end",
        "Publish + EventStoreObserver + SQLite, until flushed",
        "µs/event",
        20_000,
        300,
        ["ours"],
    ),
    Case(
        "store_read_entity",
        "Read one entity's 100 events of 1,000,000 stored",
        "µs/read",
        10_000,
        20,
        ["ours"],
        rounds=1,
        reps=3,
    ),
    Case(
        "state_transition",
        "One state transition (a <-> b)",
        "µs/transition",
        10_000,
        300,
        ["ours", "pn", "transitions", "statemachine"],
    ),
    Case(
        "mem_event",
        "Memory per live event (tracemalloc)",
        "bytes/event",
        20_000,
        300,
        ["ours", "pn"],
        rounds=1,
        reps=1,
    ),
    Case(
        "rss_run",
        "Peak RSS of 1,000,000 events published, history off",
        "MiB",
        1_000_000,
        2_000,
        ["ours", "pn-off"],
        rounds=1,
        reps=1,
    ),
]


@dataclass
class Result:
    """The figures of one implementation on one case, or why there are none."""

    values: list[float] = field(default_factory=list)
    status: str = ""  # empty when measured; otherwise "not available: ..." or "error: ..."

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values and not self.status else None

    @property
    def best(self) -> float | None:
        return min(self.values) if self.values and not self.status else None


def _parse(payload: object) -> Result:
    if not isinstance(payload, dict):
        return Result(status="error: worker printed no result for this case")
    if "skip" in payload:
        return Result(status=f"not available: {payload['skip']}")
    if "error" in payload:
        return Result(status=f"error: {payload['error']}")
    return Result(values=[float(v) for v in payload["values"]])


def run_worker(
    impl: Impl, jobs: list[tuple[str, int]], reps: int, timeout: float, peer_python: Path
) -> dict[str, Result]:
    """Run one worker process for ``jobs`` (case, count) and parse its last output line."""
    python = peer_python if impl.venv == "panther" else Path(sys.executable)
    if not python.exists():
        missing = Result(status=f"not available: panther-net not installed; {SETUP_HINT}")
        return {case: missing for case, _ in jobs}
    spec = ",".join(f"{case}={n}" for case, n in jobs)
    command = [str(python), "worker.py", impl.module, impl.variant, str(reps), spec]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if impl.pythonpath:
        env["PYTHONPATH"] = impl.pythonpath
    try:
        done = subprocess.run(
            command,
            cwd=BENCH,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        failed = Result(status=f"error: timed out after {timeout:.0f} s")
        return {case: failed for case, _ in jobs}
    lines = done.stdout.strip().splitlines()
    try:
        payload = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        failed = Result(status=f"error: worker exited {done.returncode}: {tail[0]}")
        return {case: failed for case, _ in jobs}
    return {case: _parse(payload.get(case)) for case, _ in jobs}


def _log(case: str, impl: str, where: str, result: Result, took: float) -> None:
    shown = result.status or ", ".join(f"{v:.3g}" for v in result.values)
    print(f"  {case:<18} {impl:<13} {where}: {shown} ({took:.1f} s)", file=sys.stderr, flush=True)


def measure(
    cases: list[Case], *, smoke: bool, rounds: int, reps: int, timeout: float, peer_python: Path
) -> dict[str, dict[str, Result]]:
    """Measure every case.

    In a full run each case gets ``rounds`` processes per implementation, taken in turn across
    its implementations. In smoke mode each implementation runs all its cases in one process.
    """
    results: dict[str, dict[str, Result]] = {c.key: {k: Result() for k in c.impls} for c in cases}
    if smoke:
        for key, impl in IMPLS.items():
            jobs = [(c.key, c.n_smoke) for c in cases if key in c.impls]
            if not jobs:
                continue
            started = time.perf_counter()
            got = run_worker(impl, jobs, 1, timeout, peer_python)
            took = time.perf_counter() - started
            for case_key, _ in jobs:
                results[case_key][key] = got[case_key]
                _log(case_key, key, "smoke", got[case_key], took)
        return results
    for case in cases:
        case_rounds = case.rounds or rounds
        case_reps = case.reps or reps
        per_impl = results[case.key]
        for round_index in range(case_rounds):
            for key in case.impls:
                result = per_impl[key]
                if result.status:
                    continue  # unavailable or failed once: do not try again
                started = time.perf_counter()
                got = run_worker(IMPLS[key], [(case.key, case.n)], case_reps, timeout, peer_python)
                got_case = got[case.key]
                _log(
                    case.key,
                    key,
                    f"round {round_index + 1}/{case_rounds}",
                    got_case,
                    time.perf_counter() - started,
                )
                result.values.extend(got_case.values)
                result.status = got_case.status
    return results


def fmt(value: float) -> str:
    """Three significant figures, without scientific notation for ordinary magnitudes."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(cases: list[Case], results: dict[str, dict[str, Result]], n_of: dict[str, int]) -> str:
    """The Markdown table: one row per implementation and case, ratio to our figure."""
    lines = [
        "| Case | Implementation | Median | Best | Per second | x ours |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for case in cases:
        per_impl = results.get(case.key, {})
        ours = per_impl.get("ours")
        ours_median = ours.median if ours is not None else None
        title = f"{case.title} (n={n_of[case.key]:,})"
        for key in case.impls:
            result = per_impl.get(key, Result(status="not run"))
            label = IMPLS[key].label
            median = result.median
            if median is None:
                lines.append(f"| {title} | {label} | {result.status or 'no figure'} | | | |")
                continue
            rate = fmt(1e6 / median) if case.unit.startswith("µs") and median > 0 else ""
            if key == "ours":
                ratio = "1.00 (ours)"
            elif ours_median:
                ratio = f"{median / ours_median:.2f}"
            else:
                ratio = "n/a"
            lines.append(
                f"| {title} | {label} | {fmt(median)} {case.unit} | {fmt(result.best or median)} "
                f"| {rate} | {ratio} |"
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """One target of issue #7: a ratio or rate that must hold."""

    text: str
    figure: str  # how the measured value is computed, for the report
    check: str  # "min" (value >= bound) or "max" (value <= bound)
    bound: float
    a: tuple[str, str]  # (case, impl) numerator
    b: tuple[str, str] | None = None  # (case, impl) denominator; None for an absolute rate


TARGETS: list[Target] = [
    Target(
        "Build a typed event: at most 1/5 of panther-net's time",
        "ours / panther-net",
        "max",
        0.2,
        ("build_event", "ours"),
        ("build_event", "pn"),
    ),
    Target(
        "Publish, 1 exact observer, dedup on: ≥ 10x panther-net with dedup off",
        "panther-net / ours",
        "min",
        10,
        ("publish_exact", "pn-off"),
        ("publish_exact", "ours"),
    ),
    Target(
        "… ≥ 100x panther-net at its defaults over 20,000 unique events",
        "panther-net / ours",
        "min",
        100,
        ("unique_20k", "pn"),
        ("unique_20k", "ours"),
    ),
    Target(
        "… at least as fast as pyee's `emit`",
        "pyee / ours",
        "min",
        1,
        ("publish_exact", "pyee"),
        ("publish_exact", "ours"),
    ),
    Target(
        "… ≥ 2x blinker's `send`",
        "blinker / ours",
        "min",
        2,
        ("publish_exact", "blinker"),
        ("publish_exact", "ours"),
    ),
    Target(
        "… within 4x of the floor",
        "ours / floor",
        "max",
        4,
        ("publish_exact", "ours"),
        ("publish_exact", "floor"),
    ),
    Target(
        "Issue 14 budget: build a typed event in at most 0.32 of panther-net's time",
        "ours / panther-net",
        "max",
        0.32,
        ("build_event", "ours"),
        ("build_event", "pn"),
    ),
    Target(
        "Issue 14 budget: publish, 1 exact observer, ≥ 1.15x pyee's `emit`",
        "pyee / ours",
        "min",
        1.15,
        ("publish_exact", "pyee"),
        ("publish_exact", "ours"),
    ),
    Target(
        "Issue 14 budget: publish, 1 exact observer, ≥ 1.6x blinker's `send`",
        "blinker / ours",
        "min",
        1.6,
        ("publish_exact", "blinker"),
        ("publish_exact", "ours"),
    ),
    Target(
        "Publish cost flat from 1 to 100 patterns (±20%)",
        "100 / 1 pattern",
        "band",
        0.2,
        ("flat_100", "ours"),
    ),
    Target(
        "Publish cost flat from 1 to 1,000 patterns (±20%)",
        "1,000 / 1 pattern",
        "band",
        0.2,
        ("flat_1000", "ours"),
    ),
    Target(
        "SQLite store ≥ 100,000 events/s (`append_many`)",
        "events/s",
        "rate",
        100_000,
        ("store_append_many", "ours"),
    ),
    Target(
        "SQLite store ≥ 100,000 events/s (`append` one by one)",
        "events/s",
        "rate",
        100_000,
        ("store_append", "ours"),
    ),
    Target(
        "Publish + store end to end ≥ 50,000 events/s",
        "events/s",
        "rate",
        50_000,
        ("store_end_to_end", "ours"),
    ),
]


def targets(results: dict[str, dict[str, Result]]) -> str:
    """The Markdown list of targets with the measured figure and met / not met."""
    lines = [
        "| Target | Measured: medians (bests) | Verdict on medians |",
        "| --- | --- | --- |",
    ]
    for target in TARGETS:
        a = results.get(target.a[0], {}).get(target.a[1])
        b = results.get(target.b[0], {}).get(target.b[1]) if target.b else None
        va = a.median if a else None
        vb = b.median if b else None
        if va is None or (target.b is not None and vb is None):
            lines.append(f"| {target.text} | not measured | not measured |")
            continue
        # The verdict is on medians; the ratio of the best figures is shown beside it, as a
        # CPU-bound figure can only be inflated by a busy machine, never deflated.
        ba = a.best if a else None
        bb = b.best if b else None
        if target.check == "rate":
            value = 1e6 / va
            met = value >= target.bound
            shown = f"{value:,.0f} {target.figure} (best {1e6 / (ba or va):,.0f})"
        elif target.b is None:  # a ratio measured as such (the flatness cases)
            met = abs(va - 1) <= target.bound
            shown = f"{target.figure} = {va:.2f} (best {ba or va:.2f})"
        else:
            assert vb is not None
            value = va / vb
            if target.check == "min":
                met = value >= target.bound
            elif target.check == "max":
                met = value <= target.bound
            else:
                met = abs(value - 1) <= target.bound
            best_ratio = (ba or va) / (bb or vb)
            shown = f"{target.figure} = {value:.2f} (best {best_ratio:.2f})"
        lines.append(f"| {target.text} | {shown} | {'met' if met else '**not met**'} |")
    return "\n".join(lines)


def versions(peer_python: Path) -> str:
    """One line naming the interpreter, machine and every library's version."""
    names = ["panther-events", "blinker", "pyee", "Pypubsub", "transitions", "python-statemachine"]
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} not installed")
    if peer_python.exists():
        probe = "import importlib.metadata as m; print(m.version('panther-net'))"
        done = subprocess.run(
            [str(peer_python), "-c", probe], check=False, capture_output=True, text=True
        )
        parts.append(f"panther-net {done.stdout.strip() or 'broken venv'}")
    else:
        parts.append(f"panther-net not installed ({SETUP_HINT})")
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs ({cpu}). " + ", ".join(parts) + "."
    )


def with_baseline(cases: list[Case], tree: Path, parser: argparse.ArgumentParser) -> list[Case]:
    """Add the implementation ``base``, panther-events imported from ``tree``, after ours."""
    src = tree / "src" if (tree / "src" / "panther_events").is_dir() else tree
    if not (src / "panther_events").is_dir():
        parser.error(f"--baseline {tree}: no panther_events package there (or in its src/)")
    IMPLS["base"] = Impl(
        "panther-events (baseline)", "ours", "cases_ours", "default", str(src.resolve())
    )
    return [
        replace(c, impls=["ours", "base", *c.impls[1:]]) if c.impls[0] == "ours" else c
        for c in cases
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse options, measure, print the Markdown report; exit 0 unless nothing was measured."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny counts, 1 round of 1 rep")
    parser.add_argument("--only", help="comma-separated case keys to run")
    parser.add_argument("--rounds", type=int, default=3, help="processes per implementation")
    parser.add_argument("--reps", type=int, default=3, help="timed repetitions per process")
    parser.add_argument("--timeout", type=float, help="seconds per worker process")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument(
        "--peer-python",
        type=Path,
        default=PEER_PYTHON,
        help="the interpreter of the panther-net venv (default: bench/.peers/panther-net)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a source tree of panther-events (its src/) also measured as 'panther-events "
        "(baseline)' beside ours, e.g. one made by `git worktree add` or `git archive`",
    )
    args = parser.parse_args(argv)
    cases = CASES
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {c.key for c in CASES}
        if unknown:
            parser.error(f"unknown case(s) {sorted(unknown)}; known: {[c.key for c in CASES]}")
        cases = [c for c in CASES if c.key in wanted]
    if args.baseline:
        cases = with_baseline(cases, args.baseline, parser)
    timeout = args.timeout or (120.0 if args.smoke else 1800.0)
    started = time.perf_counter()
    probe_before = machine_probe_ms()
    results = measure(
        cases,
        smoke=args.smoke,
        rounds=args.rounds,
        reps=args.reps,
        timeout=timeout,
        peer_python=args.peer_python,
    )
    n_of = {c.key: (c.n_smoke if args.smoke else c.n) for c in cases}
    mode = "smoke (tiny counts: figures are not meaningful)" if args.smoke else "full"
    print(f"## Benchmark results ({mode})\n")
    print(versions(args.peer_python) + "\n")
    print(
        "Medians of all repetitions; lower is better. **x ours** is the implementation's "
        "figure divided by ours: above 1 means panther-events is faster (or smaller).\n"
    )
    print(table(cases, results, n_of) + "\n")
    print("### Targets (issues #7 and #14)\n")
    print(targets(results) + "\n")
    print(f"Total wall time: {time.perf_counter() - started:.0f} s.")
    print(
        f"Machine speed probe (ms to add up 10^6 integers; lower is faster): "
        f"{probe_before:.2f} before, {machine_probe_ms():.2f} after."
    )
    if args.json:
        raw = {
            case: {k: {"values": r.values, "status": r.status} for k, r in per.items()}
            for case, per in results.items()
        }
        args.json.write_text(json.dumps(raw, indent=2) + "\n")
    measured = any(r.median is not None for per in results.values() for r in per.values())
    return 0 if measured else 1


if __name__ == "__main__":
    sys.exit(main())
