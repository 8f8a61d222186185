"""Scratch: intermediate-task transfer for the stance cross-encoder (dev only unless --report-test).

python benchmarks/exploration/stance_transfer.py [--sets semeval pstance newsmtsc] [--per-set N]
    [--inter-epochs N] [--mark] [--topic-encoder] [--report-test] [SEED ...]

Per seed: fine-tune MiniLM first on public stance pairs (``benchmarks/stance_data_public.py`` loaders, the
train splits only, at most N examples per set, fixed-seed sample), then fine-tune that encoder with a new
linear layer on the corpus pairs exactly as the product does (1 context sentence, 2 `none` actors per
topic, 4 epochs, bf16). --topic-encoder starts instead from the champion's fine-tuned topic encoder
(the corpus's own domain, learnt from the train split's articles). Prints dev gold-actor macro-F1 and
engaged F1 per seed (the same measures as ``stance_seeds.py``, whose numbers for the product recipe are
the baseline). Reads ``../shared/benchmarks`` unless --topic-encoder.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "benchmarks/exploration"))
import stance_data_public as public  # noqa: E402
from stance_augment import mark_actors, product_examples  # noqa: E402
from stance_seeds import scores, test_report  # noqa: E402

from serving.encoder import default_encoder_path  # noqa: E402
from serving.stance import StanceScorer  # noqa: E402
from training.stance import StanceTraining, train_stance  # noqa: E402

LOADERS = {"semeval": public.semeval, "pstance": public.pstance, "newsmtsc": public.newsmtsc}


def intermediate(root: Path, sets: list[str], per_set: int, seed: int) -> public.Split:
    data = public.Split()
    for name in sets:
        data = data + LOADERS[name](root)["train"].sample(per_set, seed)
    return data


def topic_encoder() -> str:
    """The champion's fine-tuned topic encoder (trained on the train split's articles only)."""
    from serving.package import ENCODER_DIR, find_package
    from serving.registry import resolve_model

    local, _ = resolve_model("models:/stancewatch@champion", f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    return str(find_package(Path(local)) / ENCODER_DIR)


def main(args: argparse.Namespace) -> None:
    corpus, extractor, settings, ex = product_examples(args.report_test)
    if args.mark:
        print(json.dumps({"marked": {s: mark_actors(ex[s], corpus.splits[s], extractor) for s in ex}}), flush=True)
    tag = f"transfer_{'+'.join(args.sets)}_n{args.per_set}_e{args.inter_epochs}_k{int(args.mark)}"
    if args.topic_encoder:
        tag = f"topic_encoder_k{int(args.mark)}"
    for seed in args.seeds:
        started = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            if args.topic_encoder:
                start, n_inter = topic_encoder(), 0
            else:
                inter = intermediate(Path(args.root), args.sets, args.per_set, seed)
                first = train_stance(
                    default_encoder_path(),
                    inter.pairs,
                    inter.labels,
                    settings,
                    StanceTraining(epochs=args.inter_epochs, bf16=True, seed=seed),
                    Path(tmp) / "inter",
                )
                start, n_inter = str(first / "encoder"), len(inter)
            inter_seconds = round(time.time() - started)
            out = train_stance(
                start,
                [e.pair(settings) for e in ex["train"]],
                [e.label for e in ex["train"]],
                settings,
                StanceTraining(epochs=4, bf16=True, seed=seed),
                Path(tmp) / "s",
            )
            scorer = StanceScorer(out)
            probs = scorer.predict_proba([e.pair(settings) for e in ex["dev"]])
            test = test_report(scorer, ex["test"], settings) if args.report_test else {}
        result = {"variant": tag, "seed": seed, "inter_pairs": n_inter, **scores(probs, ex["dev"], settings), **test}
        timing = {"inter_seconds": inter_seconds, "seconds": round(time.time() - started)}
        print(json.dumps({**result, **timing}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", nargs="*", type=int, default=[13, 14, 15])
    parser.add_argument("--sets", nargs="+", default=["semeval", "pstance", "newsmtsc"], choices=sorted(LOADERS))
    parser.add_argument("--per-set", type=int, default=2000)
    parser.add_argument("--inter-epochs", type=int, default=1)
    parser.add_argument("--mark", action="store_true")
    parser.add_argument("--topic-encoder", action="store_true", help="start from the champion's topic encoder instead")
    parser.add_argument("--report-test", action="store_true")
    parser.add_argument("--root", default=str(ROOT.parent / "shared/benchmarks"))
    main(parser.parse_args())
