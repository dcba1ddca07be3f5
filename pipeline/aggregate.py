"""Sums of quantities per unit × year × category × kind, rolled up the roster.

Rules (no double counting):
- only quantities with role ``achieved`` are summed (targets, plans, stocks and historical
  figures are never added to achievements);
- kinds are never mixed (人次 is not added to 人); only countable kinds are summed
  (people, person_times, funds, events, organizations, items) — percentages are not;
- a quantity that is a part of a stated total (``links.part_of``) is not added again, and
  cumulative/previous-period figures (累计, 去年, 上年, 历年, 以来) are left out;
- exact values give ``exact_sum``; approximate values (近/余/多/约/ranges) widen the
  interval ``[low_sum, high_sum]`` (which includes the exact values); redacted values are
  only counted (``n_redacted``).

Scope ``own`` is what a unit's own reports state.  Scope ``children`` rolls up the roster:
for each direct child, the child's own figures of a kind for a year — or, when the child
stated no figure of that kind for that year, the child's own ``children`` figures.  A county
report usually already covers its townships, so adding both would count the townships
twice (and category labels are too noisy to decide that per category).  The ``children``
row is shown beside the parent's own stated total, never added to it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.consolidation import COLUMNS
from pipeline.store_reads import sql_list

SUMMABLE_KINDS = ("people", "person_times", "funds", "events", "organizations", "items")
DEFAULT_CATEGORY = "other"
_PERIOD_EXCLUDE = ("累计", "去年", "上年", "历年", "以来", "前年")
_KEY = ["unit_id", "year", "category", "kind"]
_VALS = ["exact_sum", "low_sum", "high_sum", "n_exact", "n_approx", "n_redacted", "n_units"]


def _summable_sql() -> str:
    """The module rule as a SQL predicate over a quantities relation ``q``."""
    return (f"(q.role = 'achieved' AND q.kind IN ({sql_list(SUMMABLE_KINDS)})"
            " AND q.unit_id IS NOT NULL AND q.part_of IS NULL AND NOT regexp_matches("
            f"coalesce(CAST(q.period AS VARCHAR), ''), '{'|'.join(_PERIOD_EXCLUDE)}'))")


SUMMABLE = _summable_sql()
_COLUMNS = ("role", "kind", "unit_id", "part_of", "period", "year", "category", "value", "low",
            "high", "approx", "redacted")
#: Scope ``own``: one row per unit × year × category × kind of the summable rows of ``q``.
_OWN = f"""
WITH s AS (
  SELECT q.unit_id, TRY_CAST(q.year AS BIGINT) AS year,
         coalesce(nullif(CAST(q.category AS VARCHAR), ''), '{DEFAULT_CATEGORY}') AS category,
         q.kind, CAST(q.value AS DOUBLE) AS value, CAST(q.low AS DOUBLE) AS low,
         CAST(q.high AS DOUBLE) AS high, coalesce(CAST(q.redacted AS BOOLEAN), false) AS red,
         coalesce(CAST(q.approx AS BOOLEAN), false) AND NOT coalesce(CAST(q.redacted AS BOOLEAN),
         false) AS appr
  FROM q WHERE {SUMMABLE}),
t AS (
  SELECT *, NOT red AND NOT appr AND value IS NOT NULL AS exact,
         appr AND low IS NOT NULL AND high IS NOT NULL AS ranged FROM s)
SELECT unit_id, year, category, kind,
       sum(CASE WHEN exact THEN value ELSE 0.0 END) AS exact_sum,
       sum(CASE WHEN exact THEN value WHEN ranged THEN low ELSE 0.0 END) AS low_sum,
       sum(CASE WHEN exact THEN value WHEN ranged THEN high ELSE 0.0 END) AS high_sum,
       count(*) FILTER (WHERE exact) AS n_exact, count(*) FILTER (WHERE ranged) AS n_approx,
       count(*) FILTER (WHERE red) AS n_redacted, 1 AS n_units
