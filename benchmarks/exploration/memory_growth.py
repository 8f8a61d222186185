"""Does RSS grow with the documents scored? (one process, topics only, 100-document steps)

    python benchmarks/exploration/memory_growth.py BACKEND N        # e.g. auto 800, torch 600
    ONEDNN_PRIMITIVE_CACHE_CAPACITY=1024 python benchmarks/exploration/memory_growth.py auto 800

Scores N articles of shared/corpus/unlabeled.jsonl from line 1,000 with the champion, printing
documents done, RSS in MB and seconds after each 100. The predictor caps oneDNN's primitive cache
at 16 entries unless ONEDNN_PRIMITIVE_CACHE_CAPACITY is set (1,024 is oneDNN's default).
"""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.predictor import Predictor  # noqa: E402


def rss_mb() -> int:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) // 1024


def main(backend: str, n_docs: int) -> None:
    with (ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl").open() as handle:
        docs = [json.loads(line) for i, line in enumerate(handle) if 1000 <= i < 1000 + n_docs]
    predictor = Predictor.load(backend=backend, actors=False)
    print("loaded", rss_mb(), flush=True)
    started = time.time()
    for start in range(0, len(docs), 100):
        chunk = [{"id": str(d["id"]), "title": d.get("title"), "text": d["text"]} for d in docs[start : start + 100]]
        predictor.predict(chunk)
        print(start + len(chunk), rss_mb(), round(time.time() - started), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "auto", int(sys.argv[2]) if len(sys.argv) > 2 else 800)
