"""Collecting activations: token rules and streaming, resumable collection."""

from .collect import Activations, LabelSums, Moments, collect, corpus_hash, padding_waste, plan_batches
from .distributed import collect_distributed, init_from_env
from .tokens import AllTokens, AtMark, ExplicitMask, FromToken, LastToken, TokenRule, parse_token_rule

__all__ = [
    "Activations", "AllTokens", "AtMark", "ExplicitMask", "FromToken", "LabelSums", "LastToken", "Moments", "TokenRule",
    "collect", "collect_distributed", "corpus_hash", "init_from_env", "padding_waste", "parse_token_rule", "plan_batches",
]
