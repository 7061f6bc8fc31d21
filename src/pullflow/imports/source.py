"""Reading an export file: its text, CSV rows with their line numbers, JSON, located refusals.

Every refusal of a file names the place of the first problem as ``FILE:LINE:`` (or, in a JSON
file, ``FILE:KEY:`` with the issue, card or item it is about) and says what to do. Nothing is
returned from a file that has a problem: the readers raise before building anything.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from pullflow.domain.errors import Invalid


class BadValue(ValueError):
    """A value that cannot be read; the reader that finds it adds where it is."""


def refusal(path: Path, place: int | str, message: str) -> Invalid:
    """The refusal of a file with the place of the problem: ``FILE:PLACE: message``."""
    return Invalid(f"{path}:{place}: {message}")


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 item``, ``2 items`` (or the given plural)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def listing(names: list[str], most: int = 5) -> str:
    """Names for a sentence, the first few only: ``A, B, C and 4 more``."""
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


def read_text(path: Path) -> str:
    """The text of a file (UTF-8, with or without a byte order mark), refused if empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Invalid(f"{path} does not exist; check the path and the file name.") from None
    except IsADirectoryError:
        raise Invalid(f"{path} is a folder, not a file; give the export file itself.") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise Invalid(f"{path} cannot be read ({reason}); check that it is readable.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise refusal(
            path,
            line,
            "the file is not UTF-8 text; save it again as UTF-8 (in a spreadsheet: CSV UTF-8).",
        ) from None
    if not text.strip():
        raise Invalid(f"{path} is empty; export the board again and give that file.")
    return text


def read_json(path: Path) -> object:
    """The parsed JSON of a file."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise refusal(
            path,
            error.lineno,
            f"the file is not valid JSON ({error.msg} at column {error.colno}); "
            "export it again or repair it there.",
        ) from None


@dataclass(frozen=True)
class Row:
    """One non-blank CSV row: the line it starts on and its cells, stripped of spaces."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A CSV file: its header row (names stripped) and the non-blank rows after it."""

    header: Row
    rows: tuple[Row, ...]
    delimiter: str

    def column(self, index: int) -> list[str]:
        return [row.cells[index] for row in self.rows]


def read_table(path: Path) -> Table:
    """The rows of a CSV file, comma, semicolon or tab separated (the header line decides).

    Blank rows (also rows of empty cells only) are skipped, cells are stripped, short rows are
    padded with empty cells, and a row with more values than the header has names is refused.
    """
    text = read_text(path)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    previous = 0
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            stripped = tuple(cell.strip() for cell in cells)
            if any(stripped):
                rows.append(Row(start, stripped))
    except csv.Error as error:
        raise refusal(
            path, previous + 1, f"the CSV cannot be read ({error}); check the quotes on this line."
        ) from None
    header, body = rows[0], rows[1:]
    names = _header_names(path, header)
    width = len(names)
    fitted = tuple(_fit(path, row, width, delimiter) for row in body)
    return Table(Row(header.line, names), fitted, delimiter)


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV file: the most frequent of ``,``, ``;`` and tab on its first line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _header_names(path: Path, header: Row) -> tuple[str, ...]:
    names = list(header.cells)
    while names and not names[-1]:
        names.pop()
    seen: dict[str, str] = {}
    for number, name in enumerate(names, 1):
        if not name:
            raise refusal(
                path, header.line, f"column {number} has no name in the header; name every column."
            )
        if name.lower() in seen:
            raise refusal(
                path,
                header.line,
                f'the header names the column "{name}" twice; give every column its own name.',
            )
        seen[name.lower()] = name
    return tuple(names)


def _fit(path: Path, row: Row, width: int, delimiter: str) -> Row:
    cells = row.cells
    if len(cells) > width and any(cells[width:]):
        shown = "tab" if delimiter == "\t" else f'"{delimiter}"'
        raise refusal(
            path,
            row.line,
            f"the row has {len(cells)} values but the header names {width} columns; "
            f"put quotes around values that contain {shown}.",
        )
    return Row(row.line, cells[:width] + ("",) * (width - len(cells)))
