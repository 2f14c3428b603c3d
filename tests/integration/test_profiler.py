"""The stack's sampling profiler names what keeps a CPU busy, never a thread parked in a wait."""

from __future__ import annotations

import asyncio
import sys
import threading

from local_stack import profiler
from local_stack.stack import LocalStack
from tests.support import wait_for


def test_parked_execution_starters_are_idle(stack: LocalStack) -> None:
    # Given the running stack's execution starter threads, parked until an execution starts
    starters = {
        t.ident
        for t in threading.enumerate()
        if t.name.startswith("moto-execution-starter") and t.ident is not None
    }
    assert starters
    frames = sys._current_frames()
    # Then each counts as idle (its wait is in C: no Python frame below it shows one)
    assert all(profiler._idle(frames[ident]) for ident in starters)


def test_a_spinning_thread_is_the_top_cost(stack: LocalStack) -> None:
    # Given a thread that keeps a CPU busy in a function of its own (calling only C, so that every
    # sample of it lands in this frame)
    spinning = [True]

    def spin_for_the_profiler() -> None:
        while spinning[0]:
            sum(range(1000))

    spinner = threading.Thread(target=spin_for_the_profiler, daemon=True)
    spinner.start()
    try:
        # When the stack's threads are sampled
        summary = profiler.sample(0.5)
    finally:
        spinning[0] = False
        spinner.join(timeout=5)
    # Then the spinner leads (a tie allowed: under pytest-xdist, execnet's reader thread blocks in
    # C below a Python `read`, so it is sampled as busy as often), it was busy at nearly every tick,
    # and idle threads (the starters among them) are counted apart
    shares = {line["function"]: line["self_share"] for line in summary["top"]}
    spinner = shares.get("test_profiler.py:spin_for_the_profiler", 0.0)
    assert spinner == max(shares.values())
    assert spinner * summary["samples"] >= 0.9 * summary["ticks"]
    assert summary["idle_samples"] > summary["ticks"]
    assert not [t for t in summary["top"] if t["function"].endswith(":starter")]


def test_a_thread_waiting_for_a_child_process_is_idle() -> None:
    # Given asyncio waiting for a child process (its watcher thread blocks in os.waitpid, in C)
    child = threading.Event()
    done = threading.Event()

    async def run_child() -> None:
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(3)")
        child.set()
        await process.wait()

    def run() -> None:
        asyncio.run(run_child())
        done.set()

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    assert child.wait(10)
    try:
        watchers = wait_for(
            lambda: [f for f in sys._current_frames().values() if f.f_code.co_name == "_do_waitpid"],
            timeout=5,
            interval=0.01,
            what="asyncio's child watcher thread",
        )
        # When the profiler looks at it, then it counts as idle
        assert all(profiler._idle(frame) for frame in watchers)
    finally:
        assert done.wait(10)
