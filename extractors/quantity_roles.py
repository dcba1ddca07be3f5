"""Role (achieved/target/status/historical/plan) and period of a quantity, from its sentence.

Decided from the sentence alone; the pipeline turns ``achieved`` into ``plan`` inside
next-steps sections and plan documents.  Only the part of the sentence up to the end of
the quantity's own clause is read, so a marker after the number does not leak backwards
(except 以上 targets such as "要达到…30%以上").
"""
from __future__ import annotations

import re

_TARGET = re.compile(
    r"力争|争取(?=达到|实现|使|在)|确保|不少于|不低于|不超过|至少|目标|指标|"
    r"(?:要|应|须|需|将)(?:求)?(?:全部|基本|逐步|力争)?(?:达到|达|实现|超过|保持)")
# A deadline frames the whole sentence: 到2016年,…达到80%以上.
_DEADLINE = re.compile(r"到\s*(?:19|20)\d\d\s*年(?:底|末)?|(?:19|20)\d\d\s*年(?:底|末)前")
_PLAN = re.compile(
    r"将(?=要|会|于|在|继续|进一步|全面|持续|加大|开展|组织|举办|建立|实施|推进|召开|启动|投入)|"
    r"计划|拟|准备|预计|明年|下一步|下步|今后|来年|"
    r"(?<![重主需只纲摘首简紧必概])要(?![求素点闻害])")
_HISTORICAL = re.compile(
    r"(?<![比较与])(?:去年|前年|上年)|往年|历年|以往|过去|曾经|曾|原来|此前|"
    r"(?:最近|近)\s*(?:\d{1,2}|[一二两三四五六七八九十]+)\s*年(?:来|以来)|"
    r"(?<!\d)(?:\d{1,2}|[一二两三四五六七八九十]+)\s*年(?:来|以来)")
# Temporal frames of a stock scope the whole sentence; the other markers their clause.
_STATUS_FRAME = re.compile(r"目前|当前|截至|截止|至今|现阶段|现有|累计(?:建成|建立|创建|达到)")
# '一年来' / '今年以来' frame the reporting year itself, not an earlier period
_THIS_YEAR = re.compile(r"^(?:一|1)\s*年(?:来|以来)$")
# things done: under '截至目前' these are still achievements (先后举办…14批), not stocks
_DONE = re.compile(r"举办|开展|组织|帮扶|资助|报送|发放|培训|慰问|走访|救助|捐|筹集|推送|采用|刊登|发稿|"
                   r"宣讲|接待|受理|调解|帮教|筛查|治疗|结对|表彰|评选|召开|参加|参与")
_STATUS = re.compile(
    r"(?<![自并])占|率|比例|比重|占比|现有|总人口|总数|"
    r"已(?:经)?(?:建立|建成|成立|有|达|形成|覆盖|组建|创建|挂牌|发展)|"
    r"建有|拥有|现存|共建成|累计建成|人数|总量")
_FREQUENCY = re.compile(r"每[周月年天日季]")
# A clause with no action verb before the number describes a stock: 社区青少年574人.
_ACTION = re.compile(
    r"开展|举办|组织|建立|建成|发放|资助|帮扶|帮助|培训|培养|参加|参与|受到|得到|获得|评选|捐|筹|"
    r"投入|投资|完成|召开|慰问|发展|新增|增加|收到|签订|走访|救助|接待|发稿|刊登|编|印发|制作|"
    r"设|成立|组建|选|表彰|命名|授牌|开办|举行|调整|配备|聘|吸纳|结成|树立|打造|覆盖|争取|领办|"
    r"协办|献|解决|办|开通|创建|推荐|培育|提供|赠|募|落实|达|有|为|对|向|到|使|让|给|作|做|进行|"
    r"实现|安排|协调|动员|发挥|服务|宣讲|讲|授|送|收|出|评|获|受|教育|推动|深入|积极|引导|"
    r"配|督促|指导|了|起|作|做|共|调解|帮教|检查|出动|开设|招募|征集|收集|推送|发布|上报|报送|采用|"
    r"播出|转化|挽救|矫正|安置|排查|整治|清理|查处|关闭|取缔|参观|研学|体检|筛查|治疗|培|扶|助|访|"
    r"投|建|办|组|发|送|开|举|召|评|选|聘|捐|筹|募|赠|奖|补|救|护|训|宣|植|修|购|拨|集|征|印|刊|播")

_MONTH = r"(?:[1-9]|1[0-2]|[一二三四五六七八九十]|十[一二])月(?:份)?(?:上旬|中旬|下旬|底|初|末)?(?![0-9xX]|[一二三四五六七八九十]*[日号])"
_PERIOD = re.compile(
    rf"(?:截止|截至)(?:到)?(?:目前|今年|年底|年末|{_MONTH}|(?:19|20)\d\d\s*年(?:{_MONTH}|底)?)|"
    rf"(?:今年|去年|前年|(?:19|20)\d\d\s*年)(?:{_MONTH}|初|底|末|上半年|下半年|以来)?|"
    rf"(?:最近|近)?\s*(?:\d+|[一二两三四五六七八九十]+)\s*年(?:来|以来)|"
    rf"全年|上半年|下半年|[一二三四1-4]季度|第[一二三四]季度|本年度|年内|累计|{_MONTH}|"
    rf"(?:19|20)\d\d\s*[-至到]\s*(?:19|20)\d\d\s*年")
_CLAUSE_END = re.compile(r"[，,；;。！!？?]")


def _clause_end(text: str, pos: int, limit: int) -> int:
    m = _CLAUSE_END.search(text, pos, limit)
    return m.start() if m else limit


def role_of(text: str, start: int, end: int, sent_start: int, sent_end: int,
            kind: str = "") -> str:
    """Role of the quantity text[start:end] within sentence [sent_start, sent_end)."""
    left = text[sent_start:_clause_end(text, end, sent_end)]
    clause_start = sent_start
    for m in _CLAUSE_END.finditer(text, sent_start, start):
        clause_start = m.end()
    if _TARGET.search(left, clause_start - sent_start) or _DEADLINE.search(left):
        return "target"
    if any(not _THIS_YEAR.match(m.group(0).strip()) for m in _HISTORICAL.finditer(left)):
        return "historical"
    if _PLAN.search(left):
        return "plan"
    framed = _STATUS_FRAME.search(left) and not _DONE.search(text, clause_start, start)
    if (_STATUS.search(left, clause_start - sent_start) or framed
            or kind == "percent" or kind == "events" and _FREQUENCY.search(left, clause_start - sent_start)):
        return "status"
    before = text[sent_start:start]
    after = text[end:_clause_end(text, end, sent_end)]
    if before.strip() and not _ACTION.search(before) and not _ACTION.search(after):
        return "status"  # no action anywhere: a stock (社区居民1600户, 骨干103人)
    return "achieved"


def period_of(text: str, start: int, sent_start: int) -> str | None:
    """The period named before the quantity in its sentence (全年, 2022年, 累计…), or None."""
    found = None
    for m in _PERIOD.finditer(text, sent_start, start):
        found = m.group(0)
    if found is None:
        return None
    return re.sub(r"\s+", "", found)
