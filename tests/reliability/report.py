"""`python -m tests.reliability.report <figures dir> <out.json>`: the table `make reliability` prints.

Reads the figures the suite wrote (`RELIABILITY_REPORT_DIR`), prints scenarios run, faults
injected, random operations, fuzz cases and violations, writes them as JSON, and exits 1 when a
violation remains or a figure is below what the suite promises.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MINIMUMS = {"fault_scenarios": 15, "operations": 10_000, "fuzz_cases": 1_000}


def summarise(figures: list[dict[str, Any]]) -> dict[str, Any]:
    scenarios = [s for f in figures for s in f.get("scenarios", [])]
    counts: dict[str, int] = {}
    for f in figures:
        for key, value in f.get("counts", {}).items():
            counts[key] = counts.get(key, 0) + int(value)
    faulted = [s for s in scenarios if s["faults_injected"] > 0]
    return {
        "scenarios_run": len(scenarios),
        "fault_scenarios": len({s["scenario"] for s in faulted}),
        "faults_injected": sum(s["faults_injected"] for s in scenarios),
        "found_and_repaired": sum(s["found_before_repair"] for s in scenarios if s["violations"] == 0),
        "operations": counts.get("operations", 0),
        "operations_repeated_after_timeouts": counts.get("operations_repeated_after_timeouts", 0),
        "fuzz_cases": counts.get("fuzz_cases", 0),
        "violations": sum(s["violations"] for s in scenarios),
        "scenarios": scenarios,
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(source: Path, target: Path) -> int:
    figures = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(source.glob("*.json"))]
    summary = summarise(figures)
    rows = [
        ("scenarios run", summary["scenarios_run"], ""),
        ("distinct fault scenarios", summary["fault_scenarios"], f">= {MINIMUMS['fault_scenarios']}"),
        ("faults injected", summary["faults_injected"], ""),
        ("violations found and repaired (sweeper)", summary["found_and_repaired"], ""),
        ("random operations", summary["operations"], f">= {MINIMUMS['operations']:,}"),
        ("fuzz cases", summary["fuzz_cases"], f">= {MINIMUMS['fuzz_cases']:,}"),
        ("violations remaining", summary["violations"], "0"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure'.ljust(width)}  {'value':>8}  target")
    for name, value, wanted in rows:
        print(f"{name.ljust(width)}  {value:>8,}  {wanted}")
    short = [k for k, minimum in MINIMUMS.items() if summary[k] < minimum]
    summary.update(
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=_commit(),
        machine=f"{platform.system()} {platform.machine()}, python {platform.python_version()}",
        below_minimum=short,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"written to {target}")
    if short:
        print(f"below the minimum: {', '.join(short)}", file=sys.stderr)
    return 1 if summary["violations"] or short else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
