"""Converting a value written in one unit (a 单位 column, "完成值（个）") into its
indicator's catalog unit: 51200 个 is 5.12 万个, never 51200 万个.

Only a change of magnitude within the same base (个/万个, 人次/万人次, 元/亿元) is a
conversion; anything else (个 into %, 人 into 户) cannot be converted and the row is
refused, naming both units.
"""

from __future__ import annotations

from metrics.values import _normalise, _split_unit

_SAME = {"%": "%", "百分比": "%", "百分点": "%"}


def _parts(unit: str) -> tuple[int, str]:
    multiplier, base = _split_unit(_SAME.get(_normalise(unit), unit))
    return multiplier, _SAME.get(base, base)


def conversion(given: str, target: str) -> tuple[int, int] | None:
    """(numerator, denominator) turning a value in `given` into `target` units
    (value * numerator / denominator, exact for integers), or None when the units differ
    in kind. A blank given unit means the indicator's own."""
    given = _normalise(given or "")
    if not given or given == _normalise(target or ""):
        return 1, 1
    g_mult, g_base = _parts(given)
    t_mult, t_base = _parts(target or "")
    if g_base and g_base != t_base:
        return None
    return g_mult, t_mult


def same_unit(given: str, target: str) -> bool:
    return conversion(given, target) == (1, 1)
