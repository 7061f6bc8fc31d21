"""Commands through a pullflow server: a small HTTP client of its API, and the ``Remote`` backend.

``Client`` sends the token with every request and waits a bounded time (``CONNECT_SECONDS``
to connect, ``ANSWER_SECONDS`` for an answer). Every change carries an ``Idempotency-Key``,
a fresh UUID: when the connection drops before the answer arrives, the change is sent once
more with the same key, and the server answers it as it did the first time instead of making
it twice. A problem+json answer becomes the domain error the local path raises, with the
server's sentence: 409 ``Refused`` (exit 1), 422 ``Invalid``, 404 ``NotFound``, 401
``Unauthorised`` and 403 ``Forbidden`` (exit 2). A server that cannot be reached is one
sentence naming its URL.

``Remote`` implements ``backend.Backend`` on the routes of docs/api.md and rebuilds the values
the local path returns (``Outcome`` and its events, the views), so that the commands print the
same text either way. The actor of every change is the token's user.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from pullflow import __version__
from pullflow.cli.backend import how_many_forecast, measured, when_forecast
from pullflow.cli.context import ServerFailed, actor, day
from pullflow.cli.sources import Filters, Source
from pullflow.services import (
    Decision,
    DomainError,
    FiveWhys,
    Invalid,
    NotFound,
    Outcome,
    PullSignal,
    Refused,
    ServiceClass,
    StoredEvent,
    Verdict,
    WipPolicy,
)
from pullflow.services.accounts import Forbidden, Role, TokenView, Unauthorised, UserView
from pullflow.services.views import (
    BoardView,
    CardView,
    ExperimentView,
    HypothesisView,
    StopView,
    event_from_json,
    stored_event_from_json,
)

#: Seconds to wait for the connection, and then for the answer.
CONNECT_SECONDS = 5.0
ANSWER_SECONDS = 60.0

#: The domain error each problem status becomes (others: Invalid below 500).
ERRORS: Mapping[int, type[DomainError]] = {
    401: Unauthorised,
    403: Forbidden,
    404: NotFound,
    409: Refused,
    422: Invalid,
}


def server_address(url: str) -> str:
    """The server's URL, checked: http or https, a host, no query; without a trailing slash."""
    cleaned = url.strip()
    parts = urlsplit(cleaned)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
        raise Invalid(
            f"--server {url!r} was refused: write the server's address, such as "
            "http://127.0.0.1:8000."
        )
    return cleaned.rstrip("/")


def segment(text: str) -> str:
    """A name as one segment of a path (a board or stage name may hold spaces or slashes)."""
    return quote(text, safe="")


