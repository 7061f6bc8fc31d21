"""Readers and writers for other tools' exports: ActionableAgile, Jira, Trello, events CSV."""

from pullflow.imports.actionable_agile import read_actionable_agile, write_actionable_agile
from pullflow.imports.convert import to_history
from pullflow.imports.event_log import read_event_log, write_event_log
from pullflow.imports.events import read_events
from pullflow.imports.files import (
    ALIASES,
    CSV_FORMATS,
    EXPORTS,
    FORMATS,
    detect_csv_format,
    export_text,
    read_file,
    read_history,
)
from pullflow.imports.jira import read_jira
from pullflow.imports.trello import read_trello

__all__ = [
    "ALIASES",
    "CSV_FORMATS",
    "EXPORTS",
    "FORMATS",
    "detect_csv_format",
    "export_text",
    "read_actionable_agile",
    "read_event_log",
    "read_events",
    "read_file",
    "read_history",
    "read_jira",
    "read_trello",
    "to_history",
    "write_actionable_agile",
    "write_event_log",
]
