"""Figures as files: PNG and SVG drawn offline, and HTML pages that need no network at all.

An HTML page carries the Vega, Vega-Lite and vega-embed JavaScript inline (once, however many
figures it shows) and each figure's specification as JSON; nothing is fetched from anywhere,
so a page opened on a train or attached to a mail still draws its figures, with tooltips.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

import altair as alt
import vl_convert

from pullflow.charts.errors import ChartError

Format = Literal["html", "png", "svg", "json"]
SUFFIXES: dict[str, Format] = {".html": "html", ".png": "png", ".svg": "svg"}
#: PNG pixels per chart pixel: sharp on screens and on paper.
PNG_SCALE = 2.0
#: vega-embed's menu offers downloads only: its other entries would open web pages.
EMBED_OPTIONS = {
    "mode": "vega-lite",
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}

PAGE_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #1f2328; background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #d8dee4;
  padding-bottom: 0.25rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 0.4rem; }
p, li { max-width: 48rem; }
.muted { color: #57606a; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.95rem; }
caption { text-align: left; color: #57606a; padding: 0.2rem 0; caption-side: bottom;
  font-size: 0.85rem; }
th, td { border: 1px solid #d8dee4; padding: 0.3rem 0.6rem; text-align: left;
  vertical-align: top; }
thead th, tbody th { background: #f6f8fa; font-weight: 600; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
figure { margin: 1.5rem 0; }
figcaption { color: #57606a; font-size: 0.9rem; margin-top: 0.3rem; }
.chart.vega-embed { width: 100%; display: flex; }
.chart.vega-embed details, .chart.vega-embed details summary { position: relative; }
@media print {
  main { max-width: none; padding: 0; }
  figure, table { break-inside: avoid; }
  .vega-embed details { display: none; }
}
"""

#: The bundle's own script: make the three libraries global for the page's loader.
GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"

LOADER = """
for (const holder of document.querySelectorAll("script[data-figure]")) {
  const target = document.getElementById(holder.dataset.figure);
  vegaEmbed(target, JSON.parse(holder.textContent), EMBED_OPTIONS).catch(function (error) {
    target.textContent = "This figure could not be drawn: " + error.message;
  });
}
"""


# -- specifications ------------------------------------------------------------------------------


def spec_of(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite specification of a figure (the figures' own code is what validates it)."""
    return chart.to_dict(validate=False)


def page_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The specification for a page: as wide as the page (phones too), no schema address."""
    spec = spec_of(chart)
    spec.pop("$schema", None)
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    return spec


def script_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no '<', '>' or '&' that HTML would read."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@cache
def vegalite_version() -> str | None:
    """The Vega-Lite version altair writes (``6.4``), if the converter has it."""
    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vl_convert.get_vegalite_versions() else None


@cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script, with nothing left to fetch."""
    bundle = vl_convert.javascript_bundle(GLOBALS, vl_version=vegalite_version())
    if "</script" in bundle.lower():  # pragma: no cover - guards the page's structure
        raise ChartError(
            "The chart page was refused: the bundled JavaScript would end its script element "
            "early; install another vl-convert-python version."
        )
    return bundle


# -- pages ---------------------------------------------------------------------------------------


def figure_html(chart: alt.TopLevelMixin, anchor: str, caption: str = "") -> str:
    """A figure element holding one chart: its drawing area, its specification, its caption."""
    spec = page_spec(chart)
    label = figure_label(spec)
    shown = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure id="{anchor}-figure" aria-label="{html.escape(label)}">'
        f'<div class="chart" id="{anchor}" role="img" aria-label="{html.escape(label)}"></div>'
        f'<script type="application/json" data-figure="{anchor}">{script_json(spec)}</script>'
        f"{shown}</figure>"
    )


def figure_label(spec: dict[str, Any]) -> str:
    """What a figure shows, for readers that cannot see it: its title and description."""
    title = spec.get("title", {})
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    description = spec.get("description", "")
    return f"{text}. {description}".strip(". ") if description else str(text)


def page(title: str, body: str, *, lang: str = "en") -> str:
    """A whole HTML page around ``body``, with the JavaScript bundle inlined once."""
    options = script_json(EMBED_OPTIONS)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{PAGE_STYLE}</style>\n"
        f"<script>{javascript_bundle()}</script>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
        f"<script>const EMBED_OPTIONS = {options};{LOADER}</script>\n</body>\n</html>\n"
    )


def chart_page(chart: alt.TopLevelMixin) -> str:
    """One figure on a page of its own."""
    label = figure_label(page_spec(chart)) or "Chart"
    return page(label.split(". ")[0], figure_html(chart, "figure-1"))


def render(chart: alt.TopLevelMixin, fmt: Format) -> bytes | str:
    """A figure as PNG bytes, SVG text, a self-contained HTML page, or its Vega-Lite JSON."""
    if fmt == "png":
        png: bytes = vl_convert.vegalite_to_png(
            spec_of(chart), vl_version=vegalite_version(), scale=PNG_SCALE
        )
        return png
    if fmt == "svg":
        svg: str = vl_convert.vegalite_to_svg(spec_of(chart), vl_version=vegalite_version())
        return svg
    if fmt == "html":
        return chart_page(chart)
    if fmt == "json":
        return json.dumps(spec_of(chart), indent=2, ensure_ascii=False, allow_nan=False)
    raise ChartError(
        f"The chart format {fmt!r} was refused: pullflow draws charts as html, png, svg or "
        "json only; choose one of those."
    )


def save(chart: alt.TopLevelMixin, path: Path) -> Path:
    """Write a figure to ``path`` in the format its suffix names: .html, .png or .svg."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ChartError(
            f"The chart file {path.name} was refused: pullflow writes charts as .html, .png or "
            ".svg only; give a file name ending in one of those."
        )
    content = render(chart, fmt)
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as error:
        raise ChartError(
            f"The chart could not be written to {path}: {error.strerror or error}; choose a "
            "folder that exists and that you may write to."
        ) from error
    return path