class Client:
    """Requests to one server with one token, answered as JSON or raised as domain errors."""

    def __init__(
        self, url: str, token: str | None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = server_address(url)
        self.token = token.strip() if token else None
        self._http = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(ANSWER_SECONDS, connect=CONNECT_SECONDS),
            headers={"User-Agent": f"pullflow/{__version__}", "Accept": "application/json"},
            # A command sends a request or three: no connection is kept open after it.
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """A read: the answer's JSON."""
        return self._request("GET", path, params=params)

    def change(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """A change, sent with a fresh Idempotency-Key (the same key again if it is retried)."""
        return self._request(method, path, body=body, key=str(uuid.uuid4()))

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        key: str | None = None,
    ) -> Any:
        if not self.token:
            raise Invalid(
                f"No token was given for the server at {self.url}: set PULLFLOW_TOKEN to a pf_ "
                "token of yours (pullflow token create makes one where the database is)."
            )
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        for attempt in (1, 2):
            try:
                response = self._http.request(
                    method,
                    path,
                    params=_query(params),
                    json=dict(body) if body is not None else None,
                    headers=headers,
                )
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL):
                raise Invalid(
                    f"The server address {self.url} was refused: write it as "
                    "http://HOST:PORT or https://HOST."
                ) from None
            except httpx.TransportError as error:
                if attempt == 1:
                    continue
                raise self._unreachable(error, change=key is not None) from None
            return self._answer(method, path, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _unreachable(self, error: httpx.TransportError, *, change: bool) -> Invalid:
        reason = _reason(error)
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
            return Invalid(
                f"The server at {self.url} cannot be reached ({reason}): check --server or "
                "PULLFLOW_SERVER, and that pullflow serve runs there."
            )
        if change:
            return Invalid(
                f"The server at {self.url} did not answer ({reason}), so whether the change was "
                "made is not known: look with pullflow log before running the command again."
            )
        return Invalid(
            f"The server at {self.url} did not answer ({reason}): try again in a moment."
        )

    def _answer(self, method: str, path: str, response: httpx.Response) -> Any:
        if response.is_success:
            return self._json(response) if response.content else None
        problem = self._problem(response)
        status = response.status_code
        if problem is None:
            raise Invalid(
                f"The server at {self.url} answered {status} {_phrase(status)} to {method} "
                f"{path}, not as a pullflow server does: check that --server names one."
            )
        detail = str(problem["detail"])
        if status in {404, 405} and problem.get("type") == "about:blank":
            raise Invalid(
                f"The server at {self.url} does not offer {method} {path}: it may run an older "
                "pullflow, so upgrade it or run this command where the database is."
            )
        if status >= 500 and status != 503:
            raise ServerFailed(detail)
        raise ERRORS.get(status, Invalid)(detail)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise Invalid(
                f"The server at {self.url} answered with something other than JSON: check that "
                "--server names a pullflow server."
            ) from None

    @staticmethod
    def _problem(response: httpx.Response) -> Mapping[str, Any] | None:
        if "json" not in response.headers.get("content-type", ""):
            return None
        try:
            data = response.json()
        except ValueError:
            return None
        if isinstance(data, Mapping) and isinstance(data.get("detail"), str):
            return data
        return None


def _query(
    params: Mapping[str, Any] | None,
) -> list[tuple[str, str | int | float | bool | None]] | None:
    """Query parameters as pairs: lists repeat their key, None is left out, booleans in JSON."""
    if params is None:
        return None
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        for each in values:
            if each is None:
                continue
            shown = ("true" if each else "false") if isinstance(each, bool) else str(each)
            pairs.append((key, shown))
    return pairs


def _reason(error: httpx.TransportError) -> str:
    """Why a request failed, in a few lower-case words: ``connection refused``."""
    text = re.sub(
        r"^\[Errno -?\d+\]\s*", "", str(error).strip().splitlines()[0] if str(error) else ""
    )
    if not text:
        text = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__)
    return text[:1].lower() + text[1:]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _outcome(answer: Mapping[str, Any]) -> Outcome:
    """A change's answer, ``{board, events}``, as the outcome the service returns."""
    return Outcome(answer["board"], [event_from_json(event) for event in answer["events"]])


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _same_name(one: str, other: str) -> bool:
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


# ----------------------------------------------------------------------------- remote


