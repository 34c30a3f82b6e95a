"""The extractor on real plans nobody here wrote: recall and precision per file.

`tests/extract_corpus/` holds openings of real government pages (city and province
plans, work points, news reports of plans: smart city, digital government, 5G, big
data, digital economy), each `NN_name.txt` with a hand-labelled `NN_name.yaml` that
lists every quantitative dated target in the text and the page's address. The labels
were written by reading the text, before looking at what the extractor proposes.

A proposal is right when value (or low/high), unit, op and deadline equal a label's;
each stage of a multi-stage proposal counts as one proposed target, and each label
and each proposed target is matched at most once. Files marked `holdout: N` were not read
while the rules were tuned before round N (`true` is round 1): each round's figures are
reported apart; the rules were tuned on rounds 1–33 after each was scored unseen (so no round is
unseen now: each round's unseen figures are in docs/extract.md).

Regenerate the table in docs/extract.md with `python tests/test_extract_corpus.py --write`; add
`-v` to list every miss and extra, `--matches` to list each match with the proposal's quote (to
check by eye that it comes from the labelled sentence).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from metrics.extract import extract

CORPUS = Path(__file__).resolve().parent / "extract_corpus"
DOC = Path(__file__).resolve().parents[1] / "docs" / "extract.md"
TABLE_START = "<!-- corpus-table:start -->"
TABLE_END = "<!-- corpus-table:end -->"

# the floors the issue sets (≥90% of targets, fewer than one proposal in five wrong)
RECALL_FLOOR = 0.90
PRECISION_FLOOR = 0.80
FILE_RECALL_FLOOR = 0.5  # no single file may hide behind the others' average
# Each group's figures as measured (docs/extract.md), rounded down: a regression fails.
# 0: the files the rules were tuned on; 1: the first held-out round (04, 07, 11, 13, 17, 18),
# scored unseen at 95.8% / 67.6%, then tuned on; 2: the second round (22–30), scored unseen
# after that tuning at 100% / 60.5%, then tuned on (its error classes fixed as general rules);
# 3: the third round (31–40), scored unseen after round 2's tuning at 79.5% / 81.4%, then tuned
# on (its error classes fixed as general rules, tests/test_extract.py::test_round_three_*);
# 4: the fourth round (41–50), scored unseen after round 3's tuning at 76.0% / 100%, then tuned
# on (its error classes fixed, tests/test_extract.py::test_round_four_*); 5: the fifth round
# (51–58), scored unseen after round 4's tuning at 86.1% / 93.9%, then tuned on (its error
# classes fixed, tests/test_extract.py::test_round_five_*); 6: the sixth round (59–66), scored
# unseen after round 5's tuning at 73.9% / 73.9%, then tuned on (its classes fixed,
# tests/test_extract.py::test_round_six_*); 7: the seventh round (67–75), scored unseen after
# round 6's tuning at 75.4% / 91.5%, then tuned on (its classes fixed,
# tests/test_extract.py::test_round_seven_*); 8: the eighth round (76–85), scored unseen after
# round 7's tuning at 62.5% / 71.4%, then tuned on (tests/test_extract.py::test_round_eight_*);
# 9: the ninth round (86–95), scored unseen after round 8's tuning at 75.0% / 81.8%, then tuned
# on (tests/test_extract.py::test_round_nine_*); 10: the tenth round (96–105), scored unseen after
# round 9's tuning at 96.9% / 93.9% (both goals met), then tuned on (test_round_ten_*); 11: the
# eleventh round (106–115), scored unseen after round 10's tuning at 86.4% / 67.9%, then tuned on
# (test_round_eleven_*); 12: the twelfth round (116–125), scored unseen after round 11's tuning at
# 90.0% / 92.3% (both goals met), then tuned on (test_round_twelve_*); 13: the thirteenth round
# (126–135), scored unseen after round 12's tuning at 81.7% / 90.7%, then tuned on
# (test_round_thirteen_*); 14: the fourteenth round (136–145), scored unseen after round 13's
# tuning at 71.0% / 75.9%, then tuned on (test_round_fourteen_*); 15: the fifteenth round
# (146–155), scored unseen after round 14's tuning at 84.2% / 76.2%, then tuned on
# (test_round_fifteen_*); 16: the sixteenth round (156–165), scored unseen after round 15's
# tuning at 68.0% / 85.0%, then tuned on (test_round_sixteen_*); 17: the seventeenth round
# (166–175), scored unseen after round 16's tuning at 95.8% / 70.8%, then tuned on
# (test_round_seventeen_*); 18: the eighteenth round (176–185), scored unseen at 84.7% / 87.7%,
# then tuned on (test_round_eighteen_*); 19: the nineteenth round (186–195), scored unseen at
# 84.1% / 100%, then tuned on (test_round_nineteen_*); 20: the twentieth round (196–205), scored
# unseen at 90.5% / 82.6% (both goals met), then tuned on (test_round_twenty_*); 21: the
# twenty-first round (206–215), scored unseen at 69.4% / 51.0%, then tuned on
# (test_round_twenty_one_*); 22: the twenty-second round (216–225), scored unseen at 47.5% / 82.6%,
# then tuned on (test_round_twenty_two_*); 23: the twenty-third round (226–235), scored unseen at
# 77.3% / 79.1%, then tuned on (test_round_twenty_three_*); 24: the twenty-fourth round (236–245),
# scored unseen at 95.7% / 84.6% (both goals met), then tuned on (test_round_twenty_four_*); 25: the
# twenty-fifth round (246–255), scored unseen at 93.2% / 86.1% (both goals met), then tuned on
# (test_round_twenty_five_*); 26: the twenty-sixth round (256–265), scored unseen at 75.0% / 81.8%,
# then tuned on (test_round_twenty_six_*); 27: the twenty-seventh round (266–275), scored unseen at
# 93.8% / 93.8% (both goals met), then tuned on (test_round_twenty_seven_*); 28: the twenty-eighth
# round (276–285), scored unseen at 81.4% / 74.5%, then tuned on (test_round_twenty_eight_*); 29:
# the twenty-ninth round (286–295), scored unseen at 92.7% / 86.4% (both goals met), then tuned on
# (test_round_twenty_nine_*); 30: the thirtieth round (296–305), scored unseen at 79.1% / 100%,
# then tuned on (test_round_thirty_*); 31: the thirty-first round (306–315), scored unseen at
# 87.5% / 81.4%, then tuned on (test_round_thirty_one_*); 32: the thirty-second round (316–325),
# scored unseen at 68.9% / 63.3%, then tuned on (test_round_thirty_two_*); 33: the thirty-third
# round (326–335), scored unseen at 58.3% / 35.0%, then tuned on (test_round_thirty_three_*).
GROUPS = {
    0: "tuned on",
    1: "held out, round 1 (since tuned on)",
    2: "held out, round 2 (since tuned on)",
    3: "held out, round 3 (since tuned on)",
    4: "held out, round 4 (since tuned on)",
    5: "held out, round 5 (since tuned on)",
    6: "held out, round 6 (since tuned on)",
    7: "held out, round 7 (since tuned on)",
    8: "held out, round 8 (since tuned on)",
    9: "held out, round 9 (since tuned on)",
    10: "held out, round 10 (since tuned on)",
    11: "held out, round 11 (since tuned on)",
    12: "held out, round 12 (since tuned on)",
    13: "held out, round 13 (since tuned on)",
    14: "held out, round 14 (since tuned on)",
    15: "held out, round 15 (since tuned on)",
    16: "held out, round 16 (since tuned on)",
    17: "held out, round 17 (since tuned on)",
    18: "held out, round 18 (since tuned on)",
    19: "held out, round 19 (since tuned on)",
    20: "held out, round 20 (since tuned on)",
    21: "held out, round 21 (since tuned on)",
    22: "held out, round 22 (since tuned on)",
    23: "held out, round 23 (since tuned on)",
    24: "held out, round 24 (since tuned on)",
    25: "held out, round 25 (since tuned on)",
    26: "held out, round 26 (since tuned on)",
    27: "held out, round 27 (since tuned on)",
    28: "held out, round 28 (since tuned on)",
    29: "held out, round 29 (since tuned on)",
    30: "held out, round 30 (since tuned on)",
    31: "held out, round 31 (since tuned on)",
    32: "held out, round 32 (since tuned on)",
    33: "held out, round 33 (since tuned on)",
}
GROUP_FLOORS = {
    0: (1.00, 1.00),
    1: (1.00, 1.00),
    2: (1.00, 1.00),
    3: (0.95, 0.95),
    4: (1.00, 1.00),
    5: (1.00, 1.00),
    6: (0.95, 1.00),
    7: (0.94, 1.00),
    8: (0.90, 0.90),
    9: (0.97, 0.92),
    10: (1.00, 0.96),
    11: (0.90, 0.90),
    12: (0.97, 0.95),
    13: (0.90, 1.00),
    14: (0.90, 0.96),
    15: (1.00, 0.88),
    16: (0.90, 0.91),
    17: (0.95, 0.83),
    18: (0.94, 0.94),
    19: (1.0, 1.0),
    20: (1.0, 1.0),
    21: (0.94, 0.94),
    22: (0.92, 0.94),
    23: (0.97, 0.91),
    24: (0.95, 0.91),
    25: (0.95, 0.98),
    26: (0.93, 0.93),
    27: (0.93, 0.96),
    28: (0.86, 0.78),
    29: (1.0, 0.95),
    30: (0.93, 0.97),
    31: (0.97, 0.95),
    32: (0.8, 0.72),
    33: (0.91, 0.7),
}
ALL_FLOORS = (0.95, 0.93)  # (recall, precision)
# held-out rounds whose recall is measured below the goal (a known failure, not hidden)
BELOW_GOAL: dict[int, str] = {
    28: "280: 今年 in a page dated 12月13日, its year only in the address",
    32: "317, 318, 325: pages whose year is only in their address or a name",
}
# held-out rounds whose precision is measured below the goal
BELOW_PRECISION_GOAL: dict[int, str] = {
    28: "280: its 今年 figures dated by the plan's end",
    32: "316's project description, 323's target pool, 319's 所有…覆盖 (labelled otherwise)",
    33: "328's review of 2023 dated by the page's year; 330's 发展基础 without its heading",
}
# files of which the extractor misses most targets, as measured (see the doc for each cause)
MOSTLY_MISSED: dict[str, str] = {
    "71_hanzhong-2021-telecom-meeting-news": "年底前 with no year in the text",
    "72_quanzhou-2022-5g-sites-news": "第二季度 is no deadline; the year is only in a quote",
    "84_wuhan-2018-5g-stations-plan-news": "覆盖全市的5G is cut from its sentence; 2018 dates the counts",
    "113_hunan-2025-gov-services-data-workpoints": "the title, and so the work points' year, is lost",
    "128_jinan-2025-government-work-report-digital-goals-news": "the report names no year",
    "168_district-smart-community-full-coverage-plan": "a sharing site's page marks (1、 2、) cut the sentence",
    "219_shandong-2022-5g-double-hundred-action-meeting-news": "全年 in a page that names no year",
    "237_guangdong-2020-government-work-report-5g-news": "今年的…工作报告 is read as no document year",
    "250_guangxi-2022-5g-full-coverage-press-conference-news": "今年 in a page dated 7月7日 with no year",
    "280_chongqing-2021-new-urban-infrastructure-pilot-plan-news": "今年 in a page dated 12月13日",
    "305_shanxi-2025-highway-digital-transformation-project-news": "用3年时间 in a page dated 10月17日",
    "317_mudanjiang-2022-5g-base-stations-news": "今年 of 2022 only in the address; 2020年3月 is taken",
    "318_qingyang-2025-data-center-cluster-double-100k-target-news": "今年 with no year but a name's 2025",
    "325_hebei-2021-informatization-14th-five-year-manufacturing-internet-news": "“十四五”期间 in a report of 2020",
    "334_chengdu-2019-rongyiban-one-network-service-plan": "the text stops before the noun of its 80%",
}


@dataclass(frozen=True)
class Target:
    """One proposed or labelled target, reduced to what must be right."""

    value: float | None
    low: float | None
    high: float | None
    unit: str
    op: str
    by: date
    text: str = field(default="", compare=False)

    def same(self, other: Target) -> bool:
        def close(a: float | None, b: float | None) -> bool:
            return (a is None) == (b is None) and (a is None or math.isclose(a, b))  # type: ignore[arg-type]

        return (
            self.unit == other.unit
            and self.op == other.op
            and self.by == other.by
            and close(self.value, other.value)
            and close(self.low, other.low)
            and close(self.high, other.high)
        )

    def __str__(self) -> str:
        amount = f"{self.low}-{self.high}" if self.op == "between" else f"{self.value}"
        return f"{self.op} {amount} {self.unit} @{self.by} {self.text}".strip()


@dataclass
class FileScore:
    name: str
    source: str
    holdout: int  # 0: tuned on; 1, 2…: the round in which the file was first held out
    labels: int
    proposed: int
    correct: int
    missed: list[str]
    wrong: list[str]
    matched: list[str] = field(default_factory=list)  # label <- proposal (name | quote)

    @property
    def recall(self) -> float:
        return self.correct / self.labels if self.labels else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 1.0


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def labelled(path: Path) -> tuple[dict[str, Any], list[Target]]:
    """A label file: its header and its targets."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    targets = [
        Target(
            None if t.get("value") is None else float(t["value"]),
            None if t.get("low") is None else float(t["low"]),
            None if t.get("high") is None else float(t["high"]),
            str(t["unit"]),
            t["op"],
            _day(t["deadline"]),
            t.get("name", ""),
        )
        for t in data.get("targets") or []
    ]
    return data, targets


