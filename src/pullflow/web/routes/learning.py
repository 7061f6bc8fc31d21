"""The learning page: hypotheses as Test Cards, experiments with their Learning Cards and items.

A hypothesis reads "We believe that …", "To verify that, we will …", "And measure …", "We are
right if …" with its status; an experiment is running or concluded, and a concluded one
carries its Learning Card ("We observed …", "From that we learned …", "Therefore we will …")
with the verdict and the decision. Each experiment lists the items it pulled.

The page's forms (state a hypothesis, start an experiment, link and unlink an item, conclude
an experiment) each run one use case of ``pullflow.services.learning`` as the signed-in member
through ``act``: a viewer is refused (403) and nothing is written; a refusal re-renders the
page with its sentence and the fields as they were sent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from pullflow.services import Decision, Invalid, Verdict, parse_decision, parse_verdict
from pullflow.services.learning import (
    conclude_experiment,
    link_item,
    start_experiment,
    state_hypothesis,
    unlink_item,
)
from pullflow.services.queries import board_view, experiments_view, hypotheses_view
from pullflow.services.views import CardView, ExperimentView, HypothesisView
from pullflow.web.actions import Here, UseCase, act, board_path, required_number
from pullflow.web.render import page
from pullflow.web.session import SignedIn, Visitor, checked_form

router = APIRouter()

#: The longest text a card field takes (as the HTTP API takes it).
MAX_TEXT = 10_000
#: Control characters a card's text may hold: tab and line breaks.
ALLOWED_CONTROLS = frozenset("\t\n\r")

#: The Test Card's fields: (form field, the words that open it).
TEST_CARD = (
    ("we_believe_that", "We believe that"),
    ("to_verify_that_we_will", "To verify that, we will"),
    ("and_measure", "And measure"),
    ("we_are_right_if", "We are right if"),
)
#: The Learning Card's fields: (form field, the words that open it).
LEARNING_CARD = (
    ("we_observed", "We observed"),
    ("from_that_we_learned", "From that we learned"),
    ("therefore_we_will", "Therefore we will"),
)
VERDICTS = tuple(verdict.value for verdict in Verdict)
DECISIONS = tuple(decision.value for decision in Decision)


@dataclass(frozen=True, slots=True)
class LinkedItem:
    """An item an experiment pulled: its number and, while it is on the board, its title."""

    number: int
    title: str | None


@dataclass(frozen=True, slots=True)
class ExperimentPanel:
    """An experiment with its hypothesis, the items it pulled and the items it could link."""

    experiment: ExperimentView
    hypothesis: HypothesisView | None
    items: tuple[LinkedItem, ...]
    linkable: tuple[CardView, ...]

    @property
    def number(self) -> int:
        return self.experiment.number

    @property
    def running(self) -> bool:
        return self.experiment.status == "running"


def learning_page(
    request: Request,
    visitor: Visitor,
    at: Here,
    board: str,
    *,
    status: int = 200,
    refusal: str | None = None,
    values: Mapping[str, str] | None = None,
    sent: str | None = None,
) -> HTMLResponse:
    """The learning page; after a refusal ``sent`` names the form and ``values`` refills it."""
    visitor.principal.require(board, "read")
    view = board_view(at.unit_of_work(), board=board, at=at.now())
    hypotheses = hypotheses_view(at.unit_of_work(), board=board)
    experiments = experiments_view(at.unit_of_work(), board=board)
    cards = [card for stage in view.stages for card in (*stage.doing, *stage.done)]
    panels = [_panel(experiment, hypotheses, cards) for experiment in experiments]
    return page(
        request,
        visitor,
        "learning.html",
        board=view.name,
        status=status,
        refusal=refusal,
        stops=list(view.open_stops),
        view=view,
        hypotheses=hypotheses,
        running=[panel for panel in panels if panel.running],
        concluded=[panel for panel in panels if not panel.running],
        can_change=visitor.may(board, "change"),
        values=dict(values or {}),
        sent=sent,
        test_card=TEST_CARD,
        learning_card=LEARNING_CARD,
        verdicts=VERDICTS,
        decisions=DECISIONS,
    )


def _panel(
    experiment: ExperimentView, hypotheses: list[HypothesisView], cards: list[CardView]
) -> ExperimentPanel:
    titles = {card.number: card.title for card in cards}
    linked = set(experiment.items)
    return ExperimentPanel(
        experiment=experiment,
        hypothesis=next((h for h in hypotheses if h.number == experiment.hypothesis), None),
        items=tuple(LinkedItem(number, titles.get(number)) for number in experiment.items),
        linkable=tuple(
            sorted(
                (card for card in cards if card.number not in linked and card.state == "active"),
                key=lambda card: card.number,
            )
        ),
    )


@router.get("/b/{board}/learning", response_class=HTMLResponse)
def learning(request: Request, board: str, visitor: SignedIn, at: Here) -> HTMLResponse:
    return learning_page(request, visitor, at, board)


# -- reading the forms -----------------------------------------------------------------------


def card_text(fields: Mapping[str, str], name: str, label: str, *, required: bool = True) -> str:
    """A card field's text; refused when empty (if required), too long or with a control code."""
    text = fields.get(name, "")
    if required and not text.strip():
        raise Invalid(f'The card needs "{label}": fill in that field and send the form again.')
    if len(text) > MAX_TEXT:
        raise Invalid(
            f'"{label}" was refused: it holds {len(text):,} characters; keep it to '
            f"{MAX_TEXT:,} and send the form again."
        )
    for character in text:
        if character in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(character) in {"Cc", "Cs"}:
            raise Invalid(
                f'"{label}" was refused: it holds the control character U+{ord(character):04X}; '
                "remove it and send the form again."
            )
    return text


