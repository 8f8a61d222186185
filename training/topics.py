"""Train the topic model: encoder (frozen or fine-tuned), pooled-window head, sparse blend, thresholds."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from serving.encoder import TorchEncoder, resolve_encoder
from serving.heads import LinearHead
from serving.package import ENCODER_DIR, HEAD_FILE, SPARSE_FILE, Manifest
from serving.predictor import Predictor, blend
from serving.windows import WIDE, WindowSpec, WindowVectors, tokenize_windows
from training.baselines import fit_head, fit_sparse
from training.config import TrainConfig
from training.data import Corpus
from training.export import choose_onnx_variant
from training.finetune import CLASSIFIER_HEAD, FinetuneSettings, finetune_encoder, use_bf16
from training.frozen_labels import fit_frozen_head, usable_frozen_labels
from training.metrics import report, tune_thresholds

log = logging.getLogger(__name__)
EVAL_SPLITS = ("dev", "test")


@dataclass
class TopicRun:
    """Everything a training run produced, for tracking and the summary table."""

    package_dir: Path
    manifest: Manifest
    targets: dict[str, np.ndarray]
    probabilities: dict[str, dict[str, np.ndarray]]  # model name -> split -> probs
    thresholds: dict[str, list[float]]
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    curves: dict[str, list[float]] = field(default_factory=dict)
    selection: dict[str, float | str] = field(default_factory=dict)


class EncodingCache:
    """Window vectors of a fixed (frozen) encoder, keyed by text: lets repeated runs skip re-encoding."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, int, int, str], np.ndarray] = {}


def encode_split(
    encoder: TorchEncoder, texts: list[str], spec: WindowSpec, batch_size: int, cache: EncodingCache | None = None
) -> WindowVectors:
    if cache is None:
        windows, owners = tokenize_windows(encoder.tokenizer, texts, spec)
        return WindowVectors(encoder.encode(windows, batch_size=batch_size), owners, len(texts))
    keys = [(encoder.path, spec.max_length, spec.stride, text) for text in texts]
    missing = [t for t, k in zip(texts, keys, strict=True) if k not in cache.store]
    if missing:
        fresh = encode_split(encoder, missing, spec, batch_size)
        starts = np.searchsorted(np.asarray(fresh.owners), np.arange(len(missing) + 1))
        for i, text in enumerate(missing):
            rows = fresh.vectors[starts[i] : starts[i + 1]]
            cache.store[(encoder.path, spec.max_length, spec.stride, text)] = rows
    parts = [cache.store[k] for k in keys]
    owners = [i for i, part in enumerate(parts) for _ in range(len(part))]
    return WindowVectors(np.concatenate(parts), owners, len(texts))


def train_weights(cfg: TrainConfig, corpus: Corpus) -> np.ndarray | None:
    """Per training document loss weights from ``source_weight_power`` (None when it is 0: unweighted)."""
    return corpus.source_weights("train", cfg.source_weight_power) if cfg.source_weight_power > 0 else None


def _fit_encoder(
    cfg: TrainConfig,
    corpus: Corpus,
    base: str,
    out: Path,
    curves: dict[str, list[float]],
    weights: np.ndarray | None,
) -> Path:
    if cfg.finetune == "none":
        shutil.copytree(base, out, dirs_exist_ok=True)
        return out
    losses: list[float] = curves.setdefault("finetune_loss", [])
    settings = FinetuneSettings(
        objective=cfg.finetune,
        epochs=cfg.finetune_epochs,
        pairs=cfg.finetune_pairs,
        batch_size=cfg.finetune_batch_size,
        lr=cfg.finetune_lr,
        chunk_tokens=cfg.finetune_window,
        chunks=cfg.finetune_chunks,
        warmup_ratio=cfg.warmup_ratio,
        bf16=use_bf16(cfg.bf16),
        seed=cfg.seed,
        soup=cfg.finetune_soup,
        doc_weights=None if weights is None else weights.tolist(),
    )
    return finetune_encoder(
        base,
        corpus.texts("train"),
        corpus.targets("train"),
        settings,
        out,
        on_step=lambda _step, loss: losses.append(loss),
    )


