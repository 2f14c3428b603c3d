"""The local stack's process settles its heap once started: long-lived objects leave the collector."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from local_stack.__main__ import YOUNG_GENERATION_ALLOCATIONS, settle_heap


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.disable()  # no automatic collection in between decides for the test
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc.enable()


class _Cycle:
    def __init__(self) -> None:
        self.me = self  # only the cycle collector can free it


@pytest.mark.usefixtures("collector")
def test_settling_collects_first_then_freezes_and_later_cycles_are_still_collected() -> None:
    # Given a long-lived object and a cycle that is already garbage
    kept = _Cycle()
    garbage = weakref.ref(_Cycle())
    assert garbage() is not None

    # When the heap is settled
    settle_heap()

    # Then the garbage was collected (not frozen), the live object is out of the collector's reach
    assert garbage() is None
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())
    assert gc.get_threshold()[0] == YOUNG_GENERATION_ALLOCATIONS
    # and a cycle that becomes garbage later is still collected
    later = weakref.ref(_Cycle())
    gc.collect()
    assert later() is None
