"""Plain-tensor maths: class means, readouts, classification accuracy, bootstrap CIs, permutation nulls.

Nothing here imports model code; every function is tested on synthetic tensors with planted structure.
All functions are vectorised over a leading ``layer`` axis where one is present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from jaxtyping import Float, Int
from torch import Tensor


def encode_labels(labels: Sequence[str], classes: Sequence[str] | None = None) -> tuple[Int[Tensor, " n"], tuple[str, ...]]:
    """Integer codes for string labels; classes default to order of first appearance."""
    cls = tuple(dict.fromkeys(labels)) if classes is None else tuple(classes)
    index = {c: i for i, c in enumerate(cls)}
    missing = sorted({lab for lab in labels if lab not in index})
    if missing:
        raise ValueError(f"labels {missing[:5]} are not among the classes {list(cls)[:10]}...")
    return torch.tensor([index[lab] for lab in labels], dtype=torch.long), cls


def class_means(x: Float[Tensor, "layer n d"], y: Int[Tensor, " n"], n_classes: int) -> Float[Tensor, "layer cls d"]:
    """Mean of ``x`` per class, for every layer at once."""
    counts = torch.bincount(y, minlength=n_classes)
    if (counts == 0).any():
        raise ValueError(f"classes {torch.nonzero(counts == 0).flatten().tolist()} have no examples")
    sums = torch.zeros(x.shape[0], n_classes, x.shape[2], dtype=x.dtype).index_add_(1, y, x)
    return sums / counts.to(x.dtype)[None, :, None]


def diff_of_means(
    x: Float[Tensor, "layer n d"], y: Int[Tensor, " n"], n_classes: int, baseline: Float[Tensor, "layer d"] | None = None
) -> Float[Tensor, "layer cls d"]:
    """Each class mean minus the mean over classes (the paper's vectors), or minus ``baseline`` if given."""
    mu = class_means(x, y, n_classes)
    base = mu.mean(1) if baseline is None else baseline
    return mu - base[:, None, :]


def unit(v: Float[Tensor, "... d"], eps: float = 1e-12) -> Float[Tensor, "... d"]:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(eps)


def readout(
    x: Float[Tensor, "layer n d"], vectors: Float[Tensor, "layer cls d"], center: Float[Tensor, "layer d"] | None = None, kind: str = "cosine"
) -> Float[Tensor, "layer n cls"]:
    """Score of every example on every vector: ``"projection"`` (x . unit(v)), ``"cosine"`` or ``"dot"``."""
    xc = x if center is None else x - center[:, None, :]
    if kind == "projection":
        return torch.einsum("lnd,lcd->lnc", xc, unit(vectors))
    if kind == "cosine":
        return torch.einsum("lnd,lcd->lnc", unit(xc), unit(vectors))
    if kind == "dot":
        return torch.einsum("lnd,lcd->lnc", xc, vectors)
    raise ValueError(f"unknown readout kind {kind!r}; choose 'projection', 'cosine' or 'dot'")


def topk_correct(scores: Float[Tensor, "layer n cls"], y: Int[Tensor, " n"], k: int = 1) -> Float[Tensor, "layer n"]:
    """1.0 where the true class is among the top ``k`` scores."""
    top = scores.topk(k, dim=-1).indices  # [layer, n, k]
    return (top == y[None, :, None]).any(-1).to(torch.float32)


@dataclass(frozen=True)
class Estimate:
    """A number with a percentile-bootstrap confidence interval."""

    value: float
    low: float
    high: float
    level: float = 0.95

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high, "ci_level": self.level}


def bootstrap_mean(
    values: Float[Tensor, "layer n"], n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[Float[Tensor, " layer"], Float[Tensor, " layer"], Float[Tensor, " layer"]]:
    """Mean over ``n`` and its percentile-bootstrap CI, for every layer at once (same resamples for all layers)."""
    g = torch.Generator().manual_seed(seed)
    n = values.shape[-1]
    idx = torch.randint(0, n, (n_boot, n), generator=g)
    boots = values[:, idx].mean(-1)  # [layer, n_boot]
    a = (1 - level) / 2
    q = torch.quantile(boots, torch.tensor([a, 1 - a], dtype=boots.dtype), dim=-1)
    return values.mean(-1), q[0], q[1]


def permutation_pvalue(observed: Float[Tensor, " layer"], null: Float[Tensor, "perm layer"]) -> Float[Tensor, " layer"]:
    """One-sided p-value with the +1 correction: P(null >= observed)."""
    return ((null >= observed[None, :]).sum(0) + 1).to(torch.float32) / (null.shape[0] + 1)


def bootstrap_stat(
    fn, n: int, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile CI of ``fn(idx)`` over ``n_boot`` resamples of ``range(n)`` (for statistics that are not means)."""
    g = torch.Generator().manual_seed(seed)
    stats = []
    for _ in range(n_boot):
        idx = torch.randint(0, n, (n,), generator=g)
        v = fn(idx)
        if v == v:  # skip NaN (degenerate resamples)
            stats.append(float(v))
    t = torch.tensor(stats)
    a = (1 - level) / 2
    return float(torch.quantile(t, a)), float(torch.quantile(t, 1 - a))
