"""The stance cross-encoder's forward pass: torch (fp32 or bf16), ONNX Runtime (fp32 or int8) or OpenVINO.

Both take a tokenized batch of sentence pairs (numpy arrays) and return logits over the stance
labels: the encoder's last hidden state, masked mean pooling, then the linear layer of ``head.npz``.
Training exports the ONNX graphs and records which variant matched torch on dev
(``StanceSettings.onnx_variant``); ``load_pair_net`` picks it for the backend 'auto'.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from serving.backends import resolve_backend
from serving.onnx_backend import ONNX_FP32, ONNX_INT8, masked_mean, onnx_session


class PairNet(Protocol):
    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray: ...


class TorchPairNet:
    """The trained ``StanceNet`` (serving.stance.build_net) in inference mode."""

    def __init__(self, net: Any, bf16: bool = False) -> None:
        self.net = net.eval()
        self.bf16 = bf16

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
            return self.net(**inputs).float().numpy()  # type: ignore[no-any-return]


class OnnxPairNet:
    """ONNX Runtime encoder graph plus pooling and the linear layer in numpy."""

    def __init__(self, encoder_dir: Path, weights: np.ndarray, bias: np.ndarray, quantized: bool) -> None:
        self.session = onnx_session(encoder_dir / (ONNX_INT8 if quantized else ONNX_FP32))
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.weights = weights
        self.bias = bias

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        feed = {k: v.astype(np.int64) for k, v in batch.items() if k in self.inputs}
        pooled = masked_mean(self.session.run(None, feed)[0], batch["attention_mask"])
        return np.asarray(pooled @ self.weights.T + self.bias, dtype=np.float32)


def load_pair_net(directory: Path, n_labels: int, backend: str, recommended: str) -> PairNet:
    """The net of a stance directory for ``backend`` (``serving.backends``); 'auto' runs ``recommended``."""
    variant = resolve_backend(backend, recommended, (directory / "encoder" / ONNX_FP32).is_file())
    with np.load(directory / "head.npz") as arrays:
        weights, bias = arrays["weights"], arrays["bias"]
    if variant.startswith("openvino"):
        from serving.openvino_backend import OpenVinoPairNet

        return OpenVinoPairNet(directory / "encoder", weights, bias, bf16=variant == "openvino-bf16")
    if variant.startswith("onnx"):
        return OnnxPairNet(directory / "encoder", weights, bias, quantized=variant == "onnx-int8")
    import torch

    from serving.stance import build_net

    net = build_net(directory / "encoder", n_labels)
    net.head.weight.data = torch.from_numpy(weights)
    net.head.bias.data = torch.from_numpy(bias)
    return TorchPairNet(net, bf16=variant == "torch-bf16")
