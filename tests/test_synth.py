"""pipeline.synth: a deterministic synthetic roster/plan/report set whose truth is exact."""
from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from pathlib import Path

import pytest

from pipeline import synth
from pipeline import synth_numbers as num
from pipeline.synth_patterns import load_vocab

ROOT = Path(__file__).resolve().parent.parent


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "truth.jsonl").open(encoding="utf-8")]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """20 units, txt + GB18030, with every planted error made frequent."""
    mp = pytest.MonkeyPatch()
    for name, value in (("P_COPY", 0.4), ("P_TABLE", 0.4), ("P_MISSING", 0.1), ("PLANT", 0.5)):
        mp.setattr(synth, name, value)
    try:
        yield synth.generate(20, 1, seed=5, outdir=tmp_path_factory.mktemp("c"),
                             formats="txt,gb18030", target_chars=3000)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def reports(corpus) -> list[dict]:
    return [r for r in _records(corpus) if r["type"] == "report"]


def _text(corpus: Path, rec: dict) -> str:
    return (corpus / rec["files"]["txt"]).read_text("utf-8")


def test_same_seed_same_bytes_in_every_format(tmp_path):
    a = synth.generate(4, 1, seed=3, outdir=tmp_path / "a", target_chars=1500)
    b = synth.generate(4, 1, seed=3, outdir=tmp_path / "b", target_chars=1500)
    da, db = _digest(a), _digest(b)
    assert da == db
    assert {k.split("/")[0] for k in da} >= {"txt", "gb18030", "docx", "pdf"}
    c = synth.generate(4, 1, seed=4, outdir=tmp_path / "c", formats="txt", target_chars=1500)
    assert (c / "txt/u00002_2023.txt").read_bytes() != (a / "txt/u00002_2023.txt").read_bytes()


def test_roster_is_a_tree_and_missing_reports_are_recorded(corpus, reports):
    rows = list(csv.DictReader((corpus / "roster.csv").open(encoding="utf-8")))
    ids = {r["unit_id"] for r in rows}
    assert len(rows) == 20 and len({r["unit_name"] for r in rows}) == 20
    roots = [r for r in rows if not r["parent_id"]]
    assert len(roots) == 1 and roots[0]["level"] == "city"
    assert all(r["parent_id"] in ids for r in rows if r["parent_id"])
    assert {r["level"] for r in rows} <= {"city", "county", "township", "school"}
    missing = [r for r in _records(corpus) if r["type"] == "missing_submission"]
    assert len(missing) + len(reports) == 20
    for m in missing:
        assert not (corpus / "txt" / f"{m['unit_id']}_2023.txt").exists()


def test_every_quantity_sits_at_its_offsets(corpus, reports):
    n = 0
    for rec in reports:
        text = _text(corpus, rec)
        assert (corpus / rec["files"]["gb18030"]).read_bytes().decode("gb18030") == text
        assert len(text) == rec["chars"]
        for q in rec["quantities"]:
            assert text[q["start"]:q["end"]] == q["text"]
            s, e = q["sentence"]
            assert s <= q["start"] < q["end"] <= e
            n += 1
        for p in rec["problems"]:
            assert text[p["start"]:p["end"]] == p["text"]
        for z in rec["noise"]:
            assert text[z["start"]:z["end"]] == z["text"]
    assert n > 20 * 15


_ARABIC = re.compile(r"^([0-9０-９.．]+)(万?)([^0-9０-９.．]+)$")


