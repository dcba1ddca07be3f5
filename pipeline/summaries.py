"""What the outputs people read say about the whole per-unit tables, in a few small frames.

A province's consolidation has hundreds of thousands of aggregate cells, gap rows and
problems; the :class:`~pipeline.consolidation.Consolidation` holds only the first
:data:`pipeline.details.DETAIL_ROWS` of each (the Parquet dataset has them all).  The Word
report, the Excel category sheet and the HTML page need totals and the first lines of each
group over every row, so they are computed here in SQL: over the store's tables when the
consolidation is built (before the store closes), or over the held frames for a
consolidation made in memory.  Each frame's size is bounded by the number of categories,
gap types and themes, not by the number of reports.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

#: Units shown in a category's table of units (Word; all of them: sheet 层级汇总).
UNIT_ROWS = 200
#: Gaps listed per gap type, and their most frequent items (Word; all: sheet 缺口清单).
GAP_LINES = 200
#: Problem statements quoted per theme, and unit names listed per theme (Word).
QUOTES = 3
THEME_UNITS = 200

_NUMS = "exact_sum, low_sum, high_sum, n_exact, n_approx, n_redacted"
_SUMS = ", ".join(f"sum(coalesce({c}, 0)) AS {c}" for c in _NUMS.split(", "))
#: SQL of each summary over the relations ``{aggregates}``, ``{gaps}`` (with ``_row``, its
#: order) and ``{problems}`` (with ``_row``); the limits above are filled in when it runs.
SQL = {
    # own-scope aggregates summed over units, per year × category × kind
    "totals": """
        SELECT year, category, kind, count(DISTINCT unit_id) AS n_units, {SUMS}
        FROM {aggregates} WHERE scope = 'own' GROUP BY ALL
        ORDER BY year NULLS FIRST, category, kind""",
    # per category: its years (a null year counts as one), unit × year keys and units
    "unit_counts": """
        SELECT category, count(DISTINCT year) + (count(*) FILTER (WHERE year IS NULL) > 0)::INT
               AS n_years, count(DISTINCT (unit_id, coalesce(year, -1))) AS n_unit_years,
               count(DISTINCT unit_id) AS n_units
        FROM {aggregates} WHERE scope = 'own' GROUP BY category ORDER BY category""",
    # own-scope rows of each category's first UNIT_ROWS units
    "unit_rows": """
        SELECT * EXCLUDE (r) FROM (
          SELECT unit_id, year, category, kind, {NUMS},
                 dense_rank() OVER (PARTITION BY category ORDER BY unit_id) AS r
          FROM {aggregates} WHERE scope = 'own') WHERE r <= {UNIT_ROWS}
        ORDER BY category, unit_id, year NULLS FIRST, kind""",
    # per gap type, in table order: rows and distinct items
    "gap_types": """
        SELECT gap_type, count(*) AS n, count(DISTINCT coalesce(item, '')) AS n_items
        FROM {gaps} GROUP BY gap_type ORDER BY min(_row)""",
    # per gap type: its most frequent items (ties: the first met first)
    "gap_items": """
        SELECT gap_type, item, n FROM (
          SELECT gap_type, item, count(*) AS n, min(_row) AS first,
                 row_number() OVER (PARTITION BY gap_type ORDER BY count(*) DESC, min(_row))
                 AS r FROM {gaps} GROUP BY gap_type, item) WHERE r <= {GAP_LINES}
        ORDER BY gap_type, r""",
    # per gap type: its first rows
    "gap_rows": """
        SELECT unit_id, gap_type, item, detail FROM (
          SELECT *, row_number() OVER (PARTITION BY gap_type ORDER BY _row) AS r
          FROM {gaps}) WHERE r <= {GAP_LINES} ORDER BY _row""",
    # per theme: units and mentions, the first THEME_UNITS units (in unit order)
    "themes": """
        WITH t AS (SELECT coalesce(theme, 'other') AS theme, unit_id FROM {problems}),
        u AS (SELECT theme, unit_id, row_number() OVER (PARTITION BY theme ORDER BY unit_id)
              AS r FROM (SELECT DISTINCT theme, unit_id FROM t WHERE unit_id IS NOT NULL))
        SELECT m.theme, m.n_mentions, coalesce(k.n_units, 0) AS n_units,
               coalesce(k.unit_ids, []) AS unit_ids
        FROM (SELECT theme, count(*) AS n_mentions FROM t GROUP BY theme) m
        LEFT JOIN (SELECT theme, count(*) AS n_units,
                          list(unit_id ORDER BY unit_id) FILTER (WHERE r <= {THEME_UNITS})
                          AS unit_ids FROM u GROUP BY theme) k USING (theme)
        ORDER BY m.theme""",
    # per theme: its first QUOTES distinct statements, in report order
    "quotes": """
        SELECT theme, text FROM (
          SELECT theme, text, row_number() OVER (PARTITION BY theme ORDER BY first) AS r
          FROM (SELECT coalesce(theme, 'other') AS theme, text, min(_row) AS first
                FROM {problems} WHERE text IS NOT NULL GROUP BY ALL))
        WHERE r <= {QUOTES} ORDER BY theme, r""",
}


@dataclass
class Summaries:
    """The frames of :data:`SQL`, by name."""
    totals: pd.DataFrame
    unit_counts: pd.DataFrame
    unit_rows: pd.DataFrame
    gap_types: pd.DataFrame
    gap_items: pd.DataFrame
    gap_rows: pd.DataFrame
    themes: pd.DataFrame
    quotes: pd.DataFrame


def sql(name: str, relations: dict[str, str]) -> str:
    """The query of summary ``name`` over ``relations`` (table -> SQL relation)."""
    return SQL[name].format(**relations, NUMS=_NUMS, SUMS=_SUMS, UNIT_ROWS=int(UNIT_ROWS),
                            GAP_LINES=int(GAP_LINES), QUOTES=int(QUOTES),
                            THEME_UNITS=int(THEME_UNITS))


def summarise(run: Callable[[str], pd.DataFrame]) -> Summaries:
    """Every summary; ``run(name)`` gives the frame of summary ``name`` over the tables."""
    return Summaries(**{name: run(name) for name in SQL})


def of_store(store, relations: dict[str, str], mask: Callable) -> Summaries:
    """The summaries over the store (``relations``: table -> a SQL relation with ``_row``);
    ``mask`` (:func:`pipeline.masking.mask_frame`'s function) is applied to texts."""
    from pipeline.masking import mask_frame
    from pipeline.store_reads import read_frame

    return summarise(lambda name: mask_frame(read_frame(store, sql(name, relations)), mask))


def of_frames(aggregates: pd.DataFrame, gaps: pd.DataFrame,
              problems: pd.DataFrame) -> Summaries:
    """The summaries over tables held whole (in memory, already masked)."""
    import duckdb

    con = duckdb.connect()
    try:
        for name, df in (("aggregates", aggregates), ("gaps", gaps), ("problems", problems)):
            df = df.assign(_row=range(len(df)))
            con.register(name, df.astype({c: object for c in df.columns
                                          if pd.api.types.is_string_dtype(df[c])}))
        names = {n: n for n in ("aggregates", "gaps", "problems")}
        return summarise(lambda name: con.execute(sql(name, names)).df())
    finally:
        con.close()
