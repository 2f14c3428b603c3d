"""The FIFO lock the local AWS endpoint serialises DynamoDB requests with."""

from __future__ import annotations

import threading
import time

import pytest

from local_stack.fair_lock import FairLock

DEADLINE_S = 10.0


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    # Given a held lock and ten threads queued on it one after another
    lock = FairLock()
    lock.acquire()
    order: list[int] = []
    threads = []
    for n in range(10):

        def take(n: int = n) -> None:
            with lock:
                order.append(n)

        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        threads.append(thread)
        _wait_for(lambda n=n: len(lock._waiters) == n + 1, f"waiter {n} to queue")
    # When the holder releases it, and then asks again before any waiter has run
    lock.release()
    with lock:
        order.append(-1)
    for thread in threads:
        thread.join(DEADLINE_S)
    # Then the waiters had it first, in the order they queued, and the late asker last
    assert order == [*range(10), -1]
    assert not lock.locked()


def test_the_lock_excludes_and_is_free_again_after_use() -> None:
    lock = FairLock()
    inside = 0
    most_inside = 0
    counter_lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most_inside
        for _ in range(200):
            with lock:
                with counter_lock:
                    inside += 1
                    most_inside = max(most_inside, inside)
                with counter_lock:
                    inside -= 1

    threads = [threading.Thread(target=work, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)
    assert most_inside == 1
    assert not lock.locked()
    lock.acquire()
    assert lock.locked()
    lock.release()


def test_releasing_an_unheld_lock_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        FairLock().release()
