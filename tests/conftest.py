"""Shared fixtures: a tiny random BERT with the MiniLM tokenizer, a tiny labelled corpus, a temp MLflow store."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

IC = [
    "The ministry ordered internet providers to block {x} and throttle VPN services.",
    "Regulators demanded that platforms delete posts and hand over user data about {x}.",
    "A court ordered the removal of online content criticising {x}, and bloggers must register.",
]
FI = [
    "Officials accused foreign agents of meddling in the election to support {x}.",
    "The government said external forces funded NGOs to organise a colour revolution against {x}.",
    "Lawmakers passed a foreign agent law, saying {x} was backed from abroad.",
]
NEITHER = [
    "The football club signed {x} after a strong season in the league.",
    "Shares of {x} rose after the company reported higher quarterly profit.",
    "Heavy rain flooded roads near {x}, and the weather service issued a warning.",
]
# sentences with actors the extractor finds, and their gold stances (for the actor-stance stage)
IC_ACTORS = (
    "Russian authorities defended the ban, while Kremlin critics condemned it.",
    [
        {"name": "Russian authorities", "type": "government", "stances": {"internet_control": "favor"}},
        {"name": "Kremlin critics", "type": "group", "stances": {"internet_control": "against"}},
    ],
)
FI_ACTORS = (
    "The Kremlin blamed the West for the unrest.",
    [{"name": "Kremlin", "type": "government", "stances": {"foreign_interference": "favor"}}],
)
NAMES = ["Moscow", "Almaty", "the opposition", "Beijing", "the newspaper", "Tashkent", "activists", "Minsk"]


def make_corpus(path: Path, n: int = 72, seed: int = 0) -> Path:
    """A small corpus with a fixed split; topics follow the template family (one may carry both)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = i % 4
        parts, topics, actors = [], [], []
        if kind in (0, 3):
            parts += [rng.choice(IC).format(x=rng.choice(NAMES)), IC_ACTORS[0]]
            topics.append("internet_control")
            actors += IC_ACTORS[1]
        if kind in (1, 3):
            parts += [rng.choice(FI).format(x=rng.choice(NAMES)), FI_ACTORS[0]]
            topics.append("foreign_interference")
            actors += FI_ACTORS[1]
        if kind == 2 or rng.random() < 0.5:
            parts.append(rng.choice(NEITHER).format(x=rng.choice(NAMES)))
        split = "train" if i < n * 0.6 else "dev" if i < n * 0.8 else "test"
        rows.append(
            {
                "id": f"doc-{i}",
                "title": f"Report {i}",
                "text": " ".join(parts),
                "topics": topics,
                "actors": actors,
                "split": split,
            }
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="session")
def tiny_encoder_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide random BERT saved with the real MiniLM tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from serving.encoder import default_encoder_path

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-encoder")
    tokenizer = AutoTokenizer.from_pretrained(default_encoder_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture
def tiny_encoder(tiny_encoder_session: Path, tmp_path: Path) -> Path:
    """A per-test copy of the tiny encoder, so a test may change it freely."""
    return Path(shutil.copytree(tiny_encoder_session, tmp_path / "encoder"))


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return make_corpus(tmp_path / "corpus.jsonl")


@pytest.fixture
def tiny_config(tiny_encoder: Path, tiny_corpus: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from training.config import TrainConfig

    return TrainConfig(
        name="tiny",
        data_path=str(tiny_corpus),
        encoder=str(tiny_encoder),
        window_length=32,
        window_stride=24,
        finetune_epochs=2,
        finetune_pairs=32,
        finetune_batch_size=8,
        finetune_window=32,
        finetune_lr=1e-4,
        head_lead_weight=0.25,  # an option (off in the default): every tiny training encodes and fits the leads
        bf16="off",
        stance_epochs=8,
        stance_batch_size=8,
        stance_max_length=48,
        stance_engagement_max_length=64,
        stance_lr=1e-3,
        stance_head_lr=1e-3,
        tracking_uri=f"sqlite:///{tmp_path}/mlruns/mlflow.db",
        artifact_root=str(tmp_path / "mlruns" / "artifacts"),
        experiment="tiny",
    )


@pytest.fixture
def seed_article() -> dict[str, object]:
    return json.loads((Path(__file__).resolve().parent.parent / "data" / "seed_example.json").read_text())


@pytest.fixture
def tiny_package(tiny_config, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A trained tiny topic-model package (frozen tiny encoder, ONNX exported) on disk."""
    from training.config import TrainConfig
    from training.data import build_corpus
    from training.topics import train_topics

    cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"finetune": "none"})
    return train_topics(cfg, build_corpus(cfg.data_path), tmp_path / "pkg").package_dir


@pytest.fixture
def tiny_stance_package(tiny_config, tiny_package: Path) -> Path:  # type: ignore[no-untyped-def]
    """The tiny package plus a tiny actor-stance stage trained on the tiny corpus's gold actors."""
    from training.data import build_corpus
    from training.stance_run import train_actor_stance
    from training.stance_tune import tune_stance_stage

    corpus = build_corpus(tiny_config.data_path)
    train_actor_stance(tiny_config, corpus, tiny_package, progress=lambda _m: None)
    tune_stance_stage(tiny_package, corpus.splits["dev"], tiny_config.onnx_tolerance, export=True)
    return tiny_package
