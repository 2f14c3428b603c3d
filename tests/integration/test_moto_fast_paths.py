"""moto fixes that only make the local endpoint cheaper: each must answer exactly as before."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.parse import JSONParser
from moto.core.serialize import XFormedAttributePicker, get_serializer_class

from local_stack import moto_fixes

TABLE = {
    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}
EVERY_TYPE = {
    "n": {"N": "1"},
    "b": {"B": b"\x00\xffxy"},
    "l": {"L": [{"S": "x"}, {"NULL": True}, {"N": "-1.5"}]},
    "m": {"M": {"q": {"BOOL": False}, "unicode": {"S": "Grüße ✓"}}},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"1", b"\x02"]},
}


def _calls(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, keep: Any = None) -> list[Any]:
    """Wraps `owner.name` for the test: the list gets the object of each call (`keep` chooses)."""
    calls: list[Any] = []
    original = getattr(owner, name)

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        if keep is None or keep(self):
            calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls


def _serializer_body(operation: Any, result: Any) -> Any:
    service = operation.service_model
    serializer = get_serializer_class(service.service_name, service.protocol)(
        operation_model=operation, pretty_print=False, value_picker=XFormedAttributePicker()
    )
    return json.loads(serializer.serialize(result)["body"])


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, Any]]:
    """Every body the fast path wrote, next to what moto's serializer writes for the same result."""
    seen: list[tuple[str, Any, Any]] = []
    direct = moto_fixes.plain_json_body

    def recording(result: Any, operation: Any) -> str | None:
        body = direct(result, operation)
        if body is not None:
            seen.append((operation.name, json.loads(body), _serializer_body(operation, result)))
        return body

    monkeypatch.setattr(moto_fixes, "plain_json_body", recording)
    return seen


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, Any]]:
    """Every request body the fast path read (None: it left the body to moto's parser), next to
    what moto's model-driven JSON parser makes of the same body."""
    seen: list[tuple[str, Any, Any]] = []
    direct = moto_fixes.plain_json_params

    def recording(operation: Any, body: bytes) -> Any:
        params = direct(operation, body)
        request = {
            "method": "POST",
            "values": {},
            "headers": {},
            "body": body,
            "url_path": "/",
            "url_params": {},
        }
        seen.append((operation.name, params, JSONParser(operation, map_type=dict).parse(request)))
        return params

    monkeypatch.setattr(moto_fixes, "plain_json_params", recording)
    return seen


def test_item_operations_read_and_answer_as_moto_does(
    aws: Any, encoded: list[Any], parsed: list[Any]
) -> None:
    # Given a table with a stream
    ddb = aws("dynamodb")
    name = f"fast-{uuid.uuid4().hex[:10]}"
    stream_arn = ddb.create_table(
        TableName=name,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        **TABLE,
    )["TableDescription"]["LatestStreamArn"]
    key = {"k": {"S": "a"}}
    try:
        # When every item operation runs, with every attribute type and every optional part
        ddb.put_item(TableName=name, Item={**key, **EVERY_TYPE}, ReturnConsumedCapacity="TOTAL")
        got = ddb.get_item(TableName=name, Key=key, ConsistentRead=True, ReturnConsumedCapacity="INDEXES")
        ddb.get_item(TableName=name, Key={"k": {"S": "missing"}})
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
            ReturnConsumedCapacity="TOTAL",
            ReturnItemCollectionMetrics="SIZE",
        )
        ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE l")
        for i in range(4):
            ddb.put_item(TableName=name, Item={"k": {"S": f"x{i}"}})
        ddb.query(TableName=name, KeyConditionExpression="k = :k", ExpressionAttributeValues={":k": key["k"]})
        page = ddb.scan(TableName=name, Limit=2, ReturnConsumedCapacity="INDEXES")
        ddb.batch_get_item(RequestItems={name: {"Keys": [key, {"k": {"S": "x1"}}]}})
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"k": {"S": "y"}}}}]})
        ddb.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": key}}])
        ddb.transact_write_items(
            TransactItems=[{"Put": {"TableName": name, "Item": {"k": {"S": "z"}}}}],
            ReturnConsumedCapacity="TOTAL",
        )
        with pytest.raises(ClientError, match="TransactionCanceled"):
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": name,
                            "Item": {"k": {"S": "z"}},
                            "ConditionExpression": "attribute_not_exists(k)",
                        }
                    }
                ]
            )
        ddb.delete_item(TableName=name, Key=key, ReturnValues="ALL_OLD")
        streams = aws("dynamodbstreams")
        shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
    finally:
        ddb.delete_table(TableName=name)

    # Then each body written directly equals the serializer's, and the client reads it back intact
    names = {operation for operation, _, _ in encoded}
    assert {"PutItem", "GetItem", "UpdateItem", "Query", "Scan", "DeleteItem"} <= names
    assert {"BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "GetRecords"} <= names
    for operation, direct, serialized in encoded:
        assert direct == serialized, operation
    # And each request read directly is what moto's parser makes of it; a body with blobs is not
    read = {operation for operation, params, _ in parsed if params is not None}
    assert {"PutItem", "GetItem", "UpdateItem", "Query", "Scan", "DeleteItem"} <= read
    assert {"BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems"} <= read
    for operation, params, by_model in parsed:
        assert params is None or params == by_model, operation
    assert [operation for operation, params, _ in parsed if params is None] == ["PutItem"]
    assert got["Item"]["b"] == {"B": b"\x00\xffxy"}
    assert got["Item"]["bs"] == {"BS": [b"1", b"\x02"]}
    assert "LastEvaluatedKey" in page
    assert records[0]["dynamodb"]["NewImage"]["b"] == {"B": b"\x00\xffxy"}
    assert records[0]["dynamodb"]["ApproximateCreationDateTime"].tzinfo is not None


def test_an_execution_start_answers_as_moto_serializer_does(aws: Any, encoded: list[Any]) -> None:
    # Given a state machine
    sfn = aws("stepfunctions")
    definition = {"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(
        name=f"fast-{uuid.uuid4().hex[:10]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/local",
    )["stateMachineArn"]
    try:
        # When an execution starts
        started = sfn.start_execution(stateMachineArn=arn, name="one", input="{}")
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)
    # Then its answer is the serializer's, start date included (other executions may start meanwhile)
    ours = [
        (d, s)
        for op, d, s in encoded
        if op == "StartExecution" and d["executionArn"] == started["executionArn"]
    ]
    assert len(ours) == 1 and ours[0][0] == ours[0][1]
    assert started["executionArn"].endswith(":one") and started["startDate"].tzinfo is not None


