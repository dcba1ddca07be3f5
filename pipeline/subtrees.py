"""Whole subtrees of the roster packed into chunks of bounded weight, and reading the
store a chunk at a time: how the consolidation's per-unit work (the checks of figures,
the roll-up of aggregates, the unmet targets) runs over any number of units with bounded
memory.

A chunk is a set of whole subtrees (every descendant of each of its units is in it); the
units above them, whose subtrees weigh more than a chunk may, are the "upper" units
(chunk 0), checked or rolled up last with what each chunk kept of its top units.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

#: The most rows (figures, or scope-own aggregates) read and worked on at once: whole
#: subtrees; a single unit with more is still read whole.
CHUNK_ROWS = 50_000
#: ``load(assignment)``: given a frame (unit_id, chunk), yield (chunk, that chunk's rows)
#: for every chunk with rows, in chunk order (figures in document order).
Loader = Callable[[pd.DataFrame], Iterator[tuple[int, pd.DataFrame]]]


@dataclass
class Partition:
    """Units above the chunks (checked first) and the chunks (lists of whole subtrees)."""

    upper: list[str]
    chunks: list[list[str]]

    def frame(self) -> pd.DataFrame:
        """(unit_id, chunk): 0 for the upper units, then 1, 2, … for the chunks."""
        ids = [*self.upper, *(u for c in self.chunks for u in c)]
        nums = [0] * len(self.upper) + [i for i, c in enumerate(self.chunks, 1) for _ in c]
        return pd.DataFrame({"unit_id": pd.Series(ids, dtype=str),
                             "chunk": pd.Series(nums, dtype="int64")})


def _parent_map(parents: Mapping[str, object], nodes: set[str]) -> dict[str, str]:
    return {u: p for u, p in parents.items()
            if u in nodes and isinstance(p, str) and p in nodes and p != u}


def _rooted(nodes: list[str], par: dict[str, str]) -> dict[str, bool]:
    """For each unit, whether its chain of parents ends at a root (False: in or under a
    cycle of the roster)."""
    state: dict[str, bool] = {}
    for u in nodes:
        path, seen, x = [], set(), u
        while x is not None and x not in state and x not in seen:
            path.append(x)
            seen.add(x)
            x = par.get(x)
        ok = True if x is None else state.get(x, False)
        for y in path:
            state[y] = ok
    return state


def partition(parents: Mapping[str, object], weights: Mapping[str, int],
              budget: int | None = None) -> Partition:
    """Cut the roster (``parents``: unit -> parent) into whole subtrees of at most ``budget``
    total weight (``weights``: unit -> figures; units of ``weights`` missing from
    ``parents`` are roots), packed in roster order into chunks of at most ``budget`` (a
    single unit above it gets a chunk of its own).  Units whose subtree weighs more, and
    units in or under a cycle, are upper units.  Subtrees without figures are left out.
    ``budget`` defaults to :data:`CHUNK_ROWS` (read when called)."""
    budget = budget or CHUNK_ROWS
    nodes = sorted(set(parents) | set(weights))
    par = _parent_map(parents, set(nodes))
    state = _rooted(nodes, par)
    kids: dict[str, list[str]] = {}
    for u in nodes:
        if state[u] and u in par:
            kids.setdefault(par[u], []).append(u)
    roots = [u for u in nodes if state[u] and u not in par]
    order, queue = [], deque(roots)
    while queue:
        u = queue.popleft()
        order.append(u)
        queue.extend(kids.get(u, []))
    total = {u: int(weights.get(u, 0) or 0) for u in order}
    for u in reversed(order):
        if u in par:
            total[par[u]] += total[u]
    upper = [u for u in nodes if not state[u]]
    pieces, stack = [], roots[::-1]
    while stack:
        u = stack.pop()
        if total[u] <= budget or not kids.get(u):
            if total[u]:
                pieces.append(u)
        else:
            upper.append(u)
            stack.extend(kids[u][::-1])
    chunks: list[list[str]] = []
    size = budget + 1
    for root in pieces:
        if size + total[root] > budget:
            chunks.append([])
            size = 0
        members, queue = [], deque([root])
        while queue:
            u = queue.popleft()
            members.append(u)
            queue.extend(kids.get(u, []))
        chunks[-1] += members
        size += total[root]
    return Partition(sorted(upper), chunks)


def read_by_chunk(store, sql: str, assignment: pd.DataFrame, params: list | None = None,
                  rows: int = 65536):
    """(chunk, frame) for each chunk of ``assignment`` (unit_id, chunk), in chunk order:
    ``sql`` is a query that joins the temporary table ``chunk_of`` (unit_id, chunk) and
    selects ``chunk AS _chunk``, ordered by it first (``params``: its parameters).  One
    query, read a chunk at a time (the store's connection serves nothing else until the
    last chunk is read)."""
    from pipeline.store_reads import frames_by, temp_table

    temp_table(store, "chunk_of", assignment[["unit_id", "chunk"]])
    yield from frames_by(store.con.sql(sql, params=params or None).to_arrow_reader(rows),
                         "_chunk")


def held_loader(rows: pd.DataFrame) -> Loader:
    """A :data:`Loader` over figures read beforehand: ``rows`` holds every unit's (with its
    ``unit_id``) in document order, as one query of :func:`read_by_chunk` with all units in
    one chunk gives them.  For each chunk of an assignment it yields that chunk's units' rows
    in document order, as the store's loader does, without the store (a forked child
    cannot use its connection)."""
    def load(assignment: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
        chunk = rows["unit_id"].map(dict(zip(assignment["unit_id"], assignment["chunk"])))
        # units outside the assignment (NaN) left out; each group keeps document order
        for number, frame in rows.groupby(chunk, sort=True):
            yield int(number), frame.reset_index(drop=True)
    return load

