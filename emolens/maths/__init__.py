"""Plain-tensor maths (no model code)."""

from .core import (
    Estimate,
    bootstrap_mean,
    bootstrap_stat,
    class_means,
    diff_of_means,
    encode_labels,
    permutation_pvalue,
    readout,
    topk_correct,
    unit,
)

__all__ = ["Estimate", "bootstrap_mean", "bootstrap_stat", "class_means", "diff_of_means", "encode_labels", "permutation_pvalue", "readout", "topk_correct", "unit"]
