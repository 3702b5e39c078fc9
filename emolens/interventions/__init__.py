"""Interventions on the residual stream, each a context manager built on TransformerLens hooks."""

from .steering import residual_norms, steer

__all__ = ["residual_norms", "steer"]
