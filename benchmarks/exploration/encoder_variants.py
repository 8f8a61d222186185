"""Scratch: topic-encoder throughput per torch variant on corpus windows (one process, side by side).

python benchmarks/exploration/encoder_variants.py [compile]

fp32 eager, bf16 autocast, bf16 autocast with SDPA attention, weights cast to bf16, and (with
`compile`) torch.compile(dynamic=True) of the bf16 SDPA model; max. difference of the embeddings to fp32.
Reads every 70th article of ../shared/corpus/unlabeled.jsonl (60 articles).
"""

import json, sys, time, os
from pathlib import Path

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import numpy as np, torch
from serving.predictor import Predictor, as_document
from serving.windows import tokenize_windows, length_batches, pad_batch
from serving.encoder import mean_pool

p = Predictor.load(
    "models:/stancewatch@champion", tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="torch"
)
docs = [json.loads(l) for l, _ in zip(open(ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl"), range(7075))][::70][
    :60
]
texts = [as_document({"title": d.get("title"), "text": d["text"]}).full_text() for d in docs]
windows, owners = tokenize_windows(p.encoder.tokenizer, texts, p.window)
print(len(windows), "windows", flush=True)
enc = p.encoder


def run(model, autocast, ws=windows):
    out = np.zeros((len(ws), 384), dtype=np.float32)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        for batch in length_batches(ws, 32):
            ids, mask = pad_batch([ws[i] for i in batch], 0)
            ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
            h = model(input_ids=ids_t, attention_mask=mask_t).last_hidden_state
            out[batch] = mean_pool(h, mask_t).numpy()
    return out


def timeit(name, model, autocast, ref=None):
    run(model, autocast, windows[:40])
    t = time.perf_counter()
    o = run(model, autocast)
    dt = time.perf_counter() - t
    d = "" if ref is None else f" maxdiff {np.abs(o - ref).max():.4f} cos {np.min((o * ref).sum(1)):.5f}"
    print(f"{name:30s} {len(windows) / dt:6.1f} win/s{d}", flush=True)
    return o


from transformers import AutoModel

path = enc.path
fp32 = enc.model
ref = timeit("fp32 eager", fp32, False)
timeit("autocast bf16", fp32, True, ref)
m_sdpa = AutoModel.from_pretrained(path, attn_implementation="sdpa").eval()
timeit("autocast bf16 sdpa", m_sdpa, True, ref)
mb = AutoModel.from_pretrained(path, attn_implementation="sdpa", dtype=torch.bfloat16).eval()
timeit("pure bf16 sdpa", mb, False, ref)
if "compile" in sys.argv:
    t = time.perf_counter()
    mc = torch.compile(m_sdpa, dynamic=True)
    run(mc, True, windows[:64])
    print("compile warm", time.perf_counter() - t, flush=True)
    timeit("compiled autocast bf16", mc, True, ref)
