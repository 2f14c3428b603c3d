"""Admin reconciliation over REST: reserved counts checked (and repaired) against HELD reservations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from inventory.api.contract import ADMIN, errors
from inventory.api.http import RouteDeps
from inventory.domain.reservation_ports import ReservationStore
from inventory.domain.reservation_upkeep import ReconciliationReport, reconcile

router = Router()


@dataclass(frozen=True)
class ReconciliationDeps:
    """What the reconciliation routes use."""

    store: ReservationStore


deps: RouteDeps[ReconciliationDeps] = RouteDeps(router, "reconciliation")


class Reconciliation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repair: bool = Field(default=False, description="Also set drifted reserved counts (with a ledger entry)")


@router.get(
    "/admin/reconciliation",
    summary="Check reserved counts against HELD reservations",
    description="Reports records whose reserved_count differs from the sum of their HELD reservations, "
    "or whose counts are negative or inconsistent. Changes nothing.",
    responses=errors(400, 401, 403),
    tags=["Admin"],
    security=ADMIN,
)
def check_reconciliation() -> ReconciliationReport:
    return reconcile(deps().store, repair=False)


@router.post(
    "/admin/reconciliation",
    summary="Check, and optionally repair, reserved counts",
    description="With `repair: true`, sets each drifted reserved_count to the sum of its HELD reservations "
    "and writes a RECONCILED ledger movement for it.",
    responses=errors(400, 401, 403),
    tags=["Admin"],
    security=ADMIN,
)
def run_reconciliation(body: Annotated[Reconciliation, Body()]) -> ReconciliationReport:
    return reconcile(deps().store, repair=body.repair)
