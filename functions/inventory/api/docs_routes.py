"""The API's own description: the OpenAPI document and a browsable page, no key needed."""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from inventory.api.contract import required_scope

router = Router()


@cache
def spec() -> dict[str, Any]:
    from inventory.api.openapi import build_spec  # builds from every router, this one included

    return build_spec()


@router.get(
    "/openapi.json",
    summary="OpenAPI document",
    description="Generated from the code. Public.",
    tags=["Docs"],
)
def openapi_document() -> dict[str, Any]:
    return spec()


def _keys(operation: dict[str, Any]) -> str:
    scope = required_scope(operation.get("security"))
    return {None: "none", "storefront": "storefront, checkout or admin", "checkout": "checkout or admin"}.get(
        scope, scope or "none"
    )


def render_page(document: dict[str, Any]) -> str:
    rows = []
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = ", ".join(sorted(operation.get("responses", {})))
            rows.append(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                    html.escape(method.upper()),
                    html.escape(path),
                    html.escape(_keys(operation)),
                    html.escape(operation.get("summary", "")),
                    html.escape(statuses),
                )
            )
    info = document.get("info", {})
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(info.get('title', 'API'))}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;"
        "text-align:left;vertical-align:top}</style></head><body>"
        f"<h1>{html.escape(info.get('title', 'API'))} {html.escape(info.get('version', ''))}</h1>"
        f"<p>{html.escape(info.get('description', ''))}</p>"
        '<p>Machine-readable: <a href="openapi.json">openapi.json</a> (load it into any OpenAPI viewer).</p>'
        "<table><thead><tr><th>method</th><th>path</th><th>key</th><th>what</th><th>statuses</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table></body></html>"
    )


@router.get(
    "/docs",
    summary="API reference page",
    description="Browsable. Public.",
    responses={200: {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}},
    tags=["Docs"],
)
def docs_page() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=render_page(spec()))