def numbered(text: str | None, what: str, prefix: str) -> int:
    """A number written as ``3``, ``#3`` or with its letter (``E3``, ``H3``), else ``Invalid``."""
    written = text or ""
    cleaned = written.strip()
    if cleaned[:1].upper() == prefix:
        cleaned = cleaned[1:]
    if not cleaned.isdigit():
        raise Invalid(f"{what} {written!r} was refused: give a whole number such as 3.")
    return required_number(cleaned, what)


def _stating(board: str, fields: Mapping[str, str]) -> UseCase:
    belief, test, metric, criterion = (card_text(fields, name, label) for name, label in TEST_CARD)
    return lambda uow, actor, moment: state_hypothesis(
        uow,
        board=board,
        belief=belief,
        test=test,
        metric=metric,
        criterion=criterion,
        actor=actor,
        at=moment,
    )


def _starting(board: str, fields: Mapping[str, str]) -> UseCase:
    hypothesis = numbered(fields.get("hypothesis"), "Hypothesis", "H")
    title = card_text(fields, "title", "Title", required=False).strip() or None
    return lambda uow, actor, moment: start_experiment(
        uow, board=board, hypothesis=hypothesis, title=title, actor=actor, at=moment
    )


def _linking(board: str, experiment: int, fields: Mapping[str, str], *, link: bool) -> UseCase:
    item = numbered(fields.get("item"), "Item", "#")
    use_case = link_item if link else unlink_item
    return lambda uow, actor, moment: use_case(
        uow, board=board, experiment=experiment, item=item, actor=actor, at=moment
    )


def _concluding(board: str, experiment: int, fields: Mapping[str, str]) -> UseCase:
    verdict = parse_verdict(fields.get("verdict", ""))
    decision = parse_decision(fields.get("decision", ""))
    observed, learned, next_step = (card_text(fields, name, label) for name, label in LEARNING_CARD)
    return lambda uow, actor, moment: conclude_experiment(
        uow,
        board=board,
        experiment=experiment,
        verdict=verdict,
        decision=decision,
        observed=observed,
        learned=learned,
        next_step=next_step,
        actor=actor,
        at=moment,
    )


# -- the forms -------------------------------------------------------------------------------

#: What a form's fields become: the use case to run.
Reader = Callable[[Mapping[str, str]], UseCase]


def _marker(kind: str, number: object, prefix: str) -> str:
    """The name of one of the page's forms (``conclude-3``), to refill it after a refusal."""
    text = str(number or "").strip().upper()
    return f"{kind}-{text[1:] if text.startswith(prefix) else text}"


async def _learning_form(
    request: Request,
    board: str,
    visitor: Visitor,
    at: Here,
    *,
    sent: Callable[[Mapping[str, str]], str],
    read: Reader,
) -> Response:
    """Check the form, then run the use case ``read`` makes of its fields (see ``act``)."""
    fields = await checked_form(request, visitor)

    def again(sentence: str, status: int) -> Response:
        return learning_page(
            request,
            visitor,
            at,
            board,
            status=status,
            refusal=sentence,
            values=fields,
            sent=sent(fields),
        )

    return await run_in_threadpool(
        act,
        visitor,
        at,
        board,
        lambda: read(fields),
        back=f"{board_path(board)}/learning",
        again=again,
    )


@router.post("/b/{board}/learning/hypotheses", response_model=None)
async def add_hypothesis(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    return await _learning_form(
        request,
        board,
        visitor,
        at,
        sent=lambda fields: "hypothesis",
        read=lambda fields: _stating(board, fields),
    )


@router.post("/b/{board}/learning/experiments", response_model=None)
async def add_experiment(request: Request, board: str, visitor: SignedIn, at: Here) -> Response:
    return await _learning_form(
        request,
        board,
        visitor,
        at,
        sent=lambda fields: _marker("start", fields.get("hypothesis"), "H"),
        read=lambda fields: _starting(board, fields),
    )


def _experiment_of(e: str) -> int:
    return numbered(e, "Experiment", "E")


@router.post("/b/{board}/learning/experiments/{e}/items", response_model=None)
async def link(request: Request, board: str, e: str, visitor: SignedIn, at: Here) -> Response:
    return await _learning_form(
        request,
        board,
        visitor,
        at,
        sent=lambda fields: _marker("link", e, "E"),
        read=lambda fields: _linking(board, _experiment_of(e), fields, link=True),
    )


@router.post("/b/{board}/learning/experiments/{e}/unlink", response_model=None)
async def unlink(request: Request, board: str, e: str, visitor: SignedIn, at: Here) -> Response:
    return await _learning_form(
        request,
        board,
        visitor,
        at,
        sent=lambda fields: _marker("link", e, "E"),
        read=lambda fields: _linking(board, _experiment_of(e), fields, link=False),
    )


@router.post("/b/{board}/learning/experiments/{e}/conclude", response_model=None)
async def conclude(request: Request, board: str, e: str, visitor: SignedIn, at: Here) -> Response:
    return await _learning_form(
        request,
        board,
        visitor,
        at,
        sent=lambda fields: _marker("conclude", e, "E"),
        read=lambda fields: _concluding(board, _experiment_of(e), fields),
    )
