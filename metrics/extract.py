"""Draft catalog entries from a plan's text: the targets a person would otherwise type by hand.

Rules, not a model: Chinese policy plans state their targets in a small number of
fixed wordings ("到2027年，…达到6.5万个", "2025年年底前…不少于100个", "（牵头单位：…）"),
so a reviewer can read why each proposal was made and correct it. Everything here
proposes; nothing is trusted: each entry is marked `draft: true`, carries the verbatim
quote it was read from, and says in `note` what was assumed (a year taken from the
plan's horizon, "全覆盖" read as 100%, a bare count read as a floor).

The text is normalised for matching (lines broken mid-sentence joined, spaces between
characters removed, NFKC for full-width digits and punctuation) while every character
keeps the position it came from, so quotes are cut from the original text.
"""

from __future__ import annotations

import calendar
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from metrics.catalog import ID_RE, REGION_RE, CatalogError, Problem, parse_catalog
from metrics.i18n import TEXT, both

TODO_EN = "TODO: English name"
PLACEHOLDER_PLAN = "new-plan"

# --- normalisation ------------------------------------------------------------------------

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

_SENTENCE_END = "。!?"
_PAGE_MARK = re.compile(r"^[-—–－]\s*\d{1,3}\s*[-—–－]$")
_RULE_LINE = re.compile(r"^[-=*_—]{3,}$")
_CN = "一二三四五六七八九十"
# clause numbers by level, and how the catalog writes them ("二、（二）6.")
_HEADINGS: list[tuple[int, re.Pattern[str], str]] = [
    (0, re.compile(rf"第([{_CN}]{{1,3}})([章篇]|部分)"), "第{0}{1}"),
    (1, re.compile(rf"([{_CN}]{{1,3}})[、.](?!\d)"), "{0}、"),
    (2, re.compile(rf"\(([{_CN}]{{1,4}})\)"), "（{0}）"),
    (3, re.compile(r"(\d{1,2})[.、](?!\d)"), "{0}."),
    (4, re.compile(r"\(?(\d{1,2})\)"), "（{0}）"),
]
_RESPONSIBLE_HINT = re.compile(r"责任单位|牵头|负责|配合|完成时限|承办")
_PRINCIPLE_SECTIONS = ("指导思想", "基本原则", "工作原则", "发展思路")
# sections that report where the city stands: their numbers are baselines, not targets
_STATUS_SECTIONS = (
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
)
_STATUS_WORDS = re.compile(r"已|同比|比上年|较上年")
_GROWTH = re.compile(r"增长|下降|增速|提高|降低")  # rates of change have no level to start from


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

    Magnitudes (万, 千 after Arabic digits) are left to the unit: "2千家" is 2 with unit 千家.
    """
    text = unicodedata.normalize("NFKC", text).replace(",", "")
    try:
        return float(text)
    except ValueError:
        return parse_chinese_number(text)


@dataclass
class Paragraph:
    """One logical paragraph: normalised text, each character's place in the original."""

    text: str
    offs: list[int]
    clause: str = ""
    heading: str = ""
    titles: tuple[str, ...] = ()
    body: int = 0  # where the text after the heading number starts
    level: int = 0  # the heading level this paragraph opens (0: none)


def _clean_line(line: str, base: int) -> list[tuple[str, int]]:
    """NFKC each character; drop markdown markers and spaces between CJK characters."""
    chars: list[tuple[str, int]] = []
    for i, ch in enumerate(line):
        for n in unicodedata.normalize("NFKC", ch):
            chars.append((n, base + i))
    text = "".join(c for c, _ in chars)
    # markdown headings, bold markers and bullets
    drop: set[int] = set()
    m = re.match(r"^\s*(?:#+\s*|[•·]\s*)", text)
    if m:
        drop.update(range(m.start(), m.end()))
    for m in re.finditer(r"\*\*", text):
        drop.update(range(m.start(), m.end()))
    chars = [c for i, c in enumerate(chars) if i not in drop]
    out: list[tuple[str, int]] = []
    for i, (ch, off) in enumerate(chars):
        if ch.isspace():
            prev = out[-1][0] if out else ""
            nxt = next((c for c, _ in chars[i + 1 :] if not c.isspace()), "")
            keep = prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum()
            if keep and out[-1][0] != " ":
                out.append((" ", off))  # "VR AR", "Produced By": a space between words stays
            continue
        out.append((ch, off))
    return out


def _heading_at(text: str, pos: int = 0) -> tuple[int, str, int] | None:
    """(level, clause number as the catalog writes it, end) when a clause number starts at pos."""
    for level, pattern, form in _HEADINGS:
        m = pattern.match(text, pos)
        if m:
            return level, form.format(*m.groups()), m.end()
    return None


def _is_heading_only(text: str) -> bool:
    h = _heading_at(text)
    return h is not None and len(text) <= 40 and "。" not in text and "," not in text


def _open_count(text: str) -> int:
    """Parentheses still open: a responsibility note may run over lines and sentences."""
    return text.count("(") - text.count(")")


def _ends_paragraph(text: str) -> bool:
    """Whether a line's text ends its paragraph (else the next line continues it)."""
    if not text:
        return True
    if _open_count(text) > 0:
        return False
    last = text[-1]
    if last in _SENTENCE_END or last in ":;":
        return last != ";"  # a PDF line may end at a semicolon mid-paragraph
    if last == ")":
        start = text.rfind("(")
        inner = text[start + 1 : -1] if start >= 0 else ""
        return bool(_RESPONSIBLE_HINT.search(inner)) or "公开" in inner or start == 0
    return False


def split_paragraphs(original: str) -> list[Paragraph]:
    """Logical paragraphs with clause numbers: PDF line breaks joined, headings tracked."""
    raw: list[list[tuple[str, int]]] = []
    pos = 0
    for line in original.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        stripped = content.strip()
        base = pos
        pos += len(line)
        if not stripped or _PAGE_MARK.match(stripped) or _RULE_LINE.match(stripped):
            continue
        chars = _clean_line(content, base)
        if not chars:
            continue
        text = "".join(c for c, _ in chars)
        if raw:
            prev = "".join(c for c, _ in raw[-1])
            ends = _ends_paragraph(prev) or _is_heading_only(prev)
            if not ends and not _heading_at(text):
                raw[-1].extend(chars)
                continue
        raw.append(chars)

    paragraphs: list[Paragraph] = []
    levels: dict[int, tuple[str, str]] = {}
    for chars in raw:
        text = "".join(c for c, _ in chars)
        para = Paragraph(text=text, offs=[o for _, o in chars])
        h = _heading_at(text)
        if h:
            level, number, end = h
            title = re.split(r"[。]", text[end:], maxsplit=1)[0][:40]
            levels = {k: v for k, v in levels.items() if k < level}
            levels[level] = (number, title)
            para.body, para.level = end, level
        para.clause = "".join(levels[k][0] for k in sorted(levels))
        para.titles = tuple(levels[k][1] for k in sorted(levels))
        last_title = levels[max(levels)][1] if levels else ""
        para.heading = f"{para.clause} {last_title}".strip()
        paragraphs.append(para)
    return paragraphs


# --- masking, dates and parentheticals ------------------------------------------------------

_QUOTES = {"“": "”", "‘": "’", "《": "》", "〔": "〕", "【": "】", "「": "」", "『": "』"}
MASK = "□"