def test_a_result_holding_other_than_json_values_goes_to_the_serializer() -> None:
    from datetime import UTC, datetime

    from moto.core.utils import get_service_model

    operation = get_service_model("dynamodb").operation_model("GetItem")
    assert moto_fixes.plain_json_body({"Item": {"at": object()}}, operation) is None
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, UTC)
    stamped = moto_fixes.plain_json_body({"Item": {"at": at}}, operation)
    assert json.loads(stamped or "") == {"Item": {"at": 1767323045.678}}
    assert moto_fixes.plain_json_body(["not", "a", "dict"], operation) is None
    assert json.loads(moto_fixes.plain_json_body({"Item": {}, "Extra": 1}, operation) or "") == {"Item": {}}


def test_queue_attributes_answer_as_before(aws: Any) -> None:
    # Given a queue with a redrive policy and messages in it
    sqs = aws("sqs")
    dead = sqs.create_queue(QueueName=f"dead-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 3})
    url = sqs.create_queue(
        QueueName=f"attrs-{uuid.uuid4().hex[:8]}", Attributes={"RedrivePolicy": redrive, "DelaySeconds": "0"}
    )["QueueUrl"]
    try:
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)

        # When all attributes, and then a few, are asked for
        every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        some = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "RedrivePolicy"]
        )["Attributes"]

        # Then the counts are live and the policy is the one set
        assert every["ApproximateNumberOfMessages"] == "2"
        assert every["ApproximateNumberOfMessagesNotVisible"] == "1"
        assert every["ApproximateNumberOfMessagesDelayed"] == "1"
        assert json.loads(every["RedrivePolicy"]) == json.loads(redrive)
        assert every["DelaySeconds"] == "0" and every["QueueArn"].endswith(url.rsplit("/", 1)[-1])
        assert some == {"ApproximateNumberOfMessages": "2", "RedrivePolicy": every["RedrivePolicy"]}
        # and re-creating it with the same attributes is still accepted, with others refused
        assert sqs.create_queue(QueueName=url.rsplit("/", 1)[-1], Attributes={"DelaySeconds": "0"})
        with pytest.raises(ClientError, match="QueueAlreadyExists"):
            sqs.create_queue(QueueName=url.rsplit("/", 1)[-1], Attributes={"DelaySeconds": "5"})
    finally:
        sqs.delete_queue(QueueUrl=url)
        sqs.delete_queue(QueueUrl=dead)


def test_sending_reads_one_attribute_not_every_message() -> None:
    class Queue:
        BASE_ATTRIBUTES = ["ApproximateNumberOfMessages", "DelaySeconds", "Policy"]
        FIFO_ATTRIBUTES = ["ContentBasedDeduplication"]
        KMS_ATTRIBUTES: list[str] = []
        fifo_queue, kms_master_key_id, policy, redrive_policy = True, None, None, None
        delay_seconds, content_based_deduplication = 0, True

        @property
        def approximate_number_of_messages(self) -> int:
            raise AssertionError("counted the messages for an unrelated attribute")

    attributes = moto_fixes.QueueAttributes(Queue())
    assert attributes.get("ContentBasedDeduplication") == "true"
    assert attributes.get("KmsMasterKeyId") is None and "KmsMasterKeyId" not in attributes
    assert list(attributes) == [
        "ApproximateNumberOfMessages",
        "DelaySeconds",
        "Policy",
        "ContentBasedDeduplication",
    ]


def test_handler_methods_are_listed_once_per_class(aws: Any) -> None:
    from moto.core import responses, utils
    from moto.dynamodb.responses import DynamoHandler

    # Given the list moto checks an action against, as the fix keeps it
    listed = responses.method_names_from_class
    assert listed(DynamoHandler) == utils.method_names_from_class(DynamoHandler)
    hits = listed.cache_info().hits  # type: ignore[attr-defined]
    # When a request reaches a handler, then the list comes from the cache
    aws("dynamodb").list_tables(Limit=1)
    assert listed.cache_info().hits > hits  # type: ignore[attr-defined]


