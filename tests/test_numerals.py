"""Property tests for extractors.numerals (hypothesis; cn2an as an oracle for plain integers)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.numerals import (
    int_to_chinese,
    numeral_interval,
    parse_numeral,
    parse_numeral_step,
    range_interval,
    vague_interval,
)

FAST = settings(max_examples=150, deadline=None)
DIG = "零一二三四五六七八九"
FW = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def to_chinese(n: int, two: bool = False, lead_one: bool = False) -> str:
    """An independent int -> Chinese writer (different code from numerals.int_to_chinese)."""
    if n == 0:
        return "零"
    units = [(10**8, "亿"), (10**4, "万")]
    for size, name in units:
        if n >= size:
            hi, lo = divmod(n, size)
            head = to_chinese(hi, two, lead_one)
            if lo == 0:
                return head + name
            sep = "零" if lo < size // 10 else ""
            return head + name + sep + to_chinese(lo, two, lead_one=True)
    out = ""
    pending_zero = False
    for size, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, size)
        if d == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        digit = "两" if two and d == 2 and size >= 100 else DIG[d]
        if size == 10 and d == 1 and not out and not lead_one:
            digit = ""
        out += digit + name
    return out


# --- Arabic ----------------------------------------------------------------------------

@FAST
@given(st.integers(min_value=0, max_value=10**12))
def test_arabic_round_trip(n):
    assert parse_numeral(str(n)) == n
    assert parse_numeral(f"{n:,}") == n
    assert parse_numeral(str(n).translate(FW)) == n  # full-width digits


@FAST
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_arabic_decimals(d):
    assert Decimal(str(parse_numeral(str(d)))) == d


@FAST
@given(st.integers(min_value=1, max_value=9999), st.sampled_from([("万", 10**4), ("亿", 10**8)]))
def test_arabic_with_multiplier(n, mult):
    ch, factor = mult
    assert parse_numeral(f"{n}{ch}") == n * factor
    assert parse_numeral(f"{n / 10}{ch}") == pytest.approx(n * factor / 10)


@FAST
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1000, max_value=9999))
def test_mixed_wan(a, b):
    assert parse_numeral(f"{a}万{b}") == a * 10**4 + b  # 3万4000
    assert parse_numeral(f"{a}亿{b}万") == a * 10**8 + b * 10**4  # 1亿2000万


# --- Chinese ---------------------------------------------------------------------------

@FAST
@given(st.integers(min_value=0, max_value=10**12 - 1), st.booleans())
def test_chinese_generated(n, two):
    s = to_chinese(n, two=two)
    assert parse_numeral(s) == n, s


@FAST
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_writer_agrees_with_generator(n):
    assert parse_numeral(int_to_chinese(n)) == n


@FAST
@given(st.integers(min_value=0, max_value=10**9))
def test_cn2an_oracle(n):
    cn2an = pytest.importorskip("cn2an")
    s = cn2an.an2cn(n)
    assert parse_numeral(s) == cn2an.cn2an(s, "strict") == n


@pytest.mark.parametrize("s,v", [
    ("十八", 18), ("两", 2), ("一百二十", 120), ("一万二千", 12000), ("一万二", 12000),
    ("一百二", 120), ("三千五", 3500), ("一百零二", 102), ("一千零五", 1005), ("十", 10),
    ("两千", 2000), ("二十万", 200000), ("1,100万", 11000000), ("1.2亿", 120000000),
    ("12万", 120000), ("3万4000", 34000),
])
def test_chinese_and_mixed_examples(s, v):
    assert parse_numeral(s) == v


@pytest.mark.parametrize("s", ["统一", "一一", "百", "千", "万", "二三", "", "abc", "十x"])
def test_not_numerals(s):
    assert parse_numeral(s) is None


@pytest.mark.parametrize("s", ["二〇二二", "一九四九"])
def test_digit_strings_are_not_counts(s):
    assert parse_numeral(s) is None  # years written digit by digit


# --- vague forms and qualifiers -----------------------------------------------------------

@pytest.mark.parametrize("s,lo,hi", [
    ("数十", 20, 90), ("数百", 200, 900), ("上千", 1000, 9000), ("数千", 1000, 9000), ("数万", 10000, 90000),
    ("十几", 11, 19), ("两三", 2, 3), ("三四十", 30, 40), ("七八百", 700, 800),
    ("十五六", 15, 16), ("几十", 20, 90), ("数十万", 200000, 900000), ("二十几", 21, 29),
])
def test_vague_examples(s, lo, hi):
    iv = vague_interval(s)
    assert (iv.low, iv.high, iv.approx, iv.value) == (lo, hi, True, None)


@FAST
@given(st.integers(min_value=1, max_value=8), st.sampled_from(["", "十", "百", "千", "万"]))
def test_adjacent_pairs_bracket_both_numbers(a, unit):
    s = DIG[a] + DIG[a + 1] + unit  # 两三, 三四十, 七八百…
    s = s.replace("二", "两") if s.startswith("二") else s
    iv = numeral_interval(s)
    scale = {"": 1, "十": 10, "百": 100, "千": 1000, "万": 10**4}[unit]
    assert iv.low == a * scale and iv.high == (a + 1) * scale and iv.value is None and iv.approx


@FAST
@given(st.integers(min_value=1, max_value=10**7), st.sampled_from(["多", "余"]))
def test_duo_yu_interval_is_one_step_of_last_digit(n, suf):
    iv = numeral_interval(str(n), suffix=suf)
    step = iv.high - iv.low
    s = str(n).rstrip("0")
    assert iv.low == n == iv.value and iv.approx
    assert step == 10 ** (len(str(n)) - len(s))  # 4200多 -> +100, 11000多 -> +1000


@FAST
@given(st.integers(min_value=1, max_value=999), st.sampled_from(["多", "余"]))
def test_multiplier_step_follows_the_qualified_digit(n, suf):
    # 20余万 -> [20万, 30万); 500多万 -> [500万, 600万); but 10万余 -> [10万, 11万)
    a = numeral_interval(str(n), suffix=suf, mult="万")
    b = numeral_interval(f"{n}万", suffix=suf)
    s = str(n)
    step = 10 ** (len(s) - len(s.rstrip("0")))
    assert (a.low, a.high) == (n * 10**4, (n + step) * 10**4)
    assert (b.low, b.high) == (n * 10**4, (n + 1) * 10**4)


@FAST
@given(st.integers(min_value=10, max_value=10**6))
def test_prefix_qualifiers(n):
    near = numeral_interval(str(n), prefix="近")
    about = numeral_interval(str(n), prefix="约")
    left = numeral_interval(str(n), post="左右")
    under = numeral_interval(str(n), prefix="不足")
    assert near.low == pytest.approx(0.9 * n) and near.high == n and near.value == n
    assert (about.low, about.high) == (left.low, left.high)
    assert about.low == pytest.approx(0.9 * n) and about.high == pytest.approx(1.1 * n)
    assert under.high == n and under.approx
    exact = numeral_interval(str(n))
    assert exact.low == exact.high == exact.value == n and not exact.approx


@pytest.mark.parametrize("num,kw,lo,hi", [
    ("4200", {"suffix": "多"}, 4200, 4300), ("20", {"suffix": "余", "mult": "万"}, 200000, 300000),
    ("1300", {"suffix": "多"}, 1300, 1400), ("8000", {"prefix": "近"}, 7200, 8000),
    ("30", {"post": "以上"}, 30, 40), ("5", {"post": "以上"}, 5, 6), ("百", {"suffix": "余"}, 100, 200),
    ("百", {"prefix": "近"}, 90, 100), ("十", {"suffix": "多"}, 10, 20),
    ("二十万", {"suffix": "多"}, 200000, 210000), ("二十", {"suffix": "余", "mult": "万"}, 200000, 300000),
    ("三百", {"suffix": "多"}, 300, 400), ("一万二千", {"suffix": "余"}, 12000, 13000),
])
def test_guideline_examples(num, kw, lo, hi):
    iv = numeral_interval(num, **kw)
    assert (iv.low, iv.high, iv.approx) == (lo, hi, True)


@FAST
@given(st.text(alphabet="xX×*", min_size=1, max_size=4), st.sampled_from(["", "万"]),
       st.sampled_from(["", "余", "多"]))
def test_redacted_never_guessed(mark, mult, suf):
    iv = numeral_interval(mark + mult, suffix=suf)
    assert iv.redacted and iv.value is None and iv.low is None and iv.high is None
    assert iv.approx == bool(suf)


@FAST
@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500))
def test_ranges(a, d):
    iv = range_interval(str(a), str(a + d))
    assert (iv.value, iv.low, iv.high, iv.approx) == (None, a, a + d, True)
    assert range_interval(str(a + d), str(a)) is None  # a descending 'range' is not one


def test_range_with_shared_multiplier():
    assert (range_interval("3", "5万").low, range_interval("3", "5万").high) == (30000, 50000)
    assert range_interval("三", "五").high == 5


def test_step_reported():
    assert parse_numeral_step("4200")[1] == 100
    assert parse_numeral_step("一万二千")[1] == 1000
