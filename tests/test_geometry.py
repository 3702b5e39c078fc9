"""Geometry of the emotion vectors, on hand-built vectors over the 171 real emotion names with planted structure."""

import io
import json

import numpy as np
import pytest
import torch

from emolens.data import emotion_words, emotions
from emolens.experiments.geometry import (
    adjusted_rand_index,
    average_linkage,
    cluster_agreement,
    cosine_matrix,
    geometry_by_layer,
    kmeans_clusters,
    leaf_order,
    pca_geometry,
)
from emolens.vectors import EmotionVectors


def planted_vectors(*, pleasure=3.0, arousal=1.5, offset=1.0, noise=0.05, k=10, clusters=None, d=48, layer=0, seed=0):
    """vector = pleasure * p * axis_p + arousal * a * axis_a + offset * cluster axis + noise, for all 171 emotions.

    ``p``/``a`` are the Russell & Mehrabian norms where they exist and uniform random values elsewhere; clusters are
    ``k`` balanced random groups, or ``clusters="paper"`` for the paper's. Returns the vectors and the planted labels."""
    rng = np.random.default_rng(seed)
    words, known = emotion_words(), emotions()
    p = np.array([known[w].pleasure if known[w].pleasure is not None else rng.uniform(-1.0, 1.0) for w in words])
    a = np.array([known[w].arousal if known[w].arousal is not None else rng.uniform(-0.9, 0.9) for w in words])
    if clusters == "paper":
        names = list(dict.fromkeys(known[w].cluster for w in words))
        labels = np.array([names.index(known[w].cluster) for w in words])
    else:
        labels = rng.permutation(np.arange(len(words)) % k)
    axes, _ = np.linalg.qr(rng.standard_normal((d, 2 + labels.max() + 1)))
    x = pleasure * p[:, None] * axes[:, 0] + arousal * a[:, None] * axes[:, 1] + offset * axes[:, 2:].T[labels]
    x = x + noise * rng.standard_normal(x.shape)
    return EmotionVectors(torch.tensor(x, dtype=torch.float32)[None], tuple(words), (layer,)), labels


CLUSTERED = dict(pleasure=1.0, arousal=1.0, offset=3.0)  # cluster offsets dominate: k-means and linkage should recover them


def random_vectors(d=48, seed=1, layer=0):
    g = torch.Generator().manual_seed(seed)
    words = emotion_words()
    return EmotionVectors(torch.randn(1, len(words), d, generator=g), tuple(words), (layer,))


def is_json(m):
    json.dumps(m, allow_nan=False)
    return True


# ------------------------------------------------------------------------------------------------ PCA vs norms


def test_pca_recovers_planted_pleasure_and_arousal():
    v, _ = planted_vectors()
    pc = pca_geometry(v, 0, n_boot=1000, n_permutations=200)
    r1, r2 = pc.pc1_pleasure, pc.pc2_arousal
    assert r1.n == r2.n == 45
    assert r1.pearson > 0.9 and r1.ci_low > 0 and r1.ci_low <= r1.pearson <= r1.ci_high
    assert r2.pearson > 0.8 and r2.ci_low > 0
    assert r1.spearman > 0.8 and r2.spearman > 0.7
    assert r1.p_value == r2.p_value == pytest.approx(1 / 201)
    assert pc.oriented is True
    evr = pc.explained_variance_ratio
    assert len(evr) == 5 and all(a >= b for a, b in zip(evr, evr[1:])) and sum(evr) <= 1 + 1e-9
    assert tuple(pc.coords.shape) == (171, 2) and tuple(pc.components.shape) == (5, 48)
    m = pc.to_metrics()
    assert is_json(m) and m["oriented"] and len(m["coords"]) == 171


def test_pca_orientation_does_not_depend_on_sign():
    v, _ = planted_vectors()
    a = pca_geometry(v, 0, n_boot=100, n_permutations=0)
    flipped = EmotionVectors(-v.vectors, v.emotions, v.layers)
    b = pca_geometry(flipped, 0, n_boot=100, n_permutations=0)
    assert a.pc1_pleasure.pearson == pytest.approx(b.pc1_pleasure.pearson, abs=1e-6)
    assert a.pc2_arousal.pearson == pytest.approx(b.pc2_arousal.pearson, abs=1e-6)
    assert torch.allclose(a.coords, b.coords, atol=1e-4)  # oriented by the norms, so negating the vectors changes nothing


def test_pca_random_vectors_show_no_norm_correlation():
    pc = pca_geometry(random_vectors(), 0, n_boot=1000, n_permutations=200)
    for c in (pc.pc1_pleasure, pc.pc2_arousal):
        assert 0 <= c.pearson < 0.35  # oriented, so >= 0 by construction
        assert c.ci_low < 0 < c.ci_high
        assert c.p_value > 0.05


def test_bootstrap_ci_matches_bootstrap_stat():
    from emolens.experiments.geometry import _bootstrap_pearson, _pearson
    from emolens.maths import bootstrap_stat

    rng = np.random.default_rng(0)
    x = rng.standard_normal(45)
    y = x + rng.standard_normal(45)
    ref = bootstrap_stat(lambda i: _pearson(x[i.numpy()], y[i.numpy()]), 45, n_boot=300, seed=4)
    assert _bootstrap_pearson(x, y, 300, 4) == pytest.approx(ref, abs=1e-6)  # same generator, same resamples


