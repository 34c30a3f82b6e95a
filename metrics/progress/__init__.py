"""The progress engine and what is built on it, one module per concern:

- `engine`: `evaluate`, the one status computation (docs/method.md);
- `prepare`: the observations it judges ("coarser period wins, counties summed");
- `stages`: the catalog as arrays and the planned path through its stages;
- `series`: chart series (`trajectory`, `projection_line`, `actual_series`);
- `rollup`: status counts per plan, city, region, domain or unit;
- `attention`: what needs attention (missed, off track, due within `DUE_DAYS`);
- `wording`: `status_label` and `explain`.

Callers import from `metrics.progress`; the names below are its public interface.
"""

from metrics.progress.attention import ATTENTION_LISTS, DUE_DAYS, due_soon, needs_attention
from metrics.progress.common import (
    COLUMNS,
    EQ_TOLERANCE,
    EXTRA_COLUMNS,
    OBSERVATION_COLUMNS,
    STATUS_COLORS,
    STATUS_ORDER,
)
from metrics.progress.engine import evaluate
from metrics.progress.rollup import ROLLUP_KEYS, rollup
from metrics.progress.series import actual_series, projection_line, trajectory
from metrics.progress.wording import explain, status_label

__all__ = [
    "ATTENTION_LISTS",
    "COLUMNS",
    "DUE_DAYS",
    "EQ_TOLERANCE",
    "EXTRA_COLUMNS",
    "OBSERVATION_COLUMNS",
    "ROLLUP_KEYS",
    "STATUS_COLORS",
    "STATUS_ORDER",
    "actual_series",
    "due_soon",
    "evaluate",
    "explain",
    "needs_attention",
    "projection_line",
    "rollup",
    "status_label",
    "trajectory",
]
