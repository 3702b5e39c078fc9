"""Does a vector fitted on some stories recognise the emotion of stories on unseen topics?

:func:`heldout_accuracy` cross-validates over topic folds (every story is tested once, by vectors fitted without its
topic), for every layer at once, and reports top-1 / top-5 accuracy with percentile-bootstrap CIs over stories and a
label-permutation null (labels shuffled, the whole cross-validation repeated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import Tensor

from ..activations.collect import Activations
from ..maths.core import bootstrap_mean, class_means, encode_labels, permutation_pvalue, readout, topk_correct


@dataclass(frozen=True)
class LayerSweep:
    """Held-out accuracy per layer, with uncertainty."""

    layers: tuple[int, ...]
    top1: Tensor
    top1_ci: tuple[Tensor, Tensor]
    top5: Tensor
    top5_ci: tuple[Tensor, Tensor]
    null_mean: Tensor
    null_q95: Tensor
    p_value: Tensor
    n_test: int
    n_classes: int
    n_permutations: int
    method: str

    @property
    def chance(self) -> float:
        return 1.0 / self.n_classes

    def best_layer(self) -> int:
        return self.layers[int(self.top1.argmax())]

    def table(self) -> list[dict[str, Any]]:
        return [
            {
                "layer": L,
                "top1": round(float(self.top1[i]), 4),
                "top1_ci": [round(float(self.top1_ci[0][i]), 4), round(float(self.top1_ci[1][i]), 4)],
                "top5": round(float(self.top5[i]), 4),
                "top5_ci": [round(float(self.top5_ci[0][i]), 4), round(float(self.top5_ci[1][i]), 4)],
                "perm_null_mean": round(float(self.null_mean[i]), 4),
                "perm_null_q95": round(float(self.null_q95[i]), 4),
                "perm_p": float(self.p_value[i]),
            }
            for i, L in enumerate(self.layers)
        ]

    def to_metrics(self) -> dict[str, Any]:
        b = int(self.top1.argmax())
        return {
            "method": self.method,
            "n_test": self.n_test,
            "n_classes": self.n_classes,
            "chance": self.chance,
            "n_permutations": self.n_permutations,
            "best_layer": self.best_layer(),
            "best_top1": {"value": float(self.top1[b]), "ci_low": float(self.top1_ci[0][b]), "ci_high": float(self.top1_ci[1][b])},
            "best_top5": {"value": float(self.top5[b]), "ci_low": float(self.top5_ci[0][b]), "ci_high": float(self.top5_ci[1][b])},
            "best_perm_null_q95": float(self.null_q95[b]),
            "best_perm_p": float(self.p_value[b]),
            "by_layer": self.table(),
        }


def _project_out(vec: Tensor, components: Sequence[Tensor] | None) -> Tensor:
    """Remove per-layer subspaces (``components[l]``: ``[k_l, d]`` orthonormal rows) from ``vec [layer, cls, d]``."""
    if components is None:
        return vec
    return torch.stack([v - (v @ c.T.to(v.dtype)) @ c.to(v.dtype) for v, c in zip(vec, components)])


def _cv_correct(x: Tensor, y: Tensor, folds: Tensor, n_classes: int, kind: str, ks: Sequence[int], components: Sequence[Tensor] | None = None) -> list[Tensor]:
    """Per-example correctness [layer, n] for each k, from difference-of-means vectors fitted on the other folds
    (optionally with neutral components projected out of the vectors)."""
    out = [torch.zeros(x.shape[0], x.shape[1]) for _ in ks]
    for f in torch.unique(folds).tolist():
        tr, te = folds != f, folds == f
        mu = class_means(x[:, tr], y[tr], n_classes)
        center = mu.mean(1)
        vec = _project_out(mu - center[:, None, :], components)
        s = readout(x[:, te], vec, center, kind)
        for o, k in zip(out, ks):
            o[:, te] = topk_correct(s, y[te], k)
    return out


def heldout_accuracy(
    acts: Activations,
    labels: Sequence[str],
    folds: Sequence[int],
    *,
    readout_kind: str = "cosine",
    n_permutations: int = 200,
    n_boot: int = 1000,
    seed: int = 0,
    denoise: Any = None,
) -> LayerSweep:
    """Cross-validated (by ``folds``, e.g. topic folds) top-1/top-5 accuracy of difference-of-means vectors per layer.

    ``denoise``: a fitted :class:`~emolens.vectors.denoise.NeutralPCA` whose components are projected out of every
    fold's vectors (the paper's denoising), evaluated the same way."""
    if len(labels) != len(acts) or len(folds) != len(acts):
        raise ValueError(f"need one label and one fold per text: {len(acts)} texts, {len(labels)} labels, {len(folds)} folds")
    y, classes = encode_labels(labels)
    f = torch.as_tensor(list(folds))
    if len(torch.unique(f)) < 2:
        raise ValueError("need at least two folds to hold anything out")
    x = acts.values.transpose(0, 1).to(torch.float32)
    k5 = min(5, len(classes))
    comps = None
    if denoise is not None:
        comps = [denoise.components_[denoise.layers_.index(L)] for L in acts.layers]
    c1, c5 = _cv_correct(x, y, f, len(classes), readout_kind, (1, k5), comps)
    t1, l1, h1 = bootstrap_mean(c1, n_boot, seed=seed)
    t5, l5, h5 = bootstrap_mean(c5, n_boot, seed=seed + 1)
    g = torch.Generator().manual_seed(seed + 2)
    null = torch.zeros(n_permutations, x.shape[0])
    for p in range(n_permutations):
        yp = y[torch.randperm(len(y), generator=g)]
        null[p] = _cv_correct(x, yp, f, len(classes), readout_kind, (1,), comps)[0].mean(-1)
    return LayerSweep(
        tuple(acts.layers), t1, (l1, h1), t5, (l5, h5),
        null.mean(0), torch.quantile(null, 0.95, dim=0), permutation_pvalue(t1, null),
        n_test=len(y), n_classes=len(classes), n_permutations=n_permutations,
        method=f"diffmeans{'+denoised' if denoise is not None else ''}/{readout_kind}",
    )


@dataclass(frozen=True)
class CrossCorpus:
    """Accuracy of vectors fitted on our stories when reading another corpus's stories."""

    layers: tuple[int, ...]
    top1_all: Tensor  # among every emotion the vectors know
    top1_all_ci: tuple[Tensor, Tensor]
    top1_shared: Tensor  # among the emotions both corpora share
    top1_shared_ci: tuple[Tensor, Tensor]
    n_stories: int
    n_all: int
    n_shared: int

    def to_metrics(self) -> dict[str, Any]:
        b = int(self.top1_all.argmax())
        return {
            "n_stories": self.n_stories, "n_emotions_all": self.n_all, "n_emotions_shared": self.n_shared,
            "chance_all": 1 / self.n_all, "chance_shared": 1 / self.n_shared,
            "by_layer": [{"layer": L, "top1_all": float(self.top1_all[i]), "top1_all_ci": [float(self.top1_all_ci[0][i]), float(self.top1_all_ci[1][i])],
                          "top1_shared": float(self.top1_shared[i]), "top1_shared_ci": [float(self.top1_shared_ci[0][i]), float(self.top1_shared_ci[1][i])]}
                         for i, L in enumerate(self.layers)],
            "best_layer": self.layers[b],
            "best_top1_all": {"value": float(self.top1_all[b]), "ci_low": float(self.top1_all_ci[0][b]), "ci_high": float(self.top1_all_ci[1][b])},
            "best_top1_shared": {"value": float(self.top1_shared[b]), "ci_low": float(self.top1_shared_ci[0][b]), "ci_high": float(self.top1_shared_ci[1][b])},
        }


