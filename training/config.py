"""One validated run configuration, read from a YAML file plus ``key=value`` overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from serving.windows import AGGREGATIONS


class ConfigError(ValueError):
    """A configuration file or override is invalid; the message says which key and why."""


@dataclass
class TrainConfig:
    """Every hyperparameter of one training run (``to_dict()`` is logged to MLflow as params)."""

    name: str = "default"
    data_path: str = "data/articles.jsonl"
    labels: list[str] = field(default_factory=list)
    split_ratios: list[float] = field(default_factory=lambda: [0.7, 0.15, 0.15])
    seed: int = 13
    # encoder and windows
    encoder: str = "minilm"
    window_length: int = 256
    window_stride: int = 192
    aggregations: list[str] = field(default_factory=lambda: ["mean", "max"])
    encode_batch_size: int = 32
    # labels scored by a head on the pretrained (frozen) encoder's windows, pooled by frozen_aggregation
    frozen_labels: list[str] = field(default_factory=list)
    frozen_aggregation: str = "mean"
    # the frozen encoder's own windows for those labels (0: window_length / window_stride)
    frozen_window_length: int = 0
    frozen_window_stride: int = 0
    # encoder fine-tuning: none (frozen), classify (BCE on chunks), contrastive (SetFit-style pairs)
    finetune: str = "classify"
    finetune_epochs: int = 2
    finetune_pairs: int = 1280
    finetune_batch_size: int = 16
    finetune_lr: float = 2e-5
    finetune_window: int = 128
    finetune_chunks: int = 3
    finetune_soup: int = 1  # > 1: that many fine-tunes (other data orders), weights averaged
    warmup_ratio: float = 0.1
    bf16: str = "auto"
    # training documents weighted by (size of their source) ** -power, mean weight 1 (0: off, 1: every
    # source weighs the same); sources are the `source` field up to its first ':'
    source_weight_power: float = 0.0
    # heads
    head_c: float = 10.0
    # the refit topic head also sees each training article's lead (title + first `lead_sentences` sentences)
    # as a short example with the article's labels, weighted this much (0: off): headlines, paragraphs and
    # posts are one short window, unlike the whole-article means the head otherwise sees
    head_lead_weight: float = 0.0
    lead_sentences: int = 2
    sparse_c: float = 10.0
    sparse_ngrams: int = 2
    sparse_min_df: int = 2
    ensemble_weights: list[float] = field(default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0])
    threshold_grid: int = 91
    threshold_tolerance: float = 0.0
    # ONNX Runtime export, kept when its dev macro-F1 is within onnx_tolerance of torch
    onnx_export: bool = True
    onnx_tolerance: float = 0.005
    # actor stance (a pair cross-encoder fine-tuned from the same base encoder)
    stance: bool = True
    stance_epochs: int = 4
    stance_lr: float = 5e-5
    stance_head_lr: float = 2e-3
    stance_batch_size: int = 16
    stance_class_weight_power: float = 0.5  # loss weight of a class: (uniform share / its share) ** power
    stance_max_length: int = 192
    stance_context_sentences: int = 1
    stance_none_per_topic: int = 2
    stance_mark_actor: bool = False
    stance_pair_name: str = "gold"  # a gold actor's name in its training pair: gold | extracted (as serving asks)
    stance_propositions: dict[str, str] = field(default_factory=dict)
    stance_blend_weights: list[float] = field(default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0])
    # the cross-encoder's blend partner: tfidf | embedding (LR on frozen sentence embeddings) | both (their mean)
    stance_blend_partner: str = "tfidf"
    stance_embedding_c: float = 1.0  # the embedding model's inverse regularisation
    # actor salience (serving/salience.py): fitted on train, used when it wins end to end on dev
    stance_salience: bool = True
    stance_salience_c: float = 1.0  # logistic model's inverse regularisation
    stance_salience_model: str = "trees"  # trees (gradient-boosted, depth and iterations below) | logistic
    stance_salience_depth: int = 3
    stance_salience_iterations: int = 50
    stance_salience_lr: float = 0.05  # the trees' learning rate
    # caps on the actors kept per document and topic that dev may choose with the salience or engagement rule
    # (0 = no cap)
    stance_max_actors_grid: list[int] = field(default_factory=lambda: [0])
    # engagement cross-encoder (stance/engagement): every extracted actor x gold topic of train, engaged / none;
    # when on, its rule, P(salient) x P(engaged), is used if it wins end to end on dev (off: BENCHMARKS, session 14)
    stance_engagement: bool = False
    stance_engagement_epochs: int = 2
    stance_engagement_context: int = 3  # mention sentences it reads
    stance_engagement_max_length: int = 256
    # after every stance choice is made on dev, retrain the stance stage's models on train + dev keeping those
    # choices; test is scored with the refit (off: on halves of dev it lost, BENCHMARKS, session 15)
    stance_refit: bool = False
    # registry
    model_name: str = "stancewatch"
    alias: str = "champion"
    tracking_uri: str = "sqlite:///mlruns/mlflow.db"
    artifact_root: str = "mlruns/artifacts"
    experiment: str = "stancewatch-topics"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the first invalid key."""
        checks: list[tuple[bool, str]] = [
            (self.window_length >= 16, f"window_length must be >= 16, found {self.window_length}"),
            (
                1 <= self.window_stride <= self.window_length - 2,
                f"window_stride must be in [1, window_length - 2], found {self.window_stride}",
            ),
            (
                bool(self.aggregations) and set(self.aggregations) <= set(AGGREGATIONS),
                f"aggregations must be a non-empty list of {'|'.join(AGGREGATIONS)}, found {self.aggregations}",
            ),
            (
                self.frozen_aggregation in AGGREGATIONS,
                f"frozen_aggregation must be one of {'|'.join(AGGREGATIONS)}, found '{self.frozen_aggregation}'",
            ),
            (
                (self.frozen_window_length, self.frozen_window_stride) == (0, 0)
                or (
                    self.frozen_window_length >= 16 and 1 <= self.frozen_window_stride <= self.frozen_window_length - 2
                ),
                "frozen_window_length and frozen_window_stride must both be 0 (the topic windows) or a length >= 16 "
                f"and a stride in [1, length - 2], found {self.frozen_window_length} and {self.frozen_window_stride}",
            ),
            (
                self.finetune in ("none", "classify", "contrastive"),
                f"finetune must be none|classify|contrastive, found '{self.finetune}'",
            ),
            (self.finetune_pairs >= 2, f"finetune_pairs must be >= 2, found {self.finetune_pairs}"),
            (self.finetune_epochs >= 1, f"finetune_epochs must be >= 1, found {self.finetune_epochs}"),
            (self.finetune_soup >= 1, f"finetune_soup must be >= 1, found {self.finetune_soup}"),
            (self.finetune_lr > 0, f"finetune_lr must be > 0, found {self.finetune_lr}"),
            (self.bf16 in ("auto", "on", "off"), f"bf16 must be auto|on|off, found '{self.bf16}'"),
            (self.head_c > 0 and self.sparse_c > 0, "head_c and sparse_c must be > 0"),
            (self.head_lead_weight >= 0, f"head_lead_weight must be >= 0 (0: off), found {self.head_lead_weight}"),
            (self.lead_sentences >= 1, f"lead_sentences must be >= 1, found {self.lead_sentences}"),
            (
                0 <= self.source_weight_power <= 1,
                f"source_weight_power must be in [0, 1] (0: off, 1: sources weigh the same), "
                f"found {self.source_weight_power}",
            ),
            (
                self.source_weight_power == 0 or self.finetune != "contrastive",
                "source_weight_power weights the classify fine-tune and the heads; the contrastive objective "
                "samples pairs and cannot use it: set finetune=classify (or none) or source_weight_power=0",
            ),
            (
                len(self.split_ratios) == 3 and abs(sum(self.split_ratios) - 1) < 1e-6,
                f"split_ratios must be three numbers summing to 1, found {self.split_ratios}",
            ),
            (
                bool(self.ensemble_weights) and all(0 <= w <= 1 for w in self.ensemble_weights),
                f"ensemble_weights must be numbers in [0, 1], found {self.ensemble_weights}",
            ),
            (self.stance_epochs >= 1, f"stance_epochs must be >= 1, found {self.stance_epochs}"),
            (
                self.stance_class_weight_power >= 0,
                f"stance_class_weight_power must be >= 0 (0: unweighted, 1: balanced), "
                f"found {self.stance_class_weight_power}",
            ),
            (
                self.stance_lr > 0 and self.stance_head_lr > 0,
                f"stance_lr and stance_head_lr must be > 0, found {self.stance_lr}, {self.stance_head_lr}",
            ),
            (
                bool(self.stance_blend_weights) and all(0 <= w <= 1 for w in self.stance_blend_weights),
                f"stance_blend_weights must be numbers in [0, 1], found {self.stance_blend_weights}",
            ),
            (self.stance_salience_c > 0, f"stance_salience_c must be > 0, found {self.stance_salience_c}"),
            (
                self.stance_salience_model in ("logistic", "trees"),
                f"stance_salience_model must be logistic|trees, found '{self.stance_salience_model}'",
            ),
            (
                self.stance_salience_depth >= 1 and self.stance_salience_iterations >= 1,
                "stance_salience_depth and stance_salience_iterations must be >= 1, found "
                f"{self.stance_salience_depth} and {self.stance_salience_iterations}",
            ),
            (self.stance_salience_lr > 0, f"stance_salience_lr must be > 0, found {self.stance_salience_lr}"),
            (
                bool(self.stance_max_actors_grid)
                and all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in self.stance_max_actors_grid),
                "stance_max_actors_grid must be a non-empty list of whole numbers >= 0 (0 = no cap), "
                f"found {self.stance_max_actors_grid}",
            ),
            (self.stance_max_length >= 32, f"stance_max_length must be >= 32, found {self.stance_max_length}"),
            (
                self.stance_engagement_epochs >= 1 and self.stance_engagement_context >= 1,
                "stance_engagement_epochs and stance_engagement_context must be >= 1, found "
                f"{self.stance_engagement_epochs} and {self.stance_engagement_context}",
            ),
            (
                32 <= self.stance_engagement_max_length <= 512,
                f"stance_engagement_max_length must be in 32..512, found {self.stance_engagement_max_length}",
            ),
            (
                self.stance_context_sentences >= 1,
                f"stance_context_sentences must be >= 1, found {self.stance_context_sentences}",
            ),
            (
                self.stance_blend_partner in ("tfidf", "embedding", "both"),
                f"stance_blend_partner must be tfidf|embedding|both, found '{self.stance_blend_partner}'",
            ),
            (self.stance_embedding_c > 0, f"stance_embedding_c must be > 0, found {self.stance_embedding_c}"),
            (
                self.stance_pair_name in ("gold", "extracted"),
                f"stance_pair_name must be gold|extracted, found '{self.stance_pair_name}'",
            ),
            (
                self.stance_none_per_topic >= 0,
                f"stance_none_per_topic must be >= 0, found {self.stance_none_per_topic}",
            ),
            (
                isinstance(self.stance_propositions, dict)
                and all(isinstance(v, str) and v.strip() for v in self.stance_propositions.values()),
                "stance_propositions must map topic names to non-empty sentences",
            ),
            (self.threshold_grid >= 3, f"threshold_grid must be >= 3, found {self.threshold_grid}"),
            (
                0 <= self.threshold_tolerance < 1,
                f"threshold_tolerance must be in [0, 1), found {self.threshold_tolerance}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown config keys {unknown}; known keys: {sorted(known)}")
        try:
            return cls(**values)
        except TypeError as error:
            raise ConfigError(str(error)) from None


def _coerce(key: str, text: str, current: Any) -> Any:
    value = yaml.safe_load(text)
    if isinstance(current, bool) or current is None:
        return value
    if isinstance(current, float) and isinstance(value, int):
        return float(value)
    if isinstance(current, list) and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, type(current)):
        raise ConfigError(f"override {key}={text!r}: expected {type(current).__name__}, found {type(value).__name__}")
    return value


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read a YAML config and apply ``key=value`` overrides (values parsed as YAML)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} not found; see configs/ for the shipped ones")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML ({error})") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, found {type(values).__name__}")
    base = TrainConfig.from_dict(values)
    for item in overrides or []:
        key, sep, text = item.partition("=")
        if not sep or not hasattr(base, key):
            raise ConfigError(f"override '{item}': expected KEY=VALUE with a known key")
        values[key] = _coerce(key, text, getattr(base, key))
    return TrainConfig.from_dict(values)
