"""The moto fixes' pure parts: timestamps, stream trimming, execution pruning, weak tracking."""

from __future__ import annotations

import copy
import datetime
import gc
from types import SimpleNamespace
from typing import Any

from moto.stepfunctions.parser.api import ExecutionStatus

from local_stack import moto_fixes
from local_stack.call_counter import item_size, read_units, write_units


def _shard(count: int, start: int = 100, created: datetime.datetime | None = None) -> Any:
    moment = created or datetime.datetime.now(datetime.UTC)
    records = [
        SimpleNamespace(
            record={"dynamodb": {"SequenceNumber": str(start + i), "ApproximateCreationDateTime": moment}}
        )
        for i in range(count)
    ]
    return SimpleNamespace(items=records, starting_sequence_number=start)


def test_a_timestamp_keeps_its_fraction_and_is_utc() -> None:
    # Given / When
    moment = moto_fixes.parse_timestamp("2026-12-02T15:04:05.250Z")
    # Then
    assert moment == datetime.datetime(2026, 12, 2, 15, 4, 5, 250000, tzinfo=datetime.UTC)


def test_a_timestamp_finer_than_microseconds_is_rounded_up_never_early() -> None:
    moment = moto_fixes.parse_timestamp("2026-12-02T15:04:05.0000001Z")
    assert moment == datetime.datetime(2026, 12, 2, 15, 4, 5, 1, tzinfo=datetime.UTC)


def test_an_invalid_timestamp_is_refused() -> None:
    assert moto_fixes.parse_timestamp("2026-12-02 15:04:05") is None
    assert moto_fixes.parse_timestamp("2026-13-02T15:04:05Z") is None


def test_a_wait_re_waits_after_an_early_wakeup_until_its_deadline() -> None:
    # Given an execution whose state event wakes the waiter three times before the deadline
    clock = {"now": 0.0}
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock["now"] += min(seconds, 0.4)  # wakes early

    env = SimpleNamespace(is_running=lambda: True, program_state_event=SimpleNamespace(wait=wait))
    # When it waits until 1.0
    moto_fixes._wait_until(env, 1.0, lambda: clock["now"])
    # Then it woke on time, never before, re-waiting only the remainder each time
    assert clock["now"] >= 1.0
    assert waits[0] == 1.0 and waits[1] == 0.6


def test_a_stopped_execution_stops_waiting() -> None:
    env = SimpleNamespace(is_running=lambda: False, program_state_event=SimpleNamespace(wait=None))
    moto_fixes._wait_until(env, 10.0, lambda: 0.0)  # returns at once


def test_trimming_a_shard_keeps_sequence_numbers() -> None:
    # Given a shard with records 100..109
    shard = _shard(10)
    # When the records through 104 are trimmed
    dropped = moto_fixes.trim_stream_shard(shard, 104)
    # Then 5 are gone, the next record is 105 and the trim horizon moved with them
    assert dropped == 5
    assert shard.starting_sequence_number == 105
    assert shard.items[0].record["dynamodb"]["SequenceNumber"] == "105"
    assert moto_fixes.trim_stream_shard(shard, 104) == 0


def test_a_shard_keeps_at_most_its_cap_and_24_hours(monkeypatch: Any) -> None:
    # Given a cap of 4 records
    monkeypatch.setattr(moto_fixes, "STREAM_MAX_RECORDS", 4)
    shard = _shard(10)
    # When the shard is trimmed
    moto_fixes._trim_by_age_and_cap(shard)
    # Then the newest 4 remain
    assert [r.record["dynamodb"]["SequenceNumber"] for r in shard.items] == ["106", "107", "108", "109"]
    # And records older than 24 hours go whatever the cap
    old = _shard(3, created=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=25))
    moto_fixes._trim_by_age_and_cap(old)
    assert old.items == [] and old.starting_sequence_number == 103


def test_finished_executions_beyond_the_bound_are_pruned_running_ones_never() -> None:
    # Given 5 finished executions and 3 running ones, interleaved
    executions = [
        SimpleNamespace(n=i, exec_status=ExecutionStatus.RUNNING if i % 3 == 0 else ExecutionStatus.SUCCEEDED)
        for i in range(8)
    ]
    # When pruned to 2 finished
    kept = moto_fixes.prune_executions(executions, keep=2)
    # Then every running one stays, and only the newest 2 finished ones
    assert [e.n for e in kept] == [0, 3, 5, 6, 7]
    assert moto_fixes.prune_executions(kept, keep=2) is kept


def test_weakly_tracked_instances_are_listed_while_alive_and_then_forgotten() -> None:
    # Given a registry with two tracked objects
    class Model:
        pass

    registry = moto_fixes.WeakInstances()
    first, second = Model(), Model()
    registry.append(first)
    registry.append(second)
    assert list(registry) == [first, second]
    # When one is no longer used
    del first
    gc.collect()
    # Then only the other is listed
    assert list(registry) == [second] and len(registry) == 1


def test_item_sizes_follow_dynamodb_rules() -> None:
    # "id" (2) + "abc" (3); "n" (1) + 12345 (3 digit pairs + 1 byte = 4); "ok" (2) + bool (1)
    assert item_size({"id": {"S": "abc"}, "n": {"N": "12345"}, "ok": {"BOOL": True}}) == 5 + 5 + 3
    # a map: 3 bytes + per entry name, value and 1 byte
    assert item_size({"m": {"M": {"a": {"S": "xy"}}}}) == 1 + 3 + (1 + 2 + 1)


def test_capacity_units_follow_dynamodb_rules() -> None:
    assert read_units(100, consistent=True) == 1.0
    assert read_units(100, consistent=False) == 0.5
    assert read_units(4097, consistent=True) == 2.0
    assert read_units(100, consistent=True, transactional=True) == 2.0
    assert write_units(0) == 1.0
    assert write_units(1025) == 2.0
    assert write_units(100, transactional=True) == 2.0


def test_a_json_copy_is_a_deep_copy_that_shares_nothing_with_its_value() -> None:
    # Given a state's input as the interpreter holds it, with one non-JSON part used twice
    moment = SimpleNamespace(at="2026-12-08T02:00:00Z")
    value = {
        "hold": {"timer": {"hold_seconds": 899}, "announce": True},
        "lines": [{"q": 1.5}, None],
        "at": [moment, moment],
    }

    # When it is copied
    copied = moto_fixes.json_copy(value)

    # Then the copy is equal, a new object all the way down, and the non-JSON part was deep-copied once
    assert copied["hold"] == value["hold"] and copied["lines"] == value["lines"]
    assert copied["hold"] is not value["hold"] and copied["lines"][0] is not value["lines"][0]
    assert copied["at"][0] is not moment and copied["at"][0].at == moment.at
    assert copied["at"][0] is copied["at"][1]
    copied["hold"]["timer"]["hold_seconds"] = 0
    assert value["hold"]["timer"]["hold_seconds"] == 899


def test_the_interpreter_copies_state_data_as_json() -> None:
    # Given the fixes applied, and a state's data
    moto_fixes.apply_all()
    from moto.stepfunctions.parser.asl.eval import states

    data = {"Execution": {"Input": {"hold": {"timer": {"hold_seconds": 5}}}}}
    held = states.States(context=data)  # type: ignore[arg-type]

    # When its input is read, then the copy comes from json_copy and is the interpreter's own
    assert states.copy.deepcopy is not copy.deepcopy
    read = held.get_input()
    read["hold"]["timer"]["hold_seconds"] = 0
    assert held.get_input("$.hold.timer") == {"hold_seconds": 5}
