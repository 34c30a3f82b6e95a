"""The command line (`python -m metrics …` or `python -m cli …`): the same db/ and metrics/
functions as the dashboard, one exit-code policy (`cli.app`)."""

from cli.app import main

__all__ = ["main"]
