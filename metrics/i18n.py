"""The one translation table: every user-facing sentence, in Chinese and English.

Code refers to a sentence by key; `t()` gives one language (the dashboard),
`both()` gives "中文 / English" (CLI output, import reports, stored messages).
"""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # --- periods and values (import, entry) ---
    "period.empty": (
        "统计期为空，请填写如 2024Q3 的统计期",
        "The period is empty: enter one such as 2024Q3",
    ),
    "period.invalid": (
        "无法识别的统计期“{raw}”，请写成 2024Q3、2024年第三季度、2024-09-30 或 2024年",
        "Unrecognised period “{raw}”: write it as 2024Q3, 2024年第三季度, 2024-09-30 or 2024",
    ),
    "value.empty": ("数值为空，请填写数值", "The value is empty: enter a number"),
    "value.invalid": (
        "无法识别的数值“{raw}”，请写成 1234、1,234、6.5万 或 35%",
        "Unrecognised value “{raw}”: write it as 1234, 1,234, 6.5万 or 35%",
    ),
    "value.not_finite": ("数值“{raw}”不是有限数", "The value “{raw}” is not a finite number"),
    "value.unit_mismatch": (
        "数值“{raw}”的单位与指标单位“{unit}”不符，请按“{unit}”填写",
        "The unit in “{raw}” does not match the indicator's unit “{unit}”: enter it in {unit}",
    ),
    "value.percent_not_allowed": (
        "数值“{raw}”带有%，但指标单位是“{unit}”",
        "The value “{raw}” has a % sign but the indicator's unit is “{unit}”",
    ),
    "value.percent_range": (
        "百分比须在0到100之间，实际为{value}",
        "A percentage must be between 0 and 100; got {value}",
    ),
    "value.negative": (
        "数值不能为负数，实际为{value}",
        "The value cannot be negative; got {value}",
    ),
}


def t(key: str, lang: str = "zh", /, **kwargs: object) -> str:
    """One sentence in one language, with its placeholders filled."""
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**kwargs)


def both(key: str, /, **kwargs: object) -> str:
    """The sentence in Chinese then English, for output read by either."""
    return f"{t(key, 'zh', **kwargs)} / {t(key, 'en', **kwargs)}"
