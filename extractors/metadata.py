"""Document metadata from the text: type, reporting unit and level, recipient, years, date.

Anonymised values (XX市, x月xx日) are kept as written and listed in ``anonymised``;
nothing is guessed.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

X = r"[xX×＊*]"
_ANON = re.compile(rf"{X}{{2,}}|(?<![A-Za-z]){X}(?=[市县区镇乡村月日年])")

DOC_TYPES = [
    ("self_inspection", re.compile(r"自查报告|自评报告|自查情况|自检报告")),
    ("speech", re.compile(r"讲话|致辞|发言|报告会上的|动员会上")),
    ("implementation_plan", re.compile(r"实施方案|实施意见|实施细则|活动方案|工作方案|创建方案")),
    ("summary", re.compile(r"总结|工作报告|工作情况(?:的)?报告|述职|年终报告|汇报")),
    ("plan", re.compile(r"要点|工作计划|工作安排|工作打算|工作思路|计划")),
    ("notice", re.compile(r"通知|通报|函$")),
]
_WRAPPED = re.compile(r"印发.{0,4}《(?P<inner>[^》]{2,60})》")
_YEAR = r"(?:19|20)\d{2}|二[〇零○][一二三四五六七八九〇零○]{2}"
_YEAR_IN_TITLE = re.compile(rf"(?P<y>{_YEAR}|{X}{{4}})\s*年(?:度)?(?P<what>(?:(?!{_YEAR}).){{0,12}})")
_DATE = re.compile(rf"(?P<y>{_YEAR}|{X}{{2,4}})\s*年\s*(?P<m>[0-9]{{1,2}}|{X}{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月"
                   rf"\s*(?P<d>[0-9]{{1,2}}|{X}{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日")
_ORG_SUFFIX = (r"(?:关心下一代工作委员会|关工委|关工小组|委员会|居委会|村委会|总工会|工会|党委|党组|党工委|"
               r"政府|办公室|局|厅|委|办|镇|乡|街道|社区|村|学校|中学|小学|大学|学院|幼儿园|公司|集团|协会|支部|分局|所)")
_ORG_LINE = re.compile(rf"^[\u4e00-\u9fffxX（）()·]{{2,40}}{_ORG_SUFFIX}$")
_RECIPIENT = re.compile(r"^\s*(?P<r>[^，,。；;]{2,30}?)\s*[:：]\s*$")
_TITLE_UNIT = re.compile(rf"^(?P<u>[\u4e00-\u9fffxX（）()]{{2,30}}?{_ORG_SUFFIX})(?=关于|20\d\d|二[〇零]|{X}{{4}}|在)")
_SUBJECT_UNIT = re.compile(rf"^(?P<u>[\u4e00-\u9fffxX（）()]{{2,40}}?{_ORG_SUFFIX})(?:近年来|自|于|在|始终|坚持|高度|认真|积极|按照|根据|[,，])")
_SELF = re.compile(r"我(省|市|县|区|镇|乡|街道|村|社区|校|院|局|委|公司|厂|办)")
_SELF_LEVEL = {"省": "province", "市": "city", "县": "county", "区": "county", "镇": "township",
               "乡": "township", "街道": "township", "村": "village", "社区": "community", "校": "school",
               "院": "school", "局": "department", "委": "department", "办": "department",
               "公司": "enterprise", "厂": "enterprise"}
_ORG_IN_TEXT = re.compile(rf"(?:(?<=[^\u4e00-\u9fff])|^|(?<=[由向与对和及、的]))(?P<u>(?:{X}{{2}})?(?:省|市|县|区|镇|乡|街道|社区)(?:关工委|关心下一代工作委员会))", re.M)


@dataclass
class Metadata:
    title: str = ""
    doc_type: str = "other"
    reporting_unit: str | None = None
    level: str = "unknown"
    recipient: str | None = None
    year: int | None = None
    years: dict = field(default_factory=dict)
    issued: str | None = None
    anonymised: list[str] = field(default_factory=list)


def cn_year(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    digits = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9"}
    out = "".join(digits.get(c, "") for c in s)
    return int(out) if len(out) == 4 else None


def level_of(unit: str | None) -> str:
    """Administrative level from a unit name: its last marker decides (XX市市场监督管理局 → department)."""
    if not unit:
        return "unknown"
    u = re.sub(r"(?:关心下一代工作委员会|关工委|关工小组|委员会|党委|党组|党工委|工作委员会)$", "", unit)
    u = re.sub(r"^中共", "", u)
    rules = [
        ("enterprise", r"(?:公司|集团|企业|厂)$"), ("school", r"(?:学校|中学|小学|大学|学院|幼儿园|校)$"),
        ("community", r"(?:社区|居委会)$"), ("village", r"(?:村|村委会)$"),
        ("department", r"(?:局|厅|办公室|办|委|署|中心|支部|分局|所|机关)$"),
        ("township", r"(?:镇|乡|街道)(?:总工会|工会|政府)?$"), ("county", r"(?:县|区|旗)(?:政府)?$"),
        ("city", r"市(?:政府)?$"), ("province", r"省(?:政府)?$"),
    ]
    for level, pat in rules:
        if re.search(pat, u):
            return level
    return "unknown"


_PLAN_HEADINGS = re.compile(r"指导思想|基本原则|工作目标|组织实施|实施步骤|方法步骤|创建标准|考评|保障措施|总体要求|目标任务")
_DONE_CUES = re.compile(r"开展了|组织了|举办了|建立了|成立了|参加了|获得了|受到了|取得了?|圆满完成|近年来|一年来|两年来|"
                        r"今年以来|成效显著|做了大量|得到了")


def doc_type_from_content(text: str) -> str | None:
    """When no title names the type: plan-like headings, or past-tense achievements."""
    heads = set(_PLAN_HEADINGS.findall(text))
    if len(heads) >= 2:
        return "implementation_plan"
    if len(_DONE_CUES.findall(text)) >= 2:
        return "summary"
    return None


def classify_doc_type(title: str, head: str = "") -> str:
    wrapped = _WRAPPED.search(title)
    if wrapped:  # '关于印发《2020年…工作要点》的通知' is the plan itself
        title = wrapped.group("inner")
    if re.search(r"总结.{0,3}暨.{0,12}(?:安排|计划|打算|要点)", title):
        return "summary"
    for name, pat in DOC_TYPES:
        if pat.search(title):
            return name
    if re.match(r"^\s*(?:同志们|各位领导|尊敬的)", head):
        return "speech"
    return "other"


def extract_years(title: str, doc_type: str, issued_year: int | None) -> tuple[int | None, dict]:
    covered, planned = [], []
    for m in _YEAR_IN_TITLE.finditer(title):
        y = cn_year(m.group("y"))
        if y is None:
            continue
        what = m.group("what")
        if re.match(r"\S{0,8}?(?:安排|计划|打算|要点|思路)", what) and not re.match(r"\S{0,6}?总结", what):
            planned.append(y)
        else:
            covered.append(y)
    if re.search(r"来年|明年|下一年", title) and covered:
        planned.append(covered[-1] + 1)
    if not covered and not planned and issued_year:
        (planned if doc_type in ("plan", "implementation_plan") else covered).append(issued_year)
    covered, planned = sorted(set(covered)), sorted(set(planned))
    years = {"covered": covered, "planned": planned}
    year = (planned[0] if doc_type in ("plan", "implementation_plan") and planned
            else covered[0] if covered else planned[0] if planned else None)
    return year, years


def _issued(lines: list[str]) -> tuple[str | None, bool, int | None]:
    """The issue date: a date standing alone on a line near the end (or the top)."""
    candidates = lines[-8:][::-1] + lines[:12]
    for line in candidates:
        s = line.strip()
        m = _DATE.fullmatch(s) if len(s) <= 16 else None
        if not m:
            continue
        y, mo, d = m.group("y"), m.group("m"), m.group("d")
        year = cn_year(y) if not re.search(X, y) else None
        if re.search(X, y + mo + d):
            return s, True, year
        cnd = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
        def num(v):
            if v.isdigit():
                return int(v)
            if len(v) == 1:
                return cnd[v]
            return (cnd.get(v[0], 1) if v[0] != "十" else 1) * 10 + (cnd.get(v[-1], 0) if v[-1] != "十" else 0)
        return f"{year:04d}-{num(mo):02d}-{num(d):02d}", False, year
    return None, False, None


def extract_metadata(text: str, title_hint: str = "", removed: list[str] | None = None,
                     header_specific: bool = False) -> Metadata:
    """Metadata of one article.  ``removed`` are boilerplate lines cut from it (a page's
    '来源:' line can name the publishing unit)."""
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    md = Metadata()
    first = lines[0] if lines else ""
    md.title = title_hint or first
    head = "\n".join(lines[1:6])
    if title_hint and header_specific:
        md.doc_type = classify_doc_type(title_hint, head)
    if title_hint and md.doc_type == "other":  # a header repeating the compilation's name
        own = " ".join(x for x in lines[1:3] if len(x) <= 30)
        md.doc_type = classify_doc_type(own, head) if own else "other"
        if md.doc_type == "other":
            md.doc_type = doc_type_from_content(text) or classify_doc_type(title_hint, head)
    else:
        md.doc_type = classify_doc_type(" ".join([first] + lines[1:2]), head)
    issued, anon_date, issued_year = _issued(lines)
    md.issued = issued
    if anon_date:
        md.anonymised.append("issued")
    titles = [md.title] + [x for x in lines[:3] if len(x) <= 40]
    md.year, md.years = extract_years(" ".join(titles), md.doc_type, issued_year)
    # recipient: a short line ending with a colon near the top, not a greeting
    for line in lines[1:8]:
        m = _RECIPIENT.match(line)
        if m and not re.match(r"^(?:同志们|各位|尊敬的|女士们)", m.group("r")):
            md.recipient = m.group("r").strip()
            break
    selfs = Counter(_SELF.findall(text))
    self_level = _SELF_LEVEL.get(selfs.most_common(1)[0][0]) if selfs else None
    unit = _reporting_unit(lines, md.title, removed or [], self_level)
    md.reporting_unit = _ASIDE.sub("", unit) if unit else None
    md.level = level_of(md.reporting_unit)
    if md.reporting_unit and md.reporting_unit.startswith(("市", "县", "区", "镇", "省")) and md.level == "unknown":
        md.level = level_of(md.reporting_unit[0])
    if md.level == "unknown" and self_level:
        md.level = self_level
    if md.reporting_unit and _ANON.search(md.reporting_unit):
        md.anonymised.append("reporting_unit")
    if md.recipient and _ANON.search(md.recipient):
        md.anonymised.append("recipient")
    return md


_ASIDE = re.compile(r"[(（](?:以下简称|下称|简称)[^)）]{0,12}[)）]")


def _reporting_unit(lines: list[str], title: str, removed: list[str],
                    self_level: str | None = None) -> str | None:
    # 1. the signature: an organisation line just above the closing date
    tail = lines[-6:]
    for i in range(len(tail) - 1, -1, -1):
        if _DATE.fullmatch(tail[i].strip()) and i > 0 and _ORG_LINE.match(tail[i - 1]):
            return tail[i - 1]
    for i, line in enumerate(lines[:14]):
        if _DATE.fullmatch(line) and i > 0 and _ORG_LINE.match(lines[i - 1]):
            return lines[i - 1]
    # 2. the title's leading unit: 'XX局关于报送…', '市关工委2022年工作总结'
    for cand in (title, *lines[:3]):
        m = _TITLE_UNIT.match(cand.strip())
        if m:
            return m.group("u")
    # 3. the page's '来源:' line
    for line in removed:
        m = re.search(r"来源\s*[:：]\s*(?P<u>[\u4e00-\u9fff]{2,30}" + _ORG_SUFFIX + ")", line)
        if m:
            return m.group("u")
    # 4. the subject of the opening sentence: 'xx镇总工会近年来…'
    for line in lines[1:4]:
        m = _SUBJECT_UNIT.match(line)
        if m:
            return m.group("u")
    # 5. the committee the text names most: 'XX市关工委'
    named = Counter(m.group("u") for m in _ORG_IN_TEXT.finditer("\n".join(lines)))
    if self_level:  # '我市…' : the speaker's own committee, not the province it reports to
        named = Counter({u: n for u, n in named.items() if level_of(u) == self_level})
    if named:
        unit, n = named.most_common(1)[0]
        if n >= 2:
            return unit
    return None
