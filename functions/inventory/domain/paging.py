"""Opaque page tokens: a DynamoDB `LastEvaluatedKey`, encoded so clients treat it as a black box.

A token that does not decode to the key shape of the query it is used with is a client error
(400 naming `next_token`), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from inventory.errors import ValidationFailed

_MAX_VALUE_LENGTH = 1024


def invalid_token(problem: str = "is not a token this API returned") -> ValidationFailed:
    return ValidationFailed(f"next_token: {problem}", fields=[{"field": "next_token", "problem": problem}])


def encode_token(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    raw = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, key_names: frozenset[str]) -> dict[str, str] | None:
    """The start key inside `token`, which must hold exactly `key_names`, all strings."""
    if token is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_token() from None
    if not isinstance(data, dict) or set(data) != key_names:
        raise invalid_token()
    if not all(isinstance(v, str) and 0 < len(v) <= _MAX_VALUE_LENGTH for v in data.values()):
        raise invalid_token()
    return data
