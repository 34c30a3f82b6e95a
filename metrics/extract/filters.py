"""Numbers that are not targets: counts that describe, the plan's own parts, present values.

A plan's text is full of numbers that a reader skips without thinking: the two items just
listed, the eight actions the plan consists of, last year's output, a forecast. Each rule
here names one such wording; `extractor` asks them before it proposes a number.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from metrics.extract.lexicon import (
    GOALS_OF_YEAR,
    DateMention,
    Quantity,
    find_dates,
    five_year_plan_end,
    goals_issued,
    is_measure,
    op_before,
)
from metrics.extract.text import MASK, Paragraph, mask_quotes
from metrics.extract.wordings import (
    MAKE,
)

# "已建成…", "同比增长…": where things stand
STATUS_WORDS = re.compile(r"已|同比|比上年|较上年|据统计")
# a sentence about difficulties: its numbers illustrate them ("面临…问题，如…投资就达30万元")
PROBLEM = re.compile(r"面临|困难|(?<![补锻])短板|瓶颈|不足之处")  # not "补短板产品…攻关项目"
# a count that reports what is already so: "全省16个市地均已展开…"
DONE_AFTER = re.compile(r"^[^,;:]{0,8}?(?:均已|已经|已)|^[^,;:]{0,12}?(?:实现|完成|建成|开通)了")


def qualifies_previous(masked: str, q: Quantity, before: list[Quantity]) -> bool:
    """ "40个以上主营业务收入超10亿元的企业": an amount after a count, closed by 的, describes
    what is counted (the count is the target)."""
    if before and q.rule == "number" and q.op_word == "以上" and before[-1].end == q.start:
        return True  # "7万个35户以上自然村": a threshold right after the count says which
    if not before or q.rule != "number" or not is_measure(q.unit):
        return False
    prev = before[-1]
    between = masked[prev.end : q.start]
    return (
        masked[q.end : q.end + 1] == "的"
        and prev.unit not in ("%", "")
        and not is_measure(prev.unit)
        and not re.search(r"[、,;]", between)
    )


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
# the telecom operators and the departments that do the work: "其他三家运营商", "四大运营商",
# "自治区13个行业主管部门将开展…"
_OPERATORS = re.compile(
    r"^[家个](?:基础电信)?(?:运营商|电信企业)|^个[^,;。]{0,6}?(?:部门|厅局)(?:将|要|共同|联合)"
)
# who issued the document, without 等: "十部门印发《…》", "工信部等九部门联合发布"
_ISSUERS = re.compile(r"^(?:个)?(?:部门|部委|单位)(?:联合|共同)?(?:印发|发布|出台|制定|下发)")
# where a task is done, when the clause counts what is done there: "在10个重点行业打造30个…"
_WHERE_HEAD = re.compile(r"在[^,;:在]{0,20}$")
_WHERE_AFTER = re.compile(r"^[^,;:]{0,8}?(?:领域|行业|地区|区域|城市|园区|场景|部门)")
# "在244个老旧小区整治中,", "在全国32个重点城市中挤进前十" (not 中心, 中国, 中小…)
_WHERE_IN = re.compile(r"^[^,;:。、]{0,12}中(?![心国央小型部级医学转台间层期华文职试标])")
# where, listed and counted: "在原材料、装备制造等4个工业领域…"
_WHERE_LIST = re.compile(r"在[^,;:在]{1,30}[、和][^,;:在]{1,30}等$")
_DOCUMENT_VERB = re.compile(r"(?:提出|明确|部署|包括|涵盖|分为|内含|共有|共计|涉及)了?$")
_COUNT_WORDS = ("个", "项", "类", "种", "条", "张", "方面", "部", "家", "批")
# the plan's own parts, however many: "等八大行动和27项工程", "等六项保障措施", "1个总抓手",
# "3条主线", "在A、B等6个方面重点发力". What the plan builds is named otherwise ("10个示范
# 工程" is a deliverable, "六方面的功能" a target): the part words are the plan's vocabulary.
_PLAN_PART = re.compile(
    r"^(?:方面的?)?(?:重点|重大|主要|专项|保障|总体?|关键|核心|标志性|支撑|发展|建设)?"
    r"(?:行动(?!计划)|工程(?!师)|措施|举措|主线|抓手|目标)"
    r"|^(?:方面的?)?(?:重点|主要|具体)(?:任务|措施|举措|工作)"
    r"|^(?:方面的?)?(?:任务|工作)(?:$|[,;:。])|^方面的?工作"  # "抓好以下四个方面工作", "等19项任务"
    r"|^(?:重要)?文件"  # "连续下发两份重要文件"
    r"|^方面(?:重点|着力|发力|入手|着手|推进|展开|部署|提出|明确|作出)"
    r"|^(?:特点|亮点)"
    r"|^(?:[^,;。]{0,6}?)指标(?:$|[,;。])"  # "紧扣省均衡化发展39项指标": the indicators a plan follows
    r"|^(?:重点|主要)领域(?:$|[,;。])"  # "四大重点领域"
    r"|^(?:重点|重大)[^,;。]{1,4}?工程(?:$|[,;。])"  # "21项重大信息化工程"
    r"|^(?:方面)?(?:部署|提出|明确|作出)了?[^,;。]{0,12}?(?:任务|举措|措施|指标|目标)"
    r"|^方面的?[0-9一二三四五六七八九十百]+(?:项|条|个)(?:重点|主要)?(?:任务|举措|措施)"
)
_ONE_OF = re.compile(r"^[^,;。]{0,20}?之一")
_AS_THE = re.compile(r"^[^,;。]{1,10}?为")
_DOCUMENTS = re.compile(r"^[^,;。]{0,6}?(?:行动计划|规划|实施方案|文件)(?:提出|明确|$|[,;。])")
_POLICY_VERB = re.compile(r"(?:实施|出台|制定|推出|印发|发布)[^,;。]*$")
_COUNT_CHAIN = re.compile(r"^(?:\d+(?:类|项|件|个|条|方面|大))+")
# a list already drawn up: "梳理出…第一批投资项目共71个", "梳理排摸了…第一批48个重大项目"
_COMPILED = re.compile(r"(?:梳理|排摸)(?:出|了)[^,;。]*$")
_PART_KIND = re.compile(
    r"^(?:是|为|属于)[^,;。]{0,20}(?:指标|任务|举措|措施|工程|行动)(?:$|[,;。])"
)
# a distance that belongs to the measure's name: "公共交通站点500米覆盖率达到95%"
_NAMED_DISTANCE = re.compile(r"^(?:覆盖率|服务半径|半径|范围内|覆盖范围)")


# the plan's parts counted in a parenthetical: "六大重点任务(27项)", "主要指标(12个)"
_PART_BEFORE = re.compile(r"(?:行动|工程|措施|举措|任务|目标|指标|方面|主线|抓手|章|节|条款)$")


def counts_plan_part(head: str) -> bool:
    """Whether a parenthesised count after `head` counts the plan's own parts, not a target."""
    return bool(_PART_BEFORE.search(head.replace(MASK, "")))