def _mask_quotes(text: str) -> str:
    """Hide what is inside quotes and brackets: names (“1+3+N”), titles, document numbers."""
    out = list(text)
    i = 0
    while i < len(text):
        ch = text[i]
        closer = _QUOTES.get(ch) or ('"' if ch == '"' else None)
        if closer:
            j = text.find(closer, i + 1)
            if 0 < j - i <= 40:
                for k in range(i + 1, j):
                    out[k] = MASK
                i = j + 1
                continue
        i += 1
    return "".join(out)


@dataclass
class Paren:
    start: int  # index of "("
    end: int  # index after ")"
    inner: str


def _parentheticals(text: str) -> list[Paren]:
    found: list[Paren] = []
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            if not stack:
                found.append(Paren(start, i + 1, text[start + 1 : i]))
    return found


_DATE = re.compile(
    r"(?P<pre>力争到|力争至|力争在|截止到|截至|截止|到|至|力争|于|在)?"
    r"(?P<y>(?:19|20)\d{2})年"
    r"(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?|(?P<half>上半年|下半年)"
    r"|第?(?P<q>[一二三四1-4])季度)?"
    r"(?P<suf>年底以前|年底前|年末前|年底|年末|底以前|底前|末前|底|末|以前|前)?"
)
_DASHES = "-—–~～至到"


@dataclass
class DateMention:
    start: int
    end: int
    by: date
    strong: bool  # 到/至/底/前/a month, or followed by a comma
    in_paren: bool = False
    as_of: bool = False  # 截至2023年底: where things stand, not a goal


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


def find_dates(text: str) -> list[DateMention]:
    """Deadline-like dates: 到2027年, 2025年年底前, 2024年12月底前, 2020年底前, 2027年,…

    A full date without 前 (an issue date, "2023年3月31日市政府常务会议") is not a deadline,
    and the first half of a range ("2020年12月—2021年6月") is not either.
    """
    found: list[DateMention] = []
    masked = _mask_quotes(text)
    parens = _parentheticals(text)
    for m in _DATE.finditer(masked):
        by = _date_of(m)
        if by is None:
            continue
        after = masked[m.end() : m.end() + 1]
        if after and after in _DASHES and _DATE.match(masked, m.end() + 1):
            continue  # the start of a range
        suf, pre = m.group("suf") or "", m.group("pre") or ""
        if m.group("d") and not (suf.endswith("前") or pre in ("到", "至", "截至", "截止到")):
            continue
        if after == "度" or masked[m.start() - 1 : m.start()] in ("〔", "["):
            continue  # 2023年度 budgets and document numbers
        strong = bool(
            pre in ("到", "至", "截至", "截止", "截止到", "力争到", "力争至", "力争在", "力争")
            or suf
            or m.group("m")
            or m.group("half")
            or m.group("q")
            or after in (",", ":", "")
        )
        before = masked[m.start() - 1 : m.start()] if m.start() else ""
        if before and before in _DASHES:
            strong = True  # the end of a range
        in_paren = any(p.start < m.start() < p.end for p in parens)
        as_of = pre.startswith(("截至", "截止"))
        found.append(DateMention(m.start(), m.end(), by, strong, in_paren, as_of))
    return found


# --- numbers and units --------------------------------------------------------------------

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
    "套",
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
    "平方米",
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
    "个工作日",
    "工作日",
    "天",
    "秒",
    "年",
    "米",
]
_ASCII_UNITS = ["Gbps", "Mbps", "EFLOPS", "PFLOPS", "EB", "PB", "TB", "GB", "MW", "GW", "kW", "P"]
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
_OP_ADJACENT = [("大约", "=="), ("约", "=="), ("达", ">="), ("超", ">="), ("逾", ">=")]
_OP_WORDS_BEFORE = sorted({w for w, _ in _OP_BEFORE + _OP_ADJACENT} | {"前"}, key=len, reverse=True)
# verbs that frame a number as context ("聚焦7个细分领域", "围绕三条主线"), not as a goal
_CONTEXT_VERBS = ("聚焦", "围绕", "依托", "立足", "按照", "根据", "针对", "参照", "基于", "对标")
_DELIVERABLE_START = re.compile(r"^(?:前|以前|,|:)+")


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
    rule: str = "number"  # number | full | all | share | scope | circle | unitless
    scope: str = ""
    status: bool = False  # a present value ("已建成…"), kept as a possible baseline


def _read_unit(text: str, pos: int) -> tuple[str, str, int] | None:
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
    if mag:
        return "", mag, pos  # "38万" with no classifier
    return None


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
        if chinese:
            # keep the numeral, leave a trailing 万/亿/千 to the unit when it is a magnitude
            while len(token) > 1 and token[-1] in "万亿千" and parse_chinese_number(token[:-1]):
                token = token[:-1]
            pos = start + len(token)
        value = parse_number(token)
        if value is None:
            continue
        if before and (before.isascii() and before.isalpha() or before in "+×第."):
            continue
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
        unit_read = _read_unit(masked, pos)
        # a range: 8-10家, 2—3个, 3至5项
        dash_at = pos
        if unit_read and masked[unit_read[2] : unit_read[2] + 1] in tuple(_DASHES):
            dash_at = unit_read[2]  # 8家-10家
        if masked[dash_at : dash_at + 1] and masked[dash_at] in _DASHES:
            m2 = _NUM_TOKEN.match(masked, dash_at + 1)
            if m2 and (r := _read_unit(masked, m2.end())):
                second = parse_number(m2.group(0))
                if second is not None and second >= value:
                    low, high = value, second
                    unit_read, pos = r, m2.end()
        if unit_read is None:
            # a ratio without a unit counts only with explicit wording: "PUE值降至1.3以下"
            op, op_word, end = _op_after(masked, pos)
            before_op, _ = _op_before(masked[max(lo, start - 4) : start])
            if (op_word in ("以上", "以下", "以内") or before_op) and not chinese:
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
        if masked[end : end + 1] in ("+", "×"):
            continue  # "2+2+3": a name
        if unit == "年" or (chinese and value == 1 and low is None):
            continue  # durations (三年行动) and the article 一 (一个平台, 一批)
        full_unit = f"{mag}{_UNIT_ALIASES.get(unit, unit)}"
        op, op_word, end = _op_after(masked, end)
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
    return found


def _op_after(text: str, end: int) -> tuple[str, str, int]:
    for word, op in _OP_AFTER:
        if text.startswith(word, end):
            return op, word, end + len(word)
    return "", "", end


def _op_before(text: str) -> tuple[str, str]:
    """The comparison word closest before a number, within its clause.

    One-character words (达, 超, 约) count only right before the number: "达" is also in
    发达 and 直达, "约" in 集约.
    """
    text = text.replace(MASK, "")
    for word, op in _OP_ADJACENT:
        if text.endswith(word):
            return op, word
    best: tuple[int, int, str, str] | None = None
    for word, op in _OP_BEFORE:
        i = text.rfind(word)
        if i >= 0 and (best is None or (i + len(word), len(word)) > best[:2]):
            best = (i + len(word), len(word), word, op)
    return (best[3], best[2]) if best else ("", "")


# --- proposals ----------------------------------------------------------------------------


@dataclass
class StageDraft:
    op: str
    by: date
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class Proposal:
    """One draft indicator, before it is written as YAML."""

    kind: str
    name: str
    unit: str
    stages: list[StageDraft]
    para: int
    start: int
    end: int
    quote_start: int
    clause: str
    heading: str
    cumulative: bool = False
    recurring: bool = False
    responsible: list[str] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    domain: str = ""
    quote: str = ""
    deadline_source: str = ""
    baseline: tuple[float, date] | None = None


