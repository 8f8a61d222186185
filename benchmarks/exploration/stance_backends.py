"""Stance cross-encoder backends on dev: quality and speed of int8 variants and bf16 against torch fp32.

python benchmarks/exploration/stance_backends.py [MODEL_URI]

Copies the package of MODEL_URI (default: the champion), exports its stance encoder to ONNX, builds
int8 graphs that keep different MatMuls in fp32, and scores the dev stance pairs (gold actors plus
'none' actors, as training builds them) with each, side by side in one process: dev gold-actor
macro-F1, largest probability change against torch fp32, share of unchanged argmax, pairs/s. (These
sampled pairs did not show the loss of int8 that the end-to-end dev triplet F1 shows; training now
chooses the stance backend end to end: training/stance_tune.py.)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from serving.actors import ActorExtractor  # noqa: E402
from serving.onnx_backend import ONNX_FP32, ONNX_INT8, export_onnx  # noqa: E402
from serving.package import find_package  # noqa: E402
from serving.registry import resolve_model  # noqa: E402
from serving.stance import StanceScorer  # noqa: E402
from training.data import build_corpus  # noqa: E402
from training.stance_data import build_examples  # noqa: E402
from training.stance_run import _engaged_macro_f1  # noqa: E402


def int8_variants(graph: Path) -> dict[str, list[str]]:
    """Name -> MatMul nodes kept in fp32."""
    names = [n.name for n in onnx.load(str(graph)).graph.node if n.op_type == "MatMul"]
    ffn_out = [n for n in names if "/output/dense/" in n and "/attention/" not in n]
    return {
        "int8, every MatMul": [],
        "int8, FFN outputs fp32 (topic recipe)": ffn_out,
        "int8, FFN in+out fp32": ffn_out + [n for n in names if "/intermediate/" in n],
        "int8, FFN outputs + last layer fp32": sorted(set(ffn_out + [n for n in names if "layer.5/" in n])),
    }


def main(uri: str) -> None:
    local, _ = resolve_model(uri, f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    work = Path(tempfile.mkdtemp(prefix="stance-backends-"))
    stance = shutil.copytree(find_package(Path(local)) / "stance", work / "stance")
    export_onnx(stance / "encoder", quantize=False, token_types=True)
    reference = StanceScorer(stance, backend="torch")
    corpus = build_corpus(ROOT / "data" / "articles.jsonl")
    settings = reference.settings
    examples = build_examples(corpus.splits["dev"], ActorExtractor(), settings.context_sentences, 2, 13)
    pairs, labels = [e.pair(settings) for e in examples], [e.label for e in examples]
    torch_probs = reference.predict_proba(pairs)
    rows = [("torch fp32", "torch")]
    for name, keep in int8_variants(stance / "encoder" / ONNX_FP32).items():
        target = work / f"{len(rows)}.onnx"
        quantize_dynamic(
            str(stance / "encoder" / ONNX_FP32),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=keep,
        )
        rows.append((name, str(target)))
    rows += [("onnx fp32", "onnx-fp32"), ("torch bf16 autocast", "torch-bf16")]
    for name, how in rows:
        if how.endswith(".onnx"):
            shutil.copy(how, stance / "encoder" / ONNX_INT8)
            how = "onnx-int8"
        scorer = StanceScorer(stance, backend=how)
        probs = scorer.predict_proba(pairs)
        engaged = [i for i, label in enumerate(labels) if label != "none"]
        f1 = _engaged_macro_f1(probs[engaged], scorer.labels, [labels[i] for i in engaged])
        started = time.perf_counter()
        scorer.components(pairs * 3)
        speed = 3 * len(pairs) / (time.perf_counter() - started)
        change = np.abs(probs - torch_probs).max() if how != "torch" else 0.0
        same = (probs.argmax(1) == torch_probs.argmax(1)).mean()
        print(f"| {name} | {f1:.3f} | {change:.3f} | {same:.3f} | {speed:.0f} |", flush=True)
    shutil.rmtree(work)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models:/stancewatch@champion")
