"""`make run`: starts the whole system locally in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import faulthandler
import gc
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from local_stack.demo_shop import DemoShop
from local_stack.stack import (
    DEFAULT_ADMIN_KEY,
    DEFAULT_CHECKOUT_KEY,
    DEFAULT_STOREFRONT_KEY,
    ROOT,
    LocalStack,
    StackOptions,
    local_parameters,
)


def local_outputs(stack: LocalStack) -> list[str]:
    """The template's outputs that name local resources (state machines, queues, topics, tables)."""
    assert stack.model is not None
    shown = [
        f"    {name:<28} {value}"
        for name, value in stack.model.outputs.items()
        if isinstance(value, str)
        and (value.startswith(("arn:", stack.aws_url, stack.api_url)) or name.endswith("TableName"))
    ]
    return ["  Template outputs (local):", *shown] if shown else []


# The stack is one interpreter running hundreds of threads (one per open execution, per task, per
# connection). When more of them are ready than there are CPUs, CPython passes the GIL from one to
# the next every switch interval (5 ms by default); in a burst of expiring holds that handoff took
# more CPU than the work, most of it in the kernel, and the engine released fewer holds a second the
# more were due. The threads do short pieces of work between waits, so a longer interval changes
# nothing while the stack keeps up, and keeps it working when it does not.
GIL_SWITCH_INTERVAL_S = 0.02

# Once started, the stack holds some million objects that live as long as it does (moto's and
# botocore's models, the parsed template, every module). Left to the cycle collector, each full
# collection walked all of them with every thread stopped (0.3 s in a hot-SKU race), and the young
# generation was collected every 700 allocations, hundreds of times a second under load. Frozen, they
# are never walked again; cyclic garbage made later is still collected, a little less often.
YOUNG_GENERATION_ALLOCATIONS = 10_000


def settle_heap() -> None:
    """Moves every object alive now out of the cycle collector's reach and widens its young generation."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_ALLOCATIONS, middle, oldest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", 4566)))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fresh", action="store_true", help="start empty: ignore and replace saved data")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo catalogue")
    parser.add_argument("--state-file", type=Path, default=ROOT / ".local" / "state.json")
    parser.add_argument(
        "--schedule-every",
        type=float,
        default=None,
        help="run every scheduled function this often (seconds) instead of its schedule",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="do not echo function logs or published SNS messages (GET /_local/sns lists them)",
    )
    parser.add_argument(
        "--shop-port",
        type=int,
        default=int(os.environ.get("SHOP_PORT", 3100)),
        help="port of the demo shop (examples/demo_shop)",
    )
    parser.add_argument("--no-shop", action="store_true", help="do not start the demo shop")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter override (repeatable)",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    admin_key = os.environ.get("INVENTORY_ADMIN_KEY", DEFAULT_ADMIN_KEY)
    storefront_key = os.environ.get("INVENTORY_STOREFRONT_KEY", DEFAULT_STOREFRONT_KEY)
    checkout_key = os.environ.get("INVENTORY_CHECKOUT_KEY", DEFAULT_CHECKOUT_KEY)
    api_url = f"http://{args.host}:{args.port}"
    if args.fresh:
        args.state_file.unlink(missing_ok=True)
    first_start = not args.state_file.exists()

    def echo(function: str, line: str) -> None:
        if not args.quiet:
            print(f"[{function}] {line}", file=sys.stderr, flush=True)

    shop_url = f"http://{args.host}:{args.shop_port}"
    overrides = local_parameters(
        args.template,
        admin_key,
        storefront_key,
        api_url,
        checkout_key,
        other_origins=() if args.no_shop else (shop_url,),
    )
    for item in args.parameter:
        key, _, value = item.partition("=")
        overrides[key] = value
    options = StackOptions(
        template=args.template,
        host=args.host,
        port=args.port,
        aws_port=args.aws_port,
        state_file=args.state_file,
        parameter_overrides=overrides,
        schedule_every=args.schedule_every,
        log_sink=echo,
    )
    stack = LocalStack(options)
    if not args.quiet:  # a printed line per message costs the stack a write under load
        stack.feed.listeners.append(
            lambda m: print(
                f"[sns] {m['topic_arn'].rsplit(':', 1)[-1]}: {m.get('subject') or ''} {m['message'][:500]}",
                file=sys.stderr,
                flush=True,
            )
        )
    # `kill -USR1 <pid>` prints every thread's stack: the way to see what a stuck local stack is doing.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stack.start()
    shop = DemoShop(args.host, args.shop_port, stack.api_url, checkout_key, storefront_key, quiet=args.quiet)
    try:
        assert stack.model is not None
        if first_start and not args.no_demo and not args.fresh:
            count = stack.load_demo_catalogue()
            stack.save()
            logging.getLogger("local_stack").info("loaded the demo catalogue: %d stock records", count)
        shop_line = "  Demo shop            : not started"
        if not args.no_shop and shop.start():
            shop_line = f"  Demo shop            : {shop.url}/  (cart and checkout hold real stock)"
        settle_heap()
        print(
            "\n".join(
                [
                    "",
                    "Checkout inventory is running locally.",
                    f"  REST API + web pages : {stack.api_url}  (admin: {stack.api_url}/admin-panel.html)",
                    shop_line,
                    f"  AWS endpoint (moto)  : {stack.aws_url}  (region {options.region}, any credentials)",
                    f"  Admin API key        : {admin_key}",
                    f"  Storefront API key   : {storefront_key}  (public: product pages)",
                    f"  Checkout API key     : {checkout_key}  (secret: the shop's server)",
                    f"  Data file            : {args.state_file}",
                    f"  Try: curl -H 'x-api-key: {storefront_key}' {stack.api_url}/inventory/SKU-MUG-CERAMIC",
                    *local_outputs(stack),
                    "Press Ctrl-C to stop.",
                    "",
                ]
            ),
            flush=True,
        )
        # Wake up regularly: a signal that the kernel hands to another thread runs its Python handler
        # only once the main thread wakes, and an untimed wait would never wake.
        while not stopped.wait(0.2):
            pass
    finally:
        print("Stopping (saving data)...", flush=True)
        started = time.monotonic()
        shop.stop()
        stack.stop()
        print(f"Stopped in {time.monotonic() - started:.1f} s; data saved to {args.state_file}", flush=True)
    return 0


if __name__ == "__main__":
    code = main()
    # Everything is saved by now. Skip the interpreter's teardown of moto's state and of the
    # threads still parked in executions: on a busy stack it took seconds after the data was safe.
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
