"""Is an article about care-for-the-next-generation work?  Compilations mix in others
(a trade union's, a police party branch's); those are kept but marked not relevant."""
from __future__ import annotations

import re
from collections import Counter

CORE = re.compile(r"关工委|关心下一代|关工组织|关工小组|五老|关爱下一代|关工工作|关工干部")
YOUTH = re.compile(r"青少年|未成年人|留守儿童|困境儿童|少年儿童|中小学生")
OTHER_TOPICS = {
    "工会": ("trade union", re.compile(r"工会|职工|劳动关系|劳模")),
    "公安/政法": ("police or legal-affairs party branch", re.compile(r"公安|派出所|警|政法|最强支部")),
    "共青团": ("Communist Youth League", re.compile(r"团委|共青团|团员")),
    "妇联": ("women's federation", re.compile(r"妇联|妇女")),
    "学校教学": ("school teaching", re.compile(r"教学|课堂|教研")),
}


def relevance(body: str) -> tuple[bool, str]:
    """(relevant, reason).  ``body`` should exclude compilation headers, which often
    repeat the compilation's 关工委 title over unrelated articles."""
    n = max(1, len(body))
    core = len(CORE.findall(body))
    youth = len(YOUTH.findall(body))
    density = core * 1000 / n
    if core >= 2 or (core >= 1 and youth >= 2) or density >= 0.5:
        return True, f"{core} mentions of 关工委/关心下一代/五老"
    counts = Counter({name: len(pat.findall(body)) for name, (_, pat) in OTHER_TOPICS.items()})
    topic, c = counts.most_common(1)[0]
    if c >= 3:
        return False, f"about {topic} ({OTHER_TOPICS[topic][0]}) work: {c} mentions, {core} of 关工委/关心下一代"
    return False, f"no care-for-the-next-generation content ({core} mentions of 关工委/关心下一代/五老)"
