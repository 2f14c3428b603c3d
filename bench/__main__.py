"""`make bench`: runs the scenarios against local stacks it starts itself, prints a table per
scenario and a summary of the issue's targets, and writes the figures to bench/results/latest.json.

    python -m bench [scenario ...] [--smoke] [--output PATH]

A full run starts a fresh stack for every scenario, so no scenario inherits another's leftovers (the
soak's memory, open holds); `--smoke` runs a tiny version of each on one shared stack.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
import traceback
from pathlib import Path
from typing import Any

from bench import results
from bench.rest_client import RestClient
from bench.scenario import Context, Scenario
from bench.scenarios import BY_NAME, SCENARIOS
from bench.stack_process import StackProcess
from bench.stats import fmt, table
from bench.targets import evaluate

FULL_RUN_LIMIT_S = 570.0  # under 10 minutes, with a margin for the last stack's shutdown
SMOKE_BUDGET_S = 15.0


def _stop(stack: StackProcess, run_id: str, name: str) -> dict[str, Any]:
    """Writes one last product, presses Ctrl-C, and checks that product reached the state file."""
    marker = f"SAVED-{run_id}-{name}"
    try:
        RestClient(stack.api_url).call("POST", "/products", {"sku": marker, "name": marker}, admin=True)
    except OSError:
        pass
    return stack.stop(saved_marker=marker).as_dict()


def _run_one(
    scenario: Scenario, stack: StackProcess | None, smoke: bool, run_id: str, budget: float
) -> dict[str, Any]:
    started = time.monotonic()
    entry: dict[str, Any] = {"title": scenario.title, "budget_s": round(budget, 1)}
    own_stack = stack is None and scenario.needs_stack
    try:
        if own_stack:
            stack = StackProcess().start()
        ctx = Context(
            stack or StackProcess(), RestClient(stack.api_url if stack else ""), smoke, run_id, budget
        )
        entry["figures"] = scenario.run(ctx)
        entry["error"] = None
    except Exception as error:
        traceback.print_exc()
        entry["figures"] = entry.get("figures") or {}
        entry["error"] = f"{type(error).__name__}: {error}"
        if stack is not None and stack.process is not None:
            entry["stack_log_tail"] = stack.log_tail(10)
    finally:
        if own_stack and stack is not None and stack.process is not None:
            entry["stack"] = _stop(stack, run_id, scenario.name)
            stopped = entry["stack"]
            print(f"stack stopped in {stopped['exit_seconds']:.1f} s, data saved: {stopped['state_saved']}")
    entry["seconds"] = round(time.monotonic() - started, 1)
    entry["run_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return entry


def _interrupted(*_args: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C or a kill must still stop the stacks this process started (the `finally` blocks do it);
    # a shell that starts the run in the background leaves SIGINT ignored unless it is set again.
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenarios", nargs="*", choices=[[], *BY_NAME], metavar="scenario", help=", ".join(BY_NAME)
    )
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny version of every scenario, in well under a minute"
    )
    parser.add_argument("--output", type=Path, default=None, help="where to write the JSON figures")
    args = parser.parse_args(argv)
    chosen = [BY_NAME[name] for name in args.scenarios] or SCENARIOS
    output = args.output or results.default_path(args.smoke)
    run_id = time.strftime("%H%M%S")
    load_at_start = results.load_average()
    cpu_at_start = results.cpu_times()
    pause_at_start = results.pause_penalty()
    started = time.monotonic()

    shared: StackProcess | None = None
    if args.smoke and any(s.needs_stack for s in chosen):
        shared = StackProcess().start()
    entries: dict[str, dict[str, Any]] = {}
    try:
        for scenario in chosen:
            left = FULL_RUN_LIMIT_S - (time.monotonic() - started)
            budget = SMOKE_BUDGET_S if args.smoke else max(20.0, min(scenario.budget_s, left - 10))
            print(f"\n=== {scenario.name}: {scenario.title} (budget {budget:.0f} s) ===", flush=True)
            entries[scenario.name] = _run_one(scenario, shared, args.smoke, run_id, budget)
            print(f"({scenario.name} took {entries[scenario.name]['seconds']:.1f} s)", flush=True)
    finally:
        shared_stop = _stop(shared, run_id, "shared") if shared is not None else None

    document = results.merge(output, entries, smoke=args.smoke, shared_stack_stop=shared_stop)
    document["machine"]["load_average_at_start"] = load_at_start
    document["machine"]["cpu_steal_share"] = results.steal_share(cpu_at_start, results.cpu_times())
    document["machine"]["pause_penalty_at_start"] = pause_at_start
    document["machine"]["pause_penalty_at_end"] = results.pause_penalty()
    document["targets"] = evaluate(document["scenarios"])
    document["total_seconds"] = round(time.monotonic() - started, 1)
    results.write(output, document)
    print(
        table(
            "targets (issue 8) for this run",
            ["target", "value", "met"],
            [
                [t["target"], fmt(t["value"]), "-" if t["met"] is None else ("yes" if t["met"] else "NO")]
                for t in document["targets"]
            ],
        )
    )
    failed = [name for name, entry in entries.items() if entry.get("error")]
    loads = document["machine"]["load_average_at_start"], document["machine"]["load_average_at_end"]
    print(f"load average (1, 5, 15 min) at start {loads[0]}, at end {loads[1]} on {os.cpu_count()} CPUs")
    steal = document["machine"]["cpu_steal_share"]
    if steal is not None:
        print(f"CPU time taken by the hypervisor for other guests (steal) during the run: {steal:.1%}")
    pauses = document["machine"]["pause_penalty_at_start"], document["machine"]["pause_penalty_at_end"]
    print(
        f"the same small work (a request event parsed and written) {pauses[0]['pause_ms']:.0f} ms after "
        f"a pause against back to back: {pauses[0]['factor']:.2f}x at the start "
        f"({pauses[0]['back_to_back_us']:.0f} / {pauses[0]['after_pause_us']:.0f} us), "
        f"{pauses[1]['factor']:.2f}x at the end"
    )
    print(
        f"\nwrote {output} in {document['total_seconds']:.0f} s"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
