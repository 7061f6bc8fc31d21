"""What the commands ask of a board, whether it lives in a database or behind a server.

A command asks ``connect(db, as_, server)`` for a ``Backend`` and calls its operations; it
never knows which kind it got. ``Local`` calls the service functions on the database, as the
command line always has; ``pullflow.cli.remote.Remote`` asks the HTTP API and rebuilds the
same values from its answers (an ``Outcome`` with its events, the views, the flow figures'
JSON), so the renderers print the same text either way. Refusals arrive as the same domain
errors, with the same exit codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from pullflow.cli.context import actor, connection, day, now, unit_of_work
from pullflow.cli.sources import Filters, Source, load, narrow
from pullflow.flow.forecast import forecast_how_many, forecast_when
from pullflow.flow.metrics import measure
from pullflow.services import (
    Decision,
    FiveWhys,
    Outcome,
    PullSignal,
    ServiceClass,
    StoredEvent,
    Verdict,
    WipPolicy,
    queries,
)
from pullflow.services import accounts as account_service
from pullflow.services import boards as board_service
from pullflow.services import flow as flow_service
from pullflow.services import learning as learning_service
from pullflow.services.accounts import Role, TokenView, UserView
from pullflow.services.andon import resume_line, stop_line
from pullflow.services.views import BoardView, CardView, ExperimentView, HypothesisView, StopView


class Backend(Protocol):
    """The operations the commands use; ``board`` None means the only board there is."""

    # ------------------------------------------------------------------------ boards
    def board_names(self) -> list[str]: ...

    def board_view(self, *, board: str | None) -> BoardView: ...

    def create_board(
        self,
        *,
        name: str,
        stages: str,
        pull_signal: PullSignal,
        experiment_limit: int | None,
        timezone: str,
    ) -> Outcome: ...

    def set_limit(
        self, *, board: str | None, stage: str, limit: int | None, policy: WipPolicy | None
    ) -> Outcome: ...

    def configure_board(
        self,
        *,
        board: str | None,
        pull_signal: PullSignal | None,
        experiment_limit: int | None,
        clear_experiment_limit: bool,
        timezone: str | None,
        commitment: str | None,
        delivery: str | None,
    ) -> Outcome: ...

    def event_log(
        self, *, board: str | None, item: int | None, limit: int | None
    ) -> list[StoredEvent]: ...

    # ------------------------------------------------------------------------- items
    def add_item(
        self,
        *,
        board: str | None,
        title: str,
        service_class: ServiceClass | None,
        due: date | None,
        position: int | None,
        experiment: int | None,
        override: str | None,
        attributes: Mapping[str, str],
    ) -> Outcome: ...

    def edit_item(
        self,
        *,
        board: str | None,
        item: int,
        title: str | None,
        service_class: ServiceClass | None,
        due: date | None,
    ) -> Outcome: ...

    def rerank_item(self, *, board: str | None, item: int, position: int) -> Outcome: ...

    def item_view(self, *, board: str | None, item: int) -> tuple[CardView, list[StoredEvent]]: ...

    # ------------------------------------------------------------------ moving work
    def pull_item(
        self, *, board: str | None, stage: str, item: int | None, override: str | None
    ) -> Outcome: ...

    def finish_item(self, *, board: str | None, item: int, deliver: bool) -> Outcome: ...

    def block_item(self, *, board: str | None, item: int, reason: str) -> Outcome: ...

    def unblock_item(self, *, board: str | None, item: int) -> Outcome: ...

    def discard_item(self, *, board: str | None, item: int, reason: str) -> Outcome: ...

    def return_item(
        self, *, board: str | None, item: int, stage: str, reason: str, override: str | None
    ) -> Outcome: ...

    # -------------------------------------------------------- hypotheses, experiments
    def state_hypothesis(
        self, *, board: str | None, belief: str, test: str, metric: str, criterion: str
    ) -> Outcome: ...

    def hypotheses_view(self, *, board: str | None) -> list[HypothesisView]: ...

    def start_experiment(
        self, *, board: str | None, hypothesis: int, title: str | None
    ) -> Outcome: ...

    def link_item(self, *, board: str | None, experiment: int, item: int) -> Outcome: ...

    def unlink_item(self, *, board: str | None, experiment: int, item: int) -> Outcome: ...

    def conclude_experiment(
        self,
        *,
        board: str | None,
        experiment: int,
        verdict: Verdict,
        decision: Decision,
        observed: str,
        learned: str,
        next_step: str,
    ) -> Outcome: ...

    def experiments_view(self, *, board: str | None) -> list[ExperimentView]: ...

    # ------------------------------------------------------------------------ andon
    def stop_line(
        self,
        *,
        board: str | None,
        reason: str,
        stage: str | None,
        tags: Sequence[str],
        fix: int | None,
        people: int,
    ) -> Outcome: ...

    def resume_line(
        self, *, board: str | None, five_whys: FiveWhys, stop: int | None
    ) -> Outcome: ...

    def stops_view(self, *, board: str | None) -> tuple[str, list[StopView]]: ...

    # ------------------------------------------------------------------ flow figures
    def metrics(self, source: Source, filters: Filters, *, hours: bool) -> dict[str, Any]: ...

    def forecast_when(
        self,
        source: Source,
        filters: Filters,
        *,
        items: int,
        trials: int,
        seed: int | None,
        window: int,
        target: str | None,
    ) -> dict[str, Any]: ...

    def forecast_how_many(
        self,
        source: Source,
        filters: Filters,
        *,
        by: str,
        trials: int,
        seed: int | None,
        window: int,
    ) -> dict[str, Any]: ...

    # ------------------------------------------------------------- users and tokens
    def create_user(self, *, name: str, password: str, site_admin: bool) -> None: ...

    def users(self) -> list[UserView]: ...

    def grant(self, *, board: str, user: str, role: Role | None) -> None: ...

    def issue_token(
        self, *, user: str, boards: Sequence[str] | None, label: str
    ) -> tuple[int, str]: ...

    def tokens(self, *, user: str) -> list[TokenView]: ...

    def revoke_token(self, *, token: int) -> None: ...


def connect(db: str | None, as_: str | None, server: str | None = None) -> Backend:
    """The backend the options name: the database (``--db``) or a server (``--server``)."""
    where = connection(db, server)
    if not where.on_server:
        return Local(db, as_)
    from pullflow.cli.remote import Remote  # only server mode needs the HTTP client

    assert where.server is not None
    return Remote.connect(where.server, where.token, as_)


def connect_to(source: Source) -> Backend:
    """The backend of an analytics command's source (a file needs neither, and asks neither)."""
    return connect(source.db, source.actor, source.server)


