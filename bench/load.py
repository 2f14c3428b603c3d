"""Client threads driving the stack: a fixed number of attempts, or as many as fit in a time.

An exception in one attempt (a timeout, a refused connection) is recorded and the client goes on,
so one bad request neither kills a thread nor hides how many failed.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)


def _guarded(result: LoadResult, lock: threading.Lock, call: Callable[[], None]) -> None:
    try:
        call()
    except Exception as error:
        with lock:
            result.errors.append(f"{type(error).__name__}: {error}")


def run_threads(
    clients: int, work: Callable[[int, Callable[[Callable[[], None]], None]], None]
) -> LoadResult:
    """Runs `work(client_index, guard)` on `clients` threads at once; `guard(call)` runs one attempt."""
    result, lock = LoadResult(), threading.Lock()

    def guard(call: Callable[[], None]) -> None:
        _guarded(result, lock, call)

    threads = [threading.Thread(target=work, args=(i, guard), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - started
    return result


def attempts(total: int, clients: int, deadline: float, attempt: Callable[[int], None]) -> LoadResult:
    """`total` calls of `attempt(n)` (n = 0..total-1) spread over `clients` threads; no new attempt
    starts after the monotonic `deadline`."""
    numbers = itertools.count()
    lock = threading.Lock()

    def work(_client: int, guard: Callable[[Callable[[], None]], None]) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(numbers)
            if n >= total:
                return
            guard(functools.partial(attempt, n))

    return run_threads(clients, work)


def for_duration(clients: int, seconds: float, attempt: Callable[[int], None]) -> LoadResult:
    """Each client calls `attempt(client)` back to back for `seconds`."""
    stop_at = time.monotonic() + seconds

    def work(client: int, guard: Callable[[Callable[[], None]], None]) -> None:
        while time.monotonic() < stop_at:
            guard(functools.partial(attempt, client))

    return run_threads(clients, work)
