"""Fitting emotion directions and the ``EmotionVectors`` value."""

from .denoise import NeutralPCA
from .emotion_vectors import Direction, EmotionVectors, IncompatibleModelError
from .fit import METHODS, DiffMeans, NotFittedError, fit_vectors, get_method
from .probes import LogisticProbe

__all__ = [
    "METHODS", "DiffMeans", "Direction", "EmotionVectors", "IncompatibleModelError", "LogisticProbe", "NeutralPCA", "NotFittedError",
    "fit_vectors", "get_method",
]
