"""Encoder fine-tuning on labelled documents: a classification objective or SetFit-style pairs."""

from __future__ import annotations

import logging
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from serving.backends import cpu_has_bf16
from serving.encoder import mean_pool, set_threads
from serving.heads import LinearHead

log = logging.getLogger(__name__)
StepHook = Callable[[int, float], None]
ORDER_SEED_STEP = 1000  # data-order seed of soup run k: seed + k * ORDER_SEED_STEP
CLASSIFIER_HEAD = "classifier_head.npz"  # the head trained jointly with the encoder (classify objective)


def use_bf16(setting: str) -> bool:
    return setting == "on" or (setting == "auto" and cpu_has_bf16())


@dataclass
class FinetuneSettings:
    """Objective, schedule and the leading token chunks each document contributes."""

    objective: str  # "classify" or "contrastive"
    epochs: int
    pairs: int
    batch_size: int
    lr: float
    chunk_tokens: int
    chunks: int
    warmup_ratio: float
    bf16: bool
    seed: int
    soup: int = 1  # > 1: fine-tune this many times (data orders differ) and average the weights
    member: int = 0  # which run of a soup this is (shifts the data-order seed only)
    doc_weights: Sequence[float] | None = None  # per training document loss weight (classify objective)


def make_pairs(label_keys: Sequence[tuple[int, ...]], n_pairs: int, rng: random.Random) -> list[tuple[int, int, float]]:
    """Balanced pairs: half share a label set (target 1), half differ (target 0)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, key in enumerate(label_keys):
        groups.setdefault(key, []).append(index)
    same = [k for k, v in groups.items() if len(v) >= 2]
    keys = list(groups)
    if not same or len(keys) < 2:
        raise ValueError("contrastive fine-tuning needs at least two label sets with two documents each")
    pairs = []
    for _ in range(n_pairs // 2):
        a, b = rng.sample(groups[rng.choice(same)], 2)
        pairs.append((a, b, 1.0))
        k1, k2 = rng.sample(keys, 2)
        pairs.append((rng.choice(groups[k1]), rng.choice(groups[k2]), 0.0))
    rng.shuffle(pairs)
    return pairs


def leading_chunks(tokenizer: Any, texts: Sequence[str], size: int, limit: int) -> list[list[list[int]]]:
    """Per text, its first ``limit`` chunks of ``size - 2`` tokens (title and lead come first)."""
    encoded = tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
    body = size - 2
    return [[ids[i : i + body] for i in range(0, max(len(ids), 1), body)][:limit] for ids in encoded]


class _Trainer:
    """Shared state of one fine-tuning run: model, tokenizer, optimiser with linear warm-up/decay."""

    def __init__(self, base: str, settings: FinetuneSettings, extra_params: Sequence[Any], steps: int) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.settings = settings
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        self.model = AutoModel.from_pretrained(base)
        groups = [{"params": self.model.parameters(), "lr": settings.lr}]
        if extra_params:
            groups.append({"params": list(extra_params), "lr": 1e-3})
        self.optimizer = torch.optim.AdamW(groups)
        warmup = max(1.0, settings.warmup_ratio * steps)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps)
        )

    def embed(self, chunks: Sequence[Sequence[int]]) -> Any:
        tok, torch = self.tokenizer, self.torch
        seqs = [[tok.cls_token_id, *c, tok.sep_token_id] for c in chunks]
        width = max(map(len, seqs))
        ids = torch.tensor([s + [tok.pad_token_id] * (width - len(s)) for s in seqs])
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.settings.bf16):
            hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        return mean_pool(hidden, mask)

    def step(self, loss: Any) -> float:
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad()
        return float(loss.detach())

    def save(self, out_dir: Path) -> Path:
        self.model.eval()
        out_dir.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(out_dir)
        self.tokenizer.save_pretrained(out_dir)
        return out_dir


def _classify(
    base: str,
    texts: Sequence[str],
    targets: Sequence[Sequence[int]],
    s: FinetuneSettings,
    out_dir: Path,
    on_step: StepHook | None,
) -> Path:
    """BCE over every leading chunk with its document's labels; positives up-weighted by sqrt(neg/pos),
    each chunk's loss by its document's weight (``s.doc_weights``; 1 when absent)."""
    import torch
    from transformers import AutoTokenizer

    rng = random.Random(s.seed + ORDER_SEED_STEP * s.member)
    chunks = leading_chunks(AutoTokenizer.from_pretrained(base), texts, s.chunk_tokens, s.chunks)
    doc_weights = s.doc_weights if s.doc_weights is not None else [1.0] * len(texts)
    items = [
        (chunk, list(map(float, y)), float(w))
        for doc, y, w in zip(chunks, targets, doc_weights, strict=True)
        for chunk in doc
    ]
    labels = torch.tensor([y for _, y, _ in items])
    positives = labels.sum(0).clamp(min=1.0)
    pos_weight = ((len(items) - positives) / positives).clamp(min=1.0).sqrt()
    steps = max(1, s.epochs * (len(items) // s.batch_size))
    head = torch.nn.Linear(_hidden_size(base), len(targets[0]))
    trainer = _Trainer(base, s, list(head.parameters()), steps)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction="none")
    trainer.model.train()
    step = 0
    for _ in range(s.epochs):
        rng.shuffle(items)
        for start in range(0, len(items) - s.batch_size + 1, s.batch_size):
            batch = items[start : start + s.batch_size]
            logits = head(trainer.embed([c for c, _, _ in batch]) * 10.0)  # cosine-scale features
            elementwise = loss_fn(logits, torch.tensor([y for _, y, _ in batch]))
            if s.doc_weights is not None:
                elementwise = elementwise * torch.tensor([[w] for _, _, w in batch])
            loss = trainer.step(elementwise.mean())
            if on_step is not None:
                on_step(step, loss)
            step += 1
    saved = trainer.save(out_dir)
    weight = head.weight.detach().numpy() * 10.0  # the cosine scale folded into the weights
    LinearHead(weight, head.bias.detach().numpy()).save(saved / CLASSIFIER_HEAD)
    return saved


def _contrastive(
    base: str,
    texts: Sequence[str],
    targets: Sequence[Sequence[int]],
    s: FinetuneSettings,
    out_dir: Path,
    on_step: StepHook | None,
) -> Path:
    """Cosine-similarity loss on balanced same-label / different-label document pairs."""
    import torch

    rng = random.Random(s.seed + ORDER_SEED_STEP * s.member)
    pairs = make_pairs([tuple(t) for t in targets], s.pairs, rng)
    steps = max(1, len(pairs) // s.batch_size)
    trainer = _Trainer(base, s, [], steps)
    chunks = leading_chunks(trainer.tokenizer, texts, s.chunk_tokens, s.chunks)
    trainer.model.train()
    for step in range(steps):
        batch = pairs[step * s.batch_size : (step + 1) * s.batch_size]
        left = trainer.embed([rng.choice(chunks[p[0]]) for p in batch])
        right = trainer.embed([rng.choice(chunks[p[1]]) for p in batch])
        cosine = torch.nn.functional.cosine_similarity(left, right)
        loss = trainer.step(((cosine - torch.tensor([p[2] for p in batch])) ** 2).mean())
        if on_step is not None:
            on_step(step, loss)
    return trainer.save(out_dir)


def _hidden_size(base: str) -> int:
    from transformers import AutoConfig

    return int(AutoConfig.from_pretrained(base).hidden_size)


def finetune_encoder(
    base: str,
    texts: Sequence[str],
    targets: Sequence[Sequence[int]],
    settings: FinetuneSettings,
    out_dir: Path,
    on_step: StepHook | None = None,
) -> Path:
    """Fine-tune ``base`` with the configured objective; save model and tokenizer to ``out_dir``.

    With ``soup > 1`` the fine-tune runs that many times from the same start (same seed for the new
    head, other data orders) and the weights are averaged (a uniform "model soup").
    """
    objectives = {"classify": _classify, "contrastive": _contrastive}
    if settings.objective not in objectives:
        raise ValueError(f"fine-tuning objective must be one of {sorted(objectives)}, found '{settings.objective}'")
    if settings.soup < 1:
        raise ValueError(f"soup must be >= 1 fine-tuning runs, found {settings.soup}")
    objective = objectives[settings.objective]
    set_threads()
    if settings.soup == 1:
        return _one_member(objective, base, texts, targets, settings, out_dir, on_step)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [replace(settings, member=k) for k in range(settings.soup)]
        members = [
            _one_member(objective, base, texts, targets, run, Path(tmp) / str(run.member), on_step) for run in runs
        ]
        return average_models(members, out_dir)


def _one_member(
    objective: Callable[..., Path],
    base: str,
    texts: Sequence[str],
    targets: Sequence[Sequence[int]],
    settings: FinetuneSettings,
    out_dir: Path,
    on_step: StepHook | None,
) -> Path:
    import torch

    torch.manual_seed(settings.seed)
    path = objective(base, texts, targets, settings, out_dir, on_step)
    log.info("fine-tuned encoder (%s, run %d) saved to %s", settings.objective, settings.member, path)
    return path


def average_models(members: Sequence[Path], out_dir: Path) -> Path:
    """The element-wise mean of the members' weights (and of their jointly trained heads) in ``out_dir``."""
    import numpy as np
    from transformers import AutoModel, AutoTokenizer

    models = [AutoModel.from_pretrained(str(m)) for m in members]
    states = [m.state_dict() for m in models]
    mean = {
        k: sum(s[k].float() for s in states) / len(states) if states[0][k].is_floating_point() else states[0][k]
        for k in states[0]
    }
    models[0].load_state_dict(mean)
    out_dir.mkdir(parents=True, exist_ok=True)
    models[0].eval().save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(str(members[0])).save_pretrained(out_dir)
    heads = [m / CLASSIFIER_HEAD for m in members]
    if all(h.is_file() for h in heads):
        loaded = [LinearHead.load(h) for h in heads]
        LinearHead(np.mean([h.weights for h in loaded], axis=0), np.mean([h.bias for h in loaded], axis=0)).save(
            out_dir / CLASSIFIER_HEAD
        )
    return out_dir
