"""Pages as blocks: runs of non-blank lines, each line with its 1-based number."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    number: int
    text: str


Block = tuple[Line, ...]


def split_blocks(text: str) -> list[Block]:
    """Split page text at blank lines; lines keep their numbers and are right-stripped."""
    blocks: list[Block] = []
    current: list[Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.strip():
            current.append(Line(number, line))
        elif current:
            blocks.append(tuple(current))
            current = []
    if current:
        blocks.append(tuple(current))
    return blocks


class BlockCursor:
    """A read position over blocks, so parsers read a page top to bottom exactly once."""

    def __init__(self, blocks: list[Block]) -> None:
        self._blocks = blocks
        self._at = 0

    def peek(self) -> Block | None:
        return self._blocks[self._at] if self._at < len(self._blocks) else None

    def take(self) -> Block | None:
        block = self.peek()
        if block is not None:
            self._at += 1
        return block

    @property
    def done(self) -> bool:
        return self._at >= len(self._blocks)

    def last_line(self) -> int:
        """Line number of the last line read so far (for end-of-page errors)."""
        if self._at == 0 or not self._blocks:
            return 1
        return self._blocks[self._at - 1][-1].number
