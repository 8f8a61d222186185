"""Target-aware stance cross-encoder: (actor + topic proposition, actor's context) -> one of STANCES.

Fine-tunes MiniLM as a sequence-pair classifier on ``StanceExample`` pairs, with class weights for
the rare stances; a TF-IDF + logistic-regression baseline on the same pairs runs beside it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from training.stance_data import STANCES, StanceExample


@dataclass
class StanceSettings:
    epochs: int = 2
    batch_size: int = 16
    lr: float = 3e-5
    max_length: int = 256
    bf16: bool = False
    seed: int = 13


def stance_macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = STANCES[:3]) -> float:
    """Macro-F1 over the given stance classes (favor/against/neutral by default)."""
    return float(f1_score(list(gold), list(predicted), labels=list(labels), average="macro", zero_division=0))


def tfidf_baseline(train: Sequence[StanceExample], test: Sequence[StanceExample], seed: int = 13) -> list[str]:
    """TF-IDF over 'actor proposition || context' with a balanced multinomial logistic regression."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    matrix = vectorizer.fit_transform([" ".join(e.pair()) for e in train])
    model = LogisticRegression(C=10, class_weight="balanced", max_iter=5000, random_state=seed)
    model.fit(matrix, [e.label for e in train])
    return [str(p) for p in model.predict(vectorizer.transform([" ".join(e.pair()) for e in test]))]


class StanceModel:
    """A fine-tuned sequence-pair classifier over STANCES."""

    def __init__(self, path: str | Path) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModelForSequenceClassification.from_pretrained(str(path)).eval()

    def predict_proba(self, examples: Sequence[StanceExample], batch_size: int = 32) -> np.ndarray:
        out = []
        with self.torch.inference_mode():
            for start in range(0, len(examples), batch_size):
                pairs = [e.pair() for e in examples[start : start + batch_size]]
                enc = self.tokenizer(
                    [a for a, _ in pairs],
                    [b for _, b in pairs],
                    truncation="only_second",
                    max_length=256,
                    padding=True,
                    return_tensors="pt",
                )
                out.append(self.torch.softmax(self.model(**enc).logits, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, len(STANCES)))

    def predict(self, examples: Sequence[StanceExample]) -> list[str]:
        return [STANCES[i] for i in self.predict_proba(examples).argmax(axis=1)]


def train_stance(base: str, train: Sequence[StanceExample], settings: StanceSettings, out_dir: Path) -> Path:
    """Fine-tune ``base`` on the pairs with class-weighted cross-entropy; save model and tokenizer."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(STANCES), id2label=dict(enumerate(STANCES)), label2id={s: i for i, s in enumerate(STANCES)}
    )
    counts = np.bincount([STANCES.index(e.label) for e in train], minlength=len(STANCES)).astype(np.float32)
    weights = torch.tensor(np.sqrt(counts.sum() / np.clip(counts, 1, None) / len(STANCES)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr)
    items = list(train)
    steps = max(1, settings.epochs * (len(items) // settings.batch_size))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, (steps - s) / steps))
    model.train()
    for _ in range(settings.epochs):
        rng.shuffle(items)
        for start in range(0, len(items) - settings.batch_size + 1, settings.batch_size):
            batch = items[start : start + settings.batch_size]
            enc = tokenizer(
                [e.pair()[0] for e in batch],
                [e.pair()[1] for e in batch],
                truncation="only_second",
                max_length=settings.max_length,
                padding=True,
                return_tensors="pt",
            )
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
                logits = model(**enc).logits
            loss = loss_fn(logits.float(), torch.tensor([STANCES.index(e.label) for e in batch]))
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
