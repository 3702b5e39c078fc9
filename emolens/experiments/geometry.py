"""The geometry of the emotion vectors at one layer: similarity, clusters, and the principal axes against human norms.

    cm = cosine_matrix(v, layer)              # [emotion, emotion] cosine + average-linkage leaf order
    km = kmeans_clusters(v, layer, k=10)      # k-means on unit vectors (k-means++, best of n_init)
    ca = cluster_agreement(v, layer)          # ARI of our k-means against the paper's clusters, with a permutation null
    pc = pca_geometry(v, layer)               # PC1 ~ pleasure, PC2 ~ arousal (Russell & Mehrabian 1977), bootstrap CIs
    rows = geometry_by_layer(v)               # the headline numbers for every layer, one dict per layer

The algorithms (average linkage, k-means, ARI, PCA, Spearman) are plain numpy, so nothing here needs scipy or
scikit-learn. Each result is a small frozen value with ``to_metrics()`` (JSON-safe); figures live in
:mod:`emolens.figures` (``cosine_heatmap``, ``emotion_map``, ``geometry_layers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import numpy as np
import torch
from jaxtyping import Float
from torch import Tensor

from ..vectors.emotion_vectors import EmotionVectors

# ---------------------------------------------------------------------------------------------- plain-array helpers


def _layer_matrix(vectors: EmotionVectors, layer: int) -> np.ndarray:
    """``[emotion, d_model]`` at ``layer`` as float64 numpy (``vectors.at`` explains a missing layer)."""
    if not isinstance(vectors, EmotionVectors):
        raise TypeError(f"expected an EmotionVectors, got {type(vectors).__name__}; load one with EmotionVectors.load(path)")
    return vectors.at(layer).detach().to(torch.float64).cpu().numpy()


def _unit_rows(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), eps)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    xc, yc = x - x.mean(), y - y.mean()
    den = float(np.sqrt((xc * xc).sum() * (yc * yc).sum()))
    return float((xc * yc).sum() / den) if den > 0 else float("nan")


def _rank(x: np.ndarray) -> np.ndarray:
    """Ranks with ties given their average rank (what Spearman's rho needs)."""
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return (start + (counts - 1) / 2.0)[inverse.reshape(-1)]


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    return _pearson(_rank(x), _rank(y))


def _codes(labels: Sequence[Hashable] | Tensor | np.ndarray) -> np.ndarray:
    """Integer codes for any hashable labels, in order of first appearance."""
    items = labels.tolist() if hasattr(labels, "tolist") else list(labels)
    index: dict[Hashable, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in items], dtype=np.int64)


def average_linkage(dist: Float[np.ndarray, "n n"]) -> Float[np.ndarray, "merge 4"]:
    """Average-linkage (UPGMA) agglomerative clustering of a symmetric distance matrix.

    Returns a SciPy-style linkage matrix: row ``s`` merges clusters ``Z[s, 0] < Z[s, 1]`` (leaves are ``0..n-1``, the
    cluster made at step ``s`` is ``n + s``) at distance ``Z[s, 2]`` into a cluster of ``Z[s, 3]`` leaves.
    Naive O(n^3): at every step the closest pair of active clusters merges and its distances to the others are updated
    by Lance-Williams, ``d(k, i+j) = (n_i d(k, i) + n_j d(k, j)) / (n_i + n_j)``.
    """
    d = np.array(dist, dtype=np.float64)
    n = d.shape[0]
    if d.ndim != 2 or d.shape[1] != n:
        raise ValueError(f"need a square distance matrix, got shape {d.shape}")
    if n < 2:
        raise ValueError(f"need at least 2 items to cluster, got {n}")
    if not np.allclose(d, d.T, atol=1e-10):
        raise ValueError("distance matrix must be symmetric")
    np.fill_diagonal(d, np.inf)
    size = np.ones(n)
    ids = np.arange(n)
    z = np.zeros((n - 1, 4))
    for s in range(n - 1):
        i, j = np.unravel_index(int(np.argmin(d)), d.shape)  # row-major first hit, so i < j
        i, j = int(min(i, j)), int(max(i, j))
        z[s] = (min(ids[i], ids[j]), max(ids[i], ids[j]), d[i, j], size[i] + size[j])
        merged = (size[i] * d[i] + size[j] * d[j]) / (size[i] + size[j])
        d[i, :] = merged
        d[:, i] = merged
        d[i, i] = np.inf
        d[j, :] = np.inf
        d[:, j] = np.inf
        size[i] += size[j]
        ids[i] = n + s
    return z


