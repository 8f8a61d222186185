"""Scratch: topic-encoder throughput of torch (fp32, bf16 autocast), ONNX Runtime fp32 and OpenVINO (f32, bf16; bf16 from an fp16-weight IR).

python benchmarks/exploration/encoder_openvino.py [MODEL_URI]   (default models:/stancewatch/7)

The fine-tuned topic encoder of MODEL_URI on the 256-token windows of every 70th article of
../shared/corpus/unlabeled.jsonl (60 articles), batches of 32, two rounds, one process, side by side; max.
embedding difference and min. cosine to torch fp32.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import numpy as np

from serving.onnx_backend import OnnxEncoder
from serving.openvino_backend import masked_mean, openvino_request
from serving.predictor import Predictor, as_document
from serving.windows import length_batches, pad_batch, tokenize_windows

uri = sys.argv[1] if len(sys.argv) > 1 else "models:/stancewatch/7"
p = Predictor.load(uri, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="torch", actors=False)
docs = [json.loads(line) for line in open(ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl")][::70][:60]
texts = [as_document({"title": d.get("title"), "text": d["text"]}).full_text() for d in docs]
enc = p.encoder
windows, _ = tokenize_windows(enc.tokenizer, texts, p.window)
print(len(windows), "windows", flush=True)


def run_torch(ws, bf16):
    enc.bf16 = bf16
    return enc.encode(ws, 32)


def openvino(bf16, ir16=False):
    """Batches of 32 here (the product caps OpenVINO at 16), to compare like with like; ``ir16``: compile an IR
    with fp16-compressed weights (what the product's openvino-bf16 reads) instead of the ONNX graph."""
    graph = Path(enc.path) / "model.onnx"
    if ir16:
        import openvino as ov

        ov.save_model(ov.Core().read_model(str(graph)), "/tmp/encoder_openvino16.xml", compress_to_fp16=True)
        graph = Path("/tmp/encoder_openvino16.xml")
    request = openvino_request(graph, bf16)

    def run(ws):
        out = np.zeros((len(ws), 384), dtype=np.float32)
        for batch in length_batches(ws, 32):
            ids, mask = pad_batch([ws[i] for i in batch], 0)
            pooled = masked_mean(request.infer({"input_ids": ids, "attention_mask": mask}), mask)
            out[batch] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return out

    return run


ort = OnnxEncoder(enc.path)
variants = [
    ("torch fp32", lambda ws: run_torch(ws, False)),
    ("torch bf16", lambda ws: run_torch(ws, True)),
    ("onnxruntime fp32", lambda ws: ort.encode(ws, 32)),
    ("openvino f32", openvino(False)),
    ("openvino bf16", openvino(True)),
    ("openvino bf16 IR16", openvino(True, True)),
]
ref = None
for rnd in range(2):
    for name, fn in variants:
        fn(windows[:40])
        t = time.perf_counter()
        o = fn(windows)
        dt = time.perf_counter() - t
        ref = o if ref is None else ref
        diff = np.abs(o - ref).max()
        print(f"round {rnd} {name:17s} {len(windows) / dt:6.1f} win/s maxdiff {diff:.4f} mincos {np.min((o * ref).sum(1)):.5f}")
