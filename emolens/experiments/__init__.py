"""Experiments: each a library function that returns a tidy result (and feeds metrics.json and the report)."""

from . import geometry
from .validation import CrossCorpus, LayerSweep, cross_corpus_accuracy, heldout_accuracy

__all__ = ["geometry", "CrossCorpus", "LayerSweep", "cross_corpus_accuracy", "heldout_accuracy"]