def leaf_order(z: Float[np.ndarray, "merge 4"]) -> list[int]:
    """Leaves of a linkage matrix left to right (first child, then second), as SciPy's ``leaves_list``."""
    n = len(z) + 1
    out: list[int] = []
    stack = [2 * n - 2]
    while stack:
        c = stack.pop()
        if c < n:
            out.append(c)
        else:
            a, b = int(z[c - n, 0]), int(z[c - n, 1])
            stack.extend((b, a))
    return out


# ---------------------------------------------------------------------------------------------- 1. cosine similarity


@dataclass(frozen=True)
class CosineMatrix:
    """Cosine similarity between the emotion vectors at one layer, with an average-linkage order of the emotions."""

    layer: int
    emotions: tuple[str, ...]
    cosine: Float[Tensor, "emotion emotion"]
    order: tuple[int, ...]  # indices into ``emotions``, dendrogram leaf order on 1 - cosine
    linkage: Float[Tensor, "merge 4"]  # SciPy-style linkage matrix (see :func:`average_linkage`)

    @property
    def ordered_emotions(self) -> list[str]:
        return [self.emotions[i] for i in self.order]

    def nearest(self) -> dict[str, tuple[str, float]]:
        """Each emotion's most similar other emotion and their cosine."""
        c = self.cosine.clone()
        c.fill_diagonal_(-float("inf"))
        v, j = c.max(1)
        return {e: (self.emotions[int(j[i])], float(v[i])) for i, e in enumerate(self.emotions)}

    def to_metrics(self, matrix: bool = False) -> dict[str, Any]:
        """Summary for metrics.json; ``matrix=True`` adds the full matrix (rounded to 4 decimals, emotions in ``emotions`` order)."""
        n = len(self.emotions)
        off = self.cosine[~torch.eye(n, dtype=torch.bool)]
        out: dict[str, Any] = {
            "layer": self.layer,
            "n_emotions": n,
            "linkage": "average",
            "distance": "1 - cosine",
            "order": self.ordered_emotions,
            "mean_offdiag_cosine": float(off.mean()),
            "min_cosine": float(off.min()),
            "max_offdiag_cosine": float(off.max()),
            "nearest": {e: [m, round(c, 4)] for e, (m, c) in self.nearest().items()},
        }
        if matrix:
            out["emotions"] = list(self.emotions)
            out["cosine"] = [[round(float(x), 4) for x in row] for row in self.cosine]
        return out


def cosine_matrix(vectors: EmotionVectors, layer: int) -> CosineMatrix:
    """``[emotion, emotion]`` cosine similarity at ``layer`` and the leaf order of average-linkage clustering on ``1 - cosine``."""
    x = _unit_rows(_layer_matrix(vectors, layer))
    cos = np.clip(x @ x.T, -1.0, 1.0)
    np.fill_diagonal(cos, 1.0)
    dist = 1.0 - cos
    dist = (dist + dist.T) / 2
    z = average_linkage(dist)
    return CosineMatrix(layer, tuple(vectors.emotions), torch.from_numpy(cos), tuple(leaf_order(z)), torch.from_numpy(z))


# ---------------------------------------------------------------------------------------------- 2. k-means and ARI


