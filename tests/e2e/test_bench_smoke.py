"""`make bench` cannot rot: its smoke mode runs every scenario against a stack it starts itself.

Nothing here asserts a timing; only that every scenario ran, its figures have the expected shape,
and the correctness figures (nothing oversold or leaked, every unit back once) hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bench import aws_limits
from bench.call_counts import flatten, net_of_background, per_lifecycle
from bench.local_endpoints import profile, read_calls, reset_calls
from bench.request_parts import PARTS
from bench.scenarios import BY_NAME
from bench.scenarios.calls_and_cost import PATHS
from tests.support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("bench") / "smoke.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert output.exists(), f"no results written:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    results = json.loads(output.read_text())
    results["_exit_code"], results["_output"] = run.returncode, run.stdout + run.stderr
    return results


def test_smoke_run_covers_every_scenario(smoke_results: dict[str, Any]) -> None:
    assert smoke_results["mode"] == "smoke"
    assert set(smoke_results["scenarios"]) == set(BY_NAME)
    for name, entry in smoke_results["scenarios"].items():
        assert entry["error"] is None, f"{name}: {entry['error']}\n{smoke_results['_output'][-3000:]}"
        assert isinstance(entry["figures"], dict) and entry["figures"], name
        assert entry["seconds"] >= 0
    assert smoke_results["_exit_code"] == 0
    stop = smoke_results["shared_stack_stop"]
    assert stop["state_saved"] is True and stop["killed_after_timeout"] is False
    assert smoke_results["machine"]["cpus"] >= 1
    for when in ("start", "end"):
        penalty = smoke_results["machine"][f"pause_penalty_at_{when}"]
        assert penalty["back_to_back_us"] > 0 and penalty["after_pause_us"] > 0 and penalty["factor"] > 0
    for row in smoke_results["targets"]:
        assert set(row) == {"target", "value", "met"} and row["met"] in (True, False, None)


def test_smoke_counts_stay_exact(smoke_results: dict[str, Any]) -> None:
    figures = {name: entry["figures"] for name, entry in smoke_results["scenarios"].items()}
    hot = figures["hot_sku"]
    assert hot["successes"] == hot["stock"]
    assert hot["oversold"] == 0 and hot["leaked_after_release"] == 0
    assert hot["final_available"] == hot["stock"] and hot["final_reserved"] == 0
    assert hot["latency"]["n"] == hot["attempts"] and hot["p50_vs_update_item"] is not None
    parts = hot["serial_parts"]  # the serial hold taken apart: every part measured, none missing
    assert parts["quiet_reserve"]["statuses"] == {"201": parts["quiet_reserve"]["latency"]["n"]}
    assert parts["bare_hold_transaction"]["n"] > 0 and parts["bare_start_execution"]["n"] > 0
    assert None not in (parts["engine_calls_vs_update_item"], parts["hops_and_handler_vs_update_item"])
    taken_apart = parts["quiet_reserve"]["parts"]  # each quiet hold placed on the stack's timeline
    assert taken_apart["requests"] == parts["quiet_reserve"]["latency"]["n"]
    assert taken_apart["taken_apart"] == taken_apart["requests"]
    assert all(taken_apart[f"{name}_ms"] >= 0 for name in PARTS) and taken_apart["engine_ms"] > 0
    read = figures["read_path"]
    assert read["p50_vs_get_item"] is not None
    assert read["rest_parts"]["taken_apart"] == read["rest_parts"]["requests"] == read["rounds"]
    assert read["bare_parts"]["taken_apart"] == read["rounds"] and read["bare_parts"]["engine_ms"] > 0
    timers = figures["timers"]
    assert timers["holds_placed"] == timers["holds_asked"]
    assert timers["statuses"] == {"EXPIRED": timers["holds_placed"]}
    assert timers["every_unit_back_once"] is True
    assert timers["lag_after_expires_at"]["n"] == timers["holds_placed"]
    soak = figures["soak"]
    assert soak["failed"] == 0 and soak["lifecycles_done"] > 0 and soak["rss_end_mib"] > 0
    throughput = figures["throughput"]
    assert throughput["levels"] and throughput["best_attempts_per_s"] > 0
    assert isinstance(throughput["profile"]["available"], bool)
    assert figures["alerts_check"]["check_stock_items_read"] == figures["alerts_check"]["low_records"]


def test_smoke_call_table_has_every_way_in(smoke_results: dict[str, Any]) -> None:
    calls = smoke_results["scenarios"]["calls_and_cost"]["figures"]
    if not calls["available"]:
        pytest.skip("this local stack has no /_local/calls yet")
    assert set(calls["paths"]) == set(PATHS)
    for name, path in calls["paths"].items():
        assert path["failed"] == 0, name
        assert path["state_transitions"] > 0 and path["lambda_invocations"] > 0, name
        assert path["binding_limit"] is not None and path["ceilings"], name
        assert path["cost_per_million_usd"]["total"] > 0, name
    assert calls["prices"]["date"] and calls["quotas"]["source"]


# -- the counters contract, against a stub endpoint ---------------------------------------------------

COUNTERS = {
    "since": "2026-12-02T00:00:00Z",
    "calls": {
        "dynamodb": {"TransactWriteItems": 40, "GetItem": 20},
        "stepfunctions": {"StartExecution": 20, "SendTaskSuccess": 20, "DescribeExecution": 20},
        "sns": {"Publish": 40},
        "dynamodbstreams": {"GetRecords": 30},
    },
    "lambda_invocations": {"ReservationApiFunction": 40, "ReserveTaskFunction": 20},
    "state_transitions": 60,
    "dynamodb_capacity": {
        "read_units": 20,
        "write_units": 240,
        "by_table": {"inventory-management": {"read_units": 0, "write_units": 80}},
    },
}


class _StubCounters(BaseHTTPRequestHandler):
    resets = 0

    def _answer(self, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path == "/_local/calls":
            self._answer(COUNTERS)
        elif self.path.startswith("/_local/profile"):
            self._answer({"samples": 10, "top": [{"function": "f", "self_share": 0.5, "total_share": 0.9}]})
        else:
            self.send_error(404)

    def do_DELETE(self) -> None:
        type(self).resets += 1
        self._answer({"since": "now"})

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def stub_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubCounters)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_counters_client_reads_the_contract(stub_endpoint: str) -> None:
    assert read_calls(stub_endpoint) == COUNTERS
    assert reset_calls(stub_endpoint) is True and _StubCounters.resets == 1
    found = profile(stub_endpoint, 1)
    assert found is not None and found["top"][0]["function"] == "f"
    assert read_calls("http://127.0.0.1:9") is None  # nothing listens: unavailable, not an error


def test_ceilings_and_costs_from_counted_calls() -> None:
    background = {"calls/dynamodbstreams/GetRecords": 10.0}  # per 10 s idle: 1 per second
    net = net_of_background(flatten(COUNTERS), 30.0, background, 10.0)
    assert net["calls/dynamodbstreams/GetRecords"] == 0.0
    figures = per_lifecycle(net, 20, "inventory-management")
    figures["rest_requests"] = 2.0
    figures["hot_item_write_units"] = 4.0  # two transactional writes of the stock item
    assert figures["calls"]["stepfunctions"]["DescribeExecution"] == 1.0
    assert figures["stock_table_write_units"] == 4.0 and figures["state_transitions"] == 3.0
    assert figures["lambda_invocations"] == 3.0

    limits = aws_limits.ceilings(figures)
    assert limits[0]["limit"] == "DescribeExecution" and limits[0]["lifecycles_per_s"] == 15.0
    by_name = {limit["limit"]: limit["lifecycles_per_s"] for limit in limits}
    assert by_name["StartExecution"] == 300.0
    assert by_name["SendTask*"] == 500.0
    assert by_name["state transitions"] == 500.0
    assert by_name["hot item write units"] == 250.0
    assert by_name["API Gateway requests"] == 5000.0
    assert not aws_limits.binds_on_write_path(limits[0]["limit"])
    assert aws_limits.is_control_plane_read("GetExecutionHistory")
    assert not aws_limits.is_control_plane_read("GetItem", "dynamodb")
    assert not aws_limits.is_control_plane_read("DescribeStream", "dynamodbstreams")

    cost = aws_limits.cost_per_million(figures)
    assert cost["step_functions"] == 75.0  # 3 transitions at $0.025 per 1,000
    assert cost["api_gateway"] == 7.0 and cost["sns"] == 1.0
    assert cost["dynamodb"] == pytest.approx(12 * 0.625 + 1 * 0.125, abs=0.01)
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"), abs=0.05)
