"""Fitting emotion directions and the ``EmotionVectors`` value."""

from .denoise import NeutralPCA
from .emotion_vectors import Direction, EmotionVectors, IncompatibleModelError
from .export import export_control_vector, read_control_vector
from .fit import METHODS, DiffMeans, NotFittedError, fit_vectors, get_method
from .probes import LogisticProbe

__all__ = [
    "METHODS", "DiffMeans", "Direction", "EmotionVectors", "IncompatibleModelError", "LogisticProbe", "NeutralPCA", "NotFittedError",
    "export_control_vector", "fit_vectors", "get_method", "read_control_vector",
]