class Remote:
    """The board behind a server: each operation is one request (the board named, or found)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._user: str | None = None

    @classmethod
    def connect(cls, url: str, token: str | None, as_: str | None) -> Remote:
        """A backend on the server; ``--as`` must name the token's user, who is the actor."""
        remote = cls(Client(url, token))
        if as_ is not None:
            remote.check_actor(actor(as_))
        return remote

    # ----------------------------------------------------------------- who, which board

    def user(self) -> str | None:
        """The token's user, as the server's list of the caller's tokens names them."""
        if self._user is None:
            listed = self.client.get("/tokens")
            users = {entry["user"] for entry in listed if isinstance(entry, Mapping)}
            self._user = users.pop() if len(users) == 1 else None
        return self._user

    def check_actor(self, name: str) -> None:
        user = self.user()
        if user is not None and _same_name(user, name):
            return
        who = f", {user}" if user is not None else ""
        raise Invalid(
            f"--as {name} was refused: on a server the actor is the token's user{who}; leave out "
            "--as, or use a token of that user's."
        )

    def _board(self, board: str | None) -> str:
        """The board named, or the only one the token may read (or a sentence why not)."""
        if board is not None:
            return board
        names = self.board_names()
        if not names:
            raise NotFound(
                f"The server at {self.client.url} has no board this token may read: ask a "
                "board's admin for a role, or create one with pullflow board create."
            )
        if len(names) > 1:
            raise Invalid(
                f"There are {len(names)} boards ({', '.join(names)}): name one with --board."
            )
        return names[0]

    def _on(self, board: str | None, rest: str = "") -> str:
        """The path of the board (or of ``rest`` under it)."""
        return f"/boards/{segment(self._board(board))}{rest}"

    def _item(self, board: str | None, item: int, verb: str = "") -> str:
        return self._on(board, f"/items/{item}{verb}")

    # ------------------------------------------------------------------------ boards

    def board_names(self) -> list[str]:
        return [str(entry["name"]) for entry in self.client.get("/boards")]

    def board_view(self, *, board: str | None) -> BoardView:
        return BoardView.from_json(self.client.get(self._on(board)))

    def create_board(
        self,
        *,
        name: str,
        stages: str,
        pull_signal: PullSignal,
        experiment_limit: int | None,
        timezone: str,
    ) -> Outcome:
        body = {
            "name": name,
            "stages": stages,
            "pull_signal": pull_signal.value,
            "experiment_limit": experiment_limit,
            "timezone": timezone,
        }
        return _outcome(self.client.change("POST", "/boards", body))

    def set_limit(
        self, *, board: str | None, stage: str, limit: int | None, policy: WipPolicy | None
    ) -> Outcome:
        path = self._on(board, f"/stages/{segment(stage)}/limit")
        body = {"limit": limit, "policy": policy.value if policy is not None else None}
        return _outcome(self.client.change("PUT", path, body))

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
        given: dict[str, Any] = {
            "pull_signal": pull_signal.value if pull_signal is not None else None,
            "experiment_limit": experiment_limit,
            "timezone": timezone,
            "commitment": commitment,
            "delivery": delivery,
        }
        body = {key: value for key, value in given.items() if value is not None}
        if clear_experiment_limit:
            body["experiment_limit"] = None
        return _outcome(self.client.change("PATCH", self._on(board), body))

    def event_log(
        self, *, board: str | None, item: int | None, limit: int | None
    ) -> list[StoredEvent]:
        listed = self.client.get(self._on(board, "/events"), {"item": item, "limit": limit})
        return [stored_event_from_json(entry) for entry in listed]

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
    ) -> Outcome:
        body = {
            "title": title,
            "class": service_class.value if service_class is not None else None,
            "due": due.isoformat() if due is not None else None,
            "rank": position,
            "experiment": experiment,
            "override": override,
            "attributes": dict(attributes) or None,
        }
        return _outcome(self.client.change("POST", self._on(board, "/items"), body))

    def edit_item(
        self,
        *,
        board: str | None,
        item: int,
        title: str | None,
        service_class: ServiceClass | None,
        due: date | None,
    ) -> Outcome:
        given = {
            "title": title,
            "service_class": service_class.value if service_class is not None else None,
            "due": due.isoformat() if due is not None else None,
        }
        body = {key: value for key, value in given.items() if value is not None}
        return _outcome(self.client.change("PATCH", self._item(board, item), body))

    def rerank_item(self, *, board: str | None, item: int, position: int) -> Outcome:
        path = self._item(board, item, "/rank")
        return _outcome(self.client.change("POST", path, {"position": position}))

    def item_view(self, *, board: str | None, item: int) -> tuple[CardView, list[StoredEvent]]:
        answer = self.client.get(self._item(board, item))
        return CardView.from_json(answer), [stored_event_from_json(e) for e in answer["events"]]

    # ------------------------------------------------------------------ moving work

    def pull_item(
        self, *, board: str | None, stage: str, item: int | None, override: str | None
    ) -> Outcome:
        body = {"stage": stage, "item": item, "override": override}
        return _outcome(self.client.change("POST", self._on(board, "/pull"), body))

    def finish_item(self, *, board: str | None, item: int, deliver: bool) -> Outcome:
        path = self._item(board, item, "/finish")
        return _outcome(self.client.change("POST", path, {"deliver": deliver}))

    def block_item(self, *, board: str | None, item: int, reason: str) -> Outcome:
        path = self._item(board, item, "/block")
        return _outcome(self.client.change("POST", path, {"reason": reason}))

    def unblock_item(self, *, board: str | None, item: int) -> Outcome:
        return _outcome(self.client.change("POST", self._item(board, item, "/unblock")))

    def discard_item(self, *, board: str | None, item: int, reason: str) -> Outcome:
        path = self._item(board, item, "/discard")
        return _outcome(self.client.change("POST", path, {"reason": reason}))

    def return_item(
        self, *, board: str | None, item: int, stage: str, reason: str, override: str | None
    ) -> Outcome:
        body = {"stage": stage, "reason": reason, "override": override}
        return _outcome(self.client.change("POST", self._item(board, item, "/return"), body))

    # -------------------------------------------------------- hypotheses, experiments

    def state_hypothesis(
        self, *, board: str | None, belief: str, test: str, metric: str, criterion: str
    ) -> Outcome:
        body = {
            "we_believe_that": belief,
            "to_verify_that_we_will": test,
            "and_measure": metric,
            "we_are_right_if": criterion,
        }
        return _outcome(self.client.change("POST", self._on(board, "/hypotheses"), body))

    def hypotheses_view(self, *, board: str | None) -> list[HypothesisView]:
        listed = self.client.get(self._on(board, "/hypotheses"))
        return [HypothesisView.from_json(entry) for entry in listed]

    def start_experiment(self, *, board: str | None, hypothesis: int, title: str | None) -> Outcome:
        body = {"hypothesis": hypothesis, "title": title}
        return _outcome(self.client.change("POST", self._on(board, "/experiments"), body))

    def link_item(self, *, board: str | None, experiment: int, item: int) -> Outcome:
        path = self._on(board, f"/experiments/{experiment}/items")
        return _outcome(self.client.change("POST", path, {"item": item}))

    def unlink_item(self, *, board: str | None, experiment: int, item: int) -> Outcome:
        path = self._on(board, f"/experiments/{experiment}/items/{item}")
        return _outcome(self.client.change("DELETE", path))

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
        body = {
            "verdict": verdict.value,
            "decision": decision.value,
            "we_observed": observed,
            "from_that_we_learned": learned,
            "therefore_we_will": next_step,
        }
        path = self._on(board, f"/experiments/{experiment}/conclude")
        return _outcome(self.client.change("POST", path, body))

    def experiments_view(self, *, board: str | None) -> list[ExperimentView]:
        listed = self.client.get(self._on(board, "/experiments"))
        return [ExperimentView.from_json(entry) for entry in listed]

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
    ) -> Outcome:
        body = {"reason": reason, "stage": stage, "tags": list(tags), "fix": fix, "people": people}
        return _outcome(self.client.change("POST", self._on(board, "/andon/stop"), body))

    def resume_line(self, *, board: str | None, five_whys: FiveWhys, stop: int | None) -> Outcome:
        analysis = five_whys.to_data()
        for level in analysis["whys"]:
            level["effort"] = level.pop("effort_hours")
        body = {"five_whys": analysis, "stop": stop}
        return _outcome(self.client.change("POST", self._on(board, "/andon/resume"), body))

    def stops_view(self, *, board: str | None) -> tuple[str, list[StopView]]:
        answer = self.client.get(self._on(board, "/andon"))
        return str(answer["board"]), [StopView.from_json(entry) for entry in answer["stops"]]

    # ------------------------------------------------------------------ flow figures

    def _figures(
        self, source: Source, filters: Filters, route: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A flow figure of a board, asked of the server with the filters of the options."""
        if source.commitment is not None or source.delivery is not None:
            raise Invalid(
                "--commitment and --delivery were refused: a server measures a board at its own "
                "points; change them with pullflow board set, or run this where the database is."
            )
        window = filters.window()
        query = {
            **params,
            "from": window.first.isoformat() if window.first is not None else None,
            "to": window.last.isoformat() if window.last is not None else None,
            "class": list(filters.classes),
            "type": list(filters.types),
            "where": list(filters.where),
        }
        answer: dict[str, Any] = self.client.get(self._on(source.board, route), query)
        return answer

    def metrics(self, source: Source, filters: Filters, *, hours: bool) -> dict[str, Any]:
        if source.from_file:
            return measured(source, filters, hours=hours)
        return self._figures(source, filters, "/metrics", {"hours": hours})

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
        if source.from_file:
            return when_forecast(
                source, filters, items=items, trials=trials, seed=seed, window=window, target=target
            )
        chosen = day(target, "--target")
        params = {
            "items": items,
            "trials": trials,
            "seed": seed,
            "window": window,
            "target": chosen.isoformat() if chosen is not None else None,
        }
        return self._figures(source, filters, "/forecast/when", params)

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
        if source.from_file:
            return how_many_forecast(
                source, filters, by=by, trials=trials, seed=seed, window=window
            )
        until = day(by, "--by")
        assert until is not None
        params = {"by": until.isoformat(), "trials": trials, "seed": seed, "window": window}
        return self._figures(source, filters, "/forecast/how-many", params)

    # ------------------------------------------------------------- users and tokens

    def create_user(self, *, name: str, password: str, site_admin: bool) -> None:
        body = {"name": name, "password": password, "site_admin": site_admin}
        self.client.change("POST", "/users", body)

    def users(self) -> list[UserView]:
        return [_user_view(entry) for entry in self.client.get("/users")]

    def grant(self, *, board: str, user: str, role: Role | None) -> None:
        path = f"/boards/{segment(board)}/members/{segment(user)}"
        if role is None:
            self.client.change("DELETE", path)
        else:
            self.client.change("PUT", path, {"role": role.value})

    def issue_token(
        self, *, user: str, boards: Sequence[str] | None, label: str
    ) -> tuple[int, str]:
        self._own_tokens(user, "made")
        body = {"label": label, "boards": list(boards) if boards is not None else None}
        answer = self.client.change("POST", "/tokens", body)
        return int(answer["id"]), str(answer["token"])

    def tokens(self, *, user: str) -> list[TokenView]:
        listed = [_token_view(entry) for entry in self.client.get("/tokens")]
        return [view for view in listed if _same_name(view.user, user)]

    def revoke_token(self, *, token: int) -> None:
        self.client.change("DELETE", f"/tokens/{token}")

    def _own_tokens(self, user: str, done: str) -> None:
        """Refuse a token for someone else: on a server, tokens are the token's user's."""
        mine = self.user()
        if mine is not None and _same_name(mine, user):
            return
        who = f" ({mine})" if mine is not None else ""
        raise Invalid(
            f"--user {user.strip()} was refused: on a server a token is {done} for the token's "
            f"user{who}; make tokens for others where the database is."
        )


def _user_view(data: Mapping[str, Any]) -> UserView:
    """A user as ``GET /users`` lists them (their roles by board under ``boards``)."""
    return UserView(
        name=data["name"],
        site_admin=bool(data["site_admin"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        last_login_at=_moment(data.get("last_login_at")),
        roles=dict(data.get("boards") or {}),
    )


def _token_view(data: Mapping[str, Any]) -> TokenView:
    """A token as ``GET /tokens`` lists the caller's (only those that still work)."""
    boards = data.get("boards")
    return TokenView(
        id=int(data["id"]),
        user=str(data["user"]),
        label=str(data.get("label") or ""),
        boards=tuple(boards) if boards is not None else None,
        created_at=datetime.fromisoformat(data["created"]),
        last_used_at=_moment(data.get("last_used")),
        revoked_at=None,
        revoked_by=None,
    )
