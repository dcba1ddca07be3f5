"""Surface forms of synthetic quantities, with their truth (value, interval, flags).

Used by the synthetic report generator (:mod:`pipeline.synth`).  Every function takes a
``random.Random`` so output is deterministic for a seed.  Intervals follow
corpus/gold/GUIDELINES.md: 近N / 不足N -> [0.9N, N]; N多 / N余 / N以上 / 超过N / 逾N ->
[N, N + step) where step is the magnitude of the last non-zero digit written before the
qualifier, times a 万 that follows it (20余万 -> [20万, 30万); 10万余 -> [10万, 11万)); 约N / N左右 -> [0.9N, 1.1N]; vague words (数十, 数百, 上千, 十几 …) -> fixed
intervals with ``value`` null; ranges 3至5场 -> [3, 5] with ``value`` null; redacted
(xx名, XX万元) -> all null.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

_DIG = "零一二三四五六七八九"
_FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")

#: measure words used when the counted noun does not bring its own
DEFAULT_MEASURES = {
    "people": ["名", "人"], "person_times": ["人次"], "events": ["场", "次"],
    "organizations": ["个"], "items": ["份"], "funds": ["元"], "percent": ["%"],
}

#: (surface, low, high) of vague numerals; value is null for them
VAGUE = {
    "events": [("数十", 20, 90), ("十几", 11, 19)],
    "people": [("数百", 200, 900), ("上千", 1000, 9000), ("数十", 20, 90), ("百余", 100, 200)],
    "person_times": [("上千", 1000, 9000), ("数千", 1000, 9000)],
    "organizations": [("十几", 11, 19), ("数十", 20, 90)],
    "items": [("数百", 200, 900), ("数十", 20, 90)],
}
_REDACT = ["xx", "XX", "xxx", "××", "x", "XXX"]


@dataclass
class Surface:
    """One rendered quantity: its text and its truth fields."""

    text: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    approx: bool
    redacted: bool
    style: str


def zh_number(n: int) -> str:
    """Chinese numeral for 0 < n < 100000 (十八, 一百零五, 三千二百)."""
    if not 0 < n < 100000:
        raise ValueError(n)
    if n < 10:
        return _DIG[n]
    if n < 20:
        return "十" + (_DIG[n % 10] if n % 10 else "")
    out, zero = [], False
    for unit, name in ((10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d:
            if zero:
                out.append("零")
            out.append(_DIG[d] + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)


def _step(n: float) -> float:
    """Magnitude of the last non-zero digit of a positive integer (4200 -> 100)."""
    n = int(round(n))
    step = 1
    while n and n % 10 == 0:
        n //= 10
        step *= 10
    return step


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def round_sig(v: float, sig: int = 2) -> int:
    """Round a positive number to ``sig`` significant digits (4237 -> 4200)."""
    v = int(round(v))
    if v < 10 ** sig:
        return max(1, v)
    mag = 10 ** (len(str(v)) - sig)
    return int(round(v / mag) * mag)


def exact(value: float, measure: str, kind: str, rng: random.Random,
          styles: tuple[str, ...] = ("arabic", "fullwidth", "chinese", "wan")) -> Surface:
    """An exact number; style chosen among those that fit the value."""
    fits = ["arabic"]
    if "fullwidth" in styles:
        fits.append("fullwidth")
    if "chinese" in styles and float(value).is_integer() and 2 <= value < 1000 and kind != "percent":
        fits += ["chinese", "chinese"]
    if "wan" in styles and value >= 10000 and value % 1000 == 0:
        fits += ["wan", "wan", "wan"]
    weights = {"arabic": 14, "fullwidth": 1, "chinese": 2, "wan": 3}
    style = rng.choices(fits, [weights[s] for s in fits])[0]
    if kind == "funds" and style in ("arabic", "fullwidth") and value >= 10000 and value % 100 == 0 \
            and rng.random() < 0.5:
        style = "wan"
    if kind == "percent":
        num = _num(value)
        if style == "fullwidth":
            num = num.translate(_FULL)
        if float(value).is_integer() and 0 < value < 100 and rng.random() < 0.08:
            return Surface("百分之" + zh_number(int(value)), value, value, value, "%", False, False,
                           "chinese")
        return Surface(num + "%", value, value, value, "%", False, False, style)
    if style == "chinese":
        zh = "两" if value == 2 else zh_number(int(value))
        return Surface(zh + measure, value, value, value, measure, False, False, style)
    if style == "wan":
        num = _num(value / 10000) + "万"
        unit = "万元" if kind == "funds" else measure
        surf = num + ("元" if kind == "funds" else measure)
        return Surface(surf, value, value, value, unit, False, False, style)
    num = _num(value)
    if style == "fullwidth":
        num = num.translate(_FULL)
    return Surface(num + measure, value, value, value, measure, False, False, style)


def approximate(value: float, measure: str, kind: str, rng: random.Random) -> Surface:
    """An approximate number (近/多/余/约/左右/以上/超过/逾/不足, vague words)."""
    money_wan = kind == "funds" and value >= 20000
    mult = 10000 if money_wan else 1
    unit = "万元" if money_wan else measure
    tail = "万元" if money_wan else ("元" if kind == "funds" else measure)
    if kind == "percent":
        n = int(round(value))
        if rng.random() < 0.5:
            n = max(10, n // 10 * 10)
        return Surface(f"{n}%以上", n, n, n + _step(n), "%", True, False, "over")
    n = round_sig(value / mult, 1 if value / mult < 1000 else 2)
    if money_wan and rng.random() < 0.5:
        n = max(2, int(round(value / mult)))
    base = n * mult
    choices = ["near", "more", "yu", "about", "around", "over", "exceed", "under"]
    if kind in VAGUE and not money_wan:
        choices.append("vague")
    style = rng.choice(choices)
    num = _num(n)
    if style in ("more", "yu") and (n < 10 or n % 10) and not money_wan:
        style = "near"  # 23多名 is not idiomatic; 20多名 / 4200多名 are
    if style == "near":
        return Surface(f"近{num}{tail}", base, 0.9 * base, base, unit, True, False, style)
    if style == "under":
        return Surface(f"不足{num}{tail}", base, 0.9 * base, base, unit, True, False, style)
    if style in ("more", "yu"):
        word = "多" if style == "more" else "余"
        step = _step(n) * mult
        if money_wan and rng.random() < 0.4:  # 10万余元: the qualifier follows 万, step one 万
            return Surface(f"{num}万{word}元", base, base, base + mult, unit, True, False, style)
        if money_wan:  # 20余万元: step of the last non-zero digit, times 万
            return Surface(f"{num}{word}万元", base, base, base + step, unit, True, False, style)
        return Surface(f"{num}{word}{tail}", base, base, base + step, unit, True, False, style)
    if style == "about":
        return Surface(f"约{num}{tail}", base, 0.9 * base, 1.1 * base, unit, True, False, style)
    if style == "around":
        return Surface(f"{num}{tail}左右", base, 0.9 * base, 1.1 * base, unit, True, False, style)
    if style == "over":
        step = _step(n) * mult
        return Surface(f"{num}{tail}以上", base, base, base + step, unit, True, False, style)
    if style == "exceed":
        word = rng.choice(["超过", "逾"])
        step = _step(n) * mult
        return Surface(f"{word}{num}{tail}", base, base, base + step, unit, True, False, style)
    word, lo, hi = rng.choice(VAGUE[kind])
    return Surface(word + tail, None, lo, hi, unit, True, False, "vague")


def over(value: float, measure: str, kind: str) -> Surface:
    """A threshold such as 500名以上 / 30%以上 (targets): [N, N + step)."""
    if kind == "percent":
        n = int(value)
        return Surface(f"{n}%以上", n, n, n + _step(n), "%", True, False, "over")
    tail = "元" if kind == "funds" else measure
    return Surface(f"{_num(value)}{tail}以上", value, value, value + _step(value), tail, True, False,
                   "over")


def number_range(value: float, measure: str, rng: random.Random) -> Surface:
    """A range such as 3至5场 / 3-5场 (value null)."""
    lo = max(2, int(value) - rng.randint(1, 3))
    hi = lo + rng.randint(1, 3)
    sep = rng.choice(["至", "-", "～"])
    return Surface(f"{lo}{sep}{hi}{measure}", None, lo, hi, measure, True, False, "range")


def redacted(measure: str, kind: str, rng: random.Random) -> Surface:
    """An anonymised number (xx名, XX万元, xxxx元)."""
    mask = rng.choice(_REDACT)
    if kind == "funds":
        if rng.random() < 0.5:
            return Surface(mask + "万元", None, None, None, "万元", False, True, "redacted")
        return Surface(rng.choice(["xxxx", "XXXX", "xxxxx"]) + "元", None, None, None, "元", False,
                       True, "redacted")
    if kind == "percent":
        return Surface(mask + "%", None, None, None, "%", False, True, "redacted")
    return Surface(mask + measure, None, None, None, measure, False, True, "redacted")


def render(value: float, measure: str, kind: str, rng: random.Random, mode: str = "any") -> Surface:
    """Render ``value``; mode "exact" keeps it exact (arithmetic), "any" may blur it."""
    if mode == "exact":
        return exact(value, measure, kind, rng)
    r = rng.random()
    if r < 0.05:
        return redacted(measure, kind, rng)
    if r < 0.07 and kind == "events" and value >= 4:
        return number_range(value, measure, rng)
    if r < 0.3 and value >= 40:
        return approximate(value, measure, kind, rng)
    return exact(value, measure, kind, rng)


def draw_value(kind: str, scale: float, rng: random.Random) -> float:
    """A plausible value of a kind for a unit of the given size ``scale`` (1 = township)."""
    if kind == "events":
        return rng.randint(2, 24) * (1 if scale < 3 else rng.randint(1, 4))
    if kind == "people":
        return max(3, int(rng.lognormvariate(4.3, 0.8) * scale))
    if kind == "person_times":
        return max(20, int(rng.lognormvariate(5.5, 0.8) * scale))
    if kind == "organizations":
        return rng.randint(2, 30) * (1 if scale < 3 else rng.randint(2, 6))
    if kind == "items":
        return rng.randint(3, 120)
    if kind == "funds":
        return int(rng.lognormvariate(9.8, 1.0) * scale) // 100 * 100 + 100
    if kind == "percent":
        return rng.randint(55, 99)
    raise ValueError(kind)