_DOMAIN_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("网络安全", ("网络安全", "数据安全", "安全事件", "等级保护", "密码", "安全防护")),
    ("生态环保", ("生态", "环保", "环境", "碳", "绿色", "节能", "能耗", "BIM", "建筑", "污染")),
    (
        "民生服务",
        (
            "医院",
            "医疗",
            "健康",
            "教育",
            "学校",
            "养老",
            "文旅",
            "旅游",
            "就业",
            "社保",
            "体育",
            "健身",
            "救助",
            "文化",
            "家庭",
            "居民",
        ),
    ),
    (
        "政务服务",
        (
            "政务服务",
            "一件事",
            "事项",
            "审批",
            "证照",
            "办公",
            "APP",
            "一网通办",
            "政务应用",
            "便民服务",
            "免证",
        ),
    ),
    (
        "城市治理",
        (
            "治理",
            "监管",
            "信用",
            "应急",
            "城管",
            "调解",
            "治安",
            "社区",
            "平安",
            "执法",
            "停车",
            "交通",
        ),
    ),
    (
        "数字基础设施",
        (
            "5G",
            "基站",
            "光网",
            "千兆",
            "算力",
            "数据中心",
            "物联网",
            "IPv6",
            "网络",
            "充电",
            "云",
            "感知",
        ),
    ),
    ("数据资源", ("数据", "视频", "共享", "开放", "目录", "大数据")),
    (
        "数字经济",
        (
            "企业",
            "产业",
            "经济",
            "园区",
            "工业",
            "上云",
            "农业",
            "电商",
            "数商",
            "基地",
            "产值",
            "增加值",
            "GDP",
        ),
    ),
]


def guess_domain(name: str, heading: str, titles: tuple[str, ...]) -> str:
    """A domain from keywords of the name, then of the heading; 总体目标 under a goals heading."""
    if any("目标" in t for t in titles[:2]):
        return "总体目标"
    for text in (name, heading):
        for domain, words in _DOMAIN_WORDS:
            if any(w in text for w in words):
                return domain
    return "城市治理"


_GENERIC_FRAGMENTS = {"单位", "管委会", "管委", "部门", "机构", "企业", "办事处", "街道办事处"}
_RESP_LABEL = re.compile(r"(?:牵头单位|责任单位|配合单位|参与单位|主责单位|承办单位)[:：]")
_RESP_SUFFIX = re.compile(
    r"(?:牵头负责|牵头落实|牵头|按职责分工负责|按职责负责|分工负责|具体落实|配合实施|负责落实|"
    r"配合|负责|等有关部门|等部门|等单位)+$"
)


def parse_responsible(inner: str) -> list[str]:
    """Units named in a parenthetical: lead units first, as the plan names them.

    (牵头单位：A、B；责任单位：C，D) → [A, B, C, D]; (A牵头负责，B及C配合实施。完成时限：…)
    → [A, B, C]; "市直各有关部门、单位" stays one unit.
    """
    text = re.split(r"完成时限", inner)[0]
    text = _RESP_LABEL.sub(";", text)
    units: list[str] = []
    for part in re.split(r"[;；,，。]", text):
        part = _RESP_SUFFIX.sub("", part.strip())
        for piece in re.split(r"及|、", part):
            piece = _RESP_SUFFIX.sub("", piece.strip())
            if not piece:
                continue
            if piece in _GENERIC_FRAGMENTS and units:
                units[-1] = f"{units[-1]}、{piece}"
                continue
            units.append(piece)
    seen: list[str] = []
    for unit in units:
        if unit not in seen and len(unit) >= 2:
            seen.append(unit)
    return seen


def _time_limit(inner: str) -> date | None:
    m = re.search(r"完成时限[:：]?", inner)
    if not m:
        return None
    dates = find_dates(inner[m.end() :])
    if dates:
        return dates[0].by
    # "完成时限：2021年12月前" is caught above; a bare year is read as its end
    y = re.search(r"((?:19|20)\d{2})年", inner[m.end() :])
    return date(int(y.group(1)), 12, 31) if y else None


_NAME_STRIP = re.compile(
    r"^(?:[,、;:]|并|和|及|其中|同时|全面|力争|确保|实现|推动|推进|基本|初步|进一步|努力)+"
)
_MEASURE_ENDINGS = (
    "数量",
    "总量",
    "总数",
    "数",
    "量",
    "规模",
    "率",
    "比例",
    "比重",
    "占比",
    "面积",
    "金额",
    "收入",
    "产值",
    "增加值",
    "长度",
    "时长",
    "时间",
    "时限",
    "人数",
    "户数",
    "指数",
    "水平",
    "额",
)


def _clean_name(text: str) -> str:
    """A readable noun phrase: no parentheticals, stray quotes or leading connectives."""
    text = re.sub(r"\([^()]*\)", "", text).replace(MASK, "")
    if "”" in text and "“" not in text[: text.find("”")]:
        text = text.replace("”", "", 1)  # a quote opened before the phrase ("爱山东”APP")
    if text.count("“") > text.count("”"):
        text = text[::-1].replace("“", "", 1)[::-1]
    prev = None
    while prev != text:
        prev = text
        text = _NAME_STRIP.sub("", text.strip(",、;:的 "))
        text = re.sub(r"(?:实现|达到|达|为)$", "", text)
    return text


def _shorten(name: str, limit: int = 40) -> str:
    """Long enumerations keep their head and the measured noun at the end."""
    if len(name) <= limit:
        return name
    return f"{name[:14]}…{name[-(limit - 15) :]}"


def _measured_name(base: str, unit: str) -> str:
    if not base:
        return base
    if unit in ("%", "") or unit.endswith("元") or base.endswith(_MEASURE_ENDINGS):
        return base
    if unit in ("分钟", "小时", "天", "工作日", "个工作日", "秒"):
        return f"{base}时间"
    return f"{base}数量"


@dataclass
class Draft:
    """The extractor's result: an optional plan header and the proposals, in text order."""

    plan: dict[str, Any] | None
    plan_id: str
    goal_year: int | None
    proposals: list[Proposal]
    original: str

    @property
    def quantities(self) -> list[Proposal]:
        return [p for p in self.proposals if p.kind == "quantity"]

    @property
    def milestones(self) -> list[Proposal]:
        return [p for p in self.proposals if p.kind == "milestone"]

    def entries(self) -> list[dict[str, Any]]:
        """Catalog indicator dicts, in the config.yaml schema, each marked draft: true."""
        return [_entry(self.plan_id, i + 1, p) for i, p in enumerate(self.proposals)]

    def to_yaml(self) -> str:
        return draft_yaml(self)


def _note_text(notes: list[tuple[str, dict[str, Any]]]) -> str:
    if not notes:
        return ""
    zh = "；".join(TEXT[k][0].format(**kw) for k, kw in notes)
    en = "; ".join(TEXT[k][1].format(**kw) for k, kw in notes)
    return f"{zh} / {en}"


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


def _entry(plan_id: str, n: int, p: Proposal) -> dict[str, Any]:
    targets = []
    for s in p.stages:
        stage: dict[str, Any] = {"op": s.op}
        if s.op == "between":
            stage["low"], stage["high"] = _num(s.low), _num(s.high)
        else:
            stage["value"] = _num(s.value)
        stage["by"] = s.by
        targets.append(stage)
    entry: dict[str, Any] = {
        "id": f"{plan_id}.draft-{n}",
        "plan": plan_id,
        "draft": True,
        "name": p.name,
        "name_en": TODO_EN,
        "domain": p.domain,
        "unit": p.unit,
        "kind": p.kind,
    }
    if p.cumulative:
        entry["cumulative"] = True
    if p.recurring:
        entry["recurring"] = "yearly"
    if p.baseline is not None:
        entry["baseline"] = {"value": _num(p.baseline[0]), "date": p.baseline[1]}
    entry["targets"] = targets
    entry["responsible"] = list(p.responsible)
    entry["clause"] = p.clause
    entry["quote"] = p.quote
    note = _note_text(p.notes)
    if note:
        entry["note"] = note
    return entry


