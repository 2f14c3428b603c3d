"""Property-based tests of the whole REST API against its own generated OpenAPI document.

schemathesis reads `/openapi.json` from the in-process stack and, for every operation, sends
generated requests (valid and invalid) through the emulated API Gateway with an admin key (it may
call every operation); then it follows the document's links (a product created, then stocked,
reserved, confirmed or released) as a state machine. No answer may be a 5xx and every answer must
match the document. Afterwards the invariant checker must find nothing that was not already wrong
before the run: no refused request changed stock, and no accepted one broke an invariant.

Checks left out, and why:
- `negative_data_rejection`: some "invalid" cases it generates (an extra query parameter without a
  value) are dropped on the wire, so valid requests would be reported as accepted invalid ones;
  that invalid input is refused is asserted field by field in the endpoint tests.
- `positive_data_acceptance`: valid input is refused for business reasons the schema cannot
  express (404 for an unknown product, 409 for stock that is not there).
- `max_response_time`: tests never assert timings (`make bench` measures them).
- `ignored_auth`, `missing_required_header`, `unsupported_method`: run by the coverage phase of the
  schemathesis CLI, not per generated case; keys and methods are tested in `test_rest_gateway.py`.

`make test` sends a few cases per operation; `make reliability` at least 1,000 in all.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from inventory.api.openapi import build_spec
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from local_stack.stack import LocalStack
from tests.reliability.support import FIGURES, FULL, check_invariants, describe
from tests.support import ADMIN_KEY, wait_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]
SPEC = build_spec()
# Invalid input can only be generated for an operation that takes some.
CASES = [
    (method.upper(), path, mode)
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or operation.get("parameters") or operation.get("requestBody")
]
EXAMPLES = 30 if FULL else 6
STATEFUL_EXAMPLES = 60 if FULL else 8
HEADERS = {"x-api-key": ADMIN_KEY}


class _Tally:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cases = 0

    def add(self) -> None:
        with self._lock:
            self.cases += 1


TALLY = _Tally()


@pytest.fixture(scope="module")
def served_schema(stack: LocalStack) -> Any:
    return schemathesis.openapi.from_url(f"{stack.api_url}/openapi.json")


@pytest.fixture(scope="module", autouse=True)
def nothing_broken_by_the_run(stack: LocalStack) -> Any:
    """Records other tests broke on purpose (or wrote without a ledger) are wrong before the run,
    and reconciliation, which the run may call, may repair them; no other record may go wrong."""
    known = {v.record for v in check_invariants(stack, None).violations}
    yield

    def settled() -> Any:
        report = check_invariants(stack, None)
        return report if not {v.record for v in report.violations} - known else None

    try:
        wait_for(settled, timeout=30, interval=1, what="the invariants after the fuzz run")
    except AssertionError:
        report = check_invariants(stack, None)
        new = [v for v in report.violations if v.record not in known]
        raise AssertionError(describe(report.model_copy(update={"violations": new}))) from None
    FIGURES.add("fuzz_cases", TALLY.cases)


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES])
def test_operation_conforms_to_the_specification(
    served_schema: Any, stack: LocalStack, method: str, path: str, mode: GenerationMode
) -> None:
    operation = served_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def exchange(case: Any) -> None:
        TALLY.add()
        case.call_and_validate(base_url=stack.api_url, headers=HEADERS, checks=CHECKS, timeout=30)

    exchange()


def test_linked_operations_conform_to_the_specification(served_schema: Any, stack: LocalStack) -> None:
    base = served_schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": stack.api_url, "headers": HEADERS, "timeout": 30}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            TALLY.add()
            case.validate_response(response, checks=STATEFUL_CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