def proposed(text: str) -> list[Target]:
    """Every stage of every quantity proposal of the draft, as one target each."""
    out = []
    for e in extract(text).entries():
        if e["kind"] != "quantity":
            continue
        for s in e["targets"]:
            out.append(
                Target(
                    None if s.get("value") is None else float(s["value"]),
                    None if s.get("low") is None else float(s["low"]),
                    None if s.get("high") is None else float(s["high"]),
                    e["unit"],
                    s["op"],
                    _day(s["by"]),
                    f"{e['name']} | {e['quote']}",
                )
            )
    return out


def score_file(txt: Path) -> FileScore:
    header, labels = labelled(txt.with_suffix(".yaml"))
    proposals = proposed(txt.read_text(encoding="utf-8"))
    used: set[int] = set()
    missed = []
    matched = []
    for label in labels:
        hit = next((i for i, p in enumerate(proposals) if i not in used and p.same(label)), None)
        if hit is None:
            missed.append(str(label))
        else:
            used.add(hit)
            matched.append(f"{label} <- {proposals[hit].text}")
    wrong = [str(p) for i, p in enumerate(proposals) if i not in used]
    return FileScore(
        txt.stem,
        header["source"],
        int(header.get("holdout") or 0),
        len(labels),
        len(proposals),
        len(used),
        missed,
        wrong,
        matched,
    )


