"""Map the per-file unit of work over files: in this process, in worker processes, or on Dask.

Results always come back in input order, as an iterator, so callers can stream them
into the store without holding every document in memory.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any


def map_files(fn: Callable[[Any], Any], paths: Iterable[Any], workers: int = 1,
              engine: str = "local", scheduler: str | None = None) -> Iterator[Any]:
    """Apply ``fn`` to each path and yield the results in input order."""
    if engine != "local" or workers > 1:
        raise NotImplementedError("parallel engines are added in pipeline.executor (issue 7)")
    for p in paths:
        yield fn(p)
