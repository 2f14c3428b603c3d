"""What `sam build` produced (`make build`, which `make test` runs) is what the tests ran.

Every handler imports from the artefact alone with the runtime's Python; the layer holds exactly the
lock; nothing the Lambda runtime provides is shipped.
"""

from __future__ import annotations

import os
import shutil
from importlib.metadata import PathDistribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from local_stack.runtime_python import find
from tools.artefact import BUILD_DIR, check_imports
from tools.lock import LOCK, PROVIDED_BY_RUNTIME, RUNTIME_PROVIDED, normalise, pins

LAYER = BUILD_DIR / "DependenciesLayer" / "python"

if not (BUILD_DIR / "template.yaml").exists() or find() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI must build the artefact (`make build`) with the runtime's Python")
    pytest.skip("no artefact: `make build` needs the functions' runtime Python", allow_module_level=True)


def _layer_distributions() -> dict[str, PathDistribution]:
    return {
        normalise(str(dist.metadata["Name"])): dist
        for dist in (PathDistribution(p) for p in LAYER.glob("*.dist-info"))
    }


def test_every_handler_imports_from_the_artefact_alone() -> None:
    assert check_imports() == {}


def test_a_package_missing_from_the_layer_fails_the_import_check(tmp_path: Path) -> None:
    # Given a copy of the artefact whose layer lost one locked package
    broken = tmp_path / "build"
    shutil.copytree(BUILD_DIR, broken, symlinks=True)
    shutil.rmtree(broken / "DependenciesLayer" / "python" / "pydantic_settings")
    # When a handler that needs it is imported
    problems = check_imports(broken, only={"InventoryReadFunction"})
    # Then the check names the function and the missing module
    assert "pydantic_settings" in problems["InventoryReadFunction"]


def test_the_layer_holds_exactly_the_locked_versions_and_nothing_the_runtime_provides() -> None:
    shipped = {name: str(dist.version) for name, dist in _layer_distributions().items()}
    assert shipped == pins(LOCK)
    assert not set(shipped) & PROVIDED_BY_RUNTIME
    assert not (LAYER / "botocore").exists() and not (LAYER / "boto3").exists()


def test_every_requirement_of_a_shipped_package_is_shipped_or_provided_by_the_runtime() -> None:
    available = {**pins(LOCK), **pins(RUNTIME_PROVIDED)}
    environment = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux",
                   "platform_machine": "aarch64", "implementation_name": "cpython", "extra": ""}  # fmt: skip
    # Powertools is asked for with its tracer extra (pyproject.toml).
    extras = {"aws-lambda-powertools": {"tracer"}}
    for name, dist in _layer_distributions().items():
        for line in dist.requires or []:
            requirement = Requirement(line)
            wanted = ["", *sorted(extras.get(name, set()))]
            if requirement.marker and not any(
                requirement.marker.evaluate({**environment, "extra": extra}) for extra in wanted
            ):
                continue
            dependency = normalise(requirement.name)
            assert dependency in available, f"{name} needs {dependency}, which is neither locked nor provided"
            assert requirement.specifier.contains(available[dependency], prereleases=True), (name, line)


def test_each_function_artefact_is_the_code_alone() -> None:
    for folder in BUILD_DIR.iterdir():
        if folder.is_dir() and folder.name != "DependenciesLayer":
            assert sorted(p.name for p in folder.iterdir() if p.name != "__pycache__") == ["inventory"], (
                folder
            )
