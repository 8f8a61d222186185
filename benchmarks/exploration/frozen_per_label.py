"""Per-label look at frozen-MiniLM heads: which pooling of the frozen window embeddings transfers best?

python benchmarks/exploration/frozen_per_label.py [--cache FILE.npz] [--report-test] [--window 128 96] [--poolings mean]

The frozen first-window baseline transfers best to held-out EUvsDisinfo (its `foreign_interference`
claims), while the fine-tuned default wins on dev. Before building a per-label hybrid this measures,
for every pooling of the frozen encoder's windows (first, mean, max, first+mean, first+max, and the
first-window head applied to every window then max-pooled), per-label F1 on dev and on each
leave-one-source-out fold (train/dev without source S, thresholds on that dev, score all of S), in the
protocol of `benchmarks/topics.py`. The test split is not read unless `--report-test`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from serving.encoder import TorchEncoder, resolve_encoder  # noqa: E402
from serving.windows import WindowSpec, tokenize_windows  # noqa: E402
from topics import LOSO_SOURCES, loso_scores, prefix  # noqa: E402
from training.baselines import fit_head  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.metrics import report, tune_thresholds  # noqa: E402

POOLINGS = ("first", "mean", "max", "firstmean", "firstmax", "first_head_max")


def embed(cache: Path, texts: list[str], spec: WindowSpec) -> tuple[np.ndarray, np.ndarray]:
    if cache.exists():
        data = np.load(cache)
        return data["vectors"], data["owners"]
    encoder = TorchEncoder(resolve_encoder("minilm"))
    windows, owners = tokenize_windows(encoder.tokenizer, texts, spec)
    vectors = encoder.encode(windows)
    np.savez(cache, vectors=vectors, owners=np.asarray(owners))
    return vectors, np.asarray(owners)


def features(vectors: np.ndarray, owners: np.ndarray, docs: np.ndarray, how: str) -> np.ndarray:
    rows = []
    for doc in docs:
        w = vectors[owners == doc]
        parts = {"first": [w[0]], "mean": [w.mean(0)], "max": [w.max(0)], "firstmean": [w[0], w.mean(0)],
                 "firstmax": [w[0], w.max(0)]}[how]
        rows.append(np.concatenate(parts))
    return np.stack(rows)


def probabilities(vectors, owners, train_docs, y_train, docs, how, labels):  # type: ignore[no-untyped-def]
    if how != "first_head_max":
        head = fit_head(features(vectors, owners, train_docs, how), y_train, labels, 10.0, 13)
        return lambda d: head.predict_proba(features(vectors, owners, d, how))
    head = fit_head(features(vectors, owners, train_docs, "first"), y_train, labels, 10.0, 13)
    return lambda d: np.stack([head.predict_proba(vectors[owners == doc]).max(0) for doc in d])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=None, help="default /tmp/frozen_windows[_LENGTH_STRIDE].npz")
    parser.add_argument("--window", type=int, nargs=2, default=[256, 192], metavar=("LENGTH", "STRIDE"))
    parser.add_argument("--poolings", nargs="+", default=list(POOLINGS), choices=POOLINGS)
    parser.add_argument("--report-test", action="store_true")
    parser.add_argument("--hybrid", nargs=2, metavar=("LABEL", "POOLING"), help="also score the champion with LABEL from a frozen POOLING head")
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--skip-loso", action="store_true")
    args = parser.parse_args()
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    labels = corpus.labels
    arts = [a for s in ("train", "dev", "test") for a in corpus.splits[s]]
    split = np.array([s for s in ("train", "dev", "test") for _ in corpus.splits[s]])
    y = np.array([[int(lb in a.topics) for lb in labels] for a in arts])
    src = np.array([prefix(a.id) for a in arts])
    spec = WindowSpec(*args.window)
    suffix = "" if args.window == [256, 192] else f"_{args.window[0]}_{args.window[1]}"
    vectors, owners = embed(args.cache or Path(f"/tmp/frozen_windows{suffix}.npz"), [a.full_text() for a in arts], spec)
    idx = np.arange(len(arts))
    if args.hybrid:
        hybrid(args, corpus, arts, split, y, vectors, owners)
    for how in [] if args.skip_loso else args.poolings:
        tr, dv = idx[split == "train"], idx[split == "dev"]
        predict = probabilities(vectors, owners, tr, y[tr], None, how, labels)
        thr = tune_thresholds(y[dv], predict(dv))
        dev = report(y[dv], predict(dv), thr, labels)
        line = f"{how:15s} dev " + " ".join(f"{lb[:8]} {dev[f'{lb}_f1']:.3f}" for lb in labels)
        line += f" macro {dev['macro_f1']:.3f}"
        if args.report_test:
            te = idx[split == "test"]
            line += f" | test macro {report(y[te], predict(te), thr, labels)['macro_f1']:.3f}"
        print(line, flush=True)
        for source in LOSO_SOURCES:
            keep = src != source
            tr, dv, held = idx[keep & (split == "train")], idx[keep & (split == "dev")], idx[~keep]
            predict = probabilities(vectors, owners, tr, y[tr], None, how, labels)
            thr = tune_thresholds(y[dv], predict(dv))
            scores = loso_scores(y[held], predict(held), thr, labels)
            per = " ".join(f"{k[:-3][:8]} {v:.3f}" for k, v in scores.items() if k.endswith("_f1") and k != "micro_f1")
            print(f"{'':15s} loso {source:6s} micro {scores['micro_f1']:.3f} fp {scores['fp_rate']:.3f} {per}", flush=True)


def hybrid(args, corpus, arts, split, y, vectors, owners) -> None:  # type: ignore[no-untyped-def]
    """The champion's probabilities with one label's column from a frozen head; thresholds re-tuned on dev."""
    import json

    from serving.predictor import Predictor

    label, how = args.hybrid
    labels = corpus.labels
    j = labels.index(label)
    predictor = Predictor.load(args.model, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", actors=False)
    idx = np.arange(len(arts))
    tr = idx[split == "train"]
    frozen = probabilities(vectors, owners, tr, y[tr], None, how, labels)
    splits = ["dev", "test"] if args.report_test else ["dev"]
    probs = {}
    for s in splits:
        d = idx[split == s]
        champion = predictor.predict_proba([arts[i].full_text() for i in d]).probabilities
        mixed = champion.copy()
        mixed[:, j] = frozen(d)[:, j]
        probs[s] = (champion, mixed)
    dv = idx[split == "dev"]
    for k, name in enumerate(("champion", f"hybrid {label}<-frozen {how}")):
        thr = tune_thresholds(y[dv], probs["dev"][k])
        line = f"{name:40s} thresholds {[round(t, 2) for t in thr]}"
        for s in splits:
            r = report(y[idx[split == s]], probs[s][k], thr, labels)
            line += f" | {s} " + " ".join(f"{lb[:8]} {r[f'{lb}_f1']:.3f}" for lb in labels) + f" macro {r['macro_f1']:.3f}"
        print(line, flush=True)
    seed = json.loads((ROOT / "data" / "seed_example.json").read_text())
    from serving.schema import join_title

    text = join_title(seed.get("title"), seed["text"])
    encoder = TorchEncoder(resolve_encoder("minilm"))
    windows, _ = tokenize_windows(encoder.tokenizer, [text], WindowSpec(256, 192))
    seed_vectors = encoder.encode(windows)
    all_vectors = np.concatenate([vectors, seed_vectors])
    all_owners = np.concatenate([owners, np.full(len(windows), len(arts))])
    seed_frozen = probabilities(all_vectors, all_owners, tr, y[tr], None, how, labels)(np.array([len(arts)]))
    print(f"seed article: champion {predictor.predict_proba([text]).probabilities[0].round(3)}, frozen {how} {seed_frozen[0].round(3)}")


if __name__ == "__main__":
    main()