def cross_corpus_accuracy(vectors: Any, acts: Activations, labels: Sequence[str], *, readout_kind: str = "cosine", n_boot: int = 1000, seed: int = 0) -> CrossCorpus:
    """Top-1 accuracy of ``vectors`` on external ``acts`` (labels must be among the vectors' emotions): among all the
    vectors' emotions, and among only the emotions present in ``labels``."""
    unknown = sorted(set(labels) - set(vectors.emotions))
    if unknown:
        raise ValueError(f"external labels {unknown} have no vector; drop those stories first")
    v = vectors.subset(layers=list(acts.layers)) if tuple(acts.layers) != tuple(vectors.layers) else vectors
    scores = v.readout(acts, kind=readout_kind).transpose(0, 1)  # [layer, n, emotion]
    y_all = torch.tensor([v.emotions.index(lab) for lab in labels])
    shared = sorted(set(labels), key=v.emotions.index)
    cols = torch.tensor([v.emotions.index(e) for e in shared])
    y_sh = torch.tensor([shared.index(lab) for lab in labels])
    c_all = topk_correct(scores, y_all, 1)
    c_sh = topk_correct(scores[:, :, cols], y_sh, 1)
    a, la, ha = bootstrap_mean(c_all, n_boot, seed=seed)
    s, ls, hs = bootstrap_mean(c_sh, n_boot, seed=seed + 1)
    return CrossCorpus(tuple(acts.layers), a, (la, ha), s, (ls, hs), len(labels), len(v.emotions), len(shared))
