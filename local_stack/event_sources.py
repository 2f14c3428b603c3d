"""Event-source pollers: what Lambda's event source mappings and EventBridge do on AWS.

moto stores SQS messages, stream records and schedules but never hands them to our functions, so
the local stack polls them itself and invokes the template's functions with events shaped like
the real ones. Schedules may be sped up (`--schedule-every`) so demos need not wait 15 minutes.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local_stack.cfn import ACCOUNT_ID
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.provision import EventSource, StackModel

log = logging.getLogger("local_stack")

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
SHARD_LIST_EVERY_S = 10.0
STREAM_POLL_S = 0.25


def _cron_field_matches(spec: str, value: int) -> bool:
    if spec in ("*", "?"):
        return True
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            low, high = 0, 10_000
        elif "-" in part:
            low, high = (int(x) for x in part.split("-", 1))
        else:
            low = high = int(part)
            if step != 1:
                high = 10_000
        if low <= value <= high and (value - low) % step == 0:
            return True
    return False


def next_fire(expression: str, after: datetime) -> datetime:
    """Next time an EventBridge `rate(...)` or `cron(min hour dom month dow year)` fires."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        return after + timedelta(seconds=int(rate.group(1)) * _UNIT_SECONDS[rate.group(2).rstrip("s")])
    if expression.startswith("cron(") and expression.endswith(")"):
        fields = expression[5:-1].split()
        if len(fields) != 6:
            raise ValueError(f"cron needs 6 fields: {expression}")
        minute, hour, dom, month, dow, _year = fields
        candidate = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            aws_dow = (candidate.isoweekday() % 7) + 1  # EventBridge: 1 = Sunday
            if (
                _cron_field_matches(minute, candidate.minute)
                and _cron_field_matches(hour, candidate.hour)
                and _cron_field_matches(dom, candidate.day)
                and _cron_field_matches(month, candidate.month)
                and _cron_field_matches(dow, aws_dow)
            ):
                return candidate
            candidate += timedelta(minutes=1)
        raise ValueError(f"cron never fires within a year: {expression}")
    raise ValueError(f"unsupported schedule expression: {expression}")


@dataclass
class StreamBatch:
    """The records a stream poller has read from one shard and not yet handed to the function."""

    records: list[dict[str, Any]] = field(default_factory=list)
    since: float = 0.0  # when the first of them was read (monotonic)

    def add(self, records: list[dict[str, Any]], stream_arn: str, region: str) -> None:
        if records and not self.records:
            self.since = time.monotonic()
        for record in records:
            record["eventSourceARN"] = stream_arn
            record.setdefault("awsRegion", region)
            ddb = record.get("dynamodb", {})
            if "ApproximateCreationDateTime" in ddb and not isinstance(
                ddb["ApproximateCreationDateTime"], (int, float)
            ):
                ddb["ApproximateCreationDateTime"] = int(ddb["ApproximateCreationDateTime"].timestamp())
        self.records.extend(records)

    def left(self, window: float) -> float:
        return max(0.0, self.since + window - time.monotonic())

    def ready(self, batch_size: int, window: float, closed: bool) -> bool:
        """Invoke once the batch is full, the batching window has passed, or the shard has ended."""
        if not self.records:
            return False
        return len(self.records) >= batch_size or closed or self.left(window) <= 0


