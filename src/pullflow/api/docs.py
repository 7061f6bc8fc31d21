"""The API's reference as one HTML page made from its OpenAPI document, for offline reading.

Swagger UI and ReDoc load their scripts from a CDN; this page needs nothing from outside:
no script, no font, no style sheet but its own. It lists every route with its parameters,
body and answers, then every schema with its fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem;
       color: #1d1d1f; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
.route { border: 1px solid #ddd; border-radius: 6px; margin: 1rem 0; padding: 0.6rem 1rem; }
.method { font-weight: 700; text-transform: uppercase; display: inline-block; min-width: 4rem; }
.get { color: #1565c0; } .post { color: #2e7d32; } .put { color: #ef6c00; }
.patch { color: #6a1b9a; } .delete { color: #c62828; }
code, .path { font-family: ui-monospace, monospace; }
table { border-collapse: collapse; margin: 0.4rem 0; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid #eee; padding: 0.2rem 0.5rem;
         vertical-align: top; }
.muted { color: #666; }
"""


def docs_page(openapi: Mapping[str, Any]) -> str:
    """The whole reference page for an OpenAPI document."""
    info = openapi.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(str(info.get('title', 'API')))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(str(info.get('title', 'API')))} "
        f"<span class='muted'>{escape(str(info.get('version', '')))}</span></h1>",
        f"<p>{escape(str(info.get('description', '')))}</p>",
        "<p>The machine-readable description is <a href='/openapi.json'>/openapi.json</a> "
        "(OpenAPI 3).</p>",
        "<h2>Routes</h2>",
    ]
    for path, item in openapi.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                parts.append(_operation(method, path, item[method]))
    parts.append("<h2>Schemas</h2>")
    for name, schema in openapi.get("components", {}).get("schemas", {}).items():
        parts.append(_schema(name, schema))
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(method: str, path: str, operation: Mapping[str, Any]) -> str:
    rows = [
        f"<div class='route' id='{escape(operation.get('operationId', ''))}'>",
        f"<div><span class='method {method}'>{method}</span> "
        f"<span class='path'>{escape(path)}</span></div>",
        f"<p><b>{escape(str(operation.get('summary', '')))}</b></p>",
    ]
    description = str(operation.get("description", ""))
    if description:
        rows.append(f"<p>{escape(description)}</p>")
    parameters = operation.get("parameters", [])
    if parameters:
        rows.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>")
        for parameter in parameters:
            required = " (required)" if parameter.get("required") else ""
            rows.append(
                f"<tr><td><code>{escape(str(parameter.get('name')))}</code>{required}</td>"
                f"<td>{escape(str(parameter.get('in')))}</td>"
                f"<td>{_type(parameter.get('schema', {}))}</td>"
                f"<td>{escape(str(parameter.get('description', '')))}</td></tr>"
            )
        rows.append("</table>")
    body = operation.get("requestBody")
    if body:
        content = body.get("content", {})
        media: Mapping[str, Any] = next(iter(content.values()), {})
        schema = media.get("schema", {})
        rows.append(f"<p>Body: {_type(schema)}</p>")
    rows.append("<table><tr><th>answer</th><th>body</th><th></th></tr>")
    for status, answer in operation.get("responses", {}).items():
        answers: Mapping[str, Any] = answer.get("content", {})
        kind: str = next(iter(answers), "")
        shape: Mapping[str, Any] = answers.get(kind, {})
        shown = f"{_type(shape.get('schema', {}))} <span class='muted'>{escape(kind)}</span>"
        rows.append(
            f"<tr><td>{escape(str(status))}</td><td>{shown if kind else ''}</td>"
            f"<td>{escape(str(answer.get('description', '')))}</td></tr>"
        )
    rows.append("</table></div>")
    return "\n".join(rows)


def _schema(name: str, schema: Mapping[str, Any]) -> str:
    rows = [f"<h3 id='schema-{escape(name)}'>{escape(name)}</h3>"]
    description = str(schema.get("description", ""))
    if description:
        rows.append(f"<p>{escape(description)}</p>")
    properties = schema.get("properties", {})
    if "enum" in schema:
        rows.append(f"<p>{_type(schema)}</p>")
    if properties:
        required = set(schema.get("required", []))
        rows.append("<table><tr><th>field</th><th>type</th><th></th></tr>")
        for field, shape in properties.items():
            mark = " (required)" if field in required else ""
            rows.append(
                f"<tr><td><code>{escape(field)}</code>{mark}</td><td>{_type(shape)}</td>"
                f"<td>{escape(str(shape.get('description', '')))}</td></tr>"
            )
        rows.append("</table>")
    return "\n".join(rows)


def _type(schema: Mapping[str, Any]) -> str:
    """A JSON schema in a few words, linking to the schemas it names."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f"<a href='#schema-{escape(name)}'>{escape(name)}</a>"
    for union in ("anyOf", "oneOf", "allOf"):
        if union in schema:
            return " or ".join(_type(part) for part in schema[union])
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(v))}</code>" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return f"map of {_type(schema['additionalProperties'])}"
    if kind is None:
        return "any"
    shown = escape(str(kind))
    if "format" in schema:
        shown += f" ({escape(str(schema['format']))})"
    return shown
