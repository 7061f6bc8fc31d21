"""Use cases for the andon: stop the line, resume it with a Five Whys, and the Five Whys file.

A Five Whys is written in YAML or JSON (``five_whys_template`` prints a start, filled in with
the open stop's reason); ``read_five_whys`` reads such a file and says exactly what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

import yaml

from pullflow.domain import needs
from pullflow.domain.andon import FiveWhys, Investment
from pullflow.domain.errors import Invalid
from pullflow.services.unit import Outcome, change
from pullflow.store import SqlUnitOfWork


def stop_line(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    reason: str,
    actor: str,
    at: datetime,
    stage: str | None = None,
    tags: Sequence[str] = (),
    fix: int | None = None,
    people: int = 1,
) -> Outcome:
    """Stop the whole line or one stage; only the fix item may be pulled in until resumed."""
    return change(
        uow,
        board,
        lambda b: b.stop_line(
            reason=reason, actor=actor, at=at, stage=stage, tags=tags, fix=fix, people=people
        ),
        partial(needs.to_stop, fix=fix),
    )


def resume_line(
    uow: SqlUnitOfWork,
    *,
    board: str | None,
    five_whys: FiveWhys,
    actor: str,
    at: datetime,
    stop: int | None = None,
) -> Outcome:
    """Resume a stop once its Five Whys is complete; the event carries the investment."""
    return change(
        uow,
        board,
        lambda b: b.resume_line(five_whys, actor=actor, at=at, stop=stop),
        needs.to_resume,
    )


def suggested_investment(*, stopped_at: datetime, people: int, at: datetime) -> Investment:
    """What a stop open since ``stopped_at`` costs by ``at`` with ``people`` held up.

    Its ``suggested_hours`` is the countermeasure work the domain suggests for that cost
    (before any Five Whys is written: no levels or planned hours yet).
    """
    hours = max((at - stopped_at).total_seconds(), 0.0) / 3600
    return Investment(hours_stopped=hours, people=people, planned_hours=0.0, levels=1)


def read_five_whys(path: Path) -> FiveWhys:
    """Read a Five Whys from a YAML or JSON file, refusing it with a sentence if incomplete."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise Invalid(
            f"Cannot read {path} ({error.strerror}): give the path of a Five Whys file."
        ) from None
    except UnicodeDecodeError:
        raise Invalid(f"{path} is not UTF-8 text: save the Five Whys as UTF-8.") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(error, "lineno", "?")
        raise Invalid(
            f"{path}:{line}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: "
            "fix the file (start from pullflow andon template)."
        ) from None
    try:
        return FiveWhys.from_data(data)
    except Invalid as error:
        raise Invalid(f"{path}: {error.message}") from None


def five_whys_template(problem: str | None = None, heading: str | None = None) -> str:
    """A Five Whys file to fill in: five levels, each with its countermeasure."""
    lines = [
        f"# {heading}" if heading else "# Five Whys",
        "# Ask why until you reach the root cause (five is a guide, not a rule); delete the",
        "# levels you do not need. Every level needs a countermeasure with an owner and an",
        "# effort (30m, 2h, 1d = 8 h, 1w = 40 h). Then: pullflow andon resume --five-whys FILE",
        f"problem: {json.dumps(problem or '')}",
        "# people_affected: 3   # optional: how many people the stop held up",
        "whys:",
    ]
    for level in range(1, 6):
        lines += [
            f"  - question: {json.dumps('Why did this happen?' if level == 1 else 'Why?')}",
            '    answer: ""',
            '    countermeasure: ""',
            '    owner: ""',
            "    effort: 1h",
        ]
    lines.append('root_cause: ""')
    return "\n".join(lines) + "\n"
