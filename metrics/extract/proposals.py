"""What the extractor proposes (one draft indicator and its stages), and when two proposals
are one target stated twice (a headline and its article, a summary and its task list)."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from metrics.extract.lexicon import is_measure
from metrics.extract.naming import similar
from metrics.extract.text import Paragraph


@dataclass
class StageDraft:
    """One proposed stage: a comparison, a value or a range, and its deadline."""

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


_MEASURE_END = re.compile(r"(?:数量|总数|数|率|比例|比重|占比|规模)$")


# the making verb before what is made: "加快形成200家核心企业" and "培育…的核心企业200家以上"
_VERBS = "建成并开通|建成开通|新开通|开通|形成|培育|打造|建成|建设|新建|新增|引进|发展"
_MAKING = re.compile(rf"^(?:将|要)?(?:加快|积极|大力)?(?:{_VERBS})")
# then a place and a making verb before it: "广州将建", "全市建成"
_MADE = re.compile(rf"^[^,;。]{{0,6}}?(?:将|要|拟)?(?:{_VERBS}|建)")


def _measure(name: str) -> str:
    """The measured noun: "广州将建智慧灯杆" and "全市建成智慧灯杆" both measure 智慧灯杆."""
    measure = _MAKING.sub("", _MEASURE_END.sub("", name))
    made = _MADE.match(measure)
    return measure[made.end() :] if made and len(measure) - made.end() >= 3 else measure


def one_per_subject(
    proposal: Proposal, value: str, key: str = "extract.note_double", most: int = 2
) -> list[Proposal]:
    """ "A和B覆盖率实现双100%", "A率、B率以及C率达到100%", "A、B…均超过N": one target per subject
    (at most `most`), each named as written (noted, to be renamed); returns the others."""
    proposal.name = re.sub(r"(?:实现|达到|达)?双(?:的比例)?$", "", proposal.name)
    subjects = re.split(r"以及|和|与|及|、|(?<=”)(?=“)", proposal.name, maxsplit=most - 1)
    proposal.notes.append((key, {"value": value, "subjects": "；".join(subjects)}))
    twins = [copy.deepcopy(proposal) for _ in subjects[1:]]
    for k, twin in enumerate(twins, 1):
        twin.start += k  # its own place in the text order, so it is not a repeat of the first
    return twins


def same_target(a: Proposal, b: Proposal, one_sentence: bool = False) -> bool:
    """Two proposals of one target: same kind, unit and stages, names of one measure (the
    very name, when `one_sentence` says they stand in one sentence up to its 。)."""
    stages = [(s.op, s.by, s.value, s.low, s.high) for s in a.stages]
    if a.kind != b.kind or not same_unit(a.unit, b.unit):
        return False
    if stages != [(s.op, s.by, s.value, s.low, s.high) for s in b.stages]:
        return False
    if a.para == b.para and a.quote_start == b.quote_start:
        return False  # one sentence names two measures: "软件企业超过500家，电商企业超过500家"
    short, long = sorted((_measure(a.name), _measure(b.name)), key=len)
    if len(short) < 2:
        return False  # an unnamed number ("在10个…") is no repeat of every number of its value
    # a headline's name and its article's end in one long noun ("…打造万亿级数字产业集群" and
    # "将打造具有国际竞争力的万亿级数字产业集群"): 8 characters, half the shorter name
    tail = len(os.path.commonprefix([short[::-1], long[::-1]]))
    if short in long:
        return True
    if one_sentence:
        return False  # "…营业收入…,年均增速15%左右;软件业务收入…,年均增速15%左右": two measures
    return similar(short, long, 0.6) or tail >= max(8, len(short) // 2)


def same_unit(a: str, b: str) -> bool:
    """ "60万" and "60万个": one measure, written once without its classifier."""
    short, long = sorted((a, b), key=len)
    return a == b or (
        short in ("万", "亿", "万亿")
        and long.startswith(short)
        and len(long) > len(short)
        and not is_measure(long)
    )


def drop_repeats(proposals: list[Proposal], paragraphs: list[Paragraph]) -> list[Proposal]:
    """A target stated again (a news headline, a summary repeated in the task list) is
    proposed once: same kind, unit and stages, and one name repeats the other's measure."""

    def one_sentence(a: Proposal, b: Proposal) -> bool:  # up to its 。 (a list split by ；)
        lo, hi = sorted((a.quote_start, b.quote_start))
        same = a.para == b.para and a.para < len(paragraphs)
        return same and "。" not in paragraphs[a.para].text[lo:hi]

    kept: list[Proposal] = []
    seen: list[Proposal] = []  # a third statement may repeat the second's name only
    for p in sorted(proposals, key=lambda p: (p.para, p.start)):
        first = next((k for k in seen if same_target(p, k, one_sentence(k, p))), None)
        seen.append(p)
        if first is None:
            kept.append(p)
            continue
        at = next((i for i, k in enumerate(kept) if k is first), None)
        if at is not None and len(p.unit) > len(first.unit):
            kept[at] = p  # the statement that names the classifier (万个, not 万)
    return kept
