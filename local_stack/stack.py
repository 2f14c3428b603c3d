"""The whole local system in one object: AWS endpoint, REST API, function runtime, pollers, data.

Used by `python -m local_stack` (make run), by the integration and e2e tests and by `invoke`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from werkzeug.serving import BaseWSGIServer

from local_stack import http_server, in_process, persistence
from local_stack.aws_endpoint import UNCOUNTED_HEADER, AwsEndpoint, SnsFeed
from local_stack.cfn import load_template
from local_stack.demo_data import load_demo_catalogue
from local_stack.event_sources import EventSourcePollers
from local_stack.lambda_runtime import LambdaRuntime, LogSink
from local_stack.provision import Provisioner, StackModel
from local_stack.rest_api import RestApiGateway

log = logging.getLogger("local_stack")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_KEY = "local-admin-key"
DEFAULT_STOREFRONT_KEY = "local-storefront-key"
DEFAULT_CHECKOUT_KEY = "local-checkout-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def local_parameters(
    template: Path,
    admin_key: str = DEFAULT_ADMIN_KEY,
    storefront_key: str = DEFAULT_STOREFRONT_KEY,
    api_url: str = "http://127.0.0.1:3000",
    checkout_key: str = DEFAULT_CHECKOUT_KEY,
    other_origins: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Template parameters for a local stack: hashes of the local keys, CORS for the local pages (and
    `other_origins`, such as the demo shop's), and the local bounds (1 s minimum hold, 4 workers per
    public function) where the template declares them."""
    wanted: dict[str, Any] = {
        "AdminKeyHashes": key_hash(admin_key),
        "StorefrontKeyHashes": key_hash(storefront_key),
        "CheckoutKeyHashes": key_hash(checkout_key),
        "CorsAllowedOrigins": ",".join((api_url, *other_origins)),
        "MinHoldSeconds": 1,
        # each function's reserved concurrency is its local worker processes: a laptop's few
        "PublicFunctionConcurrency": 4,
    }
    declared = load_template(template).get("Parameters", {})
    return {k: v for k, v in wanted.items() if k in declared}