def describes(head: str, q: Quantity, after: str, later: bool = False) -> bool:
    """Whether the count right after `head` (its clause so far) describes, not targets.

    `later`: another number follows in the clause, so a count of places there ("在10个重点
    行业打造30个…") says where the counted thing is done."""
    head = head.replace(MASK, "")
    if q.value is None or q.rule != "number":
        return False
    if _ONE_OF.match(after):
        return True  # "入选8个国家算力枢纽节点之一": one of them, not how many to make
    if _PLAN_PART.match(after) or _PART_KIND.match(after):
        return True  # "其中有13个是基础设施方面的指标": how many of the plan's indicators
    if _PLAN_PART.match(_COUNT_CHAIN.sub("", after)):
        return True  # "实施5类20项58件具体任务": the parts counted at each level
    if head.endswith("分") and (q.unit in ("批", "类", "步") or after.startswith(("阶段", "期"))):
        return True  # "分三批开展试点": how the work is staged, not what it makes
    if q.unit in ("米", "公里", "千米") and _NAMED_DISTANCE.match(after):
        return True
    if head.endswith("等") and _ACTORS.match(q.unit + after):
        return True
    if _ISSUERS.match(q.unit + after) or _OPERATORS.match(q.unit + after):
        return True
    if later and not is_measure(q.unit) and _WHERE_HEAD.search(head) and _WHERE_AFTER.match(after):
        return True
    if _WHERE_HEAD.search(head) and _WHERE_IN.match(after):
        return True  # "在244个老旧小区整治中,…": where the work is done
    if head.endswith("等") and _WHERE_LIST.search(head) and _WHERE_AFTER.match(after):
        return True  # "在原材料、装备制造等4个工业领域率先实施…": the fields just listed
    if _COMPILED.search(head):
        return True
    if head.endswith("以") and _AS_THE.match(after):
        return True  # "以8个行业领域为主攻方向": the scope of the work
    if _DOCUMENTS.match(after):
        return True  # "两个三年行动计划提出…": the documents counted
    if q.unit == "条" and not after.strip(",;。") and _POLICY_VERB.search(head):
        return True  # "实施数字新基建40条": the articles of a policy
    if _DOCUMENT_VERB.search(head) or (head.endswith("对") and re.search(r"[作做]出|进行", after)):
        return True  # "提出11项重点任务", "对9个方面的重点任务作出了部署"
    small_count = q.value.is_integer() and 2 <= q.value <= 10
    if not small_count or not (q.numeral.endswith("大") or q.unit in _COUNT_WORDS):
        return False
    if op_before(head)[0]:
        return False  # "建成A、B不少于3个" sets a number
    parts = head.removesuffix("等").split("、")
    if head.endswith("等") and re.search(r"(?:打造|形成|培育|建成|创建)", parts[0]):
        return False  # "建成…大数据、集成电路、软件、光子等4个千亿级产业集群": what is to be made
    # "在济南、青岛、潍坊建设3个智慧农业试验区": the places listed, then what is made
    if MAKE.search(head) and not re.search(r"包括|主要有|分为|涵盖", head):
        return False
    items = parts[:-1] + re.split(r"和|与|及", parts[-1])  # "A、B、C和D"
    # "A、B等十大…" with fewer items listed sets a number; "经济调节、…和政府运行等六个方面"
    # lists all six
    return len(items) == q.value