def test_spearman_ranks_ties_by_average():
    from emolens.experiments.geometry import _rank, _spearman

    assert _rank(np.array([30.0, 10.0, 20.0, 20.0])).tolist() == [3.0, 0.0, 1.5, 1.5]
    x = np.array([1.0, 2.0, 2.0, 3.0, 10.0])
    assert _spearman(x, x**3) == pytest.approx(1.0) and _spearman(x, -np.exp(x)) == pytest.approx(-1.0)


def test_average_linkage_matches_scipy():
    import scipy  # noqa: F401  (test-only dependency: the reference implementation)
    from scipy.cluster.hierarchy import leaves_list, linkage

    pts = np.random.default_rng(0).standard_normal((30, 5))
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    z, ref = average_linkage(d), linkage(d[np.triu_indices(30, 1)], "average")
    assert np.allclose(z, ref) and leaf_order(z) == leaves_list(ref).tolist()


# ------------------------------------------------------------------------------------------------ clusters


def test_kmeans_recovers_planted_clusters_and_is_deterministic():
    v, labels = planted_vectors(**CLUSTERED)
    km = kmeans_clusters(v, 0, k=10, n_init=10, seed=0)
    assert adjusted_rand_index(km.labels, labels) > 0.9
    again = kmeans_clusters(v, 0, k=10, n_init=10, seed=0)
    assert again.labels == km.labels and again.inertia == km.inertia
    assert km.inertia <= kmeans_clusters(v, 0, k=10, n_init=1, seed=0).inertia + 1e-9
    assert sorted(len(c) for c in km.clusters()) == sorted(np.bincount(labels).tolist())
    assert is_json(km.to_metrics())
    with pytest.raises(ValueError, match="k must be"):
        kmeans_clusters(v, 0, k=500)


def test_hierarchical_order_keeps_planted_clusters_contiguous():
    v, labels = planted_vectors(**CLUSTERED)
    cm = cosine_matrix(v, 0)
    assert sorted(cm.order) == list(range(171))
    seq = labels[list(cm.order)]
    assert 1 + int((seq[1:] != seq[:-1]).sum()) == 10  # ten runs: every planted cluster is one block
    assert torch.allclose(cm.cosine, cm.cosine.T) and torch.allclose(cm.cosine.diagonal(), torch.ones(171, dtype=torch.float64))
    m = cm.to_metrics()
    assert is_json(m) and len(m["order"]) == 171 and "cosine" not in m
    assert len(cm.to_metrics(matrix=True)["cosine"]) == 171


def test_adjusted_rand_index_properties():
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(4 / 7)  # worked by hand from the contingency table
    assert adjusted_rand_index([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    rng = np.random.default_rng(0)
    a = rng.integers(0, 10, 171)
    names = np.array(list("abcdefghij"))
    assert adjusted_rand_index(a, a) == 1.0
    assert adjusted_rand_index(a, names[(a + 3) % 10]) == pytest.approx(1.0)  # relabelled, string labels
    assert adjusted_rand_index(torch.tensor(a), a.tolist()) == 1.0
    null = [adjusted_rand_index(a, rng.integers(0, 10, 171)) for _ in range(100)]
    assert abs(np.mean(null)) < 0.05 and max(null) < 0.2
    with pytest.raises(ValueError, match="different numbers"):
        adjusted_rand_index([0, 1], [0, 1, 2])


def test_cluster_agreement_with_the_paper():
    v, _ = planted_vectors(pleasure=0.3, arousal=0.3, offset=3.0, clusters="paper")
    ca = cluster_agreement(v, 0, k=10, n_init=10, n_permutations=200)
    assert ca.ari > 0.9
    assert abs(ca.null_mean) < 0.05 and ca.null_q95 < 0.2 and ca.p_value == pytest.approx(1 / 201)
    m = ca.to_metrics()
    assert is_json(m) and m["n_emotions"] == 171 and m["n_paper_clusters"] == 10
    rand = cluster_agreement(random_vectors(), 0, k=10, n_init=5, n_permutations=100)
    assert abs(rand.ari) < 0.1 and rand.p_value > 0.01


# ------------------------------------------------------------------------------------------------ by layer, figures


def test_geometry_by_layer_and_figures():
    from emolens import figures

    planted, _ = planted_vectors()
    rand = random_vectors()
    both = EmotionVectors(torch.cat([planted.vectors, rand.vectors]), planted.emotions, (3, 7))
    rows = geometry_by_layer(both, n_init=3, n_boot=200, n_permutations=50)
    assert [r["layer"] for r in rows] == [3, 7] and is_json(rows)
    assert rows[0]["pc1_pleasure_r"] > 0.9 and rows[0]["pc1_pleasure_ci_low"] > 0
    assert rows[1]["pc1_pleasure_ci_low"] < 0 < rows[1]["pc1_pleasure_ci_high"]
    with pytest.raises(ValueError, match="not among the fitted layers"):
        geometry_by_layer(both, layers=[5])
    with pytest.raises(KeyError, match="fitted layers"):
        pca_geometry(both, 5)

    few = planted.subset(emotions=planted.emotions[::4])  # 43 emotions (11 with norms): the same code paths, a quarter of the text to lay out
    for fig in (figures.cosine_heatmap(cosine_matrix(few, 0)), figures.emotion_map(pca_geometry(few, 0, n_boot=50, n_permutations=0)),
                figures.geometry_layers(rows)):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=30)
        assert buf.getvalue()[:4] == b"\x89PNG"
        figures.plt.close(fig)
