"""Stream batches are delivered with Lambda's event source mapping semantics: in order, retried,
bisected, partially failed and finally sent to the on-failure destination (a recording SQS)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from local_stack.event_sources import EventSourcePollers
from local_stack.lambda_runtime import InvokeResult
from local_stack.provision import EventSource, StackModel
from tests.support import wait_for

POISON = "poison"


class ScriptedFunction:
    """Stands in for the function runtime: fails every batch holding a poison record, either as a
    function error or, with `partial`, by reporting the poison record as the first failure."""

    def __init__(self, partial: bool = False) -> None:
        self.partial = partial
        self.batches: list[list[str]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> InvokeResult:
        ids = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]
        self.batches.append(ids)
        if POISON not in ids:
            return InvokeResult(b'{"batchItemFailures": []}')
        if self.partial:
            poison = next(r for r in event["Records"] if r["dynamodb"]["Keys"]["id"]["S"] == POISON)
            failure = {"itemIdentifier": poison["dynamodb"]["SequenceNumber"]}
            return InvokeResult(json.dumps({"batchItemFailures": [failure]}).encode())
        return InvokeResult(b'{"errorMessage": "boom"}', function_error="Unhandled")


def records(*ids: str) -> list[dict[str, Any]]:
    return [
        {
            "eventName": "MODIFY",
            "dynamodb": {
                "Keys": {"id": {"S": key}},
                "SequenceNumber": str(100 + n),
                "ApproximateCreationDateTime": 1795000000 + n,
            },
        }
        for n, key in enumerate(ids)
    ]


class RecordingQueues:
    """The two SQS calls an on-failure destination makes, kept in memory."""

    def __init__(self) -> None:
        self.sent: dict[str, list[str]] = {}

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        return {"QueueUrl": f"https://sqs.local/{QueueName}"}

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, str]:
        self.sent.setdefault(QueueUrl, []).append(MessageBody)
        return {"MessageId": str(len(self.sent[QueueUrl]))}


@pytest.fixture
def aws() -> Any:
    queues = RecordingQueues()
    return lambda service: queues


def pollers(runtime: ScriptedFunction, aws: Any) -> EventSourcePollers:
    model = StackModel("local", "us-east-1", {})
    return EventSourcePollers(model, runtime, aws, schedule_every=None)  # type: ignore[arg-type]


def source(**properties: Any) -> EventSource:
    return EventSource("stream", "Fn", "Changes", {"Stream": "arn:stream", **properties})


def test_a_good_batch_is_delivered_once(aws: Any) -> None:
    runtime = ScriptedFunction()
    pollers(runtime, aws).deliver_stream_batch(source(), "shard-1", records("a", "b"))
    assert runtime.batches == [["a", "b"]]


def test_a_failing_batch_is_bisected_and_the_poison_record_goes_to_the_destination(aws: Any) -> None:
    sqs = aws("sqs")
    url = sqs.get_queue_url(QueueName="failures")["QueueUrl"]
    runtime = ScriptedFunction()
    destination = {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failures"}}
    props = {"MaximumRetryAttempts": 2, "BisectBatchOnFunctionError": True, "DestinationConfig": destination}
    pollers(runtime, aws).deliver_stream_batch(source(**props), "shard-1", records("a", POISON, "c", "d"))
    # Halves are retried in order until the poison record is alone; it is given up on, the rest delivered
    assert runtime.batches == [["a", POISON, "c", "d"], ["a", POISON], ["a"], [POISON], ["c", "d"]]
    messages = sqs.sent[url]
    assert len(messages) == 1
    info = json.loads(messages[0])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == "101" and info["shardId"] == "shard-1"


def test_a_partial_failure_is_retried_from_the_first_failed_record(aws: Any) -> None:
    runtime = ScriptedFunction(partial=True)
    props = {"MaximumRetryAttempts": 1, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    pollers(runtime, aws).deliver_stream_batch(source(**props), "shard-1", records("a", POISON, "c"))
    assert runtime.batches == [["a", POISON, "c"], [POISON, "c"]]


def test_without_a_retry_limit_a_batch_is_retried_until_it_succeeds(aws: Any) -> None:
    class Flaky(ScriptedFunction):
        def invoke(self, name: str, event: dict[str, Any]) -> InvokeResult:
            self.batches.append(["x"])
            if len(self.batches) < 4:
                return InvokeResult(b"{}", function_error="Unhandled")
            return InvokeResult(b"{}")

    runtime = Flaky()
    pollers(runtime, aws).deliver_stream_batch(source(MaximumRetryAttempts=-1), "shard-1", records("x"))
    assert len(runtime.batches) == 4


class TricklingStream:
    """A one-shard stream that hands out one scripted page per `GetRecords`, then nothing."""

    def __init__(self, *pages: list[str]) -> None:
        self.pages = [records(*ids) for ids in pages]
        self.reads = 0

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **_kwargs: Any) -> dict[str, str]:
        return {"ShardIterator": "it-0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self.reads += 1
        page = self.pages.pop(0) if self.pages else []
        return {"Records": page[:Limit], "NextShardIterator": f"it-{self.reads}"}


def poll_until(runtime: ScriptedFunction, stream: TricklingStream, wanted: int, **props: Any) -> None:
    """Runs the stream poller until `wanted` records were delivered (or a 10 s deadline)."""
    poller = pollers(runtime, lambda service: stream)
    thread = threading.Thread(target=poller._poll_stream, args=(source(**props),), daemon=True)
    thread.start()
    try:
        wait_for(
            lambda: sum(len(b) for b in runtime.batches) >= wanted,
            timeout=10,
            interval=0.01,
            what=f"{wanted} records delivered",
        )
    finally:
        poller.stop()
        thread.join(5)


def test_without_a_batching_window_each_read_is_delivered_at_once() -> None:
    # Given records that arrive one read at a time, and no MaximumBatchingWindowInSeconds
    runtime, stream = ScriptedFunction(), TricklingStream(["a"], ["b"], ["c"])
    # When the poller runs
    poll_until(runtime, stream, 3)
    # Then each read is its own invocation
    assert runtime.batches == [["a"], ["b"], ["c"]]


def test_a_batching_window_gathers_reads_until_the_batch_is_full() -> None:
    # Given a long batching window and a batch size of three
    runtime, stream = ScriptedFunction(), TricklingStream(["a"], ["b"], ["c", "d"], ["e"])
    # When records arrive one read at a time
    poll_until(runtime, stream, 3, MaximumBatchingWindowInSeconds=300, BatchSize=3)
    # Then the first three are one invocation, delivered as soon as the batch is full, in order
    assert runtime.batches == [["a", "b", "c"]]


def test_a_batching_window_delivers_what_it_gathered_once_it_passes() -> None:
    # Given a short batching window and records fewer than the batch size
    runtime, stream = ScriptedFunction(), TricklingStream(["a"], ["b"])
    # When the window passes
    poll_until(runtime, stream, 2, MaximumBatchingWindowInSeconds=3, BatchSize=100)
    # Then both records reach the function together
    assert runtime.batches == [["a", "b"]]


class CapturingFunction:
    """Keeps every event it is invoked with."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.batches: list[list[str]] = []

    def invoke(self, name: str, event: dict[str, Any]) -> InvokeResult:
        self.events.append(event)
        self.batches.append([r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]])
        return InvokeResult(b'{"batchItemFailures": []}')


def test_binary_attributes_reach_the_function_as_base64_as_in_lambda_events() -> None:
    # Given a stream record with binary attributes, as botocore parses them (bytes)
    runtime, stream = CapturingFunction(), TricklingStream(["bin"])
    stream.pages[0][0]["dynamodb"]["NewImage"] = {
        "id": {"S": "bin"},
        "b": {"B": b"\x00\xffxy"},
        "bs": {"BS": [b"1", b"\x02"]},
    }
    # When the poller delivers it
    poll_until(runtime, stream, 1)  # type: ignore[arg-type]
    # Then the function's event carries them base64-encoded, like the wire form Lambda hands on
    image = runtime.events[0]["Records"][0]["dynamodb"]["NewImage"]
    assert image["b"] == {"B": "AP94eQ=="}
    assert image["bs"] == {"BS": ["MQ==", "Ag=="]}
    json.dumps(runtime.events[0])  # and the whole event is plain JSON
