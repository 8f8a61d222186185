"""Encoder throughput by batch size and by window length, and where the time goes inside one batch.

python benchmarks/exploration/encoder_batch.py [--model models:/stancewatch@champion] [--docs 120]

Windows of the first --docs articles of every 23rd line of ../shared/corpus/unlabeled.jsonl, the
package's pretrained encoder under bf16 autocast (fp32 where the CPU lacks bf16).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.backends import cpu_has_bf16  # noqa: E402
from serving.encoder import TorchEncoder  # noqa: E402
from serving.package import ENCODER_DIR, FROZEN_DIR, find_package  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from serving.windows import WindowSpec, tokenize_windows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--docs", type=int, default=120)
    args = parser.parse_args()
    import torch
    from torch.profiler import ProfilerActivity, profile

    package = find_package(resolve_model(args.model, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")[0])
    path = package / FROZEN_DIR / ENCODER_DIR
    encoder = TorchEncoder(path if path.is_dir() else package / ENCODER_DIR, bf16=cpu_has_bf16())
    lines = (ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl").read_text().splitlines()[::23][: args.docs]
    texts = [json.loads(line)["text"] for line in lines]
    windows, _ = tokenize_windows(encoder.tokenizer, texts, WindowSpec(256, 192))
    encoder.encode(windows[:64], 32)
    for size in (16, 32, 64, 128):
        started = time.perf_counter()
        encoder.encode(windows, size)
        print(
            f"batch {size:3d}: {len(windows) / (time.perf_counter() - started):.1f} windows/s ({len(windows)} windows)"
        )
    for spec in (WindowSpec(256, 192), WindowSpec(128, 96)) * 2:  # twice, interleaved: the machine is noisy
        spec_windows, _ = tokenize_windows(encoder.tokenizer, texts, spec)
        started = time.perf_counter()
        encoder.encode(spec_windows, 32)
        seconds = time.perf_counter() - started
        print(
            f"windows {spec.max_length}/{spec.stride}: {len(spec_windows)} windows, {len(texts) / seconds:.2f} docs/s"
        )
    ids = torch.tensor([list(w[:254]) + [0] * (254 - len(w[:254])) for w in windows[:32]])
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=encoder.bf16)
    with torch.inference_mode(), autocast, profile(activities=[ProfilerActivity.CPU]) as prof:
        encoder.model(input_ids=ids, attention_mask=torch.ones_like(ids))
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))


if __name__ == "__main__":
    main()
