"""Experiments: each a library function that returns a tidy result (and feeds metrics.json and the report)."""

from .validation import LayerSweep, heldout_accuracy

__all__ = ["LayerSweep", "heldout_accuracy"]
