"""Batch-scoring benchmark on the unlabelled corpus, side by side in one run.

    python benchmarks/batch.py [--docs 1000] [--naive-docs N] [--model models:/stancewatch@champion]

1. naive baseline: the same registered model, one document at a time through the torch fp32 predictor
   (no cross-document batching, no fast backend), in a child process;
2. `stancewatch score` (backend `auto`, batching, dedup, committed parts; `--workers N` passed on) on
   the same documents, also a child process; then the test-split macro-F1 of each backend against the
   torch path. Peak memory is sampled over each child's whole process tree (worker processes
   included): summed PSS, which counts a page shared by forked workers once, and summed RSS.
With --naive-docs N (< --docs) the naive loop runs on the first N documents only (the whole corpus
would take it over an hour on 2 cores) while `score` runs all --docs; both rates are reported, but
the corpus is ordered by source (long IFF posts first), so only --spread gives a fair ratio.
With --spread the --docs documents are spread evenly over the whole corpus (every k-th line) instead
of being its first lines, and the --naive-docs ones evenly over those, so each sample has the
corpus's mix of sources and lengths: `--docs 7075 --naive-docs 300 --spread` scores the whole corpus
and times the naive loop on every 23rd article.
Writes benchmarks/out/batch.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl"
NAIVE = """
import json, sys, time
from serving.predictor import Predictor
p = Predictor.load(sys.argv[1], tracking_uri=sys.argv[2], backend="torch")
docs = [json.loads(l) for l in open(sys.argv[3])]
t = time.time()
for d in docs:
    p.predict({"id": str(d.get("id")), "title": d.get("title") or None, "text": d["text"]})
print(json.dumps({"seconds": time.time() - t, "docs": len(docs)}))
"""


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process; PSS counts pages shared with other processes once in all."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def run_child(cmd: list[str]) -> tuple[float, dict[str, float], str]:
    """Run a command; (wall seconds, peak memory of its whole process tree in MB, stdout).

    Memory is sampled every 0.2 s over the command and all its descendants (worker processes): the peak
    of their summed PSS (each shared page counted once; the memory the run costs the machine) and of
    their summed RSS (shared pages counted in every process that maps them), plus the largest RSS of a
    single process.
    """
    started = time.time()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err)
        peak = {"pss_mb": 0.0, "rss_sum_mb": 0.0, "rss_max_process_mb": 0.0}
        while proc.poll() is None:
            sizes = [_memory_kb(pid) for pid in _tree(proc.pid)]
            peak["pss_mb"] = max(peak["pss_mb"], sum(p for _, p in sizes) / 1024)
            peak["rss_sum_mb"] = max(peak["rss_sum_mb"], sum(r for r, _ in sizes) / 1024)
            peak["rss_max_process_mb"] = max(peak["rss_max_process_mb"], max(r for r, _ in sizes) / 1024)
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if proc.returncode != 0:
        sys.exit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{errors[-2000:]}")
    return time.time() - started, {k: round(v, 1) for k, v in peak.items()}, text


def test_f1(model: str, tracking_uri: str) -> dict[str, float]:
    import numpy as np

    from serving.predictor import Predictor
    from training.data import build_corpus
    from training.metrics import report
    from training.stance_eval import predicted_triplets, triplet_scores
    from training.stance_tune import gold_triplets

    scores = {}
    corpus = None
    for backend in ("torch", "auto"):
        p = Predictor.load(model, tracking_uri=tracking_uri, backend=backend)
        corpus = corpus or build_corpus(ROOT / "data" / "articles.jsonl", p.labels)
        probs = p.predict_proba(corpus.texts("test")).probabilities
        scores[backend] = report(np.asarray(corpus.targets("test")), probs, p.manifest.thresholds, p.labels)["macro_f1"]
        scores["onnx_variant"] = p.manifest.extra.get("onnx_variant", "torch")  # type: ignore[assignment]
        if p.actor_stance is not None:  # the end-to-end triplet F1 of the same path
            test = corpus.splits["test"]
            docs = [{"id": a.id, "title": a.title, "text": a.text} for a in test]
            predicted = [predicted_triplets(x) for x in p.predict(docs)]
            f1 = triplet_scores(predicted, [gold_triplets(a) for a in test])["f1"]
            scores[f"{backend}_test_triplet_f1"] = f1
            scores["stance_variant"] = p.actor_stance.scorer.settings.onnx_variant  # type: ignore[assignment]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--tracking-uri", default=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--docs", type=int, default=1000, help="documents for the side-by-side comparison")
    parser.add_argument("--spread", action="store_true", help="every k-th document instead of the first --docs")
    parser.add_argument("--naive-docs", type=int, default=None, help="naive loop on the first N only")
    parser.add_argument("--workers", type=int, default=1, help="stancewatch score --workers")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "batch.json")
    args = parser.parse_args()
    if not args.corpus.is_file():
        sys.exit(f"{args.corpus} not found: pass --corpus with a JSONL file of articles")
    work = ROOT / "benchmarks" / "out" / "batch-work"
    work.mkdir(parents=True, exist_ok=True)
    subset, naive_subset = work / "subset.jsonl", work / "naive_subset.jsonl"
    naive_docs = min(args.naive_docs or args.docs, args.docs)
    total = sum(1 for _ in args.corpus.open())
    step = max(1, total // args.docs) if args.spread else 1
    naive_step = max(1, min(args.docs, total // step) // naive_docs) if args.spread else 1
    with args.corpus.open() as src, subset.open("w") as dst, naive_subset.open("w") as naive_dst:
        kept = 0
        for i, line in enumerate(src):
            if kept == args.docs:
                break
            if i % step:
                continue
            dst.write(line)
            if kept % naive_step == 0 and kept // naive_step < naive_docs:
                naive_dst.write(line)
            kept += 1
    args.docs = sum(1 for _ in subset.open())
    env_note = {"cpus": os.cpu_count()}
    _, memory, out = run_child([sys.executable, "-c", NAIVE, args.model, args.tracking_uri, str(naive_subset)])
    naive = json.loads(out.strip().splitlines()[-1]) | {"peak_memory": memory}
    naive["docs_per_s"] = round(naive["docs"] / naive["seconds"], 2)
    out_dir = work / "scored"
    wall, memory, _ = run_child(
        [
            str(Path(sys.executable).parent / "stancewatch"),
            "score",
            str(subset),
            "-o",
            str(out_dir),
            "--model",
            args.model,
            "--tracking-uri",
            args.tracking_uri,
            "--overwrite",
            "--quiet",
            "--workers",
            str(args.workers),
        ]
    )
    fast = {"docs": args.docs, "workers": args.workers, "seconds": round(wall, 2), "peak_memory": memory}
    fast["docs_per_s"] = round(fast["docs"] / fast["seconds"], 2)
    results = {
        "machine": env_note,
        "naive_one_at_a_time_torch": naive,
        "stancewatch_score": fast,
        "speedup": round(fast["docs_per_s"] / naive["docs_per_s"], 2),
        "test_macro_f1": test_f1(args.model, args.tracking_uri),
    }
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
