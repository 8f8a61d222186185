"""Inference backends for the encoders (topic windows and stance pairs) and how a request resolves.

Concrete variants: ``torch`` (fp32), ``torch-bf16`` (bfloat16 autocast; only where the CPU has native
bf16, AVX512-BF16 or AMX), ``onnx-fp32`` and ``onnx-int8`` (ONNX Runtime), ``openvino-fp32`` and
``openvino-bf16`` (OpenVINO's CPU runtime on the same ONNX graph; bf16 only with native bf16). ``auto`` runs the variant
training validated on dev for this package (the fastest one within the tolerance of torch); ``onnx`` is
its older name and means the same.
"""

from __future__ import annotations

import os
from pathlib import Path

ONNX_VARIANTS = ("onnx-fp32", "onnx-int8")
OPENVINO_VARIANTS = ("openvino-fp32", "openvino-bf16")
GRAPH_VARIANTS = (*ONNX_VARIANTS, *OPENVINO_VARIANTS)  # run the packaged ONNX export
CONCRETE = ("torch", "torch-bf16", *GRAPH_VARIANTS)
BACKENDS = ("auto", *CONCRETE, "onnx")


ONEDNN_CACHE_CAPACITY = "16"


def limit_onednn_cache() -> None:
    """Keep oneDNN's primitive cache small unless the user set ONEDNN_PRIMITIVE_CACHE_CAPACITY.

    Inference batches have many shapes (dynamic padding), and under bf16 autocast oneDNN caches
    primitives per shape (1,024 by default): scoring the 7,075-article corpus grew RSS from 1.45 to over
    2.1 GB. With 16 entries RSS stays flat at the same speed (BENCHMARKS.md). Read by oneDNN at its first
    primitive, so this runs before any inference; a process that already ran one keeps its setting.
    """
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", ONEDNN_CACHE_CAPACITY)


def cpu_has_bf16() -> bool:
    """True where the CPU runs bfloat16 matmuls natively (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_backend(backend: str, recommended: str, has_onnx: bool) -> str:
    """The variant to run for a requested ``backend``, given the package's validated ``recommended`` one."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; found '{backend}'")
    automatic = backend in ("auto", "onnx")
    variant = recommended if automatic else backend
    if variant.endswith("bf16") and not cpu_has_bf16():
        if not automatic:
            raise ValueError(f"backend '{variant}' needs a CPU with AVX512-BF16 or AMX; use 'auto' or 'torch'")
        # bf16 emulated in software is slower than fp32
        variant = "openvino-fp32" if variant.startswith("openvino") else "onnx-fp32" if has_onnx else "torch"
    if variant in GRAPH_VARIANTS and not has_onnx:
        if not automatic:
            raise ValueError("this model was packaged without an ONNX export; use backend 'auto' or 'torch'")
        variant = "torch"
    return variant if variant in CONCRETE else "torch"  # an unknown recorded variant: the reference path
