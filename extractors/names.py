"""Find and mask the personal names of children (a poor pupil, a left-behind child…).

Reports name the children they helped ("帮扶贫困学生申光堰", "留守儿童田俊函", "张琴同学").
Those names are personal data of minors and must not reach aggregate outputs.  Names are
found by *context*, not by a name dictionary:

* a child-role noun (学生, 儿童, 孩子, 少年, 孤儿, 患儿, 留守儿童, 贫困生 …, possibly with a
  qualifier such as 贫困/留守/困境/患病/单亲 in front) immediately followed by a 2–3
  character name that starts with a common surname (``data/surnames.txt``) and ends at a
  clause boundary ("，", "、", end of text) or before a typical continuation (身患, 家住,
  的, 同学 …);
* a name immediately followed by 同学 / 小朋友;
* "名叫/叫 NAME 的 … 学生";
* further names in an enumeration after a found one ("田俊函、李小明").

Adults (书记彭涛同志, 李小桃为副组长), titles (王老师) and place names (…村, …镇) are not
masked.  Pure functions: text in, spans out.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_CJK = "\u4e00-\u9fff"

#: Child-role nouns, longest first so "小学生" wins over "学生".
ROLE_NOUNS = sorted({
    "留守儿童", "困境儿童", "孤残儿童", "流动儿童", "贫困儿童", "残疾儿童",
    "小学生", "中学生", "初中生", "高中生", "大学生", "贫困生", "特困生", "困难生", "学困生",
    "学生", "儿童", "孩子", "少年", "孤儿", "患儿", "学童", "幼儿", "女童", "男童",
    "女孩", "男孩", "小朋友", "学子", "同学", "少儿", "小孩", "娃娃",
}, key=len, reverse=True)

#: Words that follow a name and close it (besides punctuation).
FOLLOWERS = (
    "同学", "小朋友", "身患", "患有", "患", "家住", "家里", "家中", "家庭", "一家", "的", "是",
    "在", "今年", "现年", "年仅", "自幼", "从小", "因", "于", "就读", "考上", "考入", "被", "等",
    "和", "与", "及", "获", "得到", "父", "母", "爷", "奶", "已", "送", "手", "成绩",
    "捐", "筹", "治疗", "医治", "手术", "上学", "读书", "入学", "完成", "顺利", "参加", "考",
    "购", "申请", "渡过", "度过", "重返", "等人", "同", "也", "都", "还", "住",
)

#: Titles / adult nouns: a candidate containing or followed by one of these is an adult.
ADULT_WORDS = (
    "同志", "书记", "主任", "校长", "老师", "教师", "局长", "组长", "主席", "院长", "委员",
    "先生", "女士", "阿姨", "叔叔", "爷爷", "奶奶", "老人", "家长", "师傅", "部长", "县长",
    "镇长", "村长", "市长", "处长", "科长", "干部", "志愿者", "辅导员", "代表", "教授", "医生",
)

#: Frequent words that begin with a surname character but are not names.
STOP_WORDS = frozenset("""
关爱 关心 关怀 关注 关工 安全 安置 成长 成绩 成才 成为 成员 时代 时期 时间 时候 全体 全部 全面 全校
全班 全市 全县 全区 全镇 全国 和家 向上 向往 于是 都是 都有 都能 明白 明天 方面 文明 文化 文艺
常识 水平 高中 高校 高考 高兴 高一 高二 高三 司机 师生 国家 国旗 强国 来自 来到 应该 应当 权益
展示 展开 习惯 宁静 乐园 乐于 温暖 温馨 康复 齐心 连续 路上 游戏 车辆 党员 党课 党史 宣传 宣讲
宿舍 公寓 食堂 家长 代表 平安 程度 金秋 华诞 和谐 健康 于此 从事 从而 从小 都市 过程 过年 过节
位置 言行 海洋 云端 原因 原来 官方 门口 闻名 花园 幸福 那些 严重 严格 周末 周边 周年 周围 黄金
马上 石头 白血 文具 包括 包裹 书包 管理 管护 华夏 申请 申报 申领 余名 余人 万名 万人 江南 江北
童年 童话 童心 童趣 方阵 常规 路队 车队 温度 高度 高温 程序 成果 成效 成人 时刻 全员 全程 安康 尚未 甘肃 云南 江苏 江西 海南 安徽 山东 吉林 宁夏 贵州 湖南 湖北 广东 广西
""".split())

_PLACE_SUFFIX = set("村镇乡县市区省街路巷校园站所院庄屯寨营堡港")
_NOT_IN_NAME = set("的了们和与及等在是为对把被将从向中上下里个名人位次元年日时说会到也都就而并其这那之以已让使给有无不没每各该此、，。；：")
_PREPOSITION_START = set("向和于与从对为给把被将让由同跟及都也并时使令叫名是有在的代来过")
_BOUNDARY = set("，,。.、；;：:！!？?）)]】」』”\"'’ \t\r\n\u3000（(")
_QUALIFIERS = ("贫困", "留守", "困境", "患病", "重病", "单亲", "困难", "孤残", "残疾", "特困", "失学")

_ROLE_RE = re.compile("|".join(map(re.escape, ROLE_NOUNS)))
_CALLED_RE = re.compile(r"(?:名叫|叫做|名字叫|名为|叫)")
_AFTER_ROLE_RE = re.compile(r"同学们?|小同学|小朋友")


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, compound surnames) from the packaged list."""
    text = resources.files("extractors").joinpath("data/surnames.txt").read_text("utf-8")
    words = [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")]
    return frozenset(w for w in words if len(w) == 1), frozenset(w for w in words if len(w) == 2)


@lru_cache(maxsize=1)
def _surname_starts() -> frozenset[str]:
    """Characters a surname (single or compound) can start with."""
    single, compound = surnames()
    return single | {w[0] for w in compound}


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _surname_len(cand: str) -> int:
    single, compound = surnames()
    if cand[:2] in compound:
        return 2
    if cand[:1] in single:
        return 1
    return 0


def _plausible(cand: str) -> bool:
    """A 2–4 character string that looks like a personal name on its own."""
    if not 2 <= len(cand) <= 4 or not all(_is_cjk(c) for c in cand):
        return False
    sl = _surname_len(cand)
    if sl == 0 or not 1 <= len(cand) - sl <= 2:
        return False
    given = cand[sl:]
    if any(c in _NOT_IN_NAME for c in given):
        return False
    if cand in STOP_WORDS or cand[:2] in STOP_WORDS or (len(cand) > 2 and cand[1:3] in STOP_WORDS):
        return False
    if cand[-1] in _PLACE_SUFFIX:
        return False
    return not any(w in cand for w in ADULT_WORDS)


def _right_kind(text: str, end: int) -> int:
    """2 when a name may end at ``end`` before punctuation/end, 1 before a follower word, else 0."""
    if end >= len(text) or text[end] in _BOUNDARY:
        return 2
    rest = text[end:end + 4]
    if any(rest.startswith(w) for w in ADULT_WORDS):
        return 0
    if any(rest.startswith(w) for w in FOLLOWERS):
        return 1
    return 0


def _name_after(text: str, pos: int) -> tuple[int, int] | None:
    """The best name span starting at ``pos`` (right after a role noun), or None."""
    if text[pos:pos + 1] not in _surname_starts():  # every candidate needs a surname here
        return None
    options = []
    for length in (4, 3, 2):
        cand = text[pos:pos + length]
        if len(cand) != length or not _plausible(cand):
            continue
        if length == 4 and _surname_len(cand) != 2:
            continue
        kind = _right_kind(text, pos + length)
        if kind:
            options.append((kind, length))
    if not options:
        return None
    # punctuation-closed beats follower-closed; among equals the longer name wins,
    # except that a follower-closed 2-char name beats a follower-closed 3-char one
    # ("张琴身患" -> 张琴).
    best_kind = max(k for k, _ in options)
    lengths = [n for k, n in options if k == best_kind]
    length = max(lengths) if best_kind == 2 else min(lengths)
    return pos, pos + length


def _name_before(text: str, end: int) -> tuple[int, int] | None:
    """The best name span ending at ``end`` (right before 同学 / 小朋友), or None."""
    valid = [n for n in (4, 3, 2) if end - n >= 0 and _plausible(text[end - n:end])
             and (n < 4 or _surname_len(text[end - n:end]) == 2)]
    if not valid:
        return None
    if 3 in valid and 2 in valid and text[end - 3] in _PREPOSITION_START:
        return end - 2, end
    return end - valid[0], end


def _enumerated(text: str, span: tuple[int, int], found: list[tuple[int, int]]) -> None:
    """Follow "NAME、NAME和NAME" after a found name."""
    pos = span[1]
    while pos < len(text) and text[pos] in "、和及与":
        nxt = _name_after(text, pos + 1)
        if nxt is None:
            return
        found.append(nxt)
        pos = nxt[1]


def find_child_names(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of children's personal names in ``text``, sorted, non-overlapping."""
    found: list[tuple[int, int]] = []
    for m in _ROLE_RE.finditer(text):
        span = _name_after(text, m.end())
        if span:
            found.append(span)
            _enumerated(text, span, found)
    for m in _AFTER_ROLE_RE.finditer(text):
        span = _name_before(text, m.start())
        if span:
            found.append(span)
    for m in _CALLED_RE.finditer(text):
        span = _name_after(text, m.end())
        if span and text[span[1]:span[1] + 1] == "的":
            if _ROLE_RE.match(_strip_qualifiers(text[span[1] + 1:span[1] + 12])):
                found.append(span)
    return _merge(found)


def _strip_qualifiers(s: str) -> str:
    changed = True
    while changed:
        changed = False
        for q in _QUALIFIERS + ("农村", "一名", "一位", "一个", "小"):
            if s.startswith(q):
                s, changed = s[len(q):], True
    return s


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Keep each span's first character and replace the rest by "*" (申光堰 -> 申**)."""
    chars = list(text)
    for s, e in spans:
        for i in range(max(0, s) + 1, min(e, len(chars))):
            chars[i] = "*"
    return "".join(chars)


def mask_children(text: str) -> str:
    """Convenience: ``mask(text, find_child_names(text))``."""
    return mask(text, find_child_names(text))
