"""Normalising a plan's text for matching: paragraphs, clause numbers, masks and spans.

PDF line breaks are joined, spaces between characters removed and NFKC applied (full-width
digits and punctuation) while every character keeps the position it came from, so a quote
is always cut from the original text. Quotes and brackets are masked so that names such as
“1+3+N” and document numbers are never read as numbers or dates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
RESPONSIBLE_HINT = re.compile(r"责任单位|牵头|负责|配合|完成时限|承办")


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


_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?!\d)")
# a year in Chinese numerals ("到二〇二五年", "二零二七年底前") is read as digits
_CN_YEAR = re.compile(r"(?:二[〇零○O]|一九)[〇零○O一二三四五六七八九]{2}(?=年)")
_CN_DIGITS = str.maketrans("〇零○O一二三四五六七八九", "0000123456789")


def _clean_line(line: str, base: int) -> list[tuple[str, int]]:
    """NFKC each character; drop markdown markers and spaces between CJK characters."""
    chars: list[tuple[str, int]] = []
    # an ASCII comma grouping thousands (`1,200个`) goes; a full-width ， between digits is
    # left alone, since after NFKC it cannot be told from a list's comma
    separators = {
        m.start() + k
        for m in _THOUSANDS.finditer(line)
        for k, c in enumerate(m.group())
        if c == ","
    }
    years = {m.start() + k for m in _CN_YEAR.finditer(line) for k in range(4)}
    for i, ch in enumerate(line):
        if i in separators:
            continue
        if i in years:
            ch = ch.translate(_CN_DIGITS)
        for n in unicodedata.normalize("NFKC", ch):
            chars.append((n, base + i))
    text = "".join(c for c, _ in chars)
    # markdown headings, bold markers and bullets
    drop: set[int] = set()
    m = re.match(r"^\s*(?:#+\s*|[•·●◆■▲▪]\s*)", text)
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
        return bool(RESPONSIBLE_HINT.search(inner)) or "公开" in inner or start == 0
    return False


# lines that stand alone: a bullet point, a web page's date and source line, a repost's
# original title ("原标题：…"); the line before them ends its paragraph
_BULLET = re.compile(r"^[•·●◆■▲▪]")
_META_LINE = re.compile(
    r"^(?:(?:19|20)\d{2}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})"
    r"|发布时间|发布日期|来源[:：]|原标题|作者[:：]|浏览次数|文\s*号|名\s*称"
    r"|.{0,30}(?:19|20)\d{2}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s*$)"  # "原创 …客户端 2020-05-13 11:30"
)


_PUNCT = re.compile(r"[,。;:!?]")
# a page's date and its count of views: "2019-08-27 5768 次"
_VIEWS = re.compile(r"^(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}\s*\d+\s*次$")
# a photo's caption in a news page: "江西在全国首个实现…连续覆盖。(资料图) 汤扉摄"
_CAPTION = re.compile(r"[(（](?:资料图片?|图片来源[^)）]*|[^()（）]{0,12}(?:供图|摄))[)）]")
_TITLE_LINE = re.compile(r"(?:方案|规划|要点|计划|意见|办法|通知|纲要)(?:\([^()]*\))?$")


# a heading run into the line before it by a web page or a PDF converter ("…保障数据和系统安全。
# 三、主要任务"): it starts a line of its own
_RUN_IN_HEADING = re.compile(
    r"(?<=[。；;])(?=[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）])"
)


def _lines(original: str) -> list[tuple[str, int]]:
    """The text's lines with their offsets, a run-in heading split from the line before it."""
    out: list[tuple[str, int]] = []
    pos = 0
    for line in original.splitlines(keepends=True):
        cuts = [0, *(m.start() for m in _RUN_IN_HEADING.finditer(line)), len(line)]
        out.extend((line[a:b], pos + a) for a, b in zip(cuts, cuts[1:], strict=False) if a < b)
        pos += len(line)
    return out


