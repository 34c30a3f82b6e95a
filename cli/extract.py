"""`python -m metrics extract FILE`: read a plan's text, print or write the draft YAML.

The extractor itself is `metrics.extract` (pure text in, draft out); this module reads and
writes the files and raises `metrics.errors` exceptions, which `cli.errors.report_error` turns
into the message and exit code every command uses (0 done, 1 bad input, 2 argparse usage).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli.errors import report_error
from metrics.catalog import ID_RE, REGION_RE
from metrics.errors import InvalidInput, MetricsError
from metrics.extract import Draft, decode_text, extract
from metrics.i18n import both


def read_plan(path: str) -> str:
    """The plan's text, UTF-8 or GB18030; a missing, unreadable or empty file is refused."""
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise InvalidInput(both("extract.file_missing", path=path)) from None
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise InvalidInput(both("extract.undecodable", path=path)) from None
    if not text.strip():
        raise InvalidInput(both("extract.empty", path=path))
    return text


def extract_file(path: str, plan_id: str | None, region: str | None, out: str | None) -> Draft:
    """The `extract` command: the draft of the plan at path, on stdout or in `out`, with its
    counts on stderr. Raises InvalidInput (nothing written) for a bad id, region or file, and
    for a text in which nothing was found, with the reason (no number, no deadline, only
    present values, no target wording)."""
    if plan_id is not None and not ID_RE.match(plan_id):
        raise InvalidInput(both("extract.bad_plan_id", value=plan_id))
    if region is not None and not REGION_RE.match(region):
        raise InvalidInput(both("extract.bad_region", value=region))
    draft = extract(read_plan(path), plan_id, region, Path(path).name)
    if not draft.proposals:
        # an empty draft is no draft: say why, write nothing, exit 1
        raise InvalidInput(draft.empty_reason or both("extract.nothing"))
    output = draft.to_yaml()
    counts = {"quantity": len(draft.quantities), "milestone": len(draft.milestones)}
    if out is None:
        sys.stdout.write(output)
        print(both("extract.summary", **counts), file=sys.stderr)
        return draft
    try:
        Path(out).write_text(output, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            both("extract.cannot_write", path=out, detail=exc.strerror or exc)
        ) from None
    print(both("extract.wrote", path=out, **counts), file=sys.stderr)
    return draft


def run_extract(path: str, plan_id: str | None, region: str | None, out: str | None) -> int:
    """`extract_file` as an exit code, for callers without the command line's guard."""
    try:
        extract_file(path, plan_id, region, out)
    except MetricsError as exc:
        return report_error(exc)
    return 0
