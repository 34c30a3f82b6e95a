"""What a proposal is called and who answers for it: indicator names, domains, responsible
units, and the plan's own header (title, 文号, issuer, date).

A name is the number's part of its clause less the deadline and the comparison words, with a
measured noun added where the unit asks for one ("智慧社区" + 个 → 智慧社区数量).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from metrics.extract.lexicon import (
    CONTEXT_VERBS,
    OP_WORDS_BEFORE,
    DateMention,
    Quantity,
    is_deadline,
)
from metrics.extract.text import MASK, Paragraph, clauses, parentheticals, split_paragraphs

_DELIVERABLE_START = re.compile(r"^(?:前|以前|,|:)+")


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
    r"配合|负责|落实|等有关部门|等部门|等单位)+$"
)
# a note about the tasks that follow, not a unit of this one: "以下均需各县、市、区人民政府负责，
# 不再单独列出"
_RESP_NOTE = re.compile(r"以下|下同|不再.{0,4}列出")


def parse_responsible(inner: str) -> list[str]:
    """Units named in a parenthetical: lead units first, as the plan names them.

    (牵头单位：A、B；责任单位：C，D) → [A, B, C, D]; (A牵头负责，B及C配合实施。完成时限：…)
    → [A, B, C]; "市直各有关部门、单位" stays one unit.
    """
    text = re.split(r"完成时限", inner)[0]
    text = "。".join(s for s in re.split(r"[。;；]", text) if not _RESP_NOTE.search(s))
    text = _RESP_LABEL.sub(";", text)
    units: list[str] = []
    for part in re.split(r"[;；,，。]", text):
        part = _RESP_SUFFIX.sub("", part.strip())
        short = False  # the piece before was one character: "各县、市、区人民政府" is one unit
        for piece in re.split(r"及|、", part):
            piece = _RESP_SUFFIX.sub("", piece.strip())
            if not piece:
                continue
            if units and (piece in _GENERIC_FRAGMENTS or len(piece) == 1 or short):
                units[-1] = f"{units[-1]}、{piece}"
                short = len(piece) == 1
                continue
            short = False
            units.append(piece)
    seen: list[str] = []
    for unit in units:
        if unit not in seen and len(unit) >= 2:
            seen.append(unit)
    return seen


_NAME_STRIP = re.compile(
    r"^(?:[,、;:]|并|和|及|其中|同时|全面|力争|确保|实现|推动|推进|基本|初步|进一步|努力|在|使|让"
    r"|还要|还将|分别|(?<!每)[一二两三四五六七八九十\d]年内?)+"  # "三年内5G基站数量倍增": a duration
)
# wording left at the end of a name: "…率持续稳定在", "…达到"
_NAME_TAIL = re.compile(
    r"(?:实现|达到|达|为|将|确保|力争|争取|预计|均等?|分别|首次|新?台阶|大关|(?<![拥具享所持没占])有|及?以上|“?[两三四五六七八九十]个”?"
    r"|(?<![每\d])[一二两三四五六七八九十\d]年|(?:持续|保持|稳定|控制)+(?:在|到|于)?)$"
)
# "重点区域实现5G通达率" → 重点区域5G通达率
_INNER_VERB = re.compile(r"^(.{2,}?)(?:实现|达到)(?=.{2,}(?:率|比例|比重|占比)$)")
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
    "里程",
    "长度",
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


def clean_name(text: str) -> str:
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
        text = _NAME_TAIL.sub("", text)
    return _INNER_VERB.sub(r"\1", text)


def _deliverable(text: str) -> str:
    """What is to be delivered: the phrase less a leading 前/以前 or stop, as a clean name."""
    return clean_name(_DELIVERABLE_START.sub("", text))


def shorten(name: str, limit: int = 40) -> str:
    """Long enumerations keep their head and the measured noun at the end."""
    if len(name) <= limit:
        return name
    return f"{name[:14]}…{name[-(limit - 15) :]}"


def _measured_name(base: str, unit: str) -> str:
    if not base:
        return base
    if base.endswith(_MEASURE_ENDINGS):
        return base
    if unit == "%" and re.search(r"具备|具有|实现|使用|接入|开通|享有|覆盖", base):
        return f"{base}的比例"  # "使90%以上城镇家庭具备千兆接入能力"
    if unit in ("%", "", "倍") or unit.endswith("元"):
        return base
    if unit in ("分钟", "小时", "天", "工作日", "个工作日", "秒"):
        return f"{base}时间"
    return f"{base}数量"


def indicator_name(
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
            (w for w in OP_WORDS_BEFORE if text.startswith(w, lo - len(w)) and lo - len(w) >= seg0),
            None,
        )
        if word is None:
            break
        lo -= len(word)
    hi = q.end + (1 if text[q.end : q.end + 1] == "的" else 0)
    drop = [
        (d.start, d.end) for d in dates if seg0 <= d.start < seg1 and is_deadline(text, d, seg0)
    ]
    drop += [(p.start, p.end) for p in parentheticals(text)]
    drop.append((lo, hi))
    keep = "".join(text[i] for i in range(seg0, seg1) if not any(a <= i < b for a, b in drop))
    base = _deliverable(keep)
    if q.rule == "full":
        return f"{base}覆盖率" if base else "覆盖率"
    if q.rule == "circle":
        return f"{base}可达时间" if base else "可达时间"
    if q.rule in ("all", "share", "scope"):
        noun = clean_name(base.removeprefix("所有"))
        if tail and tail not in noun:
            noun += tail
        return shorten(f"{noun}的比例" if noun else "比例")
    return shorten(_measured_name(base, q.unit))


def milestone_name(text: str, masked: str, start: int, end: int) -> str:
    """The deliverable: the first clause after the date that is not a context phrase."""
    for c0, c1 in clauses(masked, start, end):
        name = _deliverable(text[c0:c1])
        if len(name) >= 4 and not name.startswith(CONTEXT_VERBS + ("在", "以", "通过", "为")):
            return name
    return _deliverable(text[start:end])[:60]


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similar(later: str, earlier: str, share: float = 0.7) -> bool:
    """The later name repeats the earlier one's measure (shares most of its character pairs)."""
    b = _bigrams(later)
    if len(later) <= 2:
        return True  # no subject of its own: "…，2026年底前达到98%以上"
    return len(b & _bigrams(earlier)) >= share * len(b)


_FULL_DATE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")  # 2024年7月18日
_TITLE_END = re.compile(r"(方案|意见|规划|计划|办法)(\([^()]{1,20}\))?$")
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
        # the first line that names a document, with a trailing span or status kept:
        # 某市数字政府建设三年行动方案（2025—2027年）, …实施方案（征求意见稿）
        title = next((x for x in lines if _TITLE_END.search(x)), "")
        title = title.replace("(", "（").replace(")", "）")  # NFKC made them half-width
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
        m = next(filter(None, map(_FULL_DATE.fullmatch, lines)), None) or _FULL_DATE.search(head)
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
