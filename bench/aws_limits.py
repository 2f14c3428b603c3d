"""Published AWS default quotas and prices (us-east-1), and what they mean for counted calls.

From calls counted per lifecycle on the local endpoint, `ceilings` gives the sustained lifecycles/s
each limit allows (the lowest one binds first) and `cost_per_million` the bill for a million
lifecycles. Re-check the sources before relying on a figure: both tables date from when they were
copied and AWS changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUOTAS_SOURCE = (
    "AWS Step Functions developer guide, 'Quotas' (API action throttling, token bucket refill rates, "
    "Standard workflows, us-east-1); DynamoDB developer guide, 'Quotas' (per-partition throughput); "
    "Lambda developer guide, 'Lambda quotas'; API Gateway developer guide, 'Amazon API Gateway quotas'"
)
QUOTAS_DATE = "2026-12"


@dataclass(frozen=True)
class Quota:
    name: str
    per_second: float
    what: str


# Sustained rates (token bucket refill, not the burst size) per account and region.
STEP_FUNCTIONS_API_QUOTAS: dict[str, Quota] = {
    "StartExecution": Quota("StartExecution", 300, "Step Functions StartExecution refill"),
    "SendTask*": Quota("SendTask*", 500, "Step Functions SendTaskSuccess/Failure/Heartbeat refill"),
    "DescribeExecution": Quota("DescribeExecution", 15, "Step Functions DescribeExecution refill"),
    "GetExecutionHistory": Quota("GetExecutionHistory", 20, "Step Functions GetExecutionHistory refill"),
    "ListExecutions": Quota("ListExecutions", 5, "Step Functions ListExecutions refill"),
    "DescribeStateMachine": Quota("DescribeStateMachine", 20, "Step Functions DescribeStateMachine refill"),
    "StopExecution": Quota("StopExecution", 200, "Step Functions StopExecution refill"),
}
STATE_TRANSITIONS_PER_S = 1_500  # Standard workflows, refill
OPEN_EXECUTIONS = 1_000_000  # open Standard executions per account and region
HOT_ITEM_WRITE_UNITS_PER_S = 1_000  # one partition, so one item
HOT_ITEM_WRITE_UNITS_PER_WRITE = 2  # a transactional write of an item up to 1 KB
LAMBDA_CONCURRENCY = 1_000  # default concurrent executions per account and region
API_GATEWAY_RPS = 10_000  # steady-state requests per second, per account and region

PRICES_SOURCE = (
    "aws.amazon.com/step-functions/pricing, /dynamodb/pricing/on-demand, /lambda/pricing, "
    "/api-gateway/pricing, /sns/pricing, /sqs/pricing (us-east-1, first tier)"
)
PRICES_DATE = "2026-12"
PRICES_USD = {
    "state_transition": 0.025 / 1_000,
    "dynamodb_write_unit": 0.625 / 1_000_000,  # on-demand write request unit
    "dynamodb_read_unit": 0.125 / 1_000_000,  # on-demand read request unit
    "lambda_request": 0.20 / 1_000_000,
    "lambda_ms_128mb_arm64": 0.0000000017,  # $0.0000133334 per GB-s x 0.125 GB / 1000
    "api_gateway_rest_request": 3.50 / 1_000_000,
    "sns_publish": 0.50 / 1_000_000,  # SNS to SQS deliveries are free
    "sqs_request": 0.40 / 1_000_000,  # standard queue; Lambda's polling requests are billed too
}
# The counters give invocations, not durations: every function does a few DynamoDB calls and at most
# one Step Functions call, which on AWS takes tens of milliseconds. A handler that polls runs longer.
ASSUMED_LAMBDA_MS = 50
# An execution stays open until its hold ends: at worst the default hold (DefaultHoldSeconds).
ASSUMED_OPEN_SECONDS = 900
# Not billed per call, so absent from `cost_per_million`: Step Functions API requests (Standard
# workflows bill state transitions), DynamoDB Streams reads by Lambda triggers, Lambda Invoke calls
# (billed as invocations).

READ_API_PREFIXES = ("Describe", "List")
# Lambda's event source mappings read streams themselves (DescribeStream, GetShardIterator); on AWS
# that is neither our request path nor billed nor throttled against our account.
NOT_OUR_REQUEST_PATH = {"dynamodbstreams"}


def is_control_plane_read(action: str, service: str = "stepfunctions") -> bool:
    """`Describe*`, `List*` and `Get*History` on our request path: reads throttled far below writes."""
    if service in NOT_OUR_REQUEST_PATH:
        return False
    return action.startswith(READ_API_PREFIXES) or (action.startswith("Get") and action.endswith("History"))


def _step_functions(calls: dict[str, dict[str, float]]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for service in ("states", "stepfunctions"):
        for action, n in calls.get(service, {}).items():
            merged[action] = merged.get(action, 0.0) + n
    return merged


def ceilings(per_lifecycle: dict[str, Any]) -> list[dict[str, Any]]:
    """Every limit this path touches, as sustained lifecycles/s, lowest (binding) first.

    `per_lifecycle`: {"calls": {service: {Action: n}}, "state_transitions", "lambda_invocations",
    "hot_item_write_units", "rest_requests", "open_seconds"?} per lifecycle.
    """
    limits: list[dict[str, Any]] = []

    def add(limit: str, per_second: float, used: float) -> None:
        if used > 0:
            limits.append(
                {
                    "limit": limit,
                    "quota_per_s": per_second,
                    "used_per_lifecycle": round(used, 3),
                    "lifecycles_per_s": round(per_second / used, 1),
                }
            )

    sfn = _step_functions(per_lifecycle.get("calls", {}))
    send_task = sum(n for action, n in sfn.items() if action.startswith("SendTask"))
    for key, quota in STEP_FUNCTIONS_API_QUOTAS.items():
        used = send_task if key == "SendTask*" else sfn.get(key, 0.0)
        add(quota.name, quota.per_second, used)
    add("state transitions", STATE_TRANSITIONS_PER_S, per_lifecycle.get("state_transitions", 0.0))
    add("hot item write units", HOT_ITEM_WRITE_UNITS_PER_S, per_lifecycle.get("hot_item_write_units", 0.0))
    invocations = per_lifecycle.get("lambda_invocations", 0.0)
    add("Lambda concurrency", LAMBDA_CONCURRENCY, invocations * ASSUMED_LAMBDA_MS / 1000)
    add("API Gateway requests", API_GATEWAY_RPS, per_lifecycle.get("rest_requests", 0.0))
    if sfn.get("StartExecution", 0.0) > 0:
        # Little's law: open executions = start rate x how long each stays open.
        open_seconds = per_lifecycle.get("open_seconds", ASSUMED_OPEN_SECONDS)
        add(f"open executions ({open_seconds:.0f} s each)", OPEN_EXECUTIONS / open_seconds, 1.0)
    return sorted(limits, key=lambda limit: limit["lifecycles_per_s"])


def cost_per_million(per_lifecycle: dict[str, Any]) -> dict[str, float]:
    """USD per million lifecycles, per service and in total."""
    calls: dict[str, dict[str, float]] = per_lifecycle.get("calls", {})
    million = 1_000_000
    invocations = per_lifecycle.get("lambda_invocations", 0.0)
    lambda_each = PRICES_USD["lambda_request"] + ASSUMED_LAMBDA_MS * PRICES_USD["lambda_ms_128mb_arm64"]
    cost = {
        "step_functions": per_lifecycle.get("state_transitions", 0.0) * PRICES_USD["state_transition"],
        "dynamodb": per_lifecycle.get("write_units", 0.0) * PRICES_USD["dynamodb_write_unit"]
        + per_lifecycle.get("read_units", 0.0) * PRICES_USD["dynamodb_read_unit"],
        "lambda": invocations * lambda_each,
        "api_gateway": per_lifecycle.get("rest_requests", 0.0) * PRICES_USD["api_gateway_rest_request"],
        "sns": calls.get("sns", {}).get("Publish", 0.0) * PRICES_USD["sns_publish"],
        "sqs": sum(calls.get("sqs", {}).values()) * PRICES_USD["sqs_request"],
    }
    rounded = {service: round(usd * million, 2) for service, usd in cost.items()}
    rounded["total"] = round(sum(cost.values()) * million, 2)
    return rounded


def binds_on_write_path(binding: str) -> bool:
    """The issue's rule: a REST path may be bound by starts, signals, transitions or the hot item."""
    return binding in ("StartExecution", "SendTask*", "state transitions", "hot item write units")
