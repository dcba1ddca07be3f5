"""The researcher's tidy dataset: every table of a Consolidation as a Parquet file, and the
per-file run manifest as JSON lines.

Load with ``pd.read_parquet("OUTDIR/data/quantities.parquet")`` or in SQL with
``SELECT * FROM 'OUTDIR/data/*.parquet'`` (DuckDB).  Text columns are already masked.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipeline.consolidation import Consolidation

DETAIL_TABLES = ("quantities", "flags", "aggregates", "gaps", "problems")
TABLES = ("documents", "quantities", "aggregates", "gaps", "problems", "flags", "units",
          "unmatched")


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Make every column one Arrow type: object columns holding mixed Python values (or
    lists/dicts) become JSON/text, whole-number float columns of ids stay as they are."""
    df = df.reset_index(drop=True).copy()
    for c in df.columns:
        s = df[c]
        if s.dtype != object:
            continue
        kinds = {type(v) for v in s if v is not None and not (isinstance(v, float) and v != v)}
        if not kinds:
            df[c] = s.astype("string")
        elif kinds <= {str}:
            continue
        elif kinds <= {bool}:
            df[c] = s.astype("boolean")
        elif kinds <= {int, bool} or kinds <= {int, float}:
            df[c] = pd.to_numeric(s, errors="coerce")
        else:
            df[c] = s.map(lambda v: v if v is None or isinstance(v, str) else
                          json.dumps(v, ensure_ascii=False, default=str)).astype("string")
    return df


def write_parquet(cons: Consolidation, folder: str | Path) -> list[Path]:
    """Write ``folder/<table>.parquet`` for every table; returns the paths written.  When the
    consolidation was built from a store (``cons.detail``), the tables of
    :data:`DETAIL_TABLES` are streamed from it a batch at a time, so the files hold every row
    whatever the tables keep."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if cons.detail is not None and name in DETAIL_TABLES:
            _write_stream(cons.stream(name), path)
        else:
            _tidy(getattr(cons, name)).to_parquet(path, index=False)
        out.append(path)
    return out


def _write_stream(tables, path: Path) -> None:
    """Write a stream of Arrow tables of one schema as one Parquet file; a stream that fails
    leaves no file (a valid Parquet file holding only its first rows would pass for all)."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    except BaseException:
        if writer is not None:
            writer.close()
        path.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()


def write_manifest(rows: Iterable[dict], path: str | Path) -> Path:
    """One JSON object per input file: path, sha256, status, error, n_documents, action."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path
