"""Issue 13: 100,000 rows through the mapping step (metrics.intake.check_report: layout
detection, wide to long, units, names) against today's plain template import
(metrics.importer.check_file), on the same synthetic province data.

    python benchmarks/intake.py [--rows 100000] [--repeat 3]

Prints seconds (best of --repeat, wall and CPU, the three run in turns) for: the template CSV read the plain way, the same
CSV through the mapping step, and the same values as a report-shaped wide sheet (a
title line, quarters as columns) through the mapping step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import generate  # noqa: E402
from metrics.catalog import load_catalog  # noqa: E402
from metrics.importer import check_file  # noqa: E402
from metrics.intake import check_report  # noqa: E402


def _best(fns: dict, repeat: int) -> dict[str, tuple[float, float]]:  # type: ignore[type-arg]
    """Best wall and best CPU seconds of each function, run in turns (plain, mapped, wide,
    plain, …) so a change of load from other processes falls on all of them alike."""
    wall = {k: [] for k in fns}
    cpu = {k: [] for k in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[key].append(time.perf_counter() - start)
            cpu[key].append(time.process_time() - start_cpu)
    return {k: (min(wall[k]), min(cpu[k])) for k in fns}


def _wide(csv: bytes) -> bytes:
    """The same values as a bureau's sheet: a title line, one column per quarter."""
    long = pd.read_csv(pd.io.common.BytesIO(csv), dtype=str)
    wide = long.pivot_table(
        index=["指标编码", "地区"], columns="统计期", values="数值", aggfunc="first"
    ).reset_index()
    wide.columns.name = None
    body = wide.to_csv(index=False, lineterminator="\n")
    return ("各县区指标完成情况统计表\n" + body).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        synth = generate(args.rows, Path(folder))
        catalog = load_catalog(synth.catalog_path)
        csv = synth.csv_path.read_bytes()
        wide = _wide(csv)
        checked, _ = check_report(wide, "wide.csv", catalog)
        best = _best(
            {
                "plain": lambda: check_file(csv, "q.csv", catalog),
                "mapped": lambda: check_report(csv, "q.csv", catalog),
                "wide": lambda: check_report(wide, "wide.csv", catalog),
            },
            args.repeat,
        )
        (plain, plain_cpu), (mapped, mapped_cpu), (wide_s, wide_cpu) = best.values()
        result = {
            "rows": synth.rows,
            "wide_values": len(checked.rows) + len(checked.errors),
            "plain_template_s": round(plain, 3),
            "mapping_step_template_s": round(mapped, 3),
            "mapping_step_wide_s": round(wide_s, 3),
            "ratio_template": round(mapped / plain, 2),
            "ratio_wide": round(wide_s / plain, 2),
            # CPU seconds of this process: less moved by other sessions on a shared machine
            "ratio_template_cpu": round(mapped_cpu / plain_cpu, 2),
            "ratio_wide_cpu": round(wide_cpu / plain_cpu, 2),
            "load_average": round(os.getloadavg()[0], 2),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