def corpus_files() -> list[Path]:
    """In the order of their numbers (96 before 100)."""
    return sorted(CORPUS.glob("*.txt"), key=lambda p: (int(p.name.split("_", 1)[0]), p.name))


def score_corpus() -> list[FileScore]:
    return [score_file(p) for p in corpus_files()]


def _total_row(label: str, scores: list[FileScore]) -> str:
    t = sum(s.labels for s in scores)
    p = sum(s.proposed for s in scores)
    c = sum(s.correct for s in scores)
    recall = f"{c / t:.1%}" if t else "–"
    precision = f"{c / p:.1%}" if p else "–"
    return f"| **{label}** | {len(scores)} files | {t} | {p} | {c} | {recall} | {precision} |"


def table(scores: list[FileScore]) -> str:
    """The per-file table, then totals for the tuned files, the held-out ones and all."""
    lines = [
        "| file | held out | targets | proposed | correct | recall | precision |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        name = f"[{s.name}]({s.source})"
        recall = f"{s.recall:.0%}" if s.labels else "–"
        precision = f"{s.precision:.0%}" if s.proposed else "–"
        lines.append(
            f"| {name} | {s.holdout or ''} | {s.labels} | {s.proposed} | {s.correct} "
            f"| {recall} | {precision} |"
        )
    for group, label in GROUPS.items():
        lines.append(_total_row(label, [s for s in scores if s.holdout == group]))
    lines.append(_total_row("all", scores))
    return "\n".join(lines)


def details(scores: list[FileScore]) -> str:
    lines = []
    for s in scores:
        lines.extend(f"  missed  {s.name}: {m}" for m in s.missed)
        lines.extend(f"  extra   {s.name}: {w}" for w in s.wrong)
    return "\n".join(lines)


def matches(scores: list[FileScore]) -> str:
    """Each match with the proposal's quote: whether it comes from the labelled sentence is
    checked by eye (labels carry a name, not a quote)."""
    return "\n".join(f"  matched {s.name}: {m}" for s in scores for m in s.matched)


def write_doc(scores: list[FileScore], doc: Path = DOC) -> None:
    """Replace the table between the markers in docs/extract.md (markers must exist)."""
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{doc}: markers {TABLE_START} … {TABLE_END} not found")
    block = f"{TABLE_START}\n{table(scores)}\n{TABLE_END}"
    doc.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


# --- the tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scores() -> list[FileScore]:
    return score_corpus()


def test_corpus_is_large_and_labelled() -> None:
    """At least 15 real texts, each with its labels and the address it came from."""
    files = corpus_files()
    assert len(files) >= 15
    for txt in files:
        header, _ = labelled(txt.with_suffix(".yaml"))
        assert str(header.get("source", "")).startswith("http"), txt.name
        assert txt.read_text(encoding="utf-8").strip(), txt.name
    assert any(labelled(t.with_suffix(".yaml"))[0].get("holdout") for t in files)


def _rates(scores: list[FileScore]) -> tuple[float, float]:
    labels = sum(s.labels for s in scores)
    proposals = sum(s.proposed for s in scores)
    correct = sum(s.correct for s in scores)
    return correct / labels, correct / proposals


def test_recall_and_precision_on_real_plans(scores: list[FileScore]) -> None:
    """Over all files: ≥90% of the labelled targets proposed right, fewer than one proposal
    in five wrong, and not below what was measured."""
    print("\n\nExtractor on the real-plan corpus (tests/extract_corpus):\n")
    print(table(scores))
    print(details(scores))
    recall, precision = _rates(scores)
    assert recall >= max(RECALL_FLOOR, ALL_FLOORS[0]), f"recall {recall:.1%}"
    assert precision >= max(PRECISION_FLOOR, ALL_FLOORS[1]), f"precision {precision:.1%}"


def test_the_documented_table_is_the_measured_one(scores: list[FileScore]) -> None:
    """docs/extract.md shows the figures this run measures (regenerate with --write)."""
    doc = DOC.read_text(encoding="utf-8")
    shown = doc.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert shown == table(scores).strip(), "run: python tests/test_extract_corpus.py --write"


@pytest.mark.parametrize("group", list(GROUPS), ids=lambda g: GROUPS[g])
def test_each_group_keeps_its_measured_figures(scores: list[FileScore], group: int) -> None:
    """Tuned files and each held-out round on their own, at the figures measured."""
    files = [s for s in scores if s.holdout == group]
    assert files, GROUPS[group]
    recall, precision = _rates(files)
    recall_floor, precision_floor = GROUP_FLOORS[group]
    assert recall >= recall_floor, (f"recall {recall:.1%}", details(files))
    assert precision >= precision_floor, (f"precision {precision:.1%}", details(files))


def _held_out(below_goal: dict[int, str]) -> list:
    """The held-out rounds, those below a goal as strict xfails (they pass once it is met)."""
    return [
        pytest.param(g, marks=pytest.mark.xfail(reason=below_goal[g], strict=True))
        if g in below_goal
        else g
        for g in GROUPS
        if g
    ]


@pytest.mark.parametrize("group", _held_out(BELOW_GOAL), ids=lambda g: GROUPS[g])
def test_held_out_recall_meets_the_goal(scores: list[FileScore], group: int) -> None:
    """Every held-out round: ≥90% of its targets proposed right (the issue's recall goal)."""
    recall, _ = _rates([s for s in scores if s.holdout == group])
    assert recall >= RECALL_FLOOR, GROUPS[group]


@pytest.mark.parametrize("group", _held_out(BELOW_PRECISION_GOAL), ids=lambda g: GROUPS[g])
def test_held_out_precision_meets_the_goal(scores: list[FileScore], group: int) -> None:
    """Every held-out round: fewer than one proposal in five wrong (the issue's precision goal)."""
    _, precision = _rates([s for s in scores if s.holdout == group])
    assert precision >= PRECISION_FLOOR, GROUPS[group]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(p.stem, marks=pytest.mark.xfail(reason=MOSTLY_MISSED[p.stem], strict=True))
        if p.stem in MOSTLY_MISSED
        else p.stem
        for p in corpus_files()
    ],
)
def test_no_file_is_mostly_missed(scores: list[FileScore], name: str) -> None:
    s = next(s for s in scores if s.name == name)
    assert s.recall >= FILE_RECALL_FLOOR, (s.name, s.missed)


@pytest.mark.parametrize("txt", corpus_files(), ids=lambda p: p.stem)
def test_quotes_are_verbatim(txt: Path) -> None:
    """Each proposal's quote is cut from the page (whitespace aside)."""
    text = txt.read_text(encoding="utf-8")
    flat = re.sub(r"\s+", "", text)
    bad = [
        e["quote"]
        for e in extract(text).entries()
        if not e["quote"] or re.sub(r"\s+", "", e["quote"]) not in flat
    ]
    assert bad == []


if __name__ == "__main__":
    results = score_corpus()
    if "--write" in sys.argv:
        write_doc(results)
        print(f"wrote the table into {DOC}")
    print(table(results))
    if "-v" in sys.argv:
        print(details(results))
    if "--matches" in sys.argv:
        print(matches([s for s in results if s.holdout == max(GROUPS)]))
