"""Fitting emotion directions and the ``EmotionVectors`` value."""

from .emotion_vectors import Direction, EmotionVectors, IncompatibleModelError
from .fit import METHODS, DiffMeans, NotFittedError, fit_vectors, get_method

__all__ = ["METHODS", "DiffMeans", "Direction", "EmotionVectors", "IncompatibleModelError", "NotFittedError", "fit_vectors", "get_method"]
