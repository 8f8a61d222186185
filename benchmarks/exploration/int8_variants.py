"""Scratch: int8 quantization variants of the champion encoder, dev macro-F1 vs torch and speed.

python benchmarks/exploration/int8_variants.py
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving.package import ENCODER_DIR, find_package  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.metrics import report  # noqa: E402


def main() -> None:
    from onnx import load as onnx_load
    from onnxruntime.quantization import QuantType, quantize_dynamic

    local, _ = resolve_model("models:/stancewatch@champion", "sqlite:///mlruns/mlflow.db")
    src = find_package(Path(local))
    corpus = build_corpus(ROOT / "data/articles.jsonl")
    texts, targets = corpus.texts("dev"), np.asarray(corpus.targets("dev"))
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(shutil.copytree(src, Path(tmp) / "pkg", ignore=shutil.ignore_patterns("stance")))
        enc = pkg / ENCODER_DIR
        fp32 = enc / "model.onnx"
        names = [n.name for n in onnx_load(str(fp32)).graph.node if n.op_type == "MatMul"]
        ffn_out = [n for n in names if "output/dense" in n and "attention" not in n]
        variants = {
            "per_channel": {},
            "reduce_range": {"reduce_range": True},
            "skip_ffn_out": {"nodes_to_exclude": ffn_out},
            "skip_last_layer": {"nodes_to_exclude": [n for n in names if "layer.5" in n]},
        }
        thresholds = Predictor.from_directory(pkg, backend="torch").manifest.thresholds
        base = Predictor.from_directory(pkg, backend="onnx-fp32").predict_proba(texts).probabilities
        stub = [str(j) for j in range(targets.shape[1])]
        out = {"fp32": report(targets, base, thresholds, stub)["macro_f1"], "ffn_out_nodes": len(ffn_out)}
        for name, kw in variants.items():
            quantize_dynamic(str(fp32), str(enc / "model.int8.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"], **kw)
            predictor = Predictor.from_directory(pkg, backend="onnx-int8")
            started = time.time()
            probs = predictor.predict_proba(texts).probabilities
            out[name] = {"dev_f1": report(targets, probs, thresholds, stub)["macro_f1"],
                         "max_abs_diff": float(np.abs(probs - base).max()), "seconds": round(time.time() - started, 1)}
            print(name, out[name], flush=True)
        started = time.time()
        Predictor.from_directory(pkg, backend="onnx-fp32").predict_proba(texts)
        out["fp32_seconds"] = round(time.time() - started, 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