FROM t GROUP BY ALL ORDER BY ALL NULLS FIRST"""


def _relation(quantities):
    """``quantities`` (a DataFrame or a DuckDB relation) as a relation with every column
    the rule reads (missing ones are null)."""
    import duckdb

    if isinstance(quantities, duckdb.DuckDBPyRelation):
        return quantities
    df = quantities.assign(**{c: None for c in _COLUMNS if c not in quantities.columns})
    return duckdb.connect().from_df(df[list(_COLUMNS)])


def summable_mask(q: pd.DataFrame) -> pd.Series:
    """Which quantity rows may be added up (see the module rules), in row order."""
    if not len(q):
        return pd.Series(False, index=q.index)
    keep = _relation(q).query("q", f"SELECT {SUMMABLE} AS keep FROM q").fetchnumpy()["keep"]
    return pd.Series(keep.astype(bool), index=q.index)


def own_aggregates(quantities) -> pd.DataFrame:
    """Scope ``own`` rows from the current, relevant quantities (with unit_id): a DataFrame
    or a DuckDB relation (so a store's quantities are summed where they are)."""
    own = _relation(quantities).query("q", _OWN).df()
    if not len(own):
        return pd.DataFrame(columns=_KEY + _VALS)
    own["year"] = own["year"].astype("Int64")
    return own


def _by_unit(own: pd.DataFrame) -> dict[str, dict[tuple, np.ndarray]]:
    """Scope ``own`` rows as unit -> (year, category, kind) -> the values :data:`_VALS`."""
    own_by: dict[str, dict[tuple, np.ndarray]] = {}
    if len(own):  # whole columns as lists (iterating pandas columns goes a value at a time)
        vals = own[_VALS].to_numpy(dtype=float, na_value=np.nan)
        for uid, year, cat, kind, row in zip(*(own[c].tolist() for c in _KEY), vals):
            key = (None if pd.isna(year) else int(year), cat, kind)
            own_by.setdefault(uid, {})[key] = row.copy()
    return own_by


def _roll(own_by: dict, parents: dict[str, str | None], seeds: dict | None = None):
    """(children, effective): per unit, the summed effective figures of its direct children,
    and the figures that stand for its whole area (its own, else its children's); units of
    ``seeds`` (unit -> effective, rolled up elsewhere) are taken as they are."""
    kids: dict[str, list[str]] = {}
    for uid, pid in parents.items():
        if pid and pid in parents and pid != uid:
            kids.setdefault(pid, []).append(uid)
    children: dict[str, dict[tuple, np.ndarray]] = {}
    effective: dict[str, dict[tuple, np.ndarray]] = dict(seeds or {})

    def visit(uid: str, path: frozenset) -> dict[tuple, np.ndarray]:
        if uid in effective:
            return effective[uid]
        acc: dict[tuple, np.ndarray] = {}
        for k in sorted(kids.get(uid, [])):
            if k in path:  # a cycle in the roster: ignore the back edge
                continue
            for key, vec in visit(k, path | {k}).items():
                acc[key] = acc[key] + vec if key in acc else vec.copy()
        children[uid] = acc
        own = own_by.get(uid, {})
        stated = {(year, kind) for year, _, kind in own}
        # a unit that states a kind for a year speaks for its whole area for that kind
        eff = {k: v for k, v in acc.items() if (k[0], k[2]) not in stated}
        eff.update(own)
        effective[uid] = eff
        return eff

    for uid in sorted(parents):
        visit(uid, frozenset({uid}))
    # ``visit`` refers to itself through its closure: a reference cycle that would keep
    # ``children`` and ``effective`` (every unit's figures) alive until a full collection
    visit = None  # noqa: F841
    return children, effective


def _rows(children: dict) -> pd.DataFrame:
    rows = [(uid, *key, *vec) for uid, acc in children.items() for key, vec in acc.items()]
    return pd.DataFrame(rows, columns=_KEY + _VALS)


def roll_up(own: pd.DataFrame, parents: dict[str, str | None]) -> pd.DataFrame:
    """Scope ``children`` rows for every unit that has descendants with figures.

    ``parents`` maps unit_id -> parent unit_id (roster).  Units not in ``parents`` are
    treated as roots.
    """
    return _rows(_roll(_by_unit(own), parents)[0])


def _parents(units: pd.DataFrame, own_units) -> dict[str, str | None]:
    parents = {u: (p if isinstance(p, str) and p else None)
               for u, p in zip(units["unit_id"], units["parent_id"])}
    for uid in own_units:
        parents.setdefault(uid, None)
    return parents


def aggregates(quantities: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The contract's aggregates table (plus ``n_units``: units contributing)."""
    own = own_aggregates(quantities)
    return _table([own.assign(scope="own"),
                   roll_up(own, _parents(units, own["unit_id"].unique())).assign(scope="children")])


def subtree_aggregates(units: pd.DataFrame, weights: dict[str, int], load,
                       budget: int | None = None, sink=None) -> pd.DataFrame | None:
    """:func:`aggregates`, rolled up a chunk of whole subtrees at a time
    (:func:`pipeline.subtrees.partition`; ``weights``: own rows per unit): ``load`` (a
    :data:`pipeline.subtrees.Loader`) yields each chunk's scope ``own`` rows.  Only a chunk's
    figures and the upper units' children's are held while rolling up.  With ``sink``, each
    chunk's rows (typed, not yet in table order) are passed to it as they are made and
    nothing is returned."""
    pieces = _subtree_pieces(units, weights, load, budget)
    if sink is None:
        return _table(list(pieces))
    for piece in pieces:
        if len(piece):
            sink(_typed(piece))
    return None


def _subtree_pieces(units: pd.DataFrame, weights: dict[str, int], load, budget: int | None):
    """The frames of :func:`subtree_aggregates`, a chunk's at a time."""
    from pipeline.subtrees import partition

    parents = _parents(units, weights)
    part = partition(parents, weights, budget)
    upper = set(part.upper)
    seeds, top_own = {}, pd.DataFrame(columns=_KEY + _VALS)
    for chunk, own in load(part.frame()):
        yield own.assign(scope="own")
        if chunk == 0:
            top_own = own
            continue
        members = set(part.chunks[chunk - 1])
        children, effective = _roll(_by_unit(own), {
            u: (parents[u] if parents.get(u) in members else None) for u in members})
        yield _rows(children).assign(scope="children")
        seeds.update((u, effective[u]) for u in members if parents.get(u) in upper)
    children, _ = _roll(_by_unit(top_own), {**{u: parents.get(u) for u in upper},
                                            **{u: parents[u] for u in seeds}}, seeds)
    yield _rows(children).assign(scope="children")


#: The aggregates table's order (:func:`_table`), in SQL.
ORDER = "unit_id, scope, year NULLS FIRST, category, kind"


def stored_aggregates(store, units: pd.DataFrame, budget: int | None = None,
                      sink=None) -> pd.DataFrame | None:
    """:func:`subtree_aggregates` of the store's counted quantities: scope ``own`` is summed
    by DuckDB into a temporary table, read back a chunk at a time."""
    from pipeline import details
    from pipeline.subtrees import read_by_chunk

    details.counted_quantities(store).query("q", _OWN).create_view("_own_view", replace=True)
    store.con.execute("CREATE OR REPLACE TEMP TABLE own_agg AS SELECT * FROM _own_view")
    store.con.execute("DROP VIEW _own_view")
    weights = dict(store.con.execute("SELECT unit_id, count(*) FROM own_agg GROUP BY unit_id")
                   .fetchall())
    sql = ("SELECT o.*, c.chunk AS _chunk FROM own_agg o JOIN chunk_of c USING (unit_id) "
           "ORDER BY c.chunk, o.unit_id, o.year NULLS FIRST, o.category, o.kind")
    try:
        return subtree_aggregates(units, weights, lambda assignment: read_by_chunk(
            store, sql, assignment), budget, sink)
    finally:
        store.con.execute("DROP TABLE IF EXISTS own_agg")


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    """Rows of the aggregates table with its columns and types."""
    out = out.copy()
    for c in ("n_exact", "n_approx", "n_redacted", "n_units"):
        out[c] = out[c].astype(int)
    for c in ("exact_sum", "low_sum", "high_sum"):
        out[c] = out[c].astype(float)
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    return out[COLUMNS["aggregates"] + ["n_units"]]


def _table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Scope own and children rows as the aggregates table, sorted (:data:`ORDER`)."""
    frames = [f for f in frames if len(f)]
    out = _typed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=_KEY + _VALS + ["scope"]))
    return out.sort_values(["unit_id", "scope", "year", "category", "kind"],
                           na_position="first").reset_index(drop=True)
