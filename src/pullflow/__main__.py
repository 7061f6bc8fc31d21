"""Run the command line with ``python -m pullflow``."""

from pullflow.cli.app import main

main()
