"""Rows of the store's derived tables, written as a consolidation makes them.

A consolidation of a province's reports makes hundreds of thousands of aggregate cells, gap
rows and problems, a chunk of units at a time (:mod:`pipeline.subtrees`).  Rather than hold
them all until :meth:`pipeline.store.Store.replace_derived` swaps the derived tables in one
transaction, each chunk's rows go to a staging table (``staged_<name>``, with a running
``_seq``) as soon as they are made; ``replace_derived`` then copies them into place in the
order asked for and drops the staging tables.

Staged rows are written through a second connection to the same database: the store's own
connection may be streaming a query meanwhile (:func:`pipeline.subtrees.read_by_chunk`), and a
statement on it would end that stream.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.store import COLUMNS_OF, insert_frame


class Stager:
    """The staged rows of one consolidation (``add`` them; ``Store.replace_derived`` takes
    them)."""

    def __init__(self, store):
        self.store = store
        self.rows: dict[str, int] = {}  # derived table -> rows staged so far
        self._con = None

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Append ``frame``'s columns of derived table ``name`` to its staged rows."""
        if self._con is None:
            self._con = self.store.con.cursor()
            self._con.execute("USE store")
        table = f"staged_{name}"
        if name not in self.rows:
            self._con.execute(f'CREATE OR REPLACE TABLE "{table}" AS '
                              f'SELECT *, 0::BIGINT AS _seq FROM "{name}" LIMIT 0')
            self.rows[name] = 0
        if not len(frame):
            return
        n = self.rows[name]
        cols = [c for c in COLUMNS_OF[name] if c in frame.columns]
        insert_frame(self._con, table,
                     frame[cols].assign(_seq=np.arange(n, n + len(frame), dtype=np.int64)))
        self.rows[name] = n + len(frame)

    def copy_sql(self, name: str, order: str | None = None) -> str:
        """The statement that inserts the staged rows of ``name`` into it, in ``order`` (SQL
        over its columns and ``_seq``; default: as staged)."""
        cols = ", ".join(f'"{c}"' for c in COLUMNS_OF[name])
        return (f'INSERT INTO "{name}" SELECT {cols} FROM "staged_{name}" '
                f"ORDER BY {order or '_seq'}")

    def cross_flags_sql(self) -> str:
        """The statement that inserts the staged cross-document flags into ``flags``: sorted
        by document, type and start (NULLs first; ties as staged), numbered from 0 in that
        order, with origin 'cross'; a flag of figures staged without a sentence gets that
        of the first quantity (by ``q_index``) of its document with the same span."""
        order = 'f.doc_id NULLS FIRST, f.type NULLS FIRST, f.start NULLS FIRST, f._seq'
        pick = {"idx": f"(row_number() OVER (ORDER BY {order}) - 1)::INTEGER",
                "origin": "'cross'",
                "sentence_text": "CASE WHEN f.sentence_text IS NULL AND f.type IS DISTINCT "
                                 "FROM 'copied_text' THEN s.sentence_text ELSE f.sentence_text END"}
        quoted = {c: f'"{c}"' for c in COLUMNS_OF["flags"]}
        names = ", ".join(quoted.values())
        values = ", ".join(f"{pick.get(c, 'f.' + q)} AS {q}" for c, q in quoted.items())
        span = 'q.doc_id = k.doc_id AND q.start = k.start AND q."end" = k."end"'
        return (f"INSERT INTO flags ({names}) "
                f"SELECT {values} FROM staged_flags f LEFT JOIN ("
                'SELECT q.doc_id, q.start, q."end", first(q.sentence_text ORDER BY q.q_index) '
                "AS sentence_text FROM quantities q SEMI JOIN (SELECT DISTINCT doc_id, start, "
                f'"end" FROM staged_flags WHERE sentence_text IS NULL) k ON {span} '
                'GROUP BY q.doc_id, q.start, q."end") s ON s.doc_id = f.doc_id AND '
                f's.start = f.start AND s."end" = f."end" ORDER BY {order}')

    def __enter__(self) -> "Stager":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Drop the staging tables (once their rows are copied, or to abandon them)."""
        for name in self.rows:
            self.store.con.execute(f'DROP TABLE IF EXISTS "staged_{name}"')
        self.rows = {}
        if self._con is not None:
            self._con.close()
            self._con = None
