"""`python -m examples.demo_shop`: the demo shop's server (pages, cart and checkout).

The checkout key comes from SHOP_CHECKOUT_API_KEY and stays in this process; the pages get only the
storefront key (SHOP_STOREFRONT_API_KEY), which is public by design.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

from examples.demo_shop.server import ShopConfig, serve


def _exit_with(parent: int) -> None:
    # Started by `make run`: a shop whose stack is gone has nothing to sell.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.demo_shop", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("SHOP_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SHOP_PORT", 3100)))
    parser.add_argument(
        "--inventory-url",
        default=os.environ.get("SHOP_INVENTORY_API_URL", "http://127.0.0.1:3000"),
        help="the inventory service's API root (SHOP_INVENTORY_API_URL)",
    )
    parser.add_argument(
        "--hold-seconds",
        type=int,
        default=int(os.environ.get("SHOP_HOLD_SECONDS", 600)),
        help="how long a cart is held (SHOP_HOLD_SECONDS)",
    )
    parser.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    checkout_key = os.environ.get("SHOP_CHECKOUT_API_KEY", "")
    storefront_key = os.environ.get("SHOP_STOREFRONT_API_KEY", "")
    missing = [
        name
        for name, value in (
            ("SHOP_CHECKOUT_API_KEY", checkout_key),
            ("SHOP_STOREFRONT_API_KEY", storefront_key),
        )
        if not value
    ]
    if missing:
        print(f"set {' and '.join(missing)} (the inventory service's keys)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = ShopConfig(args.inventory_url, checkout_key, storefront_key, args.hold_seconds)
    server = serve(args.host, args.port, config)
    if args.exit_with_parent:
        threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()
    logging.getLogger("demo_shop").info("demo shop at %s (inventory API %s)", server.url, args.inventory_url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
