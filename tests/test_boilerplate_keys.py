"""The boilerplate line filter's cheap pre-test never hides a line the full pattern drops."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.boilerplate import _DROP_KEYS, _DROP_LINE

ROOT = Path(__file__).resolve().parent.parent
# every run of literal characters in the pattern, so generated lines hit each alternative
_LITERALS = sorted({m for m in re.findall(r"[\u3400-\u9fff©》【】A-Za-z/_]+", _DROP_LINE.pattern)
                    if len(m) >= 1})
_FRAGMENTS = _LITERALS + ["：", ":", " ", "12", "2023", "-", "/", "第", "页", "共", "关工委", "。", "x"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=8))
def test_keys_pass_every_generated_line_the_pattern_drops(parts):
    line = "".join(parts)
    assert not _DROP_LINE.search(line) or _DROP_KEYS.search(line), line


def test_keys_pass_every_sample_line_the_pattern_drops():
    lines = [line for path in (ROOT / "corpus" / "samples").glob("*.txt")
             for line in path.read_text("utf-8").splitlines()]
    lines += ["当前位置：首页 > 新闻", "第 2 页 / 共 5 页", "本文由会员分享，仅供参考", "2023-05-01 10:20",
              "【 打印 】【 关闭 】", "Copyright © 2023", "上一篇：关工委工作", "请在百度文库上搜索"]
    dropped = [line for line in lines if _DROP_LINE.search(line)]
    assert len(dropped) >= 8
    assert all(_DROP_KEYS.search(line) for line in dropped)