class EventSourcePollers:
    def __init__(
        self,
        model: StackModel,
        runtime: LambdaRuntime,
        clients: Any,
        schedule_every: float | None,
        trim_stream: Callable[[str, int], int] | None = None,
    ) -> None:
        self.model = model
        self.runtime = runtime
        self.clients = clients
        self.schedule_every = schedule_every
        # Called with (stream ARN, sequence number) once every mapping on that stream has handled
        # the records up to it: the local stream keeps no more than its readers still need.
        self.trim_stream = trim_stream
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.deliveries: dict[str, int] = {}
        self._positions: dict[str, dict[str, str | None]] = {}
        self._read: dict[str, dict[str, int]] = {}  # stream ARN -> mapping -> last handled sequence
        self._read_lock = threading.Lock()

    def start(self) -> None:
        for source in self.model.event_sources:
            if (
                source.properties.get("Enabled", True) is False
                or source.properties.get("State") == "DISABLED"
            ):
                continue
            target = {"sqs": self._poll_sqs, "stream": self._poll_stream, "schedule": self._run_schedule}[
                source.kind
            ]
            if source.kind == "stream":
                # Like an event source mapping, the starting position is fixed when the mapping is
                # created, so changes made right after start() returns (the demo catalogue) count.
                self._positions[self._key(source)] = self._starting_iterators(source)
            thread = threading.Thread(
                target=self._guard,
                args=(target, source),
                daemon=True,
                name=f"{source.kind}:{source.function}.{source.name}",
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stops every poller; waits for them at most `timeout` seconds in all."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _stream_mappings(self, stream_arn: str) -> list[str]:
        return [
            self._key(source)
            for source in self.model.event_sources
            if source.kind == "stream"
            and source.properties.get("Stream") == stream_arn
            and source.properties.get("Enabled", True) is not False
            and source.properties.get("State") != "DISABLED"
        ]

    def _handled(self, source: EventSource, stream_arn: str, sequence: int) -> None:
        """Notes that a mapping handled a stream's records up to `sequence`; trims what all have."""
        if self.trim_stream is None:
            return
        with self._read_lock:
            positions = self._read.setdefault(stream_arn, {})
            positions[self._key(source)] = sequence
            mappings = self._stream_mappings(stream_arn)
            if any(mapping not in positions for mapping in mappings):
                return
            through = min(positions[mapping] for mapping in mappings)
        self.trim_stream(stream_arn, through)

    def _guard(self, target: Any, source: EventSource) -> None:
        while not self._stop.is_set():
            try:
                target(source)
                return
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("event source %s.%s failed; retrying", source.function, source.name)
                self._stop.wait(1.0)

    @staticmethod
    def _key(source: EventSource) -> str:
        return f"{source.function}.{source.name}"

    def _count(self, source: EventSource) -> None:
        key = self._key(source)
        self.deliveries[key] = self.deliveries.get(key, 0) + 1

    # -- schedules -------------------------------------------------------------------------------
    def _run_schedule(self, source: EventSource) -> None:
        props = source.properties
        expression = str(props.get("Schedule") or props.get("ScheduleExpression"))
        while not self._stop.is_set():
            now = datetime.now(UTC)
            fire = (
                now + timedelta(seconds=self.schedule_every)
                if self.schedule_every
                else next_fire(expression, now)
            )
            if self._stop.wait((fire - now).total_seconds()):
                return
            result = self.runtime.invoke(source.function, self.schedule_event(source, fire))
            self._count(source)
            if result.function_error:
                log.warning("scheduled %s failed: %s", source.function, result.payload[:500])

    def schedule_event(self, source: EventSource, fire: datetime) -> dict[str, Any]:
        """What EventBridge sends the function: the rule's Input, or a Scheduled Event."""
        props = source.properties
        if "Input" in props:
            event: dict[str, Any] = (
                json.loads(props["Input"]) if isinstance(props["Input"], str) else props["Input"]
            )
            return event
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": fire.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.model.region,
            "resources": [
                f"arn:aws:events:{self.model.region}:{ACCOUNT_ID}:rule/{source.function}{source.name}"
            ],
            "detail": {},
        }

    # -- SQS -------------------------------------------------------------------------------------
    def _poll_sqs(self, source: EventSource) -> None:
        props = source.properties
        queue_arn = props["Queue"]
        queue_name = queue_arn.rsplit(":", 1)[-1]
        sqs = self.clients("sqs")
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        batch = int(props.get("BatchSize", 10))
        partial = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        while not self._stop.is_set():
            received = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(batch, 10),
                WaitTimeSeconds=1,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                continue
            records = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {
                        k: {
                            "stringValue": v.get("StringValue"),
                            "binaryValue": v.get("BinaryValue"),
                            "stringListValues": [],
                            "binaryListValues": [],
                            "dataType": v["DataType"],
                        }
                        for k, v in (m.get("MessageAttributes") or {}).items()
                    },
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": queue_arn,
                    "awsRegion": self.model.region,
                }
                for m in received
            ]
            result = self.runtime.invoke(source.function, {"Records": records})
            self._count(source)
            if result.function_error:
                log.warning(
                    "%s failed on an SQS batch; messages return after their visibility timeout",
                    source.function,
                )
                continue
            failed: set[str] = set()
            if partial:
                reply = json.loads(result.payload or b"null") or {}
                failed = {f["itemIdentifier"] for f in reply.get("batchItemFailures", [])}
            done = [
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                for i, r in enumerate(records)
                if r["messageId"] not in failed
            ]
            if done:
                sqs.delete_message_batch(QueueUrl=url, Entries=done)

    # -- DynamoDB streams ------------------------------------------------------------------------
    def _poll_stream(self, source: EventSource) -> None:
        """Lambda's stream poller: reads every shard, gathers records for up to the mapping's
        `MaximumBatchingWindowInSeconds` (or until `BatchSize` are in hand), then invokes the
        function with them in order; the shard's next batch waits until this one is handled."""
        props = source.properties
        stream_arn = props["Stream"]
        streams = self.clients("dynamodbstreams")
        batch = int(props.get("BatchSize", 100))
        window = float(props.get("MaximumBatchingWindowInSeconds", 0))
        iterators = self._positions.pop(self._key(source), None) or self._starting_iterators(source)
        gathering: dict[str, StreamBatch] = {}
        described = float("-inf")
        while not self._stop.is_set():
            # Shards change rarely (Lambda's pollers also list them far less often than they read).
            if time.monotonic() - described >= SHARD_LIST_EVERY_S:
                shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
                described = time.monotonic()
                for shard in shards:
                    shard_id = shard["ShardId"]
                    if shard_id not in iterators:  # a shard that appeared later is read from its start
                        iterators[shard_id] = streams.get_shard_iterator(
                            StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                        )["ShardIterator"]
            delivered = False
            for shard_id, iterator in list(iterators.items()):
                gathered = gathering.setdefault(shard_id, StreamBatch())
                if iterator is not None and len(gathered.records) < batch:
                    page = streams.get_records(ShardIterator=iterator, Limit=batch - len(gathered.records))
                    gathered.add(page.get("Records", []), stream_arn, self.model.region)
                    iterators[shard_id] = page.get("NextShardIterator")
                if not gathered.ready(batch, window, closed=iterators[shard_id] is None):
                    continue
                del gathering[shard_id]
                delivered = True
                records = json.loads(json.dumps(gathered.records, default=_wire_value))
                self.deliver_stream_batch(source, shard_id, records)
                if not self._stop.is_set():
                    last = gathered.records[-1].get("dynamodb", {}).get("SequenceNumber")
                    if last is not None:
                        self._handled(source, stream_arn, int(last))
            if not delivered:
                # Lambda reads each shard about four times a second while it waits
                waits = [b.left(window) for b in gathering.values() if b.records]
                self._stop.wait(min([STREAM_POLL_S, *waits]))

    def _starting_iterators(self, source: EventSource) -> dict[str, str | None]:
        streams = self.clients("dynamodbstreams")
        stream_arn = source.properties["Stream"]
        start = source.properties.get("StartingPosition", "LATEST")
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        return {
            shard["ShardId"]: streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=start
            )["ShardIterator"]
            for shard in shards
        }

    def deliver_stream_batch(self, source: EventSource, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Lambda's stream semantics: the shard waits while a batch is retried (in order);
        `MaximumRetryAttempts` (-1, the default, = until it succeeds), `BisectBatchOnFunctionError`,
        `ReportBatchItemFailures` (retry from the first failed record) and an `OnFailure` destination
        (SQS or SNS) for a batch given up on."""
        props = source.properties
        max_retries = int(props.get("MaximumRetryAttempts", -1))
        bisect = bool(props.get("BisectBatchOnFunctionError", False))
        partial = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        queue: list[tuple[list[dict[str, Any]], int]] = [(records, 0)]
        while queue and not self._stop.is_set():
            batch, retries = queue.pop(0)
            result = self.runtime.invoke(source.function, {"Records": batch})
            self._count(source)
            failed_from: int | None = None
            if result.function_error:
                failed_from = 0
            elif partial:
                reply = json.loads(result.payload or b"null")
                failures = reply.get("batchItemFailures") if isinstance(reply, dict) else None
                if failures:
                    first = str(failures[0].get("itemIdentifier", ""))
                    sequences = [str(r["dynamodb"].get("SequenceNumber")) for r in batch]
                    failed_from = sequences.index(first) if first in sequences else 0
            if failed_from is None:
                continue
            remaining = batch[failed_from:]
            if max_retries != -1 and retries >= max_retries:
                log.error("%s: stream batch given up after %d retries", source.function, retries)
                self._on_failure(source, shard_id, remaining, retries + 1, result.function_error)
                continue
            if self._stop.wait(min(2**retries * 0.1, 2)):
                return
            if bisect and result.function_error and len(remaining) > 1:
                half = len(remaining) // 2
                queue[:0] = [(remaining[:half], retries + 1), (remaining[half:], retries + 1)]
            else:
                queue.insert(0, (remaining, retries + 1))

    def _on_failure(
        self,
        source: EventSource,
        shard_id: str,
        records: list[dict[str, Any]],
        invocations: int,
        function_error: str | None,
    ) -> None:
        destination = ((source.properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        if not destination:
            return
        spec = self.model.functions.get(source.function)
        arrivals = [r["dynamodb"].get("ApproximateCreationDateTime", 0) for r in records]
        body = json.dumps(
            {
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": spec.arn if spec else source.function,
                    "condition": "RetryAttemptsExhausted",
                    "approximateInvokeCount": invocations,
                },
                "responseContext": {
                    "statusCode": 200,
                    "executedVersion": "$LATEST",
                    "functionError": function_error or "",
                },
                "version": "1.0",
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "DDBStreamBatchInfo": {
                    "shardId": shard_id,
                    "startSequenceNumber": records[0]["dynamodb"].get("SequenceNumber"),
                    "endSequenceNumber": records[-1]["dynamodb"].get("SequenceNumber"),
                    "approximateArrivalOfFirstRecord": _epoch_iso(arrivals[0]),
                    "approximateArrivalOfLastRecord": _epoch_iso(arrivals[-1]),
                    "batchSize": len(records),
                    "streamArn": source.properties.get("Stream"),
                },
            }
        )
        if ":sqs:" in destination:
            sqs = self.clients("sqs")
            url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body)
        elif ":sns:" in destination:
            self.clients("sns").publish(TopicArn=destination, Message=body)
        else:
            log.warning("%s: on-failure destination %s has no local emulation", source.function, destination)


def _wire_value(value: Any) -> Any:
    """A value botocore parsed out of a stream record, back in the JSON form Lambda's event carries:
    a binary attribute (`B`, `BS`) as base64 text, a timestamp as epoch seconds."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    return str(value)


def _epoch_iso(seconds: Any) -> str:
    moment = datetime.fromtimestamp(float(seconds or 0), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
