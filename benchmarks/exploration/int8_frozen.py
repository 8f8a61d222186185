"""ONNX int8 (every MatMul quantized) for the pretrained encoder that scores `frozen_labels` only.

python benchmarks/exploration/int8_frozen.py [--model models:/stancewatch@champion] [--report-test]

Quantizes the package's frozen encoder (a copy) with every MatMul int8, then per split: windows/s of
torch bf16, the int8 graph and torch fp32 on the split's windows, and the model's macro-F1 with the
frozen label's column recomputed from each (package thresholds). Dev always; test only for the report.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.encoder import TorchEncoder  # noqa: E402
from serving.onnx_backend import ONNX_FP32, ONNX_INT8, OnnxEncoder  # noqa: E402
from serving.package import ENCODER_DIR, FROZEN_DIR, find_package  # noqa: E402
from serving.predictor import Predictor  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from serving.windows import pool, tokenize_windows  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.metrics import report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--report-test", action="store_true")
    args = parser.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    package = find_package(resolve_model(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")[0])
    predictor = Predictor.from_directory(package, backend="torch-bf16", actors=False)
    if predictor.frozen is None:
        sys.exit("this model has no frozen_labels")
    copy = Path(tempfile.mkdtemp()) / "encoder"
    shutil.copytree(package / FROZEN_DIR / ENCODER_DIR, copy)
    quantize_dynamic(
        str(copy / ONNX_FP32),
        str(copy / ONNX_INT8),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
    encoders = {
        "torch-bf16": TorchEncoder(package / FROZEN_DIR / ENCODER_DIR, bf16=True),
        "onnx-int8-every-matmul": OnnxEncoder(copy, quantized=True),
        "torch-fp32": TorchEncoder(package / FROZEN_DIR / ENCODER_DIR),
    }
    columns = [predictor.labels.index(label) for label in predictor.manifest.frozen_labels]
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    for split in ["dev", "test"] if args.report_test else ["dev"]:
        texts, y = corpus.texts(split), np.asarray(corpus.targets(split))
        windows, owners = tokenize_windows(predictor.encoder.tokenizer, texts, predictor.frozen_window)
        base = predictor.predict_proba(texts).probabilities
        for name, encoder in encoders.items():
            started = time.perf_counter()
            vectors = encoder.encode(windows, 32)
            seconds = time.perf_counter() - started
            probs = base.copy()
            features = pool(vectors, owners, len(texts), predictor.manifest.frozen_aggregation)
            probs[:, columns] = predictor.frozen.head.predict_proba(features)
            scores = report(y, probs, predictor.manifest.thresholds, predictor.labels)
            change = float(np.abs(probs - base).max())
            print(
                f"{split} {name:24s} {len(windows) / seconds:6.1f} windows/s  macro-F1 {scores['macro_f1']:.4f}  "
                f"max change {change:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
