"""Real all-MiniLM-L6-v2 on the vendored corpus: topics (fast config) and actor stance (slow: ~6 min on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.actor_stance import candidates
from serving.predictor import Predictor
from training.cli import run_training
from training.config import load_config

ROOT = Path(__file__).resolve().parent.parent
FLOOR_GOLD_DEV = 0.65  # default recipe measured 0.81 (4 epochs); this test trains 2


@pytest.mark.slow
def test_fast_config_on_real_corpus_meets_floors(tmp_path: Path, seed_article: dict[str, object]) -> None:
    cfg = load_config(
        ROOT / "configs" / "fast.yaml",
        [
            f"data_path={ROOT / 'data' / 'articles.jsonl'}",
            f"tracking_uri=sqlite:///{tmp_path}/mlflow.db",
            f"artifact_root={tmp_path / 'artifacts'}",
            "stance=true",
            "stance_epochs=2",
            "stance_blend_partner=both",  # the default recipe's partner: TF-IDF and the embedding model
        ],
    )
    summary = run_training(cfg)
    metrics = summary["metrics"]
    assert isinstance(metrics, dict)
    # floors on fixed data, a few points under what this config measured (BENCHMARKS.md)
    assert metrics["model/dev"]["macro_f1"] >= 0.85
    assert metrics["model/test"]["macro_f1"] >= 0.78
    assert metrics["model/test"]["macro_pr_auc"] >= 0.90
    assert metrics["tfidf_lr/test"]["macro_f1"] >= 0.70

    stance = summary["stance"]
    assert isinstance(stance, dict)
    # floors a few points under what this setting measured (2 stance epochs; BENCHMARKS.md has the default)
    assert stance["stance_gold_actors.dev.model_macro_f1"] >= FLOOR_GOLD_DEV, stance
    assert stance["actors.dev.recall"] >= 0.8, stance

    predictor = Predictor.load("models:/stancewatch@champion", tracking_uri=cfg.tracking_uri)
    [prediction] = predictor.predict(seed_article)
    probabilities = {k: v.probability for k, v in prediction.topics.items()}
    # measured with this config: foreign_interference 0.79, internet_control 0.29 (a known miss: the
    # seed's internet-control cue is one clause among "external forces" paragraphs; see README limitations)
    assert probabilities["foreign_interference"] > 0.6, probabilities
    assert prediction.n_windows == 2 and prediction.model_version == "1"
    # the seed article through the real actor-stance stage, both topics asked (the topic thresholds are
    # tested above). Russian authorities, who blocked the sites, favour internet control: asserted on the
    # stance model's judgement. Whether the stage reports them also depends on the salience cut tuned on
    # dev, which varies from run to run (a clean-clone run of this test chose 0.50 and kept only Guo
    # Shengkun), so the stage is checked for its contract only.
    stage = predictor.actor_stance
    assert stage is not None
    full = f"{seed_article['title']}\n\n{seed_article['text']}"
    found, asked = candidates(
        [full], [["foreign_interference", "internet_control"]], stage.extractor, stage.scorer.settings
    )
    settings = stage.scorer.settings
    [authorities] = [c for c in asked if c.actor.name == "Russian authorities" and c.topic == "internet_control"]
    [probs] = stage.scorer.predict_proba(
        [settings.pair(authorities.actor.name, authorities.topic, authorities.context)]
    )
    engaged = {label: p for label, p in zip(settings.labels, probs, strict=True) if label != "none"}
    assert max(engaged, key=engaged.__getitem__) == "favor", engaged
    [actors] = stage([full], [["foreign_interference", "internet_control"]])
    assert {a.name for a in actors} <= {a.name for a in found[0]}
    assert all(s.evidence in full and s.stance != "none" for a in actors for s in a.stances.values())
