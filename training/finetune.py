"""SetFit-style contrastive fine-tuning of the sentence encoder on labelled document pairs."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serving.encoder import mean_pool, set_threads

log = logging.getLogger(__name__)


def cpu_has_bf16() -> bool:
    """True where the CPU runs bfloat16 matmuls natively (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bf16(setting: str) -> bool:
    return setting == "on" or (setting == "auto" and cpu_has_bf16())


@dataclass
class PairSettings:
    """How many pairs, how long each chunk, how many leading chunks a document offers."""

    pairs: int
    batch_size: int
    lr: float
    chunk_tokens: int
    chunks: int
    warmup_ratio: float
    bf16: bool
    seed: int


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


def _chunks(tokenizer: Any, texts: Sequence[str], size: int, limit: int) -> list[list[list[int]]]:
    encoded = tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
    body = size - 2
    return [[ids[i : i + body] for i in range(0, max(len(ids), 1), body)][:limit] for ids in encoded]


def finetune_encoder(
    base: str,
    texts: Sequence[str],
    targets: Sequence[Sequence[int]],
    settings: PairSettings,
    out_dir: Path,
    on_step: Callable[[int, float], None] | None = None,
) -> Path:
    """Fine-tune ``base`` with a cosine-similarity loss on document pairs; save model + tokenizer."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    set_threads()
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModel.from_pretrained(base)
    chunks = _chunks(tokenizer, texts, settings.chunk_tokens, settings.chunks)
    pairs = make_pairs([tuple(t) for t in targets], settings.pairs, rng)
    steps = max(1, len(pairs) // settings.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr)
    warmup = max(1.0, settings.warmup_ratio * steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) * (steps - s) / steps)

    def embed(indices: list[int]) -> Any:
        seqs = [[tokenizer.cls_token_id, *rng.choice(chunks[i]), tokenizer.sep_token_id] for i in indices]
        width = max(map(len, seqs))
        ids = torch.tensor([s + [tokenizer.pad_token_id] * (width - len(s)) for s in seqs])
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
        return mean_pool(model(input_ids=ids, attention_mask=mask).last_hidden_state, mask)

    model.train()
    for step in range(steps):
        batch = pairs[step * settings.batch_size : (step + 1) * settings.batch_size]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
            left, right = embed([p[0] for p in batch]), embed([p[1] for p in batch])
        cosine = torch.nn.functional.cosine_similarity(left.float(), right.float())
        loss = ((cosine - torch.tensor([p[2] for p in batch])) ** 2).mean()
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        if on_step is not None:
            on_step(step, float(loss.detach()))
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    log.info("fine-tuned encoder saved to %s after %d steps", out_dir, steps)
    return out_dir
