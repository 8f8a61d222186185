"""Scratch: peak memory and time of the stance scorer alone, per backend, with ONNX Runtime's arena on or off.

python benchmarks/exploration/stance_memory.py BACKEND [--arena] [--model models:/stancewatch/7]

Loads the package's stance scorer with BACKEND (torch-bf16, onnx-fp32, ...) and scores 60 batches of 1-32 pairs
whose contexts are 5-180 words of the corpus (fixed random draws), as a corpus run sends them; prints the RSS
before and after loading, the peak RSS (MB) and the seconds. ``--arena`` turns ONNX Runtime's CPU memory arena
back on (the product turns it off, ``serving/onnx_backend.py: onnx_session``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.package import find_package  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from serving.stance import STANCE_DIR, StanceScorer  # noqa: E402


def rss_mb() -> int:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) // 1024


def with_arena() -> None:
    import onnxruntime as ort

    original = ort.InferenceSession

    def session(path: str, options: ort.SessionOptions, **kwargs: object) -> ort.InferenceSession:
        options.enable_cpu_mem_arena = True
        return original(path, options, **kwargs)

    ort.InferenceSession = session  # type: ignore[misc,assignment]


def main(args: argparse.Namespace) -> None:
    if args.arena:
        with_arena()
    local, _ = resolve_model(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    before = rss_mb()
    scorer = StanceScorer(find_package(Path(local)) / STANCE_DIR, backend=args.backend)
    loaded = rss_mb()
    rng = random.Random(0)
    words = (ROOT / "data" / "articles.jsonl").read_text().split()[:200000]
    started, peak = time.perf_counter(), loaded
    for _ in range(60):
        starts = rng.sample(range(100000), rng.randint(1, 32))
        pairs = [
            ("Russia. The state should control the internet.", " ".join(words[j : j + rng.randint(5, 180)]))
            for j in starts
        ]
        scorer.predict_proba(pairs)
        peak = max(peak, rss_mb())
    seconds = round(time.perf_counter() - started, 1)
    print(
        json.dumps(
            {
                "backend": args.backend,
                "arena": args.arena,
                "rss_before": before,
                "rss_loaded": loaded,
                "rss_peak": peak,
                "seconds": seconds,
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("backend")
    parser.add_argument("--arena", action="store_true")
    parser.add_argument("--model", default="models:/stancewatch/7")
    main(parser.parse_args())
