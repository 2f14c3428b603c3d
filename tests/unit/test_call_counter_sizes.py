"""Item sizes for the call counter's write units, from moto's stored items and from DynamoDB JSON."""

from __future__ import annotations

import base64

from moto.dynamodb.models.dynamo_type import DynamoType, Item

from local_stack.call_counter import item_size, stored_item_size

ATTRIBUTES = {
    "pk": {"S": "SKU-MUG-ÇERAMIC"},
    "count": {"N": "-12.5000"},
    "big": {"N": "1.5E+20"},
    "flag": {"BOOL": True},
    "nothing": {"NULL": True},
    "blob": {"B": base64.b64encode(b"\x00\x01binary").decode()},
    "tags": {"SS": ["a", "bé"]},
    "sizes": {"NS": ["1", "22", "0.5"]},
    "blobs": {"BS": [base64.b64encode(b"xy").decode()]},
    "timeline": {
        "L": [
            {"M": {"event": {"S": "HELD"}, "at": {"S": "2026-12-03T10:00:00.000Z"}, "n": {"N": "3"}}},
            {"L": [{"S": "nested"}, {"N": "0"}]},
        ]
    },
    "empty": {"M": {}},
}


def test_a_stored_item_has_the_size_of_its_dynamodb_json() -> None:
    # Given an item with every attribute type, nested lists and maps, and multi-byte text
    item = Item(DynamoType({"S": "SKU-MUG-ÇERAMIC"}), None, ATTRIBUTES)
    # Then its size read from moto's stored values is the size computed from its DynamoDB JSON
    assert stored_item_size(item) == item_size(item.to_json()["Attributes"]) == item_size(ATTRIBUTES)
    assert stored_item_size(None) == item_size(None) == 0
