"""``ngreport run`` end to end on a small consolidation written by the test: a city, three
counties and a township; a plan with numbered items and a target; reports as UTF-8 .txt,
GB18030 .txt and .docx; one county that did not report."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main as cli
from pipeline.store import snapshot

ROOT = Path(__file__).resolve().parent.parent

ROSTER = """unit_id,unit_name,parent_id,level,aliases
C,示范市关工委,,city,
A,甲县关工委,C,county,
B,乙县关工委,C,county,乙县关心下一代工作委员会
D,丁县关工委,C,county,
T,丙镇关工委,A,township,
"""
PLAN = """示范市关工委2023年工作要点

一、加强思想道德教育
1.深入开展理想信念教育。组织五老宣讲团进校园开展宣讲活动。
2.加强青少年法治教育。开展青少年普法宣传教育活动。
二、深化关爱帮扶
3.做好困难学生资助工作。全年资助困难学生不少于500名。
4.加强家庭教育指导。举办家庭教育讲座，推进家风建设。
三、加强自身建设
5.加强五老队伍建设。吸收新退休同志充实关工委队伍，开展业务培训。
"""
A = """甲县关工委2023年工作总结

一、深入开展理想信念教育
组织五老宣讲团进校园开展理想信念宣讲活动36场，受教育青少年12000人次。
二、做好学生资助工作
全年资助家庭经济困难学生320名，发放助学金15.5万元。其中资助贫困学生李小明，帮助其完成学业。走访慰问留守儿童王芳芳等困难家庭15户。
三、加强家庭教育指导
举办家庭教育讲座，推进家风建设，参与家长1500名。
四、存在的问题
一是工作经费不足；二是五老队伍年龄偏大。

甲县关工委
2023年12月20日
"""
B = """乙县关心下一代工作委员会2023年工作总结

一、理想信念教育扎实开展
组织五老宣讲团进校园宣讲28场。
二、法治教育深入人心
开展青少年普法宣传教育活动，发放普法资料3000份。
三、学生资助
资助家庭经济困难学生600名。
四、存在的问题
活动经费不足，难以开展大型活动。