# --- the extractor --------------------------------------------------------------------------


def _spans(text: str, lo: int, hi: int, marks: str) -> list[tuple[int, int]]:
    """Spans of text[lo:hi] split at any of `marks` outside parentheses (the last span
    always included, even when empty)."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, lo
    for i in range(lo, hi):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in marks:
            spans.append((start, i))
            start = i + 1
    spans.append((start, hi))
    return spans


def _sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Non-empty sentence spans in text[lo:hi], split at 。!?; outside parentheses."""
    return [(a, b) for a, b in _spans(text, lo, hi, "。!?;") if b > a]


def _clauses(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Clause spans split at commas and colons outside parentheses."""
    return _spans(text, lo, hi, ",:")


def _goal_year(paragraphs: list[Paragraph]) -> int | None:
    """The plan's horizon: the first deadline stated under a goals heading, else the commonest."""
    for strong_only in (True, False):
        for para in paragraphs:
            if not any("目标" in t for t in para.titles):
                continue
            for d in find_dates(para.text):
                if (d.strong or not strong_only) and not d.in_paren and not d.as_of:
                    return d.by.year
    years = Counter(
        d.by.year
        for para in paragraphs
        for d in find_dates(para.text)
        if d.strong and not d.in_paren and not d.as_of
    )
    if not years:
        return None
    top = max(years.values())
    return max(y for y, c in years.items() if c == top)


class _Extractor:
    """One pass over a plan: paragraphs → sentences → clauses → proposals.

    Kept as a class because the rules need the whole document at hand: the plan's
    horizon, the parenthetical that follows a target (possibly a paragraph later) and
    present values stated elsewhere that become baselines.
    """

    def __init__(self, original: str):
        self.original = original
        self.paragraphs = split_paragraphs(original)
        self.goal_year = _goal_year(self.paragraphs)
        self.proposals: list[Proposal] = []
        self.present: list[tuple[str, str, float, date]] = []  # name, unit, value, as of

    # -- helpers
    def quote(self, para: Paragraph, a: int, b: int) -> str:
        """The original text behind para.text[a:b], whitespace removed."""
        a = max(a, 0)
        b = min(b, len(para.text))
        while a < b and para.text[a] in ",;:、。":
            a += 1
        while b > a and para.text[b - 1] in ",;:、":
            b -= 1
        if a >= b:
            return ""
        raw = self.original[para.offs[a] : para.offs[b - 1] + 1]
        return re.sub(r"\s+", "", raw)

    def responsible_after(self, index: int, pos: int) -> list[str]:
        """Units of the first responsibility parenthetical after pos, within the same clause."""
        clause = self.paragraphs[index].clause
        for j in range(index, len(self.paragraphs)):
            para = self.paragraphs[j]
            if j > index and (para.clause != clause or para.level):
                break
            for p in _parentheticals(para.text):
                if j == index and p.start < pos:
                    continue
                if _RESPONSIBLE_HINT.search(p.inner):
                    return parse_responsible(p.inner)
        return []

    def time_limit_after(self, index: int, pos: int) -> date | None:
        """A 完成时限 stated after pos in the same clause, in a parenthetical or inline."""
        clause = self.paragraphs[index].clause
        for j in range(index, len(self.paragraphs)):
            para = self.paragraphs[j]
            if j > index and (para.clause != clause or para.level):
                break
            for m in re.finditer(r"完成时限", para.text):
                if j == index and m.start() < pos:
                    continue
                limit = _time_limit(para.text[m.start() : m.start() + 30])
                if limit:
                    return limit
        return None

    # -- main
    def run(self) -> list[Proposal]:
        first_heading = next((i for i, p in enumerate(self.paragraphs) if p.level), 0)
        for index, para in enumerate(self.paragraphs):
            if index < first_heading:
                continue
            if any(t.startswith(_PRINCIPLE_SECTIONS) for t in para.titles):
                continue
            self.paragraph(index, para)
        self.merge_stages()
        self.attach_baselines()
        self.proposals.sort(key=lambda p: (p.para, p.start))
        for p in self.proposals:
            p.name = p.name or p.heading
            p.domain = p.domain or guess_domain(p.name, p.heading, self.paragraphs[p.para].titles)
            if not p.responsible:
                p.notes.append(("extract.note_no_unit", {}))
        return self.proposals

    def attach_baselines(self) -> None:
        """A present value stated for the same measure before the first deadline is its baseline."""
        for p in self.proposals:
            if p.kind != "quantity" or len(p.name) <= 2:
                continue
            found = [
                (as_of, value)
                for name, unit, value, as_of in self.present
                if unit == p.unit
                and as_of < p.stages[0].by
                and _similar(p.name, name)
                and not _GROWTH.search(name + p.name)
            ]
            if found:
                as_of, value = max(found)
                p.baseline = (value, as_of)
                p.notes.append(("extract.note_baseline", {"value": _num(value), "date": as_of}))

    def paragraph(self, index: int, para: Paragraph) -> None:
        text = para.text
        status = any(w in t for t in para.titles for w in _STATUS_SECTIONS)
        quotes_masked = _mask_quotes(text)
        parens = _parentheticals(text)
        dates = [d for d in find_dates(text) if not d.in_paren or _is_date_paren(text, d, parens)]
        scan = list(quotes_masked)
        for p in parens:
            for k in range(p.start + 1, p.end - 1):
                scan[k] = MASK
        for d in find_dates(text):
            for k in range(d.start, d.end):
                if scan[k].isdigit():
                    scan[k] = MASK
        masked = "".join(scan)
        para_has_dates = bool(dates) or any(
            _time_limit(p.inner) for p in parens if _RESPONSIBLE_HINT.search(p.inner)
        )
        found_in: dict[tuple[int, int], list[int]] = {}
        for s0, s1 in _sentences(text, para.body, len(text)):
            qs = self.sentence_targets(masked, text, dates, (s0, s1), para_has_dates, status)
            if qs:
                found_in[(s0, s1)] = [q.start for _, q in qs]
            for clause_span, q in qs:
                self.add_quantity(index, para, masked, dates, (s0, s1), clause_span, q, qs)
        if not status:
            self.milestones(index, para, masked, dates, parens, found_in)

    def sentence_targets(
        self,
        masked: str,
        text: str,
        dates: list[DateMention],
        sentence: tuple[int, int],
        para_has_dates: bool,
        status: bool = False,
    ) -> list[tuple[tuple[int, int], Quantity]]:
        """The sentence's targets, clause by clause, with the filters for non-targets.

        Numberless wordings ("全覆盖", "所有…") count when the sentence is dated, follows a
        date in its paragraph, or the paragraph has no date at all; an undated "…全覆盖"
        before the paragraph's dated targets describes the work, it is not a target.
        """
        s0, s1 = sentence
        out: list[tuple[tuple[int, int], Quantity]] = []
        sentence_dated = any(
            s0 <= d.start < s1 and (d.strong or _leading(text, d, s0)) for d in dates
        )
        dated_before = any(d.start < s0 and (d.strong or _leading(text, d)) for d in dates)
        numberless_ok = sentence_dated or dated_before or not para_has_dates
        for c0, c1 in _clauses(masked, s0, s1):
            clause = masked[c0:c1]
            if c1 < len(masked) and masked[c1] == ":" and len(clause) <= 12:
                continue  # a list label: "三个坚持：…"
            qs = find_quantities(masked, c0, c1)
            kept: list[Quantity] = []
            for q in qs:
                head = masked[c0 : q.start]
                if any(v in head for v in _CONTEXT_VERBS):
                    continue
                rest = masked[q.end : c1]
                if (
                    q.unit != "%"
                    and rest.startswith("的")
                    and q.op_word in ("以上", "及以上", "以下")
                ):
                    if _scope_unit(q.unit) and sentence_dated:
                        kept.append(_scope_target(q, masked))
                    continue  # "3万平方米以上的建筑": a scope, not a target
                if q.unit == "%" and rest.startswith("的"):
                    q.rule = "share"  # "50%的二级公立医院实现…": the share of those that do
                if q.unit == "分钟" and re.match(r"^[^,;。]{0,12}圈", rest):
                    q.op, q.op_word, q.rule = "<=", "", "circle"
                kept.append(q)
            # "所有三级公立医院…实现…": all of them, 100%
            for m in re.finditer(r"所有(?!权|制|者)", clause):
                if not numberless_ok or not _PREDICATE.search(clause, m.end()):
                    continue
                kept.append(
                    Quantity(
                        c0 + m.start(),
                        c0 + m.end(),
                        100.0,
                        None,
                        None,
                        "%",
                        ">=",
                        "",
                        "所有",
                        rule="all",
                    )
                )
            m = re.search(r"全覆盖$", clause)
            if m and numberless_ok and not any(v in clause for v in _CONTEXT_VERBS):
                kept.append(
                    Quantity(
                        c0 + m.start(), c1, 100.0, None, None, "%", ">=", "", "全覆盖", rule="full"
                    )
                )
            for q in kept:
                q.status = status or bool(_STATUS_WORDS.search(masked[c0 : q.start]))
            kept.sort(key=lambda q: q.start)
            kept = [q for i, q in enumerate(kept) if not _qualifies_next(masked, q, kept[i + 1 :])]
            out.extend(((c0, c1), q) for q in kept)
        return out

    def deadline(
        self, index: int, para: Paragraph, dates: list[DateMention], s0: int, pos: int
    ) -> tuple[date | None, str]:
        own = [d for d in dates if s0 <= d.start < pos and (d.strong or _leading(para.text, d, s0))]
        if own:
            return own[-1].by, "sentence"
        limit = self.time_limit_after(index, pos)
        if limit:
            return limit, "time_limit"
        earlier = [d for d in dates if d.start < s0 and (d.strong or _leading(para.text, d))]
        if earlier:
            return earlier[-1].by, "paragraph"
        if self.goal_year:
            return date(self.goal_year, 12, 31), "horizon"
        return None, "none"

    def add_quantity(
        self,
        index: int,
        para: Paragraph,
        masked: str,
        dates: list[DateMention],
        sentence: tuple[int, int],
        clause: tuple[int, int],
        q: Quantity,
        siblings: list[tuple[tuple[int, int], Quantity]],
    ) -> None:
        s0, s1 = sentence
        c0, c1 = clause
        by, source = self.deadline(index, para, dates, s0, q.start)
        if by is None:
            return
        notes: list[tuple[str, dict[str, Any]]] = []
        op = q.op
        if q.rule in ("number", "share", "unitless") and not op:
            before_op, _ = _op_before(masked[c0 : q.start])
            op = before_op or ">="
            if not before_op:
                notes.append(("extract.note_floor", {}))
        if op == "==" and q.op_word == "左右":
            notes.append(("extract.note_about", {}))
        if q.rule == "full":
            notes.append(("extract.note_full", {}))
        elif q.rule == "all":
            notes.append(("extract.note_all", {}))
        elif q.rule == "scope":
            notes.append(("extract.note_scope", {"scope": q.scope}))
        elif q.rule == "circle":
            notes.append(("extract.note_circle", {"n": _num(q.value)}))
        elif q.rule == "unitless":
            notes.append(("extract.note_unitless", {}))
        if q.numeral.endswith("大"):
            notes.append(("extract.note_ordinal", {"word": q.numeral, "n": _num(q.value)}))
        if source == "horizon":
            notes.insert(0, ("extract.note_horizon", {"year": by.year}))
        elif source == "paragraph":
            notes.insert(0, ("extract.note_paragraph_year", {"year": by.year}))
        elif source == "time_limit":
            notes.insert(0, ("extract.note_time_limit", {}))

        # the part of the clause that belongs to this number: enumerations split at 、
        same = sorted((x for (span, x) in siblings if span == clause), key=lambda x: x.start)
        k = same.index(q)
        seg0 = _boundary(masked, same[k - 1], q) + 1 if k > 0 else c0
        seg1 = _boundary(masked, q, same[k + 1]) if k + 1 < len(same) else c1
        tail = ""
        if q.rule in ("all", "share"):
            last = same[-1]
            m = _PREDICATE.search(masked, last.end, c1)
            tail = para.text[m.start() : c1] if m else ""
        elif q.rule == "scope":
            tail = _clean_name(para.text[c1 + 1 : s1])
            seg1 = c1
        name = self.name_for(para, q, seg0, seg1, dates, tail)
        if q.status:
            if source == "sentence" and q.value is not None:
                self.present.append((name, q.unit, q.value, by))
            return
        head = masked[c0 : q.start]
        responsible = self.responsible_after(index, q.end)
        quote_start = s0
        end = {"full": c1, "scope": s1}.get(q.rule, seg1)
        if q.rule == "all":
            end = c1
        proposal = Proposal(
            kind="quantity",
            name=name,
            unit=q.unit,
            stages=[StageDraft(op if q.low is None else "between", by, q.value, q.low, q.high)],
            para=index,
            start=q.start,
            end=end,
            quote_start=quote_start,
            clause=para.clause,
            heading=para.heading,
            cumulative="累计" in masked[c0:seg1],
            recurring="每年" in head,
            responsible=responsible,
            notes=notes,
            deadline_source=source,
        )
        proposal.quote = self.quote(para, quote_start, max(proposal.end, q.end))
        self.proposals.append(proposal)

    def name_for(
        self,
        para: Paragraph,
        q: Quantity,
        seg0: int,
        seg1: int,
        dates: list[DateMention],
        tail: str,
    ) -> str:
        """The measured noun phrase: the number's part of the clause, less deadline and wording.

        "2023年年底前，全市建设不少于100个智慧社区" → 全市建设智慧社区数量;
        "智慧社区覆盖率达到90%以上" → 智慧社区覆盖率; "80%以上的农村家庭具备…" → 农村家庭具备…的比例.
        """
        text = para.text
        lo = q.start
        # the comparison words right before the number ("力争超过", "不少于") and "前100项"
        while True:
            word = next(
                (
                    w
                    for w in _OP_WORDS_BEFORE
                    if text.startswith(w, lo - len(w)) and lo - len(w) >= seg0
                ),
                None,
            )
            if word is None:
                break
            lo -= len(word)
        hi = q.end + (1 if text[q.end : q.end + 1] == "的" else 0)
        drop = [
            (d.start, d.end)
            for d in dates
            if seg0 <= d.start < seg1 and (d.strong or _leading(text, d, seg0))
        ]
        drop += [(p.start, p.end) for p in _parentheticals(text)]
        drop.append((lo, hi))
        keep = "".join(text[i] for i in range(seg0, seg1) if not any(a <= i < b for a, b in drop))
        base = _clean_name(_DELIVERABLE_START.sub("", keep))
        if q.rule == "full":
            return f"{base}覆盖率" if base else "覆盖率"
        if q.rule == "circle":
            return f"{base}可达时间" if base else "可达时间"
        if q.rule in ("all", "share", "scope"):
            noun = _clean_name(base.removeprefix("所有"))
            if tail and tail not in noun:
                noun += tail
            return _shorten(f"{noun}的比例" if noun else "比例")
        return _shorten(_measured_name(base, q.unit))

    def milestones(
        self,
        index: int,
        para: Paragraph,
        masked: str,
        dates: list[DateMention],
        parens: list[Paren],
        found_in: dict[tuple[int, int], list[int]],
    ) -> None:
        """Dated deliverables without a number: one per dated sentence, or per 完成时限.

        In a sentence that also holds a target, each dated part without a number is one
        ("2023年完成市级平台建设，2024年实现区县全覆盖"). A date standing alone
        ("完成时限：2024年12月底前。", "系统规划期（至2020年12月）。") dates the sentence
        before it, else the one after it.
        """
        text = para.text
        items: list[dict[str, Any]] = []
        for s0, s1 in _sentences(text, para.body, len(text)):
            own = [d for d in dates if s0 <= d.start < s1 and (d.strong or _leading(text, d, s0))]
            if _STATUS_WORDS.search(masked[s0:s1]):
                own = []  # "截至2023年底，已建成…" reports, it does not set a task
            numbers = found_in.get((s0, s1))
            if numbers is None:
                d = own[0] if own else None
                items.append(
                    {
                        "s0": s0,
                        "s1": s1,
                        "date": d,
                        "name": _milestone_name(text, masked, d.end if d else s0, s1),
                        "q": False,
                        "q0": _clause_start(masked, s0, d.start) if d else s0,
                    }
                )
                continue
            items.append({"s0": s0, "s1": s1, "date": None, "name": "", "q": True, "q0": s0})
            starts = [_clause_start(masked, s0, d.start) for d in own] + [s1]
            for k, d in enumerate(own):
                seg0, seg1 = starts[k], starts[k + 1]
                if seg1 > seg0 and not any(seg0 <= n < seg1 for n in numbers):
                    name = _milestone_name(text, masked, d.end, seg1)
                    items.append(
                        {"s0": seg0, "s1": seg1, "date": d, "name": name, "q": False, "q0": seg0}
                    )
        for i, item in enumerate(items):
            if item["date"] is None or len(item["name"]) >= 4 or item["q"]:
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(items) and items[j]["date"] is None and not items[j]["q"]:
                    items[j]["date"], item["date"] = item["date"], None
                    items[j]["q0"] = items[j]["s0"]
                    items[j]["s1"] = max(items[j]["s1"], item["s1"]) if j < i else items[j]["s1"]
                    break
        covered = bool(found_in)
        for item in items:
            d = item["date"]
            if d is None or item["q"] or len(item["name"]) < 4:
                continue
            covered = True
            responsible = self.responsible_after(index, item["s0"])
            self.proposals.append(
                Proposal(
                    kind="milestone",
                    name=_shorten(item["name"], 60),
                    unit="%",
                    stages=[StageDraft(">=", d.by, 100.0)],
                    para=index,
                    start=item["s0"],
                    end=item["s1"],
                    quote_start=item["q0"],
                    clause=para.clause,
                    heading=para.heading,
                    responsible=responsible,
                    notes=[("extract.note_milestone", {})],
                    quote=self.quote(para, item["q0"], item["s1"]),
                    deadline_source="sentence",
                )
            )
        if covered:
            return
        for p in parens:
            limit = _time_limit(p.inner) if _RESPONSIBLE_HINT.search(p.inner) else None
            if limit is None:
                continue
            sents = [s for s in _sentences(text, para.body, p.start) if s[1] - s[0] > 4]
            if not sents:
                continue
            s0 = sents[-1][0]
            title = para.titles[-1] if para.titles else ""
            self.proposals.append(
                Proposal(
                    kind="milestone",
                    name=(title or _clean_name(text[s0 : sents[-1][1]]))[:60],
                    unit="%",
                    stages=[StageDraft(">=", limit, 100.0)],
                    para=index,
                    start=p.start,
                    end=p.end,
                    quote_start=s0,
                    clause=para.clause,
                    heading=para.heading,
                    responsible=parse_responsible(p.inner),
                    notes=[("extract.note_time_limit", {}), ("extract.note_milestone", {})],
                    quote=self.quote(para, s0, p.end),
                    deadline_source="time_limit",
                )
            )

    def merge_stages(self) -> None:
        """Two dated values of one measure in one paragraph become one indicator's stages.

        "2023年年底前…比例达到35%以上。2025年年底前，…达到70%以上" → stages 35 then 70.
        """
        merged: list[Proposal] = []
        for p in self.proposals:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and p.kind == prev.kind == "quantity"
                and p.para == prev.para
                and p.unit == prev.unit
                and p.stages[0].op == prev.stages[-1].op
                and p.stages[0].by > prev.stages[-1].by
                and p.deadline_source == "sentence"
                and _similar(p.name, prev.name)
            ):
                prev.stages.append(p.stages[0])
                prev.end = p.end
                prev.quote = self.quote(self.paragraphs[p.para], prev.quote_start, p.end)
                continue
            merged.append(p)
        self.proposals = merged


