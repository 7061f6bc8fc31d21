"""The documentation holds: its examples run as shown, and its links lead somewhere.

How a page's examples are written (docs/*.md):

- A block fenced as ```console holds commands, each on a line starting ``$ pullflow``, and
  after each the exact output it prints (standard output and error together; trailing
  whitespace is ignored).
- ``$ pullflow …  # exit N`` expects exit code N; without it the command must exit 0.
- ``$ export NAME=VALUE`` sets an environment variable for the rest of the page (this is how
  a page fixes the clock with PULLFLOW_NOW, and moves it on).
- A block fenced as ```console-no-output-check runs the same way, but only its exit codes are
  checked.
- A line ``<!-- file: NAME -->`` right before a fenced block makes its text the file NAME,
  written into the page's folder before the page's first command runs.

Each page runs in a fresh folder of its own, as the login name ``ana``, with COLUMNS=100,
through the command line's own entry point inside the test process (the console-script tests
in tests/cli start the real program).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pullflow.cli.app import run
from tests.commandline import command_built_once, stores_closed_afterwards

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
LOGIN = "ana"

FENCE = re.compile(r"^```(?P<info>\S*)")
FILE_MARK = re.compile(r"^<!--\s*file:\s*(?P<name>\S+)\s*-->$")
EXIT_MARK = re.compile(r"\s+#\s*exit\s+(?P<code>\d+)\s*$")
EXPORT = re.compile(r"^export\s+(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>.*)$")
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
RUN_TAGS = {"console": True, "console-no-output-check": False}
SHELL_TAGS = {"sh", "bash", "shell", "zsh"}


@dataclass
class Step:
    """One ``$`` line of a page: a pullflow command and what it should print, or an export."""

    where: str
    argv: list[str] = field(default_factory=list)
    env: tuple[str, str] | None = None
    output: list[str] = field(default_factory=list)
    exit_code: int = 0
    check_output: bool = True


@dataclass
class Page:
    """What a page asks for: files to write, steps to run, and its other shell lines."""

    files: dict[str, str]
    steps: list[Step]
    shell_lines: list[str]


def read_page(path: Path) -> Page:
    """The page's files and steps, in the order they appear."""
    page = Page(files={}, steps=[], shell_lines=[])
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        body, info = lines[index + 1 : end], fence["info"]
        marked = FILE_MARK.match(lines[index - 1]) if index else None
        if marked:
            page.files[marked["name"]] = "\n".join(body) + "\n"
        elif info in RUN_TAGS:
            page.steps += read_block(body, path.name, index + 2, check=RUN_TAGS[info])
        elif info in SHELL_TAGS:
            page.shell_lines += body
        index = end + 1
    return page


def read_block(body: list[str], name: str, first: int, *, check: bool) -> list[Step]:
    """The steps of one console block whose first line is line ``first`` of page ``name``."""
    steps: list[Step] = []
    for number, line in enumerate(body, start=first):
        place = f"{name}:{number}"
        if not line.startswith("$ "):
            assert steps, f"{place}: a console block starts with a $ line"
            steps[-1].output.append(line)
            continue
        command = line[2:]
        exported = EXPORT.match(command)
        if exported:
            steps.append(Step(place, env=(exported["name"], exported["value"])))
            continue
        marked = EXIT_MARK.search(command)
        argv = shlex.split(command[: marked.start()] if marked else command)
        assert argv[0] == "pullflow", f"{place}: console examples run pullflow, not {argv[0]}"
        code = int(marked["code"]) if marked else 0
        steps.append(Step(place, argv=argv[1:], exit_code=code, check_output=check))
    return steps


def base_environment() -> dict[str, str]:
    """The caller's environment without anything that would change pullflow's output."""
    dropped = ("PULLFLOW_", "FORCE_COLOR", "NO_COLOR", "TTY_", "COLUMNS", "LINES")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(COLUMNS="100", TERM="dumb", PYTHONIOENCODING="utf-8")
    env.update(LOGNAME=LOGIN, USER=LOGIN, USERNAME=LOGIN)
    return env


def cleaned(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def run_pullflow(
    argv: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run one command with exactly ``env`` as its environment; its exit code and output."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        code = run(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("path", PAGES, ids=[path.name for path in PAGES])
def test_examples_print_what_the_page_shows(
    path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = read_page(path)
    for name, text in page.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    env = base_environment()
    with command_built_once(), stores_closed_afterwards(monkeypatch):
        for step in page.steps:
            if step.env is not None:
                env[step.env[0]] = step.env[1]
                continue
            assert "PULLFLOW_NOW" in env, f"{step.where}: export PULLFLOW_NOW first"
            code, output = run_pullflow(step.argv, env, capsys)
            shown = f"{step.where}: $ pullflow {shlex.join(step.argv)}\n{output}"
            assert code == step.exit_code, f"exit {code}, not {step.exit_code}: {shown}"
            if step.check_output:
                assert cleaned(output) == cleaned("\n".join(step.output)), shown


@pytest.mark.parametrize("path", PAGES, ids=[path.name for path in PAGES])
def test_every_pullflow_example_is_a_console_block(path: Path) -> None:
    untested = [line for line in read_page(path).shell_lines if re.match(r"(\$ )?pullflow ", line)]
    assert not untested, f"{path.name}: put these in a console block: {untested}"


def test_the_documentation_pages_are_there() -> None:
    linked = set(LINK.findall((ROOT / "README.md").read_text(encoding="utf-8")))
    assert {f"docs/{path.name}" for path in PAGES} <= {target.split("#")[0] for target in linked}
    assert len(PAGES) >= 6


def without_code(path: Path) -> str:
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL | re.M)


def anchors(path: Path) -> set[str]:
    """The heading anchors of a Markdown page, as GitHub makes them."""
    found: set[str] = set()
    for line in without_code(path).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


@pytest.mark.parametrize("path", [ROOT / "README.md", *PAGES], ids=lambda path: path.name)
def test_relative_links_point_to_existing_files(path: Path) -> None:
    for target in LINK.findall(without_code(path)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue
        name, _, anchor = target.partition("#")
        linked = (path.parent / name).resolve() if name else path
        assert linked.exists(), f"{path.name}: {target} leads nowhere"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{path.name}: {target} names no heading"
