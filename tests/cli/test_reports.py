"""``pullflow chart`` and ``pullflow report`` write real files, offline, from a board or a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.helpers import Cli, sqlite_only
from tests.cli.test_transfer import AA

PNG = b"\x89PNG\r\n\x1a\n"


@sqlite_only
@pytest.mark.parametrize("kind", ["cfd", "scatter", "aging", "throughput", "histogram", "wip"])
def test_every_chart_is_written_as_svg(cli: Cli, tmp_path: Path, kind: str) -> None:
    target = tmp_path / f"{kind}.svg"
    result = cli.ok("chart", kind, "-o", str(target), "--csv", str(AA))
    assert result.text == f"Wrote {target} ({kind})."
    assert target.read_text(encoding="utf-8").lstrip().startswith("<svg")


@sqlite_only
def test_a_chart_is_written_as_png_or_interactive_html(cli: Cli, tmp_path: Path) -> None:
    png, page = tmp_path / "cfd.png", tmp_path / "scatter.html"
    cli.ok("chart", "cfd", "-o", str(png), "--csv", str(AA))
    cli.ok("chart", "scatter", "-o", str(page), "--csv", str(AA))
    assert png.read_bytes().startswith(PNG)
    html = page.read_text(encoding="utf-8")
    assert "Cycle time" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html)


@sqlite_only
def test_forecast_charts_take_their_question(cli: Cli, tmp_path: Path) -> None:
    when, how_many = tmp_path / "when.svg", tmp_path / "how.svg"
    cli.ok(
        "chart", "forecast-when", "-o", str(when), "--items", "3", "--seed", "1", "--csv", str(AA)
    )
    cli.ok(
        "chart", "forecast-how-many", "-o", str(how_many), "--by", "2024-04-01", "--csv", str(AA)
    )
    assert "<svg" in when.read_text(encoding="utf-8")
    assert "<svg" in how_many.read_text(encoding="utf-8")


def test_the_report_is_one_offline_page_with_every_part(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init", "--template", "none")
    cli.ok("import", "actionable-agile", str(AA), "--board", "team")
    target = tmp_path / "report.html"
    cli.ok("report", "-o", str(target), "--board", "team", "--title", "Team <flow>")
    page = target.read_text(encoding="utf-8")
    assert "Team &lt;flow&gt;" in page
    for title in ("Cumulative flow", "Cycle time", "Throughput", "WIP"):
        assert title in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)
    # The file alone spans 11 days, too few for a backtest: the report says so instead.
    short = tmp_path / "short.html"
    cli.ok("report", "-o", str(short), "--csv", str(AA))
    assert "No backtest: " in short.read_text(encoding="utf-8")


@sqlite_only
def test_bad_chart_requests_get_one_sentence(cli: Cli, tmp_path: Path) -> None:
    for args, words in [
        (("chart", "pie", "-o", str(tmp_path / "p.png")), "no chart called 'pie'"),
        (("chart", "cfd", "-o", str(tmp_path / "c.pdf")), "*.html, *.png or *.svg"),
        (("chart", "forecast-how-many", "-o", str(tmp_path / "f.svg")), "--by DATE"),
        (("report", "-o", str(tmp_path / "r.pdf")), "name it *.html"),
        (("chart", "cfd", "-o", str(tmp_path / "none" / "c.svg")), "could not be written"),
    ]:
        result = cli(*args, "--csv", str(AA))
        assert result.code == 2, result.err
        assert words in result.err
        assert len(result.err.strip().splitlines()) == 1


def test_the_forecast_chart_and_its_sentence_name_the_same_day() -> None:
    from pullflow.cli.reports import _when_figure
    from pullflow.flow.forecast import forecast_when
    from pullflow.imports.files import read_history

    history = read_history("actionable-agile", AA)
    forecast = forecast_when(history, 2, seed=3, trials=10_000)
    figure = _when_figure(history, 2, 3)
    rules = {row["label"] for row in figure.chart().to_dict()["datasets"]["percentiles"]}
    p85 = forecast.dates[85].isoformat()
    assert any(label.startswith(f"85%: by {p85} ") for label in rules)
    assert p85 in figure.summary
