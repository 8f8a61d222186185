"""Scratch: OpenVINO bf16 topic encoder, windows/s and RSS by batch size (one process per setting).

python benchmarks/exploration/openvino_memory.py ENCODER_DIR BATCH [CACHE_CAPACITY]

ENCODER_DIR: a package's encoder (with model.onnx); the 256-token windows (stride 192) of every 23rd article
of ../shared/corpus/unlabeled.jsonl, 256 windows per call; sampled peak RSS after each call and ru_maxrss.
"""

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving import openvino_backend
from serving.predictor import as_document
from serving.windows import WindowSpec, tokenize_windows


def rss() -> int:
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024


path, batch = sys.argv[1], int(sys.argv[2])
if len(sys.argv) > 3:
    openvino_backend.RUNTIME_CACHE_CAPACITY = int(sys.argv[3])
openvino_backend.MAX_WINDOWS_PER_BATCH = batch
enc = openvino_backend.OpenVinoEncoder(path, bf16=True)
docs = [json.loads(line) for line in open(ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl")][22::23]
texts = [as_document({"title": d.get("title"), "text": d["text"]}).full_text() for d in docs]
windows, _ = tokenize_windows(enc.tokenizer, texts, WindowSpec(256, 192))
print("loaded", rss(), "MB,", len(windows), "windows", flush=True)
enc.encode(windows[:64], batch)
t, peak = time.time(), 0
for i in range(0, len(windows), 256):
    enc.encode(windows[i : i + 256], batch)
    peak = max(peak, rss())
rate = len(windows) / (time.time() - t)
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"batch {batch}: {rate:.1f} windows/s, sampled peak {peak} MB, maxrss {maxrss} MB")
