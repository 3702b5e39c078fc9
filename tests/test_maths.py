import torch

from emolens.maths import bootstrap_mean, class_means, diff_of_means, permutation_pvalue, readout, topk_correct, unit


def planted(n_per=30, n_cls=6, d=64, layers=3, noise=0.3, seed=0):
    g = torch.Generator().manual_seed(seed)
    dirs = unit(torch.randn(layers, n_cls, d, generator=g))
    dirs = dirs - dirs.mean(1, keepdim=True)  # planted directions are centred, like one-vs-mean vectors
    y = torch.arange(n_cls).repeat_interleave(n_per)
    base = torch.randn(layers, 1, d, generator=g) * 3
    x = base + dirs[:, y] + noise * torch.randn(layers, len(y), d, generator=g) / d**0.5
    return x, y, dirs


def test_class_means_matches_naive():
    x, y, _ = planted()
    mu = class_means(x, y, 6)
    for c in range(6):
        assert torch.allclose(mu[:, c], x[:, y == c].mean(1), atol=1e-6)


def test_diff_of_means_recovers_planted_directions():
    x, y, dirs = planted(n_per=200)
    v = diff_of_means(x, y, 6)
    cos = (unit(v) * unit(dirs)).sum(-1)
    assert cos.min() > 0.99


def test_readout_and_topk():
    x, y, dirs = planted(noise=0.1)
    v = diff_of_means(x, y, 6)
    s = readout(x, v, center=class_means(x, y, 6).mean(1), kind="cosine")
    assert topk_correct(s, y, 1).mean() > 0.99
    shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(1))]
    assert topk_correct(s, shuffled, 1).mean() < 0.5


def test_bootstrap_ci_covers_mean_and_shrinks():
    g = torch.Generator().manual_seed(0)
    small = (torch.rand(1, 50, generator=g) < 0.7).float()
    large = (torch.rand(1, 5000, generator=g) < 0.7).float()
    m, lo, hi = bootstrap_mean(small, 500)
    assert lo[0] <= m[0] <= hi[0]
    _, lo2, hi2 = bootstrap_mean(large, 500)
    assert (hi2 - lo2)[0] < (hi - lo)[0]
    assert lo2[0] < 0.7 < hi2[0]


def test_permutation_pvalue():
    null = torch.linspace(0, 1, 99)[:, None]
    assert permutation_pvalue(torch.tensor([2.0]), null)[0] == 1 / 100
    assert permutation_pvalue(torch.tensor([-1.0]), null)[0] == 1.0
