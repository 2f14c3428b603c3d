"""How the REST side reads Step Functions' answers, including those only AWS gives (stubbed client).

moto answers a timed-out token with InvalidToken and accepts a second use silently; AWS answers
TaskTimedOut for both, and TaskDoesNotExist for a token it no longer knows. Every one of them must
mean "stale token: re-read the reservation", never an error for the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from inventory.domain.reservation_ports import Signal, Start
from inventory.errors import TransientStoreError
from inventory.store.workflow import StepFunctionsWorkflow

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:reservations"


@pytest.fixture
def stubbed() -> Iterator[tuple[StepFunctionsWorkflow, Stubber]]:
    sfn = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(sfn) as stubber:
        yield StepFunctionsWorkflow(sfn, MACHINE), stubber


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_a_token_that_no_longer_waits_is_stale(
    stubbed: tuple[StepFunctionsWorkflow, Stubber], code: str
) -> None:
    workflow, stubber = stubbed
    stubber.add_client_error("send_task_success", service_error_code=code)
    stubber.add_client_error("send_task_failure", service_error_code=code)
    assert workflow.succeed("token", {"decision": "confirm"}) is Signal.STALE
    assert workflow.fail("token", "ReleaseRequested", "why") is Signal.STALE


def test_a_delivered_signal(stubbed: tuple[StepFunctionsWorkflow, Stubber]) -> None:
    workflow, stubber = stubbed
    stubber.add_response(
        "send_task_failure", {}, {"taskToken": "token", "error": "ExtendRequested", "cause": "120"}
    )
    assert workflow.fail("token", "ExtendRequested", "120") is Signal.DELIVERED


def test_throttling_is_transient_not_stale(stubbed: tuple[StepFunctionsWorkflow, Stubber]) -> None:
    workflow, stubber = stubbed
    stubber.add_client_error("send_task_success", service_error_code="ThrottlingException")
    with pytest.raises(TransientStoreError):
        workflow.succeed("token", {})


def test_a_name_taken_by_another_input_or_an_ended_execution_is_taken(
    stubbed: tuple[StepFunctionsWorkflow, Stubber],
) -> None:
    workflow, stubber = stubbed
    stubber.add_client_error("start_execution", service_error_code="ExecutionAlreadyExists")
    assert workflow.start("R-1", {"reservation_id": "R-1"}) is Start.TAKEN
    assert workflow.execution_arn("R-1") == "arn:aws:states:us-east-1:123456789012:execution:reservations:R-1"


def test_a_start_or_a_repeated_start_while_it_runs_is_started(
    stubbed: tuple[StepFunctionsWorkflow, Stubber],
) -> None:
    workflow, stubber = stubbed
    answer = {"executionArn": workflow.execution_arn("R-1"), "startDate": "2026-01-01T00:00:00Z"}
    stubber.add_response("start_execution", answer)
    assert workflow.start("R-1", {"reservation_id": "R-1"}) is Start.STARTED


def test_an_unknown_execution_has_no_outcome(stubbed: tuple[StepFunctionsWorkflow, Stubber]) -> None:
    workflow, stubber = stubbed
    stubber.add_client_error("describe_execution", service_error_code="ExecutionDoesNotExist")
    assert workflow.outcome("arn:aws:states:us-east-1:123456789012:execution:reservations:x") is None


def test_a_task_failure_cause_gives_its_message(stubbed: tuple[StepFunctionsWorkflow, Stubber]) -> None:
    workflow, stubber = stubbed
    stubber.add_response(
        "describe_execution",
        {
            "executionArn": "arn:aws:states:us-east-1:123456789012:execution:reservations:x",
            "stateMachineArn": MACHINE,
            "status": "FAILED",
            "startDate": "2026-01-01T00:00:00Z",
            "error": "InsufficientStock",
            "cause": json.dumps(
                {"errorMessage": "not enough stock available for P1@main", "errorType": "InsufficientStock"}
            ),
        },
    )
    outcome = workflow.outcome("arn:aws:states:us-east-1:123456789012:execution:reservations:x")
    assert outcome is not None and outcome.error == "InsufficientStock"
    assert outcome.error_message == "not enough stock available for P1@main"
