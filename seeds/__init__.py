"""The five seed pages the project was created from: the embedded default data set."""

from __future__ import annotations

from pathlib import Path

SEEDS_DIR = Path(__file__).parent


def seed_files() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt"))
