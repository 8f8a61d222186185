"""Scratch: bf16 topic-encoder windows/s with N intra-op threads, on every 70th corpus article from OFFSET.

python benchmarks/exploration/encoder_threads.py THREADS OFFSET
(run `... 2 0` alone, then `... 1 0 & ... 1 35` together to compare one 2-thread process with two 1-thread ones)
"""

import json, sys, time, os
from pathlib import Path

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import numpy as np, torch

nt = int(sys.argv[1])
torch.set_num_threads(nt)
from serving.predictor import Predictor, as_document
from serving.windows import tokenize_windows

p = Predictor.load(
    "models:/stancewatch@champion", tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="torch-bf16"
)
torch.set_num_threads(nt)
docs = [json.loads(l) for l, _ in zip(open(ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl"), range(7075))][
    int(sys.argv[2]) :: 70
][:60]
texts = [as_document({"title": d.get("title"), "text": d["text"]}).full_text() for d in docs]
windows, owners = tokenize_windows(p.encoder.tokenizer, texts, p.window)
p.encoder.encode(windows[:40])
t = time.perf_counter()
p.encoder.encode(windows)
dt = time.perf_counter() - t
print(f"threads {nt}: {len(windows)} windows {len(windows) / dt:.1f} win/s", flush=True)