# a benchmark the value is compared with, not a target of its own: "高于每万人15.7个的全国
# 平均水平", "高于省考核目标16%", "低于全省平均水平2个百分点"
_COMPARE = re.compile(r"高于|低于|优于|好于|高出|低出|超出|超过|领先于?|略高于|略低于")
_BENCHMARK = re.compile(
    r"(?:全国|全省|全市|全区|国家|省|市|行业|同期|国际)?(?:平均水平|平均值|均值|考核目标|考核要求|考核标准)"
)


def benchmark(clause: str, pos: int) -> bool:
    """Whether the number at pos (in its clause) is the reference of a comparison: a comparison
    word before it and a benchmark (平均水平, 考核目标…) after that word, in the clause."""
    cmp = next(reversed(list(_COMPARE.finditer(clause, 0, pos))), None)
    return cmp is not None and bool(_BENCHMARK.search(clause, cmp.end()))


# a sentence that reports finished work: "2014年，…完成了省、市下达的目标任务", "现已建成…"
_DONE = re.compile(
    r"(?:完成|建成|实现|达到|取得|开通|突破|建设|推进|提升|新增|累计|超额完成|提前完成|通过|采纳)了"
    r"|现已|已经|已(?:建成|完成|实现|达|开通|覆盖|累计|初步)|共(?:建设)?完成|共建成"
)


# the terms of an incentive, not a target: "一次性奖励200万元", "由市、区各承担50%", the
# condition before it ("对…年营收增速超过20%的,…最高给予30万元奖励")
REWARD = re.compile(r"奖励|补贴|补助|资助|奖补|贴息|给予")
_REWARD_TERMS = re.compile(r"奖励|补贴|补助|资助|奖补|贴息|给予|承担|分担")


# a company's project signed or announced at an event: its figures are the firm's, not the plan's
# ("“郫都云海”项目签约,联通公司拟投资20亿元…建成后将提供10万个数据机柜")
_PROJECT = re.compile(r"签约|签署[^,。;]{0,8}协议|拟投资|落户")


def project_terms(sentence: str) -> bool:
    """Whether a sentence reports a signed or announced project (the numbers are the firm's)."""
    return bool(_PROJECT.search(sentence))


# who may have support: "支持PUE值低于1.25、上架率高于65%的数据中心建设项目", "…达到60%以上的可申请扩建"
_ELIGIBLE = re.compile(
    r"^[^,;。]*?的(?:[^,;。]{0,12}?(?:项目|企业|单位|主体)(?:$|[,;。])|可|给予|予以)"
)


def incentive_terms(sentence: str, clause: str, rest: str = "") -> bool:
    """Whether a clause of a sentence that grants a reward or subsidy states its terms: the
    amount, who bears what share, or the condition (a clause "对…的"); or whether the number,
    followed by `rest` in its clause, says who is eligible for support."""
    eligible = _ELIGIBLE.match(rest)
    if eligible and (
        eligible.group().endswith(("的可", "给予", "予以"))
        or clause.startswith(("支持", "鼓励", "对"))
    ):
        return True
    if not REWARD.search(sentence):
        return False
    clause = clause.replace(MASK, "")
    return bool(_REWARD_TERMS.search(clause)) or (clause.startswith("对") and clause.endswith("的"))


