"""Numbers that are not targets: counts that describe, the plan's own parts, present values.

A plan's text is full of numbers that a reader skips without thinking: the two items just
listed, the eight actions the plan consists of, last year's output, a forecast. Each rule
here names one such wording; `extractor` asks them before it proposes a number.
"""

from __future__ import annotations

import re

from metrics.extract.lexicon import DateMention, Quantity, is_measure, op_before
from metrics.extract.text import MASK

# "已建成…", "同比增长…": where things stand
STATUS_WORDS = re.compile(r"已|同比|比上年|较上年")
# a sentence about difficulties: its numbers illustrate them ("面临…问题，如…投资就达30万元")
PROBLEM = re.compile(r"面临|困难|短板|瓶颈|不足之处")
# a count that reports what is already so: "全省16个市地均已展开…"
DONE_AFTER = re.compile(r"^[^,;:]{0,8}?(?:均已|已经|已)")


def qualifies_next(masked: str, q: Quantity, rest: list[Quantity]) -> bool:
    """ "营收超十亿元企业15家": an amount right before a count describes what is counted."""
    if not rest or q.rule != "number" or not is_measure(q.unit):
        return False
    nxt = rest[0]
    between = masked[q.end : nxt.start]
    return (
        nxt.unit not in ("%", "") and not is_measure(nxt.unit) and not re.search(r"[、,;]", between)
    )


# a number that describes what was just listed or the document itself, not a goal:
# "电子信息、光伏制造2个优势产业", "数据和技术两大优势", "省教育厅等15部门", "提出11项重点任务".
# A list closed by 等 is not exhaustive, so its count says more: "实现A、B…等六方面的功能"
# and "制定A、B等十大应用场景解决方案" are targets.
_ACTORS = re.compile(r"^(?:个)?(?:部门|单位|部委|委办局|厅局)")
_DOCUMENT_VERB = re.compile(r"(?:提出|明确|部署|包括|涵盖|分为|内含|共有|涉及)了?$")
_COUNT_WORDS = ("个", "项", "类", "种", "条", "张", "方面", "部", "家", "批")
# the plan's own parts, however many: "等八大行动和27项工程", "等六项保障措施", "1个总抓手",
# "3条主线", "在A、B等6个方面重点发力". What the plan builds is named otherwise ("10个示范
# 工程" is a deliverable, "六方面的功能" a target): the part words are the plan's vocabulary.
_PLAN_PART = re.compile(
    r"^(?:方面)?(?:重点|重大|主要|专项|保障|总体?|关键|核心|标志性|支撑)?"
    r"(?:行动(?!计划)|工程(?!师)|措施|举措|主线|抓手|目标)"
    r"|^(?:方面)?(?:重点|主要)任务"
    r"|^方面(?:重点|着力|发力|入手|着手|推进|展开|部署)"
)


def describes(head: str, q: Quantity, after: str) -> bool:
    """Whether the count right after `head` (its clause so far) describes, not targets."""
    head = head.replace(MASK, "")
    if q.value is None or q.rule != "number":
        return False
    if _PLAN_PART.match(after):
        return True
    if head.endswith("等") and _ACTORS.match(q.unit + after):
        return True
    if _DOCUMENT_VERB.search(head) or (head.endswith("对") and re.search(r"[作做]出|进行", after)):
        return True  # "提出11项重点任务", "对9个方面的重点任务作出了部署"
    small_count = q.value.is_integer() and 2 <= q.value <= 10
    if not small_count or not (q.numeral.endswith("大") or q.unit in _COUNT_WORDS):
        return False
    if head.endswith("等") or op_before(head)[0]:
        return False  # "A、B等十大…", "建成A、B不少于3个" set a number
    items = head.split("、") if "、" in head else re.split(r"和|与|及", head)
    return len(items) == q.value


# words that put what follows in the past or in a forecast, up to the next deadline:
# "截至去年", "截至目前", "“十三五”期间", "近年来", "2021年以来", "预计2021年…"
_PAST = re.compile(
    r"预计|预测|预估|截至|截止|去年|上年|近年来|近几年|过去|以来"
    r"|十(?P<n>[一二三四五])五”?(?:期间|时期|以来|末)"
)
_FORECAST = ("预计", "预测", "预估")


def looks_back(
    text: str,
    pos: int,
    dates: list[DateMention],
    goal_year: int | None,
    doc_year: int | None,
) -> bool:
    """Whether the number at pos reports a present value or a forecast, not a target.

    The marker counts from the start of its sentence (up to 。, so through "；") to the
    number, unless a deadline stands between them ("“十三五”以来…；到2025年，…").
    A forecast counts only for a year before the horizon ("预计2021年…" in a plan to 2025).
    "“十三五”期间" is past only when the plan looks beyond 2020; "截至2023年底" only when
    that is before the document's year (or more than a year before the horizon).
    """
    start = max(text.rfind(c, 0, pos) for c in "。!?") + 1
    last = None
    for m in _PAST.finditer(text, start, pos):
        if m.group("n"):
            end_year = 2010 + 5 * "一二三四五".index(m.group("n"))
            if goal_year is None or end_year >= goal_year:
                continue  # "“十四五”期间" in a plan to 2025 is the plan's own period
        elif m.group() in _FORECAST:
            d = next((d for d in dates if 0 <= d.start - m.end() <= 1), None)
            if d is None or goal_year is None or d.by.year >= goal_year:
                continue  # "通达率预计达到80%" among the goals is the plan's own expectation
            return True  # "预计2021年全省…超2.3万亿元": this year's outcome, not a goal
        elif m.group() in ("截至", "截止"):
            d = next((d for d in dates if d.start == m.start()), None)
            ref = doc_year or (goal_year - 1 if goal_year else None)
            if d is not None and (ref is None or d.by.year >= ref):
                continue  # "截至2025年底，建成…" in a plan to 2025 sets a deadline
        last = m
    if last is None:
        return False
    return not any(last.end() < d.start < pos and d.strong and not d.as_of for d in dates)
