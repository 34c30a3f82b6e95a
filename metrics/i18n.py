"""The one translation table: every user-facing sentence, in Chinese and English.

The sentences are data (`metrics/locale/zh.yaml`, `en.yaml`), read once when this module is
first imported, so every key exists whichever module asks first and a duplicate key is an
error instead of silently replacing another. Code refers to a sentence by key; `t()` gives one
language (the dashboard), `both()` gives "中文 / English" (CLI output, import reports, stored
messages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

LANGS = ("zh", "en")
LOCALE_DIR = Path(__file__).with_name("locale")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_Loader):  # type: ignore[misc, valid-type]
    """A YAML loader that refuses a key written twice in one mapping."""

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValueError(f"{node.start_mark.name}: key {key!r} appears twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_language(lang: str, directory: Path = LOCALE_DIR) -> dict[str, str]:
    """One language's sentences, key → sentence, refusing duplicate keys and non-text values."""
    path = directory / f"{lang}.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    bad = [key for key, value in data.items() if not isinstance(value, str)]
    if bad:
        raise ValueError(f"{path}: not a sentence: {', '.join(map(str, bad))}")
    return data


def _load() -> Mapping[str, tuple[str, str]]:
    zh, en = (load_language(lang) for lang in LANGS)
    missing = sorted(set(zh) ^ set(en))
    if missing:
        raise ValueError(f"{LOCALE_DIR}: keys in one language only: {', '.join(missing)}")
    return MappingProxyType({key: (zh[key], en[key]) for key in zh})


TEXT: Mapping[str, tuple[str, str]] = _load()


# English counts are written plural in the table ("{n} rows"); a count of one takes the
# singular, so "1 rows skipped" reads "1 row skipped" (Chinese has no plural).
_ONE_RE = re.compile(
    r"(?<![\d.,])1 (row|value|cell|item|target|indicator|file|account|sheet|problem|warning)s\b"
)


def t(key: str, lang: str = "zh", /, **kwargs: object) -> str:
    """One sentence in one language, with its placeholders filled."""
    zh, en = TEXT[key]
    if lang != "en":
        return zh.format(**kwargs)
    return _ONE_RE.sub(r"1 \1", en.format(**kwargs))


def both(key: str, /, **kwargs: object) -> str:
    """The sentence in Chinese then English, for output read by either."""
    return f"{t(key, 'zh', **kwargs)} / {t(key, 'en', **kwargs)}"


#: Times are stored in UTC; the readers are in China and read them in Beijing time.
DISPLAY_TZ = "Asia/Shanghai"


def local_times(values: pd.Series) -> pd.Series:
    """Stored (UTC) times as Beijing-time text, 2024-10-08 16:05; — where there is none
    (pages and commands show times this way)."""
    import pandas as pd

    stamps = pd.to_datetime(values, errors="coerce")
    if stamps.dt.tz is None:
        stamps = stamps.dt.tz_localize("UTC")
    text = stamps.dt.tz_convert(DISPLAY_TZ).dt.strftime("%Y-%m-%d %H:%M")
    return text.where(stamps.notna(), "—")


def when(value: object) -> str:
    """One stored time as local_times shows it."""
    import pandas as pd

    return str(local_times(pd.Series([value])).iloc[0])
