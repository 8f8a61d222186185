"""`stancewatch score` with 1 and with N worker processes on the same file, side by side in one run.

    python benchmarks/exploration/score_workers.py INPUT.jsonl [--workers 1 2] [--part-size 64]

Prints, per setting, the wall time (start-up included), documents per second and the peak memory of
the whole process tree (summed PSS, summed RSS, largest single RSS; same sampler as
benchmarks/batch.py), and checks that every setting wrote the same ids in the same order.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch import run_child  # noqa: E402


def ids(out: Path) -> list[str]:
    import pyarrow.parquet as pq

    parts = sorted(out.glob("part-*.parquet"))
    return [i for p in parts for i in pq.read_table(p, columns=["id"]).column(0).to_pylist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("input", type=Path)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--part-size", type=int, default=64)
    args = parser.parse_args()
    docs = sum(1 for _ in args.input.open())
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            out = Path(tmp) / f"w{workers}"
            cmd = [str(Path(sys.executable).parent / "stancewatch"), "score", str(args.input), "-o", str(out)]
            cmd += ["--quiet", "--workers", str(workers), "--part-size", str(args.part_size)]
            wall, memory, _ = run_child(cmd)
            row = {"workers": workers, "docs": docs, "seconds": round(wall, 1), "docs_per_s": round(docs / wall, 2)}
            print(json.dumps(row | memory), flush=True)
            written.append(ids(out))
    print("same ids in the same order:", all(w == written[0] for w in written))


if __name__ == "__main__":
    main()