def _choose_head(
    cfg: TrainConfig,
    vectors: dict[str, WindowVectors],
    targets: dict[str, np.ndarray],
    labels: list[str],
    encoder_dir: Path,
    weights: np.ndarray | None,
    leads: WindowVectors | None = None,
) -> tuple[str, str, LinearHead, dict[str, float]]:
    """Per pooling, a logistic head refit on train features and (after classify fine-tuning) the head
    trained jointly with the encoder; keep the pair with the best dev macro PR-AUC (threshold-free).

    The refit head sees train features of an encoder fine-tuned on those same documents, so it can be
    over-confident; the joint head has no such leak. Dev decides."""
    candidates: dict[tuple[str, str], LinearHead] = {}
    joint = encoder_dir / CLASSIFIER_HEAD
    for how in cfg.aggregations:
        features, y, sample_weight = _refit_rows(cfg, vectors["train"], leads, targets["train"], how, weights)
        candidates[("refit", how)] = fit_head(features, y, labels, cfg.head_c, cfg.seed, sample_weight)
        if joint.is_file() and how not in WIDE:  # the joint head reads one pooled vector
            candidates[("joint", how)] = LinearHead.load(joint)
    scores = {
        key: report(targets["dev"], head.predict_proba(vectors["dev"].pooled(key[1])), [0.5] * len(labels), labels)[
            "macro_pr_auc"
        ]
        for key, head in candidates.items()
    }
    best = max(scores, key=lambda key: scores[key])
    return best[0], best[1], candidates[best], {f"dev_pr_auc_{k[0]}_{k[1]}": s for k, s in scores.items()}


