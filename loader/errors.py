"""Errors the loader raises for bad input; each names the file (and line where it helps)."""

from __future__ import annotations

from pathlib import Path


class LoaderError(Exception):
    """Base class of every error caused by input the loader cannot accept."""


class PageError(LoaderError):
    """A page that cannot be parsed: names the source and, where known, the line."""

    def __init__(self, source: str | Path, message: str, line: int | None = None) -> None:
        self.source = str(source)
        self.line = line
        self.reason = message
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type, tuple[str, str, int | None]]:
        return (self.__class__, (self.source, self.reason, self.line))  # picklable: worker processes return it


class UnknownFormatError(PageError):
    """The page matches none of the known formats."""
