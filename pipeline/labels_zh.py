"""Simplified-Chinese display labels shared by every renderer (Excel, Word, HTML).

Internal keys (category, kind, role, gap type, flag type, level, doc type, severity …)
stay English in the data; renderers show them through :func:`label`.  A value that is
not a known key (already Chinese, or a new key nobody labelled yet) is shown unchanged,
so a missing label never hides data.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

CATEGORY: dict[str, str] = {
    "ideology_moral": "思想道德",
    "red_heritage_patriotic": "红色基因传承",
    "legal_education": "法治教育",
    "care_assistance": "关爱帮扶",
    "family_education": "家庭教育",
    "science_tech": "科普科技",
    "health": "健康",
    "culture_sports": "文体活动",
    "rural_revitalization_service": "服务大局/乡村振兴",
    "organization_building": "组织建设",
    "team_five_elders": "五老队伍建设",
    "publicity": "宣传信息",
    "research": "调查研究",
    "education_bases": "校外教育阵地",
    "environment_governance": "环境治理",
    "other": "其他",
}

KIND: dict[str, str] = {
    "people": "人数",
    "person_times": "人次",
    "funds": "经费（元）",
    "events": "活动场次",
    "organizations": "组织/场所",
    "items": "物品/材料",
    "percent": "百分比",
    "other": "其他",
}

ROLE: dict[str, str] = {
    "achieved": "已完成",
    "target": "目标",
    "status": "现状",
    "historical": "历史累计",
    "plan": "计划",
}

GAP_TYPE: dict[str, str] = {
    "plan_item_uncovered": "工作要点未覆盖",
    "missing_metric": "缺少关键数字",
    "target_unmet": "目标未达成",
    "missing_submission": "未提交报告",
}

FLAG_TYPE: dict[str, str] = {
    "redacted": "数字已隐去",
    "vague": "模糊数字",
    "sum_mismatch": "分项之和与合计不符",
    "subset_exceeds_total": "其中项超过总数",
    "percent_mismatch": "百分比与分子分母不符",
    "change_mismatch": "增减变化计算不符",
    "cross_document_conflict": "不同报告数字矛盾",
    "parent_less_than_children": "上级数字小于下级之和",
    "implausible_jump": "数字异常跳变",
    "copied_text": "疑似抄袭其他单位文字",
    "round_numbers": "整数过多",
}

SEVERITY: dict[str, str] = {"info": "提示", "warning": "警告", "error": "错误"}

LEVEL: dict[str, str] = {
    "province": "省级",
    "city": "市级",
    "county": "县（区）级",
    "district": "区级",
    "township": "乡镇（街道）级",
    "street": "街道级",
    "village": "村（社区）级",
    "community": "社区级",
    "school": "学校",
    "enterprise": "企业",
    "bureau": "机关部门",
    "department": "机关部门",
    "unknown": "未知",
}

DOC_TYPE: dict[str, str] = {
    "summary": "工作总结",
    "plan": "工作计划/要点",
    "work_points": "工作要点",
    "summary_and_plan": "总结及计划",
    "speech": "讲话",
    "compilation": "汇编",
    "notice": "通知",
    "other": "其他",
}

SCOPE: dict[str, str] = {"own": "本级", "children": "下级合计"}

MATCHED_BY: dict[str, str] = {"roster": "花名册", "metadata": "文中署名"}

METRIC: dict[str, str] = {  # missing_metric items are kinds
    **KIND,
    "people": "受益人数",
    "person_times": "参与人次",
    "funds": "经费",
    "events": "活动场次",
}

_TABLES: dict[str, dict[str, str]] = {
    "category": CATEGORY,
    "kind": KIND,
    "role": ROLE,
    "gap_type": GAP_TYPE,
    "flag_type": FLAG_TYPE,
    "type": FLAG_TYPE,
    "severity": SEVERITY,
    "level": LEVEL,
    "doc_type": DOC_TYPE,
    "scope": SCOPE,
    "matched_by": MATCHED_BY,
    "metric": METRIC,
}


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):
        return False


def label(table: str, key: Any) -> str:
    """The Chinese label of ``key`` in ``table`` ("category", "kind", …); unknown keys pass through."""
    if is_missing(key):
        return ""
    key = str(key)
    return _TABLES[table].get(key, key)


def category(key: Any) -> str:
    return label("category", key)


def kind(key: Any) -> str:
    return label("kind", key)


#: Column headers used by the tabular renderers (contract column -> Chinese header).
COLUMN: dict[str, str] = {
    "unit_id": "单位编号",
    "unit_name": "单位名称",
    "parent_id": "上级单位编号",
    "parent_name": "上级单位",
    "level": "层级",
    "n_documents": "报告数",
    "matched_by": "匹配方式",
    "has_report": "已提交报告",
    "doc_id": "文档编号",
    "source": "来源文件",
    "article": "篇序号",
    "year": "年度",
    "doc_type": "文档类型",
    "relevant": "与关工委相关",
    "title": "标题",
    "reporting_unit": "落款单位",
    "issued": "成文日期",
    "n_quantities": "数字条数",
    "categories": "涉及类别",
    "text": "原文数字",
    "value": "数值",
    "low": "下限",
    "high": "上限",
    "unit": "计量单位",
    "kind": "数量类型",
    "approx": "约数",
    "redacted": "已隐去",
    "subject": "对象",
    "role": "性质",
    "category": "工作类别",
    "start": "起始位置",
    "end": "结束位置",
    "period": "时段",
    "q_index": "序号",
    "sentence_text": "原句",
    "sentence_start": "原句位置",
    "locator": "出处",
    "scope": "范围",
    "exact_sum": "精确合计",
    "low_sum": "合计下限",
    "high_sum": "合计上限",
    "n_exact": "精确条数",
    "n_approx": "约数条数",
    "n_redacted": "隐去条数",
    "gap_type": "缺口类型",
    "item": "项目",
    "detail": "说明",
    "theme": "问题主题",
    "type": "提示类型",
    "severity": "严重程度",
    "message": "说明",
    "evidence": "依据",
}


def column(name: str) -> str:
    return COLUMN.get(name, name)


# --- amounts in Chinese prose ------------------------------------------------------

#: The counting word printed after a total of each kind.
KIND_UNIT: dict[str, str] = {
    "people": "人",
    "person_times": "人次",
    "funds": "元",
    "events": "场（次）",
    "organizations": "个",
    "items": "份（件）",
    "percent": "%",
    "other": "",
}


def _plain(v: float) -> str:
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.2f}".rstrip("0").rstrip(".")


def fmt_number(value: Any, kind: str | None = None) -> str:
    """A number as a reader expects it: 1200, 20.5万 (money over 10 000), 3.5亿."""
    return "" if is_missing(value) else _fmt_number(float(value), kind)


def _fmt_number(v: float, kind: str | None) -> str:
    if kind == "funds" and abs(v) >= 1e8:
        return _plain(v / 1e8) + "亿"
    if kind == "funds" and abs(v) >= 1e4:
        return _plain(v / 1e4) + "万"
    if kind not in (None, "percent") and abs(v) >= 1e5:
        return _plain(v / 1e4) + "万"
    return _plain(v)


def _num(value: Any) -> float:
    return 0.0 if is_missing(value) else float(value)


def describe_total(kind: str, exact_sum: Any, low_sum: Any, high_sum: Any,
                   n_exact: Any = 0, n_approx: Any = 0, n_redacted: Any = 0) -> str:
    """One total in words, with its precision caveats.

    ``1200人`` when exact; ``约20万–21万元`` when approximate figures are involved (an
    interval when the bounds differ); ``另有2处数字被隐去`` appended for redacted figures.
    Never mixes kinds: one call = one kind.
    """
    low = _num(low_sum) if not is_missing(low_sum) else _num(exact_sum)
    high = _num(high_sum) if not is_missing(high_sum) else low
    return _describe(kind, low, high, int(_num(n_exact)), int(_num(n_approx)),
                     int(_num(n_redacted)))


def describe_totals(df: pd.DataFrame) -> list[str]:
    """:func:`describe_total` of every row of ``df`` (columns kind, exact_sum, low_sum,
    high_sum, n_exact, n_approx, n_redacted), computed on whole columns."""
    if not len(df):
        return []
    num = {c: pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
           for c in ("exact_sum", "low_sum", "high_sum", "n_exact", "n_approx", "n_redacted")}
    low = np.where(np.isnan(num["low_sum"]), np.nan_to_num(num["exact_sum"]), num["low_sum"])
    high = np.where(np.isnan(num["high_sum"]), low, num["high_sum"])
    counts = [np.nan_to_num(num[c]).astype(np.int64).tolist()
              for c in ("n_exact", "n_approx", "n_redacted")]
    return [_describe(*r) for r in zip(df["kind"].tolist(), low.tolist(), high.tolist(), *counts)]


def _describe(kind: str, low: float, high: float, n_exact: int, n_approx: int,
              n_redacted: int) -> str:
    unit = KIND_UNIT.get(kind, "")
    parts: list[str] = []
    if n_exact + n_approx > 0:
        if n_approx == 0 or abs(high - low) < 1e-9:
            prefix = "约" if n_approx else ""
            parts.append(f"{prefix}{_fmt_number(low, kind)}{unit}")
        else:
            parts.append(f"约{_fmt_number(low, kind)}–{_fmt_number(high, kind)}{unit}")
    if n_redacted:
        if parts:
            parts.append(f"另有{n_redacted}处数字被隐去")
        else:
            parts.append(f"数字被隐去（{n_redacted}处）")
    return "，".join(parts)