def _validate(expression: str, names: dict[str, str], walk_every_node: bool) -> Any:
    """What moto's UpdateItem validation makes of `expression` on a stored item: the item after the
    update, or the error (type and message); with `walk_every_node`, without the fix."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.parsing.executors import UpdateExpressionExecutor
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.validators import (
        ActionCountValidator,
        OverlappingPathsValidator,
        UpdateExpressionValidator,
    )

    class Keys:
        table_key_attrs = ["k"]
        attribute_keys = ["k"]
        attr: list[Any] = []

    item = Item(DynamoType({"S": "a"}), None, attrs={"k": {"S": "a"}, "n": {"N": "1"}, "l": {"L": []}})
    values: dict[str, Any] = {
        ":one": {"N": "1"},
        ":x": {"S": "x"},
        ":l": {"L": [{"S": "y"}]},
        ":e": {"L": []},
    }
    patched = {cls: cls.traverse for cls in (ActionCountValidator, OverlappingPathsValidator)}
    try:
        if walk_every_node:
            for cls, traverse in patched.items():
                cls.traverse = traverse.walk_every_node
        try:
            tree = UpdateExpressionParser.make(expression)
            done = UpdateExpressionValidator(
                tree,
                expression_attribute_names=names,
                expression_attribute_values=values,
                item=item,
                table=Keys(),  # type: ignore[arg-type]
            ).validate()
        except Exception as error:
            return type(error).__name__, str(error)
        done.normalize()
        UpdateExpressionExecutor(done, item, names).execute()
        return item.to_json()
    finally:
        for cls, traverse in patched.items():
            cls.traverse = traverse


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("SET a = :x, b = list_append(if_not_exists(l, :e), :l) REMOVE c ADD n :one", {}),
        ("SET #s = :x, t = :x REMOVE u, v", {"#s": "status"}),
        ("ADD n :one ADD m :one", {}),  # two ADD clauses
        ("ADD n :one REMOVE a SET b = :x REMOVE c", {}),  # two REMOVE clauses after an ADD
        ("SET a = :x, a = :x", {}),  # the same path twice
        ("SET a.b = :x, a = :x", {}),  # overlapping paths
        ("SET #a = :x, #b = :x", {"#a": "same", "#b": "same"}),  # one name behind two placeholders
        ("SET #missing = :x", {}),  # a placeholder without a name
    ],
)
def test_update_clauses_checked_at_the_root_decide_as_every_node_did(
    expression: str, names: dict[str, str]
) -> None:
    # Given the fix, when an expression is validated, then the outcome is what the full walk decides
    moto_fixes.apply_all()
    at_the_root = _validate(expression, names, walk_every_node=False)
    assert at_the_root == _validate(expression, names, walk_every_node=True)


def test_a_valid_update_expression_is_checked_once_not_at_every_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.parsing.validators import ActionCountValidator

    # Given the fix, and a count of the clause checks
    moto_fixes.apply_all()
    checks = _calls(monkeypatch, ActionCountValidator, "verify_action_counts")
    # When a valid five-action expression is validated
    assert isinstance(_validate("SET a = :x, b = :x, c = :x REMOVE d ADD n :one", {}, False), dict)
    # Then its clauses are counted once, at the root (without the fix: at each of its nodes)
    assert len(checks) == 1


def test_a_repeated_update_expression_is_parsed_once_and_applied_afresh(aws: Any) -> None:
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    # Given a table, and an update expression the cache has not seen
    ddb = aws("dynamodb")
    name = f"fast-{uuid.uuid4().hex[:10]}"
    ddb.create_table(TableName=name, **TABLE)
    field = f"f{uuid.uuid4().hex[:8]}"
    expression = f"SET {field} = list_append(if_not_exists({field}, :empty), :entry) ADD n :one"
    try:
        misses = UpdateExpressionParser.make.cache_info().misses
        # When two items get the same expression with different values
        for key, entry in (("a", "first"), ("a", "second"), ("b", "other")):
            ddb.update_item(
                TableName=name,
                Key={"k": {"S": key}},
                UpdateExpression=expression,
                ExpressionAttributeValues={
                    ":empty": {"L": []},
                    ":entry": {"L": [{"S": entry}]},
                    ":one": {"N": "1"},
                },
            )
        # Then it was parsed once, and every update applied its own values to its own item
        assert UpdateExpressionParser.make.cache_info().misses == misses + 1
        a = ddb.get_item(TableName=name, Key={"k": {"S": "a"}}, ConsistentRead=True)["Item"]
        b = ddb.get_item(TableName=name, Key={"k": {"S": "b"}}, ConsistentRead=True)["Item"]
        assert a[field] == {"L": [{"S": "first"}, {"S": "second"}]} and a["n"] == {"N": "2"}
        assert b[field] == {"L": [{"S": "other"}]} and b["n"] == {"N": "1"}
        # And an expression that does not parse is refused every time
        for _ in range(2):
            with pytest.raises(ClientError, match="Invalid UpdateExpression"):
                ddb.update_item(
                    TableName=name,
                    Key={"k": {"S": "a"}},
                    UpdateExpression="SET = :x",
                    ExpressionAttributeValues={":x": {"S": "x"}},
                )
    finally:
        ddb.delete_table(TableName=name)


def test_an_expression_tree_copy_is_the_same_tree_with_parents_in_the_copy() -> None:
    import copy

    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    moto_fixes.apply_all()
    # Given a parsed expression with functions, nested paths and every clause
    tree = UpdateExpressionParser.make(
        "SET a.b[1] = list_append(if_not_exists(l, :e), :l), #n = :x REMOVE c ADD n :one"
    )

    def same(original: Any, copied: Any, parent: Any) -> None:
        if not isinstance(original, Node):
            assert copied == original
            return
        assert type(copied) is type(original) and copied is not original and copied.type == original.type
        assert copied.parent is parent
        assert (copied.children is None) == (original.children is None)
        for mine, theirs in zip(original.children or [], copied.children or [], strict=True):
            same(mine, theirs, copied)

    # When it is copied, then the copy is the same tree, made of new nodes whose parents are in the copy
    same(tree, copy.deepcopy(tree), None)


KEYED_TABLE = {
    "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "k", "AttributeType": "S"},
        {"AttributeName": "r", "AttributeType": "N"},
        {"AttributeName": "g", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by-g",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def _all_pages(ddb: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    pages = []
    while True:
        page = ddb.query(**request)
        page.pop("ResponseMetadata", None)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def _keyed_table(ddb: Any, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    ddb.create_table(TableName=name, **KEYED_TABLE)
    return name


def _whole_table_listings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on in the test: the name of each table every time all its items are listed."""
    from moto.dynamodb.models.table import Table

    listed: list[str] = []
    whole_table = Table.all_items.whole_table  # type: ignore[attr-defined]

    def listing(table: Any) -> Any:
        listed.append(table.name)
        return whole_table(table)

    monkeypatch.setattr(Table.all_items, "whole_table", listing)
    return listed


