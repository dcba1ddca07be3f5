"""Links between quantity mentions: totals and their parts, and changes (由A提高到B).

``link_quantities(text, quantities)`` fills each mention's ``links`` in place:
``total_of`` (indices of the parts), ``part_of`` (index of the total) and
``changed_from`` (index of the earlier value).  Rules, all within one sentence unless said:

* 其中: the quantity just before 其中 is the total of the same-kind quantities after it
  ("4067人，其中60-79岁老人820人；80-89岁老人165人").
* N个X中，…M个: "全市150个乡镇中，已建立…的有87个" -> 87 part_of 150.
* 共/合计/总计/累计 after an enumeration: "一名…，两名…，十五名…，共使十八名" -> parts.
* 共… followed by parts in the next sentences that add up exactly (104万元 = 27+42+35万元).
* 由/从 A 提高/增加/下降… 到/至/为 B: B.changed_from = A.
"""
from __future__ import annotations

import re

_CHANGE_MID = re.compile(
    r"^[ \t]*(?:逐步|大幅|进一步)?(?:提高|增加|增长|上升|提升|下降|减少|降低|扩大|缩小|调整|调高|调低|"
    r"增|降|升|涨|变|发展|扩展|拓展)?[ \t]*(?:到|至|为|成)[ \t]*(?:了)?$")
_CHANGE_PRE = re.compile(r"(?:由|从)[^，,。；;]{0,6}$")
_TOTAL_PRE = re.compile(r"(?:共|合计|总计|共计|累计|总共|一共|总数|总量)[^，,。；;、]{0,14}$")
_IN_OF = re.compile(r"^[^，,。；;]{0,14}?(?:之)?中[，,]")
_QIZHONG = re.compile(r"其中")
_SUMMABLE = {"people", "person_times", "funds", "events", "organizations", "items"}


def _same(a: dict, b: dict) -> bool:
    return a["kind"] == b["kind"] and a["kind"] in _SUMMABLE


def _set_part(qs: list[dict], part: int, total: int) -> None:
    if qs[part]["links"]["part_of"] is not None or part == total:
        return
    qs[part]["links"]["part_of"] = total
    if part not in qs[total]["links"]["total_of"]:
        qs[total]["links"]["total_of"].append(part)


def _in_sentence(q: dict, s: list[int]) -> bool:
    return s[0] <= q["start"] < s[1]


def _changes(text: str, qs: list[dict]) -> None:
    for i in range(len(qs) - 1):
        a, b = qs[i], qs[i + 1]
        if a["kind"] != b["kind"] or a["unit"] != b["unit"] and a["kind"] != "funds":
            continue
        if not _CHANGE_MID.match(text[a["end"]:b["start"]]):
            continue
        if _CHANGE_PRE.search(text[max(a["sentence"][0], a["start"] - 8):a["start"]]):
            b["links"]["changed_from"] = i
            if a.get("role") in ("achieved", "status"):
                a["role"] = "historical"  # 由300元提高到500元: 300元 was the earlier value


def _qizhong(text: str, qs: list[dict]) -> None:
    for m in _QIZHONG.finditer(text):
        pos = m.start()
        total = None
        for i, q in enumerate(qs):
            if q["end"] > pos:
                break
            total = i
        if total is None:
            continue
        t = qs[total]
        gap = text[t["end"]:pos]
        if len(gap) > 14 or re.search(r"[。；;！!？?\n]", gap) or t["kind"] not in _SUMMABLE:
            continue
        stop = text.find("。", pos)
        stop = len(text) if stop < 0 else stop
        for j in range(total + 1, len(qs)):
            q = qs[j]
            if q["start"] >= stop:
                break
            if _same(q, t) and (t["value"] is None or q["low"] is None or q["low"] <= t["high"]):
                _set_part(qs, j, total)


def _in_of(text: str, qs: list[dict]) -> None:
    for i, t in enumerate(qs):
        if t["kind"] not in _SUMMABLE or not _IN_OF.match(text[t["end"]:t["end"] + 18]):
            continue
        for j in range(i + 1, len(qs)):
            q = qs[j]
            if not _in_sentence(q, t["sentence"]):
                break
            if _same(q, t) and q["unit"] == t["unit"] and q["links"]["part_of"] is None:
                if t["high"] is None or q["low"] is None or q["low"] <= t["high"]:
                    _set_part(qs, j, i)


def _enumerated_totals(text: str, qs: list[dict]) -> None:
    for i, t in enumerate(qs):
        if t["kind"] not in _SUMMABLE or t["links"]["total_of"]:
            continue
        if not _TOTAL_PRE.search(text[max(t["sentence"][0], t["start"] - 20):t["start"]]):
            continue
        # parts written before the total, in the same sentence
        before = [j for j in range(i) if _in_sentence(qs[j], t["sentence"]) and _same(qs[j], t)
                  and qs[j]["links"]["part_of"] is None and not qs[j]["links"]["total_of"]]
        if len(before) >= 2 and all(qs[j]["low"] is None or t["high"] is None
                                    or qs[j]["low"] <= t["high"] for j in before):
            for j in before:
                _set_part(qs, j, i)
            continue
        # parts written after the total (next sentences) that add up exactly
        if t["value"] is None or t["approx"]:
            continue
        acc, run = 0.0, []
        for j in range(i + 1, min(len(qs), i + 12)):
            q = qs[j]
            if "\n" in text[t["end"]:q["start"]] or q["start"] - t["end"] > 400:
                break
            if not _same(q, t) or q["value"] is None:
                continue
            acc += q["value"]
            run.append(j)
            if abs(acc - t["value"]) < 1e-6 and len(run) >= 2:
                for k in run:
                    _set_part(qs, k, i)
                break
            if acc > t["value"]:
                break


def remap_links(q: dict, new_index) -> None:
    """Re-point q's links through ``new_index(old) -> new or None`` (None drops the link),
    after mentions were reordered, merged or dropped."""
    ln = q.get("links") or {}
    total = [new_index(j) for j in ln.get("total_of", [])]
    q["links"] = {"total_of": [j for j in total if j is not None],
                  "part_of": None if ln.get("part_of") is None else new_index(ln["part_of"]),
                  "changed_from": None if ln.get("changed_from") is None else new_index(ln["changed_from"])}


def link_quantities(text: str, quantities: list[dict]) -> list[dict]:
    """Fill ``links`` of each mention (in place) and return the list."""
    for q in quantities:
        q.setdefault("links", {"total_of": [], "part_of": None, "changed_from": None})
    _changes(text, quantities)
    _qizhong(text, quantities)
    _in_of(text, quantities)
    _enumerated_totals(text, quantities)
    for q in quantities:
        q["links"]["total_of"].sort()
    return quantities
