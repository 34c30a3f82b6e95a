"""The wordings plans state targets in: numerals, deadlines, units and comparison words.

Chinese and Arabic numerals (三, 二十五, 6.5), deadline-like dates (到2027年, 2025年年底前,
完成时限：…), the units and magnitudes that follow a number (万个, 平方公里, %) and the words
that make it a floor, a ceiling or an estimate (不少于, 控制在, 左右). Everything here reads
text already normalised and masked by `text`.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from metrics.extract.text import MASK, Paren, mask_quotes, parentheticals

_CJK_DIGITS = "零〇一二两三四五六七八九"
_CN_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"
_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}


def parse_chinese_number(text: str) -> float | None:
    """三 → 3, 十大 → 10 (the caller strips 大), 二十五 → 25, 一百二十 → 120, 三千 → 3000.

    Returns None for text that is not a well-formed numeral (a bare 千 in 千家万户).
    """
    if not text or any(c not in _CN_NUM_CHARS for c in text):
        return None
    if not any(c in _CJK_DIGITS or c == "十" for c in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_VALUES:
            if digit is not None and ch not in "零〇":
                # 一二三 written digit by digit is not a numeral we expect in a target
                return None
            digit = _CN_VALUES[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CN_SMALL_UNITS[ch]
            digit = None
        else:  # 万 亿
            section += digit or 0
            total += (section or 1) * _CN_BIG_UNITS[ch]
            section, digit = 0, None
    return float(total + section + (digit or 0))


def parse_number(text: str) -> float | None:
    """An Arabic or Chinese numeral, as written in a plan: "6.5", "1000", "三", "十".

    Magnitudes (万, 亿 after Arabic digits) are left to the unit: "6.5万个" is 6.5 with unit
    万个; `find_quantities` folds 千 into the value ("2千家" is 2000 家).
    """
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    try:
        return float(text)
    except ValueError:
        return parse_chinese_number(text)


_DATE = re.compile(
    r"(?P<pre>力争到|力争至|力争在|截止到|截至|截止|到|至|力争|于|在)?"
    r"(?P<y>(?:19|20)\d{2})年"
    r"(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?|(?P<half>上半年|下半年)"
    r"|第?(?P<q>[一二三四1-4])季度)?"
    r"(?P<suf>年底以前|年底前|年末前|年底|年末|底以前|底前|末前|底|末|以前|前|内)?"
)
# dates without a year, read in the year of a work-points document ("2025年…工作要点"):
# 年内, 年底前, 今年, 到11月底; not after a numeral or 年 ("三年内", "2023年年底前", "每年")
_RELATIVE = re.compile(
    r"(?<![\d年月零〇一二两三四五六七八九十百每])"
    r"(?P<pre>力争到|力争在|到|至|于|在)?"
    r"(?:(?P<m>\d{1,2})月(?P<msuf>底以前|底前|末前|底|末|以前|前)"
    r"|(?:今年)?(?P<half>上半年|下半年)|(?:今年)?第?(?P<q>[一二三四1-4])季度(?:末|底)?(?:以前|前)?"
    r"|(?P<y>今年年底前|今年年底|今年底前|今年底|今年内|年内|年底以前|年底前|年底|年末前|年末|今年|全年))"
)
# a year named as that of the goals that follow: "31省份均已发布2021年5G网络建设目标" (not a
# 远景目标 or a 目标纲要, the long-range outlook every plan cites)
GOALS_OF_YEAR = re.compile(r"((?:19|20)\d{2})年[^,。;:!?、年]{0,12}?(?<!远景)目标(?!纲要)")
# a bare year inside a clause that sets a goal: "全市5G基站2025年达到1万个", "将于2025年建成",
# "确保2025年…" (a year before the document's own is still a present value: see the filters)
_GOAL_BEFORE = re.compile(r"(?:将于|确保|争取|计划|要在|要于|预计于|实现|其中)$")
_GOAL_AFTER = re.compile(
    r"(?:要|将|力争|争取|达到|突破|超过|建成|全面建成|基本建成|基本实现|全面实现"
    r"|的?(?:预期|发展|主要)目标)"  # "重庆2023年预期目标GDP增长6%以上"
)
_ISSUED = re.compile(r"(?:发布|印发|出台|公布|下达|提出|明确)了?[^,。;:!?]{0,4}$")


def goals_issued(masked: str, pos: int) -> bool:
    """Whether the year at pos names the goals a text reports as issued ("均已发布2021年5G网络
    建设目标"): the counts that follow are that year's. "实现2025年发展目标" is no such report."""
    return bool(GOALS_OF_YEAR.match(masked, pos) and _ISSUED.search(masked[max(0, pos - 12) : pos]))


def five_year_plan_end(numeral: str) -> int:
    """The last year of the 十N五 plan period: 一 → 2010 (“十一五”), 四 → 2025 (“十四五”)."""
    return 2010 + 5 * "一二三四五六".index(numeral)


_PERIOD_END = re.compile(r"(?:到|至)“?十([一二三四五六])五”?(?:期末|末|时期末)")
_DASHES = "-—–~～至到"  # between the two ends of a range
_NO_DASHES = str.maketrans("", "", _DASHES)


@dataclass
class DateMention:
    """A date found in a paragraph, with what its wording says about it."""

    start: int
    end: int
    by: date
    strong: bool  # 到/至/底/前/a month, or followed by a comma
    in_paren: bool = False
    as_of: bool = False  # 截至2023年底: where things stand, not a goal
    part: bool = False  # 上半年, 第二季度 of the document's year: dates its own sentence only
    by_verb: bool = False  # a bare year made strong by the goal around it ("2025年达到…")


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _date_of(m: re.Match[str]) -> date | None:
    y = int(m.group("y"))
    try:
        if m.group("d"):
            return date(y, int(m.group("m")), int(m.group("d")))
        if m.group("m"):
            return _last_day(y, int(m.group("m")))
    except ValueError:
        return None
    if m.group("half"):
        return date(y, 6, 30) if m.group("half") == "上半年" else date(y, 12, 31)
    if m.group("q"):
        q = "一二三四".find(m.group("q")) + 1 if m.group("q") in "一二三四" else int(m.group("q"))
        return _last_day(y, q * 3)
    return date(y, 12, 31)


_SPAN_FROM = re.compile(r"[,，]?(?:力争)?用([一二两三四五六七八九十\d]+)年(?:左右)?(?:时间)?")


def find_dates(text: str, doc_year: int | None = None) -> list[DateMention]:
    """Deadline-like dates: 到2027年, 2025年年底前, 2024年12月底前, 2020年底前, 2027年,…

    A full date without 前 (an issue date, "2023年3月31日市政府常务会议") is not a deadline,
    and the first half of a range ("2020年12月—2021年6月") is not either. With the year of a
    work-points document, 年内/年底前/今年/到11月底 are that year's dates.
    """
    found: list[DateMention] = []
    masked = mask_quotes(text)
    parens = parentheticals(text)
    if doc_year:
        for m in _RELATIVE.finditer(masked):
            month = int(m.group("m")) if m.group("m") else 12
            if m.group("half") == "上半年":
                month = 6
            elif m.group("q"):
                q = m.group("q")
                month = 3 * ("一二三四".find(q) + 1 if q in "一二三四" else int(q))
            if not 1 <= month <= 12:
                continue
            in_paren = any(p.start < m.start() < p.end for p in parens)
            part = bool(m.group("half") or m.group("q"))
            found.append(
                DateMention(
                    m.start(), m.end(), _last_day(doc_year, month), True, in_paren, part=part
                )
            )
    for m in _DATE.finditer(masked):
        by = _date_of(m)
        if by is None:
            continue
        if masked[m.start() - 1 : m.start()] in ("从", "自") and masked.startswith("起", m.end()):
            span = _SPAN_FROM.match(masked, m.end() + 1)
            n = span.group(1) if span else ""
            years = int(n) if n.isdigit() else parse_chinese_number(n) if n else None
            if span and years:  # "从2020年起,力争用3年时间,…": the span's last year
                last = date(by.year + int(years) - 1, 12, 31)
                found.append(DateMention(m.start(), span.end(), last, True))
            continue  # "从2020年起": when the work starts, not its deadline
        after = masked[m.end() : m.end() + 1]
        if after and after in _DASHES and _DATE.match(masked, m.end() + 1):
            continue  # the start of a range
        suf, pre = m.group("suf") or "", m.group("pre") or ""
        if m.group("d") and not (suf.endswith("前") or pre in ("到", "至", "截至", "截止到")):
            continue
        if after in ("度", "是") or masked[m.start() - 1 : m.start()] in ("〔", "["):
            continue  # 2023年度 budgets, document numbers, "2025年是…关键之年"
        strong = bool(
            pre in ("到", "至", "截至", "截止", "截止到", "力争到", "力争至", "力争在", "力争")
            or suf
            or m.group("m")
            or m.group("half")
            or m.group("q")
            or after in (",", ":", "")
            or goals_issued(masked, m.start())
        )
        by_verb = not strong and bool(
            _GOAL_BEFORE.search(masked, max(0, m.start() - 3), m.start())
            or _GOAL_AFTER.match(masked, m.end())
        )
        before = masked[m.start() - 1 : m.start()] if m.start() else ""
        if before and before in _DASHES:
            strong = True  # the end of a range
        in_paren = any(p.start < m.start() < p.end for p in parens)
        as_of = pre.startswith(("截至", "截止"))
        found.append(
            DateMention(m.start(), m.end(), by, strong or by_verb, in_paren, as_of, by_verb=by_verb)
        )
    # "到“十四五”期末": the end of a five-year plan's period (its quotes are masked above)
    for m in _PERIOD_END.finditer(text):
        year = five_year_plan_end(m.group(1))
        if doc_year and year < doc_year:
            continue  # "到“十三五”末,…成效显著" in a text of 2021: where things stood
        in_paren = any(p.start < m.start() < p.end for p in parens)
        found.append(DateMention(m.start(), m.end(), date(year, 12, 31), True, in_paren))
    found.sort(key=lambda d: d.start)
    return found


_COUNT_UNITS = [
    "%",
    "‰",
    "个百分点",
    "百分点",
    "人次",
    "户次",
    "件次",
    "次",
    "家",
    "个",
    "项",
    "户",
    "人",
    "名",
    "所",
    "座",
    "条",
    "台",
    "架",  # racks and cabinets: "机柜数达到10万架"
    "标准机架",
    "核",  # cloud cores: "政务云计算资源达到3万核" (一核 is never read: see find_quantities)
    "笔",
    "宗",
    "篇",
    "册",
    "盏",
    "艘",
    "头",
    "兆",  # bandwidth: "省际出口带宽达3300万兆" (千兆 is a name: see find_quantities)
    "套",
    "标准箱",  # containers: "集装箱吞吐量达到300万标准箱"
    "标箱",
    "部",
    "处",
    "件",
    "类",
    "种",
    "批",
    "块",
    "张",
    "份",
    "路",
    "辆",
    "栋",
    "间",
    "场",
    "床",
    "支",
    "根",
    "杆",
    "款",
    "方面",
    "倍",
]
_MEASURE_UNITS = [
    "平方公里",
    "平方千米",
    "平方米",
    "立方米",
    "皮长公里",  # fibre length: "新增光缆5000皮长公里"
    "芯公里",
    "公里",
    "千米",
    "千瓦时",
    "千瓦",
    "兆瓦",
    "吉瓦",
    "公顷",
    "亩",
    "吨",
    "元",
    "小时",
    "分钟",
    "毫秒",
    "个月",
    "个工作日",
    "课时",
    "学时",
    "工作日",
    "天",
    "秒",
    "年",
    "米",
]
_ASCII_UNITS = [
    "Tbps",
    "Gbps",
    "Mbps",
    "EFLOPS",
    "PFLOPS",
    "EFlops",
    "PFlops",
    "EB",
    "PB",
    "TB",
    "GB",
    "TEU",
    "MW",
    "GW",
    "kW",
    "ms",
    "P",
]
_UNIT_RE = re.compile(
    "|".join(
        re.escape(u)
        for u in sorted(_COUNT_UNITS + _MEASURE_UNITS + _ASCII_UNITS, key=len, reverse=True)
    )
)
_UNIT_ALIASES = {"方面": "项"}  # classifiers the catalog counts in its usual unit
_NUM_TOKEN = re.compile(r"\d+(?:\.\d+)?|[" + _CN_NUM_CHARS + r"]+")
_MAGNITUDES = ("万亿", "千万", "百万", "万", "亿", "千")

_OP_AFTER = [("及以上", ">="), ("以上", ">="), ("以下", "<="), ("以内", "<="), ("左右", "==")]
_OP_BEFORE = [
    ("不少于", ">="),
    ("不低于", ">="),
    ("至少", ">="),
    ("超过", ">="),
    ("突破", ">="),
    ("高于", ">="),
    ("大于", ">="),
    ("多于", ">="),
    ("达到", ">="),
    ("提高到", ">="),
    ("提高至", ">="),
    ("提升到", ">="),
    ("提升至", ">="),
    ("增加到", ">="),
    ("增至", ">="),
    ("力争", ">="),
    ("迈上", ">="),  # "工贸总收入迈上千亿元新台阶"
    ("跨上", ">="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("不多于", "<="),
    ("控制在", "<="),
    ("压缩至", "<="),
    ("压缩到", "<="),
    ("缩短至", "<="),
    ("缩短到", "<="),
    ("降低到", "<="),
    ("降低至", "<="),
    ("下降到", "<="),
    ("下降至", "<="),
    ("降至", "<="),
    ("降到", "<="),
    ("减少到", "<="),
    ("减少至", "<="),
    ("少于", "<="),
    ("低于", "<="),
    ("小于", "<="),
    ("大约", "=="),
]
_OP_ADJACENT = [
    ("大约", "=="),
    ("约", "=="),
    ("近", "=="),
    ("达", ">="),
    ("超", ">="),
    ("逾", ">="),
]
OP_WORDS_BEFORE = sorted({w for w, _ in _OP_BEFORE + _OP_ADJACENT} | {"前"}, key=len, reverse=True)
# verbs that frame a number as context ("聚焦7个细分领域", "围绕三条主线"), not as a goal
CONTEXT_VERBS = (
    "聚焦",
    "围绕",
    "依托",
    "立足",
    "按照",
    "根据",
    "针对",
    "参照",
    "基于",
    "对标",
    "对照",
)


@dataclass
class Quantity:
    """A number found in a sentence, with what the wording says about it."""

    start: int  # paragraph index of the first digit
    end: int  # after the unit and any 以上/左右
    value: float | None
    low: float | None
    high: float | None
    unit: str
    op: str
    op_word: str
    numeral: str  # as written, for notes
    rule: str = "number"  # number | full | all | share | scope | circle | unitless | doubling
    scope: str = ""
    status: bool = False  # a present value ("已建成…"), kept as a possible baseline
    subject: str = ""  # what is measured, when an earlier clause names it ("X从…，增加到…")


# nouns counted in 个, written straight after a magnitude without it: "60万5G基站"
_COUNTED_NOUN = re.compile(r"(?:5G|4G)?(?:基站|站点)")


def read_unit(text: str, pos: int) -> tuple[str, str, int] | None:
    """(magnitude, unit, end) right after a number, e.g. "万" + "个"."""
    mag = ""
    for m in _MAGNITUDES:
        if text.startswith(m, pos):
            mag, pos = m, pos + len(m)
            break
    if text.startswith(("多", "余"), pos):
        pos += 1
    u = _UNIT_RE.match(text, pos)
    if u:
        unit, nxt = u.group(0), text[u.end() : u.end() + 1]
        if unit.isascii() and nxt.isascii() and nxt.isalpha():
            return None  # "PON" is not the unit P
        return mag, unit, u.end()
    if mag and _COUNTED_NOUN.match(text, pos):
        return mag, "个", pos  # "新建60万5G基站": the noun's classifier left out
    if mag:
        return "", mag, pos  # "38万" with no classifier
    return None


_BANDWIDTH_G = re.compile(r"[GM](?![A-Za-z0-9\-])")
# 万亿元, 千亿元, 百亿元 written without a digit: (value, characters of the token left as magnitude)
_BARE_MAGNITUDE = {"万亿": (1.0, 2), "千亿": (1000.0, 1), "百亿": (100.0, 1)}
# 百户, 千人 written without 一 (not 千家万户, 千人计划)
_BARE_HUNDRED = re.compile(r"[百千](?=[个户家所项人名座])(?!家万户|人计划|人次计划)")
_HALF_CUT = re.compile(r"(?:减少|压缩|缩短|降低|下降|压减)了?(?P<half>一半)")
# a doubling, with no number: "增加值实现翻番" and "智能工厂数量倍增" are 2 times, "翻两番" 4 times
# (not a "倍增计划", a programme's name)
_DOUBLING = re.compile(r"翻(?P<n>[一两二]?)番|(?<=[量模值入数])倍增(?=[,;。]|$)")
_MONTH_DAY = re.compile(r"\d+(?:-\d+)?")
_VIEWS_BEFORE = re.compile(r"(?:阅读|浏览|点击|访问)(?:量|次数)?:?$")
_NAMED_TIMES = re.compile(  # "十一届三次、四次全会": the meetings listed too
    r"(?:[、和][一二三四五六七八九十\d]+次)*(?:[市省区县]政府)?"
    r"(?:产业|全会|全体会议|会议|党代会|代表大会|常委会|常务会议)"
)
_ROUND = {"十": 10.0, "百": 100.0, "千": 1000.0}  # 十余, 百余, 千余: more than ten, a hundred…


def find_quantities(masked: str, lo: int, hi: int) -> list[Quantity]:
    """Numbers with units in masked[lo:hi] that could be targets (dates and names are masked)."""
    found: list[Quantity] = []
    pos = lo
    while True:
        m = _NUM_TOKEN.search(masked, pos, hi)
        if not m:
            break
        pos = m.end()
        token = m.group(0)
        start = m.start()
        before = masked[start - 1] if start > 0 else ""
        chinese = not token[0].isdigit()
        if token[0] == "0" and token[1:2].isdigit():
            pos = _MONTH_DAY.match(masked, start).end()
            continue  # "06-15": a date's month and day, never a plan's number
        if chinese:
            # keep the numeral, leave a trailing 万/亿/千 to the unit when it is a magnitude
            # (万 and 亿 first: "五千亿元" is 5000 亿元, "三万亿元" 3 万亿元, "两千家" 2 千家)
            for marks in ("万亿", "千"):
                cut = token
                while len(cut) > 1 and cut[-1] in marks and parse_chinese_number(cut[:-1]):
                    cut = cut[:-1]
                if cut != token:
                    token = cut
                    break
            pos = start + len(token)
        more = chinese and token in _ROUND and masked[pos : pos + 1] == "余"  # "百余公里"
        value = _ROUND[token] if more else parse_number(token)
        pos += more
        unit_at = pos
        if (
            value is None
            and token in _BARE_MAGNITUDE
            and masked[pos : pos + 1] == "元"
            and op_before(masked[max(lo, start - 4) : start])[0]
        ):  # "首次突破万亿元大关"
            value, keep = _BARE_MAGNITUDE[token]
            unit_at = pos - keep  # the magnitude is left to the unit
            chinese = False  # no numeral of its own: not the article 一
        if value is None and _BARE_HUNDRED.match(masked, start):
            value = _ROUND[token]  # "培育百户…市场主体": a hundred
        if value is None:
            continue
        if before and (before.isascii() and before.isalpha() or before in "+×第.〔["):
            continue  # "第3", "〔20228" (a document number with its bracket lost)
        if chinese and before == "”":
            continue  # "“需求”+“供给”两张清单": counts the names just quoted
        after = masked[pos : pos + 1]
        # 十大应用场景: a Chinese numeral with 大 counts things
        if chinese and after == "大":
            if not (2 <= value <= 10) or masked[start - 2 : start] == "党的":
                continue
            found.append(Quantity(start, pos + 1, value, None, None, "个", ">=", "", token + "大"))
            continue
        low = high = None
        unit_read = read_unit(masked, unit_at)
        # a range: 8-10家, 2—3个, 3至5项
        dash_at = pos
        if unit_read and masked[unit_read[2] : unit_read[2] + 1] in tuple(_DASHES):
            dash_at = unit_read[2]  # 8家-10家
        if masked[dash_at : dash_at + 1] and masked[dash_at] in _DASHES:
            m2 = _NUM_TOKEN.match(masked, dash_at + 1)
            if m2 and (r := read_unit(masked, m2.end())):
                second = parse_number(m2.group(0))
                if second is not None and second >= value:
                    low, high = value, second
                    unit_read, pos = r, m2.end()
        if unit_read is None and _BANDWIDTH_G.match(masked, pos) and "带宽" in masked[lo:start]:
            unit_read = ("", masked[pos], pos + 1)  # "带宽达到6000G", "带宽可用性5000M以上"
        if (
            unit_read is None
            and masked[pos : pos + 1].isascii()
            and masked[pos : pos + 1].isalpha()
        ):
            continue  # a name: 5G, 4K, 10G-PON, 3D
        if unit_read is None and masked[pos : pos + 1] in ("月", "日", "号", "级", "×"):
            continue  # "力争7月份…实现覆盖": a date; "成熟度达2级及以上的企业": a grade
        if unit_read is None:
            # a ratio without a unit counts only with explicit wording: "PUE值降至1.3以下"
            op, op_word, end = _op_after(masked, pos)
            before_op, word = op_before(masked[max(lo, start - 4) : start])
            if (op_word in ("以上", "以下", "以内") or before_op and word != "近") and not chinese:
                found.append(
                    Quantity(
                        start,
                        end,
                        value,
                        None,
                        None,
                        "",
                        op,
                        op_word,
                        masked[start:end],
                        rule="unitless",
                    )
                )
            continue
        mag, unit, end = unit_read
        if masked[end : end + 1] == "级" or (unit == "兆" and chinese):
            continue  # "五百亿级产业集群", "万亿级": a class; 千兆 is a name
        if mag == "千" and not is_measure(unit):
            # the catalog counts whole things (no unit starts with 千): "2千家" is 2000 家
            value, mag = value * 1000, ""
            low, high = (None, None) if low is None else (low * 1000, high * 1000)  # type: ignore[operator]
        if masked[end : end + 1] in ("+", "×"):
            continue  # "2+2+3": a name
        if unit == "年" or (chinese and value in (0, 1) and low is None):
            continue  # durations (三年行动), the article 一 (一个平台, 一批), 零部件
        if chinese and unit == "类" and masked[end : end + 1] in ("县", "市", "区", "地", "企"):
            continue  # "一、二类县", "三类地区": a category, not a count
        if unit == "次" and _NAMED_TIMES.match(masked, end):
            continue  # 三次产业 (the three sectors), 十二届十一次全会 (a meeting's number)
        if unit == "次" and _VIEWS_BEFORE.search(masked, max(0, start - 6), start):
            continue  # "阅读:1828次": the page's views
        full_unit = f"{mag}{_UNIT_ALIASES.get(unit, unit)}"
        op, op_word, end = _op_after(masked, end)
        if more and not op:
            op, op_word = ">=", "余"  # more than a hundred
        found.append(
            Quantity(
                start,
                end,
                None if low is not None else value,
                low,
                high,
                full_unit,
                "between" if low is not None else op,
                op_word,
                masked[start:end],
            )
        )
        pos = end
    # "办理时限平均减少一半": a cut of at least half
    for m in _HALF_CUT.finditer(masked, lo, hi):
        at = m.start("half")
        found.append(Quantity(at, m.end(), 50.0, None, None, "%", ">=", "", "一半"))
    for m in _DOUBLING.finditer(masked, lo, hi):
        times = 4.0 if m.group("n") in ("两", "二") else 2.0
        found.append(
            Quantity(m.start(), m.end(), times, None, None, "倍", ">=", "", m.group(), "doubling")
        )
    found.sort(key=lambda q: q.start)
    return found


def _op_after(text: str, end: int) -> tuple[str, str, int]:
    for word, op in _OP_AFTER:
        if text.startswith(word, end):
            return op, word, end + len(word)
    return "", "", end


# measures of which less is better, so 达到 states a ceiling: "PUE值达到1.3", "电能利用效率达1.25"
_CEILING = re.compile(r"(?:PUE|电能利用效率)值?(?:要|应|须|平均)?$")


def op_before(text: str) -> tuple[str, str]:
    """The comparison word closest before a number, within its clause.

    One-character words (达, 超, 约) count only right before the number: "达" is also in
    发达 and 直达, "约" in 集约.
    """
    text = text.replace(MASK, "")
    for word, op in _OP_ADJACENT:
        if text.endswith(word):
            ceiling = word == "达" and _CEILING.search(text[: -len(word)])
            return ("<=" if ceiling else op), word
    best: tuple[int, int, str, str] | None = None
    for word, op in _OP_BEFORE:
        i = text.rfind(word)
        if i >= 0 and (best is None or (i + len(word), len(word)) > best[:2]):
            best = (i + len(word), len(word), word, op)
    if best and best[2] in ("达到", "达") and _CEILING.search(text[: best[0] - len(best[2])]):
        return "<=", best[2]  # "PUE值达到1.3": a PUE is a ceiling
    return (best[3], best[2]) if best else ("", "")


def time_limit(inner: str) -> date | None:
    """The deadline of a "完成时限：…" note (a bare year read as its end), else None."""
    m = re.search(r"完成时限[:：]?", inner)
    if not m:
        return None
    dates = find_dates(inner[m.end() :])
    if dates:
        return dates[0].by
    # "完成时限：2021年12月前" is caught above; a bare year is read as its end
    y = re.search(r"((?:19|20)\d{2})年", inner[m.end() :])
    return date(int(y.group(1)), 12, 31) if y else None


def plain_number(v: float | None) -> float | int | None:
    """A value as the catalog writes it: 35 rather than 35.0."""
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


def is_date_paren(text: str, d: DateMention, parens: list[Paren]) -> bool:
    """A parenthetical that is only a date or a date range: "（至2020年12月）"."""
    for p in parens:
        if p.start < d.start < p.end:
            rest = _DATE.sub("", p.inner)
            return not rest.translate(_NO_DASHES).strip()
    return False


def is_deadline(text: str, d: DateMention, s0: int = 0) -> bool:
    """Whether a date sets a deadline: a strong wording (到/底/前/a month…), or a bare year
    opening its sentence or clause at s0 or after a mark ("…，2024年完成…")."""
    return d.strong or d.start <= s0 or text[d.start - 1] in "。;,:"


_TASK_OF_YEAR = re.compile(r"[^,。;]{0,20}?(?:任务|目标)")


def is_task_of_year(text: str, d: DateMention, pos: int) -> bool:
    """Whether a date after the number at pos names the year whose task it is: "…新开通4万个
    基站,是今年省《政府工作报告》确定的重要任务"."""
    return (
        d.start > pos
        and text[d.start - 1 : d.start] in ("是", "为")
        and "," in text[pos : d.start]
        and "。" not in text[pos : d.start]
        and bool(_TASK_OF_YEAR.match(text, d.end))
    )


def is_measure(unit: str) -> bool:
    """A measure (area, money, time) rather than a count: "3万平方米", "十亿元"."""
    return unit in _MEASURE_UNITS or any(
        unit.startswith(m) and unit[len(m) :] in _MEASURE_UNITS for m in _MAGNITUDES
    )


# a parenthetical that holds only a count with a classifier, right after the thing counted:
# "打造一批“免申即享”服务(27项)", "一批“一件事”(9个)"; not a share, a measure or a date
_PAREN_COUNT = re.compile(r"(?:\d+|[" + _CN_NUM_CHARS + r"]+)(?P<unit>[^\d()]{1,2})")
_PAREN_MEASURE = re.compile(r"\d+(?:\.\d+)?(?:EFLOPS|PFLOPS|EFlops|PFlops)")


# a part of the target before it, with its own figure: "新增通客车建制村5000个(贫困地区不低于
# 3000个)", "(其中高铁470公里)"; one number, no list
_SUB_TARGET = re.compile(
    r"(?:其中(?:[^\d,;:、()]|\d[A-Za-z]){1,12}?(?:不低于|不少于|超过|达到|达)?"
    r"|[^\d,;:、()]{1,12}?(?:不低于|不少于|超过|达到|达))"
    r"\d+(?:\.\d+)?(?:万|亿)?[^\d,;:、()]{1,3}?(?:以上)?"
)


def sub_target_paren(p: Paren) -> bool:
    """Whether the parenthetical p states one part of the target before it, to be read."""
    if not _SUB_TARGET.fullmatch(p.inner):
        return False
    number = list(re.finditer(r"\d+(?:\.\d+)?", p.inner))[-1]
    return read_unit(p.inner, number.end()) is not None


def count_paren(text: str, p: Paren) -> bool:
    """Whether the parenthetical p counts the item before it (its count is read as a number),
    or states in its unit what the words before it spell out ("每秒5×1018次浮点运算(5EFLOPS)")."""
    if _PAREN_MEASURE.fullmatch(p.inner):
        return True
    m = _PAREN_COUNT.fullmatch(p.inner)
    if not m or m.group("unit") not in _COUNT_UNITS or m.group("unit") in ("%", "‰", "倍"):
        return False
    before = text[p.start - 1 : p.start] if p.start else ""
    return bool(before) and before not in ",;:、。!?()" and not before.isdigit()
