"""Predictor contract on a tiny trained package: inputs accepted, typed outputs, long texts windowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from serving.backends import CONCRETE
from serving.package import ModelPackageError
from serving.predictor import Predictor
from serving.schema import Document
from training.config import TrainConfig
from training.data import build_corpus
from training.topics import train_topics


def test_predict_accepts_documents_dicts_and_strings(tiny_package: Path) -> None:
    predictor = Predictor.from_directory(tiny_package)
    one = predictor.predict("Authorities blocked VPN services.")
    many = predictor.predict(
        [Document(id="x", text="Officials blamed foreign agents."), {"text": "Football", "id": "y"}]
    )
    assert len(one) == 1 and [p.id for p in many] == ["x", "y"]
    for prediction in one + many:
        assert set(prediction.topics) == {"foreign_interference", "internet_control"}
        for score in prediction.topics.values():
            assert 0.0 <= score.probability <= 1.0
            assert score.present == (score.probability >= score.threshold)
        assert prediction.model_name == "stancewatch" and prediction.actors == []


def test_long_text_uses_every_window_and_chunking_is_invisible(tiny_package: Path) -> None:
    predictor = Predictor.from_directory(tiny_package)
    long_text = " ".join(["The regulator blocked websites and throttled messaging apps."] * 60)
    [prediction] = predictor.predict(long_text)
    assert prediction.n_windows > 10
    docs = [f"Story {i}: officials accused foreign agents of meddling." for i in range(7)]
    chunked = [p.topics["foreign_interference"].probability for p in predictor.predict(docs, chunk_size=2)]
    whole = [p.topics["foreign_interference"].probability for p in predictor.predict(docs, chunk_size=64)]
    np.testing.assert_allclose(chunked, whole, atol=1e-5)


def test_openvino_predictor_is_safe_to_call_from_many_threads(tiny_package: Path) -> None:
    """``mlflow models serve`` calls the pyfunc from a thread pool: an OpenVINO request must not be entered twice
    ("Infer Request is busy"), and every thread gets its own documents' scores."""
    from concurrent.futures import ThreadPoolExecutor

    predictor = Predictor.from_directory(tiny_package, backend="openvino-fp32")
    story = "Story {}: the regulator blocked sites and blamed foreign agents."
    docs = [" ".join([story.format(i)] * (1 + i)) for i in range(24)]
    serial = [p.topics["internet_control"].probability for p in predictor.predict(docs)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda d: predictor.predict(d)[0].topics["internet_control"].probability, docs))
    np.testing.assert_allclose(threaded, serial, atol=1e-5)


def test_bad_inputs_are_rejected_clearly(tiny_package: Path, tmp_path: Path) -> None:
    predictor = Predictor.from_directory(tiny_package)
    with pytest.raises(ValueError, match="non-whitespace"):
        predictor.predict({"text": "   "})
    with pytest.raises(TypeError, match="expected a Document"):
        predictor.predict([42])  # type: ignore[list-item]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelPackageError, match=r"no manifest\.json under"):
        Predictor.from_directory(empty)
    with pytest.raises(ModelPackageError, match="neither a models:/ URI nor an existing directory"):
        Predictor.load(str(tmp_path / "nowhere"))


def test_missing_registry_model_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelPackageError, match="Run `make train`"):
        Predictor.load("models:/stancewatch@champion", tracking_uri=f"sqlite:///{tmp_path}/m.db")


