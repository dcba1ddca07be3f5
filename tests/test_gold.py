"""Validate the hand-annotated gold quantities in corpus/gold/.

Checks the JSON schema, allowed values, interval consistency, and that every
mention can be located unambiguously in its raw sample (decoded with
charset-normalizer, as the pipeline does).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from charset_normalizer import from_bytes

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus" / "samples"
GOLD = ROOT / "corpus" / "gold"
NEGATIVES = GOLD / "not_quantities.jsonl"

KINDS = {"people", "person_times", "funds", "events", "organizations", "items", "percent", "other"}
ROLES = {"achieved", "target", "status", "historical", "plan"}
KEYS = {"source", "text", "context", "value", "low", "high", "unit", "kind", "approx",
        "redacted", "subject", "role", "period"}
OPTIONAL = {"note"}
NUMERAL = re.compile(r"[0-9０-９〇零一二两三四五六七八九十百千万亿数xX×*]")
REDACTION = re.compile(r"[xX×*]")

SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.is_file())
GOLD_FILES = sorted(p for p in GOLD.glob("*.jsonl") if p != NEGATIVES)


@lru_cache(maxsize=None)
def raw_text(name: str) -> str:
    data = (SAMPLES / name).read_bytes()
    return str(from_bytes(data).best())


def load(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{n}: blank line"
        rows.append(json.loads(line))
    return rows


def locate(row: dict) -> int:
    """Offset of the mention: first occurrence of `text` inside the unique `context`."""
    raw = raw_text(row["source"])
    return raw.index(row["context"]) + row["context"].index(row["text"])


def check_context(row: dict, where: str) -> None:
    assert row["source"] in {p.name for p in SAMPLE_FILES}, f"{where}: unknown source"
    ctx, text = row["context"], row["text"]
    assert isinstance(ctx, str) and isinstance(text, str) and text, where
    assert 8 <= len(ctx) <= 40, f"{where}: context length {len(ctx)}"
    assert text in ctx, f"{where}: text {text!r} not in context"
    count = raw_text(row["source"]).count(ctx)
    assert count == 1, f"{where}: context {ctx!r} occurs {count} times"


def is_subsequence(unit: str, text: str) -> bool:
    """The unit's characters appear in order in the span (万元 in 10万余元)."""
    it = iter(text)
    return bool(unit) and all(ch in it for ch in unit)


def is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def test_every_sample_has_gold():
    assert len(SAMPLE_FILES) == 5
    stems = {p.stem for p in GOLD_FILES}
    for sample in SAMPLE_FILES:
        assert sample.stem in stems, f"no gold file for {sample.name}"
        assert load(GOLD / f"{sample.stem}.jsonl"), f"empty gold file for {sample.name}"
    assert stems <= {p.stem for p in SAMPLE_FILES}, "gold file without a sample"


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_file(path: Path):
    rows = load(path)
    offsets = []
    for n, row in enumerate(rows, 1):
        where = f"{path.name}:{n} {row.get('text')!r}"
        assert KEYS <= row.keys() <= KEYS | OPTIONAL, f"{where}: keys {sorted(row)}"
        assert row["source"] == path.stem + Path(row["source"]).suffix, f"{where}: wrong source"
        check_context(row, where)
        assert NUMERAL.search(row["text"]), f"{where}: no numeral in text"
        assert row["kind"] in KINDS, where
        assert row["role"] in ROLES, where
        assert isinstance(row["approx"], bool) and isinstance(row["redacted"], bool), where
        assert isinstance(row["unit"], str) and is_subsequence(row["unit"], row["text"]), \
            f"{where}: unit {row['unit']!r} not written in the span"
        assert row["subject"] is None or (isinstance(row["subject"], str) and row["subject"]), where
        assert row["period"] is None or (isinstance(row["period"], str) and row["period"]), where
        v, lo, hi = row["value"], row["low"], row["high"]
        for x in (v, lo, hi):
            assert x is None or is_num(x), f"{where}: non-numeric bound {x!r}"
        if row["redacted"]:
            assert v is None and lo is None and hi is None, f"{where}: redacted needs nulls"
            assert REDACTION.search(row["text"]), f"{where}: redacted without placeholder"
        else:
            assert lo is not None and hi is not None, f"{where}: missing interval"
            assert lo <= hi, f"{where}: low > high"
            if v is not None:
                assert lo <= v <= hi, f"{where}: value outside [low, high]"
            if not row["approx"]:
                assert v is not None and lo == hi == v, f"{where}: exact needs low == high == value"
            else:
                assert lo < hi, f"{where}: approximate but degenerate interval"
        if row["kind"] == "percent":
            assert row["unit"] in {"%", "％", "个百分点"}, where
        if row["kind"] == "funds":
            assert row["unit"].endswith("元"), where
        if row["kind"] == "person_times":
            assert row["unit"] == "人次", where
        if row["unit"] in {"万元", "亿元"} and v is not None:
            assert v >= 10000, f"{where}: money not normalised to yuan"
        offsets.append((locate(row), len(row["text"])))
    starts = [o for o, _ in offsets]
    assert starts == sorted(starts), f"{path.name}: lines not in file order"
    assert len(set(starts)) == len(starts), f"{path.name}: duplicate mention"


def test_negatives():
    rows = load(NEGATIVES)
    assert 40 <= len(rows) <= 80
    gold_spans: dict[str, list[tuple[int, int]]] = {}
    for path in GOLD_FILES:
        for row in load(path):
            start = locate(row)
            gold_spans.setdefault(row["source"], []).append((start, start + len(row["text"])))
    for n, row in enumerate(rows, 1):
        where = f"not_quantities:{n} {row.get('text')!r}"
        assert set(row) == {"source", "text", "context", "why"}, where
        assert isinstance(row["why"], str) and row["why"], where
        check_context(row, where)
        start = locate(row)
        end = start + len(row["text"])
        for a, b in gold_spans.get(row["source"], []):
            assert end <= a or start >= b, f"{where}: overlaps a gold mention"


def test_known_mentions_present():
    """Spot-check a few mentions and their normalised values against the guidelines."""
    by_text = {}
    for path in GOLD_FILES:
        for row in load(path):
            by_text.setdefault((row["source"], row["text"]), []).append(row)
    y22 = "2022_city-committee_summary-and-plan.txt"
    comp = "2015-2020_town_six-good-compilation.txt"
    (r,) = by_text[(y22, "4200多名")]
    assert (r["value"], r["low"], r["high"], r["approx"]) == (4200, 4200, 4300, True)
    (r,) = by_text[(comp, "20余万元")]
    assert (r["value"], r["low"], r["high"], r["kind"]) == (200000, 200000, 300000, "funds")
    (r,) = by_text[(comp, "近8000元")]
    assert (r["low"], r["high"]) == (7200, 8000)
    (r,) = by_text[(y22, "xx万元")]
    assert r["redacted"] and r["value"] is None
    (r,) = by_text[(y22, "11000多人次")]
    assert r["kind"] == "person_times"
    (r,) = by_text[(comp, "十八名")]
    assert r["value"] == 18 and r["kind"] == "people"
