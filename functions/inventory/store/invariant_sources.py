"""The invariant checker's reads: paged scans of the stock and reservations tables, the ledger per
product, DescribeExecution for the few suspicious holds, and (where one exists) a feed of the alert
messages published. Nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from inventory.domain.ledger import Movement
from inventory.domain.reservation_models import Reservation
from inventory.store.items import from_item
from inventory.store.reservations import reservation_from_item

PAGE_SIZE = 100


def _pages(table: Any, **kwargs: Any) -> Iterator[list[dict[str, Any]]]:
    while True:
        page = table.scan(Limit=PAGE_SIZE, ConsistentRead=True, **kwargs)
        yield [from_item(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoInvariantSources:
    def __init__(
        self,
        inventory: Any,
        reservations: Any,
        ledger: Any,
        sfn: Any,
        product_prefix: str | None = None,
        published: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._inventory = inventory
        self._reservations = reservations
        self._ledger = ledger
        self._sfn = sfn
        self._prefix = product_prefix
        self._published = published

    def stock_pages(self) -> Iterator[list[dict[str, Any]]]:
        kwargs: dict[str, Any] = {}
        if self._prefix:
            kwargs["FilterExpression"] = Attr("product_id").begins_with(self._prefix)
        yield from _pages(self._inventory, **kwargs)

    def held_reservations(self) -> Iterator[Reservation]:
        for page in _pages(self._reservations, FilterExpression=Attr("status").eq("HELD")):
            for item in page:
                yield reservation_from_item(item)

    def movements(self, product_id: str) -> Iterator[Movement]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("product_id").eq(product_id),
            "ConsistentRead": True,
            "Limit": PAGE_SIZE,
        }
        while True:
            page = self._ledger.query(**kwargs)
            for item in page.get("Items", []):
                yield Movement.model_validate(from_item(item))
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def execution_status(self, execution_arn: str) -> str | None:
        try:
            return str(self._sfn.describe_execution(executionArn=execution_arn)["status"])
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise

    def published_transition_ids(self) -> Iterable[str] | None:
        return None if self._published is None else self._published()


def aws_sources(
    *,
    endpoint_url: str | None,
    region: str,
    inventory_table: str,
    reservations_table: str,
    ledger_table: str,
    product_prefix: str | None = None,
    published: Callable[[], Iterable[str]] | None = None,
) -> DynamoInvariantSources:
    """The sources over named tables, with the usual AWS credentials (or any, against an endpoint)."""
    extra: dict[str, Any] = {"region_name": region}
    if endpoint_url:
        extra.update(endpoint_url=endpoint_url, aws_access_key_id="local", aws_secret_access_key="local")
    dynamodb = boto3.resource("dynamodb", **extra)
    return DynamoInvariantSources(
        dynamodb.Table(inventory_table),
        dynamodb.Table(reservations_table),
        dynamodb.Table(ledger_table),
        boto3.client("stepfunctions", **extra),
        product_prefix=product_prefix,
        published=published,
    )


def transition_ids(messages: Iterable[dict[str, Any]]) -> list[str]:
    """The transition ids in alert messages (their JSON bodies); digests and others carry none."""
    found = []
    for message in messages:
        try:
            body = json.loads(message.get("message") or "{}")
        except json.JSONDecodeError:
            continue
        if isinstance(body, dict) and body.get("transition_id"):
            found.append(str(body["transition_id"]))
    return found