# a year's work reviewed: "2023年,市大数据局…圆满完成承担的年度目标任务", "…取得新的显著成就"
_YEAR_REVIEWED = re.compile(r"圆满完成|取得[^,。;]{0,8}(?:进展|成效|成就|成绩)")


def single_year(paragraphs: list[Paragraph]) -> int | None:
    """The year of 今年 in a text with no work-points year: the one year it names, when it
    names only one ("2022年还要新建…。…今年5G基站要新建…"), or the year whose goals it reports
    when it names none later ("今年…各省已发布2021年5G网络建设目标…，到2020年底…")."""
    text = "".join(mask_quotes(p.text) for p in paragraphs)
    if "今年" not in text:
        return None
    found = [d for d in find_dates(text) if not d.in_paren]
    years = {d.by.year for d in found}
    if len(years) == 1:
        # "2020年,…共建设完成7030个5G基站。今年,…将新建7016个": a report of the year before
        said = [text[d.start : text.find("。", d.start) % len(text)] for d in found]
        done = all(reports_done(s) or _YEAR_REVIEWED.search(s) for s in said)
        return years.pop() + (1 if done else 0)
    goals = {int(m.group(1)) for m in GOALS_OF_YEAR.finditer(text) if goals_issued(text, m.start())}
    return goals.pop() if len(goals) == 1 and max(goals) == max(years, default=0) else None


def reports_done(sentence: str) -> bool:
    """Whether a sentence tells what was done (a verb with 了, 已…): its bare year is when that
    was, not a deadline. A report of another period later in the sentence ("全年计划完成…突破
    200个，1-2月已累计完成65个") is not the year's."""
    other = _PAST.search(sentence, 1) or re.compile(r"(?<!项)目前").search(sentence, 1)
    return bool(_DONE.search(sentence[: other.start()] if other else sentence))


# a sentence that says it describes the present: "《规划》梳理我国数字经济发展现状指出，2020年，…"
STATUS_SENTENCE = re.compile(
    r"发展现状|现状|发展基础|工作基础|现实基础|取得(?:的|了)?(?:显著|明显|积极)?成效|主要成效|回顾"
    r"|据统计|统计显示|数据显示|(?<!项)目前(?!期)|当前|提前完成|提前达成|提前实现"  # not 项目前期
    r"|已交出"  # "从已交出的“成绩单”来看:…"
)


def describes_present(
    masked: str, text: str, dates: list[DateMention], span: tuple[int, int], page_year: int | None
) -> bool:
    """ "《规划》梳理…发展现状指出，2020年，…达到7.8%": a sentence that says it describes the
    present holds present values up to span's end, unless a deadline stands between ("…现状；
    到2025年…"). After 目前/当前 a year not before the page's names a time to come ("目前…，
    2024年还将新建…"); a year after 据统计 is the statistic's ("据统计,2024年底…达84.9%")."""
    s0, pos = span
    m = next(reversed(list(STATUS_SENTENCE.finditer(masked, s0, pos))), None)
    if m is None:
        return False
    now = m.group() in ("目前", "当前")
    if m.group().endswith("成效") and any(
        s0 <= d.start < m.start() and d.strong and not d.as_of and text[d.start] in "到至力"
        for d in dates
    ):
        return False  # "到2025年,…取得显著成效,实现…": an outcome the goals name
    return not any(
        m.end() < d.start < pos
        and not d.as_of
        and (
            now
            and (page_year is None or d.by.year >= page_year)
            or d.strong
            and text[d.start] in "到至力"
        )
        for d in dates
    )


# words that put what follows in the past or in a forecast, up to the next deadline:
# "截至去年", "截至目前", "“十三五”期间", "近年来", "2021年以来", "预计2021年…"
_PAST = re.compile(
    r"预计|预测|预估|截至|截止|去年|上年|近年来|近几年|过去|以来|(?<!未来)[一二两三四五六七八九十]年来"
    r"|十(?P<n>[一二三四五])五”?(?:期间|时期|以来|末)"
    r"|(?<![\d.])1[至\-—~]\d{1,2}月"  # "1至5月建成5G基站380个": the months so far this year
    r"|今年\d{1,2}月(?![底末前\d])"  # "今年5月,四川出台…": when it was done
)
_FORECAST = ("预计", "预测", "预估")