def test_values_follow_the_guidelines(reports):
    styles = set()
    for rec in reports:
        for q in rec["quantities"]:
            styles.add(q["style"])
            if q["redacted"]:
                assert q["value"] is q["low"] is q["high"] is None
                assert re.search(r"[xX×]", q["text"])
                continue
            assert q["low"] <= q["high"]
            if not q["approx"]:
                assert q["value"] == q["low"] == q["high"]
                m = _ARABIC.match(q["text"].replace("%", "%"))
                if m and q["kind"] != "percent":
                    digits = m.group(1).translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
                    assert float(digits) * (10000 if m.group(2) else 1) == pytest.approx(q["value"]), q
            elif q["text"].startswith("近"):
                assert q["high"] == q["value"] and q["low"] == pytest.approx(0.9 * q["value"])
            elif re.search(r"\d(多|余)", q["text"]):
                assert q["low"] == q["value"] < q["high"]
            if q["kind"] == "funds" and "万" in q["text"] and q["value"] is not None:
                assert q["value"] >= 10000
    assert {"arabic", "chinese", "near", "redacted"} <= styles


def test_totals_and_ratios_add_up_unless_a_flag_says_so(reports):
    checked = 0
    for rec in reports:
        qs = rec["quantities"]
        flagged = {f["quantities"][0] for f in rec["flags"] if f["type"] == "sum_mismatch"}
        for i, q in enumerate(qs):
            parts = q["links"]["total_of"]
            if parts and q["value"] is not None and all(qs[p]["value"] is not None for p in parts):
                total = sum(qs[p]["value"] for p in parts)
                assert (total != q["value"]) == (i in flagged), (rec["report_id"], q["text"])
                checked += 1
        for f in rec["flags"]:
            if f["type"] == "percent_mismatch":
                n_, m_, r_ = (qs[k] for k in f["quantities"])
                assert abs(m_["value"] / n_["value"] * 100 - r_["value"]) > 3
    assert checked >= 10
    kinds = {f["type"] for rec in reports for f in rec["flags"]}
    assert {"sum_mismatch", "copied_text", "cross_document_conflict"} <= kinds


@pytest.mark.parametrize("plant", [0.0, 1.0])
def test_ratio_sentences_are_consistent_unless_planted(plant):
    from pipeline.synth_patterns import Filler

    pattern = load_vocab()["patterns"]["ratio"][0]
    for seed in range(20):
        f = Filler(random.Random(seed), {"kind": "县", "self": "县关工委"}, plant=plant)
        piece = f.fill(pattern, "health")
        n_, m_, r_ = piece.quantities
        assert piece.text[r_["start"]:r_["end"]] == r_["text"] and r_["kind"] == "percent"
        true = round(m_["value"] / n_["value"] * 100, 1)
        if plant:
            assert piece.flags[0]["type"] == "percent_mismatch" and r_["value"] != true
            assert piece.flags[0]["quantities"] == [0, 1, 2]
        else:
            assert not piece.flags and r_["value"] == true


def test_copied_passages_are_verbatim(corpus, reports):
    by_id = {r["report_id"]: r for r in reports}
    copies = [(r, f) for r in reports for f in r["flags"] if f["type"] == "copied_text"]
    assert copies
    for rec, f in copies:
        src = by_id[f["source_report"]]
        a = _text(corpus, rec)[slice(*f["span"])]
        b = _text(corpus, src)[slice(*f["source_span"])]
        assert a == b and len(a) > 30


def test_parent_mentions_match_children_unless_flagged(reports):
    by_id = {r["report_id"]: r for r in reports}
    refs = [(r, x) for r in reports for x in r["cross_refs"]]
    assert refs
    for rec, x in refs:
        child = by_id[x["report"]]
        stated = rec["quantities"][x["q"]]["value"]
        own = child["quantities"][x["other_q"]]["value"]
        assert (stated != own) == x["conflict"]
        assert x["conflict"] == any(f["type"] == "cross_document_conflict" and
                                    f["quantities"] == [x["q"]] for f in rec["flags"])


def test_plan_items_and_coverage(corpus, reports):
    plan = next(r for r in _records(corpus) if r["type"] == "plan")
    text = (corpus / "plan.txt").read_text("utf-8")
    assert [it["no"] for it in plan["items"]] == list(range(1, len(plan["items"]) + 1))
    for it in plan["items"]:
        line = text[it["start"]:it["end"]]
        assert line.startswith(f"{it['no']}.") and it["text"] in line
    assert any(q["role"] == "target" for q in plan["quantities"])
    for rec in reports:
        uncovered = {it["no"] for it in plan["items"] if it["category"] not in rec["categories"]}
        assert set(rec["plan_items_uncovered"]) == uncovered


