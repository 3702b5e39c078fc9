"""Denoising as in the paper: project out of the emotion vectors the top principal components of activations on
emotionally neutral text, keeping as many components per layer as explain ``variance_share`` (default 50%) of the
neutral variance.

    moments = emolens.collect(model, neutral_prompts, tokens="all", reduce="moments")
    pca = NeutralPCA(0.5).fit(moments)
    clean = pca.transform(vectors)            # EmotionVectors with the neutral subspace removed
"""

from __future__ import annotations

import torch
from jaxtyping import Float
from torch import Tensor

from ..activations.collect import Moments
from .emotion_vectors import EmotionVectors
from .fit import NotFittedError


class NeutralPCA:
    """Per-layer PCA of neutral activations (from streamed :class:`Moments`); ``transform`` projects it out."""

    def __init__(self, variance_share: float = 0.5, max_components: int | None = None) -> None:
        self.variance_share = variance_share
        self.max_components = max_components

    def fit(self, moments: Moments) -> "NeutralPCA":
        if not 0 < self.variance_share < 1:
            raise ValueError(f"variance_share must lie in (0, 1), got {self.variance_share}")
        if moments.count < 2:
            raise ValueError("need at least 2 neutral tokens to estimate a covariance")
        cov = moments.covariance()
        evals, evecs = torch.linalg.eigh(cov)  # ascending
        evals, evecs = evals.flip(-1).clamp_min(0), evecs.flip(-1)
        share = evals.cumsum(-1) / evals.sum(-1, keepdim=True)
        k = (share < self.variance_share).sum(-1) + 1  # smallest k reaching the share
        if self.max_components is not None:
            k = k.clamp_max(self.max_components)
        self.n_components_ = k
        self.explained_variance_ratio_ = evals / evals.sum(-1, keepdim=True)
        self.components_ = [evecs[i, :, : int(k[i])].T.contiguous() for i in range(len(moments.layers))]  # [k_L, d]
        self.layers_ = tuple(moments.layers)
        self.source_ = {"corpus_hash": moments.corpus_hash, "token_rule": moments.token_rule, "n_tokens": moments.count}
        return self

    def _check(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError("this NeutralPCA is not fitted yet; call .fit(moments) first")

    def project_out(self, x: Float[Tensor, "... d"], layer: int) -> Float[Tensor, "... d"]:
        self._check()
        if layer not in self.layers_:
            raise KeyError(f"NeutralPCA has no layer {layer}; fitted on {list(self.layers_)}")
        c = self.components_[self.layers_.index(layer)].to(x.dtype)
        return x - (x @ c.T) @ c

    def transform(self, vectors: EmotionVectors) -> EmotionVectors:
        self._check()
        out = torch.stack([self.project_out(vectors.at(L), L) for L in vectors.layers])
        meta = dict(vectors.meta)
        meta["method"] = meta.get("method", "?") + f"+denoised(neutral PCA {self.variance_share:.0%})"
        meta["denoise"] = {"variance_share": self.variance_share, "n_components": {L: int(self.n_components_[self.layers_.index(L)]) for L in vectors.layers},
                           **self.source_}
        return EmotionVectors(out, vectors.emotions, vectors.layers, meta, vectors.center)
