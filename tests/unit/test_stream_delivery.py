"""Stream batches are delivered with Lambda's event source mapping semantics: in order, retried,
bisected, partially failed and finally sent to the on-failure destination (a recording SQS)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_stack.event_sources import EventSourcePollers
from local_stack.lambda_runtime import InvokeResult
from local_stack.provision import EventSource, StackModel

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
