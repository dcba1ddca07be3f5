"""Web and download-site boilerplate: which lines (and which parts of lines) are not report.

Pure functions over a list of lines.  Each decision keeps a list of (start, end) spans of
the line (empty = drop the line) and the reason, so nothing is removed silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

CJK = re.compile(r"[\u3400-\u9fff]")

# whole lines that are navigation, page chrome, download-site furniture or footers
_DROP_LINE = re.compile(
    r"^\s*(?:您的位置|当前位置|您现在的位置|所在位置|位置)\s*[:：]"
    r"|^\s*第\s*\d+\s*页\s*[/／]\s*共\s*\d+\s*页\s*$"
    r"|^\s*共\s*\d+\s*页\s*$"
    r"|_第\s*\d+\s*页\s*$"
    r"|点击查看更多|展开阅读全文|阅读全文|查看全文|试读结束|下载资源|^\s*资源描述\s*$"
    r"|上传人\s*[:：]|文档编号\s*[:：]|上传时间\s*[:：]|页数\s*[:：]\s*\d+"
    r"|^\s*(?:相关资源|猜你喜欢|相关搜索|相关文章|相关阅读|推荐范文|推荐阅读|热门文章|热门推荐|精选范文)\s*$"
    r"|上一篇\s*[:：]|下一篇\s*[:：]"
    r"|免责声明|版权所有|[Cc]opyright|©|ICP备|ICP证|经营许可证|备案号"
    r"|转载请|如若转载|请注明出处|本文内容由互联网用户|本站仅提供|本站不拥有|侵权/违法|一经查实"
    r"|来源\s*[:：]\s*网络整理|来源网站\s*[:：]|链接地址\s*[:：]|本文链接|原文链接|本文地址"
    r"|扫一扫|手机打开|手机阅读|加微信|微信公众号|关注公众号"
    r"|浏览次数\s*[:：]|阅读次数\s*[:：]|点击数\s*[:：]|发布时间\s*[:：]|责任编辑\s*[:：]|编辑\s*[:：]\s*\S{1,4}\s*$"
    r"|字体\s*[:：]\s*\[|【\s*打印\s*】|【\s*关闭\s*】|分享到\s*[:：]"
    r"|由会员分享|请在\S{1,12}上搜索|》出自\s*[:：]|本文移动端"
    r"|^\s*(?:政府信息公开|网站首页|首页|网站地图|返回顶部|打印本页|关闭窗口|返回列表|在线咨询)\s*$"
    r"|^\s*\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
# A literal that every _DROP_LINE match contains (one or more per alternative): lines with
# none of them skip the costly search (tests/test_boilerplate_keys.py checks the claim).
_DROP_KEYS = re.compile("|".join(map(re.escape, (
    "位置", "页", "阅读全文", "查看全文", "点击查看更多", "试读结束", "下载资源", "资源描述",
    "上传人", "文档编号", "上传时间", "相关资源", "猜你喜欢", "相关搜索", "相关文章", "相关阅读",
    "推荐范文", "推荐阅读", "热门文章", "热门推荐", "精选范文", "一篇", "免责声明", "版权所有",
    "opyright", "©", "ICP", "经营许可证", "备案号", "转载", "请注明出处", "本文内容由互联网用户",
    "本站", "侵权/违法", "一经查实", "来源", "链接", "本文地址", "扫一扫", "手机打开", "手机阅读",
    "微信", "公众号", "次数", "点击数", "发布时间", "编辑", "字体", "打印", "关闭", "分享",
    "请在", "》出自", "本文移动端", "政府信息公开", "首页", "网站地图", "返回顶部", "返回列表",
    "在线咨询", "-"))))
# a line made only of short site-menu words
_MENU_WORDS = {"下载", "相关", "举报", "收藏", "分享", "打印", "关闭", "评论", "点赞", "复制", "纠错", "返回"}
_URL = re.compile(r"(?:https?://|www\.)[^\s，。；\u3000]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|cn|net|org|gov\.cn)(?:/[^\s，。]*)?", re.I)
# fragments removed from inside a line
_DROP_SPAN = re.compile(
    r"[(（]\s*\d+\s*字\s*[)）]"                                 # word counts (6373字)
    r"|(?:阅读|浏览|点击)\s*[(（:：]?\s*\d+\s*[)）]?\s*次?"       # read counters
    r"|(?:Word|WORD|word)?(?:文件|文档)?下载\.(?:docx?|pdf|wps)\s*$"  # 'Word文件下载.docx'
    r"|\.(?:docx?|pdf|wps)\s*$"
)
# after these, the rest of the page is site furniture (until a new article header)
HARD_END = re.compile(
    r"试读结束|展开阅读全文|查阅全文|^\s*(?:相关资源|猜你喜欢|相关文章|推荐范文|相关阅读|热门文章)\s*$"
    r"|上一篇\s*[:：]|下一篇\s*[:：]|免责声明|来源\s*[:：]\s*网络整理")


@dataclass
class LineDecision:
    keep: list[tuple[int, int]] = field(default_factory=list)
    reason: str = ""


def _is_menu(line: str) -> bool:
    words = line.split()
    return len(words) >= 2 and all(w in _MENU_WORDS for w in words)


def _may_have_url(line: str) -> bool:
    """Every _URL match holds a '.' or '://': a cheap test before the costly search
    (its ``\\w`` runs over whole stretches of Chinese text)."""
    return "." in line or "://" in line


def _only_url(line: str) -> bool:
    return (_may_have_url(line) and bool(_URL.search(line))
            and len(CJK.findall(_URL.sub("", line))) <= 12)


def classify_line(line: str) -> LineDecision:
    """Decide one line on its own (no context): keep spans, or drop with a reason."""
    stripped = line.strip()
    if not stripped:
        return LineDecision([], "blank")
    if _DROP_KEYS.search(line) and _DROP_LINE.search(line):
        return LineDecision([], "boilerplate")
    if _is_menu(stripped):
        return LineDecision([], "menu")
    if _only_url(line):
        return LineDecision([], "url")
    if not CJK.search(stripped) and not re.search(r"\d", stripped) and len(stripped) <= 30:
        return LineDecision([], "non-text fragment")
    spans = []
    pos = 0
    urls = [m.span() for m in _URL.finditer(line)] if _may_have_url(line) else []
    cuts = sorted([m.span() for m in _DROP_SPAN.finditer(line)] + urls)
    for a, b in cuts:
        if a >= pos:
            spans.append((pos, a))
            pos = b
        else:
            pos = max(pos, b)
    spans.append((pos, len(line)))
    # trim layout whitespace at both ends of the kept text
    out = []
    for a, b in spans:
        while a < b and line[a].isspace():
            a += 1
        while b > a and line[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return LineDecision(out, "" if out else "blank")


def clean_lines(lines: list[str], is_header=None) -> list[LineDecision]:
    """Decide every line of a file, using context: repeated titles and page tails.

    ``is_header(line) -> bool`` marks article headers of compilations, after which
    content resumes even past a hard end marker.
    """
    decisions = [classify_line(x) for x in lines]
    ended = False
    seen_head: set[str] = set()
    kept = 0
    for i, (line, d) in enumerate(zip(lines, decisions)):
        if is_header is not None and is_header(line):
            ended = False
        if ended and d.keep:
            d.keep, d.reason = [], "page tail after end marker"
            continue
        if HARD_END.search(line):
            ended = True
        if d.keep:
            key = "".join(line[a:b] for a, b in d.keep).strip()
            if kept < 12 and key in seen_head and len(key) <= 80:
                d.keep, d.reason = [], "repeated title"
                continue
            seen_head.add(key)
            kept += 1
    return decisions