def test_a_query_on_the_table_key_lists_its_partition_only_and_answers_as_before(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models.table import Table

    # Given a table of six partitions of six items each, with an index
    ddb = aws("dynamodb")
    name = _keyed_table(ddb, "part")
    for p in range(6):
        for r in (5, 0, 3, 1, 4, 2):  # written out of order: the answer's order is the engine's
            item = {
                "k": {"S": f"p{p}"},
                "r": {"N": str(r - 2)},
                "g": {"S": f"g{r % 2}"},
                "v": {"N": str(p * r)},
            }
            ddb.put_item(TableName=name, Item=item)
    key = {":k": {"S": "p3"}}
    queries: list[dict[str, Any]] = [
        {"KeyConditionExpression": "k = :k", "ExpressionAttributeValues": key},
        {"KeyConditionExpression": "k = :k", "ExpressionAttributeValues": {":k": {"S": "absent"}}},
        {
            "KeyConditionExpression": "k = :k AND r > :r",
            "ExpressionAttributeValues": {**key, ":r": {"N": "0"}},
        },
        {
            "KeyConditionExpression": "k = :k AND r BETWEEN :a AND :b",
            "ExpressionAttributeValues": {**key, ":a": {"N": "-1"}, ":b": {"N": "2"}},
            "ScanIndexForward": False,
        },
        {"KeyConditionExpression": "k = :k", "ExpressionAttributeValues": key, "Limit": 2},
        {
            "KeyConditionExpression": "k = :k",
            "FilterExpression": "v > :v",
            "ExpressionAttributeValues": {**key, ":v": {"N": "6"}},
            "ConsistentRead": True,
        },
        {"KeyConditionExpression": "k = :k", "ExpressionAttributeValues": key, "Select": "COUNT"},
        {
            "KeyConditionExpression": "k = :k",
            "ExpressionAttributeValues": key,
            "ProjectionExpression": "r, v",
        },
    ]
    on_index = {
        "IndexName": "by-g",
        "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": {"S": "g1"}},
    }
    whole_table = Table.all_items.whole_table  # type: ignore[attr-defined]
    listed = _whole_table_listings(monkeypatch)
    try:
        # When each query runs (every page) with the fix
        fixed = [_all_pages(ddb, {"TableName": name, **q}) for q in queries]
        # Then none of them listed the whole table; the first query on the index lists it once
        # (to file the index's partitions, see the next test)
        assert name not in listed
        fixed_index = _all_pages(ddb, {"TableName": name, **on_index})
        assert listed.count(name) == 1
        # And moto's own query answers every one of them exactly the same
        monkeypatch.setattr(Table, "query", Table.query.whole_table)  # type: ignore[attr-defined]
        monkeypatch.setattr(Table, "all_items", whole_table)
        assert [_all_pages(ddb, {"TableName": name, **q}) for q in queries] == fixed
        assert _all_pages(ddb, {"TableName": name, **on_index}) == fixed_index
        assert [item["r"]["N"] for item in fixed[0][0]["Items"]] == ["-2", "-1", "0", "1", "2", "3"]
        assert [len(page["Items"]) for page in fixed[4]] == [2, 2, 2]
    finally:
        ddb.delete_table(TableName=name)


def _index_answers(ddb: Any, name: str) -> list[list[dict[str, Any]]]:
    """Every page of the index queries the next test compares, for each partition and page size."""
    answers = []
    for g in ("g0", "g1", "g2", "absent"):
        for extra in ({}, {"Limit": 2}, {"ScanIndexForward": False, "FilterExpression": "v > :v"}):
            values = {":g": {"S": g}, **({":v": {"N": "3"}} if "FilterExpression" in extra else {})}
            request = {
                "TableName": name,
                "IndexName": "by-g",
                "KeyConditionExpression": "g = :g",
                "ExpressionAttributeValues": values,
                **extra,
            }
            answers.append(_all_pages(ddb, request))
    return answers