# a paragraph that opens by looking back: "过去的几年,“十三五”时期…成效显著。五年来,…"
_REVIEW = re.compile(
    r"^(?:过去的?[一二两三四五几]?年|近年来|近几年|[一二两三四五六七八九十]年来|“?十(?P<n>[一二三四五])五”?(?:时期|期间|以来))"
)


def reviews_past(text: str, dates: list[DateMention], goal_year: int | None) -> bool:
    """Whether a paragraph reviews the past (its numbers are where things stand): it opens
    with a look back and names no deadline of its own."""
    m = _REVIEW.match(text)
    if m is None or any(d.strong and not d.as_of for d in dates):
        return False
    return not m.group("n") or goal_year is None or five_year_plan_end(m.group("n")) < goal_year


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


# --- the document's own year and date, and its horizon ---

# "数字威海建设2023年工作要点", "特制定2023年工作要点如下", "2022年上海市全面深化“一网通办”
# 改革工作要点" (a quoted name inside the title is part of it); not the end of a range
# ("2023—2025年行动方案") nor a title that names more years ("2023年…三年行动计划"); "数字山东2021
# 行动方案" writes its year without 年
_DOC_YEAR = re.compile(
    r"(?<![\d\-—–~至到])((?:19|20)\d{2})(?:年度?[^,。;:!?《》()年]{0,24}?|(?=行动|工作要点))"
    r"(?:要点|工作计划|工作安排|重点工作|工作重点任务|工作重点|工作任务|行动计划|推进计划|建设计划"
    r"|行动方案|实施方案|推进方案|工作方案|实施计划|社会发展计划|清单|政府工作报告)"
)
# a news text that reports a yearly document's issue: "《2022年…国民经济和社会发展计划》正式发布",
# "联合印发《2023年数字乡村发展工作要点》"; the notice that issues it: "《…2026年工作要点》已经省领导
# 同意,现印发给你们"
_ISSUED_DOC = re.compile(
    r"(?:印发|发布|出台)了?《[^《》\d]{0,12}" + _DOC_YEAR.pattern + r"》"
    r"|《[^《》\d]{0,12}"
    + _DOC_YEAR.pattern.replace("((?:19|20)", "(?P<y2>(?:19|20)")
    + r"》(?:[^。《》]{0,16}?[,,]现)?(?:正式)?(?:印发|发布|出台)"
)
# a news headline on the year's 两会 (its government work report): "2023山东两会|…"
_TWO_SESSIONS = re.compile(r"((?:19|20)\d{2})年?[^\d,。;:!?|]{0,4}两会")
# the goals of a one-year document open with its year: "2022年是“一网通办”改革的用户体验年。"
_YEAR_IS = re.compile(r"((?:19|20)\d{2})年是[^,。;!?]{0,30}?年[,。;]")


def _doc_year(paragraphs: list[Paragraph]) -> int | None:
    """The year a yearly document is about, read from its first paragraphs (title, preamble),
    or from a goals paragraph that opens by naming the year ("2022年是…用户体验年。").

    Its 年内, 年底前 and 今年 are that year, and so is the horizon of its numbers that name no
    date of their own; without one, such words date nothing."""
    for para in paragraphs[:12]:
        title = re.fullmatch(r"《([^《》]+)》", para.text)  # a title line in 《》
        m = _DOC_YEAR.search(title.group(1) if title else mask_quotes(para.text).replace(MASK, "·"))
        if m:
            return int(m.group(1))
    for para in paragraphs[:8]:  # a news page's first lines may be its edition and section
        m = _ISSUED_DOC.search(para.text) or _TWO_SESSIONS.match(para.text)
        if m:
            return int(m.group(1) or m.group("y2"))
    for para in paragraphs:
        if any("目标" in t for t in para.titles):
            m = _YEAR_IS.match(mask_quotes(para.text).replace(MASK, "·"))
            if m:
                return int(m.group(1))
    return None


# the page's or the document's own date in its opening: "来源: 人民日报 2023-02-20",
# "2022年1月12日，国务院印发…", "发布时间：2021/03/26"
_FULL_DATE = re.compile(
    r"(?<![\d〔\[])((?:19|20)\d{2})(?:年(\d{1,2})月(\d{1,2})日|[-/.](\d{1,2})[-/.](\d{1,2}))"
    r"(?:(?![\d前])|(?=\d{1,2}:\d{2}))"  # "2024年02月28日23:09": a time after it
)


