"""A board over SSH against this host: repeatability, agreement and the cost of going remote.

Usage: python benchmarks/remote_board.py [--samples N] [--out-dir DIR] [--board ssh://...]

Without ``--board`` the board is this host itself behind a real OpenSSH server on loopback
(the ``LoopbackBoard`` of tests/conftest.py: its own host key, one authorised key, and a board
Python holding only numpy and onnxruntime, ``.venv-board``). The same N NAS-Bench-201 cells
(default build, seed 0) are measured three times, each into its own results file:

1. on the board (``cpu-ort-t1-b1``), a first full run: every network exported here, copied
   to the board's empty cache and timed there;
2. on the board again, independently (a second file, the cache now warm);
3. on this host with ``cpu-ort-t1-b1``, the same runtime in process.

It prints, and writes to ``DIR/summary.json``, the SRCC between the two board runs (the
repeatability of remote measurement), between the board and this host, and the wall time
per architecture of each run, with the ratio remote / local.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from oneproxy_plugins.measure import measure_archs
from oneproxy_plugins.monotonicity import srcc
from oneproxy_plugins.spaces import get_space

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", type=Path, default=Path("remote-board-bench"))
    parser.add_argument("--board", help="an ssh:// board (default: a loopback board)")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)

    space = get_space("nasbench201")
    archs = [space.to_id(a) for a in space.sample_many(args.samples, args.seed)]
    loopback = None
    if args.board is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import BOARD_PYTHON, LoopbackBoard

        loopback = LoopbackBoard(Path(tempfile.mkdtemp(prefix="board-")), str(BOARD_PYTHON))
        board = loopback.device("board")
    else:
        board = args.board
    runs = {}
    try:
        for name, device in (("board-1", board), ("board-2", board), ("local", "cpu-ort-t1-b1")):
            start = time.perf_counter()
            run = measure_archs(space, archs, device, out=args.out_dir / f"{name}.csv",
                                resume=True)
            seconds = time.perf_counter() - start
            runs[name] = {"latency": run.table().values[:, 0], "seconds": seconds,
                          "measured": run.n_measured}
            print(f"{name}: {run.summary()}", flush=True)
    finally:
        if loopback is not None:
            loopback.stop()
    per_arch = {n: r["seconds"] / max(r["measured"], 1) for n, r in runs.items()}
    summary = {
        "samples": len(archs),
        "srcc_board_vs_board": srcc(runs["board-1"]["latency"], runs["board-2"]["latency"]),
        "srcc_board_vs_local": srcc(runs["board-1"]["latency"], runs["local"]["latency"]),
        "seconds_per_arch": per_arch,
        "ratio_remote_first_to_local": per_arch["board-1"] / per_arch["local"],
        "ratio_remote_warm_to_local": per_arch["board-2"] / per_arch["local"],
    }
    (args.out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()