def _moto_index_answers(ddb: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    """The same queries through moto's own whole-table listing."""
    from moto.dynamodb.models.table import Table

    with monkeypatch.context() as plain:
        plain.setattr(Table, "query", Table.query.whole_table)  # type: ignore[attr-defined]
        plain.setattr(Table, "all_items", Table.all_items.whole_table)  # type: ignore[attr-defined]
        return _index_answers(ddb, name)


def test_an_index_query_lists_its_partition_only_and_follows_every_write(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:

    # Given a table with an index, forty items spread over three index partitions (some in none),
    # and one query on the index, which files the partitions
    ddb = aws("dynamodb")
    name = _keyed_table(ddb, "index")

    def item(k: str, r: int, g: str | None, v: int = 1) -> dict[str, Any]:
        found = {"k": {"S": k}, "r": {"N": str(r)}, "v": {"N": str(v)}}
        return {**found, "g": {"S": g}} if g else found

    for n in range(40):
        ddb.put_item(TableName=name, Item=item(f"p{n % 5}", n, f"g{n % 4}" if n % 4 < 3 else None, n % 7))
    assert _index_answers(ddb, name) == _moto_index_answers(ddb, name, monkeypatch)
    listed = _whole_table_listings(monkeypatch)
    key = {"k": {"S": "p1"}, "r": {"N": "1"}}  # in g1
    writes: list[tuple[str, Any]] = [
        ("a new item", lambda: ddb.put_item(TableName=name, Item=item("new", 0, "g1", 9))),
        ("a put moving an item", lambda: ddb.put_item(TableName=name, Item=item("p1", 1, "g2", 8))),
        ("a put leaving the index", lambda: ddb.put_item(TableName=name, Item=item("p2", 2, None))),
        (
            "an update moving an item",
            lambda: ddb.update_item(
                TableName=name,
                Key=key,
                UpdateExpression="SET g = :g",
                ExpressionAttributeValues={":g": {"S": "g0"}},
            ),
        ),
        (
            "an update leaving it",
            lambda: ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE g"),
        ),
        (
            "an update creating an item",
            lambda: ddb.update_item(
                TableName=name,
                Key={"k": {"S": "made"}, "r": {"N": "5"}},
                UpdateExpression="SET g = :g, v = :v",
                ExpressionAttributeValues={":g": {"S": "g2"}, ":v": {"N": "6"}},
            ),
        ),
        (
            "an update changing another attribute",
            lambda: ddb.update_item(
                TableName=name,
                Key={"k": {"S": "p0"}, "r": {"N": "0"}},
                UpdateExpression="SET v = :v",
                ExpressionAttributeValues={":v": {"N": "7"}},
            ),
        ),
        ("a delete", lambda: ddb.delete_item(TableName=name, Key={"k": {"S": "p0"}, "r": {"N": "5"}})),
        (
            "a delete of nothing",
            lambda: ddb.delete_item(TableName=name, Key={"k": {"S": "none"}, "r": {"N": "0"}}),
        ),
        (
            "a batch",
            lambda: ddb.batch_write_item(
                RequestItems={
                    name: [
                        {"PutRequest": {"Item": item("batch", 1, "g0", 5)}},
                        {"DeleteRequest": {"Key": {"k": {"S": "p3"}, "r": {"N": "8"}}}},
                    ]
                }
            ),
        ),
        (
            "a transaction",
            lambda: ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": name, "Item": item("tx", 1, "g1", 4)}},
                    {
                        "Update": {
                            "TableName": name,
                            "Key": {"k": {"S": "p4"}, "r": {"N": "9"}},
                            "UpdateExpression": "SET g = :g",
                            "ExpressionAttributeValues": {":g": {"S": "g2"}},
                        }
                    },
                    {"Delete": {"TableName": name, "Key": {"k": {"S": "p2"}, "r": {"N": "12"}}}},
                ]
            ),
        ),
        ("a cancelled transaction", lambda: _cancelled(ddb, name, item)),
        (
            "a PartiQL insert",
            lambda: ddb.execute_statement(
                Statement=f"INSERT INTO \"{name}\" VALUE {{'k': 'ql', 'r': 1, 'g': 'g0'}}"
            ),
        ),
    ]
    for what, write in writes:
        # When the table is written
        write()
        # Then no query on the index lists the whole table, and each answers as moto's own listing
        answers = _index_answers(ddb, name)
        assert name not in listed, what
        assert answers == _moto_index_answers(ddb, name, monkeypatch), what
        listed.clear()
    ddb.delete_table(TableName=name)


def _cancelled(ddb: Any, name: str, item: Callable[..., dict[str, Any]]) -> None:
    """A transaction that moves and removes index items, then fails its last condition."""
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": item("p1", 13, "g0", 1)}},
                {"Delete": {"TableName": name, "Key": {"k": {"S": "p2"}, "r": {"N": "22"}}}},
                {
                    "Update": {
                        "TableName": name,
                        "Key": {"k": {"S": "p0"}, "r": {"N": "20"}},
                        "UpdateExpression": "REMOVE g",
                        "ConditionExpression": "attribute_not_exists(k)",
                    }
                },
            ]
        )


def _validate_by_map(expression: str, names: dict[str, str], by_map: bool) -> Any:
    """`_validate`, with each walker dispatching through its processing map at every node."""
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]

    fixed = DepthFirstTraverser.traverse_node_recursively
    if by_map:
        DepthFirstTraverser.traverse_node_recursively = fixed.by_map
    try:
        return _validate(expression, names, walk_every_node=False)
    finally:
        DepthFirstTraverser.traverse_node_recursively = fixed


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("SET a = :x, b = list_append(if_not_exists(l, :e), :l) REMOVE c ADD n :one", {}),
        ("SET #s = :x, t = :x REMOVE u, v", {"#s": "status"}),
        ("SET n = n + :one, m = :one - n", {}),  # arithmetic on a stored number
        ("SET k = :x", {}),  # the table's key
        ("SET a = missing + :one", {}),  # a path the item does not have
        ("SET a = :nope", {}),  # a value placeholder without a value
        ("SET l[0] = :x", {}),
    ],
)
def test_expression_nodes_dispatched_by_class_validate_as_the_processing_map_did(
    expression: str, names: dict[str, str]
) -> None:
    # Given the fix, when an expression is validated (and applied), then the item or the error is
    # the one dispatching through each walker's processing map at every node gives
    moto_fixes.apply_all()
    assert _validate_by_map(expression, names, by_map=False) == _validate_by_map(
        expression, names, by_map=True
    )


