"""Counts what the local stack would be billed and throttled for on AWS.

Every request to the local AWS endpoint is counted by service and action; every Lambda invocation
by the function's template logical id (whoever invoked it: API Gateway, Step Functions, an event
source mapping, an SDK call); every Step Functions state transition (each state entered, and each
retry, as Step Functions bills them); and DynamoDB consumed capacity, computed per DynamoDB's
published rules:

- item size: the UTF-8 length of each attribute name plus its value: strings their UTF-8 length,
  numbers 1 byte per two significant digits plus 1, binary their length, booleans and nulls 1 byte,
  lists and maps 3 bytes plus their elements plus 1 byte per element, sets the sum of their elements;
- reads: 1 read unit per 4 KB (rounded up) of each item for a strongly consistent read, half that
  eventually consistent; Query and Scan round up the sum of the returned items (at least one block),
  BatchGetItem each item; transactional reads cost 2 units per 4 KB;
- writes: 1 write unit per 1 KB (rounded up) of the larger of the item before and after the write,
  at least 1, also when a condition fails; transactional writes (every action of
  TransactWriteItems, ConditionCheck included) 2 units per KB; each global secondary index whose
  key attributes the item has before or after adds its own write (two when the index key changes).

Known approximations: items a FilterExpression drops are not counted (DynamoDB charges for them),
index projections are taken as the whole item, and streams read units are not counted.
"""

from __future__ import annotations

import base64
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Always present in `calls`, even when nothing was called yet.
CONTRACT_SERVICES = ("dynamodb", "stepfunctions", "sns", "sqs", "lambda")
READ_BLOCK = 4096
WRITE_BLOCK = 1024


def _number_size(text: str) -> int:
    digits = text.lstrip("-+").replace(".", "")
    mantissa = digits.split("e")[0].split("E")[0].strip("0") or "0"
    return (len(mantissa) + 1) // 2 + 1


def _size(kind: str, inner: Any, nested: Callable[[Any], int]) -> int:
    """DynamoDB's size of one value of type `kind`; `nested` sizes the elements of lists and maps."""
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return _binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(nested(element) + 1 for element in inner)
    if kind == "M":
        return 3 + sum(len(str(name).encode()) + nested(element) + 1 for name, element in inner.items())
    if kind == "SS":
        return sum(len(str(element).encode()) for element in inner)
    if kind == "NS":
        return sum(_number_size(str(element)) for element in inner)
    if kind == "BS":
        return sum(_binary_size(element) for element in inner)
    return 0


def value_size(value: Any) -> int:
    """The size of one DynamoDB JSON value (`{"S": "..."}`, `{"N": "5"}`, `{"M": {...}}`, ...)."""
    if not isinstance(value, dict) or not value:
        return 0
    kind, inner = next(iter(value.items()))
    return _size(kind, inner, value_size)


def _binary_size(inner: Any) -> int:
    if isinstance(inner, bytes | bytearray):
        return len(inner)
    try:
        return len(base64.b64decode(str(inner), validate=False))
    except (ValueError, TypeError):
        return len(str(inner))


def stored_value_size(value: Any) -> int:
    """`value_size` of a value as moto stores it (a DynamoType: `.type`, `.value`, nested DynamoTypes
    in lists and maps), without first rendering the item to DynamoDB JSON (a deep copy per write)."""
    return _size(value.type, value.value, stored_value_size)


def stored_item_size(item: Any) -> int:
    """`item_size` of an item as moto stores it (`.attrs`: name -> DynamoType), or 0 for None."""
    if item is None:
        return 0
    return sum(len(name.encode()) + stored_value_size(value) for name, value in item.attrs.items())


def item_size(attributes: dict[str, Any] | None) -> int:
    if not attributes:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in attributes.items())


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    units = float(max(1, math.ceil(size / READ_BLOCK)))
    if transactional:
        return units * 2
    return units if consistent else units / 2


def write_units(size: int, transactional: bool = False) -> float:
    units = float(max(1, math.ceil(size / WRITE_BLOCK)))
    return units * 2 if transactional else units


class CallCounter:
    """Thread-safe counters; `document()` is the `GET /_local/calls` answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._since = datetime.now(UTC)
            self._calls: defaultdict[str, Counter[str]] = defaultdict(Counter)
            self._invocations: Counter[str] = Counter()
            self._transitions = 0
            self._read: Counter[str] = Counter()
            self._write: Counter[str] = Counter()

    def call(self, service: str, action: str) -> None:
        with self._lock:
            self._calls[service][action] += 1

    def lambda_invoked(self, logical_id: str) -> None:
        with self._lock:
            self._invocations[logical_id] += 1

    def state_transition(self) -> None:
        with self._lock:
            self._transitions += 1

    def capacity(self, table: str, read: float = 0.0, write: float = 0.0) -> None:
        with self._lock:
            if read:
                self._read[table] += read  # type: ignore[assignment]
            if write:
                self._write[table] += write  # type: ignore[assignment]

    def document(self) -> dict[str, Any]:
        with self._lock:
            tables = sorted(set(self._read) | set(self._write))
            return {
                "since": self._since.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "calls": {
                    service: dict(self._calls.get(service, {}))
                    for service in sorted(set(CONTRACT_SERVICES) | set(self._calls))
                },
                "lambda_invocations": dict(self._invocations),
                "state_transitions": self._transitions,
                "dynamodb_capacity": {
                    "read_units": round(sum(self._read.values()), 3),
                    "write_units": round(sum(self._write.values()), 3),
                    "by_table": {
                        table: {
                            "read_units": round(self._read.get(table, 0.0), 3),
                            "write_units": round(self._write.get(table, 0.0), 3),
                        }
                        for table in tables
                    },
                },
            }
