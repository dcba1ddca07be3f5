"""The noun phrase a quantity counts ("1200多名五老" -> 五老).

Only a short window around the number is segmented (jieba with the domain dictionary,
dictionary only, no HMM), never the whole text.  The phrase after the unit wins ("12万名青少年参加" -> 青少年);
when nothing nominal follows, the object before the number is taken
("举办家风家训报告会320场次" -> 家风家训报告会).
"""
from __future__ import annotations

import functools
import re

from extractors.features import pos_tokenizer

_WINDOW = 16
# clause boundaries: the subject never crosses them
_STOP = re.compile(r"[，,。；;：:！!？?、\n\r\t（()）【】\[\]《》<>/|]")
_QUOTED = re.compile(r"[“\"「『‘']([^“”\"「」『』‘’']{1,12})[”\"」』’']")
_NOUNISH = {"n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "ng", "vn", "an", "j", "t", "b", "Q"}
# Domain nouns the general dictionary splits badly; kept whole, as quoted names are.
_DOMAIN = re.compile(
    r"其中|(?:农村|城市|城镇)?(?:留守|困境|贫困|流动|残疾|孤残|失足|失学)(?:儿童|少年|学生|青少年|家庭)|"
    r"关工(?:委|组织|小组|干部|队伍)|五老|老党员|老干部|老教师|老同志|志愿者|辅导员|宣讲团|"
    r"青少年|未成年人|中小学生?|大学生|贫困户")
_SOFT = {"a", "v", "vn", "ad", "d"}  # allowed inside a phrase, between nominal words
_JOIN = {"和", "与", "及", "以及"}
_ONE_CHAR_NOUNS = set("村镇乡校户组室站馆园处厂店")
# Tokens that start a predicate even when the dictionary tags them as nouns.
_VERBISH = re.compile(
    r"^(?:广泛|积极|深入|认真|主动|共同|先后|分别|开展|参观|参加|参与|受到|得到|获得|进行|签订|"
    r"建立|组成|投身|收听|收看|返乡|实现|完成|发放|接受|学习|作了|做了)|"
    r"^(?:被|在|到|从|为|向|对|给|把|将|由|是|有)$")
# Verbs (some tagged as nouns or names: 新建/ns, 力争/nz) that govern a following noun
# ("新建儿童之家" -> 儿童之家) but name the activity when they end the phrase ("视力筛查8次").
_LEADING_VERB = re.compile(
    r"^(?:力争|新建|新增|建成|检查|排查|督查|走访|慰问|举办|召开|推动|推进|资助|救助|表彰|筛查|"
    r"落实|加强)$")
_DROP_HEAD = re.compile(r"^(?:的|等|各类|各种|各级|其中|共|共有|有|了|为|是|达|达到|计)+")
_BAD_SUBJECT = re.compile(r"^(?:以上|以下|左右|余|多|其中|的|等|人|者)$")

def _pos_cut(s: str) -> list[tuple[str, str]]:
    return [(w.word, w.flag) for w in pos_tokenizer().lcut(s, HMM=False)]


def _cut_plain(s: str, out: list[tuple[str, str]]) -> None:
    pos = 0
    for m in _DOMAIN.finditer(s):
        if m.start() > pos:
            out.extend(_pos_cut(s[pos:m.start()]))
        out.append((m.group(0), "r" if m.group(0) == "其中" else "n"))
        pos = m.end()
    if pos < len(s):
        out.extend(_pos_cut(s[pos:]))


@functools.lru_cache(maxsize=32768)
def _tokens(window: str) -> tuple[tuple[str, str], ...]:
    """Segment a window, keeping quoted names (“五老”) as one nominal token (memoised:
    reports repeat the same short phrases around their numbers)."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _QUOTED.finditer(window):
        if m.start() > pos:
            _cut_plain(window[pos:m.start()], out)
        out.append((m.group(1), "Q"))
        pos = m.end()
    if pos < len(window):
        _cut_plain(window[pos:], out)
    out = [(w, f) for w, f in out if w.strip() and w not in "“”\"「」『』‘’'"]
    toks = []
    for i, (w, f) in enumerate(out):
        if f != "Q" and (_VERBISH.match(w) or i + 1 < len(out) and _LEADING_VERB.match(w)):
            f = "v"
        elif w in _ONE_CHAR_NOUNS:
            f = "n"
        toks.append((w, f))
    return tuple(toks)


def _forward(tokens: tuple[tuple[str, str], ...]) -> str:
    words: list[str] = []
    for i, (w, f) in enumerate(tokens):
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if f in _NOUNISH:
            words.append(w)
        elif words and w in _JOIN and nxt in _NOUNISH:
            words.append(w)
        elif f in ("a", "vn", "b", "m") and nxt in _NOUNISH and not words:
            words.append(w)  # 先进集体, 留守儿童 …
        else:
            break
    return "".join(words)


def _backward(tokens: tuple[tuple[str, str], ...]) -> str:
    words: list[str] = []
    n = len(tokens)
    i = n - 1
    while i >= 0:
        w, f = tokens[i]
        left = tokens[i - 1][1] if i > 0 else ""
        if f in _NOUNISH:
            words.append(w)
        elif words and w in _JOIN and left in _NOUNISH:
            words.append(w)
        elif words and f in ("a", "vn", "m") and left in _NOUNISH:
            words.append(w)  # 青年致富双带人才
        elif words and f == "l" and not _VERBISH.match(w):
            words.append(w)  # 家庭教育讲座
        else:
            break
        i -= 1
    return "".join(reversed(words))


def _tidy(s: str) -> str | None:
    s = _DROP_HEAD.sub("", s.strip())
    if not s or _BAD_SUBJECT.match(s) or len(s) < 2 and s not in "村户校":
        return None
    return s[:20]


def subject_after(text: str, end: int) -> str | None:
    """The nominal phrase right after a unit, or None."""
    window = text[end:end + _WINDOW]
    m = _STOP.search(window)
    if m:
        window = window[:m.start()]
    window = re.sub(r"^(?:以上|左右|以下|以内|余|多)", "", window)
    if not window:
        return None
    found = _tidy(_forward(_tokens(window)))
    if found is None and "的" in window:  # 五个保护员工利益的合同
        rest = window[window.rindex("的") + 1:]
        found = _tidy(_forward(_tokens(rest)))
        if found is None and re.fullmatch(r"[\u4e00-\u9fff]{2,6}", rest):
            found = rest
    return found


def subject_before(text: str, start: int, floor: int = 0) -> str | None:
    """The object written before the number ("报告会320场次" -> 报告会), or None."""
    lo = max(floor, start - _WINDOW)
    window = text[lo:start]
    cut = None
    for m in _STOP.finditer(window):
        cut = m.end()
    if cut is not None:
        window = window[cut:]
    window = re.sub(r"(?:共计|合计|总计|累计|共有|共|计|达到|达|约|近|有|为|是|了|各|等|人数|数量)+$", "", window)
    if not window:
        return None
    return _tidy(_backward(_tokens(window)))


def find_subject(text: str, start: int, end: int, floor: int = 0, percent: bool = False) -> str | None:
    """Subject of the quantity at text[start:end] (``floor``: do not look before it)."""
    if percent:
        return subject_before(text, start, floor)
    return subject_after(text, end) or subject_before(text, start, floor)
