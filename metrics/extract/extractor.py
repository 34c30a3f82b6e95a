"""Finding the targets: paragraphs → sentences → clauses → proposals.

Rules, not a model: Chinese policy plans state their targets in a small number of fixed
wordings ("到2027年，…达到6.5万个", "2025年年底前…不少于100个", "（牵头单位：…）"), so a
reviewer can read why each proposal was made. A number with a unit and a deadline is a
quantity target; a dated deliverable without a number is a milestone; a present value stated
for the same measure ("截至2023年底，已建成…") becomes a baseline. Each proposal records in
its notes what was assumed (a year taken from the plan's horizon, 全覆盖 read as 100%, a bare
count read as a floor).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from metrics.extract.filters import (
    DONE_AFTER,
    GROWTH,
    PRINCIPLE_SECTIONS,
    PROBLEM,
    STATUS_SECTIONS,
    STATUS_WORDS,
    _doc_date,
    _doc_year,
    _goal_year,
    benchmark,
    counts_plan_part,
    describes,
    describes_present,
    incentive_terms,
    looks_back,
    project_terms,
    qualifies_next,
    qualifies_previous,
    reports_done,
    reviews_past,
    single_year,
)
from metrics.extract.lexicon import (
    CONTEXT_VERBS,
    DateMention,
    Quantity,
    count_paren,
    find_dates,
    find_quantities,
    is_date_paren,
    is_deadline,
    is_measure,
    is_task_of_year,
    op_before,
    plain_number,
    sub_target_paren,
    time_limit,
)
from metrics.extract.naming import (
    clean_name,
    guess_domain,
    indicator_name,
    milestone_name,
    parse_responsible,
    plan_header,
    shorten,
    similar,
)
from metrics.extract.proposals import Proposal, StageDraft, drop_repeats, one_per_subject
from metrics.extract.tables import Table, find_tables, table_proposals
from metrics.extract.text import (
    MASK,
    RESPONSIBLE_HINT,
    Paragraph,
    Paren,
    clauses,
    mask_quotes,
    parentheticals,
    sentences,
    split_paragraphs,
)
from metrics.extract.wordings import (
    BOTH,
    CHANGE_ONLY,
    FROM_PRESENT,
    GROWTH_ONLY,
    LISTED_NEXT,
    MAKE,
    MEASURE_LIST,
    PREDICATE,
    REACH,
    SPAN_WORDS,
    SUB_WORDS,
    THIS_YEAR,
    TITLE_LINE,
    TWO_SUBJECTS,
    clause_start,
    enumeration_boundary,
    full_coverage,
    scope_target,
)
from metrics.extract.writer import draft_yaml, proposal_entry
from metrics.i18n import both

PLACEHOLDER_PLAN = "new-plan"


@dataclass
class Draft:
    """The extractor's result: an optional plan header and the proposals, in text order."""

    plan: dict[str, Any] | None
    plan_id: str
    goal_year: int | None
    proposals: list[Proposal]
    original: str
    # why nothing was proposed, when nothing was: a locale key and its placeholders
    empty: tuple[str, dict[str, Any]] | None = None

    @property
    def quantities(self) -> list[Proposal]:
        return [p for p in self.proposals if p.kind == "quantity"]

    @property
    def milestones(self) -> list[Proposal]:
        return [p for p in self.proposals if p.kind == "milestone"]

    def entries(self) -> list[dict[str, Any]]:
        """Catalog indicator dicts, in the config.yaml schema, each marked draft: true."""
        return [proposal_entry(self.plan_id, i + 1, p) for i, p in enumerate(self.proposals)]

    def to_yaml(self) -> str:
        return draft_yaml(self)

    @property
    def empty_reason(self) -> str:
        """Why nothing was proposed, in Chinese and English ("" when something was)."""
        return both(self.empty[0], **self.empty[1]) if self.empty else ""


