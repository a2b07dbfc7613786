"""Competition ranking (1, 2, 2, 4) over rows already sorted best first."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

Row = TypeVar("Row")


def competition_ranks(rows: Sequence[Row], key: Callable[[Row], Hashable]) -> list[int]:
    ranks: list[int] = []
    for index, row in enumerate(rows):
        if index and key(row) == key(rows[index - 1]):
            ranks.append(ranks[-1])
        else:
            ranks.append(index + 1)
    return ranks