def test_default_store_is_the_projects_not_mlflows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no tracking URI chosen anywhere, a models:/ URI is looked up where `make train` registers."""
    import mlflow

    import serving.registry as registry

    previous = mlflow.get_tracking_uri()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "_tracking_uri_chosen", lambda: False)
    try:
        with pytest.raises(ModelPackageError, match=r"mlruns/mlflow\.db"):
            Predictor.load("models:/stancewatch@champion")
    finally:
        mlflow.set_tracking_uri(previous)


def test_cli_reports_malformed_corpus_in_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"id": "a", "text": "ok", "topics": []}\n{"id": "b", "text": ["not", "a", "string"]}\n')
    done = subprocess.run(
        [sys.executable, "-m", "training.cli", "train", "--set", f"data_path={corpus}"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"stancewatch: error: {corpus}:2: field 'text': input should be a valid string "
        "(found list ['not', 'a', 'string']); fix or remove this record"
    ]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("objective", ["classify", "contrastive"])
def test_finetuning_changes_the_encoder(tiny_config: TrainConfig, tmp_path: Path, objective: str) -> None:
    from safetensors.numpy import load_file

    cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"finetune": objective, "finetune_pairs": 16})
    run = train_topics(cfg, build_corpus(cfg.data_path), tmp_path / "pkg")
    before = load_file(str(Path(cfg.encoder) / "model.safetensors"))
    after = load_file(str(run.package_dir / "encoder" / "model.safetensors"))
    changed = [k for k in before if k in after and not np.allclose(before[k], after[k])]
    assert changed, "fine-tuning left every weight unchanged"
    assert run.curves["finetune_loss"] and all(np.isfinite(run.curves["finetune_loss"]))


def test_actor_stance_stage_contract(tiny_stance_package: Path) -> None:
    predictor = Predictor.from_directory(tiny_stance_package)
    assert predictor.has_actors
    text = (
        "The ministry ordered internet providers to block Minsk and throttle VPN services. "
        "Russian authorities defended the ban, while Kremlin critics condemned it."
    )
    off_topic = "Heavy rain flooded roads near Almaty, and the weather service issued a warning."
    [on, off] = predictor.predict([{"id": "on", "text": text}, {"id": "off", "text": off_topic}])
    assert on.present_topics() == ["internet_control"]
    stances = {a.name: {t: s.stance for t, s in a.stances.items()} for a in on.actors}
    assert stances["Russian authorities"] == {"internet_control": "favor"}
    assert stances["Kremlin critics"] == {"internet_control": "against"}
    critics = next(a for a in on.actors if a.name == "Kremlin critics")
    assert [text[a:b] for a, b in critics.mentions] == ["Kremlin critics"]
    assert critics.stances["internet_control"].evidence.startswith("Russian authorities defended")
    assert off.present_topics() == [] and off.actors == []  # no topic, no stance questions

    topics_only = Predictor.from_directory(tiny_stance_package, actors=False)
    assert not topics_only.has_actors and topics_only.predict(text)[0].actors == []


def test_salience_rule_is_what_serving_applies(tiny_stance_package: Path) -> None:
    """With a salience cut, a stance is kept iff P(salient) x (1 - P(none)) reaches it, as tuned on dev."""
    predictor = Predictor.from_directory(tiny_stance_package, backend="torch")
    stage = predictor.actor_stance
    assert stage is not None and stage.scorer.salience is not None
    text = "Russian authorities defended the ban on VPN services, while Kremlin critics condemned it."
    settings = stage.scorer.settings
    settings.engagement_cut = 0.0  # the engagement rule, when dev chose it, comes first
    settings.salience_cut = 1.0  # a product of probabilities never reaches 1: nothing is kept
    assert predictor.predict(text)[0].actors == []
    settings.salience_cut = 1e-9  # everything asked is kept, with its likeliest engaged stance
    [everything] = predictor.predict(text)
    assert {a.name for a in everything.actors} >= {"Russian authorities", "Kremlin critics"}
    assert all(s.stance != "none" for a in everything.actors for s in a.stances.values())


def test_salience_rule_asks_only_candidates_that_can_pass(tiny_stance_package: Path) -> None:
    """Skipping candidates whose salience is under the cut changes no decision and asks fewer pairs."""
    stage = Predictor.from_directory(tiny_stance_package, backend="torch").actor_stance
    assert stage is not None and stage.scorer.salience is not None
    text = (
        "Russian authorities defended the ban on VPN services, while Kremlin critics condemned it. "
        "Roskomnadzor said it blocked the site. A Spartak fan in Moscow watched the match with Ivanov."
    )
    asked, salience, expected = _rule_at_median_salience(stage, text)
    settings = stage.scorer.settings
    seen: list[int] = []
    original = stage.scorer.predict_proba
    stage.scorer.predict_proba = lambda pairs, batch_size=32: (seen.append(len(pairs)), original(pairs))[1]  # type: ignore[method-assign]
    assert [s for s, _ in stage.decide(asked)] == expected
    assert seen == [int((salience >= settings.salience_cut).sum())] and seen[0] < len(asked)


def test_max_actors_caps_the_kept_actors_per_document_and_topic(tiny_stance_package: Path) -> None:
    """With max_actors, serving keeps at most that many actors per document and topic, those with the highest
    P(salient) x (1 - P(none)); the others keep the rule's decisions; 0 means no cap."""
    stage = Predictor.from_directory(tiny_stance_package, backend="torch").actor_stance
    assert stage is not None and stage.scorer.salience is not None
    text = (
        "Russian authorities defended the ban on VPN services, while Kremlin critics condemned it. "
        "Roskomnadzor said it blocked the site. Ivanov and Petrov in Moscow criticised Roskomnadzor."
    )
    asked, salience, _ = _rule_at_median_salience(stage, text)
    stage.scorer.settings.salience_cut = 0.02  # nearly every candidate passes
    uncapped = [s for s, _ in stage.decide(asked)]
    assert sum(s != "none" for s in uncapped) >= 2
    settings = stage.scorer.settings
    full = stage.scorer.predict_proba([settings.pair(c.actor.name, c.topic, c.context) for c in asked])
    score = salience * (1.0 - full[:, settings.labels.index("none")])
    settings.max_actors = 1
    capped = [s for s, _ in stage.decide(asked)]
    kept = [i for i, s in enumerate(capped) if s != "none"]
    assert kept == [int(np.argmax(np.where([s != "none" for s in uncapped], score, -1.0)))]
    assert capped[kept[0]] == uncapped[kept[0]]


