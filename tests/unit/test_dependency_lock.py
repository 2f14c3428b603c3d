"""The functions' runtime dependencies are pinned, hash-checked and generated from pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from tests.support import ROOT
from tools.lock import (
    LOCK,
    PROVIDED_BY_RUNTIME,
    RUNTIME_PROVIDED,
    inputs_digest,
    normalise,
    pins,
    recorded_digest,
)


def test_the_lock_was_generated_from_the_current_pyproject() -> None:
    # Given the runtime dependencies pyproject.toml declares now
    expected = inputs_digest()
    # Then both lock files record exactly those inputs (else: `make lock`)
    assert recorded_digest(LOCK) == expected, "dependencies/requirements.txt is stale: run `make lock`"
    assert recorded_digest(RUNTIME_PROVIDED) == expected, (
        "dependencies/runtime-provided.txt is stale: run `make lock`"
    )


def test_a_changed_dependency_makes_the_lock_stale(tmp_path: Path) -> None:
    # Given pyproject.toml with one more runtime dependency
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    changed = tmp_path / "pyproject.toml"
    changed.write_text(
        text.replace('"pydantic>=2.10,<3",', '"pydantic>=2.10,<3",\n    "requests",'), encoding="utf-8"
    )
    # Then its inputs no longer match the lock's
    assert inputs_digest(changed) != recorded_digest(LOCK)


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pinned = {**pins(LOCK), **pins(RUNTIME_PROVIDED)}
    for line in declared:
        requirement = Requirement(line)
        name = normalise(requirement.name)
        assert name in pinned, f"{name} is not in the lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (name, pinned[name])


def test_the_layer_ships_nothing_the_runtime_provides_and_every_pin_has_hashes() -> None:
    assert not set(pins(LOCK)) & PROVIDED_BY_RUNTIME
    assert set(pins(RUNTIME_PROVIDED)) <= PROVIDED_BY_RUNTIME
    for lock in (LOCK, RUNTIME_PROVIDED):
        blocks = lock.read_text(encoding="utf-8").split("==")[1:]
        assert blocks and all("--hash=sha256:" in block for block in blocks), lock
