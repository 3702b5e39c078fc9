"""Estimators that turn activations into :class:`EmotionVectors` (scikit-learn contract: ``fit`` returns self,
fitted attributes end in ``_``), and a registry so callers pick a method by name."""

from __future__ import annotations

from typing import Any, Sequence

import torch

from ..activations.collect import Activations
from ..maths.core import class_means, encode_labels
from .emotion_vectors import EmotionVectors


class NotFittedError(RuntimeError):
    pass


class DiffMeans:
    """Difference of means.

    ``baseline="emotions"`` (the paper's): each emotion's mean minus the mean over emotions.
    ``baseline="neutral"``: each emotion's mean minus the mean of neutral activations passed to :meth:`fit`.
    """

    name = "diffmeans"

    def __init__(self, baseline: str = "emotions") -> None:
        self.baseline = baseline

    def fit(self, acts: Activations, labels: Sequence[str], neutral: Activations | None = None) -> "DiffMeans":
        if self.baseline not in ("emotions", "neutral"):
            raise ValueError(f"baseline must be 'emotions' or 'neutral', got {self.baseline!r}")
        if len(labels) != len(acts):
            raise ValueError(f"{len(labels)} labels for {len(acts)} activations; pass one label per text")
        y, classes = encode_labels(labels)
        x = acts.values.transpose(0, 1).to(torch.float64)  # [layer, n, d]
        mu = class_means(x, y, len(classes))
        center = mu.mean(1)
        if self.baseline == "neutral":
            if neutral is None:
                raise ValueError("baseline='neutral' needs neutral=Activations of the neutral texts")
            if tuple(neutral.layers) != tuple(acts.layers):
                raise ValueError("neutral activations must be collected at the same layers as the emotion activations")
            base = neutral.values.transpose(0, 1).to(torch.float64).mean(1)
        else:
            base = center
        self.vectors_ = EmotionVectors(
            (mu - base[:, None, :]).to(torch.float32),
            classes,
            tuple(acts.layers),
            meta={
                "method": f"{self.name}:{self.baseline}",
                "model": acts.model,
                "corpus_hash": acts.corpus_hash,
                "token_rule": acts.token_rule,
                "n_per_emotion": torch.bincount(y, minlength=len(classes)).tolist(),
            },
            center=center.to(torch.float32),
        )
        return self

    @property
    def vectors(self) -> EmotionVectors:
        if not hasattr(self, "vectors_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call .fit(acts, labels) first")
        return self.vectors_


def _probe(**kw: Any) -> Any:
    from .probes import LogisticProbe  # imported lazily: probes imports this module

    return LogisticProbe(**kw)


METHODS: dict[str, Any] = {
    "diffmeans": lambda **kw: DiffMeans(baseline="emotions", **kw),
    "diffmeans-neutral": lambda **kw: DiffMeans(baseline="neutral", **kw),
    "probe": _probe,
}


def get_method(name: str, **kwargs: Any) -> Any:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; choose one of {sorted(METHODS)}")
    return METHODS[name](**kwargs)


def fit_vectors(acts: Activations, labels: Sequence[str], method: str = "diffmeans", neutral: Activations | None = None, **kwargs: Any) -> EmotionVectors:
    """Fit emotion vectors with a registered method and return them."""
    est = get_method(method, **kwargs)
    return est.fit(acts, labels, neutral=neutral).vectors
