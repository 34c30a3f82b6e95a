"""The translation table: every sentence exists in Chinese and in English, with the same
placeholders, so no user ever gets a message in one language only.

The sentences are read from the source (every `TEXT.update({...})` and the table itself),
so the pages' sentences are checked too without running the pages."""

from __future__ import annotations

import ast
import re
import string

import pytest

from metrics.i18n import both, t
from tests.conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGE_NEUTRAL = {"app.language"}


def _sentences() -> dict[str, tuple[str, str, str]]:
    """key → (zh, en, file) for every sentence in the project's source."""
    found: dict[str, tuple[str, str, str]] = {}
    for path in [
        ROOT / "dashboard.py",
        *sorted((ROOT / "metrics").glob("*.py")),
        *sorted((ROOT / "db").glob("*.py")),
        *sorted((ROOT / "views").glob("*.py")),
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            table = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "TEXT"
                and node.args
                and isinstance(node.args[0], ast.Dict)
            ):
                table = node.args[0]
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == "TEXT"
                and isinstance(node.value, ast.Dict)
            ):
                table = node.value
            if table is None:
                continue
            for key, value in zip(table.keys, table.values, strict=True):
                pair = ast.literal_eval(value)
                found[ast.literal_eval(key)] = (*pair, path.name)
    return found


SENTENCES = _sentences()


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(SENTENCES))
def test_each_sentence_is_bilingual_with_the_same_placeholders(key):
    zh, en, file = SENTENCES[key]
    assert zh.strip() and en.strip(), (key, file)
    words = re.sub(r"\{[^}]*\}", "", zh)
    if re.search(r"[A-Za-z\u4e00-\u9fff]", words):  # not a bare separator or layout
        assert CJK.search(zh) or key in LANGUAGE_NEUTRAL, f"{file} {key}: no Chinese in {zh!r}"
    # The same numbers and names fill both; a name given per language ({zh}/{en}) may differ.
    assert _fields(zh) - {"zh"} == _fields(en) - {"en"}, (key, file)


def test_the_table_is_read_from_every_layer():
    files = {file for _, _, file in SENTENCES.values()}
    assert {
        "catalog.py",
        "importer.py",
        "writes.py",
        "overview.py",
        "entry.py",
        "dashboard.py",
    } <= files
    assert both("value.empty") == f"{t('value.empty', 'zh')} / {t('value.empty', 'en')}"
