"""The statistics table (附表) some synthetic reports carry, with per-cell truth."""
from __future__ import annotations

import random

from pipeline import synth_numbers as num
from pipeline.synth_patterns import Filler, Piece, join, load_vocab

HEADER = ["工作类别", "活动场次（场）", "参与人数（人）"]
_KINDS = [None, ("events", "场"), ("people", "人")]


def _cell(value: int, kind: str, unit: str, row: int, col: int, cat: str | None) -> Piece:
    text = str(value)
    q = {"text": text, "start": 0, "end": len(text), "value": value, "low": value,
         "high": value, "unit": unit, "kind": kind, "approx": False, "redacted": False,
         "subject": None, "role": "achieved", "period": None, "category": cat,
         "sentence": [0, len(text)], "style": "table",
         "cell": {"table": 0, "row": row, "col": col},
         "links": {"total_of": [], "part_of": None, "changed_from": None}}
    return Piece(text, [q])


def table_block(filler: Filler, rng: random.Random, year: int, cats: list[str]):
    """Caption paragraph + table block; the 合计 row sums the rows (or, planted, not)."""
    from pipeline.synth_report import Block

    v = load_vocab()
    chosen = cats[: rng.randint(2, min(5, len(cats)))] if len(cats) >= 2 else cats
    rows: list[list[Piece]] = [[Piece(h) for h in HEADER]]
    sums = [0, 0, 0]
    for r, cat in enumerate(chosen, start=1):
        row = [Piece(v["categories"][cat]["label"])]
        for c in (1, 2):
            kind, unit = _KINDS[c]
            value = int(num.draw_value(kind, filler.scale, rng))
            sums[c] += value
            row.append(_cell(value, kind, unit, r, c, cat))
        rows.append(row)
    total_row = [Piece("合计")]
    flags = []
    n_rows = len(rows)
    for c in (1, 2):
        kind, unit = _KINDS[c]
        value = sums[c]
        if rng.random() < filler.plant:
            value += rng.choice([-1, 1]) * max(1, int(value * 0.05))
            flags.append(c)
        total_row.append(_cell(value, kind, unit, n_rows, c, None))
    rows.append(total_row)
    piece = join([join(row, "\t") for row in rows], "\n")
    # links and planted flags: quantities are numbered row by row, two per data row
    n_data = len(chosen)
    for c in (1, 2):
        t = 2 * n_data + (c - 1)
        parts = [2 * k + (c - 1) for k in range(n_data)]
        piece.quantities[t]["links"]["total_of"] = parts
        for p in parts:
            piece.quantities[p]["links"]["part_of"] = t
        if c in flags:
            piece.flags.append({"type": "sum_mismatch", "quantities": [t] + parts,
                                "expected": sums[c], "stated": piece.quantities[t]["value"]})
    caption = join([f"附表：{year}年主要工作情况统计"])
    cells = [[p.text for p in row] for row in rows]
    return [Block(caption, "para"), Block(piece, "table", rows=cells)]