def _milestone_name(text: str, masked: str, start: int, end: int) -> str:
    """The deliverable: the first clause after the date that is not a context phrase."""
    for c0, c1 in _clauses(masked, start, end):
        name = _clean_name(_DELIVERABLE_START.sub("", text[c0:c1]))
        if len(name) >= 4 and not name.startswith(_CONTEXT_VERBS + ("在", "以", "通过", "为")):
            return name
    return _clean_name(_DELIVERABLE_START.sub("", text[start:end]))[:60]


def _clause_start(masked: str, s0: int, pos: int) -> int:
    """Start of the clause holding pos (a milestone's quote starts at its date's clause)."""
    cut = max(masked.rfind(",", s0, pos), masked.rfind(":", s0, pos))
    return cut + 1 if cut >= 0 else s0


_PREDICATE = re.compile(r"实现|完成|具备|接入|开展|提交|建成|使用|应用|上线|纳入|配备|建立")


def _qualifies_next(masked: str, q: Quantity, rest: list[Quantity]) -> bool:
    """ "营收超十亿元企业15家": an amount right before a count describes what is counted."""
    if not rest or q.rule != "number" or not _scope_unit(q.unit):
        return False
    nxt = rest[0]
    between = masked[q.end : nxt.start]
    return (
        nxt.unit not in ("%", "")
        and not _scope_unit(nxt.unit)
        and not re.search(r"[、,;]", between)
    )


