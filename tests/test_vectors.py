import warnings

import pytest
import torch

from emolens.activations import Activations
from emolens.maths import unit
from emolens.vectors import DiffMeans, EmotionVectors, IncompatibleModelError, NotFittedError, fit_vectors

EMOS = ("calm", "afraid", "happy", "sad")


def planted_acts(n_per=50, d=48, layers=(1, 4), noise=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    dirs = unit(torch.randn(len(layers), len(EMOS), d, generator=g)) * 4
    dirs = dirs - dirs.mean(1, keepdim=True)
    y = torch.arange(len(EMOS)).repeat_interleave(n_per)
    x = torch.randn(len(layers), 1, d, generator=g) * 5 + dirs[:, y] + noise * torch.randn(len(layers), len(y), d, generator=g)
    acts = Activations(x.transpose(0, 1).float().contiguous(), tuple(layers), torch.full((len(y),), 10), "all",
                       {"model_id": "synthetic", "fingerprint": "f0", "n_layers": 6, "d_model": d}, "hash0")
    return acts, [EMOS[i] for i in y], dirs


def test_diffmeans_recovers_planted_directions():
    acts, labels, dirs = planted_acts(n_per=400)
    v = DiffMeans().fit(acts, labels).vectors_
    cos = (unit(v.vectors) * unit(dirs)).sum(-1)
    assert cos.min() > 0.99
    assert v.meta["method"] == "diffmeans:emotions" and v.meta["corpus_hash"] == "hash0" and v.meta["model"]["model_id"] == "synthetic"


def test_vs_neutral_baseline():
    acts, labels, dirs = planted_acts(n_per=400)
    neutral = Activations(acts.values[:0].new_zeros(10, 2, acts.values.shape[-1]) + acts.values.mean(0, keepdim=True), acts.layers,
                          torch.ones(10), "all", acts.model, "n")
    v = fit_vectors(acts, labels, method="diffmeans-neutral", neutral=neutral)
    assert (unit(v.vectors) * unit(dirs)).sum(-1).min() > 0.99
    with pytest.raises(ValueError, match="needs neutral"):
        fit_vectors(acts, labels, method="diffmeans-neutral")
    with pytest.raises(ValueError, match="unknown method.*diffmeans"):
        fit_vectors(acts, labels, method="pca")


def test_not_fitted_error():
    with pytest.raises(NotFittedError, match="not fitted"):
        _ = DiffMeans().vectors


def test_arithmetic_and_access():
    acts, labels, _ = planted_acts()
    v = fit_vectors(acts, labels)
    d = v["calm"] - v["afraid"]
    assert torch.allclose(d.at(4), v.at(4)[0] - v.at(4)[1])
    assert torch.allclose((2 * v["happy"]).vector, v["happy"].vector * 2)
    assert torch.allclose((-v["sad"]).vector, -v["sad"].vector)
    with pytest.raises(KeyError, match="did you mean"):
        v["clam"]
    with pytest.raises(KeyError, match="no vectors at layer"):
        v.at(2)


def test_readout_classifies_planted():
    acts, labels, _ = planted_acts(noise=0.2)
    v = fit_vectors(acts, labels)
    s = v.readout(acts, kind="cosine")
    assert s.shape == (len(labels), 2, len(EMOS))
    pred = [v.emotions[i] for i in s[:, 1].argmax(-1).tolist()]
    assert sum(p == t for p, t in zip(pred, labels)) / len(labels) > 0.98


def test_save_load_roundtrip_is_exact(tmp_path):
    acts, labels, _ = planted_acts()
    v = fit_vectors(acts, labels)
    v.save(tmp_path / "v.safetensors")
    w = EmotionVectors.load(tmp_path / "v.safetensors")
    assert torch.equal(v.vectors, w.vectors) and torch.equal(v.center, w.center)
    assert (v.emotions, v.layers, v.meta) == (w.emotions, w.layers, w.meta)
    assert (tmp_path / "v.safetensors.json").exists()


class FakeModel:
    def __init__(self, n_layers, d_model, model_id="synthetic", fingerprint="f0"):
        self.n_layers, self.d_model, self.model_id, self.fingerprint = n_layers, d_model, model_id, fingerprint


def test_compatibility_check():
    acts, labels, _ = planted_acts()
    v = fit_vectors(acts, labels)
    v.check_compatible(FakeModel(6, 48))
    with pytest.raises(IncompatibleModelError, match="Fit vectors on this model"):
        v.check_compatible(FakeModel(6, 64))
    with pytest.raises(IncompatibleModelError):
        v.check_compatible(FakeModel(12, 48))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        v.check_compatible(FakeModel(6, 48, model_id="other"))
    assert any("directions may not transfer" in str(x.message) for x in w)
