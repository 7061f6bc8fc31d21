#!/usr/bin/env python3
"""Set up and run pullflow from a fresh clone: ``python3 dev.py demo`` or ``python3 dev.py test``.

Each command first makes sure a local virtual environment (``.venv``) exists with pullflow and
its dependencies installed, reinstalling when ``pyproject.toml`` changes; nothing is installed
outside the project folder.

    python3 dev.py demo ARGS   the web board with the demo board, on a throw-away database
                               (pullflow serve --demo ARGS; open the link it prints)
    python3 dev.py tour        the guided terminal demo on a throw-away SQLite database
    python3 dev.py test        lint, types, architecture and the whole test suite
    python3 dev.py bench       the benchmarks under bench/ (figures printed)
    python3 dev.py run ARGS    any pullflow command, e.g. python3 dev.py run board show

The tests use PostgreSQL at PULLFLOW_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test); without it those tests are skipped with the
reason, unless PULLFLOW_REQUIRE_POSTGRES=1, which makes such a skip a failure (CI sets it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".pullflow-installed"


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        print("pullflow needs Python 3.11 or newer: run this with python3.11 or later.")
        return 2
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    commands = {"demo": demo, "tour": tour, "test": test, "bench": bench, "run": run}
    if command not in commands:
        print(__doc__)
        return 0 if command in {"help", "-h", "--help"} else 2
    return commands[command](rest)


def demo(args: list[str]) -> int:
    ensure_environment(extras="")
    return call([str(BIN / "pullflow"), "serve", "--demo", *args])


def tour(args: list[str]) -> int:
    ensure_environment(extras="")
    return call([str(BIN / "pullflow"), "demo", *args])


def run(args: list[str]) -> int:
    ensure_environment(extras="")
    return call([str(BIN / "pullflow"), *args])


def test(args: list[str]) -> int:
    ensure_environment(extras="test")
    checks = [
        [str(BIN / "ruff"), "check", "src", "tests", "bench", "dev.py"],
        [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "dev.py"],
        [str(BIN / "mypy")],
        [str(BIN / "lint-imports")],
    ]
    for check in checks:
        code = call(check)
        if code:
            return code
    ensure_chromium()
    return call([str(PYTHON), "-m", "pytest", *args])


def ensure_chromium() -> None:
    """Install Debian's Chromium for the browser tests unless it is there, in one line of output.

    Without it (no apt-get, no root and no password-less sudo, or the install failed) the
    browser tests are skipped with the reason; PULLFLOW_REQUIRE_BROWSER=1 makes that a failure.
    """
    chromium = Path(os.environ.get("PULLFLOW_CHROMIUM", "/usr/bin/chromium"))
    if chromium.exists():
        return
    prefix = [] if not hasattr(os, "geteuid") or os.geteuid() == 0 else ["sudo", "-n"]
    missing = [tool for tool in ["apt-get", *prefix[:1]] if shutil.which(tool) is None]
    if missing:
        print(f"No {chromium} and no {missing[0]} to install it: the browser tests are skipped.")
        return
    print(f"No {chromium}: installing Debian's chromium (apt-get install -y chromium) …", end="")
    sys.stdout.flush()

    def apt_get(*words: str) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = [*prefix, "apt-get", "-q", *words]
        return subprocess.run(command, env=environment, capture_output=True, text=True)

    installed = apt_get("install", "-y", "chromium")
    if installed.returncode != 0:
        apt_get("update")
        installed = apt_get("install", "-y", "chromium")
    if chromium.exists():
        print(" installed.")
        return
    said = (installed.stderr.strip().splitlines() or [f"exit code {installed.returncode}"])[-1]
    print(f" not installed ({said}): the browser tests are skipped.")


def bench(args: list[str]) -> int:
    ensure_environment(extras="test")
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    for script in scripts:
        code = call([str(PYTHON), str(script), *args])
        if code:
            return code
    return 0


def ensure_environment(*, extras: str) -> None:
    """Create .venv and install pullflow (with extras) unless the same install is there."""
    wanted = fingerprint(extras)
    if PYTHON.exists() and STAMP.exists() and satisfied(STAMP.read_text(), wanted):
        return
    if not PYTHON.exists():
        print("Creating a virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing pullflow and its dependencies into .venv …", flush=True)
    quiet = ["--quiet", "--disable-pip-version-check"]
    check([str(PYTHON), "-m", "pip", "install", *quiet, "--upgrade", "pip"])
    target = f".[{extras}]" if extras else "."
    check([str(PYTHON), "-m", "pip", "install", *quiet, "--editable", target], cwd=ROOT)
    STAMP.write_text(wanted)


def fingerprint(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"{digest} {extras}".strip()


def satisfied(installed: str, wanted: str) -> bool:
    """An install with the test extras also serves a plain run of the same pyproject."""
    return installed == wanted or (installed.split()[0] == wanted and installed.endswith("test"))


def call(command: list[str]) -> int:
    return subprocess.call(command, cwd=ROOT if command[0] != str(BIN / "pullflow") else None)


def check(command: list[str], cwd: Path | None = None) -> None:
    code = subprocess.call(command, cwd=cwd)
    if code:
        print(f"Set-up failed: {' '.join(command)} exited with {code}.")
        sys.exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