乙县关工委
2023年12月25日
"""
T = ["丙镇关工委2023年工作总结",
     "一、关爱帮扶",
     "资助家庭经济困难学生40名，发放助学金2万元。",
     "二、家庭教育",
     "举办家庭教育讲座5场，推进家风建设。",
     "丙镇关工委",
     "2023年12月10日"]


def write_fixture(folder: Path) -> tuple[Path, Path, Path]:
    """reports/ (3 reports, 3 formats), units.csv, plan.txt."""
    from docx import Document as Docx

    rep = folder / "reports"
    rep.mkdir(parents=True)
    (rep / "甲县.txt").write_text(A, encoding="utf-8")
    (rep / "乙县.txt").write_bytes(B.encode("gb18030"))
    d = Docx()
    for line in T:
        d.add_paragraph(line)
    d.save(rep / "丙镇.docx")
    (folder / "units.csv").write_text(ROSTER, encoding="utf-8")
    (folder / "plan.txt").write_text(PLAN, encoding="utf-8")
    return rep, folder / "units.csv", folder / "plan.txt"


def run_args(rep: Path, roster: Path, plan: Path, out: Path, *extra: str) -> list[str]:
    return ["run", str(rep), "-o", str(out), "--roster", str(roster), "--plan", str(plan),
            "--no-progress", *extra]


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    base = tmp_path_factory.mktemp("cons")
    rep, roster, plan = write_fixture(base)
    out = base / "out"
    assert cli(run_args(rep, roster, plan, out)) == 0
    return base, out


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / "data" / f"{name}.parquet")


def test_outputs_exist(done):
    _, out = done
    for name in ("ngreport.duckdb", "manifest.jsonl", "consolidated.xlsx",
                 "consolidated-report.docx", "report.html"):
        assert (out / name).exists(), name
    manifest = pd.read_json(out / "manifest.jsonl", lines=True)
    assert sorted(manifest["status"]) == ["ok"] * 3
    assert set(manifest["n_documents"]) == {1}


def test_units_and_consolidated_figures(done):
    _, out = done
    units = read(out, "units").set_index("unit_id")
    assert units["has_report"].to_dict() == {"C": False, "A": True, "B": True, "D": False,
                                             "T": True}
    agg = read(out, "aggregates")
    tot = agg.groupby(["unit_id", "scope", "kind"])[["exact_sum", "low_sum", "high_sum"]].sum()
    assert tot.loc[("A", "own", "people"), "exact_sum"] == 320 + 1500
    assert tot.loc[("A", "own", "person_times"), "exact_sum"] == 12000
    assert tot.loc[("A", "own", "funds"), "exact_sum"] == 155000
    assert tot.loc[("B", "own", "people"), "exact_sum"] == 600
    assert tot.loc[("T", "own", "funds"), "exact_sum"] == 20000
    # the county's own report covers its township; the city sees its counties' own totals
    assert tot.loc[("A", "children", "people"), "exact_sum"] == 40
    assert tot.loc[("C", "children", "people"), "exact_sum"] == 320 + 1500 + 600
    assert tot.loc[("C", "children", "events"), "exact_sum"] == 36 + 28
    assert ("C", "own", "people") not in tot.index  # the city itself did not report


def test_gap_lists(done):
    _, out = done
    gaps = read(out, "gaps")
    missing = gaps[gaps["gap_type"] == "missing_submission"]
    assert list(missing["unit_id"]) == ["D"]
    metric = gaps[gaps["gap_type"] == "missing_metric"]
    assert list(zip(metric["unit_id"], metric["item"])) == [("B", "funds")]
    target = gaps[gaps["gap_type"] == "target_unmet"]
    # each reporting unit's own figure against the plan's target (B's 600 meets it)
    assert list(target["unit_id"]) == ["A", "T"]
    assert target["detail"].str.contains("500").all()
    assert "320" in target["detail"].iloc[0] and "40" in target["detail"].iloc[1]
    plan = gaps[gaps["gap_type"] == "plan_item_uncovered"]
    uncovered = {u: sorted(g["item"].str[:1]) for u, g in plan.groupby("unit_id")}
    assert uncovered == {"A": ["2", "5"], "B": ["4", "5"], "T": ["1", "2", "5"]}
    assert plan["detail"].str.startswith("最接近").all()


def test_problems_grouped_by_theme(done):
    _, out = done
    problems = read(out, "problems")
    money = problems[problems["theme"] == "经费不足"]
    assert sorted(money["unit_id"].unique()) == ["A", "B"]
    assert (problems["theme"] == "队伍老化/老同志年龄偏大").sum() == 1


def _all_text(out: Path) -> str:
    import zipfile

    parts = [(out / "report.html").read_text(encoding="utf-8")]
    for name in ("consolidated.xlsx", "consolidated-report.docx"):
        with zipfile.ZipFile(out / name) as z:
            parts += [z.read(n).decode("utf-8", "ignore") for n in z.namelist()
                      if n.endswith(".xml")]
    for p in (out / "data").glob("*.parquet"):
        parts.append(pd.read_parquet(p).to_csv())
    return "\n".join(parts)


def test_children_names_masked_everywhere(done):
    _, out = done
    text = _all_text(out)
    assert "李小明" not in text and "王芳芳" not in text
    q = read(out, "quantities")
    assert q["sentence_text"].str.contains("留守儿童王**等", regex=False).any()


def test_show_names_and_idempotent_rerun(done, tmp_path):
    base, out = done
    before = snapshot(out / "ngreport.duckdb")
    shown = tmp_path / "shown"
    shutil.copytree(out, shown)
    assert cli(run_args(base / "reports", base / "units.csv", base / "plan.txt", shown,
                        "--show-names")) == 0
    manifest = pd.read_json(shown / "manifest.jsonl", lines=True)
    assert set(manifest["action"]) == {"unchanged"}  # nothing processed again
    after = snapshot(shown / "ngreport.duckdb")
    for t in ("files", "documents", "quantities", "sections", "problems", "aggregates"):
        pd.testing.assert_frame_equal(before[t], after[t])
    assert read(shown, "quantities")["sentence_text"].str.contains("王芳芳").any()


def test_changed_file_supersedes(tmp_path):
    rep, roster, plan = write_fixture(tmp_path)
    out = tmp_path / "out"
    assert cli(run_args(rep, roster, plan, out)) == 0
    (rep / "乙县.txt").write_bytes(B.replace("600名", "650名").encode("gb18030"))
    (rep / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    assert cli(run_args(rep, roster, plan, out)) == 2  # one file failed, the rest completed
    import duckdb

    con = duckdb.connect(str(out / "ngreport.duckdb"), read_only=True)
    files = con.execute("SELECT path, status, superseded FROM files WHERE path LIKE '%乙县%'"
                        " ORDER BY superseded").fetchall()
    assert [(s, sup) for _, s, sup in files] == [("ok", False), ("ok", True)]
    assert con.execute("SELECT count(*) FROM documents WHERE superseded").fetchone()[0] == 1
    con.close()
    agg = read(out, "aggregates")
    own_b = agg[(agg["unit_id"] == "B") & (agg["scope"] == "own") & (agg["kind"] == "people")]
    assert own_b["exact_sum"].sum() == 650
    manifest = pd.read_json(out / "manifest.jsonl", lines=True).set_index("action")
    assert manifest.loc["processed"].shape[0] == 2  # the changed file and the broken one


def _run_cmd(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def test_kill_and_rerun_equals_uninterrupted(tmp_path, done):
    base, reference = done
    killed = tmp_path / "killed"
    p = _run_cmd(run_args(base / "reports", base / "units.csv", base / "plan.txt", killed),
                 {"NGREPORT_TEST_SLEEP_AFTER_COMMIT": "1"})
    deadline, commits = time.monotonic() + 90, 0
    while time.monotonic() < deadline and commits < 2:  # the plan, then the first report
        line = p.stderr.readline()
        commits += "committed" in line
        if not line and p.poll() is not None:
            break
    assert commits == 2, "the run ended before committing a report"
    p.send_signal(signal.SIGKILL)
    p.wait()
    p.stderr.close()
    assert not (killed / "manifest.jsonl").exists()  # it really died mid-run
    import duckdb

    con = duckdb.connect(str(killed / "ngreport.duckdb"), read_only=True)
    kept = con.execute("SELECT role, count(*) FROM files GROUP BY role ORDER BY role").fetchall()
    con.close()
    assert kept == [("plan", 1), ("report", 1)]  # what was committed survived kill -9
    assert cli(run_args(base / "reports", base / "units.csv", base / "plan.txt", killed)) == 0
    actions = pd.read_json(killed / "manifest.jsonl", lines=True)["action"]
    assert sorted(actions) == ["processed", "processed", "unchanged"]
    a, b = snapshot(killed / "ngreport.duckdb"), snapshot(reference / "ngreport.duckdb")
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t], obj=t)


def test_gap_rules_on_plain_frames():
    from pipeline import gaps

    text = "二〇二三年工作要点\n（一）加强家庭教育指导，举办讲座。\n（二）做好安全教育。\n"
    items = gaps.plan_items(text, pd.DataFrame(), pd.DataFrame())
    assert [i.label for i in items] == ["（一）加强家庭教育指导，举办讲座。", "（二）做好安全教育。"]
    sent = "全市中小学生辍学率控制在1%以内。"
    targets = pd.DataFrame([{
        "text": "1%", "value": 1.0, "low": 1.0, "high": 1.0, "unit": "%", "kind": "percent",
        "redacted": False, "subject": None, "sentence_text": sent, "sentence_start": 0,
        "start": sent.index("1%"), "category": None}])
    achieved = pd.DataFrame([
        ("X", "percent", "achieved", False, 2.0, 2.0, "学生辍学率", "%", None),
        ("Y", "percent", "achieved", False, 0.5, 0.5, "辍学率", "%", None),
        ("Z", "percent", "achieved", False, 9.0, 9.0, "优良率", "%", None),  # another rate
    ], columns=["unit_id", "kind", "role", "redacted", "low", "high", "subject", "unit",
                "category"])
    unmet = gaps.targets_unmet(targets, achieved, ["X", "Y", "Z"])
    assert list(unmet["unit_id"]) == ["X"]
    assert unmet["detail"].iloc[0] == "目标：不超过1%；实际：2%"
    q = pd.DataFrame([("X", "funds", "achieved", True), ("X", "people", "target", False)],
                     columns=["unit_id", "kind", "role", "redacted"])
    mm = gaps.missing_metrics(q, ["X"]).set_index("item")["detail"]
    assert mm["funds"].startswith("仅有脱敏数字（1处）")
    assert mm["people"] == "报告中没有受益/参与人数数字"  # a target is not an achievement


def test_same_report_twice_counted_once(tmp_path):
    """A report sent again in another format, spaced differently, is marked a duplicate of
    the first (by doc_id) and its figures are not added twice."""
    from docx import Document as Docx

    rep, roster, plan = write_fixture(tmp_path)
    d = Docx()
    for line in A.splitlines():  # the same words, re-spaced (full-width and no-break spaces)
        d.add_paragraph(line.replace("，", "，\u3000").replace("。", "。\u00a0 "))
    d.save(rep / "甲县-again.docx")
    out = tmp_path / "out"
    assert cli(run_args(rep, roster, plan, out)) == 0
    docs = read(out, "documents")
    docs = docs.set_index(docs["source"].map(lambda s: Path(s).name))
    first, again = docs.loc["甲县.txt"], docs.loc["甲县-again.docx"]
    assert first["doc_id"] != again["doc_id"]
    original, copy = sorted([first, again], key=lambda r: r["doc_id"])
    assert pd.isna(original["duplicate_of"]) and copy["duplicate_of"] == original["doc_id"]
    assert docs["duplicate_of"].notna().sum() == 1
    agg = read(out, "aggregates")
    tot = agg.groupby(["unit_id", "scope", "kind"])["exact_sum"].sum()
    assert tot.loc[("A", "own", "people")] == 320 + 1500


def test_modules_preloaded_for_the_build_and_outputs_exist():
    """``run._preload`` swallows an ImportError (a renderer that cannot load says so when it
    runs), so a misspelt name would silently preload nothing: every name must import, and
    every output's module must be among them."""
    import importlib

    from pipeline import run

    for name in run._LATER:
        importlib.import_module(name)
    assert {f"pipeline.{m}" for m, _, _ in (*run._OUTPUTS, run._DATA)} <= set(run._LATER) | {
        "pipeline.export"}