def _doc_date(paragraphs: list[Paragraph]) -> date | None:
    """The first full date of the text's opening lines (a page's date, an issue date).

    A text dated 2023 that names only 2022 and earlier reports what was done: a number whose
    deadline year is before the document's year is a present value, not a target."""
    for para in paragraphs[:6]:
        for m in _FULL_DATE.finditer(para.text):
            if re.search(r"(?:截至|截止|到|至|于)$", para.text[: m.start()]):
                continue
            y, mo, d = m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
            try:
                return date(int(y), int(mo), int(d))
            except ValueError:
                continue
        for m in _DAY_FIRST.finditer(para.text):  # "08.04.2015  03:40": day, month, year
            d, mo, y = (int(g) for g in m.groups())
            for day, month in ((d, mo), (mo, d)):
                try:
                    return date(y, month, day)
                except ValueError:
                    continue
    return None


_DAY_FIRST = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?![\d.])")


# a plan's span in its title: "…实施方案(2021-2023)", "《…规划(2021—2025年)》"
_TITLE_SPAN = re.compile(
    r"(?:方案|规划|计划|纲要|意见|要点)[(（]\s*(?:19|20)\d{2}\s*年?\s*[-—–~～至到]\s*"
    r"((?:19|20)\d{2})\s*年?\s*[)）]"
)


def title_span(paragraphs: list[Paragraph]) -> int | None:
    """The last year of a span a title gives in parentheses (a plan that states its period
    nowhere else: its undated goals are for the span's end)."""
    for para in paragraphs[:15]:
        m = _TITLE_SPAN.search(para.text)
        if m:
            return int(m.group(1))
    # "江苏信息通信业“十四五”规划发布": a five-year plan ends in its period's last year, unless
    # the text only cites it as its basis ("根据《…“十四五”规划》"); "2023年是“十四五”规划
    # 承上启下之年" names no plan of its own
    for para in paragraphs[:5]:
        for m in _FIVE_YEAR_PLAN.finditer(para.text):
            if not _BASIS.search(para.text[max(0, m.start() - 16) : m.start()]):
                return five_year_plan_end(m.group(1))
    return None


# a five-year plan the text is about: its name ends the title or is reported as issued
_FIVE_YEAR_PLAN = re.compile(
    r"十([一二三四五六])五\W?[^,。;:!?《》]{0,24}?(?:规划|纲要|方案|行动计划)》?(?:\([^()]*\))?"
    r"(?:正式)?(?:发布|印发|出台|出炉|解读|的通知|$)"
)
_BASIS = re.compile(r"根据|按照|依据|贯彻|落实|对照|衔接|对标")


def _goal_year(
    paragraphs: list[Paragraph], doc_year: int | None = None, floor: int | None = None
) -> int | None:
    """The plan's horizon: the first deadline stated under a goals heading, else the commonest,
    else the year of a work-points document.

    A date in parentheses, an "as of" date (截至…) or a year before the document's own (floor)
    is never the horizon."""
    stated = [
        (
            para,
            [
                d
                for d in find_dates(para.text, doc_year)
                if not d.in_paren and not d.as_of and (floor is None or d.by.year >= floor)
            ],
        )
        for para in paragraphs
    ]
    goals = [dates for para, dates in stated if any("目标" in t for t in para.titles)]
    span = title_span(paragraphs)
    if span and any(d.by.year == span for dates in goals for d in dates):
        return span  # "方案(2025—2027年)": 到2026年底…；到2027年底… ends with the plan
    for strong_only in (True, False):
        for d in (d for dates in goals for d in dates):
            if d.strong or not strong_only:
                return d.by.year
    years = Counter(d.by.year for _, dates in stated for d in dates if d.strong)
    if not years:
        return doc_year or title_span(paragraphs)
    top = max(years.values())
    return max(y for y, c in years.items() if c == top)


# --- sections: their principles hold no target, their status holds baselines ---

PRINCIPLE_SECTIONS = ("指导思想", "基本原则", "工作原则", "发展思路")
# sections that report where the city stands: their numbers are baselines, not targets
STATUS_SECTIONS = (
    "发展基础",
    "发展现状",
    "现状",
    "基础条件",
    "工作基础",
    "取得成效",
    "主要成效",
    "建设成效",
    "面临形势",
    "发展形势",
    "发展环境",
    "现实基础",
    "回顾",
    "取得成绩",
    "主要成绩",
)
GROWTH = re.compile(r"增长|下降|增速|提高|降低")  # rates of change have no level to start from
