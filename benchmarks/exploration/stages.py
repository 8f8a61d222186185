"""Where the time goes: per-stage seconds of the predictor on unlabeled articles, per backend.

python benchmarks/exploration/stages.py [N_DOCS] [MODEL_URI]

Tokenising into windows, the topic encoder, heads, actor extraction (spaCy, documents with a present
topic only) and the stance cross-encoder, timed separately in one process for `torch` and `auto`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actor_stance import candidates  # noqa: E402
from serving.predictor import Predictor, as_document  # noqa: E402
from serving.windows import tokenize_windows  # noqa: E402


def main(n_docs: int, uri: str) -> None:
    corpus = ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl"
    if not corpus.is_file():
        sys.exit(f"{corpus} not found")
    with corpus.open() as handle:
        docs = [json.loads(line) for line, _ in zip(handle, range(n_docs), strict=False)]
    texts = [as_document({"title": d.get("title"), "text": d["text"]}).full_text() for d in docs]
    for backend in ("torch", "auto"):
        p = Predictor.load(uri, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend=backend)
        assert p.actor_stance is not None
        t0 = time.perf_counter()
        windows, _ = tokenize_windows(p.encoder.tokenizer, texts, p.window)
        t1 = time.perf_counter()
        vectors, frozen = p.encode_windows(texts)  # both encoders (frozen_labels), tokenizing again
        t2 = time.perf_counter()
        scores = p.scores_from_vectors(texts, vectors, frozen)
        present = [x.present_topics() for x in p._to_predictions([as_document(t) for t in texts], scores)]
        t3 = time.perf_counter()
        _, asked = candidates(texts, present, p.actor_stance.extractor, p.actor_stance.scorer.settings)
        t4 = time.perf_counter()
        p.actor_stance.decide(asked)
        t5 = time.perf_counter()
        print(
            f"{backend:<6} {len(texts)} docs, {len(windows)} windows, {sum(map(bool, present))} with a topic, "
            f"{len(asked)} stance questions | tokenise {t1 - t0:.1f} s, topic encoders {t2 - t1:.1f} s, "
            f"heads {t3 - t2:.1f} s, spaCy {t4 - t3:.1f} s, stance {t5 - t4:.1f} s, total {t5 - t0:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 64, sys.argv[2] if len(sys.argv) > 2 else "models:/stancewatch@champion")
