import torch

from emolens.experiments import heldout_accuracy
from tests.test_vectors import planted_acts


def test_heldout_accuracy_planted_signal():
    acts, labels, _ = planted_acts(n_per=40, noise=1.0)
    folds = [i % 5 for i in range(len(labels))]
    sw = heldout_accuracy(acts, labels, folds, n_permutations=30, n_boot=200)
    assert sw.top1.min() > 0.9
    assert sw.top1_ci[0].min() > 0.8 and (sw.top1_ci[0] <= sw.top1).all() and (sw.top1 <= sw.top1_ci[1]).all()
    assert sw.null_q95.max() < 0.5  # a shuffled-label null sits near chance (0.25)
    assert (sw.p_value <= 1 / 31 + 1e-6).all()
    m = sw.to_metrics()
    assert m["best_layer"] in acts.layers and len(m["by_layer"]) == 2


def test_heldout_accuracy_no_signal_is_at_chance():
    acts, labels, _ = planted_acts(n_per=40, noise=1.0)
    g = torch.Generator().manual_seed(3)
    noise = acts.values[torch.randperm(len(labels), generator=g)]  # labels no longer match activations
    from emolens.activations import Activations

    shuffled = Activations(noise, acts.layers, acts.n_tokens, acts.token_rule, acts.model, "h")
    sw = heldout_accuracy(shuffled, labels, [i % 5 for i in range(len(labels))], n_permutations=50, n_boot=200)
    assert sw.top1.max() < 0.45
    assert sw.p_value.min() > 0.01


def test_cross_corpus_accuracy_planted():
    from emolens.experiments import cross_corpus_accuracy
    from emolens.vectors import fit_vectors

    acts, labels, _ = planted_acts(n_per=40, noise=1.0, seed=0)
    v = fit_vectors(acts, labels)
    ext, ext_labels, _ = planted_acts(n_per=20, noise=1.0, seed=0)  # same planted directions, new noise draws below
    g = torch.Generator().manual_seed(9)
    from emolens.activations import Activations

    ext = Activations(ext.values + 0.5 * torch.randn(ext.values.shape, generator=g), ext.layers, ext.n_tokens, ext.token_rule, ext.model, "e")
    keep = [i for i, lab in enumerate(ext_labels) if lab != "sad"]  # the external corpus covers only 3 of the 4 emotions
    cc = cross_corpus_accuracy(v, ext.select(keep), [ext_labels[i] for i in keep], n_boot=200)
    assert cc.n_all == 4 and cc.n_shared == 3
    assert cc.top1_all.min() > 0.9 and cc.top1_shared.min() >= cc.top1_all.min()
    import pytest

    with pytest.raises(ValueError, match="no vector"):
        cross_corpus_accuracy(v, ext.select([0]), ["hopeless"])


def test_denoising_inside_cross_validation_helps_against_planted_nuisance():
    """A high-variance nuisance direction that also shifts class means hurts cosine readout; projecting out the
    neutral PCA (which finds that direction) inside each fold restores accuracy."""
    from emolens.activations import Activations
    from emolens.maths import unit
    from emolens.vectors.denoise import NeutralPCA
    from tests.test_denoise import moments_from

    acts, labels, _ = planted_acts(n_per=40, noise=1.0, d=48, layers=(0,))
    g = torch.Generator().manual_seed(5)
    nuisance = unit(torch.randn(48, generator=g))
    shift = torch.randn(len(labels), generator=g)[:, None] * 12
    noisy = Activations(acts.values + (shift * nuisance)[:, None, :], acts.layers, acts.n_tokens, acts.token_rule, acts.model, "n")
    neutral = (torch.randn(1, 3000, 1, generator=g) * 12) * nuisance + 0.3 * torch.randn(1, 3000, 48, generator=g)
    pca = NeutralPCA(0.5).fit(moments_from(neutral))
    folds = [i % 5 for i in range(len(labels))]
    raw = heldout_accuracy(noisy, labels, folds, n_permutations=5, n_boot=100)
    clean = heldout_accuracy(noisy, labels, folds, n_permutations=5, n_boot=100, denoise=pca)
    assert clean.top1[0] > raw.top1[0] + 0.1
    assert clean.method.startswith("diffmeans+denoised")
