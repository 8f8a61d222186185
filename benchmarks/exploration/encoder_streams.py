"""Scratch: the two topic encoders one after the other with 2 intra-op threads, vs concurrently in two
Python threads of 1 intra-op thread each (one process, shared weights). Every 59th corpus article.

python benchmarks/exploration/encoder_streams.py [MODEL] [ROUNDS]
"""

import json, os, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import torch

from serving.predictor import Predictor, as_document
from serving.windows import token_ids, windows_of

model = sys.argv[1] if len(sys.argv) > 1 else "models:/stancewatch/4"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
p = Predictor.load(model, tracking_uri=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}", backend="auto")
lines = (ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl").read_text().splitlines()
docs = [json.loads(l) for l in lines[::59]]
texts = [as_document({"title": d.get("title"), "text": d["text"]}).full_text() for d in docs]
ids = token_ids(p.encoder.tokenizer, texts)
main, _ = windows_of(p.encoder.tokenizer, ids, p.window)
frozen, _ = windows_of(p.frozen.encoder.tokenizer, ids, p.frozen_window)
print(f"{len(texts)} docs, {len(main)} main windows, {len(frozen)} frozen windows", flush=True)
p.encoder.encode(main[:64]); p.frozen.encoder.encode(frozen[:64])


def sequential() -> None:
    torch.set_num_threads(2)
    p.encoder.encode(main)
    p.frozen.encoder.encode(frozen)


def halves(ws):
    return ws[0::2], ws[1::2]


def concurrent() -> None:
    torch.set_num_threads(1)
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(p.encoder.encode, main)
        b = pool.submit(p.frozen.encoder.encode, frozen)
        a.result(); b.result()


def split_each() -> None:
    torch.set_num_threads(1)
    with ThreadPoolExecutor(2) as pool:
        for enc, ws in ((p.encoder, main), (p.frozen.encoder, frozen)):
            x, y = halves(ws)
            fa, fb = pool.submit(enc.encode, x), pool.submit(enc.encode, y)
            fa.result(); fb.result()


for r in range(rounds):
    for name, fn in (("sequential 2 threads", sequential), ("two encoders in 2 threads", concurrent), ("each split in 2 threads", split_each)):
        t = time.perf_counter(); fn(); dt = time.perf_counter() - t
        print(f"round {r} {name}: {dt:.1f} s, {len(texts) / dt:.2f} docs/s", flush=True)
