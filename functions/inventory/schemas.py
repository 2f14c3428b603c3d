"""Writes the published JSON schemas: `python -m inventory.schemas` (a test checks they are current)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from inventory.domain.reservation_models import ReservationInput


def main(docs: Path) -> None:
    target = docs / "reservation-input.schema.json"
    target.write_text(json.dumps(ReservationInput.model_json_schema(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"))
