"""Crash and resume with a real model (issue 5): kill -9 a ``stancewatch score`` run mid-way, rerun, count ids.

python benchmarks/resume_check.py [--model URI] [--docs 120] [--part-size 10] [--kill-after 30]

Writes DOCS articles spread over ../shared/corpus/unlabeled.jsonl to a scratch JSONL, starts ``stancewatch
score`` on it, sends SIGKILL once the manifest shows KILL_AFTER committed records, reruns the same command,
and counts the output's ids (rows, distinct, missing, extra).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.spark_parity import spread_docs  # noqa: E402


def committed(out: Path) -> int:
    try:
        return int(json.loads((out / "_manifest.json").read_text())["scored"])
    except (OSError, ValueError, KeyError):
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--docs", type=int, default=120)
    parser.add_argument("--part-size", type=int, default=10)
    parser.add_argument("--kill-after", type=int, default=30)
    args = parser.parse_args()
    import pyarrow.dataset as ds

    with tempfile.TemporaryDirectory() as scratch:
        source, out = Path(scratch) / "in.jsonl", Path(scratch) / "out"
        docs = spread_docs(args.docs)
        source.write_text("".join(json.dumps(d) + "\n" for d in docs))
        command = [str(Path(sys.executable).parent / "stancewatch"), "score", str(source), "-o", str(out)]
        command += ["--model", args.model, "--part-size", str(args.part_size), "--quiet"]
        run = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
        while committed(out) < args.kill_after and run.poll() is None:
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
        run.wait()
        at_kill = committed(out)
        rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        resumed = [line for line in rerun.stderr.splitlines() if "resum" in line]
        ids = ds.dataset(out, format="parquet").to_table(columns=["id"]).column("id").to_pylist()
        expected = {d["id"] for d in docs}
        print(f"killed with {at_kill} records committed; rerun said: {resumed[:1]}")
        missing, extra = len(expected - set(ids)), len(set(ids) - expected)
        print(f"rows {len(ids)}, distinct {len(set(ids))}, missing {missing}, extra {extra}")


if __name__ == "__main__":
    main()