def _sqdist(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum((x * x).sum(1)[:, None] - 2 * x @ c.T + (c * c).sum(1)[None, :], 0.0)


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: the first centre uniformly, each next one with probability proportional to D(x)^2."""
    n = len(x)
    centers = [x[rng.integers(n)]]
    d2 = _sqdist(x, centers[0][None])[:, 0]
    for _ in range(1, k):
        total = d2.sum()
        i = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
        centers.append(x[i])
        d2 = np.minimum(d2, _sqdist(x, x[i][None])[:, 0])
    return np.stack(centers)


def _lloyd(x: np.ndarray, centers: np.ndarray, max_iter: int) -> tuple[np.ndarray, np.ndarray, float]:
    k = len(centers)
    labels = np.full(len(x), -1)
    for _ in range(max(max_iter, 1)):
        d = _sqdist(x, centers)
        new = d.argmin(1)
        if np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        for c in np.flatnonzero(counts == 0):  # an empty cluster takes the point farthest from its centre
            far = d[np.arange(len(x)), labels]
            far[counts[labels] <= 1] = -1.0
            i = int(far.argmax())
            counts[labels[i]] -= 1
            labels[i] = c
            counts[c] = 1
        centers = np.stack([x[labels == c].mean(0) for c in range(k)])
    inertia = float(_sqdist(x, centers)[np.arange(len(x)), labels].sum())
    return labels, centers, inertia


def _kmeans(x: np.ndarray, k: int, n_init: int, seed: int, max_iter: int = 300) -> tuple[np.ndarray, np.ndarray, float]:
    if not 1 <= k <= len(x):
        raise ValueError(f"k must be between 1 and the number of emotions ({len(x)}), got {k}")
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    rng = np.random.default_rng(seed)
    best = _lloyd(x, _kmeans_pp(x, k, rng), max_iter)
    for _ in range(n_init - 1):
        run = _lloyd(x, _kmeans_pp(x, k, rng), max_iter)
        if run[2] < best[2] - 1e-12:
            best = run
    labels, centers, inertia = best
    # canonical labels: clusters numbered by their first member in input order
    first = {int(c): r for r, c in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([first[int(c)] for c in labels]), centers[np.argsort([first[c] for c in range(k)])], inertia


@dataclass(frozen=True)
class KMeansClusters:
    """k-means clusters of the unit-normalised emotion vectors at one layer (best of ``n_init`` k-means++ starts)."""

    layer: int
    emotions: tuple[str, ...]
    labels: tuple[int, ...]  # 0..k-1, numbered by each cluster's first emotion in ``emotions`` order
    centers: Float[Tensor, "k d_model"]  # in the unit-normalised space
    inertia: float
    k: int
    n_init: int
    seed: int

    def clusters(self) -> list[list[str]]:
        return [[e for e, c in zip(self.emotions, self.labels) if c == j] for j in range(self.k)]

    def to_metrics(self) -> dict[str, Any]:
        return {
            "layer": self.layer, "k": self.k, "n_init": self.n_init, "seed": self.seed, "space": "unit-normalised vectors",
            "inertia": self.inertia, "sizes": [len(c) for c in self.clusters()], "clusters": self.clusters(),
        }


def kmeans_clusters(vectors: EmotionVectors, layer: int, k: int = 10, n_init: int = 20, seed: int = 0) -> KMeansClusters:
    """k-means (k-means++ seeding, Lloyd iterations, best of ``n_init`` by inertia) on the unit-normalised vectors at
    ``layer``. Deterministic for a ``seed``."""
    x = _unit_rows(_layer_matrix(vectors, layer))
    labels, centers, inertia = _kmeans(x, k, n_init, seed)
    return KMeansClusters(layer, tuple(vectors.emotions), tuple(int(c) for c in labels), torch.from_numpy(centers), inertia, k, n_init, seed)


def _comb2(x: np.ndarray) -> float:
    x = x.astype(np.float64)
    return float((x * (x - 1) / 2).sum())


def adjusted_rand_index(a: Sequence[Hashable] | Tensor | np.ndarray, b: Sequence[Hashable] | Tensor | np.ndarray) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) of two partitions of the same items, from their contingency table.

    1 for identical partitions (whatever the label names), about 0 in expectation for independent ones, can be negative.
    When both partitions are trivial in the same way (one cluster each, or all singletons each) the index is 1.
    """
    ca, cb = _codes(a), _codes(b)
    if len(ca) != len(cb):
        raise ValueError(f"partitions label different numbers of items: {len(ca)} and {len(cb)}")
    n = len(ca)
    if n < 2:
        raise ValueError(f"need at least 2 items to compare partitions, got {n}")
    table = np.zeros((ca.max() + 1, cb.max() + 1), dtype=np.int64)
    np.add.at(table, (ca, cb), 1)
    index = _comb2(table)
    sum_a, sum_b = _comb2(table.sum(1)), _comb2(table.sum(0))
    expected = sum_a * sum_b / (n * (n - 1) / 2)
    max_index = (sum_a + sum_b) / 2
    if max_index == expected:
        return 1.0
    return float((index - expected) / (max_index - expected))


def _ari_codes(ca: np.ndarray, cb: np.ndarray, n_b: int) -> float:
    """ARI for integer codes (the permutation null calls this hundreds of times)."""
    n = len(ca)
    table = np.bincount(ca * n_b + cb, minlength=(ca.max() + 1) * n_b)
    index = _comb2(table)
    sum_a, sum_b = _comb2(np.bincount(ca)), _comb2(np.bincount(cb))
    expected = sum_a * sum_b / (n * (n - 1) / 2)
    max_index = (sum_a + sum_b) / 2
    return 1.0 if max_index == expected else float((index - expected) / (max_index - expected))


@dataclass(frozen=True)
class ClusterAgreement:
    """How well our k-means clusters match the paper's clusters (its Table 12), against a shuffled-label null."""

    layer: int
    emotions: tuple[str, ...]  # the emotions present in both the vectors and the paper's list
    paper_clusters: tuple[str, ...]
    kmeans: KMeansClusters
    ari: float
    null_mean: float
    null_q95: float
    p_value: float  # P(null ARI >= observed), with the +1 correction
    n_permutations: int

    def contingency(self) -> dict[str, list[int]]:
        """For each paper cluster, how many of its emotions fall in each of our k-means clusters."""
        out: dict[str, list[int]] = {}
        for p, c in zip(self.paper_clusters, self.kmeans.labels):
            out.setdefault(p, [0] * self.kmeans.k)[c] += 1
        return out

    def to_metrics(self) -> dict[str, Any]:
        return {
            "layer": self.layer, "k": self.kmeans.k, "n_emotions": len(self.emotions), "n_paper_clusters": len(set(self.paper_clusters)),
            "ari": self.ari, "perm_null_mean": self.null_mean, "perm_null_q95": self.null_q95, "perm_p": self.p_value,
            "n_permutations": self.n_permutations, "contingency": self.contingency(), "kmeans": self.kmeans.to_metrics(),
        }


def cluster_agreement(
    vectors: EmotionVectors, layer: int, k: int = 10, *, n_init: int = 20, n_permutations: int = 200, seed: int = 0
) -> ClusterAgreement:
    """ARI between k-means on our vectors at ``layer`` and the paper's k-means clusters (``emolens.data.emotions()[e].cluster``),
    over the emotions present in both; the null shuffles the paper's labels ``n_permutations`` times."""
    from ..data import emotions as _paper

    known = _paper()
    present = [e for e in vectors.emotions if e in known]
    if len(present) < 2:
        raise ValueError(f"only {len(present)} of these vectors' emotions are in the paper's list of 171; need at least 2 to compare clusters")
    v = vectors if len(present) == len(vectors.emotions) else vectors.subset(emotions=present)
    km = kmeans_clusters(v, layer, k, n_init, seed)
    paper = tuple(known[e].cluster for e in present)
    ours, theirs = np.array(km.labels), _codes(paper)
    n_b = int(theirs.max()) + 1
    ari = _ari_codes(ours, theirs, n_b)
    rng = np.random.default_rng([seed, 1])
    null = np.array([_ari_codes(ours, rng.permutation(theirs), n_b) for _ in range(n_permutations)])
    p = float(((null >= ari - 1e-12).sum() + 1) / (n_permutations + 1))
    return ClusterAgreement(
        layer, tuple(present), paper, km, ari,
        float(null.mean()) if n_permutations else float("nan"), float(np.quantile(null, 0.95)) if n_permutations else float("nan"), p, n_permutations,
    )


# ---------------------------------------------------------------------------------------------- 3. PCA against human norms


@dataclass(frozen=True)
class NormCorrelation:
    """Correlation over emotions between one principal component and one human norm."""

    component: str  # "PC1"
    norm: str  # "pleasure"
    n: int  # emotions with the norm
    pearson: float
    ci_low: float  # percentile bootstrap over emotions (the PCs held fixed)
    ci_high: float
    spearman: float
    p_value: float  # two-sided permutation p of |r| (orientation makes r >= 0, so the null is on |r|)

    def to_metrics(self) -> dict[str, Any]:
        return {"component": self.component, "norm": self.norm, "n": self.n, "pearson": self.pearson, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "ci_level": 0.95, "spearman": self.spearman, "perm_p_abs": self.p_value}


@dataclass(frozen=True)
class PCAGeometry:
    """PCA of the emotion vectors at one layer (centred across emotions), read against Russell & Mehrabian (1977)."""

    layer: int
    emotions: tuple[str, ...]
    explained_variance_ratio: tuple[float, ...]  # first (up to) 5 components
    coords: Float[Tensor, "emotion 2"]  # PC1, PC2 scores of every emotion
    components: Float[Tensor, "pc d_model"]  # unit principal axes; PC1 and PC2 oriented, later ones sign-normalised
    pc1_pleasure: NormCorrelation
    pc2_arousal: NormCorrelation
    n_boot: int
    oriented: bool = True  # PC1 flipped so r(PC1, pleasure) >= 0, PC2 so r(PC2, arousal) >= 0

    def to_metrics(self) -> dict[str, Any]:
        return {
            "layer": self.layer, "n_emotions": len(self.emotions), "centred": "across emotions",
            "explained_variance_ratio": list(self.explained_variance_ratio),
            "oriented": self.oriented,
            "orientation": "PC signs chosen so that r(PC1, pleasure) >= 0 and r(PC2, arousal) >= 0",
            "norms": "Russell & Mehrabian (1977)", "n_boot": self.n_boot,
            "pc1_pleasure": self.pc1_pleasure.to_metrics(), "pc2_arousal": self.pc2_arousal.to_metrics(),
            "coords": {e: [float(self.coords[i, 0]), float(self.coords[i, 1])] for i, e in enumerate(self.emotions)},
        }


def _rowwise_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r of every row of ``x`` with the same row of ``y`` (NaN where a row is constant)."""
    xc, yc = x - x.mean(-1, keepdims=True), y - y.mean(-1, keepdims=True)
    den = np.sqrt((xc * xc).sum(-1) * (yc * yc).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc * yc).sum(-1) / den, np.nan)


def _bootstrap_pearson(x: np.ndarray, y: np.ndarray, n_boot: int, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile-bootstrap CI of Pearson r over items, all resamples at once (the vectorised twin of
    :func:`emolens.maths.core.bootstrap_stat`: same generator, same resamples, NaN resamples skipped)."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, len(x), (n_boot, len(x)), generator=g).numpy()
    r = _rowwise_pearson(x[idx], y[idx])
    r = r[~np.isnan(r)]
    if len(r) == 0:
        return float("nan"), float("nan")
    a = (1 - level) / 2
    return float(np.quantile(r, a)), float(np.quantile(r, 1 - a))


def _norm_correlation(
    pc: np.ndarray, norm: np.ndarray, component: str, name: str, n_boot: int, n_permutations: int, seed: int
) -> NormCorrelation:
    r = _pearson(pc, norm)
    lo, hi = _bootstrap_pearson(pc, norm, n_boot, seed)
    rng = np.random.default_rng([seed, 2])
    perm = rng.permuted(np.tile(norm, (n_permutations, 1)), axis=1)
    pcc = (pc - pc.mean()) / np.linalg.norm(pc - pc.mean())
    pn = perm - perm.mean(1, keepdims=True)
    null = np.abs(pn @ pcc / np.linalg.norm(pn, axis=1)) if n_permutations else np.zeros(0)
    p = float(((null >= abs(r) - 1e-12).sum() + 1) / (n_permutations + 1))
    return NormCorrelation(component, name, len(pc), r, lo, hi, _spearman(pc, norm), p)


def pca_geometry(
    vectors: EmotionVectors, layer: int, *, n_components: int = 5, n_boot: int = 1000, n_permutations: int = 1000, seed: int = 0
) -> PCAGeometry:
    """PCA of the emotion vectors at ``layer`` (centred across emotions) and the Pearson / Spearman correlation of PC1
    with human pleasure and of PC2 with human arousal over the emotions that have Russell & Mehrabian norms.

    PC signs are arbitrary, so PC1 is flipped to make its correlation with pleasure >= 0 and PC2 to make its correlation
    with arousal >= 0 (``oriented=True``). The 95% CIs are percentile bootstraps over the normed emotions with the PCs
    held fixed; because the sign is chosen from the data, the p-value is a permutation test of ``|r|``.
    """
    from ..data import emotions as _paper

    x = _layer_matrix(vectors, layer)
    n = x.shape[0]
    if n < 3:
        raise ValueError(f"need at least 3 emotions for a 2-D PCA, got {n}")
    xc = x - x.mean(0, keepdims=True)
    if n_components < 2:
        raise ValueError(f"n_components must be at least 2 (PC1 and PC2 are read against the norms), got {n_components}")
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    if len(s) < 2:
        raise ValueError(f"need d_model >= 2 for a 2-D PCA, got {x.shape[1]}")
    var = s**2
    if var.sum() <= 0:
        raise ValueError(f"the emotion vectors at layer {layer} are all identical; PCA is undefined")
    q = min(n_components, len(s))
    # sign-normalise every axis (largest loading positive) so the result does not depend on the SVD routine
    signs = np.sign(vt[np.arange(len(s)), np.abs(vt).argmax(1)])
    signs[signs == 0] = 1
    u, vt = u * signs, vt * signs[:, None]
    scores = u[:, :2] * s[:2]

    known = _paper()
    rows = {name: [i for i, e in enumerate(vectors.emotions) if e in known and getattr(known[e], name) is not None] for name in ("pleasure", "arousal")}
    for name, idx in rows.items():
        if len(idx) < 3:
            raise ValueError(f"only {len(idx)} of these emotions have a Russell & Mehrabian {name} norm; need at least 3 "
                             "(the 45 normed words are those with emolens.data.emotions()[e].pleasure not None)")
    pleasure = np.array([known[vectors.emotions[i]].pleasure for i in rows["pleasure"]], dtype=np.float64)
    arousal = np.array([known[vectors.emotions[i]].arousal for i in rows["arousal"]], dtype=np.float64)
    for c, (name, target) in enumerate((("pleasure", pleasure), ("arousal", arousal))):
        if _pearson(scores[rows[name], c], target) < 0:
            scores[:, c] *= -1
            vt[c] *= -1
    c1 = _norm_correlation(scores[rows["pleasure"], 0], pleasure, "PC1", "pleasure", n_boot, n_permutations, seed)
    c2 = _norm_correlation(scores[rows["arousal"], 1], arousal, "PC2", "arousal", n_boot, n_permutations, seed + 1)
    return PCAGeometry(
        layer, tuple(vectors.emotions), tuple(float(v) for v in var[:q] / var.sum()), torch.from_numpy(scores.copy()),
        torch.from_numpy(vt[:q].copy()), c1, c2, n_boot, oriented=True,
    )


# ---------------------------------------------------------------------------------------------- 4. every layer


def geometry_by_layer(
    vectors: EmotionVectors,
    layers: Sequence[int] | None = None,
    *,
    k: int = 10,
    n_init: int = 20,
    n_boot: int = 1000,
    n_permutations: int = 200,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One flat dict per layer: PC1/pleasure and PC2/arousal r with 95% CIs (and Spearman), explained variance, and the
    ARI of k-means against the paper's clusters with its permutation null. ``layers`` defaults to every fitted layer."""
    layers = list(vectors.layers) if layers is None else list(layers)
    missing = [L for L in layers if L not in vectors.layers]
    if missing:
        raise ValueError(f"layers {missing} are not among the fitted layers {list(vectors.layers)}")
    out = []
    for L in layers:
        pc = pca_geometry(vectors, L, n_boot=n_boot, n_permutations=n_permutations, seed=seed)
        ca = cluster_agreement(vectors, L, k, n_init=n_init, n_permutations=n_permutations, seed=seed)
        row: dict[str, Any] = {"layer": int(L), "n_emotions": len(pc.emotions)}
        for key, c in (("pc1_pleasure", pc.pc1_pleasure), ("pc2_arousal", pc.pc2_arousal)):
            row.update({f"{key}_r": c.pearson, f"{key}_ci_low": c.ci_low, f"{key}_ci_high": c.ci_high,
                        f"{key}_spearman": c.spearman, f"{key}_perm_p": c.p_value, f"{key}_n": c.n})
        row.update({"explained_pc1": pc.explained_variance_ratio[0], "explained_pc2": pc.explained_variance_ratio[1],
                    "ari": ca.ari, "ari_null_mean": ca.null_mean, "ari_null_q95": ca.null_q95, "ari_perm_p": ca.p_value, "k": k})
        out.append(row)
    return out


__all__ = [
    "ClusterAgreement", "CosineMatrix", "KMeansClusters", "NormCorrelation", "PCAGeometry",
    "adjusted_rand_index", "average_linkage", "cluster_agreement", "cosine_matrix", "geometry_by_layer", "kmeans_clusters",
    "leaf_order", "pca_geometry",
]
