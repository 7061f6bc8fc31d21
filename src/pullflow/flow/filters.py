"""Filters that narrow a history to some items: class of service, item type, any attribute.

Matching ignores case and surrounding spaces. An attribute that holds a list (values split by
``|`` or ``;``, as exports write them) matches when any of its values does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from pullflow.domain.errors import Invalid
from pullflow.flow.history import Flags, History, Texts

_LIST = re.compile(r"\s*[|;]\s*")


def select(
    history: History,
    *,
    service_classes: Sequence[str] = (),
    attributes: Mapping[str, Sequence[str]] | None = None,
) -> History:
    """The history of the items that match every filter given (all items when none is)."""
    keep = np.ones(len(history), dtype=bool)
    if service_classes:
        keep &= _matches(history.catalogue.service_class, service_classes)
    for name, wanted in (attributes or {}).items():
        keep &= _matches(_attribute(history, name), wanted)
    return history if keep.all() else history.subset(keep)


def parse_filter(text: str) -> tuple[str, str]:
    """Read ``KEY=VALUE`` as given to ``--where``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise Invalid(f"The filter {text!r} was refused: write it as KEY=VALUE, such as type=bug.")
    return key.strip(), value.strip()


def _attribute(history: History, name: str) -> Texts:
    known = {key.lower(): values for key, values in history.catalogue.attributes.items()}
    values = known.get(name.strip().lower())
    if values is None:
        listed = ", ".join(sorted(history.catalogue.attributes)) or "none"
        raise Invalid(
            f"No item has the attribute {name!r}, so it cannot filter: the attributes are {listed}."
        )
    return values


def _matches(values: Texts, wanted: Sequence[str]) -> Flags:
    targets = {value.strip().lower() for value in wanted}
    lowered = np.char.lower(np.asarray(values, dtype=str))
    whole = np.isin(lowered, list(targets))
    listed = np.char.find(lowered, "|") >= 0
    listed |= np.char.find(lowered, ";") >= 0
    if listed.any():
        rows = np.flatnonzero(listed)
        whole[rows] = [bool(targets & set(_LIST.split(str(lowered[i])))) for i in rows]
    return np.asarray(whole, dtype=bool)
