"""Source-balanced training weights: the corpus's per-document weights and their effect on heads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training.baselines import fit_head
from training.config import ConfigError, TrainConfig
from training.data import build_corpus


def corpus_with_sources(path: Path) -> Path:
    rows = []
    sources = ["Big Wire"] * 6 + ["EUvsDisinfo case: Sputnik Italia", "EUvsDisinfo case: RT France"] + ["Blog"]
    for i, source in enumerate(sources):
        topics = ["a"] if i % 2 else ["b"]
        rows.append({"id": f"d{i}", "text": f"text {i}", "source": source, "topics": topics, "split": "train"})
    rows += [
        {"id": f"v{i}", "text": f"dev {i}", "topics": ["a"] if i else ["b"], "split": s}
        for i, s in enumerate(["dev", "dev", "test", "test"])
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_source_weights_balance_source_groups(tmp_path: Path) -> None:
    corpus = build_corpus(corpus_with_sources(tmp_path / "c.jsonl"))
    groups = [a.source_group() for a in corpus.splits["train"]]
    assert groups[6] == groups[7] == "EUvsDisinfo case"  # the part before ':' is the source
    assert np.allclose(corpus.source_weights("train", 0.0), 1.0)
    balanced = corpus.source_weights("train", 1.0)
    assert balanced.mean() == pytest.approx(1.0)
    totals = {g: balanced[[i for i, h in enumerate(groups) if h == g]].sum() for g in set(groups)}
    assert np.allclose(list(totals.values()), next(iter(totals.values())))  # every source weighs the same
    sqrt = corpus.source_weights("train", 0.5)
    assert sqrt[0] / sqrt[8] == pytest.approx((1 / 6) ** 0.5)


def test_source_weight_power_is_validated() -> None:
    with pytest.raises(ConfigError, match=r"source_weight_power must be in \[0, 1\].*found 2\.0"):
        TrainConfig(source_weight_power=2.0)
    with pytest.raises(ConfigError, match="contrastive objective samples pairs"):
        TrainConfig(source_weight_power=0.5, finetune="contrastive")


def test_head_sample_weights() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    y = (x[:, :1] + 0.3 * rng.normal(size=(40, 1)) > 0).astype(int)
    plain = fit_head(x, y, ["a"], 1.0, 0)
    unit = fit_head(x, y, ["a"], 1.0, 0, np.ones(40))
    np.testing.assert_allclose(plain.weights, unit.weights, atol=1e-6)
    tilted = fit_head(x, y, ["a"], 1.0, 0, np.where(x[:, 1] > 0, 5.0, 0.2))
    assert not np.allclose(plain.weights, tilted.weights, atol=1e-3)


def test_train_topics_uses_source_weights(tiny_config: TrainConfig, tmp_path: Path) -> None:
    """Weights reach the fine-tune and the head: one source (all weights 1) trains exactly as unweighted,
    two sources of unequal size train differently."""
    from safetensors.numpy import load_file

    from training.topics import train_topics

    rows = [json.loads(line) for line in Path(tiny_config.data_path).read_text().splitlines()]

    def train(name: str, power: float, sources: list[str]) -> dict[str, np.ndarray]:
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r | {"source": s}) + "\n" for r, s in zip(rows, sources, strict=True)))
        cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"data_path": str(path), "source_weight_power": power})
        run = train_topics(cfg, build_corpus(path), tmp_path / name)
        return load_file(str(run.package_dir / "encoder" / "model.safetensors")) | {
            "head": np.load(run.package_dir / "head.npz")["weights"]
        }

    plain = train("plain", 0.0, ["wire"] * len(rows))
    one_source = train("one", 1.0, ["wire"] * len(rows))
    assert all(np.array_equal(plain[k], one_source[k]) for k in plain)
    two = train("two", 1.0, ["wire" if i % 5 else "blog" for i in range(len(rows))])
    assert any(not np.allclose(plain[k], two[k]) for k in plain)