def test_a_walker_builds_its_processing_map_once_per_node_class(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.parsing.validators import ExecuteOperations

    # Given the fix, an expression validated once already, and a count of processing-map builds
    moto_fixes.apply_all()
    expression = "SET a = :x, b = :x, c = n + :one, d = list_append(l, :l) REMOVE e"
    _validate(expression, {}, walk_every_node=False)
    built = _calls(monkeypatch, ExecuteOperations, "_processing_map")
    # When the same expression is validated again
    assert isinstance(_validate(expression, {}, walk_every_node=False), dict)
    # Then no walker rebuilt its map (without the fix: twice at most of the tree's nodes)
    assert built == []


CONDITIONS = [
    "attribute_not_exists(k)",
    "#s = :held AND (n >= :one OR attribute_exists(l))",
    "NOT (n BETWEEN :one AND :two) AND size(l) < :two",
    "n IN (:one, :two) OR begins_with(#s, :prefix)",
    "m.q = :f AND l[0] <> :x",
]
CONDITION_VALUES = {
    ":held": {"S": "HELD"},
    ":one": {"N": "1"},
    ":two": {"N": "2"},
    ":prefix": {"S": "HE"},
    ":f": {"BOOL": False},
    ":x": {"S": "x"},
}


def _forget_parsed_conditions() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser

    ConditionExpressionParser.parse.unchecked.trees.clear()  # type: ignore[attr-defined]


def test_condition_expressions_lexed_once_parse_as_lexed_every_time() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser, get_filter_expression
    from moto.dynamodb.models.dynamo_type import Item

    # Given the fix, and an item with every kind of attribute the conditions read
    moto_fixes.apply_all()
    item = Item(
        EVERY_TYPE["n"],  # type: ignore[arg-type]
        None,
        {"k": {"S": "a"}, "status": {"S": "HELD"}, "n": {"N": "1"}, "l": {"L": [{"S": "x"}]}, **EVERY_TYPE},
    )
    lex_once = ConditionExpressionParser._lex_condition_expression

    def shape(node: Any) -> Any:
        if isinstance(node, (list, tuple)):
            return [shape(n) for n in node]
        if hasattr(node, "__dict__"):
            return type(node).__name__, {k: shape(v) for k, v in vars(node).items()}
        return node

    def decide(expression: str) -> Any:
        op = get_filter_expression(expression, {"#s": "status"}, CONDITION_VALUES)
        return shape(op), op.expr(item)

    # When each condition is parsed twice with the fix, and once lexing every time (parsed afresh
    # each time: the parsed trees are forgotten first)
    fixed = [decide(c) for c in CONDITIONS]
    _forget_parsed_conditions()
    again = [decide(c) for c in CONDITIONS]
    _forget_parsed_conditions()
    ConditionExpressionParser._lex_condition_expression = lex_once.lex_every_time
    try:
        unfixed = [decide(c) for c in CONDITIONS]
    finally:
        ConditionExpressionParser._lex_condition_expression = lex_once
    # Then every parse gives the same tree and the same decision
    assert fixed == again == unfixed
    assert [decision for _, decision in fixed] == [False, True, False, True, False]


def test_a_condition_is_lexed_once_and_a_parse_error_is_raised_every_time(aws: Any) -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser, get_filter_expression
    from moto.dynamodb.exceptions import MockValidationException

    # Given the fix and a table
    moto_fixes.apply_all()
    tokens = ConditionExpressionParser._lex_condition_expression.tokens
    ddb, name = aws("dynamodb"), f"lex-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, **TABLE)
    try:
        condition = f"attribute_not_exists(k) AND attribute_not_exists(n{uuid.uuid4().hex[:6]})"
        misses = tokens.cache_info().misses
        # When two puts carry the same new condition
        for key in ("a", "b"):
            ddb.put_item(TableName=name, Item={"k": {"S": key}}, ConditionExpression=condition)
        # Then it was lexed once, and both conditions held
        assert tokens.cache_info().misses == misses + 1
        assert ddb.scan(TableName=name)["Count"] == 2
        # And a condition that cannot be lexed, or whose tokens cannot be parsed, fails every time
        for bad in ("k = :v ~ :w", "k = = :v"):
            for _ in range(2):
                with pytest.raises(MockValidationException, match=r"Cannot parse condition|Bad comparison"):
                    get_filter_expression(bad, {}, {":v": {"S": "c"}, ":w": {"S": "d"}})
    finally:
        ddb.delete_table(TableName=name)


def test_a_condition_is_parsed_once_per_expression_and_the_values_it_uses(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser

    # Given the fix, a table with one counter, and a count of the parses moto makes of a condition
    moto_fixes.apply_all()
    condition = f"n >= :q AND attribute_not_exists(x{uuid.uuid4().hex[:6]})"
    keep = lambda parser: parser.condition_expression == condition  # noqa: E731
    parses = _calls(monkeypatch, ConditionExpressionParser, "_parse_paths", keep)
    ddb, name = aws("dynamodb"), f"parse-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, **TABLE)
    try:
        ddb.put_item(TableName=name, Item={"k": {"S": "a"}, "n": {"N": "5"}})

        def add(q: int, now: str) -> str:
            update = {"TableName": name, "Key": {"k": {"S": "a"}}, "UpdateExpression": "SET t = :now"}
            update["ConditionExpression"] = condition
            update["ExpressionAttributeValues"] = {":q": {"N": str(q)}, ":now": {"S": now}}
            try:
                ddb.transact_write_items(TransactItems=[{"Update": update}])
            except ClientError as error:
                return str(error.response["Error"]["Code"])
            return "written"

        # When the same condition is sent with the same value three times (with another value
        # for a placeholder it does not use each time), then with a value that fails it
        decisions = [add(1, "t1"), add(1, "t2"), add(1, "t3"), add(9, "t4"), add(1, "t5")]
        # Then each value decided for itself, and each distinct value was parsed once, not three
        # times per transaction
        cancelled = "TransactionCanceledException"
        assert decisions == ["written", "written", "written", cancelled, "written"]
        assert len(parses) == 2
        # And a hit still checks the request's names: one the condition does not use is refused
        absent = "attribute_not_exists(#k)"
        ddb.put_item(
            TableName=name,
            Item={"k": {"S": "b"}},
            ConditionExpression=absent,
            ExpressionAttributeNames={"#k": "k"},
        )
        with pytest.raises(ClientError, match="unused in expressions"):
            ddb.put_item(
                TableName=name,
                Item={"k": {"S": "c"}},
                ConditionExpression=absent,
                ExpressionAttributeNames={"#k": "k", "#z": "z"},
            )
    finally:
        ddb.delete_table(TableName=name)


def test_a_kept_condition_holds_none_of_the_request_objects() -> None:
    import copy

    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.models.dynamo_type import Item

    # Given the fix and an item with a map
    moto_fixes.apply_all()
    stored = {"M": {"q": {"N": "1"}}}
    item = Item({"S": "a"}, None, {"k": {"S": "a"}, "m": copy.deepcopy(stored)})  # type: ignore[arg-type]
    expression = f"m = :m AND attribute_not_exists(x{uuid.uuid4().hex[:6]})"
    # When a request's value is changed after its condition was parsed
    sent = {":m": copy.deepcopy(stored)}
    assert get_filter_expression(expression, None, sent).expr(item)
    sent[":m"]["M"]["q"] = {"N": "2"}
    # Then the same condition with the same value still holds
    assert get_filter_expression(expression, None, {":m": copy.deepcopy(stored)}).expr(item)


def test_a_new_item_is_sized_once_with_the_same_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    # Given the fix, an item of 300 attributes, and a count of attribute sizings
    moto_fixes.apply_all()
    attrs = {f"a{n:03}": {"S": "x" * 10} for n in range(300)} | EVERY_TYPE
    sized = _calls(monkeypatch, DynamoType, "size")
    # When it is built with the fix and attribute by attribute
    fixed = Item(DynamoType({"S": "k"}), None, attrs)
    with_fix = len(sized)
    slow = Item(DynamoType({"S": "k"}), None, {})
    Item.__init__.attribute_by_attribute(slow, DynamoType({"S": "k"}), None, attrs)
    # Then both hold the same attributes; the fix sized each top-level attribute once (the
    # attribute-by-attribute build sized all before it for each: about 46,000)
    assert fixed.to_json() == slow.to_json()
    assert with_fix < 400 < len(sized) - with_fix
    # And an item just over moto's limit is refused by both, just under it by neither
    limit = moto_fixes.ITEM_SIZE_LIMIT
    for attributes, refused in (
        ({"big": {"S": "x" * (limit - 3)}}, False),
        ({"big": {"S": "x" * (limit - 2)}}, True),
    ):
        outcomes = []
        for build in (Item.__init__, Item.__init__.attribute_by_attribute):
            item = Item.__new__(Item)
            try:
                build(item, DynamoType({"S": "k"}), None, attributes)
                outcomes.append(False)
            except ItemSizeTooLarge:
                outcomes.append(True)
        assert outcomes == [refused, refused]


def test_an_update_sizes_each_attribute_once_and_refuses_one_over_the_limit(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    # Given the fix, an item holding a 300 KB attribute, and a count of that attribute's sizings
    moto_fixes.apply_all()
    ddb, name = aws("dynamodb"), f"size-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, **TABLE)
    key = {"k": {"S": "a"}}
    try:
        ddb.put_item(TableName=name, Item={**key, "big": {"S": "x" * 300_000}, "gone": {"S": "g" * 5_000}})
        sized = _calls(
            monkeypatch, DynamoType, "size", keep=lambda v: v.type == "S" and len(v.value) >= 300_000
        )
        # When an update removes one attribute and sets five
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET a = :x, b = :x, c = :x, d = :x, e = :more REMOVE gone",
            ExpressionAttributeValues={":x": {"S": "x"}, ":more": {"S": "m" * 90_000}},
        )
        # Then it is applied, and the big attribute was sized once (before: once per attribute set)
        item = ddb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]
        assert item["d"] == {"S": "x"} and len(item["e"]["S"]) == 90_000 and "gone" not in item
        assert len(sized) == 1
        # And an update that would take the item over the limit is refused and changes nothing
        more = {":more": {"S": "z" * 20_000}}
        updates = (("SET more = :more", more), ("SET a = :x, more = :more", {":x": {"S": "y"}, **more}))
        for expression, values in updates:
            with pytest.raises(
                ClientError, match="Item size to update has exceeded the maximum allowed size"
            ):
                ddb.update_item(
                    TableName=name, Key=key, UpdateExpression=expression, ExpressionAttributeValues=values
                )
        after = ddb.get_item(TableName=name, Key=key, ConsistentRead=True)["Item"]
        assert "more" not in after
    finally:
        ddb.delete_table(TableName=name)


def _rpc_environ(
    service: str, body: bytes, content_type: str, target: str | None, **headers: str
) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    sent = {
        "Content-Type": content_type,
        "Host": "localhost",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=ak/20261208/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0",
        **headers,
    }
    if target is not None:
        sent["X-Amz-Target"] = target
    return EnvironBuilder(path="/", method="POST", data=body, headers=sent).get_environ()


def _answer(
    app: Any, call: Callable[..., Any], environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], str]:
    """Status, headers and body of one request, with what differs per request (its id) blanked."""
    import io
    import re

    environ = dict(environ, **{"wsgi.input": io.BytesIO(environ["wsgi.input"].getvalue())})
    started: list[Any] = []
    body = b"".join(call(app, environ, lambda status, headers, *_: started.append((status, headers))))
    status, headers = started[0]
    varying = {"x-amzn-requestid", "x-amz-request-id", "date"}
    text = re.sub(r"<RequestId>[^<]*</RequestId>", "<RequestId/>", body.decode())
    return status, [(k, v) for k, v in headers if k.lower() not in varying], text


