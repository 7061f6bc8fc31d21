"""The mapping of domain classes onto the tables, kept out of the domain (imperative mapping).

The domain's classes stay plain Python; this module teaches SQLAlchemy where their attributes
live. ``Board.items`` maps to every item of a board, but the repository loads only the items
still in the flow (plus any it is asked for), so a board with years of history loads quickly.
"""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from pullflow.domain.andon import Stop
from pullflow.domain.board import Board
from pullflow.domain.items import Item
from pullflow.domain.learning import Experiment, Hypothesis
from pullflow.domain.stages import Stage
from pullflow.store import tables

mapper_registry = registry()


def start_mappers() -> None:
    """Map the domain classes once per process; later calls do nothing."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(
        Stage, tables.stages, properties={"limit": tables.stages.c.wip_limit}
    )
    mapper_registry.map_imperatively(
        Item,
        tables.items,
        # A change loads the stages before the items, so this is found in the session; reads
        # load it eagerly (see the repository).
        properties={"stage": relationship(Stage, lazy="select")},
    )
    mapper_registry.map_imperatively(Hypothesis, tables.hypotheses)
    mapper_registry.map_imperatively(
        Experiment,
        tables.experiments,
        properties={
            "hypothesis": relationship(Hypothesis, lazy="joined"),
            "items": relationship(
                Item,
                secondary=tables.experiment_items,
                lazy="select",
                order_by=tables.items.c.number,
            ),
        },
    )
    mapper_registry.map_imperatively(
        Stop,
        tables.stops,
        properties={"stage": relationship(Stage, lazy="select")},
    )
    mapper_registry.map_imperatively(
        Board,
        tables.boards,
        properties={
            "stages": relationship(
                Stage,
                order_by=tables.stages.c.position,
                cascade="all, delete-orphan",
                lazy="selectin",
            ),
            # Never loaded by touching it: the repository loads what a change needs.
            "items": relationship(Item, cascade="save-update, merge", lazy="raise"),
            "hypotheses": relationship(
                Hypothesis,
                cascade="save-update, merge",
                order_by=tables.hypotheses.c.number,
                lazy="select",
            ),
            "experiments": relationship(
                Experiment,
                cascade="save-update, merge",
                order_by=tables.experiments.c.number,
                lazy="select",
            ),
            "stops": relationship(
                Stop,
                cascade="save-update, merge",
                order_by=tables.stops.c.number,
                lazy="selectin",
            ),
        },
    )
