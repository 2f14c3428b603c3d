"""`python -m inventory.invariants`: checks every stored invariant and reports each violation.

Read-only. Against the local stack, `--local http://127.0.0.1:3000` reads the table names, the AWS
endpoint and the published alert feed from the stack itself; against AWS, name the tables (or set
the functions' variables INVENTORY_TABLE_NAME, RESERVATIONS_TABLE_NAME, LEDGER_TABLE_NAME) and use
the usual AWS credentials. Exits 1 when a violation is found, 0 otherwise; `--json` prints the
whole report. See `inventory.domain.invariants` for what is checked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any

from inventory.domain.invariants import InvariantReport, check
from inventory.models import utc_now
from inventory.store.invariant_sources import aws_sources, transition_ids


def _get_json(url: str) -> Any:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def run(
    *,
    endpoint_url: str | None,
    region: str,
    inventory_table: str,
    reservations_table: str,
    ledger_table: str,
    product_prefix: str | None = None,
    sns_feed_url: str | None = None,
) -> InvariantReport:
    def published() -> Iterable[str]:
        assert sns_feed_url is not None
        return transition_ids(_get_json(sns_feed_url).get("messages", []))

    sources = aws_sources(
        endpoint_url=endpoint_url,
        region=region,
        inventory_table=inventory_table,
        reservations_table=reservations_table,
        ledger_table=ledger_table,
        product_prefix=product_prefix,
        published=published if sns_feed_url else None,
    )
    return check(sources, utc_now(), product_prefix=product_prefix)


def _print(report: InvariantReport) -> None:
    print(
        f"checked {report.records_checked} stock records, {report.reservations_held} HELD reservations, "
        f"{report.movements_read} ledger movements, {report.alerts_checked} published alerts"
    )
    if report.busy:
        print(f"busy (changed while checked, run again): {', '.join(report.busy)}")
    for violation in report.violations:
        print(f"{violation.rule.value}  {violation.record}  {violation.message}")
        print(f"    evidence: {json.dumps(violation.evidence, default=str)}")
    print("no violations" if report.ok else f"{len(report.violations)} violations: {report.by_rule()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m inventory.invariants", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--local", metavar="URL", help="the local stack's REST URL (reads names from it)")
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--inventory-table", default=os.environ.get("INVENTORY_TABLE_NAME"))
    parser.add_argument("--reservations-table", default=os.environ.get("RESERVATIONS_TABLE_NAME"))
    parser.add_argument("--ledger-table", default=os.environ.get("LEDGER_TABLE_NAME"))
    parser.add_argument("--sns-feed", metavar="URL", help="a feed of published alerts (local stack)")
    parser.add_argument("--products", metavar="PREFIX", help="only products whose id starts with PREFIX")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.local:
        stack = _get_json(f"{args.local.rstrip('/')}/_local/stack")
        tables = stack["tables"]
        args.endpoint_url = stack["aws_endpoint_url"]
        args.region = stack.get("region", args.region)
        args.inventory_table = tables["InventoryTable"]
        args.reservations_table = tables["ReservationsTable"]
        args.ledger_table = tables["LedgerTable"]
        args.sns_feed = args.sns_feed or f"{args.local.rstrip('/')}/_local/sns"
    missing = [n for n in ("inventory_table", "reservations_table", "ledger_table") if not getattr(args, n)]
    if missing:
        parser.error(
            f"name the tables ({', '.join('--' + n.replace('_', '-') for n in missing)}) or use --local"
        )
    report = run(
        endpoint_url=args.endpoint_url,
        region=args.region,
        inventory_table=args.inventory_table,
        reservations_table=args.reservations_table,
        ledger_table=args.ledger_table,
        product_prefix=args.products,
        sns_feed_url=args.sns_feed,
    )
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        _print(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
