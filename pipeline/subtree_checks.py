"""The cross-document checks of figures, a roster subtree at a time.

:func:`pipeline.crossflags.cross_document_flags` compares the figures of a whole corpus at
once; for a province's tens of thousands of reports that is every additive figure in memory.
But each check compares the figures of one unit (two documents that disagree, a jump from one
year to the next), of a unit and its ancestors (a unit above an ancestor's figure, a parent
below its children's sum), or pools per-unit counts (round numbers).  So:

1. the roster is cut into whole subtrees, packed into chunks of at most ``budget`` figures
   (:func:`pipeline.subtrees.partition`); the units above them, whose subtrees are larger
   (a province, its cities), are the "upper" units;
2. the upper units' figures are checked first and their values per metric kept;
3. each chunk is read and checked alone, against its own values and the upper units'; the
   values of its top units (children of upper units) are kept;
4. the upper parents are compared with their children's kept values; the round-number test
   runs on the per-unit counts, and the figures of the units it flags are read again.

The flags are those of the whole-corpus function (``tests/test_subtree_checks.py`` compares
them on generated rosters and on a stored corpus); memory holds one chunk's figures, the
upper units' values and one row per unit.  :func:`stored_copies` and
:func:`stored_figure_flags` run them on a store.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from pipeline import crossflags as cf
from pipeline.forked import Deferred
from pipeline.subtrees import Loader, held_loader, partition

#: The most figures checked in a forked child beside the rest of the build (read first,
#: all at once: the child cannot use the store's connection): 110,000 at 2,000 reports.
FORK_FIGURES = 150_000


def _values(m: pd.DataFrame) -> pd.DataFrame:
    """:func:`crossflags._unit_values` plus where each group first appears (``_doc``,
    ``_q``), so values kept from several chunks can be put back in corpus order."""
    v = cf._unit_values(m)
    first = m.groupby(cf._G, sort=False)[["doc_id", "q_index"]].first()
    return v.assign(_doc=first["doc_id"].to_numpy(), _q=first["q_index"].to_numpy())


class _ChildSums:
    """The last check's side of the chunks: the upper units' children, summed per (parent,
    year, metric) as the chunks are read (their total, their number and the first
    :data:`crossflags.MAX_CHILDREN_SHOWN` of them in report order), so that memory holds a
    few rows per upper unit's metric, not every child's values."""

    BY = ["parent", "year", *cf._KEY]
    KEEP = ["unit_id", "text", "doc_id", "_doc", "_q"]
    #: Rows held before the partial sums are summed again.
    COMPACT_AT = 50_000

    def __init__(self, parent: Mapping[str, str | None], upper: set):
        self.parent, self.upper = parent, upper
        self.sums: list[pd.DataFrame] = []
        self.shown: list[pd.DataFrame] = []
        self.held = 0

    def add(self, v: pd.DataFrame) -> None:
        """Count the rows of ``v`` (:func:`_values`) whose parent is an upper unit."""
        par = [self.parent.get(u) for u in v["unit_id"].tolist()]
        is_kid = np.array([p in self.upper for p in par], dtype=bool)
        if not is_kid.any():
            return
        k = v.loc[is_kid, [*cf._G, "lo_max", *self.KEEP[1:]]].assign(
            parent=[p for p, i in zip(par, is_kid) if i])
        self.sums.append(k.groupby(self.BY, sort=False).agg(
            total=("lo_max", "sum"), n=("lo_max", "size")).reset_index())
        self.shown.append(self._first(k[[*self.BY, *self.KEEP]]))
        self.held += len(self.sums[-1]) + len(self.shown[-1])
        if self.held > self.COMPACT_AT:
            self._compact()

    def _first(self, k: pd.DataFrame) -> pd.DataFrame:
        k = k.astype({c: object for c in ("text",) if isinstance(k[c].dtype, pd.CategoricalDtype)})
        k = k.sort_values(["_doc", "_q"], kind="stable", ignore_index=True)
        return k.groupby(self.BY, sort=False).head(cf.MAX_CHILDREN_SHOWN)

    def _compact(self) -> None:
        sums = pd.concat(self.sums, ignore_index=True)
        self.sums = [sums.groupby(self.BY, sort=False).agg(
            total=("total", "sum"), n=("n", "sum")).reset_index()]
        self.shown = [self._first(pd.concat(self.shown, ignore_index=True))]
        self.held = len(self.sums[0]) + len(self.shown[0])

    def flags(self, top_values: pd.DataFrame | None, units: pd.DataFrame) -> list[dict]:
        """The parents among ``top_values`` (the upper units' values) whose figure is below
        their children's sum, as :func:`crossflags._parents` would flag them."""
        if not self.sums or top_values is None or not len(top_values):
            return []
        self._compact()
        sums, shown = self.sums[0], self.shown[0]
        tops = top_values[cf._G].assign(top=np.arange(len(top_values)))
        tot = sums.merge(tops.rename(columns={"unit_id": "parent"}), on=self.BY, how="inner")
        tot = tot[top_values["hi"].to_numpy()[tot["top"].to_numpy()]
                  < tot["total"].to_numpy() - 1e-9]
        if tot.empty:
            return []
        groups: dict[tuple, list[tuple]] = {}
        for *key, u, t, d in zip(*(shown[c].tolist() for c in [*self.BY, *self.KEEP[:3]])):
            groups.setdefault(tuple(key), []).append((u, t, d))
        first = {key: i for i, key in enumerate(groups)}  # groups in report order
        tot = tot.assign(first=[first[k] for k in zip(*(tot[c].tolist() for c in self.BY))])
        tot = tot.sort_values("first")
        name = cf.unit_column(units, "unit_name", {u for ks in groups.values()
                                                   for u, _, _ in ks[:cf.MAX_CHILDREN_SHOWN]})
        return [cf.parent_flag(top, r, groups[(r.parent, r.year, r.subj, r.kind, r.cat)], r.n,
                               name)
                for r, top in zip(tot.itertuples(index=False),
                                  cf._records(top_values, tot["top"]))]


def subtree_flags(units: pd.DataFrame, weights: Mapping[str, int], load: Loader,
                  budget: int | None = None) -> pd.DataFrame:
    """The flags of :func:`crossflags.cross_document_flags` other than copied passages,
    reading the figures (the slim additive quantities, with ``q_index``) a chunk at a time
    through ``load`` (see :data:`Loader`); ``weights``: figures per unit."""
    return pd.concat(list(subtree_flag_frames(units, weights, load, budget)),
                     ignore_index=True)


def subtree_flag_frames(units: pd.DataFrame, weights: Mapping[str, int], load: Loader,
                        budget: int | None = None) -> Iterator[pd.DataFrame]:
    """:func:`subtree_flags` as frames, each chunk's flags as soon as they are raised (then
    the flags of the upper parents and of round numbers), so that a caller can store them
    and hold none: at 100,000 reports the 126,338 flags held until the last chunk took
    about 80 MB of Arrow's memory alone."""
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    part = partition(parent, weights, budget)
    upper = set(part.upper)
    anc = cf._ancestors(units) if len(units) else pd.DataFrame(columns=["unit_id", "anc", "depth"])
    top_values: pd.DataFrame | None = None  # the upper units' values
    children = _ChildSums(parent, upper)  # the upper units' children's, summed
    stats: list[pd.DataFrame] = []
    for chunk, q in load(part.frame()):
        stats.append(cf._round_stats(cf._round_rows(q)))
        m = cf._metrics(q)
        if m.empty:
            continue
        v = _values(m)
        rows = cf._conflicts(m) + cf._year_jumps(m)
        if chunk == 0:
            top_values, against = v, v
        else:
            rows += cf._parents(v, units, parent) if len(units) else []
            against = v if top_values is None else pd.concat([v, top_values], ignore_index=True)
        if len(units):
            children.add(v)
            rows += cf._ancestor_jumps(m, against, units, anc)
        yield cf.as_frame(rows)
    yield cf.as_frame(children.flags(top_values, units) + _round_flags(stats, load))


def _round_flags(stats: list[pd.DataFrame], load: Loader) -> list[dict]:
    """The round_numbers flags from every chunk's per-unit counts; the flagged units'
    figures are read again."""
    stats = [s for s in stats if len(s)]
    if not stats:
        return []
    tests = cf._round_tests(pd.concat(stats).sort_index())
    if not tests:
        return []
    again = pd.DataFrame({"unit_id": pd.Series([t[0] for t in tests], dtype=str),
                          "chunk": pd.Series([0] * len(tests), dtype="int64")})
    q = pd.concat([f for _, f in load(again)], ignore_index=True)
    r = cf._round_rows(q)
    return [cf._round_flag(r, t) for t in tests]


def cross_flags(documents: pd.DataFrame, texts: Mapping[str, str], units: pd.DataFrame,
                weights: Mapping[str, int], load: Loader, budget: int | None = None,
                shared=None, min_copy_chars: int = cf.MIN_COPY_CHARS) -> pd.DataFrame:
    """:func:`crossflags.cross_document_flags`, with the figures read a subtree at a time."""
    # the copies first: the copy search's peak is then beside no flag of figures
    copied = _copies(documents, texts, min_copy_chars, shared)
    out = subtree_flags(units, weights, load, budget)
    return out if copied is None else pd.concat([out, copied], ignore_index=True)


def _copies(documents: pd.DataFrame | None, texts: Mapping[str, str], min_chars: int,
            shared=None) -> pd.DataFrame | None:
    """The copied_text flags as a frame (None without documents or texts)."""
    if documents is None or documents.empty or not texts:
        return None
    return cf.as_frame(cf._copied(documents, texts, min_chars, shared))


def stored_copies(docs: pd.DataFrame, store, stager) -> None:
    """The copied_text flags of :func:`cross_flags` over the store's counted reports
    ``docs``, staged as the flags of ``stager`` (:class:`pipeline.staging.Stager`;
    :meth:`pipeline.store.Store.replace_derived` sorts and numbers them with the others):
    the shared fingerprints found by DuckDB, the texts streamed."""
    from pipeline.consolidation import conform
    from pipeline.store import SCAN_MEMORY_LIMIT
    from pipeline.store_reads import Texts, shared_fingerprints

    store.backfill_fingerprints()  # documents stored by an older version have none
    store.reattach()  # the metadata of the row groups the build has read so far
    texts = Texts(store, docs["doc_id"])
    d = conform(docs, "documents")
    # DuckDB capped meanwhile: the texts are filtered reads (the query of shared
    # fingerprints raises the cap for its passes)
    with store.capped(SCAN_MEMORY_LIMIT):
        copied = _copies(d, texts, cf.MIN_COPY_CHARS, shared_fingerprints(store, list(d["doc_id"])))
    if copied is not None:
        stager.add("flags", copied)


def stored_figure_flags(units: pd.DataFrame, store, stager) -> None:
    """The other flags of :func:`cross_flags` (the checks of figures) over the store's
    counted quantities, staged as the flags of ``stager`` as each chunk of subtrees raises
    them: the additive quantities' slim columns are read a chunk at a time, with DuckDB
    held to the scan cap; each flag's sentence is looked up when they are copied into
    place (:meth:`pipeline.staging.Stager.cross_flags_sql`)."""
    from pipeline.store import SCAN_MEMORY_LIMIT

    weights, load = _figures(store)
    with store.capped(SCAN_MEMORY_LIMIT):
        for frame in subtree_flag_frames(units, weights, load):
            stager.add("flags", frame)


def forked_figure_flags(units: pd.DataFrame, store) -> Deferred | None:
    """:func:`stored_figure_flags`' flags as one frame (to stage where it would have staged
    them), made in a forked child from figures read now, when there are at most
    :data:`FORK_FIGURES`; otherwise None, and nothing is read."""
    from pipeline.store import SCAN_MEMORY_LIMIT

    weights, load = _figures(store)
    if not weights or sum(weights.values()) > FORK_FIGURES:
        return None
    everyone = pd.DataFrame({"unit_id": pd.Series(list(weights), dtype=str),
                             "chunk": np.zeros(len(weights), dtype="int64")})
    with store.capped(SCAN_MEMORY_LIMIT):
        rows = pd.concat([f for _, f in load(everyone)], ignore_index=True)
    return Deferred(subtree_flags, units, weights, held_loader(rows), fork=True)


def _figures(store) -> tuple[dict[str, int], Loader]:
    """The checks of figures' weights (figures per unit) and loader (their slim columns)."""
    from pipeline import details
    from pipeline.store_reads import sql_list

    where = f"kind IN ({sql_list(sorted(cf.ADDITIVE))}) AND unit_id IS NOT NULL"
    weights = details.weights(store, where)
    columns = ["doc_id", "q_index", "unit_id", "year", "text", "value", "low", "high", "kind",
               "approx", "redacted", "subject", "role", "category", "source", "start", "end"]
    store.reattach()  # the metadata of the row groups the build has read so far

    def load(assignment):  # the figures' chunks
        yield from details.slim_by_chunk(store, columns, where, assignment)
    return weights, load
