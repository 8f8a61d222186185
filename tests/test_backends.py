"""Backend resolution and the dev-checked choice of the fastest faithful variant."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from serving import backends
from serving.backends import resolve_backend
from training import export


def test_auto_runs_the_recommended_variant_and_falls_back_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "cpu_has_bf16", lambda: True)
    assert resolve_backend("auto", "onnx-int8", has_onnx=True) == "onnx-int8"
    assert resolve_backend("onnx", "torch-bf16", has_onnx=True) == "torch-bf16"  # older name of auto
    assert resolve_backend("auto", "onnx-int8", has_onnx=False) == "torch"  # no export packaged
    assert resolve_backend("onnx-fp32", "torch", has_onnx=True) == "onnx-fp32"  # explicit choice wins
    monkeypatch.setattr(backends, "cpu_has_bf16", lambda: False)
    assert resolve_backend("auto", "torch-bf16", has_onnx=True) == "onnx-fp32"  # no native bf16 here
    assert resolve_backend("auto", "torch-bf16", has_onnx=False) == "torch"
    assert resolve_backend("auto", "openvino-bf16", has_onnx=True) == "openvino-fp32"
    assert resolve_backend("auto", "openvino-bf16", has_onnx=False) == "torch"
    with pytest.raises(ValueError, match="'openvino-bf16' needs a CPU with AVX512-BF16"):
        resolve_backend("openvino-bf16", "torch", has_onnx=True)
    with pytest.raises(ValueError, match="AVX512-BF16"):
        resolve_backend("torch-bf16", "torch", has_onnx=True)
    with pytest.raises(ValueError, match="without an ONNX export"):
        resolve_backend("onnx-int8", "torch", has_onnx=False)
    with pytest.raises(ValueError, match=r"backend must be one of .*found 'cuda'"):
        resolve_backend("cuda", "torch", has_onnx=True)


def test_pick_fastest_within_tolerance_then_closest_to_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "candidate_variants", lambda: ["onnx-int8", "onnx-fp32", "torch-bf16"])

    def scores(f1: dict[str, float], seconds: dict[str, float], change: dict[str, float]) -> dict[str, float | str]:
        out: dict[str, float | str] = {}
        for v in f1:
            out |= {f"dev_macro_f1_{v}": f1[v], f"dev_seconds_{v}": seconds[v], f"dev_mean_abs_change_{v}": change[v]}
        return out

    f1 = {"onnx-int8": 0.94, "onnx-fp32": 0.95, "torch-bf16": 0.95}
    seconds = {"onnx-int8": 10.0, "onnx-fp32": 30.0, "torch-bf16": 20.0}
    change = {"onnx-int8": 0.02, "onnx-fp32": 0.0001, "torch-bf16": 0.002}
    # int8 is fastest but 1 point off: the fastest faithful one wins
    assert export.pick_fastest(scores(f1, seconds, change), 0.95, 0.005, "") == "torch-bf16"
    # within 15% of the fastest time, the one closest to torch wins
    f1["onnx-int8"] = 0.95
    seconds["torch-bf16"] = 11.0
    assert export.pick_fastest(scores(f1, seconds, change), 0.95, 0.005, "") == "torch-bf16"
    seconds["torch-bf16"] = 12.0
    assert export.pick_fastest(scores(f1, seconds, change), 0.95, 0.005, "") == "onnx-int8"
    # nothing faithful: torch
    assert export.pick_fastest(scores(f1, seconds, change), 0.90, 0.005, "") == "torch"


def test_loading_a_model_limits_the_onednn_cache_unless_the_user_set_it(
    tiny_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from serving.backends import ONEDNN_CACHE_CAPACITY
    from serving.predictor import Predictor

    monkeypatch.delenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", raising=False)
    Predictor.from_directory(tiny_package, actors=False)
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == ONEDNN_CACHE_CAPACITY
    monkeypatch.setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "512")
    Predictor.from_directory(tiny_package, actors=False)
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == "512"
