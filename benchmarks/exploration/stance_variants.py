"""Scratch: stance context size and 'none' sampling on dev, with the product trainer.

python benchmarks/exploration/stance_variants.py CONTEXT_SENTENCES NONE_PER_TOPIC [EPOCHS]
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving.actors import ActorExtractor  # noqa: E402
from serving.encoder import default_encoder_path  # noqa: E402
from serving.stance import StanceScorer, StanceSettings  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance import StanceTraining, stance_macro_f1, train_stance, tune_none_threshold  # noqa: E402
from training.stance_data import build_examples  # noqa: E402

ctx, none = int(sys.argv[1]), int(sys.argv[2])
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 4
corpus = build_corpus(ROOT / "data/articles.jsonl")
extractor = ActorExtractor()
settings = StanceSettings(context_sentences=ctx)
ex = {s: build_examples(corpus.splits[s], extractor, ctx, none) for s in ("train", "dev")}
started = time.time()
with tempfile.TemporaryDirectory() as tmp:
    pairs = [e.pair(settings) for e in ex["train"]]
    out = train_stance(default_encoder_path(), pairs, [e.label for e in ex["train"]], settings,
                       StanceTraining(epochs=epochs, bf16=True), Path(tmp) / "s")
    scorer = StanceScorer(out)
    dev = ex["dev"]
    probs = scorer.predict_proba([e.pair(settings) for e in dev])
    cut, engaged = tune_none_threshold(probs, [e.label for e in dev], settings.labels)
    gold = [i for i, e in enumerate(dev) if e.label != "none"]
    pred3 = [("favor", "against", "neutral")[k] for k in probs[gold, :3].argmax(1)]
    f1 = stance_macro_f1([dev[i].label for i in gold], pred3)
print(json.dumps({"context": ctx, "none_per_topic": none, "epochs": epochs, "train_pairs": len(ex["train"]),
                  "dev_gold_macro_f1": round(f1, 4), "dev_engaged_f1": round(engaged, 4), "none_cut": cut,
                  "seconds": round(time.time() - started)}), flush=True)