def test_dev_tuning_chooses_the_cap_from_the_grid(tiny_config, tiny_stance_package: Path) -> None:  # type: ignore[no-untyped-def]
    """The cap is chosen with the cut on dev from the grid (0, no cap, included: the dev F1 cannot fall) and
    saved in the package's stance settings, which serving reads."""
    from training.stance_tune import tune_stance_stage

    corpus = build_corpus(tiny_config.data_path)
    plain = tune_stance_stage(tiny_stance_package, corpus.splits["dev"], tiny_config.onnx_tolerance, export=False)
    capped = tune_stance_stage(
        tiny_stance_package, corpus.splits["dev"], tiny_config.onnx_tolerance, export=False, caps=(0, 1, 2)
    )
    assert plain["stance_max_actors"] == 0.0 and capped["stance_max_actors"] in (0.0, 1.0, 2.0)
    assert float(capped["stance_dev_triplet_f1_at_cut"]) >= float(plain["stance_dev_triplet_f1_at_cut"])
    stage = Predictor.from_directory(tiny_stance_package, backend="torch").actor_stance
    assert stage is not None and stage.scorer.settings.max_actors == int(capped["stance_max_actors"])


def test_engagement_rule_is_what_serving_applies(tiny_config, tiny_package: Path) -> None:  # type: ignore[no-untyped-def]
    """With an engagement cut, a stance is kept iff P(salient) x P(engaged) reaches it; the engagement model
    is asked only where P(salient) alone reaches the cut, and the stance model only about kept candidates."""
    from serving.actor_stance import candidates, engagement_probability
    from serving.stance import decide_where
    from training.stance_run import train_actor_stance
    from training.stance_tune import tune_stance_stage

    cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"stance_engagement": True})
    corpus = build_corpus(cfg.data_path)
    train_actor_stance(cfg, corpus, tiny_package, progress=lambda _m: None)
    selection = tune_stance_stage(tiny_package, corpus.splits["dev"], cfg.onnx_tolerance, export=False)
    assert 0 <= float(selection["stance_dev_triplet_f1_engagement_rule"]) <= 1  # the rule was tried on dev
    predictor = Predictor.from_directory(tiny_package, backend="torch")
    stage = predictor.actor_stance
    assert stage is not None and stage.scorer.salience is not None and stage.scorer.engagement is not None
    engagement = stage.scorer.engagement
    assert engagement.labels == ["engaged", "none"] and engagement.settings.context_sentences == 3
    text = (
        "Russian authorities defended the ban on VPN services, while Kremlin critics condemned it. "
        "Roskomnadzor said it blocked the site. A Spartak fan in Moscow watched the match with Ivanov."
    )
    settings = stage.scorer.settings
    _, asked = candidates([text], [["internet_control"]], stage.extractor, settings)
    salience = stage.scorer.salience.predict(np.array([c.features for c in asked]))
    score = salience * engagement_probability(engagement, asked)
    assert score.shape == (len(asked),) and ((score >= 0) & (score <= salience)).all()
    settings.engagement_cut = cut = float(np.median(score))
    full = stage.scorer.predict_proba([settings.pair(c.actor.name, c.topic, c.context) for c in asked])
    expected = [s for s, _ in decide_where(full, settings.labels, score >= cut)]
    seen: dict[str, list[int]] = {"stance": [], "engagement": []}
    for name, scorer in (("stance", stage.scorer), ("engagement", engagement)):
        original = scorer.predict_proba
        scorer.predict_proba = (  # type: ignore[method-assign]
            lambda pairs, batch_size=32, name=name, original=original: (seen[name].append(len(pairs)), original(pairs))[
                1
            ]
        )
    assert [s for s, _ in stage.decide(asked)] == expected
    assert seen == {"stance": [int((score >= cut).sum())], "engagement": [int((salience >= cut).sum())]}
    settings.engagement_cut = 1.01  # out of reach: nothing is kept, whatever the salience cut says
    settings.salience_cut = 1e-9
    assert predictor.predict(text)[0].actors == []


