"""API key digests from SSM Parameter Store, through Powertools Parameters with a short cache.

One `GetParameters` call reads every scope's parameter, at most once per `max_age` seconds per
sandbox. If a refresh fails, the digests last read keep answering (logged), so a throttled or
unreachable parameter store does not lock every caller out; with nothing read yet it raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parameters import SSMProvider

from inventory.domain.api_keys import KeyRing, Scope, parse_digests

logger = Logger(child=True)


class ParameterStoreKeys:
    def __init__(self, names: Mapping[Scope, str], max_age: int, ssm_client: Any) -> None:
        self._names = dict(names)
        self._max_age = max_age
        self._provider = SSMProvider(boto3_client=ssm_client)
        self._last: KeyRing | None = None

    def current(self) -> KeyRing:
        wanted: dict[str, dict[str, Any]] = {name: {} for name in self._names.values()}
        try:
            values = self._provider.get_parameters_by_name(wanted, decrypt=False, max_age=self._max_age)
        except Exception as error:
            if self._last is None:
                raise
            logger.warning(
                "key parameters could not be read; using the last ones read",
                extra={"error": type(error).__name__},
            )
            return self._last
        digests = {}
        for scope, name in self._names.items():
            entries, problems = parse_digests(str(values.get(name) or ""))
            if problems:
                logger.error(
                    "key parameter has entries that are not digests",
                    extra={"parameter": name, "problems": problems},
                )
            digests[scope] = entries
        self._last = KeyRing(digests)
        return self._last