def split_paragraphs(original: str) -> list[Paragraph]:
    """Logical paragraphs with clause numbers: PDF line breaks joined, headings tracked.

    The first line (a title or a news headline), a headline's second line and the lines of
    _BULLET/_META_LINE stand alone, so that a headline is never read as the start of the
    sentence after it. A first line that is cut from a sentence (it has a comma, ends without
    a mark, and the next line follows at once: a text copied from a PDF) continues."""
    raw: list[list[tuple[str, int]]] = []
    alone = True  # the line read last stands alone: the next one starts a paragraph
    heading_lines = True  # every line so far is a headline line (no punctuation, no blank)
    blank = False  # a blank line came before this one
    for line, base in _lines(original):
        content = line.rstrip("\r\n")
        stripped = content.strip()
        if not stripped or _PAGE_MARK.match(stripped) or _RULE_LINE.match(stripped):
            blank = blank or not stripped
            continue
        if (_CAPTION.search(stripped) and len(stripped) <= 80) or _VIEWS.match(stripped):
            continue
        chars = _clean_line(content, base)
        if not chars:
            continue
        text = "".join(c for c, _ in chars)
        # "“十四五”期间…保持25%左右" / "2025年…将超三万亿元": a headline in two lines
        subtitle = heading_lines and bool(raw) and not blank and not _PUNCT.search(text)
        heading_lines = heading_lines and not blank and not _PUNCT.search(text)
        standalone = bool(
            _BULLET.match(stripped)
            or _META_LINE.match(stripped)
            or (_TITLE_LINE.search(text) and not re.search(r"[,。;:]", text))
            or (subtitle and len(text) <= 40)
        )
        if len(raw) == 1 and alone and not blank and not standalone:
            first = "".join(c for c, _ in raw[0])
            alone = not (re.search(r"[,;]", first) and first[-1] not in "。!?:;,)”")
        blank = False
        if raw and not alone and not standalone:
            prev = "".join(c for c, _ in raw[-1])
            ends = _ends_paragraph(prev) or _is_heading_only(prev)
            # a teaser cut mid-sentence and the article that states it again in full
            # ("…筛选确定3个市主城区和10个县城开展新" / "根据…，到2020年，…"): two statements
            teaser = len(text) >= 12 and text[:12] in prev
            if not ends and not teaser and not _heading_at(text):
                raw[-1].extend(chars)
                continue
        alone = standalone or not raw
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


_QUOTES = {"“": "”", "‘": "’", "《": "》", "〔": "〕", "【": "】", "「": "」", "『": "』"}
MASK = "□"


# a quoted slogan that states a target: “100%网上受理、100%网上办结”, “15分钟政务服务圈”,
# “三个100%” (not “24小时不打烊”, which names a service)
_QUOTED_TARGET = re.compile(
    r"(?:[两三四五六七八九十]个)?\d+(?:\.\d+)?(?:%|分钟)"
    r"|(?:新建|建成|新增|打造|培育)[^“”]{1,12}?\d+(?:\.\d+)?[万亿]?[个家座项所](?:以上)?”"  # “新建5G基站4.8万个”
    r"|[^“”\d]{1,8}\d+(?:ms|毫秒)(?:[^“”]{0,12}\d+(?:ms|毫秒))?”"  # “城区1ms、中心城市间5ms”
)


def mask_quotes(text: str) -> str:
    """Hide what is inside quotes and brackets: names (“1+3+N”), titles, document numbers.

    A quote that opens with a share or a time (“100%网上办结”, “15分钟…圈”) is left open:
    plans put their slogans in quotes, and such a slogan is a target."""
    out = list(text)
    i = 0
    while i < len(text):
        ch = text[i]
        closer = _QUOTES.get(ch) or ('"' if ch == '"' else None)
        if closer:
            j = text.find(closer, i + 1)
            if ch in '“‘"' and _QUOTED_TARGET.match(text, i + 1):
                i += 1
                continue
            if 0 < j - i <= 40:
                for k in range(i + 1, j):
                    out[k] = MASK
                i = j + 1
                continue
        i += 1
    return "".join(out)


@dataclass
class Paren:
    """A top-level parenthetical of a paragraph: where it starts and ends, what it says."""

    start: int  # index of "("
    end: int  # index after ")"
    inner: str


def parentheticals(text: str) -> list[Paren]:
    """The outermost parentheticals, in order; nested ones stay inside their parent."""
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


def sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Non-empty sentence spans in text[lo:hi], split at 。!?; outside parentheses."""
    return [(a, b) for a, b in _spans(text, lo, hi, "。!?;") if b > a]


def clauses(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Clause spans split at commas and colons outside parentheses."""
    return _spans(text, lo, hi, ",:")


def decode_text(data: bytes) -> str:
    """Plan files come as UTF-8 (with or without BOM) or GB18030/GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", data, 0, 1, "neither UTF-8 nor GB18030")