def _boundary(masked: str, left: Quantity, right: Quantity) -> int:
    """Where the left item of an enumeration ends: the last 、 between two numbers."""
    cut = masked.rfind("、", left.end, right.start)
    return cut if cut >= 0 else left.end


def _is_date_paren(text: str, d: DateMention, parens: list[Paren]) -> bool:
    """A parenthetical that is only a date or a date range: "（至2020年12月）"."""
    for p in parens:
        if p.start < d.start < p.end:
            rest = _DATE.sub("", p.inner)
            return not re.sub(r"[至到\-—–~～]", "", rest).strip()
    return False


def _leading(text: str, d: DateMention, s0: int = 0) -> bool:
    """A bare year opening its sentence or clause ("…，2024年完成…") is a deadline."""
    return d.start <= s0 or text[d.start - 1] in "。;,:"


def _scope_unit(unit: str) -> bool:
    """A measure (area, money, time) rather than a count: "3万平方米", "十亿元"."""
    return unit in _MEASURE_UNITS or any(
        unit.startswith(m) and unit[len(m) :] in _MEASURE_UNITS for m in _MAGNITUDES
    )


def _scope_target(q: Quantity, masked: str) -> Quantity:
    """ "新建3万平方米以上的公共建筑…提交BIM模型": the requirement holds for all of that scope."""
    scope = masked[q.start : q.end]
    return Quantity(
        q.start, q.end, 100.0, None, None, "%", ">=", "", scope, rule="scope", scope=scope
    )


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _similar(later: str, earlier: str, share: float = 0.7) -> bool:
    """The later name repeats the earlier one's measure (shares most of its character pairs)."""
    b = _bigrams(later)
    if len(later) <= 2:
        return True  # no subject of its own: "…，2026年底前达到98%以上"
    return len(b & _bigrams(earlier)) >= share * len(b)


