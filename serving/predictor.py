"""``Predictor``: the only inference code. The API, the batch scorer and evaluation all call it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from serving.actor_stance import ActorStance, load_actor_stance
from serving.backends import limit_onednn_cache, resolve_backend
from serving.heads import LinearHead, SparseModel
from serving.package import (
    ENCODER_DIR,
    FROZEN_DIR,
    HEAD_FILE,
    SPARSE_FILE,
    Manifest,
    ModelPackageError,
    find_package,
)
from serving.registry import resolve_model
from serving.schema import Actor, Document, Prediction, TopicScore
from serving.stance import STANCE_DIR
from serving.windows import WindowSpec, WindowVectors, token_ids, windows_of

DEFAULT_MODEL_URI = "models:/stancewatch@champion"
DocLike = Document | dict[str, Any] | str


class WindowEncoder(Protocol):
    """What the predictor needs from an encoder backend (torch or ONNX Runtime)."""

    tokenizer: Any

    def encode(self, windows: Sequence[Sequence[int]], batch_size: int = 32) -> np.ndarray: ...


def as_document(item: DocLike) -> Document:
    """Accept a ``Document``, a mapping with ``text`` (and optional ``title``/``id``) or a plain string."""
    if isinstance(item, Document):
        return item
    if isinstance(item, str):
        return Document(text=item)
    if isinstance(item, dict):
        return Document.model_validate(item)
    raise TypeError(f"expected a Document, a dict with 'text' or a string, found {type(item).__name__}")


@dataclass
class FrozenLabels:
    """The pretrained (not fine-tuned) encoder and a head whose rows score ``Manifest.frozen_labels``."""

    encoder: WindowEncoder
    head: LinearHead


@dataclass
class TopicScores:
    """Per-document probabilities and the number of windows each document used."""

    probabilities: np.ndarray
    n_windows: list[int]


class Predictor:
    """A loaded topic model: ``Predictor.load(uri).predict(docs)``."""

    def __init__(
        self,
        manifest: Manifest,
        encoder: WindowEncoder,
        head: LinearHead,
        sparse: SparseModel | None,
        version: str | None = None,
        source: str = "",
        batch_size: int = 32,
        actor_stance: ActorStance | None = None,
        frozen: FrozenLabels | None = None,
    ) -> None:
        if bool(manifest.frozen_labels) != (frozen is not None):
            raise ModelPackageError("a model with frozen_labels needs its frozen encoder and head, and only then")
        self.manifest = manifest
        self.frozen = frozen
        self.actor_stance = actor_stance
        self.encoder = encoder
        self.head = head
        self.sparse = sparse
        self.version = version
        self.source = source
        self.batch_size = batch_size
        self.window = WindowSpec(manifest.window_length, manifest.window_stride)
        self.frozen_window = WindowSpec(
            manifest.frozen_window_length or manifest.window_length,
            manifest.frozen_window_stride or manifest.window_stride,
        )

    @property
    def labels(self) -> list[str]:
        return list(self.manifest.labels)

    @property
    def name(self) -> str:
        return self.manifest.name

    @classmethod
    def load(
        cls,
        uri: str = DEFAULT_MODEL_URI,
        tracking_uri: str | None = None,
        backend: str = "torch",
        actors: bool = True,
        thresholds: Mapping[str, float] | None = None,
    ) -> Predictor:
        """Load from a registry URI (``models:/name@alias``, ``models:/name/3``) or a model directory.

        ``actors=False`` skips the actor-stance stage (topics only, faster) even when the model has one;
        ``thresholds`` replaces the dev-tuned decision threshold of some topics (``set_thresholds``).
        """
        local, version = resolve_model(uri, tracking_uri)
        predictor = cls.from_directory(local, version=version, source=uri, backend=backend, actors=actors)
        predictor.set_thresholds(thresholds or {})
        return predictor

    def set_thresholds(self, overrides: Mapping[str, float]) -> None:
        """Use these decision thresholds for the named topics (e.g. lower ones where recall matters)."""
        unknown = sorted(set(overrides) - set(self.labels))
        if unknown:
            raise ModelPackageError(
                f"thresholds given for unknown topics {unknown}; this model's topics are {self.labels}"
            )
        bad = {k: v for k, v in overrides.items() if not isinstance(v, int | float) or not 0.0 < float(v) < 1.0}
        if bad:
            raise ModelPackageError(f"thresholds must be numbers strictly between 0 and 1, found {bad}")
        self.manifest.thresholds = [
            float(overrides.get(label, old)) for label, old in zip(self.labels, self.manifest.thresholds, strict=True)
        ]

    @classmethod
    def from_directory(
        cls,
        directory: str | Path,
        version: str | None = None,
        source: str = "",
        backend: str = "torch",
        actors: bool = True,
    ) -> Predictor:
        limit_onednn_cache()
        root = find_package(Path(directory))
        manifest = Manifest.load(root)
        variant = str(manifest.extra.get("onnx_variant", "torch"))
        encoder = load_encoder(root / ENCODER_DIR, backend, variant)
        head = LinearHead.load(root / HEAD_FILE)
        sparse = SparseModel.load(root / SPARSE_FILE) if (root / SPARSE_FILE).is_file() else None
        stage = load_actor_stance(root / STANCE_DIR, backend) if actors else None
        frozen = None
        if manifest.frozen_labels:
            if not (root / FROZEN_DIR / HEAD_FILE).is_file():
                raise ModelPackageError(
                    f"{root}: the manifest scores {manifest.frozen_labels} with a frozen encoder, but "
                    f"{FROZEN_DIR}/{HEAD_FILE} is missing; the package is incomplete, retrain it"
                )
            frozen_encoder = load_encoder(root / FROZEN_DIR / ENCODER_DIR, backend, variant)
            frozen = FrozenLabels(frozen_encoder, LinearHead.load(root / FROZEN_DIR / HEAD_FILE))
        return cls(
            manifest,
            encoder,
            head,
            sparse,
            version=version,
            source=source or str(directory),
            actor_stance=stage,
            frozen=frozen,
        )

    @property
    def has_actors(self) -> bool:
        """Whether predictions carry actors with stances (the package has a stance model and it is on)."""
        return self.actor_stance is not None

    @property
    def uses_graph_runtime(self) -> bool:
        """Whether an encoder runs in ONNX Runtime or OpenVINO (whose thread pools do not survive a fork)."""
        from serving.onnx_backend import OnnxEncoder
        from serving.openvino_backend import OpenVinoEncoder, OpenVinoPairNet
        from serving.pair_nets import OnnxPairNet

        nets: list[object] = [self.encoder, self.frozen.encoder if self.frozen else None]
        if self.actor_stance is not None:
            engagement = self.actor_stance.scorer.engagement
            nets += [self.actor_stance.scorer.net, engagement.net if engagement else None]
        graph_nets = OnnxEncoder | OnnxPairNet | OpenVinoEncoder | OpenVinoPairNet
        return any(isinstance(net, graph_nets) for net in nets)

    def preload(self) -> None:
        """Load what is otherwise loaded on first use (the spaCy pipeline), e.g. before forking workers."""
        if self.actor_stance is not None:
            self.actor_stance.extractor  # noqa: B018 - the property loads it

    def encode_windows(self, texts: Sequence[str]) -> tuple[WindowVectors, WindowVectors | None]:
        """Every window's vector from the topic encoder and, for ``frozen_labels``, from the frozen encoder
        over its own windows (``frozen_window``): the inputs of ``component_proba`` and ``scores_from_vectors``.
        The texts are tokenized once: the frozen encoder is the base the topic encoder was tuned from, so
        they share the tokenizer."""
        ids = token_ids(self.encoder.tokenizer, texts)
        main = self._vectors(self.encoder, ids, self.window)
        frozen = None if self.frozen is None else self._vectors(self.frozen.encoder, ids, self.frozen_window)
        return main, frozen

    def _vectors(self, encoder: WindowEncoder, ids: Sequence[Sequence[int]], spec: WindowSpec) -> WindowVectors:
        windows, owners = windows_of(encoder.tokenizer, ids, spec)
        return WindowVectors(encoder.encode(windows, batch_size=self.batch_size), owners, len(ids))

    def component_proba(
        self, texts: Sequence[str], vectors: WindowVectors, frozen: WindowVectors | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Dense-head probabilities from window vectors (``frozen_labels`` columns from the frozen
        encoder's vectors), and sparse probabilities (None without a sparse model)."""
        dense = self.head.predict_proba(vectors.pooled(self.manifest.aggregation))
        if self.frozen is not None:
            if frozen is None:
                raise ValueError(f"this model scores {self.manifest.frozen_labels} from frozen vectors; none given")
            columns = [self.labels.index(label) for label in self.manifest.frozen_labels]
            dense[:, columns] = self.frozen.head.predict_proba(frozen.pooled(self.manifest.frozen_aggregation))
        sparse = self.sparse.predict_proba(texts) if self.sparse is not None else None
        return dense, sparse

    def scores_from_vectors(
        self, texts: Sequence[str], vectors: WindowVectors, frozen: WindowVectors | None = None
    ) -> TopicScores:
        dense, sparse = self.component_proba(texts, vectors, frozen)
        probabilities = dense if sparse is None else blend(dense, sparse, self.manifest.blend_weight)
        counts = np.bincount(np.asarray(vectors.owners), minlength=len(texts)).tolist()
        return TopicScores(probabilities=probabilities, n_windows=counts)

    def predict_proba(self, texts: Sequence[str]) -> TopicScores:
        """Topic probabilities for full texts (title already joined)."""
        return self.scores_from_vectors(texts, *self.encode_windows(texts))

    def predict(self, docs: DocLike | Iterable[DocLike], chunk_size: int = 64) -> list[Prediction]:
        """Score one or many documents; work is done ``chunk_size`` documents at a time."""
        items = [docs] if isinstance(docs, Document | dict | str) else list(docs)
        documents = [as_document(item) for item in items]
        results: list[Prediction] = []
        for start in range(0, len(documents), chunk_size):
            chunk = documents[start : start + chunk_size]
            texts = [d.full_text() for d in chunk]
            predictions = self._to_predictions(chunk, self.predict_proba(texts))
            self.attach_actors(texts, predictions)
            results.extend(predictions)
        return results

    def attach_actors(self, texts: Sequence[str], predictions: Sequence[Prediction]) -> None:
        """Fill ``actors`` (with stances on the present topics) when the model has a stance stage."""
        if self.actor_stance is None:
            return
        found: list[list[Actor]] = self.actor_stance(texts, [p.present_topics() for p in predictions])
        for prediction, actors in zip(predictions, found, strict=True):
            prediction.actors = actors

    def _to_predictions(self, docs: Sequence[Document], scores: TopicScores) -> list[Prediction]:
        thresholds = self.manifest.thresholds
        out = []
        for row, doc in enumerate(docs):
            topics = {
                label: TopicScore(
                    probability=float(scores.probabilities[row, j]),
                    present=bool(scores.probabilities[row, j] >= thresholds[j]),
                    threshold=float(thresholds[j]),
                )
                for j, label in enumerate(self.labels)
            }
            out.append(
                Prediction(
                    id=doc.id,
                    topics=topics,
                    model_name=self.name,
                    model_version=self.version,
                    n_windows=scores.n_windows[row],
                )
            )
        return out


def blend(dense: np.ndarray, sparse: np.ndarray, weight: float) -> np.ndarray:
    """Weighted mean of encoder-head and sparse-model probabilities (weight on the encoder)."""
    return np.clip(weight * dense + (1.0 - weight) * sparse, 0.0, 1.0)


def load_encoder(path: Path, backend: str, recommended: str = "torch") -> WindowEncoder:
    """The window encoder for ``backend`` (see ``serving.backends``); 'auto' runs ``recommended``."""
    from serving.onnx_backend import ONNX_FP32

    variant = resolve_backend(backend, recommended, (path / ONNX_FP32).is_file())
    if variant.startswith("torch"):
        from serving.encoder import TorchEncoder

        return TorchEncoder(path, bf16=variant == "torch-bf16")
    if variant.startswith("openvino"):
        from serving.openvino_backend import OpenVinoEncoder

        return OpenVinoEncoder(path, bf16=variant == "openvino-bf16")
    from serving.onnx_backend import OnnxEncoder

    return OnnxEncoder(path, quantized=variant == "onnx-int8")
