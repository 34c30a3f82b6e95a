"""Profile the overview page's first render and rerun with pyinstrument, as page.py times them.

    python benchmarks/profile_page.py CATALOG_YAML DATABASE_URL OUT_DIR [--page PATH]

A fresh process (as page.py: Streamlit loaded, nothing of the project) runs dashboard.py
in AppTest three times (first render, rerun, a second visitor). AppTest runs the script in
a thread of its own, so the profiler is started inside that thread: the script run is a
two-line wrapper that starts pyinstrument, runs dashboard.py and stops it. Each run's
profile is written as OUT_DIR/run-N.txt (pyinstrument's text tree; run-N-all.txt with
library frames shown too) and the times printed.
Needs `pip install pyinstrument` (not a project dependency).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WRAPPER = """
import os, runpy
from pyinstrument import Profiler
_p = Profiler(interval=0.001)
_p.start()
try:
    runpy.run_path({script!r}, run_name="__main__")
finally:
    _p.stop()
    _n = int(os.environ.get("PROFILE_RUN", "0"))
    with open(os.path.join({out!r}, f"run-{{_n}}.txt"), "w") as _f:
        _f.write(_p.output_text(unicode=True, color=False, show_all=False))
    with open(os.path.join({out!r}, f"run-{{_n}}-all.txt"), "w") as _f:
        _f.write(_p.output_text(unicode=True, color=False, show_all=True))
"""


def main(argv: list[str]) -> int:
    catalog, url, out = argv[:3]
    os.environ["METRICS_CONFIG"] = catalog
    os.environ["METRICS_DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    Path(out).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    times = {"start_s": time.perf_counter() - start}
    wrapper = ROOT / ".profile_page_wrapper.py"  # beside dashboard.py: pages resolve from it
    wrapper.write_text(
        WRAPPER.format(script=str(ROOT / "dashboard.py"), out=str(Path(out).resolve())), "utf-8"
    )
    try:
        at = AppTest.from_file(str(wrapper), default_timeout=900)
        for n, label in enumerate(("cold", "warm")):
            os.environ["PROFILE_RUN"] = str(n)
            t0 = time.perf_counter()
            at.run(timeout=900)
            times[f"{label}_s"] = time.perf_counter() - t0
            if at.exception:
                raise RuntimeError(at.exception[0].message)
        os.environ["PROFILE_RUN"] = "2"
        t0 = time.perf_counter()
        AppTest.from_file(str(wrapper), default_timeout=900).run(timeout=900)
        times["new_session_s"] = time.perf_counter() - t0
    finally:
        wrapper.unlink(missing_ok=True)
    import resource

    times["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(times))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
