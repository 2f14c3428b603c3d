"""A mutual-exclusion lock that hands itself to the longest waiter.

`threading.Lock` lets whichever thread runs next take a released lock, so under contention a thread
that just released it and asks again usually wins over one woken to take it: with dozens of
requests queued on one lock, a few wait many times longer than the rest. Here `release` passes the
lock directly to the oldest waiter, so requests are served in the order they arrived.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FairLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by `release` when this waiter is first in line: the lock is ours

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of an unheld FairLock")
            if self._waiters:
                self._waiters.popleft().release()  # stays held: ownership passes on
            else:
                self._held = False

    def locked(self) -> bool:
        return self._held

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
