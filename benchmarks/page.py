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
  peak_rss_mb             this process's peak resident set size
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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

    def run(at: AppTest) -> float:
        start = time.perf_counter()
        at.run(timeout=600)
        elapsed = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"overview page raised: {at.exception[0].message}")
        titles = [t.value for t in at.title]
        if not any("总览" in t or "Overview" in t for t in titles):
            raise RuntimeError(f"overview page not rendered (titles: {titles})")
        return elapsed

    at = AppTest.from_file(script, default_timeout=600)
    out = {"overview_start_s": started, "overview_cold_s": run(at), "overview_warm_s": run(at)}
    out["overview_new_session_s"] = run(AppTest.from_file(script, default_timeout=600))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