def test_docx_and_pdf_carry_the_same_text(tmp_path):
    import docx
    import pypdfium2 as pdfium

    out = synth.generate(2, 1, seed=9, outdir=tmp_path, formats="txt,docx,pdf",
                         target_chars=1500)
    txt = (out / "txt/u00002_2023.txt").read_text("utf-8")
    lines = [x.strip() for x in txt.split("\n") if x.strip() and "\t" not in x]
    d = docx.Document(str(out / "docx/u00002_2023.docx"))
    assert [p.text.strip() for p in d.paragraphs] == lines
    pdf = pdfium.PdfDocument(str(out / "pdf/u00002_2023.pdf"))
    pdf_text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    flat = re.sub(r"\s+", "", pdf_text)
    assert re.sub(r"\s+", "", lines[0]) in flat  # title through the CID font text layer
    longest = max(lines, key=len)
    assert re.sub(r"\s+", "", longest)[:40] in flat


def test_vocabulary_is_varied_and_not_copied_from_the_corpus(corpus, reports):
    v = load_vocab()

    def strings(x):
        if isinstance(x, dict):
            for y in x.values():
                yield from strings(y)
        elif isinstance(x, list):
            for y in x:
                yield from strings(y)
        elif isinstance(x, str):
            yield x

    phrases = list(strings(v))
    assert len(phrases) > 600
    seen = "".join(p.read_text("utf-8", "ignore") for d in ("corpus/samples", "corpus/labels")
                   for p in (ROOT / d).glob("**/*") if p.is_file())
    seen = re.sub(r"\s+", "", seen)
    names = r"习近平新时代中国特色社会主义思想|党的二十大精神|关于加强新时代关心下一代工作[^》]*"
    for s in phrases:
        for frag in re.split(r"\{[^}]*\}|<[^>]*>|" + names, s):
            for i in range(len(frag) - 13):
                window = frag[i:i + 14]
                assert not re.match(r"[\u4e00-\u9fff]", window) or window not in seen, frag
    sentences = [re.sub(r"[0-9０-９xX一二三四五六七八九十百千万两]+", "#", s)
                 for rec in reports for s in re.split(r"[。；]", _text(corpus, rec)) if len(s) > 15]
    assert len(set(sentences)) / len(sentences) > 0.8


def test_numbers_helpers():
    assert num.zh_number(105) == "一百零五"
    assert num.zh_number(18) == "十八" and num.zh_number(3200) == "三千二百"
    s = num.over(500, "名", "people")
    assert (s.text, s.low, s.high, s.approx) == ("500名以上", 500, 600, True)
    rng = random.Random(1)
    seen = set()
    for _ in range(400):
        s = num.approximate(204500, "元", "funds", rng)
        if s.style in ("more", "yu"):
            m = re.match(r"(\d+)(万?)[多余]", s.text)
            seen.add(m.group(2))
            # 20余万元 -> [200000, 300000); 20万余元 -> [200000, 210000)
            assert s.high - s.low == (10000 if m.group(2) else 100000), s
    assert seen == {"", "万"}


def test_cli_synth(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["synth", "--units", "3", "--seed", "2", "--formats", "txt",
                 "-o", str(tmp_path)]) == 0
    assert "reports" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "txt").iterdir())
    with pytest.raises(ValueError):
        synth.generate(2, 1, 0, tmp_path / "x", formats="txt,rtf")


def test_a_large_roster_has_a_unique_name_per_unit():
    from pipeline.synth import build_roster

    units = build_roster(30_000, 3)  # more units than the pool of place names
    assert len(units) == 30_000 and len({u.name for u in units}) == 30_000
