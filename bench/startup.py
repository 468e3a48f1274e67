"""Start-up cost of `import panther_events` and `panther-events --help` against importing blinker.

Usage::

    python bench/startup.py            # part of make bench
    python bench/startup.py --smoke    # a few rounds (make bench-smoke)

Each command runs in a fresh interpreter, the commands taken in turn for ``--rounds`` rounds so a
noisy moment hits all of them alike; a cost is the best wall time minus the best of a bare
interpreter (``python -c pass``). Bytecode is compiled first, as an installed package has it. The
goals (issue 13): the import at most 2.5x blinker's import cost, ``--help`` at most 4x.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    "bare interpreter": [sys.executable, "-c", "pass"],
    "import blinker": [sys.executable, "-c", "import blinker"],
    "import panther_events": [sys.executable, "-c", "import panther_events"],
    "panther-events --help": [str(BIN / "panther-events"), "--help"],
}
#: Row -> the most it may cost, as a multiple of blinker's import.
GOALS = {"import panther_events": 2.5, "panther-events --help": 4.0}


def measure(rounds: int) -> dict[str, float]:
    """Best wall time of each command, in seconds, over ``rounds`` interleaved rounds."""
    # Write bytecode (the environment may forbid it) so no round pays for compiling.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = dict.fromkeys(COMMANDS, float("inf"))
    for round_index in range(rounds + 1):
        for name, argv in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
            if round_index:  # round 0 warms the caches
                best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    """Measure, print a Markdown table with the verdicts, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="3 rounds: checks that it runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    best = measure(3 if args.smoke else args.rounds)
    bare = best["bare interpreter"]
    blinker = best["import blinker"] - bare
    print("| Start-up | Cost over a bare interpreter | x blinker's import | Goal |")
    print("|---|---|---|---|")
    figures = {}
    for name in COMMANDS:
        if name == "bare interpreter":
            continue
        cost = best[name] - bare
        ratio = cost / blinker
        figures[name] = {"ms": round(cost * 1000, 1), "x_blinker": round(ratio, 2)}
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"<= {goal}x: {'met' if ratio <= goal else 'MISSED'}"
        print(f"| {name} | {cost * 1000:.1f} ms | {ratio:.2f} | {verdict} |")
    print(f"\nbare interpreter: {bare * 1000:.1f} ms; best of {3 if args.smoke else args.rounds}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
