"""Which cells should targets adapted together measure? `search_guard.py` with the bench's
per-target chooser seed replaced.

`oneproxy bench search` seeds each target's sample chooser with `target_seed(seed, target)`
(`oneproxy_plugins.sampling`), so targets measure different cells. This script runs
`benchmarks/search_guard.py` (same arguments) with one of two other rules:

- `--same`: every target's chooser gets the run's seed, so every target measures the same
  cells (what one seed for all gives: a measurement campaign, or `adapt_target` before it
  seeded by the target's name);
- `--exclude-taken`: the per-target seed, and each target chooses among the cells that no
  target before it measured in that run.

Usage: python benchmarks/search_cells.py --same|--exclude-taken DATA_DIR OUT_DIR [GUARD ...]
           [search_guard.py's options]
Use an OUT_DIR of its own: the result files are named as search_guard.py names them.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np

import oneproxy_plugins.bench.search as bench_search
from oneproxy_plugins.sampling import select_front_samples

RULES = ("--same", "--exclude-taken")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in RULES:
        sys.exit(__doc__)
    rule, args = sys.argv[1], sys.argv[2:]
    taken: set[str] = set()  # the cells the targets of this run measured so far
    run = bench_search.run_search_bench

    def run_search_bench(*a, **k):
        taken.clear()
        return run(*a, **k)

    def choose(pool, k, metric, *, candidates, random_state):
        keep = [i for i, c in enumerate(candidates) if c not in taken]
        chosen = select_front_samples(pool, k, np.asarray(metric)[keep],
                                      candidates=[candidates[i] for i in keep],
                                      random_state=random_state)
        taken.update(chosen)
        return chosen

    bench_search.run_search_bench = run_search_bench
    if rule == "--same":
        bench_search.target_seed = lambda seed, target: seed
    else:
        bench_search.select_front_samples = choose
    sys.argv = ["search_guard.py", *args]
    runpy.run_path(str(Path(__file__).with_name("search_guard.py")), run_name="__main__")


if __name__ == "__main__":
    main()