# ------------------------------------------------------------------ flow figures, here


def measured(source: Source, filters: Filters, *, hours: bool) -> dict[str, Any]:
    """The flow figures of the source's history, computed in this process."""
    history = narrow(load(source), filters)
    return measure(history, filters.window(), hours=hours).to_json()


def when_forecast(
    source: Source,
    filters: Filters,
    *,
    items: int,
    trials: int,
    seed: int | None,
    window: int,
    target: str | None,
) -> dict[str, Any]:
    forecast = forecast_when(
        narrow(load(source), filters),
        items,
        trials=trials,
        seed=seed,
        window_days=window,
        target=day(target, "--target"),
    )
    return forecast.to_json()


def how_many_forecast(
    source: Source, filters: Filters, *, by: str, trials: int, seed: int | None, window: int
) -> dict[str, Any]:
    until = day(by, "--by")
    assert until is not None
    forecast = forecast_how_many(
        narrow(load(source), filters), until, trials=trials, seed=seed, window_days=window
    )
    return forecast.to_json()


# ---------------------------------------------------------------------------- local


class Local:
    """The board in a database: each operation is one service call on a fresh unit of work."""

    def __init__(self, db: str | None, as_: str | None) -> None:
        self.db = db
        self.as_ = as_

    def _unit(self) -> Any:
        return unit_of_work(self.db)

    def _who(self) -> dict[str, Any]:
        """Who acts and when, for a change (read only when something is changed)."""
        return {"actor": actor(self.as_), "at": now()}

    def board_names(self) -> list[str]:
        return queries.board_names(self._unit())

    def board_view(self, *, board: str | None) -> BoardView:
        return queries.board_view(self._unit(), board=board, at=now())

    def create_board(
        self,
        *,
        name: str,
        stages: str,
        pull_signal: PullSignal,
        experiment_limit: int | None,
        timezone: str,
    ) -> Outcome:
        return board_service.create_board(
            self._unit(),
            name=name,
            stages=stages,
            pull_signal=pull_signal,
            experiment_limit=experiment_limit,
            timezone=timezone,
            **self._who(),
        )

    def set_limit(
        self, *, board: str | None, stage: str, limit: int | None, policy: WipPolicy | None
    ) -> Outcome:
        return board_service.set_limit(
            self._unit(), board=board, stage=stage, limit=limit, policy=policy, **self._who()
        )

    def configure_board(
        self,
        *,
        board: str | None,
        pull_signal: PullSignal | None,
        experiment_limit: int | None,
        clear_experiment_limit: bool,
        timezone: str | None,
        commitment: str | None,
        delivery: str | None,
    ) -> Outcome:
        return board_service.configure_board(
            self._unit(),
            board=board,
            pull_signal=pull_signal,
            experiment_limit=experiment_limit,
            clear_experiment_limit=clear_experiment_limit,
            timezone=timezone,
            commitment=commitment,
            delivery=delivery,
            **self._who(),
        )

    def event_log(
        self, *, board: str | None, item: int | None, limit: int | None
    ) -> list[StoredEvent]:
        return queries.event_log(self._unit(), board=board, item=item, limit=limit)

    def add_item(
        self,
        *,
        board: str | None,
        title: str,
        service_class: ServiceClass | None,
        due: date | None,
        position: int | None,
        experiment: int | None,
        override: str | None,
        attributes: Mapping[str, str],
    ) -> Outcome:
        return flow_service.add_item(
            self._unit(),
            board=board,
            title=title,
            service_class=service_class,
            due=due,
            position=position,
            experiment=experiment,
            override=override,
            attributes=attributes,
            **self._who(),
        )

    def edit_item(
        self,
        *,
        board: str | None,
        item: int,
        title: str | None,
        service_class: ServiceClass | None,
        due: date | None,
    ) -> Outcome:
        return flow_service.edit_item(
            self._unit(),
            board=board,
            item=item,
            title=title,
            service_class=service_class,
            due=due,
            **self._who(),
        )

    def rerank_item(self, *, board: str | None, item: int, position: int) -> Outcome:
        return flow_service.rerank_item(
            self._unit(), board=board, item=item, position=position, **self._who()
        )

    def item_view(self, *, board: str | None, item: int) -> tuple[CardView, list[StoredEvent]]:
        return queries.item_view(self._unit(), board=board, item=item, at=now())

    def pull_item(
        self, *, board: str | None, stage: str, item: int | None, override: str | None
    ) -> Outcome:
        return flow_service.pull_item(
            self._unit(), board=board, stage=stage, item=item, override=override, **self._who()
        )

    def finish_item(self, *, board: str | None, item: int, deliver: bool) -> Outcome:
        return flow_service.finish_item(
            self._unit(), board=board, item=item, deliver=deliver, **self._who()
        )

    def block_item(self, *, board: str | None, item: int, reason: str) -> Outcome:
        return flow_service.block_item(
            self._unit(), board=board, item=item, reason=reason, **self._who()
        )

    def unblock_item(self, *, board: str | None, item: int) -> Outcome:
        return flow_service.unblock_item(self._unit(), board=board, item=item, **self._who())

    def discard_item(self, *, board: str | None, item: int, reason: str) -> Outcome:
        return flow_service.discard_item(
            self._unit(), board=board, item=item, reason=reason, **self._who()
        )

    def return_item(
        self, *, board: str | None, item: int, stage: str, reason: str, override: str | None
    ) -> Outcome:
        return flow_service.return_item(
            self._unit(),
            board=board,
            item=item,
            stage=stage,
            reason=reason,
            override=override,
            **self._who(),
        )

    def state_hypothesis(
        self, *, board: str | None, belief: str, test: str, metric: str, criterion: str
    ) -> Outcome:
        return learning_service.state_hypothesis(
            self._unit(),
            board=board,
            belief=belief,
            test=test,
            metric=metric,
            criterion=criterion,
            **self._who(),
        )

    def hypotheses_view(self, *, board: str | None) -> list[HypothesisView]:
        return queries.hypotheses_view(self._unit(), board=board)

    def start_experiment(self, *, board: str | None, hypothesis: int, title: str | None) -> Outcome:
        return learning_service.start_experiment(
            self._unit(), board=board, hypothesis=hypothesis, title=title, **self._who()
        )

    def link_item(self, *, board: str | None, experiment: int, item: int) -> Outcome:
        return learning_service.link_item(
            self._unit(), board=board, experiment=experiment, item=item, **self._who()
        )

    def unlink_item(self, *, board: str | None, experiment: int, item: int) -> Outcome:
        return learning_service.unlink_item(
            self._unit(), board=board, experiment=experiment, item=item, **self._who()
        )

    def conclude_experiment(
        self,
        *,
        board: str | None,
        experiment: int,
        verdict: Verdict,
        decision: Decision,
        observed: str,
        learned: str,
        next_step: str,
    ) -> Outcome:
        return learning_service.conclude_experiment(
            self._unit(),
            board=board,
            experiment=experiment,
            verdict=verdict,
            decision=decision,
            observed=observed,
            learned=learned,
            next_step=next_step,
            **self._who(),
        )

    def experiments_view(self, *, board: str | None) -> list[ExperimentView]:
        return queries.experiments_view(self._unit(), board=board)

    def stop_line(
        self,
        *,
        board: str | None,
        reason: str,
        stage: str | None,
        tags: Sequence[str],
        fix: int | None,
        people: int,
    ) -> Outcome:
        return stop_line(
            self._unit(),
            board=board,
            reason=reason,
            stage=stage,
            tags=list(tags),
            fix=fix,
            people=people,
            **self._who(),
        )

    def resume_line(self, *, board: str | None, five_whys: FiveWhys, stop: int | None) -> Outcome:
        return resume_line(self._unit(), board=board, five_whys=five_whys, stop=stop, **self._who())

    def stops_view(self, *, board: str | None) -> tuple[str, list[StopView]]:
        return queries.stops_view(self._unit(), board=board)

    def metrics(self, source: Source, filters: Filters, *, hours: bool) -> dict[str, Any]:
        return measured(source, filters, hours=hours)

    def forecast_when(
        self,
        source: Source,
        filters: Filters,
        *,
        items: int,
        trials: int,
        seed: int | None,
        window: int,
        target: str | None,
    ) -> dict[str, Any]:
        return when_forecast(
            source, filters, items=items, trials=trials, seed=seed, window=window, target=target
        )

    def forecast_how_many(
        self,
        source: Source,
        filters: Filters,
        *,
        by: str,
        trials: int,
        seed: int | None,
        window: int,
    ) -> dict[str, Any]:
        return how_many_forecast(source, filters, by=by, trials=trials, seed=seed, window=window)

    def create_user(self, *, name: str, password: str, site_admin: bool) -> None:
        account_service.create_user(
            self._unit(), name=name, password=password, site_admin=site_admin, at=now()
        )

    def users(self) -> list[UserView]:
        return account_service.users(self._unit())

    def grant(self, *, board: str, user: str, role: Role | None) -> None:
        account_service.grant(
            self._unit(), board=board, user=user, role=role, at=now(), by=actor(self.as_)
        )

    def issue_token(
        self, *, user: str, boards: Sequence[str] | None, label: str
    ) -> tuple[int, str]:
        return account_service.issue_token(
            self._unit(), user=user, boards=boards, at=now(), label=label
        )

    def tokens(self, *, user: str) -> list[TokenView]:
        return account_service.tokens(self._unit(), user=user)

    def revoke_token(self, *, token: int) -> None:
        account_service.revoke_token(self._unit(), token=token, by=actor(self.as_), at=now())
