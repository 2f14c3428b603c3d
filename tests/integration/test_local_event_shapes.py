"""The events the local stack hands to functions are the events AWS sends: each validates against
Powertools' Parser model for its source (API Gateway proxy and authorizer requests, SQS, the
DynamoDB stream, EventBridge schedules, stream on-failure records)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
    EventBridgeModel,
    SqsModel,
)

from local_stack.lambda_runtime import InvokeResult
from local_stack.stack import LocalStack
from tests.support import ADMIN_KEY, STOREFRONT_KEY, http, wait_for

Seen = list[tuple[str, Any]]


@pytest.fixture
def seen(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Seen:
    """Every (function logical id, event) the stack invokes while the test runs."""
    assert stack.runtime is not None
    runtime = stack.runtime
    original = runtime.invoke
    recorded: Seen = []

    def recording(name_or_arn: str, event: Any) -> InvokeResult:
        spec = runtime.resolve(name_or_arn)
        recorded.append((spec.logical_id if spec else name_or_arn, event))
        return original(name_or_arn, event)

    monkeypatch.setattr(runtime, "invoke", recording)
    return recorded


def _events(seen: Seen, function: str) -> list[Any]:
    return [event for lid, event in list(seen) if lid == function]


def test_rest_calls_send_proxy_events_and_authorizer_requests(stack: LocalStack, seen: Seen) -> None:
    # An unknown key is never cached: the authorizer is asked
    http("GET", f"{stack.api_url}/inventory/SKU-MUG-CERAMIC", headers={"x-api-key": f"k-{uuid.uuid4().hex}"})
    http("GET", f"{stack.api_url}/inventory/SKU-MUG-CERAMIC", headers={"x-api-key": STOREFRONT_KEY})
    requests = _events(seen, "ApiKeyAuthorizerFunction")
    assert requests
    for request in requests:
        APIGatewayProxyEventModel.model_validate(request)  # a REQUEST authorizer gets the proxy fields
        assert request["type"] == "REQUEST" and request["methodArn"].startswith("arn:aws:execute-api:")
    proxy = _events(seen, "InventoryReadFunction")[-1]
    parsed = APIGatewayProxyEventModel.model_validate(proxy)
    assert parsed.pathParameters == {"productId": "SKU-MUG-CERAMIC"}
    assert parsed.requestContext.requestId


def test_queue_messages_arrive_as_sqs_events(stack: LocalStack, seen: Seen, aws: Any) -> None:
    sqs = aws("sqs")
    assert stack.model is not None
    url = stack.model.queues["OrderQueue"]  # a queue's Ref is its URL
    order = {
        "type": "ReserveInventory",
        "order_id": f"o-{uuid.uuid4().hex[:10]}",
        "customer_id": "c",
        "items": [{"sku": "SKU-MUG-CERAMIC", "quantity": 1}],
        "timestamp": datetime.now(UTC).isoformat(),
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(order))
    event = wait_for(lambda: _events(seen, "OrderQueueFunction"), 20, what="the SQS event")[0]
    parsed = SqsModel.model_validate(event)
    assert json.loads(parsed.Records[0].body)["order_id"] == order["order_id"]


def test_stock_changes_arrive_as_dynamodb_stream_events_and_failures_as_on_failure_records(
    stack: LocalStack, seen: Seen, aws: Any, unique_id: str
) -> None:
    admin = {"x-api-key": ADMIN_KEY}
    assert (
        http(
            "POST", f"{stack.api_url}/products", {"sku": unique_id, "name": "s", "category": "c"}, admin
        ).status
        == 201
    )
    event = wait_for(lambda: _events(seen, "StockAlertsFunction"), 20, what="the stream event")[0]
    parsed = DynamoDBStreamModel.model_validate(event)
    assert parsed.Records[0].eventSource == "aws:dynamodb"
    # A batch that failed every retry: its record for the on-failure destination
    assert stack.pollers is not None and stack.model is not None
    source = next(s for s in stack.model.event_sources if s.function == "StockAlertsFunction")
    stack.pollers._on_failure(source, "shardId-local", event["Records"], 21, "Unhandled")
    sqs = aws("sqs")
    url = stack.model.queues["StockAlertsFailureQueue"]
    message = wait_for(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), 10, what="the record")[0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    record = DynamoDBStreamLambdaOnFailureDestinationModel.model_validate_json(message["Body"])
    assert record.request_context.condition == "RetryAttemptsExhausted"
    assert record.ddb_stream_batch_info.batch_size == len(event["Records"])


def test_schedules_send_eventbridge_scheduled_events(stack: LocalStack) -> None:
    assert stack.pollers is not None and stack.model is not None
    schedules = [s for s in stack.model.event_sources if s.kind == "schedule"]
    assert {s.function for s in schedules} == {"CheckThresholdsFunction", "ReservationSweeperFunction"}
    for source in schedules:
        parsed = EventBridgeModel.model_validate(stack.pollers.schedule_event(source, datetime.now(UTC)))
        assert parsed.detail_type == "Scheduled Event" and parsed.source == "aws.events"
