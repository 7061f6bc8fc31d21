"""Chart files: PNG and SVG drawn offline, HTML that fetches nothing, refusals in a sentence."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import vl_convert

from pullflow.charts.errors import ChartError
from pullflow.charts.figures import cycle_time_scatter
from pullflow.charts.output import javascript_bundle, render, save
from pullflow.flow.metrics import measure
from tests.charts.helpers import finished_items

#: Anything that would load from the network: scripts, styles, images, frames, imports.
EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|@import\s+(?:url\()?[\"']?\s*(?:https?:)?//"
    r"|\bimport\s*(?:[\w*{}\s,]+from\s*)?[\"']\s*https?://"
    r"|url\(\s*[\"']?\s*https?://",
    re.IGNORECASE,
)


def chart():  # type: ignore[no-untyped-def]
    return cycle_time_scatter(measure(finished_items([2, 3, 3])))


def embedded_specs(page: str) -> list[dict]:
    found = re.findall(r'<script type="application/json" data-figure="[^"]+">(.*?)</script>', page)
    return [json.loads(text) for text in found]


def test_the_external_pattern_catches_what_it_should() -> None:
    assert EXTERNAL.search('<script src="https://cdn.example/vega.js"></script>')
    assert EXTERNAL.search('<link rel="stylesheet" href="//cdn.example/a.css">')
    assert EXTERNAL.search('import vega from "https://esm.sh/vega";')
    assert not EXTERNAL.search('createElementNS("http://www.w3.org/2000/svg","g")')


def test_png_starts_with_the_png_signature(tmp_path: Path) -> None:
    path = save(chart(), tmp_path / "scatter.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_parses_as_xml_with_an_svg_root(tmp_path: Path) -> None:
    path = save(chart(), tmp_path / "scatter.SVG")
    root = ElementTree.fromstring(path.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    assert "Cycle time of finished items" in path.read_text(encoding="utf-8")


def test_html_works_offline_and_holds_the_chart_spec(tmp_path: Path) -> None:
    figure = chart()
    page = save(figure, tmp_path / "scatter.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    assert page.count(javascript_bundle()) == 1
    (spec,) = embedded_specs(page)
    assert "$schema" not in spec  # no address at all, not even the schema's
    expected = figure.to_dict()
    assert spec["datasets"] == expected["datasets"]
    assert spec["title"] == expected["title"]
    assert spec["layer"] == expected["layer"]
    # What the page embeds compiles with Vega-Lite as it is.
    assert vl_convert.vegalite_to_vega(spec)["marks"]


def test_a_title_cannot_close_the_script_that_holds_the_spec() -> None:
    figure = chart().properties(title="</script><b>x</b>")
    page = render(figure, "html")
    assert isinstance(page, str)
    assert "</script><b>" not in page
    (spec,) = embedded_specs(page)
    assert spec["title"] == "</script><b>x</b>"
    assert "<title>&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</title>" in page


def test_another_suffix_is_refused_with_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(ChartError) as refused:
        save(chart(), tmp_path / "scatter.pdf")
    assert refused.value.message == (
        "The chart file scatter.pdf was refused: pullflow writes charts as .html, .png or .svg "
        "only; give a file name ending in one of those."
    )
    assert not (tmp_path / "scatter.pdf").exists()


def test_a_folder_that_does_not_exist_is_refused_with_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(ChartError, match="choose a folder that exists"):
        save(chart(), tmp_path / "missing" / "scatter.svg")


def test_json_is_the_vega_lite_spec() -> None:
    text = render(chart(), "json")
    assert isinstance(text, str)
    assert json.loads(text)["title"]["text"] == "Cycle time of finished items"
