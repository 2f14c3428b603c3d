"""How a pydantic validation failure is told to a caller: each field by its dotted name, and the problem.

Shared by the REST layer (400 answers) and the workflow's tasks (ValidationFailed naming the field).
"""

from __future__ import annotations

from typing import Any


def _field_name(location: Any) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field_name(e.get("loc", ())), "problem": str(e.get("msg", "invalid"))} for e in errors]
