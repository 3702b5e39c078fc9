"""``EmotionVectors``: emotion directions keyed by layer and emotion, as a small immutable value.

    v = EmotionVectors.load("vectors.safetensors")
    v["calm"] - v["desperate"]        # a Direction (one vector per layer), usable for steering
    v.readout(acts)                   # [text, layer, emotion] scores
    v.save("out.safetensors")         # safetensors + JSON metadata, never pickle
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch
from jaxtyping import Float
from torch import Tensor

from .._io import load_tensors, save_tensors
from .._version import __version__
from ..maths.core import readout as _readout


class IncompatibleModelError(ValueError):
    """Vectors were fitted on a model with another shape than the one they are used with."""


@dataclass(frozen=True)
class Direction:
    """One direction per layer (e.g. ``v["calm"]`` or ``v["calm"] - v["desperate"]``)."""

    vector: Float[Tensor, "layer d_model"]
    layers: tuple[int, ...]
    name: str

    def at(self, layer: int) -> Float[Tensor, " d_model"]:
        if layer not in self.layers:
            raise KeyError(f"direction {self.name!r} has no layer {layer}; it has {list(self.layers)}")
        return self.vector[self.layers.index(layer)]

    def _check(self, other: "Direction") -> None:
        if self.layers != other.layers:
            raise ValueError(f"cannot combine directions on layers {list(self.layers)} and {list(other.layers)}")

    def __add__(self, other: "Direction") -> "Direction":
        self._check(other)
        return Direction(self.vector + other.vector, self.layers, f"({self.name} + {other.name})")

    def __sub__(self, other: "Direction") -> "Direction":
        self._check(other)
        return Direction(self.vector - other.vector, self.layers, f"({self.name} - {other.name})")

    def __mul__(self, k: float) -> "Direction":
        return Direction(self.vector * float(k), self.layers, f"{k:g}*{self.name}")

    __rmul__ = __mul__

    def __neg__(self) -> "Direction":
        return Direction(-self.vector, self.layers, f"-{self.name}")

    def __truediv__(self, k: float) -> "Direction":
        return self * (1.0 / k)


@dataclass(frozen=True)
class EmotionVectors:
    """Emotion directions ``[layer, emotion, d_model]`` in the plain Hugging Face residual stream.

    ``meta`` records where they came from: model identity (id, fingerprint, n_layers, d_model, layer convention),
    method, corpus hash, token rule, and anything the estimator adds (e.g. denoising components, mean norms).
    """

    vectors: Float[Tensor, "layer emotion d_model"]
    emotions: tuple[str, ...]
    layers: tuple[int, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    center: Float[Tensor, "layer d_model"] | None = None

    def __post_init__(self) -> None:
        if self.vectors.shape[:2] != (len(self.layers), len(self.emotions)):
            raise ValueError(f"vectors shape {tuple(self.vectors.shape)} does not match {len(self.layers)} layers x {len(self.emotions)} emotions")
        if len(set(self.emotions)) != len(self.emotions):
            raise ValueError("emotion names must be unique")

    @property
    def d_model(self) -> int:
        return int(self.vectors.shape[-1])

    def __len__(self) -> int:
        return len(self.emotions)

    def __contains__(self, emotion: object) -> bool:
        return emotion in self.emotions

    def __getitem__(self, emotion: str) -> Direction:
        if emotion not in self.emotions:
            import difflib

            close = difflib.get_close_matches(emotion, self.emotions, n=3)
            raise KeyError(f"no vector for {emotion!r}" + (f"; did you mean {close}?" if close else f"; emotions are {list(self.emotions)[:8]}..."))
        return Direction(self.vectors[:, self.emotions.index(emotion)], self.layers, emotion)

    def at(self, layer: int) -> Float[Tensor, "emotion d_model"]:
        if layer not in self.layers:
            raise KeyError(f"no vectors at layer {layer}; fitted layers are {list(self.layers)}")
        return self.vectors[self.layers.index(layer)]

    def subset(self, emotions: Sequence[str] | None = None, layers: Sequence[int] | None = None) -> "EmotionVectors":
        em = tuple(emotions) if emotions is not None else self.emotions
        ly = tuple(layers) if layers is not None else self.layers
        ei = [self.emotions.index(e) for e in em]
        li = [self.layers.index(L) for L in ly]
        center = self.center[li] if self.center is not None else None
        return EmotionVectors(self.vectors[li][:, ei], em, ly, dict(self.meta), center)

    def readout(self, acts: Any, kind: str = "projection", center: bool = True) -> Float[Tensor, "text layer emotion"]:
        """Scores of activations on every vector. ``acts`` is an :class:`~emolens.activations.Activations` or a
        ``[text, layer, d_model]`` tensor on this object's layers. ``center`` subtracts the training grand mean."""
        x = acts if isinstance(acts, torch.Tensor) else acts.values
        if not isinstance(acts, torch.Tensor) and tuple(acts.layers) != self.layers:
            missing = [L for L in self.layers if L not in acts.layers]
            if missing:
                raise ValueError(f"activations lack layers {missing} that these vectors need")
            x = torch.stack([acts.at(L) for L in self.layers], dim=1)
        if x.shape[-1] != self.d_model:
            raise IncompatibleModelError(f"activations have d_model {x.shape[-1]}, vectors {self.d_model}")
        c = self.center if (center and self.center is not None) else None
        return _readout(x.transpose(0, 1).to(self.vectors.dtype), self.vectors, c, kind).transpose(0, 1)

    def check_compatible(self, model: Any) -> None:
        """Refuse a model of another shape; warn on another model id or weights fingerprint."""
        m = self.meta.get("model", {})
        if m.get("d_model") not in (None, model.d_model) or m.get("n_layers") not in (None, model.n_layers):
            raise IncompatibleModelError(
                f"these vectors come from {m.get('model_id')!r} (n_layers={m.get('n_layers')}, d_model={m.get('d_model')}) "
                f"but the model is {model.model_id!r} (n_layers={model.n_layers}, d_model={model.d_model}). "
                "Fit vectors on this model (emolens.fit_vectors) or load the model they came from."
            )
        if m.get("model_id") not in (None, model.model_id) or m.get("fingerprint") not in (None, model.fingerprint):
            warnings.warn(
                f"vectors were fitted on {m.get('model_id')!r} (fingerprint {str(m.get('fingerprint'))[:20]}) but are used on "
                f"{model.model_id!r} (fingerprint {model.fingerprint[:20]}); shapes match, so this runs, but directions may not transfer.",
                stacklevel=2,
            )

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``path`` (safetensors) and ``path`` + ``.json`` (human-readable sidecar with the same metadata)."""
        path = Path(path)
        meta = {"emotions": list(self.emotions), "layers": list(self.layers), "meta": self.meta, "emolens_version": __version__, "format": "emolens.EmotionVectors/1"}
        tensors = {"vectors": self.vectors.contiguous()}
        if self.center is not None:
            tensors["center"] = self.center.contiguous()
        save_tensors(path, tensors, metadata={"emolens": json.dumps(meta, default=str)})
        from .._io import write_json

        write_json(path.with_suffix(path.suffix + ".json"), meta)
        return path

    @classmethod
    def load(cls, path: str | Path, model: Any | None = None) -> "EmotionVectors":
        """Load vectors saved by :meth:`save`; with ``model``, check compatibility first."""
        from safetensors import safe_open

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no vectors file at {path}")
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get("emolens")
        if raw is None:
            raise ValueError(f"{path} is a safetensors file without emolens metadata; it was not written by EmotionVectors.save")
        meta = json.loads(raw)
        t = load_tensors(path)
        out = cls(t["vectors"], tuple(meta["emotions"]), tuple(meta["layers"]), meta["meta"], t.get("center"))
        if model is not None:
            out.check_compatible(model)
        return out

    def __repr__(self) -> str:
        return (
            f"EmotionVectors({len(self.emotions)} emotions x {len(self.layers)} layers x d_model {self.d_model}, "
            f"method={self.meta.get('method')!r}, model={self.meta.get('model', {}).get('model_id')!r})"
        )
