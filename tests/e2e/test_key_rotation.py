"""Rotating a key in the parameter store, on a running stack: no redeploy, no restart.

The stack runs with 1-second caches (the authorizer's read of the parameter store and API
Gateway's cache of the authorizer's answer), the template parameters an operator sets too."""

from __future__ import annotations

from pathlib import Path

from local_stack.stack import key_hash
from tests.support import CHECKOUT_KEY, StackProcess, aws_client, http, wait_for

NEW_KEY = "rotated-checkout-key-2"
PARAMETER = "/local/api-keys/checkout"


def test_a_rotated_key_is_accepted_and_the_old_one_refused_after_its_grace(tmp_path: Path) -> None:
    args = ("--fresh", "--parameter", "KeyCacheSeconds=1", "--parameter", "AuthorizerCacheSeconds=1")
    with StackProcess(tmp_path / "state.json", *args) as stack:
        ssm = aws_client("ssm", stack.aws_url)
        pid = stack.process.pid if stack.process else None
        url = f"{stack.api_url}/reservations/no-such-reservation"

        def status(key: str) -> int:
            return http("GET", url, headers={"x-api-key": key}).status

        # Given the stack seeded the parameter with the digest of the local checkout key
        assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == key_hash(CHECKOUT_KEY)
        assert status(CHECKOUT_KEY) == 404 and status(NEW_KEY) == 401

        # When a second key is added, Then both keys work (clients move over meanwhile)
        ssm.put_parameter(
            Name=PARAMETER,
            Value=f"{key_hash(CHECKOUT_KEY)},{key_hash(NEW_KEY)}",
            Overwrite=True,
            Type="String",
        )
        wait_for(lambda: status(NEW_KEY) == 404, timeout=20, what="the new key to be accepted")
        assert status(CHECKOUT_KEY) == 404

        # When the old key's grace ends (its entry carries a time already past), Then it is refused
        ssm.put_parameter(
            Name=PARAMETER,
            Value=f"{key_hash(CHECKOUT_KEY)}@2000-01-01T00:00:00Z,{key_hash(NEW_KEY)}",
            Overwrite=True,
            Type="String",
        )
        wait_for(lambda: status(CHECKOUT_KEY) == 401, timeout=20, what="the old key to be refused")
        assert status(NEW_KEY) == 404
        refused = http("GET", url, headers={"x-api-key": CHECKOUT_KEY})
        assert refused.body["error"]["code"] == "UNAUTHORIZED" and CHECKOUT_KEY not in refused.text

        # And the same stack process served all of it
        assert stack.process is not None and stack.process.pid == pid and stack.process.poll() is None


def test_a_scope_deployed_without_keys_refuses_every_key_until_one_is_added(tmp_path: Path) -> None:
    args = ("--fresh", "--no-demo", "--parameter", "CheckoutKeyHashes=", "--parameter", "KeyCacheSeconds=1")
    with StackProcess(tmp_path / "state.json", *args, "--parameter", "AuthorizerCacheSeconds=1") as stack:
        ssm = aws_client("ssm", stack.aws_url)
        url = f"{stack.api_url}/reservations/no-such-reservation"
        # Given no checkout digest was deployed, Then its parameter says so and the local key is refused
        assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == "-"
        assert http("GET", url, headers={"x-api-key": CHECKOUT_KEY}).status == 401
        # When a digest is written, Then that key works, with no redeploy
        ssm.put_parameter(Name=PARAMETER, Value=key_hash(NEW_KEY), Overwrite=True, Type="String")
        wait_for(
            lambda: http("GET", url, headers={"x-api-key": NEW_KEY}).status == 404,
            timeout=20,
            what="the added key to be accepted",
        )
