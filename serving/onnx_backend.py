"""ONNX Runtime encoder: the packaged encoder exported to ONNX (fp32 or int8 MatMul), ~2-3x faster on CPUs."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serving.windows import length_batches, pad_batch

ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model.int8.onnx"


def export_onnx(encoder_dir: Path, quantize: bool = True, token_types: bool = False) -> list[Path]:
    """Write ``model.onnx`` (and ``model.int8.onnx``) next to the encoder's weights.

    ``token_types`` adds a ``token_type_ids`` input, which sentence-pair models (the stance
    cross-encoder) need; the topic windows are single segments and leave it out.
    """
    import torch
    from transformers import AutoModel

    class Hidden(torch.nn.Module):
        """Keyword-only call into the transformer; tracing passes these two tensors positionally."""

        def __init__(self) -> None:
            super().__init__()
            self.model = AutoModel.from_pretrained(encoder_dir, attn_implementation="eager").eval()

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
        ) -> torch.Tensor:
            inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                inputs["token_type_ids"] = token_type_ids
            return self.model(**inputs).last_hidden_state  # type: ignore[no-any-return]

    model = Hidden().eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    example = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_types else [])
    fp32 = encoder_dir / ONNX_FP32
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode(), warnings.catch_warnings():
        # the tracer's notes on transformers' mask code and on advanced indexing: harmless here, the export is
        # checked against torch (training's dev check, tests/test_end_to_end.py) before any variant runs it
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="Exporting aten::index operator")
        torch.onnx.export(
            model,
            tuple(example[name] for name in names),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={name: axes for name in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    written = [fp32]
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8 = encoder_dir / ONNX_INT8
        with _without_root_message("pre-processing before quantization"):  # an onnxruntime hint for CNNs
            quantize_dynamic(
                str(fp32),
                str(int8),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
                nodes_to_exclude=ffn_output_matmuls(fp32),
            )
        written.append(int8)
    return written


@contextlib.contextmanager
def _without_root_message(fragment: str) -> Iterator[None]:
    """Drop root-logger records containing ``fragment`` while the block runs."""

    class Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return fragment not in record.getMessage()

    root = logging.getLogger()
    drop = Drop()
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)


def ffn_output_matmuls(graph: Path) -> list[str]:
    """The feed-forward output projections (GELU activations in, wide range): kept fp32 in the int8 model.

    Quantizing every MatMul cost 0.8 point of dev macro-F1 on the champion; leaving these six in fp32
    matched fp32 on dev at about 1.5x its speed (benchmarks/exploration/int8_variants.py, BENCHMARKS.md).
    """
    import onnx

    names = [node.name for node in onnx.load(str(graph)).graph.node if node.op_type == "MatMul"]
    return [n for n in names if "/output/dense/" in n and "/attention/" not in n]


def onnx_session(graph: Path, threads: int | None = None) -> Any:
    """A CPU inference session using ``threads`` (default: OMP_NUM_THREADS, else every core)."""
    import onnxruntime as ort

    if not graph.is_file():
        raise FileNotFoundError(
            f"{graph} not found: this model was packaged without an ONNX export; use backend 'torch' or retrain"
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))
    options.inter_op_num_threads = 1
    # no arena: ONNX Runtime's CPU arena keeps the largest buffers of every batch shape it has seen, which
    # on a long corpus added 230-290 MB to the stance model alone (BENCHMARKS.md, session 16)
    options.enable_cpu_mem_arena = False
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


def masked_mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of ``hidden`` over the tokens ``mask`` keeps (batch x tokens x dim -> batch x dim)."""
    weights = mask[..., None].astype(np.float32)
    return np.asarray((hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None), dtype=np.float32)


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm."""
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


class OnnxEncoder:
    """Same contract as ``TorchEncoder``: normalised mean-pooled embeddings per window."""

    def __init__(self, path: str | Path, quantized: bool = False, threads: int | None = None) -> None:
        from transformers import AutoTokenizer

        self.path = str(path)
        self.session = onnx_session(Path(path) / (ONNX_INT8 if quantized else ONNX_FP32), threads)
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.dim = int(self.session.get_outputs()[0].shape[-1] or 0) or self._probe_dim()

    def _probe_dim(self) -> int:
        ids = np.array([[self.tokenizer.cls_token_id, self.tokenizer.sep_token_id]], dtype=np.int64)
        return int(self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0].shape[-1])

    def encode(self, windows: Sequence[Sequence[int]], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(windows), self.dim), dtype=np.float32)
        for batch in length_batches(windows, batch_size):
            ids, mask = pad_batch([windows[i] for i in batch], self.tokenizer.pad_token_id or 0)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            out[batch] = normalised(masked_mean(hidden, mask))
        return out
