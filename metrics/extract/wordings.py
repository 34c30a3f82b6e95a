"""Wordings the extractor reads clause by clause: shared values (双, 均, lists of rates), the
verbs that make or reach, full coverage, spans and growth rates, and where an enumeration's
items end. Built on `lexicon` (numbers, dates, units)."""

from __future__ import annotations

import re

from metrics.extract.lexicon import Quantity


def clause_start(masked: str, s0: int, pos: int) -> int:
    """Start of the clause holding pos (a milestone's quote starts at its date's clause)."""
    cut = max(masked.rfind(",", s0, pos), masked.rfind(":", s0, pos))
    return cut + 1 if cut >= 0 else s0


# one value for each of the subjects listed before it: "先进计算、软件产业规模均超过500亿元"
BOTH = re.compile(r"均(?:要|将|力争)?(?:超过|达到|达|突破|不低于|不少于|高于|保持在|在)?$")
TWO_SUBJECTS = re.compile(r"[^、和与及]{2,}(?:[、和与及]|”“)[^、和与及]{2,}")  # also “A”“B”
# measures that share one value: "进场率和空调公交车比例", "A率、B率以及C率"
_MEASURE = r"[^、和与及]{2,}?(?:率|比例|占比|比重)"
MEASURE_LIST = re.compile(rf"{_MEASURE}(?:(?:以及|和|与|及|、){_MEASURE})+")
LISTED_NEXT = re.compile(r"[,:]?(?:分别是|分别为|包括|主要有|具体是|即)")
THIS_YEAR = re.compile(r"今年|(?<![\d一二两三四五六七八九十])(?:年内|年底前)|全年")
SUB_WORDS = re.compile(r"^其中|不低于$|不少于$|超过$|达到$|达$")
REACH = re.compile(r"达到|符合")
PREDICATE = re.compile(r"实现|完成|具备|接入|开展|提交|建成|使用|应用|上线|纳入|配备|建立")
# what a plan makes: "打造100个以上的标杆" sets a count, it is not a scope like "3万平方米以上的建筑"
MAKE = re.compile(r"(?:打造|形成|培育|建成|建设|新建|新增|创建|推出|遴选|认定|引进|研制|制定)$")


# a present value opening a change: "从2020年的3.6万个" / "由11%" … "增加到/增至…"
FROM_PRESENT = re.compile(r"(?:从|由)(?:(?P<y>□{4})年(?:底|末)?)?的?$")
# a numberless 100%: "…全覆盖", "…全覆盖并组网投用", "…全覆盖和垂直行业应用场景按需覆盖",
# "…全覆盖、村按需接入"; after 实现 also "…全覆盖、…按需提供5G网络服务的新局面"
FULL_COVERAGE = re.compile(r"全覆盖(?:并[^,;。]{1,8}|[和及与][^,;。]{1,20}|、[^,;。的]{1,20})?$")
FULL_COVERAGE_LISTED = re.compile(r"全覆盖、[^,;。]{1,30}$")

_FULL = re.compile("全覆盖")


def full_coverage(clause: str) -> list[tuple[int, int]]:
    """Where each numberless 100% of a clause starts and ends: its last …全覆盖 (to the clause's
    end), and after 实现 each one listed before it ("实现A改造全覆盖、B应用全覆盖"); none for a
    system described ("形成…全覆盖、横向纵向全贯通的…体系")."""
    m = FULL_COVERAGE.search(clause) or FULL_COVERAGE_LISTED.search(clause)
    realised = m is not None and "实现" in clause[: m.start()]
    if m is None or (m.re is FULL_COVERAGE_LISTED and not realised):
        return []
    if not realised:
        return [(m.start(), len(clause))]
    starts = [x.start() for x in _FULL.finditer(clause, m.start())]
    listed = [(s, s + 3) for s in starts[:-1] if clause.startswith("、", s + 3)]
    return [*listed, (starts[-1], len(clause))]


# the plan's own span, not the year of an earlier sentence: "三年内铺设网联道路300公里"
SPAN_WORDS = re.compile(r"(?<![\d每])[三五]年内")
# a growth rate alone in its clause, named after the measure before it: "…,年均增速15%左右"
GROWTH_ONLY = re.compile(r"(?:年均|同比|年)?(?:增速|增长率?|增幅)$")
# a clause that only changes a measure named before it: "，增加到2025年的25万个", "增至60%"
CHANGE_ONLY = re.compile(
    r"^(?:将|并|再)?(?:增加|增长|提高|提升|降低|下降|减少|压缩|缩短)?(?:到|至|为)"
    r"(?:□{4}年(?:底|末)?的?)?$|^(?:将|并)?[增降]至$"
)
# a title line: no punctuation, ending with the kind of document
TITLE_LINE = re.compile(r"(?:方案|规划|要点|计划|意见|办法|通知|纲要)(?:\([^()]*\))?$")


def enumeration_boundary(masked: str, left: Quantity, right: Quantity) -> int:
    """Where the left item of an enumeration ends: the last 、 (or 和/及/与) between two numbers
    ("建成20个通用机场和100个以上垂直起降点": the airports are the left item's)."""
    cut = max(masked.rfind(mark, left.end, right.start) for mark in "、和及与")
    return cut if cut >= 0 else left.end


def scope_target(q: Quantity, masked: str) -> Quantity:
    """ "新建3万平方米以上的公共建筑…提交BIM模型": the requirement holds for all of that scope."""
    scope = masked[q.start : q.end]
    return Quantity(
        q.start, q.end, 100.0, None, None, "%", ">=", "", scope, rule="scope", scope=scope
    )
