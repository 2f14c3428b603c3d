"""The layers depend one way: handlers wire adapters; routes and domain never see the store.

handlers -> api -> domain <- store. The domain declares the ports it needs (protocols and values);
`inventory.store` implements them and is the only package that talks to AWS (boto3, botocore).
Read from the source (AST), so a new import that breaks a direction fails here.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "inventory"
AWS_SDK = ("boto3", "botocore")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


@cache
def imports(module: str) -> frozenset[str]:
    return imports_in(MODULES[module].read_text(encoding="utf-8"), module)


def imports_in(source: str, module: str) -> frozenset[str]:
    """Every module `source` imports (absolute names; `from x import y` counts x and x.y)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = module.rsplit(".", node.level)[0]
                base = f"{package}.{node.module}"
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def reachable(module: str) -> set[str]:
    """The package's own modules `module` loads, directly or through others."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        for name in imports(current):
            if name in MODULES and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def in_layer(module: str, layer: str) -> bool:
    return module == f"inventory.{layer}" or module.startswith(f"inventory.{layer}.")


def uses_aws_sdk(module: str) -> bool:
    return any(name.split(".")[0] in AWS_SDK for name in imports(module))


def by_layer(layer: str) -> list[str]:
    return sorted(m for m in MODULES if in_layer(m, layer))


def test_the_layers_are_all_found() -> None:
    assert by_layer("domain") and by_layer("api") and by_layer("store") and by_layer("handlers")


@pytest.mark.parametrize("module", by_layer("domain") + by_layer("api"))
def test_routes_and_domain_never_import_the_store(module: str) -> None:
    assert not [name for name in imports(module) if in_layer(name, "store")]


@pytest.mark.parametrize("module", by_layer("domain"))
def test_nothing_the_domain_loads_talks_to_aws(module: str) -> None:
    loaded = {module} | reachable(module)
    assert not [m for m in loaded if uses_aws_sdk(m)]
    assert not [m for m in loaded if in_layer(m, "store") or in_layer(m, "api") or in_layer(m, "handlers")]


def test_only_the_store_imports_the_aws_sdk() -> None:
    assert [m for m in MODULES if uses_aws_sdk(m) and not in_layer(m, "store")] == []


@pytest.mark.parametrize("module", by_layer("store"))
def test_the_store_never_imports_routes_or_handlers(module: str) -> None:
    assert not [name for name in imports(module) if in_layer(name, "api") or in_layer(name, "handlers")]


def test_the_check_sees_a_wrong_direction() -> None:
    # Given a domain module that imports the store relatively and boto3 inside a function
    source = "from ..store import reservations\n\ndef f():\n    import boto3.session\n"
    found = imports_in(source, "inventory.domain.example")
    # Then both are seen
    assert "inventory.store.reservations" in found and "boto3.session" in found
    assert any(in_layer(name, "store") for name in found)
