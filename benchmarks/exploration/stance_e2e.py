"""A stance-stage variant judged end to end on dev over several seeds, with the champion's topic model fixed.

python benchmarks/exploration/stance_e2e.py [--set KEY=VALUE ...] [--seeds 13 14 15] [--report-test] [--keep DIR]
    [--model URI]

Per seed: copies the topic model of --model (default the champion), trains the stance stage with the product code
(configs/default.yaml plus the overrides and ``seed=SEED``; no ONNX export), chooses the blend, the
'none'/salience cut and minimum mentions on dev end to end as ``make train`` does (then, with
``stance_refit=true``, refits on train + dev as make train does, for the test numbers), and prints dev
triplet F1 and dev gold-actor macro-F1. With --report-test the test triplet F1 and gold-actor macro-F1
are printed too (a report only; nothing is chosen on them). The topic model is the same for every run,
so the differences are the stance stage's alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.package import find_package  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.config import load_config  # noqa: E402
from training.data import Corpus, build_corpus  # noqa: E402
from training.stance_eval import predicted_triplets, triplet_scores  # noqa: E402
from training.stance_refit import refit_actor_stance  # noqa: E402
from training.stance_run import train_actor_stance  # noqa: E402
from training.stance_tune import gold_triplets, tune_stance_stage  # noqa: E402


def test_triplets(package: Path, corpus: Corpus) -> dict[str, float]:
    """End-to-end triplet F1 on test with the tuned package (the serving backend, as make train scores it)."""
    articles = corpus.splits["test"]
    predictions = Predictor.from_directory(package, backend="auto").predict(
        [{"id": a.id, "title": a.title, "text": a.text} for a in articles]
    )
    scores = triplet_scores([predicted_triplets(p) for p in predictions], [gold_triplets(a) for a in articles])
    return {"test_triplet_f1": round(scores["f1"], 4)}


def main(args: argparse.Namespace) -> None:
    local, _ = resolve_model(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    for seed in args.seeds:
        started = time.time()
        cfg = load_config(ROOT / "configs" / "default.yaml", [*args.set, f"seed={seed}", "onnx_export=false"])
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp) / "pkg"
            shutil.copytree(find_package(Path(local)), package, ignore=shutil.ignore_patterns("stance"))
            run = train_actor_stance(cfg, corpus, package, progress=lambda _m: None)
            chosen = tune_stance_stage(
                package, corpus.splits["dev"], cfg.onnx_tolerance, export=False, caps=cfg.stance_max_actors_grid
            )
            if cfg.stance_refit:  # dev numbers above are the train-only model's; test is the refit's
                run.metrics |= refit_actor_stance(cfg, corpus, package, progress=lambda _m: None)
            if args.keep:
                shutil.copytree(package, args.keep / f"seed{seed}", dirs_exist_ok=True)
            test = {}
            if args.report_test:
                test = test_triplets(package, corpus)
                test["test_gold_actor_macro_f1"] = round(run.metrics["stance_gold_actors.test.model_macro_f1"], 4)
        result = {
            "overrides": args.set,
            "seed": seed,
            "dev_triplet_f1": round(float(chosen["stance_dev_triplet_f1_at_cut"]), 4),
            "dev_gold_actor_macro_f1": round(run.metrics["stance_gold_actors.dev.model_macro_f1"], 4),
            "blend_weight": run.selection["stance_blend_weight"],
            **{k: v for k, v in chosen.items() if k in ("stance_salience_cut", "stance_none_threshold", "stance_max_actors")},
            **{k: round(float(v), 4) for k, v in chosen.items() if k.endswith("_rule") or k == "stance_engagement_cut"},
            **test,
            "minutes": round((time.time() - started) / 60, 1),
        }
        print(json.dumps(result), flush=True)


def build_parser() -> argparse.ArgumentParser:
    """The options of this script, shared by the scratch scripts that patch the product and call ``main``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", action="append", default=[], help="a config override KEY=VALUE")
    parser.add_argument("--seeds", nargs="+", type=int, default=[13, 14, 15])
    parser.add_argument("--report-test", action="store_true")
    parser.add_argument("--model", default="models:/stancewatch@champion", help="whose topic model to use")
    parser.add_argument("--keep", type=Path, help="copy each seed's tuned package to KEEP/seedN")
    return parser


if __name__ == "__main__":
    main(build_parser().parse_args())