def _refit_rows(
    cfg: TrainConfig,
    train: WindowVectors,
    leads: WindowVectors | None,
    y: np.ndarray,
    how: str,
    weights: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The refit head's training rows: pooled train articles, plus their leads weighted ``head_lead_weight``
    when given."""
    features = train.pooled(how)
    if leads is None:
        return features, y, weights
    base = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    return (
        np.vstack([features, leads.pooled(how)]),
        np.vstack([y, y]),
        np.concatenate([base, base * cfg.head_lead_weight]),
    )


def _choose_blend(
    cfg: TrainConfig, dense: np.ndarray, sparse: np.ndarray, y_dev: np.ndarray
) -> tuple[float, dict[str, float]]:
    """The dense/sparse blend weight with the best dev macro-F1 at dev-tuned thresholds."""
    scores = {}
    for weight in cfg.ensemble_weights:
        probs = blend(dense, sparse, weight)
        thresholds = tune_thresholds(y_dev, probs, cfg.threshold_grid, cfg.threshold_tolerance)
        scores[weight] = report(y_dev, probs, thresholds, ["_"] * y_dev.shape[1])["macro_f1"]
    best = max(cfg.ensemble_weights, key=lambda w: (round(scores[w], 6), -abs(w - 0.5)))
    return best, {f"dev_f1_blend_{w}": s for w, s in scores.items()}


def _first_window_baseline(
    cfg: TrainConfig, frozen: dict[str, WindowVectors], targets: dict[str, np.ndarray], labels: list[str]
) -> dict[str, np.ndarray]:
    """Frozen MiniLM on the first window only (what sentence-transformers' truncation gives) + LR."""
    head = fit_head(frozen["train"].first(), targets["train"], labels, cfg.head_c, cfg.seed)
    return {split: head.predict_proba(frozen[split].first()) for split in EVAL_SPLITS}


def frozen_window_spec(cfg: TrainConfig) -> WindowSpec:
    """The frozen encoder's windows for ``frozen_labels`` (0 in the config: the topic windows)."""
    return WindowSpec(cfg.frozen_window_length or cfg.window_length, cfg.frozen_window_stride or cfg.window_stride)


def _frozen_vectors(
    cfg: TrainConfig, corpus: Corpus, base: str, spec: WindowSpec, full: bool, cache: EncodingCache | None
) -> dict[str, WindowVectors]:
    """Frozen-encoder window vectors per split: all windows when ``full`` or cached, else first windows only."""
    encoder = TorchEncoder(base)
    if full or cache is not None:
        return {
            s: encode_split(encoder, corpus.texts(s), spec, cfg.encode_batch_size, cache)
            for s in ("train", *EVAL_SPLITS)
        }
    out = {}
    for split in ("train", *EVAL_SPLITS):
        windows, owners = tokenize_windows(encoder.tokenizer, corpus.texts(split), spec)
        starts = np.searchsorted(np.asarray(owners), np.arange(len(corpus.splits[split])))
        first = [windows[i] for i in starts]
        out[split] = WindowVectors(encoder.encode(first, cfg.encode_batch_size), list(range(len(first))), len(first))
    return out


def train_topics(
    cfg: TrainConfig,
    corpus: Corpus,
    package_dir: Path,
    progress: Callable[[str], None] = log.info,
    cache: EncodingCache | None = None,
) -> TopicRun:
    """Fit every component, choose pooling/blend/thresholds on dev, save the package, evaluate it."""
    labels = corpus.labels
    targets = {s: np.asarray(corpus.targets(s)) for s in ("train", *EVAL_SPLITS)}
    texts = {s: corpus.texts(s) for s in ("train", *EVAL_SPLITS)}
    base = resolve_encoder(cfg.encoder)
    frozen_only = cfg.finetune == "none"
    frozen_labels = usable_frozen_labels(cfg, labels, progress)
    progress("encoding with the frozen encoder")
    spec, head_spec = WindowSpec(cfg.window_length, cfg.window_stride), frozen_window_spec(cfg)
    shared = bool(frozen_labels) and head_spec == spec  # the first-window baseline reuses the head's windows
    frozen = _frozen_vectors(cfg, corpus, base, spec, full=frozen_only or shared, cache=cache)
    own_windows = bool(frozen_labels) and not shared  # the frozen head reads windows of its own
    frozen_head = _frozen_vectors(cfg, corpus, base, head_spec, True, cache) if own_windows else frozen
    probs: dict[str, dict[str, np.ndarray]] = {"frozen_first_lr": _first_window_baseline(cfg, frozen, targets, labels)}
    progress("fitting TF-IDF + logistic regression")
    sparse = fit_sparse(
        texts["train"], targets["train"], labels, cfg.sparse_c, cfg.sparse_ngrams, cfg.sparse_min_df, cfg.seed
    )
    probs["tfidf_lr"] = {s: sparse.predict_proba(texts[s]) for s in EVAL_SPLITS}
    curves: dict[str, list[float]] = {}
    package_dir.mkdir(parents=True, exist_ok=True)
    progress("fine-tuning the encoder" if not frozen_only else "keeping the encoder frozen")
    weights = train_weights(cfg, corpus)
    enc_dir = _fit_encoder(cfg, corpus, base, package_dir / ENCODER_DIR, curves, weights)
    if frozen_only:
        vectors = frozen
    else:
        progress("encoding with the fine-tuned encoder")
        encoder = TorchEncoder(enc_dir)
        vectors = {s: encode_split(encoder, texts[s], spec, cfg.encode_batch_size) for s in ("train", *EVAL_SPLITS)}
    leads = None
    if cfg.head_lead_weight > 0:
        progress("encoding the training articles' leads")
        lead_texts = [a.lead(cfg.lead_sentences) for a in corpus.splits["train"]]
        leads = encode_split(TorchEncoder(enc_dir), lead_texts, spec, cfg.encode_batch_size)
    head_kind, how, head, agg_scores = _choose_head(cfg, vectors, targets, labels, enc_dir, weights, leads)
    if frozen_labels:
        progress(f"fitting the frozen-encoder head for {', '.join(frozen_labels)}")
        fit_frozen_head(
            cfg,
            base,
            frozen_head["train"].vectors,
            frozen_head["train"].owners,
            targets["train"],
            labels,
            frozen_labels,
            package_dir,
            weights,
        )
    manifest = Manifest(
        name=cfg.model_name,
        labels=labels,
        thresholds=[0.5] * len(labels),
        window_length=cfg.window_length,
        window_stride=cfg.window_stride,
        aggregation=how,
        blend_weight=1.0,
        frozen_labels=frozen_labels,
        frozen_aggregation=cfg.frozen_aggregation,
        frozen_window_length=head_spec.max_length if own_windows else 0,
        frozen_window_stride=head_spec.stride if own_windows else 0,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        extra={"config": cfg.name, "finetuned": not frozen_only, "head": head_kind},
    )
    head.save(package_dir / HEAD_FILE)
    sparse.save(package_dir / SPARSE_FILE)
    manifest.save(package_dir)
    predictor = Predictor.from_directory(package_dir)

    def frozen_of(split: str) -> WindowVectors | None:
        return frozen_head[split] if frozen_labels else None

    dense_dev, _ = predictor.component_proba(texts["dev"], vectors["dev"], frozen_of("dev"))
    weight, blend_scores = _choose_blend(cfg, dense_dev, probs["tfidf_lr"]["dev"], targets["dev"])
    thresholds = tune_thresholds(
        targets["dev"], blend(dense_dev, probs["tfidf_lr"]["dev"], weight), cfg.threshold_grid, cfg.threshold_tolerance
    )
    manifest.thresholds, manifest.blend_weight = thresholds, weight
    manifest.save(package_dir)
    predictor.manifest = manifest
    probs["model"] = {
        s: predictor.scores_from_vectors(texts[s], vectors[s], frozen_of(s)).probabilities for s in EVAL_SPLITS
    }
    baseline_thresholds = {
        m: tune_thresholds(targets["dev"], probs[m]["dev"], cfg.threshold_grid, cfg.threshold_tolerance) for m in probs
    }
    baseline_thresholds["model"] = thresholds
    run = TopicRun(package_dir, manifest, targets, probs, baseline_thresholds, curves=curves)
    run.selection = {"aggregation": how, "head": head_kind, "blend_weight": weight, **agg_scores, **blend_scores}
    if cfg.onnx_export:
        progress("exporting to ONNX and checking it on dev")
        backends = choose_onnx_variant(
            package_dir, texts["dev"], targets["dev"], probs["model"]["dev"], cfg.onnx_tolerance
        )
        manifest.extra.update(backends)
        manifest.save(package_dir)
        run.selection.update(backends)
    for model_name, by_split in probs.items():
        for split, p in by_split.items():
            run.metrics[f"{model_name}/{split}"] = report(targets[split], p, baseline_thresholds[model_name], labels)
    return run
