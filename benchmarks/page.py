"""Time the overview page in a fresh process, as a newly started dashboard serves it.

    python benchmarks/page.py CATALOG_YAML DATABASE_URL   → one JSON object on stdout

run.py starts this as a child so "cold" means cold: a new interpreter that has loaded
Streamlit (a server has, before its first page view) but none of the project's modules,
no database connection and empty Streamlit caches. dashboard.py is run with
streamlit.testing.v1.AppTest; its default page is the overview.

  overview_start_s        importing streamlit (AppTest): the server's own start
  overview_cold_s         the first run: imports, database open and catalog sync,
                          status of every target, the page drawn
  overview_warm_s         the same session again (a rerun: caches warm)
  overview_new_session_s  a second visitor (new session, warm caches)
  peak_rss_mb             this process's peak resident set size (VmHWM: getrusage's
                          ru_maxrss would also count the parent's pages at the fork)
  cpu_cold_s, cpu_warm_s  the process's CPU time of the first run and of the rerun (on a
                          shared machine the wall time also holds other sessions' work)
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    """This process's own high-water mark of resident memory, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def main(argv: list[str]) -> int:
    catalog, url = argv
    os.environ["METRICS_CONFIG"] = catalog
    os.environ["METRICS_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    start = time.perf_counter()
    from streamlit.testing.v1 import AppTest  # streamlit itself: part of the cold start

    started = time.perf_counter() - start

    script = str(ROOT / "dashboard.py")

    cpu: list[float] = []

    def run(at: AppTest) -> float:
        start, cpu_start = time.perf_counter(), time.process_time()
        at.run(timeout=600)
        elapsed = time.perf_counter() - start
        cpu.append(time.process_time() - cpu_start)
        if at.exception:
            raise RuntimeError(f"overview page raised: {at.exception[0].message}")
        titles = [t.value for t in at.title]
        if not any("总览" in t or "Overview" in t for t in titles):
            raise RuntimeError(f"overview page not rendered (titles: {titles})")
        return elapsed

    at = AppTest.from_file(script, default_timeout=600)
    out = {"overview_start_s": started, "overview_cold_s": run(at), "overview_warm_s": run(at)}
    out["overview_new_session_s"] = run(AppTest.from_file(script, default_timeout=600))
    out["cpu_cold_s"], out["cpu_warm_s"] = cpu[0], cpu[1]
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
