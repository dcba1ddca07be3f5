"""A tiny but complete consolidation, for the renderers' tests and examples
(:meth:`pipeline.consolidation.Consolidation.example`): two county reports under a city,
each table with a few rows, including a hidden number, a child's name already masked and
hostile HTML in a sentence."""
from __future__ import annotations

import pandas as pd

from pipeline.consolidation import COLUMNS, Consolidation


def example() -> Consolidation:
    units = pd.DataFrame([
        ("C1", "示例市关工委", None, "city", 0, "roster", False),
        ("X1", "甲县关工委", "C1", "county", 1, "roster", True),
        ("X2", "乙县关工委", "C1", "county", 1, "roster", True),
    ], columns=COLUMNS["units"])
    documents = pd.DataFrame([
        ("d1:0", "甲县.txt", 0, "X1", "甲县关工委", "county", 2022, "summary", True,
         "甲县关工委2022年工作总结", "甲县关工委", "2022-12-20", 3, "关爱帮扶、宣传/信息报送"),
        ("d2:0", "乙县.docx", 0, "X2", "乙县关工委", "county", 2022, "summary", True,
         "乙县关工委2022年工作总结", "乙县关工委", None, 2, "关爱帮扶"),
    ], columns=COLUMNS["documents"])
    s1 = "全年共资助困难学生1200名，发放助学金20余万元。"
    s2 = "组织宣讲报告会xx场，受教育青少年约3000人次。"
    s3 = "其中<script>alert(1)</script>资助申**等学生50名。"
    q = [
        ("d1:0", "X1", 2022, "summary", "1200名", 1200.0, 1200.0, 1200.0, "名", "people",
         False, False, "困难学生", "achieved", "关爱帮扶", "甲县.txt", 10, 15, "全年", 0,
         s1, 0, "第3行"),
        ("d1:0", "X1", 2022, "summary", "20余万元", None, 200000.0, 210000.0, "万元",
         "funds", True, False, "助学金", "achieved", "关爱帮扶", "甲县.txt", 20, 25, None,
         1, s1, 0, "第3行"),
        ("d1:0", "X1", 2022, "summary", "xx场", None, None, None, "场", "events", False,
         True, "宣讲报告会", "achieved", "宣传/信息报送", "甲县.txt", 40, 43, None, 2, s2,
         33, "第4行"),
        ("d2:0", "X2", 2022, "summary", "约3000人次", None, 2700.0, 3300.0, "人次",
         "person_times", True, False, "青少年", "achieved", "关爱帮扶", "乙县.docx", 12,
         18, None, 0, s2, 0, "第2段"),
        ("d2:0", "X2", 2022, "summary", "50名", 50.0, 50.0, 50.0, "名", "people", False,
         False, "学生", "achieved", "关爱帮扶", "乙县.docx", 70, 73, None, 1, s3, 40,
         "第5段"),
    ]
    quantities = pd.DataFrame(q, columns=COLUMNS["quantities"])
    aggregates = pd.DataFrame([
        ("X1", 2022, "关爱帮扶", "people", "own", 1200.0, 1200.0, 1200.0, 1, 0, 0),
        ("X1", 2022, "关爱帮扶", "funds", "own", 0.0, 200000.0, 210000.0, 0, 1, 0),
        ("X1", 2022, "宣传/信息报送", "events", "own", 0.0, 0.0, 0.0, 0, 0, 1),
        ("X2", 2022, "关爱帮扶", "people", "own", 50.0, 50.0, 50.0, 1, 0, 0),
        ("X2", 2022, "关爱帮扶", "person_times", "own", 0.0, 2700.0, 3300.0, 0, 1, 0),
        ("C1", 2022, "关爱帮扶", "people", "children", 1250.0, 1250.0, 1250.0, 2, 0, 0),
        ("C1", 2022, "关爱帮扶", "funds", "children", 0.0, 200000.0, 210000.0, 0, 1, 0),
        ("C1", 2022, "关爱帮扶", "person_times", "children", 0.0, 2700.0, 3300.0, 0, 1, 0),
        ("C1", 2022, "宣传/信息报送", "events", "children", 0.0, 0.0, 0.0, 0, 0, 1),
    ], columns=COLUMNS["aggregates"])
    gaps = pd.DataFrame([
        ("X2", "plan_item_uncovered", "3. 加强家庭教育指导",
         "最接近：开展家风讲座（相似度 0.41）"),
        ("X2", "missing_metric", "funds", "未报告经费数字"),
        ("X1", "target_unmet", "资助困难学生不少于1500名", "计划 ≥1500名，实际 1200名"),
        ("C1", "missing_submission", "示例市关工委", "花名册中的单位未提交报告"),
    ], columns=COLUMNS["gaps"])
    problems = pd.DataFrame([
        ("X1", "经费不足", "工作经费不足，活动开展受限。", "d1:0", 300, 314),
        ("X2", "经费不足", "经费保障不到位。", "d2:0", 200, 208),
    ], columns=COLUMNS["problems"])
    flags = pd.DataFrame([
        ("d1:0", "X1", "redacted", "info", "数字已脱敏（xx），无法核对。", "xx场",
         "甲县.txt", 40, 43, s2),
        ("d2:0", "X2", "sum_mismatch", "warning", "各项之和与合计不符。",
         "各项之和 = 1250，文中合计 = 1200", "乙县.docx", 70, 73, s3),
    ], columns=COLUMNS["flags"])
    unmatched = pd.DataFrame([("d9:0", "未知单位.txt", "某某街道关工委")],
                             columns=COLUMNS["unmatched"])
    run = {"run_id": "example", "started": "2024-01-01T00:00:00",
           "finished": "2024-01-01T00:00:01", "n_files": 2, "n_documents": 2,
           "n_failed": 0, "inputs": ["甲县.txt", "乙县.docx"]}
    return Consolidation(units=units, documents=documents, quantities=quantities,
                         aggregates=aggregates, gaps=gaps, problems=problems, flags=flags,
                         unmatched=unmatched, run=run)
