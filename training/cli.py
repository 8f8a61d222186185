"""``stancewatch`` command: train / evaluate here, predict (and later serve, score) from serving."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from serving.cli import add_serving_commands
from serving.package import ModelPackageError
from training.config import ConfigError, TrainConfig, load_config
from training.data import Corpus, DataError, build_corpus

if TYPE_CHECKING:
    from training.stance_run import StanceRun

log = logging.getLogger("stancewatch")


def _flat_params(cfg: TrainConfig) -> dict[str, str]:
    return {k: json.dumps(v) if isinstance(v, list | dict) else str(v) for k, v in cfg.to_dict().items()}


def run_training(cfg: TrainConfig, register: bool = True) -> dict[str, object]:
    """Train, evaluate, log to MLflow, register and gate. Returns the run summary."""
    import mlflow

    from training import report, tracking
    from training.topics import train_topics

    started = time.time()
    ratios = (cfg.split_ratios[0], cfg.split_ratios[1], cfg.split_ratios[2])
    corpus = build_corpus(cfg.data_path, cfg.labels or None, ratios, cfg.seed)
    experiment_id = tracking.setup(cfg.tracking_uri, cfg.artifact_root, cfg.experiment)
    with (
        tempfile.TemporaryDirectory(prefix="stancewatch-") as tmp,
        mlflow.start_run(experiment_id=experiment_id) as active,
    ):
        mlflow.log_params(_flat_params(cfg))
        mlflow.log_params(
            {f"n_{s}": len(rows) for s, rows in corpus.splits.items()} | {"label_set": json.dumps(corpus.labels)}
        )
        run = train_topics(cfg, corpus, Path(tmp) / "package", progress=progress)
        stance = _train_stance(cfg, corpus, run.package_dir, progress) if cfg.stance else None
        mlflow.log_params({f"selected_{k}": v for k, v in run.selection.items() if isinstance(v, str)})
        mlflow.log_param("selected_blend_weight", run.manifest.blend_weight)
        mlflow.log_metrics({k: float(v) for k, v in run.selection.items() if not isinstance(v, str)})
        for key, values in run.metrics.items():
            mlflow.log_metrics({f"{key.replace('/', '.')}.{name}": value for name, value in values.items()})
        for step, loss in enumerate(run.curves.get("finetune_loss", [])):
            mlflow.log_metric("finetune_loss", loss, step=step)
        out = Path(tmp) / "report"
        out.mkdir()
        for path in report.write_plots(run, corpus.labels, out):
            mlflow.log_artifact(str(path), "plots")
        mlflow.log_artifact(
            str(report.write_predictions(run, corpus, "test", out / "test_predictions.csv")), "predictions"
        )
        mlflow.log_dict(cfg.to_dict(), "config.json")
        run.manifest.metrics = {k: v for k, v in run.metrics["model/test"].items() if k.endswith("f1")}
        if stance is not None:
            run.manifest.metrics |= {
                k: v
                for k, v in stance.metrics.items()
                if k.startswith(("triplets.test.model", "stance_gold_actors.test"))
            }
        run.manifest.save(run.package_dir)
        info = tracking.log_model(run.package_dir, corpus.labels)
        score = run.metrics["model/test"]["macro_f1"]
        elapsed = time.time() - started
        mlflow.log_metric("train_seconds", elapsed)
        print("\n" + report.summary_table(run, corpus.labels))
        if stance is not None:
            print("\n" + report.stance_table(stance))
        print(
            f"\nselected: head={run.selection['head']} aggregation={run.manifest.aggregation} "
            f"blend_weight={run.manifest.blend_weight} "
            f"thresholds={[round(t, 3) for t in run.manifest.thresholds]}"
            + (
                f" frozen-encoder labels={run.manifest.frozen_labels} ({run.manifest.frozen_aggregation})"
                if run.manifest.frozen_labels
                else ""
            )
        )
        gate = None
        if register:
            gate = tracking.register_and_gate(info.model_uri, active.info.run_id, cfg.model_name, cfg.alias, score)
            print(gate.describe(cfg.alias))
        print(f"run id: {active.info.run_id}  ({elapsed / 60:.1f} min)  tracking: {cfg.tracking_uri}")
    return {
        "run_id": active.info.run_id,
        "metrics": run.metrics,
        "stance": stance.metrics if stance is not None else {},
        "gate": gate,
        "seconds": elapsed,
    }


def progress(message: str) -> None:
    print(f"[train] {message}", flush=True)


def _train_stance(cfg: TrainConfig, corpus: Corpus, package_dir: Path, progress: Callable[[str], None]) -> StanceRun:
    """Train the actor-stance stage into the package, evaluate it end to end, log it to the active run."""
    import mlflow

    from serving.predictor import Predictor
    from training.stance_refit import refit_actor_stance
    from training.stance_run import evaluate_end_to_end, train_actor_stance
    from training.stance_tune import tune_stance_stage

    started = time.time()
    stance = train_actor_stance(cfg, corpus, package_dir, progress)
    progress("choosing the stance backend and the decision rule (none cut, salience or engagement) on dev end to end")
    stance.selection |= tune_stance_stage(
        package_dir, corpus.splits["dev"], cfg.onnx_tolerance, cfg.onnx_export, cfg.stance_max_actors_grid
    )
    predictor = Predictor.from_directory(package_dir, backend="auto")
    if cfg.stance_refit:
        progress("scoring dev end to end")
        stance.metrics.update(evaluate_end_to_end(predictor, corpus, ("dev",)))
        progress("refitting the stance stage on train + dev with the choices made on dev")
        stance.metrics.update(refit_actor_stance(cfg, corpus, package_dir, progress))
        progress("scoring test end to end with the refitted stance stage")
        refitted = Predictor.from_directory(package_dir, backend="auto")
        stance.metrics.update(evaluate_end_to_end(refitted, corpus, ("test",)))
    else:
        progress("scoring dev and test end to end")
        stance.metrics.update(evaluate_end_to_end(predictor, corpus))
    stance.seconds = time.time() - started
    chosen = stance.metrics | stance.selection
    mlflow.log_metrics({k: float(v) for k, v in chosen.items() if not isinstance(v, str)})
    mlflow.log_params({f"selected_{k}": v for k, v in chosen.items() if isinstance(v, str)})
    mlflow.log_metric("stance_train_seconds", stance.seconds)
    for step, loss in enumerate(stance.curve):
        mlflow.log_metric("stance_loss", loss, step=step)
    return stance


def _train(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.set)
    run_training(cfg, register=not args.no_register)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from serving.predictor import Predictor
    from training.metrics import report

    predictor = Predictor.load(args.model, tracking_uri=args.tracking_uri)
    corpus = build_corpus(args.data, predictor.labels)
    texts, targets = corpus.texts(args.split), np.asarray(corpus.targets(args.split))
    probabilities = predictor.predict_proba(texts).probabilities
    metrics = report(targets, probabilities, predictor.manifest.thresholds, predictor.labels)
    print(json.dumps({"model": args.model, "version": predictor.version, "split": args.split, **metrics}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stancewatch", description="Topics and actor stance in news articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train, evaluate, log to MLflow and register a model")
    train.add_argument("--config", default="configs/default.yaml", help="YAML config (see configs/)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one config key")
    train.add_argument("--no-register", action="store_true", help="log the run but do not register the model")
    train.set_defaults(func=_train)
    evaluate = sub.add_parser("evaluate", help="score a labelled corpus split with a trained model")
    evaluate.add_argument("--model", default="models:/stancewatch@champion")
    evaluate.add_argument("--tracking-uri", default="sqlite:///mlruns/mlflow.db")
    evaluate.add_argument("--data", default="data/articles.jsonl")
    evaluate.add_argument("--split", default="test", choices=["train", "dev", "test"])
    evaluate.set_defaults(func=_evaluate)
    add_serving_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # no per-tensor "Loading weights" bars on each model load, nor per-file artifact download bars (which
    # drowned the steps of `make train`); set either variable to get them back
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (DataError, ConfigError, ModelPackageError) as error:
        print(f"stancewatch: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stancewatch: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