def test_stance_backends_agree_with_torch(tiny_stance_package: Path) -> None:
    """The stance encoder's ONNX export (with token types for sentence pairs) reproduces torch."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from serving.stance import StanceScorer

    stance_dir = tiny_stance_package / "stance"
    recorded = json.loads((stance_dir / "stance.json").read_text())["onnx_variant"]
    assert recorded in CONCRETE
    pairs = [
        ("Kremlin critics. The state should control the internet.", "Kremlin critics condemned the ban."),
        ("Russian authorities. Foreign forces interfere.", "Russian authorities defended the block of the site."),
    ]
    reference = StanceScorer(stance_dir, backend="torch").components(pairs)[0]
    fp32 = StanceScorer(stance_dir, backend="onnx-fp32").components(pairs)[0]
    np.testing.assert_allclose(fp32, reference, atol=1e-4)
    np.testing.assert_allclose(fp32.sum(axis=1), 1.0, atol=1e-5)
    many = pairs * 10  # more pairs than OpenVINO's largest slice: run in two
    scorer = StanceScorer(stance_dir, backend="openvino-fp32")
    openvino = scorer.components(many)[0]
    np.testing.assert_allclose(openvino, np.tile(reference, (10, 1)), atol=1e-4)
    with ThreadPoolExecutor(max_workers=6) as pool:  # one request shared by threads, as under mlflow serve
        for threaded in pool.map(lambda _: scorer.components(many)[0], range(12)):
            np.testing.assert_allclose(threaded, openvino, atol=1e-6)
    int8 = StanceScorer(stance_dir, backend="onnx-int8").components(pairs)[0]
    assert np.abs(int8 - reference).max() < 0.2  # quantized, close but not equal


def test_candidates_ask_present_topics_of_actors_with_enough_mentions() -> None:
    from serving.actor_stance import candidates
    from serving.actors import ExtractedActor, Mention
    from serving.stance import StanceSettings

    class Extractor:
        def __init__(self) -> None:
            self.parsed: list[str] = []

        def extract_many(self, texts: list[str]) -> list[list[ExtractedActor]]:
            self.parsed.extend(texts)
            twice = ExtractedActor("Roskomnadzor", "government", [Mention(0, 3, "R", "s1"), Mention(5, 8, "R", "s2")])
            once = ExtractedActor("Moscow", "country", [Mention(9, 12, "M", "s3")])
            return [[twice, once] for _ in texts]

    extractor = Extractor()
    texts = ["on topic", "off topic", "both topics"]
    present = [["internet_control"], [], ["internet_control", "foreign_interference"]]
    found, asked = candidates(texts, present, extractor, StanceSettings(min_mentions=1))  # type: ignore[arg-type]
    assert extractor.parsed == ["on topic", "both topics"]  # documents without a present topic are not parsed
    assert [len(f) for f in found] == [2, 0, 2]
    assert [(c.doc, c.actor.name, c.topic) for c in asked] == [
        (0, "Roskomnadzor", "internet_control"),
        (0, "Moscow", "internet_control"),
        (2, "Roskomnadzor", "internet_control"),
        (2, "Roskomnadzor", "foreign_interference"),
        (2, "Moscow", "internet_control"),
        (2, "Moscow", "foreign_interference"),
    ]
    assert asked[0].context == "s1"  # one context sentence by default
    _, asked = candidates(texts, present, extractor, StanceSettings(min_mentions=2))  # type: ignore[arg-type]
    assert {c.actor.name for c in asked} == {"Roskomnadzor"}


def test_threshold_overrides_change_decisions_and_bad_ones_are_refused(tiny_package: Path) -> None:
    predictor = Predictor.from_directory(tiny_package, actors=False)
    label = predictor.labels[0]
    text = "The regulator ordered providers to block VPN services and throttle the messaging app."
    predictor.set_thresholds({label: 0.01})
    [low] = predictor.predict(text)
    assert low.topics[label].threshold == pytest.approx(0.01) and low.topics[label].present
    predictor.set_thresholds({label: 0.99})
    assert not predictor.predict(text)[0].topics[label].present
    with pytest.raises(ModelPackageError, match="unknown topics \\['sports'\\]"):
        predictor.set_thresholds({"sports": 0.5})
    with pytest.raises(ModelPackageError, match="strictly between 0 and 1"):
        predictor.set_thresholds({label: 1.5})


def test_cli_threshold_option(tiny_package: Path, tmp_path: Path) -> None:
    import json

    doc = tmp_path / "doc.json"
    doc.write_text(json.dumps({"id": "a", "text": "Providers must block VPN services, the regulator said."}))
    root = Path(__file__).resolve().parent.parent
    label = Predictor.from_directory(tiny_package, actors=False).labels[0]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "training.cli", "predict", str(doc), "--model", str(tiny_package), *extra]
        return subprocess.run(command, capture_output=True, text=True, cwd=root, timeout=120)

    done = run("--threshold", f"{label}=0.01")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["topics"][label] | {"probability": 0} == {
        "probability": 0,
        "present": True,
        "threshold": 0.01,
    }
    bad = run("--threshold", f"{label}=2")
    assert bad.returncode == 2 and "expected TOPIC=VALUE with VALUE between 0 and 1" in bad.stderr
    unknown = run("--threshold", "sports=0.5")
    assert unknown.returncode == 2 and "unknown topics ['sports']" in unknown.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr


@pytest.mark.parametrize("model", ["trees", "logistic"])
def test_the_packaged_salience_model_is_the_one_serving_applies(model: str, tiny_config, tiny_package: Path) -> None:  # type: ignore[no-untyped-def]
    """Either salience model goes into the package, and serving applies the same rule with it."""
    from serving.salience import SALIENCE_FILE, TREES_FILE, SalienceModel, TreeSalience
    from training.stance_run import train_actor_stance

    cfg = TrainConfig.from_dict(tiny_config.to_dict() | {"stance_salience_model": model})
    train_actor_stance(cfg, build_corpus(cfg.data_path), tiny_package, progress=lambda _m: None)
    stored = {p.name for p in (tiny_package / "stance").iterdir()} & {TREES_FILE, SALIENCE_FILE}
    assert stored == {TREES_FILE if model == "trees" else SALIENCE_FILE}
    stage = Predictor.from_directory(tiny_package, backend="torch").actor_stance
    assert stage is not None
    assert isinstance(stage.scorer.salience, TreeSalience if model == "trees" else SalienceModel)
    text = "Russian authorities defended the ban on VPN services, while Kremlin critics condemned it in Moscow."
    asked, salience, expected = _rule_at_median_salience(stage, text)
    assert salience.shape == (len(asked),) and ((salience >= 0) & (salience <= 1)).all()
    assert [s for s, _ in stage.decide(asked)] == expected


def test_without_engagement_the_package_has_no_engagement_model(tiny_stance_package: Path) -> None:
    """stance_engagement off (the default) trains no engagement model, and dev tuning never picks its rule."""
    assert not (tiny_stance_package / "stance" / "engagement").exists()
    stage = Predictor.from_directory(tiny_stance_package, backend="torch").actor_stance
    assert stage is not None and stage.scorer.engagement is None and stage.scorer.settings.engagement_cut == 0.0


def _rule_at_median_salience(stage, text: str):  # type: ignore[no-untyped-def]
    """Sets the salience cut to the median of ``text``'s candidates (about half cannot pass) and returns the
    candidates, their salience and the decisions the rule gives when every candidate is asked."""
    from serving.actor_stance import candidates
    from serving.salience import keep_engaged

    settings = stage.scorer.settings
    _, asked = candidates([text], [["internet_control"]], stage.extractor, settings)
    salience = stage.scorer.salience.predict(np.array([c.features for c in asked]))
    settings.salience_cut, settings.engagement_cut = float(np.median(salience)), 0.0
    full = stage.scorer.predict_proba([settings.pair(c.actor.name, c.topic, c.context) for c in asked])
    return asked, salience, [s for s, _ in keep_engaged(full, settings.labels, salience, settings.salience_cut)]