# the year of a work-points document, from its title: "2025年数字盐城工作要点",
class _Extractor:
    """One pass over a plan: paragraphs → sentences → clauses → proposals.

    Kept as a class because the rules need the whole document at hand: the plan's
    horizon, the parenthetical that follows a target (possibly a paragraph later) and
    present values stated elsewhere that become baselines.
    """

    def __init__(self, original: str):
        self.original = original
        # an indicator table is read by its columns (`tables`); the prose reader sees blanks
        # there, so a row's cells are not read again as one sentence of numbers
        self.tables = find_tables(original)
        prose = list(original)
        for t in self.tables:
            for k in range(t.start, t.end):
                if prose[k] not in "\r\n":
                    prose[k] = " "
        self.paragraphs = split_paragraphs("".join(prose))
        self.doc_year = _doc_year(self.paragraphs)
        self.doc_date = _doc_date(self.paragraphs)
        floor = self.doc_date.year if self.doc_date else None
        self.goal_year = _goal_year(self.paragraphs, self.doc_year, floor)
        # the year of 今年: the work points', the one year the text names, or the page's date
        # ("来源:北京日报 2019-06-13 … 今年将实现…"); the page's year dates only those words,
        # never the horizon, so a news page's undated achievements stay undated
        # (a news page of 2024 that names only 2023 reviews it: its 今年 is the page's)
        page = self.doc_date.year if self.doc_date else None
        named = single_year(self.paragraphs)
        self.this_year = self.doc_year or (
            page if named is None or page and named < page else named
        )
        self.page_year = self.doc_date.year if self.doc_date else self.this_year
        # a news text about one year's goals, naming none later: an earlier year is past
        self.now_year = None if self.doc_year or self.doc_date else self.this_year
        # "截至2021年1月底，…": a text that reports a past date as where things stand was
        # written after it, so a year before that one is past ("2020年…紧急建成1000个")
        as_of = [d for p in self.paragraphs for d in find_dates(p.text, self.doc_year) if d.as_of]
        self.as_of_year = None if self.doc_date else self._as_of_year(as_of)
        # a day reported as where things stand ("截至2022年6月底") is so wherever it is named
        self.as_of_days = {d.by for d in as_of if d.by.month < 12}
        self.reported: set[int] = set()  # starts of the paragraph's dates of finished work
        self.proposals: list[Proposal] = []
        self.present: list[tuple[str, str, float, date]] = []  # name, unit, value, as of
        self.undated = 0  # numbers read as targets but dropped for want of a deadline
        self.standing = 0  # numbers read as where things stand

    # -- helpers
    def _as_of_year(self, as_of: list[DateMention]) -> int | None:
        ref = self.doc_year or (self.goal_year - 1 if self.goal_year else None)
        years = [d.by.year for d in as_of if not d.in_paren and ref is not None and d.by.year < ref]
        return max(years, default=None)

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

    def rest_of_clause(self, index: int, pos: int) -> Iterator[tuple[Paragraph, int]]:
        """(paragraph, where to read from) from pos to the end of its clause: a responsibility
        note or a 完成时限 may come a paragraph or two after the target it belongs to."""
        clause = self.paragraphs[index].clause
        for j in range(index, len(self.paragraphs)):
            para = self.paragraphs[j]
            if j > index and (para.clause != clause or para.level):
                return
            yield para, pos if j == index else 0

    def responsible_after(self, index: int, pos: int) -> list[str]:
        """Units of the first responsibility parenthetical after pos, within the same clause."""
        for para, start in self.rest_of_clause(index, pos):
            for p in parentheticals(para.text):
                if p.start >= start and RESPONSIBLE_HINT.search(p.inner):
                    return parse_responsible(p.inner)
        return []

    def time_limit_after(self, index: int, pos: int) -> date | None:
        """A 完成时限 stated after pos in the same clause, in a parenthetical or inline."""
        for para, start in self.rest_of_clause(index, pos):
            for m in re.finditer(r"完成时限", para.text):
                if m.start() >= start and (
                    limit := time_limit(para.text[m.start() : m.start() + 30])
                ):
                    return limit
        return None

    # -- main
    def run(self) -> list[Proposal]:
        # the preamble before the first heading is read too: news reports, work points and
        # many plans state their goals there (the notice around it has no numbered targets)
        for index, para in enumerate(self.paragraphs):
            if any(t.startswith(PRINCIPLE_SECTIONS) for t in para.titles):
                continue
            self.paragraph(index, para)
        for table in self.tables:
            self.table(table)
        self.merge_stages()
        self.proposals = drop_repeats(self.proposals, self.paragraphs)
        self.attach_baselines()
        self.proposals.sort(key=lambda p: (p.para, p.start))
        for p in self.proposals:
            p.name = p.name or p.heading
            titles = self.paragraphs[p.para].titles if self.paragraphs else []
            p.domain = p.domain or guess_domain(p.name, p.heading, titles)
            if not p.responsible:
                p.notes.append(("extract.note_no_unit", {}))
        return self.proposals

    def table(self, table: Table) -> None:
        """One proposal per row of an indicator table, placed after the paragraph before it."""
        at = max(
            (i for i, p in enumerate(self.paragraphs) if p.offs and p.offs[0] < table.start),
            default=0,
        )
        para = self.paragraphs[at] if self.paragraphs else None
        if para is not None and any(w in t for t in para.titles for w in STATUS_SECTIONS):
            return  # a table of where things stand (发展基础)
        self.proposals.extend(table_proposals(table, self.original, at, para))

    def attach_baselines(self) -> None:
        """A present value stated for the same measure before the first deadline is its baseline."""
        for p in self.proposals:
            if p.kind != "quantity" or len(p.name) <= 2 or p.baseline is not None:
                continue
            found = [
                (as_of, value)
                for name, unit, value, as_of in self.present
                if unit == p.unit
                and as_of < p.stages[0].by
                and similar(p.name, name)
                and not GROWTH.search(name + p.name)
            ]
            if found:
                as_of, value = max(found)
                p.baseline = (value, as_of)
                p.notes.append(
                    ("extract.note_baseline", {"value": plain_number(value), "date": as_of})
                )

    def paragraph(self, index: int, para: Paragraph) -> None:
        text = para.text
        if TITLE_LINE.search(text) and not re.search(r"[,。;:]", text):
            return  # the document's title ("2025年数字盐城工作要点") sets no target
        status = any(w in t for t in para.titles for w in STATUS_SECTIONS)
        quotes_masked = mask_quotes(text)
        parens = parentheticals(text)
        mentions = find_dates(text, self.this_year)
        dates = [d for d in mentions if not d.in_paren or is_date_paren(text, d, parens)]
        status = status or reviews_past(text[para.body :], dates, self.goal_year)
        scan = list(quotes_masked)
        for p in parens:
            if count_paren(text, p) and not counts_plan_part(quotes_masked[: p.start]):
                continue  # "一批“免申即享”服务(27项)": the count of the item before it
            if sub_target_paren(p):
                continue  # "建制村5000个(贫困地区不低于3000个)": a part with its own figure
            for k in range(p.start + 1, p.end - 1):
                scan[k] = MASK
        for d in mentions:
            for k in range(d.start, d.end):
                if scan[k].isdigit():
                    scan[k] = MASK
        masked = "".join(scan)
        para_has_dates = bool(dates) or any(
            time_limit(p.inner) for p in parens if RESPONSIBLE_HINT.search(p.inner)
        )
        spans = list(sentences(text, para.body, len(text)))
        # "2014年，…完成了…": a bare year in a report of finished work is when, not a deadline
        # (the report follows the year: "已经建成了…，2022年还要新建…" sets one); so is a year
        # after a past wording ("“十三五”时期，…2020年超过1万亿元。"), for the paragraph too
        self.reported = {
            d.start
            for d in dates
            if text[d.start] not in "到至力于在"
            and not text[d.start : d.end].endswith("前")
            and any(s0 <= d.start < s1 and reports_done(masked[d.start : s1]) for s0, s1 in spans)
            or (not d.strong or d.by_verb)
            and looks_back(text, d.start, dates, self.goal_year, self.doc_year)
        }
        found_in: dict[tuple[int, int], list[int]] = {}
        for s0, s1 in spans:
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
        sentence_dated = any(s0 <= d.start < s1 and is_deadline(text, d, s0) for d in dates)
        dated_before = any(d.start < s0 and is_deadline(text, d) for d in dates)
        numberless_ok = sentence_dated or dated_before or not para_has_dates
        subject = ""  # the measure an earlier clause names, for a clause that only changes it
        bare = ""  # the text of the clause before, when it held no number ("…普及率，将从11%…")
        status_before = False  # the clause before held where things stand
        for c0, c1 in clauses(masked, s0, s1):
            clause = masked[c0:c1]
            if c1 < len(masked) and masked[c1] == ":" and len(clause) <= 12:
                subject = clean_name(text[c0:c1])
                continue  # a list label: "三个坚持：…", "●5G基站数量：从…"
            qs = find_quantities(masked, c0, c1)
            named_before, bare = bare, "" if qs else clean_name(text[c0:c1])
            kept: list[Quantity] = []
            from_here = False  # a change from a present value opened in this clause
            for q in qs:
                head = masked[c0 : q.start]
                later = any(x.start > q.start for x in qs)
                if any(v in head for v in CONTEXT_VERBS) or describes(
                    head, q, masked[q.end : c1], later
                ):
                    continue
                if qualifies_previous(masked, q, kept):
                    continue  # "40个以上收入超10亿元的企业": the amount says which firms
                if benchmark(clause, q.start - c0):
                    continue
                if (
                    LISTED_NEXT.match(masked, c1)
                    and not is_measure(q.unit)
                    and (q.value or 99) <= 20
                ):
                    continue  # "推出6件民生实事,分别是:…": the count of the items listed next
                if project_terms(masked[s0:s1]):
                    continue  # "项目签约,联通公司拟投资20亿元": a firm's project
                if incentive_terms(masked[s0:s1], clause, masked[q.end : c1]):
                    continue  # "一次性奖励200万元", "由市、区各承担50%": a reward's terms
                if DONE_AFTER.match(masked[q.end : c1]) or (
                    not sentence_dated and PROBLEM.search(masked[s0 : q.start])
                ):
                    q.status = True  # "16个市地均已展开…", "面临…问题，如…投资就达30万元"
                if CHANGE_ONLY.match(head) or (from_here and not q.subject):
                    q.subject = subject  # "…，将从11%增至60%": the 60% is of that measure
                since = FROM_PRESENT.search(head)
                from_here = from_here or bool(since)
                if since:
                    subject = clean_name(text[c0 : c0 + since.start()]) or named_before or subject
                    # "从2020年的3.6万个，增加到2025年的25万个": where things stand
                    q.status = True
                    if since.group("y") and q.value is not None:
                        at = date(int(text[c0 + since.start("y") : c0 + since.end("y")]), 12, 31)
                        self.present.append((subject, q.unit, q.value, at))
                rest = masked[q.end : c1]
                if (
                    q.unit != "%"
                    and rest.startswith("的")
                    and q.op_word in ("以上", "及以上", "以下")
                    and (is_measure(q.unit) or not MAKE.search(head.replace(MASK, "")))
                ):
                    # all of a scope, unless the clause has its own number ("…的里程突破2000公里")
                    if is_measure(q.unit) and sentence_dated and not later:
                        kept.append(scope_target(q, masked))
                    continue  # "3万平方米以上的建筑": a scope, not a target
                if q.unit == "%" and rest.startswith("的"):
                    q.rule = "share"  # "50%的二级公立医院实现…": the share of those that do
                if q.unit in ("分钟", "毫秒", "ms") and re.match(r"^[^,;。]{0,16}圈", rest):
                    q.op, q.op_word, q.rule = "<=", "", "circle"
                kept.append(q)
            # "所有三级公立医院…实现…": all of them, 100%
            for m in re.finditer(r"所有(?!权|制|者)|全部(?=实现|完成|接入|建成|开通)", clause):
                if not numberless_ok:
                    continue
                # "所有市达到…三星级以上": all of them reach a grade (a share of 100%), when
                # the clause states no figure of its own
                reach = not kept and REACH.search(clause, m.end())
                # "实现所有行政村通高速宽带": the predicate may come first
                first = re.search(r"(?:实现|完成)$", clause[: m.start()])
                if not PREDICATE.search(clause, m.end()) and not reach and not first:
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
            covered = numberless_ok and not any(v in clause for v in CONTEXT_VERBS)
            for at, end in full_coverage(clause) if covered else []:
                kept.append(
                    Quantity(
                        c0 + at, c0 + end, 100.0, None, None, "%", ">=", "", "全覆盖", rule="full"
                    )
                )
            for q in kept:
                q.status = (
                    q.status
                    or status
                    or (status_before and clause.startswith("其中"))
                    or bool(STATUS_WORDS.search(masked[c0 : q.start]))
                    or looks_back(text, q.start, dates, self.goal_year, self.doc_year)
                    or describes_present(masked, text, dates, (s0, q.start), self.page_year)
                )
            kept.sort(key=lambda q: q.start)
            kept = [q for i, q in enumerate(kept) if not qualifies_next(masked, q, kept[i + 1 :])]
            out.extend(((c0, c1), q) for q in kept)
            # "目前已经实现245个…,其中15个…": a part of where things stand stands there too
            status_before = any(q.status for q in kept) or (status_before and not kept)
        return out

    def past(self, by: date, source: str, mention: int | None) -> bool:
        """A deadline that is no deadline: a year before the document's own date, or the year
        of a sentence that reports finished work ("2014年，…完成了…")."""
        if (self.doc_date is not None and by < self.doc_date) or by in self.as_of_days:
            return True  # "发展到2022年6月底的50678座" on a page of 2022-07-07
        if self.as_of_year is not None and by.year < self.as_of_year:
            return True
        if self.now_year is not None and by.year < self.now_year:
            return True
        return source in ("sentence", "paragraph") and mention in self.reported

    def dated_by(
        self, index: int, para: Paragraph, dates: list[DateMention], s0: int, pos: int
    ) -> tuple[date | None, str, int | None]:
        """The deadline, where it came from, and the start of the date mention it was read from."""
        own = [d for d in dates if s0 <= d.start < pos and is_deadline(para.text, d, s0)]
        own = own or [d for d in dates if is_task_of_year(para.text, d, pos)][:1]  # "…,是今年…任务"
        clause0 = max(s0, para.text.rfind(",", s0, pos))
        if self.this_year is None and "今年" in para.text[clause0:pos]:
            return None, "none", None  # "到2025年将建…约8万根,今年4238根": this year, unknown
        if own:
            return own[-1].by, "sentence", own[-1].start
        if self.this_year is None and THIS_YEAR.search(para.text, s0, pos):
            return None, "none", None  # "今年…突破500亿元" in a text that names no year of its own
        limit = self.time_limit_after(index, pos)
        if limit:
            return limit, "time_limit", None
        earlier = [d for d in dates if d.start < s0 and is_deadline(para.text, d)]
        if earlier and not (self.goal_year and SPAN_WORDS.search(para.text, s0, pos)):
            # "…上半年全面投入运营。全省IPv6…达到40%": the half dates its own task; the
            # sentences after it take its year
            by = date(earlier[-1].by.year, 12, 31) if earlier[-1].part else earlier[-1].by
            return by, "paragraph", earlier[-1].start
        if self.goal_year:
            return date(self.goal_year, 12, 31), "horizon", None
        return None, "none", None

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
        by, source, mention = self.dated_by(index, para, dates, s0, q.start)
        if by is not None and self.past(by, source, mention):
            q.status = True  # "截至2022年底…" in a text of 2023: where things stood
        if source == "paragraph" and any(d.start == mention and d.as_of for d in dates):
            q.status = True  # "截至2025年11月,…。全国行政村…超过90%": the same report goes on
        if by is None:
            if q.status:
                self.standing += 1
            else:
                self.undated += 1
            return
        notes: list[tuple[str, dict[str, Any]]] = []
        op = q.op
        if q.rule in ("number", "share", "unitless") and not op:
            before_op, _ = op_before(masked[c0 : q.start])
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
        elif q.rule == "doubling":
            notes.append(("extract.note_doubling", {"n": plain_number(q.value)}))
        elif q.rule == "circle":
            notes.append(("extract.note_circle", {"n": plain_number(q.value), "unit": q.unit}))
        elif q.rule == "unitless":
            notes.append(("extract.note_unitless", {}))
        if q.numeral.endswith("大"):
            notes.append(("extract.note_ordinal", {"word": q.numeral, "n": plain_number(q.value)}))
        if source == "horizon":
            notes.insert(0, ("extract.note_horizon", {"year": by.year}))
        elif source == "paragraph":
            notes.insert(0, ("extract.note_paragraph_year", {"year": by.year}))
        elif source == "time_limit":
            notes.insert(0, ("extract.note_time_limit", {}))

        # the part of the clause that belongs to this number: enumerations split at 、
        same = sorted((x for (span, x) in siblings if span == clause), key=lambda x: x.start)
        k = same.index(q)
        seg0 = enumeration_boundary(masked, same[k - 1], q) if k > 0 else c0
        seg0 += masked[seg0 : seg0 + 1] == "、" and k > 0  # after the 、, not the next word
        seg1 = enumeration_boundary(masked, q, same[k + 1]) if k + 1 < len(same) else c1
        tail = ""
        if q.rule in ("all", "share"):
            last = same[-1]
            m = PREDICATE.search(masked, last.end, c1)
            tail = para.text[m.start() : c1] if m else ""
        elif q.rule == "scope":
            tail = clean_name(para.text[c1 + 1 : s1])
            seg1 = c1
        name = indicator_name(para, q, seg0, seg1, dates, tail)
        if q.subject:
            name = q.subject
        last = self.proposals[-1] if self.proposals else None
        if (
            last
            and last.para == index
            and last.start >= s0
            and GROWTH_ONLY.fullmatch(name or "增速")
        ):
            # "…营业收入突破8000亿元,年均增速15%左右": that income's growth; "确保达到4万座,力争达到5万座"
            name = GROWTH_ONLY.sub("", last.name) + name
        opened = para.text.rfind("(", c0, q.start)
        if opened > para.text.rfind(")", c0, q.start):
            # a part stated in brackets ("(贫困地区不低于3000个)"): named by what it counts
            name = SUB_WORDS.sub("", para.text[opened + 1 : q.start]) or name
        if q.status:
            self.standing += 1
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
        value = f"{plain_number(q.value)}{q.unit}"
        if q.unit == "%" and masked[q.start - 1 : q.start] == "双":
            self.proposals.extend(one_per_subject(proposal, value))
        elif (q.unit == "%" and MEASURE_LIST.fullmatch(proposal.name) and "分别" not in head) or (
            BOTH.search(head) and TWO_SUBJECTS.search(proposal.name)
        ):  # "进场率和空调公交车比例达到100%", "先进计算、软件产业规模均超过500亿元"
            self.proposals.extend(one_per_subject(proposal, value, "extract.note_shared", 9))

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
        for s0, s1 in sentences(text, para.body, len(text)):
            own = [d for d in dates if s0 <= d.start < s1 and is_deadline(text, d, s0)]
            if STATUS_WORDS.search(masked[s0:s1]):
                own = []  # "截至2023年底，已建成…" reports, it does not set a task
            numbers = found_in.get((s0, s1))
            if numbers is None:
                d = own[0] if own else None
                items.append(
                    {
                        "s0": s0,
                        "s1": s1,
                        "date": d,
                        "name": milestone_name(text, masked, d.end if d else s0, s1),
                        "q": False,
                        "q0": clause_start(masked, s0, d.start) if d else s0,
                    }
                )
                continue
            items.append({"s0": s0, "s1": s1, "date": None, "name": "", "q": True, "q0": s0})
            starts = [clause_start(masked, s0, d.start) for d in own] + [s1]
            for k, d in enumerate(own):
                seg0, seg1 = starts[k], starts[k + 1]
                if seg1 > seg0 and not any(seg0 <= n < seg1 for n in numbers):
                    name = milestone_name(text, masked, d.end, seg1)
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
                    name=shorten(item["name"], 60),
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
            limit = time_limit(p.inner) if RESPONSIBLE_HINT.search(p.inner) else None
            if limit is None:
                continue
            sents = [s for s in sentences(text, para.body, p.start) if s[1] - s[0] > 4]
            if not sents:
                continue
            s0 = sents[-1][0]
            title = para.titles[-1] if para.titles else ""
            self.proposals.append(
                Proposal(
                    kind="milestone",
                    name=(title or clean_name(text[s0 : sents[-1][1]]))[:60],
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
                and similar(p.name, prev.name)
            ):
                prev.stages.append(p.stages[0])
                prev.end = p.end
                prev.quote = self.quote(self.paragraphs[p.para], prev.quote_start, p.end)
                continue
            merged.append(p)
        self.proposals = merged


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
    empty = None if proposals else _empty_reason(text, ex)
    return Draft(header, pid, ex.goal_year, proposals, text, empty)


def _empty_reason(text: str, ex: _Extractor) -> tuple[str, dict[str, Any]]:
    """Why a text gave no proposal, most telling first: no number at all, numbers without a
    deadline, numbers that only report the present, or no target wording."""
    if not re.search(r"\d", unicodedata.normalize("NFKC", text)):
        return "extract.empty_no_numbers", {}
    # a report of work done also has undated counts ("共建成110个…"): its present values say
    # more about it than the numbers without a year
    if ex.standing:
        return "extract.empty_status", {"count": ex.standing}
    if ex.undated:
        return "extract.empty_no_deadline", {"count": ex.undated}
    return "extract.empty_no_wording", {}
