"""Experiments: each a library function that returns a tidy result (and feeds metrics.json and the report)."""

from .validation import CrossCorpus, LayerSweep, cross_corpus_accuracy, heldout_accuracy

__all__ = ["CrossCorpus", "LayerSweep", "cross_corpus_accuracy", "heldout_accuracy"]
