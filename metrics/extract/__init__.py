"""Draft catalog entries from a plan's text: the targets a person would otherwise type by hand.

Everything here proposes; nothing is trusted: each entry is marked `draft: true`, carries the
verbatim quote it was read from, and says in `note` what was assumed. The package, one concern
a module, each using only those before it:

- `text`: normalisation (paragraphs, clause numbers, quote masks, sentence and clause spans);
- `lexicon`: numerals, deadlines, units and comparison words;
- `wordings`: what the extractor reads clause by clause (shared values, making verbs, full
  coverage, spans, where an enumeration's items end);
- `naming`: indicator names, domains, responsible units, the plan's header;
- `proposals`: one proposal and its stages, and when two proposals are one target;
- `extractor`: finding the targets (`extract`) and the `Draft`;
- `writer`: the draft as config.yaml-style YAML;
- `review`: the dashboard's review table and the check against the catalog.

The command (`python -m metrics extract`) is `cli.extract`.
"""

from metrics.extract.extractor import PLACEHOLDER_PLAN, Draft, extract
from metrics.extract.lexicon import (
    DateMention,
    Quantity,
    find_dates,
    find_quantities,
    parse_chinese_number,
    parse_number,
)
from metrics.extract.naming import guess_domain, parse_responsible, plan_header
from metrics.extract.proposals import Proposal, StageDraft
from metrics.extract.review import (
    ROW_COLUMNS,
    entry_rows,
    parse_stage_text,
    review_problems,
    rows_entries,
    stage_text,
)
from metrics.extract.text import MASK, Paragraph, Paren, decode_text, split_paragraphs
from metrics.extract.writer import TODO_EN, catalog_yaml, draft_yaml

__all__ = [
    "MASK",
    "PLACEHOLDER_PLAN",
    "ROW_COLUMNS",
    "TODO_EN",
    "DateMention",
    "Draft",
    "Paragraph",
    "Paren",
    "Proposal",
    "Quantity",
    "StageDraft",
    "catalog_yaml",
    "decode_text",
    "draft_yaml",
    "entry_rows",
    "extract",
    "find_dates",
    "find_quantities",
    "guess_domain",
    "parse_chinese_number",
    "parse_number",
    "parse_responsible",
    "parse_stage_text",
    "plan_header",
    "review_problems",
    "rows_entries",
    "split_paragraphs",
    "stage_text",
]
