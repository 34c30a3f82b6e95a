"""The translation table: every sentence exists in Chinese and in English, with the same
placeholders, so no user ever gets a message in one language only.

The sentences are data (`metrics/locale/*.yaml`): these tests read the files themselves, so a
key written twice, a key in one language only, or a key the code asks for that neither file
holds fails here, without running any page."""

from __future__ import annotations

import re
import string

import pytest

from metrics.i18n import LANGS, LOCALE_DIR, TEXT, both, load_language, t
from tests.conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGE_NEUTRAL = {"app.language"}
FILES = {lang: load_language(lang) for lang in LANGS}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_files_hold_the_same_keys():
    assert set(FILES["zh"]) == set(FILES["en"])
    assert len(FILES["zh"]) > 400


@pytest.mark.parametrize("key", sorted(FILES["zh"]))
def test_each_sentence_is_bilingual_with_the_same_placeholders(key):
    zh, en = FILES["zh"][key], FILES["en"][key]
    assert zh.strip() and en.strip(), key
    words = re.sub(r"\{[^}]*\}", "", zh)
    if re.search(r"[A-Za-z\u4e00-\u9fff]", words):  # not a bare separator or layout
        assert CJK.search(zh) or key in LANGUAGE_NEUTRAL, f"{key}: no Chinese in {zh!r}"
    # The same numbers and names fill both; a name given per language ({zh}/{en}) may differ.
    assert _fields(zh) - {"zh"} == _fields(en) - {"en"}, key


def test_a_key_written_twice_is_refused(tmp_path):
    (tmp_path / "zh.yaml").write_text('a.b: "一"\na.b: "二"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        load_language("zh", tmp_path)


def test_a_non_sentence_is_refused(tmp_path):
    (tmp_path / "en.yaml").write_text("a.b: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="a.b"):
        load_language("en", tmp_path)


def _keys_in_source() -> set[str]:
    """Every literal "group.name" string in the product code whose group is a sentence group."""
    groups = {key.split(".")[0] for key in TEXT}
    found: set[str] = set()
    for folder in ("metrics", "db", "views", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(re.findall(r"\"([a-z_]+\.[a-z0-9_.]+)\"", path.read_text("utf-8")))
    found |= set(re.findall(r"\"([a-z_]+\.[a-z0-9_.]+)\"", (ROOT / "dashboard.py").read_text()))
    return {key for key in found if key.split(".")[0] in groups}


WIDGET_KEYS = {"extract.check", "extract.draft", "extract.editor", "extract.file"}
WIDGET_KEYS |= {"extract.form", "extract.text"}


def test_every_key_the_code_names_exists():
    missing = sorted(_keys_in_source() - set(TEXT) - WIDGET_KEYS)
    assert not missing, f"named in code but in neither {LOCALE_DIR.name}/*.yaml: {missing}"


def test_no_module_adds_sentences_at_import_time():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("metrics", "db", "views", "cli")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"TEXT\.(update|setdefault)\(|TEXT\[[^]]+\]\s*=", path.read_text("utf-8"))
    ]
    assert not offenders


def test_t_and_both():
    assert t("value.empty", "zh") == FILES["zh"]["value.empty"]
    assert t("value.empty", "en") == FILES["en"]["value.empty"]
    assert both("value.empty") == f"{t('value.empty', 'zh')} / {t('value.empty', 'en')}"


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1 row skipped (not data):"), (11, "11 rows skipped (not data):"), (0, "0 rows")],
)
def test_english_counts_of_one_are_singular(n, text):
    assert t("upload.skipped_rows", "en", n=n).startswith(text)
    assert t("upload.skipped_rows", "zh", n=n).startswith(f"跳过 {n} 行")
