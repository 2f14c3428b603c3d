"""The OpenAPI document: generated from every router, served without a key, matching the template
routes and the README's API reference."""

from __future__ import annotations

import re
from typing import Any

from inventory.api.openapi import all_routers, build_spec, route_modules

from local_stack.cfn import load_template
from tests.support import ROOT, http

SCHEME_KEYS = {
    ("adminKey",): "admin",
    ("checkoutKey", "adminKey"): "checkout",
    ("storefrontKey", "checkoutKey", "adminKey"): "storefront",
    (): "none",
}


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(m.upper(), p): op for p, ops in spec["paths"].items() for m, op in ops.items()}


def key_of(operation: dict[str, Any]) -> str:
    return SCHEME_KEYS[tuple(name for option in operation.get("security") or [] for name in option)]


def readme_rows() -> dict[tuple[str, str], str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## API reference", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for match in re.finditer(r"^\| `([A-Z]+) (/[^`\[?]*)[^`]*` \| (\w+) \|", section, re.MULTILINE):
        rows[(match.group(1), match.group(2))] = match.group(3)
    return rows


def template_routes() -> set[tuple[str, str]]:
    template = load_template(ROOT / "template.yaml")
    routes = set()
    for resource in template["Resources"].values():
        for event in (resource.get("Properties", {}).get("Events") or {}).values():
            if event["Type"] == "Api":
                routes.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    return routes


def test_served_document_is_the_generated_one_and_needs_no_key(api_url: str) -> None:
    response = http("GET", f"{api_url}/openapi.json")
    assert response.status == 200
    assert response.body == build_spec()
    assert response.body["openapi"].startswith("3.")


def test_every_router_is_in_the_document() -> None:
    assert "inventory.api.admin_routes" in route_modules()
    documented = set(operations(build_spec()))
    for router in all_routers():
        for route_key in router._routes:
            rule, methods = route_key[0], route_key[1]
            path = re.sub(r"<(\w+)>", r"{\1}", rule)
            for method in methods:
                assert (method.upper(), path) in documented


def test_document_and_template_declare_the_same_routes() -> None:
    assert set(operations(build_spec())) == template_routes()


def test_every_operation_documents_its_errors_with_the_error_shape() -> None:
    spec = build_spec()
    for (method, path), operation in operations(spec).items():
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        if operation.get("security"):
            for status in ("400", "401", "403", "429"):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, status)
    assert set(spec["components"]["securitySchemes"]) == {"adminKey", "checkoutKey", "storefrontKey"}


def test_every_keyed_operation_names_the_scope_it_needs_and_its_403_says_so() -> None:
    for (method, path), operation in operations(build_spec()).items():
        scope = key_of(operation)
        if scope == "none":
            assert "x-required-scope" not in operation, (method, path)
            continue
        assert operation["x-required-scope"] == scope, (method, path)
        assert f"needs a {scope} key" in operation["responses"]["403"]["description"], (method, path)


def test_readme_reference_lists_every_operation_with_its_key() -> None:
    rows = readme_rows()
    expected = {key: key_of(op) for key, op in operations(build_spec()).items()}
    missing = sorted(set(expected) - set(rows))
    assert not missing, f"README API reference lacks {missing}"
    wrong = {k: (rows[k], v) for k, v in expected.items() if rows[k] != v}
    assert not wrong, f"README key column disagrees with the document (README, spec): {wrong}"
    assert set(rows) <= set(expected), (
        f"README lists operations the API does not have: {set(rows) - set(expected)}"
    )


def test_docs_page_lists_every_operation_without_a_key(api_url: str) -> None:
    response = http("GET", f"{api_url}/docs")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    shown = {"none": "none", "storefront": "storefront, checkout or admin", "checkout": "checkout or admin"}
    for (method, path), operation in operations(build_spec()).items():
        scope = key_of(operation)
        row = f"<code>{method}</code></td><td><code>{path}</code></td><td>{shown.get(scope, scope)}</td>"
        assert row in response.text, (method, path)


def test_unknown_query_parameter_is_400_naming_it(api_url: str) -> None:
    from tests.support import ADMIN_KEY

    response = http("GET", f"{api_url}/inventory?warehouse=east", headers={"x-api-key": ADMIN_KEY})
    assert response.status == 400
    assert response.body["error"]["details"]["fields"] == [
        {"field": "warehouse", "problem": "unknown query parameter"}
    ]
