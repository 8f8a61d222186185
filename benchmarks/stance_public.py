"""Public stance benchmarks for stancewatch's stance architecture (issue 3), each with its official metric.

    python benchmarks/stance_public.py [--data ../shared/benchmarks] [--max-train 3000] [--epochs 3]
    make bench-stance

The stance cross-encoder of ``make train`` (serving/stance.py, trained by training/stance.py with the
same optimiser settings as configs/default.yaml) is trained per data set on its train split (capped at
``--max-train`` examples, drawn with a fixed seed, to fit a 2-core CPU) and scored on val and test;
a TF-IDF + logistic-regression baseline runs beside it on the same pairs. VAST and FNC-1 have no train
split here: they are scored zero-shot by one model trained on the union of the three train sets
(positive/negative sentiment read as favor/against). For FNC-1 "unrelated" is decided without labels: a
two-component Gaussian mixture on the headline-body cosine similarity of the frozen MiniLM embeddings
(TF-IDF cosine for the baseline); related pairs get favor->agree, against->disagree, else discuss.
Writes benchmarks/out/stance_public.json. Nothing here is chosen on a test split.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from stance_data_public import Split, fnc1, newsmtsc, pstance, semeval, vast  # noqa: E402

from serving.backends import cpu_has_bf16  # noqa: E402
from serving.encoder import default_encoder_path  # noqa: E402
from serving.stance import StanceScorer, StanceSettings  # noqa: E402
from training.stance import StanceTraining, tfidf_baseline, train_stance  # noqa: E402


def f1s(gold: list[str], pred: list[str], labels: list[str]) -> float:
    return float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))


class Trained:
    """A stance model trained on one Split, plus the TF-IDF baseline on the same pairs."""

    def __init__(self, name: str, train: Split, labels: list[str], max_length: int, args: argparse.Namespace) -> None:
        started = time.time()
        self.train, self.labels = train, labels
        settings = StanceSettings(labels=labels, max_length=max_length)
        training = StanceTraining(epochs=args.epochs, bf16=cpu_has_bf16(), seed=args.seed)
        self.dir = Path(args.work) / name
        train_stance(default_encoder_path(), train.pairs, train.labels, settings, training, self.dir)
        self.scorer = StanceScorer(self.dir)
        self.seconds = round(time.time() - started, 1)
        print(f"[bench] {name}: trained on {len(train)} pairs in {self.seconds} s", flush=True)

    def model(self, split: Split) -> list[str]:
        probs = self.scorer.predict_proba(split.pairs, batch_size=64)
        return [self.labels[i] for i in probs.argmax(axis=1)]

    def tfidf(self, split: Split) -> list[str]:
        return tfidf_baseline(self.train.pairs, self.train.labels, split.pairs)


def run_semeval(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    data = semeval(root)
    trained = Trained(
        "semeval", data["train"].sample(args.max_train, args.seed), ["favor", "against", "none"], 96, args
    )
    out: dict[str, Any] = {"train_pairs": len(trained.train), "train_seconds": trained.seconds}
    for split in ("val", "test"):
        for system, predict in (("stancewatch", trained.model), ("tfidf_lr", trained.tfidf)):
            out[f"{split}_{system}_F_avg"] = f1s(data[split].labels, predict(data[split]), ["favor", "against"])
    return out


def run_pstance(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    data = pstance(root)
    trained = Trained("pstance", data["train"].sample(args.max_train, args.seed), ["favor", "against"], 96, args)
    out: dict[str, Any] = {"train_pairs": len(trained.train), "train_seconds": trained.seconds}
    for split in ("val", "test"):
        for system, predict in (("stancewatch", trained.model), ("tfidf_lr", trained.tfidf)):
            pred, gold, groups = predict(data[split]), data[split].labels, data[split].groups
            per = {
                g: f1s(
                    [gold[i] for i in range(len(gold)) if groups[i] == g],
                    [pred[i] for i in range(len(pred)) if groups[i] == g],
                    ["favor", "against"],
                )
                for g in sorted(set(groups))
            }
            out[f"{split}_{system}_per_target"] = per
            out[f"{split}_{system}_mean_F_avg"] = float(np.mean(list(per.values())))
    return out


def run_newsmtsc(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    data = newsmtsc(root)
    labels = ["favor", "against", "neutral"]
    trained = Trained("newsmtsc", data["train"].sample(args.max_train, args.seed), labels, 128, args)
    out: dict[str, Any] = {"train_pairs": len(trained.train), "train_seconds": trained.seconds}
    for split in ("devtest_mt", "devtest_rw"):
        for system, predict in (("stancewatch", trained.model), ("tfidf_lr", trained.tfidf)):
            pred = predict(data[split])
            out[f"{split}_{system}_F1m"] = f1s(data[split].labels, pred, labels)
            out[f"{split}_{system}_accuracy"] = float(accuracy_score(data[split].labels, pred))
    return out


def mixture(root: Path, args: argparse.Namespace) -> Trained:
    """One model on the union of the three train sets (labels favor/against/neutral/none)."""
    per = args.max_train // 3
    union = semeval(root)["train"].sample(per, args.seed) + pstance(root)["train"].sample(per, args.seed)
    union = union + newsmtsc(root)["train"].sample(per, args.seed)
    return Trained("mixture", union, ["favor", "against", "neutral", "none"], 192, args)


def run_vast(root: Path, trained: Trained) -> dict[str, Any]:
    data = vast(root)
    out: dict[str, Any] = {}
    for split in ("dev", "test"):
        for system, predict in (("stancewatch", trained.model), ("tfidf_lr", trained.tfidf)):
            pred = ["neutral" if p == "none" else p for p in predict(data[split])]
            gold, groups = data[split].labels, data[split].groups
            out[f"{split}_{system}_macro_f1_all"] = f1s(gold, pred, ["favor", "against", "neutral"])
            for g in ("zero", "few"):
                keep = [i for i in range(len(gold)) if groups[i] == g]
                out[f"{split}_{system}_macro_f1_{g}"] = f1s(
                    [gold[i] for i in keep], [pred[i] for i in keep], ["favor", "against", "neutral"]
                )
    return out


def related_by_mixture(similarity: np.ndarray, seed: int) -> np.ndarray:
    """Unsupervised related/unrelated split: the pairs in the higher-mean component of a 2-Gaussian mixture."""
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(2, random_state=seed).fit(similarity.reshape(-1, 1))
    return np.asarray(gm.predict(similarity.reshape(-1, 1)) == int(np.argmax(gm.means_.ravel())))


def fnc_score(gold: list[str], pred: list[str]) -> float:
    """The official FNC-1 weighted score as a percentage of the best possible."""
    score = best = 0.0
    for g, p in zip(gold, pred, strict=True):
        best += 0.25 + (0.75 if g != "unrelated" else 0.0)
        score += 0.25 * ((g == "unrelated") == (p == "unrelated"))
        score += 0.75 * (g != "unrelated" and g == p)
    return 100.0 * score / best


def run_fnc1(root: Path, trained: Trained, seed: int, limit: int = 0) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from serving.encoder import TorchEncoder
    from serving.windows import WindowSpec, tokenize_windows

    data = fnc1(root).sample(limit, seed)
    heads, bodies = [p[0] for p in data.pairs], [p[1] for p in data.pairs]
    encoder = TorchEncoder(default_encoder_path())
    unique = sorted(set(heads) | set(bodies))
    windows, owners = tokenize_windows(encoder.tokenizer, unique, WindowSpec(256, 192))
    first = np.searchsorted(np.asarray(owners), np.arange(len(unique)))
    vectors = dict(zip(unique, encoder.encode([windows[i] for i in first], batch_size=64), strict=True))
    dense_sim = np.array([float(vectors[h] @ vectors[b]) for h, b in zip(heads, bodies, strict=True)])
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(unique)
    h_m, b_m = tfidf.transform(heads), tfidf.transform(bodies)
    sparse_sim = np.asarray(h_m.multiply(b_m).sum(axis=1)).ravel()
    mapping = {"favor": "agree", "against": "disagree", "neutral": "discuss", "none": "discuss"}
    out: dict[str, Any] = {"pairs": len(data)}
    for system, predict, sim in (("stancewatch", trained.model, dense_sim), ("tfidf_lr", trained.tfidf, sparse_sim)):
        related = related_by_mixture(sim, seed)
        subset = Split([data.pairs[i] for i in np.flatnonzero(related)], [], [])
        stances = iter(predict(subset))
        pred = [mapping[next(stances)] if r else "unrelated" for r in related]
        out[f"{system}_fnc_score"] = fnc_score(data.labels, pred)
        out[f"{system}_macro_f1"] = f1s(data.labels, pred, ["agree", "disagree", "discuss", "unrelated"])
        out[f"{system}_relatedness_accuracy"] = float(
            np.mean([(g != "unrelated") == r for g, r in zip(data.labels, related, strict=True)])
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--max-train", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--fnc-limit", type=int, default=0, help="score a random subset of FNC-1 (0 = all)")
    parser.add_argument("--only", nargs="*", default=["semeval", "pstance", "newsmtsc", "zeroshot"])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "stance_public.json")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"stance benchmarks: data directory {args.data} not found; pass --data DIR (see ../shared/benchmarks)")
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stance-bench-") as work:
        args.work = work
        for name, run in (("semeval", run_semeval), ("pstance", run_pstance), ("newsmtsc", run_newsmtsc)):
            if name in args.only:
                results[name] = run(args.data, args)
                args.out.write_text(json.dumps(results, indent=2))
                print(json.dumps({name: results[name]}, indent=2), flush=True)
        if "zeroshot" in args.only:
            trained = mixture(args.data, args)
            results["mixture_train_pairs"] = len(trained.train)
            results["vast"] = run_vast(args.data, trained)
            args.out.write_text(json.dumps(results, indent=2))
            results["fnc1"] = run_fnc1(args.data, trained, args.seed, args.fnc_limit)
            args.out.write_text(json.dumps(results, indent=2))
            print(json.dumps({k: results[k] for k in ("vast", "fnc1")}, indent=2), flush=True)


if __name__ == "__main__":
    main()
