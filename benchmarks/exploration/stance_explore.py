"""Scratch: stance recipes on dev (gold actors). python benchmarks/exploration/stance_explore.py VARIANT"""
from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from serving.encoder import default_encoder_path  # noqa: E402
from training.stance import stance_macro_f1, tfidf_baseline  # noqa: E402
from training.stance_data import STANCES, build_examples  # noqa: E402

def examples(ctx=3, none=2):
    cache = ROOT / f"benchmarks/out/stance_examples_{ctx}_{none}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from serving.actors import ActorExtractor
    from training.data import build_corpus
    corpus = build_corpus(ROOT / "data/articles.jsonl")
    ex = {s: build_examples(corpus.splits[s], ActorExtractor(), ctx, none) for s in ("train", "dev", "test")}
    cache.write_bytes(pickle.dumps(ex))
    return ex


class Net(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        from transformers import AutoModel
        self.enc = AutoModel.from_pretrained(path)
        self.head = torch.nn.Linear(self.enc.config.hidden_size, len(STANCES))

    def forward(self, **enc):
        out = self.enc(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
        return self.head((out * m).sum(1) / m.sum(1).clamp(min=1))


def train_eval(ex, epochs, lr, head_lr, maxlen, seed=13):
    from transformers import AutoTokenizer
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    path = default_encoder_path()
    tok = AutoTokenizer.from_pretrained(path)
    net = Net(path)
    train = ex["train"]
    counts = np.bincount([STANCES.index(e.label) for e in train], minlength=4).astype(np.float32)
    w = torch.tensor(np.sqrt(counts.sum() / counts / 4), dtype=torch.float32)
    lossf = torch.nn.CrossEntropyLoss(weight=w)
    opt = torch.optim.AdamW([{"params": net.enc.parameters(), "lr": lr}, {"params": net.head.parameters(), "lr": head_lr}], weight_decay=0.01)
    bs = 16
    steps = epochs * (len(train) // bs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))

    def enc(batch):
        return tok([e.pair()[0] for e in batch], [e.pair()[1] for e in batch], truncation="only_second", max_length=maxlen, padding=True, return_tensors="pt")

    def predict(items):
        net.eval()
        outs = []
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            for i in range(0, len(items), 64):
                outs.append(torch.softmax(net(**enc(items[i:i+64])).float(), -1).numpy())
        net.train()
        return np.concatenate(outs)

    t = time.time()
    for ep in range(epochs):
        order = rng.permutation(len(train))
        for i in range(0, len(order) - bs + 1, bs):
            batch = [train[j] for j in order[i:i+bs]]
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = net(**enc(batch))
            loss = lossf(logits.float(), torch.tensor([STANCES.index(e.label) for e in batch]))
            loss.backward(); torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad()
        res = {}
        for split in ("dev",):
            gold = [e for e in ex[split] if e.label != "none"]
            p = predict(gold)
            pred3 = [STANCES[k] for k in p[:, :3].argmax(1)]
            res[split] = round(stance_macro_f1([e.label for e in gold], pred3), 4)
            allp = predict(ex[split])
            res[split + "_4acc"] = round(float(np.mean([STANCES[k] == e.label for k, e in zip(allp.argmax(1), ex[split])])), 4)
        print(json.dumps({"epoch": ep + 1, "sec": round(time.time() - t), **res}), flush=True)


if __name__ == "__main__":
    v = sys.argv[1]
    ex = examples(int(sys.argv[6]), int(sys.argv[7])) if len(sys.argv) > 7 else examples()
    print(sys.argv[1:], {s: len(v) for s, v in ex.items()})
    if v == "tfidf":
        for split in ("dev",):
            gold = [e for e in ex[split] if e.label != "none"]
            print(split, stance_macro_f1([e.label for e in gold], tfidf_baseline(ex["train"], gold)))
    else:
        epochs, lr, head_lr, maxlen = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
        train_eval(ex, epochs, lr, head_lr, maxlen)
