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