def test_rpc_requests_to_the_root_skip_flask_and_answer_as_flask_did(
    aws: Any, unique_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask import Flask
    from moto.server import DomainDispatcherApplication, create_backend_app

    # Given moto's server app, a table with an item, and the requests an SDK sends to `/`
    table = f"root-{unique_id}"
    aws("dynamodb").create_table(TableName=table, **TABLE)
    aws("dynamodb").put_item(TableName=table, Item={"k": {"S": "a"}, **EVERY_TYPE})
    app = DomainDispatcherApplication(create_backend_app)
    ddb = "application/x-amz-json-1.0"

    def dynamodb(action: str, request: dict[str, Any]) -> dict[str, Any]:
        return _rpc_environ("dynamodb", json.dumps(request).encode(), ddb, f"DynamoDB_20120810.{action}")

    requests = {
        "read": dynamodb("GetItem", {"TableName": table, "Key": {"k": {"S": "a"}}, "ConsistentRead": True}),
        "condition failed": dynamodb(
            "PutItem",
            {"TableName": table, "Item": {"k": {"S": "a"}}, "ConditionExpression": "attribute_not_exists(k)"},
        ),
        "no such table": dynamodb("GetItem", {"TableName": f"{table}-missing", "Key": {"k": {"S": "a"}}}),
        "unknown action": dynamodb("NoSuchAction", {}),
        "state machines": _rpc_environ("states", b"{}", ddb, "AWSStepFunctions.ListStateMachines"),
        "no such execution": _rpc_environ(
            "states",
            json.dumps(
                {"executionArn": f"arn:aws:states:us-east-1:123456789012:execution:none:{unique_id}"}
            ).encode(),
            ddb,
            "AWSStepFunctions.DescribeExecution",
        ),
        "query protocol": _rpc_environ(
            "sns", b"Action=ListTopics&Version=2010-03-31", "application/x-www-form-urlencoded", None
        ),
    }
    through_flask: list[str] = []
    flask_wsgi = Flask.wsgi_app
    monkeypatch.setattr(
        Flask, "wsgi_app", lambda self, *args: (through_flask.append("flask"), flask_wsgi(self, *args))[1]
    )
    direct, original = DomainDispatcherApplication.__call__, DomainDispatcherApplication.__call__.original

    # (and two handlers that fail the ways Flask maps: a client's error and an HTTP exception)
    from moto.dynamodb.responses import DynamoHandler
    from werkzeug.exceptions import BadRequest

    def client_error(self: Any) -> Any:
        raise ClientError({"Error": {"Code": "Refused", "Message": "refused here"}}, "ListTables")

    setup = DynamoHandler.setup_class

    def http_exception(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.headers.get("X-Amz-Target", "").endswith("DescribeLimits"):
            raise BadRequest("not like that")  # as reading a request can, before any handler runs
        return setup(self, request, *args, **kwargs)

    monkeypatch.setattr(DynamoHandler, "list_tables", client_error)
    monkeypatch.setattr(DynamoHandler, "setup_class", http_exception)
    requests["client error"] = dynamodb("ListTables", {})
    requests["http exception"] = dynamodb("DescribeLimits", {})

    for name, environ in requests.items():
        # When each is answered by the direct dispatch and by moto's Flask app
        fast = _answer(app, direct, environ)
        assert not through_flask, name
        slow = _answer(app, original, environ)
        assert through_flask, name
        through_flask.clear()

        # Then the answers are the same: status, every header and the body
        assert fast == slow, name
    assert _answer(app, direct, requests["read"])[0] == "200 OK"
    assert _answer(app, direct, requests["condition failed"])[0].startswith("400")
    assert _answer(app, direct, requests["client error"])[2] == "refused here"
    assert "not like that" in _answer(app, direct, requests["http exception"])[2]

    # And a request from a browser (an Origin to answer to) still goes through Flask and its CORS
    browser = _rpc_environ(
        "dynamodb", b"{}", ddb, "DynamoDB_20120810.DescribeEndpoints", Origin="http://shop.test"
    )
    assert ("Access-Control-Allow-Origin", "http://shop.test") in _answer(app, direct, browser)[1]
    assert through_flask


@pytest.mark.parametrize("return_values", ["NONE", "ALL_NEW", "ALL_OLD", "UPDATED_OLD", "UPDATED_NEW"])
def test_an_update_copies_the_old_item_only_to_answer_from_it(
    aws: Any, unique_id: str, monkeypatch: pytest.MonkeyPatch, return_values: str
) -> None:
    import copy

    from moto.dynamodb.models.dynamo_type import Item

    # Given an item, and a count of the items moto deep-copies
    table = f"old-{unique_id}"
    ddb = aws("dynamodb")
    ddb.create_table(TableName=table, **TABLE)
    ddb.put_item(TableName=table, Item={"k": {"S": "a"}, "n": {"N": "1"}, "kept": {"S": "same"}})
    copied: list[Any] = []
    deepcopy = copy.deepcopy

    def counting(value: Any, memo: Any = None) -> Any:
        if isinstance(value, Item):
            copied.append(value)
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)

    # When it is updated, answering with these return values
    answer = ddb.update_item(
        TableName=table,
        Key={"k": {"S": "a"}},
        UpdateExpression="SET n = n + :one, added = :x",
        ExpressionAttributeValues={":one": {"N": "1"}, ":x": {"S": "new"}},
        ReturnValues=return_values,
    ).get("Attributes")

    # Then the answer is what DynamoDB answers, and the old item was copied only where it is read
    expected = {
        "NONE": None,
        "ALL_NEW": {"k": {"S": "a"}, "n": {"N": "2"}, "kept": {"S": "same"}, "added": {"S": "new"}},
        "ALL_OLD": {"k": {"S": "a"}, "n": {"N": "1"}, "kept": {"S": "same"}},
        "UPDATED_OLD": {"n": {"N": "1"}},
        "UPDATED_NEW": {"n": {"N": "2"}, "added": {"S": "new"}},
    }[return_values]
    assert answer == expected
    assert ddb.get_item(TableName=table, Key={"k": {"S": "a"}})["Item"]["n"] == {"N": "2"}
    answered_from_old = return_values in ("ALL_OLD", "UPDATED_OLD", "UPDATED_NEW")
    assert len(copied) == (2 if answered_from_old else 1)  # 1: the backend's own, before the update