# --- the plan header ------------------------------------------------------------------------

_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,8}〔(?:19|20)\d{2}〕\d{1,4}号")  # 菏政办字〔2024〕52号


def plan_header(
    original: str, plan_id: str, region: str | None, source: str | None
) -> dict[str, Any]:
    """The plans: entry, guessed from the document's head; the reviewer checks each field."""
    lines = [
        unicodedata.normalize("NFKC", re.sub(r"\s+", "", line))
        for line in original.splitlines()[:80]
    ]
    lines = [line.lstrip("#•*") for line in lines if line]
    head = "".join(p.text for p in split_paragraphs("\n".join(original.splitlines()[:80])))

    def labelled(*labels: str) -> str:
        for line in lines:
            for label in labels:
                if line.startswith(label + ":"):
                    return line[len(label) + 1 :]
        return ""

    title = ""
    m = re.search(r"标题:《([^》]+)》", head) or re.search(r"关于印发《?(.+?)》?的通知", head)
    if m:
        title = m.group(1)
    else:
        title = next((x for x in lines if re.search(r"(方案|意见|规划|计划|办法)$", x)), "")
    doc_no = ""
    for line in lines:
        m = _DOC_NO.search(line)
        if m and not re.search(r"[(《]", line[: m.start()]):
            doc_no = m.group(0)
            break
    issuer = labelled("制发机关", "发布机构", "发文机关") or next(
        (
            x
            for x in lines
            if re.fullmatch(
                r"[\u4e00-\u9fff]{2,12}(人民政府办公室|人民政府办公厅|人民政府|局|委员会)", x
            )
        ),
        "",
    )
    issued: date | str = ""
    m = re.match(r"((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})", labelled("成文日期"))
    if not m:
        m = next(
            (
                re.fullmatch(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日", x)
                for x in lines
                if re.fullmatch(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日", x)
            ),
            None,
        ) or re.search(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日", head)
    if m:
        try:
            issued = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            issued = ""
    header: dict[str, Any] = {
        "id": plan_id,
        "title": title,
        "doc_no": doc_no,
        "issuer": issuer,
        "issued": issued,
        "region": region or "",
    }
    if source:
        header["source"] = source
    return header


# --- public API -----------------------------------------------------------------------------


def extract(
    text: str,
    plan_id: str | None = None,
    region: str | None = None,
    source: str | None = None,
) -> Draft:
    """Read a plan's text and propose its targets; see the module docstring for the rules."""
    ex = _Extractor(text)
    proposals = ex.run()
    pid = plan_id or PLACEHOLDER_PLAN
    header = plan_header(text, pid, region, source) if (plan_id or region) else None
    return Draft(header, pid, ex.goal_year, proposals, text)


def _scalar(value: Any) -> str:
    """One YAML scalar as config.yaml writes it (quoted only when YAML needs it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    if value == "":
        return '""'
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**9)
    return dumped.strip().removesuffix("...").strip()


def _flow(items: dict[str, Any] | list[Any]) -> str:
    if isinstance(items, dict):
        parts = []
        for k, v in items.items():
            text = _scalar(v)
            if k == "op":
                text = f'"{v}"'
            parts.append(f"{k}: {text}")
        return "{" + ", ".join(parts) + "}"
    return "[" + ", ".join(_scalar(v) for v in items) + "]"


def draft_yaml(draft: Draft) -> str:
    """The draft as catalog YAML, commented like config.yaml, ready for review."""
    comments = []
    last_heading = None
    for p in draft.proposals:
        lines = []
        if p.heading != last_heading:
            lines.append(p.heading)
            last_heading = p.heading
        if p.deadline_source == "horizon":
            lines.append(f"No year stated: the plan's horizon ({p.stages[-1].by}) is used.")
        comments.append(lines)
    return catalog_yaml(draft.plan, draft.entries(), comments, draft.goal_year)


def catalog_yaml(
    plan: dict[str, Any] | None,
    entries: list[dict[str, Any]],
    comments: list[list[str]] | None = None,
    goal_year: int | None = None,
) -> str:
    """Plans and indicators as config.yaml writes them: block entries, flow stages."""
    lines = [
        "# 由 python -m metrics extract 自动生成的草稿：每条均需人工审核（数值、单位、期限、责任单位、",
        "# 英文名称），审核后删除 draft: true。 / Draft generated by python -m metrics extract: review",
        "# every entry (value, unit, deadline, units, English name), then remove draft: true.",
    ]
    if goal_year:
        lines.append(f"# 方案期限 / plan horizon: {goal_year}")
    if plan is not None:
        lines.append("plans:")
        for i, (k, v) in enumerate(plan.items()):
            text = f'"{v}"' if k == "region" else _scalar(v)
            lines.append(f"  {'- ' if i == 0 else '  '}{k}: {text}")
        lines.append("")
    lines.append("indicators:" if entries else "indicators: []")
    for n, entry in enumerate(entries):
        lines.append("")
        lines.extend(f"# {c}" for c in (comments[n] if comments else []))
        for i, (key, value) in enumerate(entry.items()):
            prefix = "- " if i == 0 else "  "
            if key == "targets":
                lines.append(f"{prefix}targets:")
                lines.extend(f"    - {_flow(stage)}" for stage in value)
            elif key == "responsible":
                lines.append(f"{prefix}responsible: {_flow(value)}")
            elif key == "unit" and value == "%":
                lines.append(f'{prefix}unit: "%"')
            else:
                lines.append(f"{prefix}{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


# --- the review table (the dashboard page edits drafts as rows) ------------------------------

ROW_COLUMNS = [
    "reviewed",
    "keep",
    "id",
    "kind",
    "name",
    "name_en",
    "unit",
    "op",
    "value",
    "low",
    "high",
    "by",
    "earlier",
    "cumulative",
    "recurring",
    "domain",
    "responsible",
    "clause",
    "quote",
    "note",
]
_STAGE_TEXT = re.compile(
    r"^\s*(?:(?P<op>>=|<=|==)\s*(?P<value>-?\d+(?:\.\d+)?)"
    r"|between\s*(?P<low>-?\d+(?:\.\d+)?)\s*[-~]\s*(?P<high>-?\d+(?:\.\d+)?))"
    r"\s*@\s*(?P<by>\d{4}-\d{2}-\d{2})\s*$"
)


def stage_text(stage: dict[str, Any]) -> str:
    """An earlier stage as one short line: ">=35@2023-12-31", "between 8-10@2027-12-31"."""
    by = stage["by"].isoformat() if isinstance(stage["by"], date) else stage["by"]
    if stage["op"] == "between":
        return f"between {_num(stage['low'])}-{_num(stage['high'])}@{by}"
    return f"{stage['op']}{_num(stage['value'])}@{by}"


def parse_stage_text(text: str) -> dict[str, Any]:
    """The inverse of stage_text; a ValueError names the text and the expected form."""
    m = _STAGE_TEXT.match(text)
    if not m:
        raise ValueError(both("extract.bad_stage", text=text))
    try:
        by = date.fromisoformat(m.group("by"))
    except ValueError:
        raise ValueError(both("extract.bad_stage", text=text)) from None
    if m.group("op"):
        return {"op": m.group("op"), "value": _num(float(m.group("value"))), "by": by}
    return {
        "op": "between",
        "low": _num(float(m.group("low"))),
        "high": _num(float(m.group("high"))),
        "by": by,
    }


def entry_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One editable row per entry: the last stage in columns, earlier stages as text."""
    rows = []
    for e in entries:
        last = e["targets"][-1]
        rows.append(
            {
                "reviewed": not e.get("draft", False),
                "keep": True,
                "id": e["id"],
                "kind": e["kind"],
                "name": e["name"],
                "name_en": e["name_en"],
                "unit": e["unit"],
                "op": last["op"],
                "value": last.get("value"),
                "low": last.get("low"),
                "high": last.get("high"),
                "by": last["by"],
                "earlier": "；".join(stage_text(s) for s in e["targets"][:-1]),
                "cumulative": bool(e.get("cumulative")),
                "recurring": e.get("recurring") == "yearly",
                "domain": e["domain"],
                "responsible": "；".join(e["responsible"]),
                "clause": e.get("clause", ""),
                "quote": e.get("quote", ""),
                "note": e.get("note", ""),
            }
        )
    return rows


def _cell(value: Any) -> Any:
    """A table cell as YAML wants it: NaN and NaT (empty cells) become None."""
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "date") and callable(value.date):
        return value.date()  # pandas Timestamp
    return value


def rows_entries(
    rows: list[dict[str, Any]], plan_id: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """Entries back from edited rows (kept rows only), with a bilingual problem per bad cell."""
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, raw in enumerate(rows, start=1):
        row = {k: _cell(v) for k, v in raw.items()}
        if not row.get("keep", True):
            continue
        targets: list[dict[str, Any]] = []
        for part in re.split(r"[；;]", str(row.get("earlier") or "")):
            if part.strip():
                try:
                    targets.append(parse_stage_text(part))
                except ValueError as exc:
                    problems.append(f"#{n}: {exc}")
        last: dict[str, Any] = {"op": row.get("op") or ">="}
        if last["op"] == "between":
            last["low"], last["high"] = _num(row.get("low")), _num(row.get("high"))
        else:
            last["value"] = _num(row.get("value"))
        last["by"] = row.get("by")
        targets.append(last)
        entry: dict[str, Any] = {"id": row.get("id") or f"{plan_id}.draft-{n}", "plan": plan_id}
        if not row.get("reviewed"):
            entry["draft"] = True
        entry.update(
            {
                "name": row.get("name") or "",
                "name_en": row.get("name_en") or "",
                "domain": row.get("domain") or "",
                "unit": row.get("unit") or "",
                "kind": row.get("kind") or "quantity",
            }
        )
        if row.get("cumulative"):
            entry["cumulative"] = True
        if row.get("recurring"):
            entry["recurring"] = "yearly"
        entry["targets"] = targets
        entry["responsible"] = [
            u.strip() for u in re.split(r"[；;]", str(row.get("responsible") or "")) if u.strip()
        ]
        entry["clause"] = row.get("clause") or ""
        entry["quote"] = row.get("quote") or ""
        if row.get("note"):
            entry["note"] = row["note"]
        entries.append(entry)
    return entries, problems


def decode_text(data: bytes) -> str:
    """Plan files come as UTF-8 (with or without BOM) or GB18030/GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data, 0, 1, "neither UTF-8 nor GB18030")


def review_problems(draft_text: str, catalog_text: str, file: str = "draft.yaml") -> list[str]:
    """Every reason a reviewed draft cannot be pasted into the catalog yet, bilingual.

    The draft is appended to the current catalog (its plans and indicators) and checked
    with parse_catalog, so an unknown region or a duplicate id is found as well; entries
    still marked draft or with placeholder text are listed too.
    """
    try:
        draft = yaml.safe_load(draft_text) or {}
        catalog = yaml.safe_load(catalog_text) or {}
    except yaml.YAMLError as exc:
        return [both("catalog.yaml_syntax", detail=str(exc))]
    if not isinstance(draft, dict) or not isinstance(draft.get("indicators", []), list):
        return [both("extract.not_draft")]
    merged = dict(catalog) if isinstance(catalog, dict) else {}
    known_plans = {p.get("id") for p in merged.get("plans") or [] if isinstance(p, dict)}
    merged["plans"] = list(merged.get("plans") or []) + [
        p
        for p in draft.get("plans") or []
        if isinstance(p, dict) and p.get("id") not in known_plans
    ]
    merged["indicators"] = list(merged.get("indicators") or []) + list(
        draft.get("indicators") or []
    )
    problems: list[str] = []
    try:
        parse_catalog(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), file=file)
    except CatalogError as exc:
        problems.extend(_draft_problem(p, merged, catalog) for p in exc.problems)
    for n, entry in enumerate(draft.get("indicators") or [], start=1):
        if not isinstance(entry, dict):
            continue
        if entry.get("draft"):
            problems.append(both("extract.draft_left", n=n))
        for key in ("name_en", "name"):
            if str(entry.get(key, "")).startswith("TODO"):
                problems.append(both("extract.todo_left", n=n, field=key))
    return problems


def _draft_problem(problem: Problem, merged: dict[str, Any], catalog: Any) -> str:
    """A catalog problem, located in the draft's own numbering where it is about an entry."""
    offset = len(catalog.get("indicators") or []) if isinstance(catalog, dict) else 0
    m = re.match(r"indicators\[(\d+)\](.*)", problem.field)
    if m and int(m.group(1)) >= offset:
        n = int(m.group(1)) - offset + 1
        ident = merged["indicators"][int(m.group(1))].get("id", "")
        return f"#{n} {ident}{m.group(2)}: {problem.message}"
    return f"{problem.field}: {problem.message}"


def run_extract(path: str, plan_id: str | None, region: str | None, out: str | None) -> int:
    """The `extract` command: print or write the draft. Exit 0 done, 1 bad input, 2 usage."""
    if plan_id is not None and not ID_RE.match(plan_id):
        print(both("extract.bad_plan_id", value=plan_id), file=sys.stderr)
        return 2
    if region is not None and not REGION_RE.match(region):
        print(both("extract.bad_region", value=region), file=sys.stderr)
        return 2
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        print(both("extract.file_missing", path=path), file=sys.stderr)
        return 1
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        print(both("extract.undecodable", path=path), file=sys.stderr)
        return 1
    if not text.strip():
        print(both("extract.empty", path=path), file=sys.stderr)
        return 1
    draft = extract(text, plan_id, region, Path(path).name)
    output = draft.to_yaml()
    if not draft.proposals:
        print(both("extract.nothing"), file=sys.stderr)
    if out is None:
        sys.stdout.write(output)
        print(
            both(
                "extract.summary", quantity=len(draft.quantities), milestone=len(draft.milestones)
            ),
            file=sys.stderr,
        )
        return 0
    try:
        Path(out).write_text(output, encoding="utf-8")
    except OSError as exc:
        print(both("extract.cannot_write", path=out, detail=exc.strerror or exc), file=sys.stderr)
        return 1
    print(
        both(
            "extract.wrote",
            path=out,
            quantity=len(draft.quantities),
            milestone=len(draft.milestones),
        ),
        file=sys.stderr,
    )
    return 0
