"""OpenVINO encoder: the packaged ONNX export compiled by OpenVINO's CPU runtime, fp32 or bf16.

On the 2-core AMD EPYC (AVX512-BF16, no AMX) of BENCHMARKS.md, OpenVINO fp32 runs the topic encoder as fast
as torch bf16 autocast with fp32's exact outputs, and OpenVINO bf16 about 1.6x faster than torch bf16 with
the same small embedding changes (its fused attention is what torch's CPU kernels lack). Training checks
both on dev like the other variants (``training/export.py``) and records the one to run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from serving.onnx_backend import ONNX_FP32, masked_mean, normalised
from serving.windows import length_batches, pad_batch

# compiled kernels kept per input shape; dynamic padding makes many shapes, and OpenVINO's default (5,000)
# let RSS grow by ~0.6 GB over 300 random shapes of one encoder, against ~0.4 GB flat after ~100 with 16
RUNTIME_CACHE_CAPACITY = 16
# OpenVINO keeps each request's activation buffers for the largest batch it ran: batches of at most 16 windows
# held ~70 MB less than 32 per encoder and ran as fast or faster (120.7 vs 114.9 windows/s, BENCHMARKS.md)
MAX_WINDOWS_PER_BATCH = 16


OPENVINO_IR = "model.openvino.xml"  # with model.openvino.bin: the ONNX export's graph, weights stored as fp16


def export_openvino(encoder_dir: Path) -> list[Path]:
    """Write the OpenVINO IR of ``model.onnx`` with fp16-compressed weights, for the bf16 variant.

    OpenVINO's CPU plugin keeps compressed weights compressed: three encoders compiled for bf16 from this IR
    held ~250 MB less than from the ONNX graph, at the same speed and within 0.0001 of its embeddings
    (BENCHMARKS.md, session 17). The fp32 variant keeps reading ``model.onnx`` (exact fp32 weights).
    """
    import openvino as ov

    xml = encoder_dir / OPENVINO_IR
    ov.save_model(ov.Core().read_model(str(encoder_dir / ONNX_FP32)), str(xml), compress_to_fp16=True)
    return [xml, xml.with_suffix(".bin")]


def graph_for(encoder_dir: Path, bf16: bool) -> Path:
    """The graph a variant compiles: the fp16-weight IR for bf16 where the package has one, else the ONNX graph."""
    ir = encoder_dir / OPENVINO_IR
    return ir if bf16 and ir.is_file() else encoder_dir / ONNX_FP32


class SharedRequest:
    """One OpenVINO infer request that many threads may call: a request runs one inference at a time and
    raises "Infer Request is busy" on a second (``mlflow models serve`` calls the pyfunc from a thread pool).
    A lock serialises the calls; each already uses every core, so running them side by side would not be
    faster, and one request keeps one set of activation buffers."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.lock = threading.Lock()

    def infer(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """The first output of one inference, copied out of the request's buffers before the lock is released."""
        with self.lock:
            return np.array(self.request.infer(feed)[0], copy=True)

    def input_names(self) -> set[str]:
        return {name for port in self.request.model_inputs for name in port.get_names()}

    def output_width(self) -> int:
        return int(self.request.model_outputs[0].get_partial_shape()[-1].get_length())


def openvino_request(graph: Path, bf16: bool, threads: int | None = None) -> SharedRequest:
    """An infer request of ``graph`` compiled for the CPU with ``threads`` (default: OMP_NUM_THREADS, else
    every core), safe to call from several threads; ``bf16`` sets OpenVINO's inference precision (where the
    CPU has native bf16)."""
    import openvino as ov

    if not graph.is_file():
        raise FileNotFoundError(
            f"{graph} not found: this model was packaged without an ONNX export; use backend 'torch' or retrain"
        )
    config = {
        "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_NUM_THREADS": threads or int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)),
        "CPU_RUNTIME_CACHE_CAPACITY": RUNTIME_CACHE_CAPACITY,
    }
    core = ov.Core()
    return SharedRequest(core.compile_model(core.read_model(str(graph)), "CPU", config).create_infer_request())


class OpenVinoEncoder:
    """Same contract as ``TorchEncoder``: normalised mean-pooled embeddings per window."""

    def __init__(self, path: str | Path, bf16: bool = False, threads: int | None = None) -> None:
        from transformers import AutoTokenizer

        self.path = str(path)
        self.request = openvino_request(graph_for(Path(path), bf16), bf16, threads)
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.dim = self.request.output_width()

    def encode(self, windows: Sequence[Sequence[int]], batch_size: int = 32) -> np.ndarray:
        """One normalised embedding per window, in batches of at most ``MAX_WINDOWS_PER_BATCH``."""
        out = np.zeros((len(windows), self.dim), dtype=np.float32)
        for batch in length_batches(windows, min(batch_size, MAX_WINDOWS_PER_BATCH)):
            ids, mask = pad_batch([windows[i] for i in batch], self.tokenizer.pad_token_id or 0)
            hidden = self.request.infer({"input_ids": ids, "attention_mask": mask})
            out[batch] = normalised(masked_mean(hidden, mask))
        return out


class OpenVinoPairNet:
    """The stance cross-encoder's graph in OpenVINO, plus pooling and the linear layer in numpy."""

    def __init__(self, encoder_dir: Path, weights: np.ndarray, bias: np.ndarray, bf16: bool) -> None:
        self.request = openvino_request(graph_for(encoder_dir, bf16), bf16)
        self.inputs = self.request.input_names()
        self.weights = weights
        self.bias = bias

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Logits per pair, run in slices of at most ``MAX_WINDOWS_PER_BATCH`` pairs."""
        rows = len(batch["attention_mask"])
        pooled = []
        for start in range(0, rows, MAX_WINDOWS_PER_BATCH):
            part = {k: v[start : start + MAX_WINDOWS_PER_BATCH] for k, v in batch.items()}
            feed = {k: v.astype(np.int64) for k, v in part.items() if k in self.inputs}
            pooled.append(masked_mean(self.request.infer(feed), part["attention_mask"]))
        return np.asarray(np.concatenate(pooled) @ self.weights.T + self.bias, dtype=np.float32)