@dataclass
class StackOptions:
    template: Path = ROOT / "template.yaml"
    host: str = "127.0.0.1"
    port: int = 3000
    aws_port: int = 4566
    region: str = "us-east-1"
    stack_name: str = "local"
    parameter_overrides: dict[str, Any] = field(default_factory=dict)
    state_file: Path | None = None  # None: nothing persisted
    frontend_dir: Path | None = ROOT / "frontend"
    schedule_every: float | None = None  # seconds; None = the template's own schedule
    snapshot_every: float = 2.0
    snapshot_busy_every: float = 60.0
    log_sink: LogSink | None = None
    run_event_sources: bool = True


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.feed = SnsFeed()
        self.aws_url = f"http://{options.host}:{options.aws_port}"
        self.api_url = f"http://{options.host}:{options.port}"
        self.runtime: LambdaRuntime | None = None
        self.model: StackModel | None = None
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.pollers: EventSourcePollers | None = None
        self.endpoint: AwsEndpoint | None = None
        self.restored_items = 0
        self._save_lock = threading.Lock()

    # -- clients ---------------------------------------------------------------------------------
    def client(self, service: str, counted: bool = True) -> Any:
        """A boto3 client for the local AWS endpoint; `counted=False` marks its calls as the local
        stack's own bookkeeping, which `GET /_local/calls` leaves out (they do not exist on AWS)."""
        client = boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws_url,
            region_name=self.options.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )
        in_process.attach(client, self.options.aws_port)
        if not counted:

            def mark(request: Any, **_: Any) -> None:
                request.headers[UNCOUNTED_HEADER] = "1"

            client.meta.events.register("before-sign", mark)
        return client

    def table(self, logical_id: str) -> Any:
        """A boto3 Table for one of the template's tables."""
        assert self.model is not None, "start the stack first"
        resource = boto3.resource(
            "dynamodb",
            endpoint_url=self.aws_url,
            region_name=self.options.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        return resource.Table(self.model.tables[logical_id])

    def load_demo_catalogue(self) -> int:
        """Loads the demo catalogue into the stock table, if the template has one."""
        assert self.model is not None, "start the stack first"
        if "InventoryTable" not in self.model.tables:
            return 0
        products = self.table("ProductsTable") if "ProductsTable" in self.model.tables else None
        ledger = self.model.tables.get("LedgerTable")
        return load_demo_catalogue(self.table("InventoryTable"), products, ledger)

    @classmethod
    def ephemeral(cls, template: Path, state_dir: Path, log_sink: LogSink | None, **extra: Any) -> LocalStack:
        """A stack on free loopback ports, for one-off commands, benchmarks and tests."""
        port, aws_port = free_port(), free_port()
        options = StackOptions(
            template=template,
            port=port,
            aws_port=aws_port,
            parameter_overrides=local_parameters(template, api_url=f"http://127.0.0.1:{port}"),
            state_file=state_dir / "state.json",
            log_sink=log_sink,
            **extra,
        )
        return cls(options)

    def function_environment(self) -> dict[str, str]:
        """What every local sandbox gets besides the template's own variables."""
        return {
            "AWS_REGION": self.options.region,
            "AWS_DEFAULT_REGION": self.options.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            # There is no X-Ray daemon locally; traces are a deployment concern.
            "POWERTOOLS_TRACE_DISABLED": "true",
        }

    # -- lifecycle -------------------------------------------------------------------------------
    def _serve(self, app: Callable[..., Any], port: int, name: str) -> BaseWSGIServer:
        server = http_server.serve(self.options.host, port, app)
        # A short poll interval: shutdown() waits for the loop to notice, and Ctrl-C waits for that.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
        )
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server

    def start(self) -> LocalStack:
        opts = self.options
        # moto's Step Functions executor calls Lambda (and other services) on MOTO_PORT.
        os.environ["MOTO_PORT"] = str(opts.aws_port)
        os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call drowns the logs
        self.runtime = LambdaRuntime(self.function_environment(), opts.log_sink)
        self.endpoint = AwsEndpoint(self.runtime, self.feed, opts.region)
        self._serve(self.endpoint, opts.aws_port, "aws-endpoint")
        in_process.serve(opts.aws_port, self.endpoint)  # the stack's own AWS calls skip loopback
        self._configure_moto()

        overrides = dict(opts.parameter_overrides)
        if "AwsEndpointUrl" in load_template(opts.template).get("Parameters", {}):
            # The template's own development switch, also what `sam local invoke` users set.
            overrides.setdefault("AwsEndpointUrl", self.aws_url)
        provisioner = Provisioner(
            opts.template, self.aws_url, opts.region, opts.stack_name, overrides, website_url=self.api_url
        )
        self.model = provisioner.build_model()
        provisioner.create_resources()
        for spec in self.model.functions.values():
            self.runtime.register(spec)
        self._restore()

        gateway = RestApiGateway(
            self.model,
            self.runtime,
            self.feed,
            opts.frontend_dir,
            extra_routes={
                "/_local/health": lambda _r: {"status": "ok"},
                "/_local/sns": lambda r: {"messages": self.feed.messages(r.args.get("topic_arn"))},
                "/_local/stack": lambda _r: self.describe(),
            },
        )
        self._serve(gateway, opts.port, "rest-api")
        if opts.run_event_sources:
            self.pollers = EventSourcePollers(
                self.model, self.runtime, self.client, opts.schedule_every, self.endpoint.trim_stream
            )
            self.pollers.start()
        if opts.state_file is not None:
            thread = threading.Thread(target=self._snapshot_loop, name="snapshots", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _configure_moto(self) -> None:
        body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
        request = urllib.request.Request(
            f"{self.aws_url}/moto-api/config",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _restore(self) -> None:
        if self.options.state_file is None or self.model is None:
            return
        data = persistence.read(self.options.state_file)
        if data is None:
            return
        self.restored_items = persistence.restore_tables(
            self.client("dynamodb", counted=False), data, list(self.model.tables.values())
        )
        self.feed.restore(data.get("sns_messages", []))
        log.info("restored %d items from %s", self.restored_items, self.options.state_file)

    def save(self) -> None:
        """Writes the snapshot: the tables are copied from moto directly (no requests, each table
        under the DynamoDB lock for the time of one copy), then encoded and written outside it."""
        if self.options.state_file is None or self.model is None or self.endpoint is None:
            return
        with self._save_lock:
            tables = self.endpoint.dump_tables(self.model.tables.values())
            data = persistence.snapshot_of(tables, self.feed.messages())
            persistence.write_atomically(self.options.state_file, data)

    def _changes(self) -> tuple[int, int]:
        assert self.endpoint is not None
        return self.endpoint.dynamodb_writes, len(self.feed.messages())

    def _snapshot_loop(self) -> None:
        """Saves once the writes pause for `snapshot_every`, and at least every `snapshot_busy_every`
        while they do not: a snapshot copies every table, so taking one every few seconds under
        load costs the stack more the longer it runs."""
        saved, seen = (-1, -1), (-1, -1)
        last_save = time.monotonic()
        while not self._stop.wait(self.options.snapshot_every):
            changes = self._changes()
            quiet = changes == seen
            seen = changes
            overdue = time.monotonic() - last_save >= self.options.snapshot_busy_every
            if changes != saved and (quiet or overdue):
                try:
                    self.save()
                    saved, last_save = changes, time.monotonic()
                except Exception:
                    log.exception("snapshot failed; will retry")

    def stop(self) -> None:
        """Stops within a few seconds: pollers get a shared deadline, the data is saved once, and
        the servers are shut down together."""
        self._stop.set()
        in_process.forget(self.options.aws_port)
        if self.pollers:
            self.pollers.stop(timeout=2.0)
        if self.options.state_file is not None:
            try:
                self.save()
            except Exception:
                log.exception("final snapshot failed")
        closers = [threading.Thread(target=server.shutdown, daemon=True) for server in self._servers]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(timeout=2.0)
        for server in self._servers:
            server.server_close()
        if self.runtime:
            self.runtime.shutdown()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers ---------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        assert self.model is not None
        return {
            "api_url": self.api_url,
            "aws_endpoint_url": self.aws_url,
            "region": self.options.region,
            "functions": {lid: spec.name for lid, spec in self.model.functions.items()},
            "tables": self.model.tables,
            "topics": self.model.topics,
            "queues": self.model.queues,
            "state_machines": self.model.state_machines,
            "ssm_parameters": self.model.ssm_parameters,
            "routes": [
                {"method": r.method, "path": r.path, "function": r.function, "authorizer": r.authorizer}
                for api in self.model.apis.values()
                for r in api.routes
            ],
            "outputs": self.model.outputs,
        }

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.api_url}/_local/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("local stack did not become ready")
