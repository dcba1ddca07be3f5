"""Numerals -> intervals: Arabic, full-width, Chinese, mixed, vague and redacted forms.

``parse_numeral("4200")`` -> 4200; ``parse_numeral("一万二千")`` -> 12000;
``parse_numeral("3万4000")`` -> 34000; ``numeral_interval("数十")`` -> [20, 90];
``numeral_interval("4200", suffix="多")`` -> [4200, 4300).

Precision rules are those of corpus/gold/GUIDELINES.md:
近N / 不足N -> [0.9N, N]; 约N / N左右 -> [0.9N, 1.1N]; N余 / N多 / N以上 / 超过N ->
[N, N + step) where step is the magnitude of the last non-zero written digit before the
qualifier (4200多 -> [4200, 4300), 20余万 -> [200000, 300000), but 10万余 -> [100000, 110000)).  The high bound of a half-open interval is stored as N + step.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2,
    "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
    "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL) + "".join(CN_BIG)

# Full-width digits and number punctuation -> ASCII (same length: offsets are kept).
FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．，％～－ｘＸ＊",
    "0123456789.,%~-xX*",
)
REDACT_CHARS = "xX×*"

_ARABIC = r"[0-9]+(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_TOKEN = re.compile(rf"({_ARABIC})|([{''.join(CN_DIGITS)}])|([{''.join(CN_SMALL)}])|([{''.join(CN_BIG)}])")
_CN_DIGIT_SET = set(CN_DIGITS)


@dataclass(frozen=True)
class Interval:
    """A parsed amount: ``value`` is the written number (None for ranges, vague and
    redacted forms); ``low``/``high`` bound it; ``step`` is the magnitude of the last
    written digit (used by 多/余/以上)."""

    value: float | None
    low: float | None
    high: float | None
    approx: bool = False
    redacted: bool = False
    step: float | None = None

    def scaled(self, factor: float) -> "Interval":
        def s(x):
            return None if x is None else clean(x * factor)
        return Interval(s(self.value), s(self.low), s(self.high), self.approx, self.redacted,
                        s(self.step))


def clean(x: float | Decimal | None):
    """An int when integral, else a float rounded to 6 decimals (no 0.1+0.2 noise)."""
    if x is None:
        return None
    d = Decimal(str(x)) if not isinstance(x, Decimal) else x
    if d == d.to_integral_value():
        return int(d)
    return float(round(d, 6))


def _trailing_zero_step(s: str) -> Decimal:
    """Magnitude of the last non-zero written digit of an Arabic number ("4200" -> 100)."""
    s = s.replace(",", "")
    if "." in s:
        return Decimal(1).scaleb(-len(s.split(".")[1]))
    stripped = s.rstrip("0")
    if not stripped:
        return Decimal(1)
    return Decimal(10) ** (len(s) - len(stripped))


def _decimal_step(s: str) -> Decimal:
    """Magnitude of the last written digit, zeros included ("20" -> 1, "1.5" -> 0.1)."""
    s = s.replace(",", "")
    if "." in s:
        return Decimal(1).scaleb(-len(s.split(".")[1]))
    return Decimal(1)


def parse_numeral_step(s: str) -> tuple[Decimal, Decimal] | None:
    """Parse an exact numeral; return (value, step) or None if ``s`` is not one.

    Handles Arabic with thousands separators and decimals, Chinese numerals (with
    elliptical 一万二 = 12000, 一百二 = 120), digit strings (二〇二二) and mixed forms
    (12万, 1.2亿, 3万4000, 1亿2000万).
    """
    s = s.translate(FULLWIDTH).strip()
    if not s:
        return None
    pos = 0
    toks = []
    for m in _TOKEN.finditer(s):
        if m.start() != pos:
            return None
        pos = m.end()
        if m.group(1):
            toks.append(("A", m.group(1)))
        elif m.group(2):
            toks.append(("D", m.group(2)))
        elif m.group(3):
            toks.append(("S", m.group(3)))
        else:
            toks.append(("B", m.group(4)))
    if pos != len(s) or not toks:
        return None

    # A run of bare Chinese digits (二〇二二, 一九) is a digit string, never a count.
    if all(t == "D" for t, _ in toks):
        if len(toks) == 1:
            return Decimal(CN_DIGITS[toks[0][1]]), Decimal(1)
        return None
    # A bare unit char (十 aside) is not a number on its own: 千家万户, 百年.
    if toks[0][0] == "B" or (toks[0][0] == "S" and toks[0][1] not in "十拾"):
        return None

    total = Decimal(0)     # completed 亿 part
    wan = Decimal(0)       # completed 万 part (inside current 亿 group)
    section = Decimal(0)   # current group below 万
    cur: Decimal | None = None
    cur_kind = ""          # "A" or "D"
    cur_text = ""
    last_unit = Decimal(1)
    prev = ""
    zero_seen = False
    step = Decimal(1)
    for kind, tok in toks:
        if kind == "A":
            if cur is not None or prev == "A":
                return None
            try:
                cur = Decimal(tok.replace(",", ""))
            except InvalidOperation:
                return None
            cur_kind, cur_text = "A", tok
        elif kind == "D":
            d = CN_DIGITS[tok]
            if cur is not None:
                return None  # 一一, 二三 (vague forms are handled by vague_interval)
            if d == 0:
                zero_seen = True
                prev = "Z"
                continue
            cur, cur_kind, cur_text = Decimal(d), "D", tok
        elif kind == "S":
            u = Decimal(CN_SMALL[tok])
            if cur is not None and cur_kind == "A" and cur != cur.to_integral_value():
                return None  # 1.5千 is written, but rare enough to refuse
            section += (cur if cur is not None else Decimal(1)) * u
            cur = None
            last_unit = u
            zero_seen = False
        else:  # big unit
            b = Decimal(CN_BIG[tok])
            group = section + (cur if cur is not None else Decimal(0))
            if group == 0 and cur is None and section == 0:
                if b == 100_000_000 and wan:
                    group = Decimal(0)
                else:
                    return None
            if b == 10_000:
                if wan:
                    return None
                wan = group * b
            else:
                if total:
                    return None
                total = (wan + group) * b
                wan = Decimal(0)
            section = Decimal(0)
            # one unit of the multiplier (of its last decimal for 1.5万): 二十万多 -> +1万
            step = (_decimal_step(cur_text) if cur_kind == "A" and cur is not None else Decimal(1)) * b
            cur = None
            last_unit = b
            zero_seen = False
        prev = kind
    if cur is not None:
        if cur_kind == "D" and prev == "D" and not zero_seen and last_unit >= 10 and len(toks) >= 2 \
                and toks[-2][0] in ("S", "B"):
            # elliptical: 一万二 = 12000, 一百二 = 120, 三千五 = 3500
            section += cur * (last_unit / 10)
            step = last_unit / 10
        else:
            section += cur
            if cur_kind == "A":
                step = _trailing_zero_step(cur_text) if len(toks) == 1 else _decimal_step(cur_text)
                if len(toks) > 1 and cur == cur.to_integral_value():
                    step = _trailing_zero_step(cur_text)
            else:
                step = Decimal(1)
    elif toks[-1][0] == "S":
        step = last_unit
    value = total + wan + section
    return value, step


def parse_numeral(s: str) -> float | None:
    """The value of an exact numeral string, or None."""
    r = parse_numeral_step(s)
    return None if r is None else clean(r[0])


# --- vague numerals -------------------------------------------------------------------
_MULT = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
# 数十 [20, 90], 数百 [200, 900], 上千 [1000, 9000], 数十万 …
_VAGUE_PREFIX = re.compile(r"^(数|几|上|成)(十|百|千|万|亿)(十|百|千|万|亿)?$")
# 十几 [11, 19], 二十几 [21, 29], 几十万
_TEEN_JI = re.compile(r"^([一二两三四五六七八九]?)十几(万|千|百|亿)?$")
# 两三 [2, 3], 三四十 [30, 40], 七八百, 十五六 [15, 16], 三五 [3, 5]
_ADJ_PAIR = re.compile(r"^(十)?([一二两三四五六七八九])([一二两三四五六七八九])(十|百|千|万|亿)?(万|亿)?$")
_VAGUE_HEAD = re.compile(r"^(百|千|万|十)$")


def vague_interval(s: str) -> Interval | None:
    """Intervals for vague numerals without a written exact number."""
    m = _VAGUE_PREFIX.match(s)
    if m:
        u = _MULT[m.group(2)] * (_MULT[m.group(3)] if m.group(3) else 1)
        if m.group(1) == "上" or (m.group(2) in "千万亿" and not m.group(3)):
            return Interval(None, u, 9 * u, True)  # 上千, 数千 [1000, 9000]
        return Interval(None, 2 * u, 9 * u, True)  # 数十 [20, 90], 数百 [200, 900]
    m = _TEEN_JI.match(s)
    if m:
        tens = CN_DIGITS.get(m.group(1), 1) * 10 if m.group(1) else 10
        u = _MULT[m.group(2)] if m.group(2) else 1
        return Interval(None, (tens + 1) * u, (tens + 9) * u, True)
    m = _ADJ_PAIR.match(s)
    if m:
        a, b = CN_DIGITS[m.group(2)], CN_DIGITS[m.group(3)]
        if not (b == a + 1 or (a, b) in ((3, 5), (1, 2), (2, 3))):
            return None
        if m.group(1):  # 十五六
            if m.group(4) in ("十", "百", "千"):
                return None
            a, b = 10 + a, 10 + b
        u = (_MULT[m.group(4)] if m.group(4) else 1) * (_MULT[m.group(5)] if m.group(5) else 1)
        return Interval(None, a * u, b * u, True)
    if s in ("几", "数"):
        return Interval(None, 2, 9, True)
    return None


def _redacted(s: str) -> bool:
    return any(c in REDACT_CHARS for c in s)


@functools.lru_cache(maxsize=65536)
def numeral_interval(num: str, prefix: str = "", suffix: str = "", mult: str = "",
                     post: str = "") -> Interval | None:
    """Interval for a numeral with its precision qualifiers.

    ``num``: the numeral (may contain 万/亿 and redaction marks); ``prefix``: 近/约/逾/
    超过/不足…; ``suffix``: 余/多/来 written after the numeral; ``mult``: a 万/亿
    written after the suffix (20余万); ``post``: 以上/左右/以下… after the unit.
    Memoised (reports repeat their numerals; an Interval is immutable).
    """
    num = num.translate(FULLWIDTH)
    approx_marks = bool(prefix or suffix or post)
    if _redacted(num):
        return Interval(None, None, None, approx_marks, True)
    factor = 1
    for ch in mult:
        factor *= _MULT.get(ch, 1)
    r = parse_numeral_step(num)
    if r is None:
        v = vague_interval(num)
        if v is None:
            # 百余, 千余, 近百, 逾千: a bare unit char with a qualifier is a vague numeral
            # (no written number: value None), with the interval of its qualifier.
            if (suffix or prefix or post) and num in ("百", "千", "万"):
                u = Decimal(_MULT[num] * factor)
                iv = apply_qualifiers(u, u, prefix, suffix, post)
                return Interval(None, iv.low, iv.high, True, step=iv.step)
            return None
        return v.scaled(factor)
    value, step = r
    if mult and re.fullmatch(r"[0-9.,]+", num):
        # 20余万 = 20-some 万 -> [20万, 30万); 500多万 -> [500万, 600万): the qualifier
        # stands on the coefficient's last non-zero digit (1.5余万 -> its last decimal)
        step = _trailing_zero_step(num)
    value, step = value * factor, step * factor
    return apply_qualifiers(value, step, prefix, suffix, post)


def apply_qualifiers(value: Decimal, step: Decimal, prefix: str, suffix: str, post: str) -> Interval:
    v, s = Decimal(value), Decimal(step)
    p = prefix
    if p in ("近", "将近", "接近", "不足", "不到", "未满", "不超过"):
        return Interval(clean(v), clean(v * Decimal("0.9")), clean(v), True, step=clean(s))
    if p in ("约", "大约", "大概") or post in ("左右", "上下"):
        return Interval(clean(v), clean(v * Decimal("0.9")), clean(v * Decimal("1.1")), True, step=clean(s))
    if suffix in ("余", "多", "来") or p in ("逾", "超过", "超", "多于") or post in ("以上", "多"):
        return Interval(clean(v), clean(v), clean(v + s), True, step=clean(s))
    if post in ("以下", "以内"):
        return Interval(clean(v), 0, clean(v), True, step=clean(s))
    return Interval(clean(v), clean(v), clean(v), False, step=clean(s))


def range_interval(a: str, b: str, mult: str = "") -> Interval | None:
    """1至4 -> [1, 4]; 3-5万 -> [30000, 50000]; value None, approx True."""
    ra, rb = parse_numeral_step(a.translate(FULLWIDTH)), parse_numeral_step(b.translate(FULLWIDTH))
    if _redacted(a) or _redacted(b):
        return Interval(None, None, None, True, True)
    if ra is None or rb is None:
        return None
    lo, hi = ra[0], rb[0]
    factor = Decimal(1)
    for ch in mult:
        factor *= _MULT.get(ch, 1)
    # 3-5万 / 三至五万: the multiplier written once applies to both ends.
    big_b = re.search(r"[万亿千百]$", b)
    if big_b and not re.search(r"[万亿千百十]", a):
        m = Decimal(_MULT[big_b.group(0)])
        if lo * m <= hi:
            lo = lo * m
    lo, hi = lo * factor, hi * factor
    if lo >= hi:
        return None
    return Interval(None, clean(lo), clean(hi), True)


def int_to_chinese(n: int, two: bool = False) -> str:
    """Write a non-negative integer in Chinese (一百二十, 一万零五); used by tests and synth."""
    if n == 0:
        return "零"
    digits = "零一二三四五六七八九"

    def below_10k(x: int, leading: bool) -> str:
        out, zero = "", False
        for u, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // u
            x %= u
            if d:
                if zero:
                    out += "零"
                    zero = False
                if not (u == 10 and d == 1 and leading and not out):
                    out += digits[d]  # 十五, but 一百一十 and 一万零一十
                out += name
            elif out:
                zero = True
        return out

    parts = []
    groups = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    names = ["", "万", "亿", "万亿"]
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            if parts and parts[-1] != "零":
                parts.append("零")
            continue
        if parts and g < 1000 and parts[-1] != "零":
            parts.append("零")
        parts.append(below_10k(g, leading=not parts) + names[i])
    s = "".join(parts).rstrip("零")
    if two:
        s = re.sub(r"^二(?=[百千万亿])", "两", s)
    return s
