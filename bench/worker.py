"""Run benchmark cases of one implementation in this process and print their figures as JSON.

Usage: ``python bench/worker.py MODULE VARIANT REPS CASE=N[,CASE=N...]`` where MODULE is one of
the ``cases_*`` modules beside this file. ``bench/run.py`` starts one such process per
implementation and case (per implementation in smoke mode), so no library's imports, caches or
garbage touch another's figures. The last line printed maps each case to ``{"values": [...]}``,
``{"skip": reason}`` or ``{"error": text}``.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback

from _common import Unavailable


def run_case(
    module_name: str, variant: str, case_name: str, n: int, reps: int
) -> dict[str, object]:
    """Run one case ``reps`` times after a small warm-up; never raise."""
    try:
        module = importlib.import_module(module_name)
        case = module.cases(variant).get(case_name)
        if case is None:
            raise Unavailable(f"{module_name}:{variant} has no case {case_name!r}")
        if not case_name.startswith(("mem_", "rss_")):
            case(max(10, n // 10))  # warm-up: fill caches, specialise bytecode
        return {"values": [case(n) for _ in range(reps)]}
    except Unavailable as exc:
        return {"skip": str(exc)}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}


def main(argv: list[str]) -> int:
    """Run every requested case and print the JSON result line."""
    module_name, variant, reps_text, spec = argv
    results = {}
    for item in spec.split(","):
        case_name, _, n_text = item.partition("=")
        results[case_name] = run_case(module_name, variant, case_name, int(n_text), int(reps_text))
    sys.stdout.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
