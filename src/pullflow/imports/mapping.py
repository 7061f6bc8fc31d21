"""A mapping file: which statuses (Jira) or lists (Trello) make up each stage, in workflow order.

YAML or JSON (by the ``.json`` suffix), for example::

    stages:
      - name: Backlog
        statuses: [To Do, Open]
      - name: Build
        statuses: [In Progress, In Review]
      - Done                  # a stage whose one status has its name
    discarded: [Won't Do]     # optional: an item that ends in one of these was discarded

``lists`` may stand for ``statuses`` (for Trello). Names are matched ignoring case and the
spaces around them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from pullflow.domain.errors import Invalid
from pullflow.imports.source import read_text, refusal

#: What ``StageMapping.place`` answers for a status that means the item was discarded.
DISCARDED = -1

_EXAMPLE = "stages: [{name: Backlog, statuses: [To Do]}, {name: Done, statuses: [Done]}]"


@dataclass(frozen=True)
class StageMapping:
    """The stages of a mapping file and the status (or list) names that belong to each."""

    path: Path
    stages: tuple[str, ...]
    positions: Mapping[str, int]

    def place(self, status: str) -> int | None:
        """The stage position of a status, ``DISCARDED``, or None when the file does not say."""
        return self.positions.get(status.strip().lower())


def read_mapping(path: Path, *, word: str = "statuses") -> StageMapping:
    """The mapping in a YAML or JSON file; ``word`` names what is mapped, in sentences."""
    document = _document(path)
    if not isinstance(document, dict) or not isinstance(document.get("stages"), list):
        raise Invalid(f"{path}: the mapping has no list of stages; write for example {_EXAMPLE}.")
    stages: list[str] = []
    positions: dict[str, int] = {}
    for number, entry in enumerate(document["stages"], 1):
        name, names = _stage(path, number, entry, word)
        if name.lower() in (stage.lower() for stage in stages):
            raise Invalid(f'{path}: the stage "{name}" is named twice; name each stage once.')
        for status in names:
            _claim(path, positions, status, len(stages), name, word)
        stages.append(name)
    for status in _names(path, document.get("discarded", []), "discarded", word):
        _claim(path, positions, status, DISCARDED, "discarded", word)
    if len(stages) < 2:
        raise Invalid(f"{path}: the mapping names fewer than two stages; a workflow needs two.")
    return StageMapping(path, tuple(stages), positions)


def _document(path: Path) -> object:
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise refusal(
                path, error.lineno, f"the mapping is not valid JSON ({error.msg}); repair it."
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise refusal(
            path, line, f"the mapping is not valid YAML ({error.problem}); repair it."
        ) from None
    except yaml.YAMLError:
        raise Invalid(f"{path}: the mapping is not valid YAML; repair it.") from None


def _stage(path: Path, number: int, entry: object, word: str) -> tuple[str, list[str]]:
    if isinstance(entry, str) and entry.strip():
        return entry.strip(), [entry.strip()]
    if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
        raise Invalid(
            f"{path}: stage {number} has no name; write each stage as a name or as "
            f"{{name: Build, {word}: [In Progress]}}."
        )
    name = str(entry["name"]).strip()
    given = entry.get(word, entry.get("statuses", entry.get("lists", [name])))
    return name, _names(path, given, name, word)


def _names(path: Path, given: object, stage: str, word: str) -> list[str]:
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not all(
        isinstance(name, str | int | float) and str(name).strip() for name in given
    ):
        raise Invalid(f'{path}: the {word} of "{stage}" must be a list of names.')
    return [str(name).strip() for name in given]


def _claim(
    path: Path, positions: dict[str, int], status: str, position: int, stage: str, word: str
) -> None:
    key = status.lower()
    if key in positions:
        raise Invalid(
            f'{path}: "{status}" is mapped twice (again under "{stage}"); '
            f"list each of the {word} under one stage only."
        )
    positions[key] = position
