import torch

from emolens import collect
from emolens.activations import Moments
from emolens.maths import unit
from emolens.vectors import EmotionVectors
from emolens.vectors.denoise import NeutralPCA


def moments_from(x: torch.Tensor) -> Moments:
    """x: [layer, n, d] token activations."""
    x = x.double()
    return Moments(x.sum(1), torch.einsum("lnd,lne->lde", x, x), x.shape[1], tuple(range(x.shape[0])), "all", {}, "h")


def test_moments_match_direct_covariance_on_real_collection(tiny):
    texts = ["the cat sat on the mat", "she felt happy and the dog ran home", "a day of rain"]
    m = collect(tiny, texts, tokens="all", reduce="moments", progress=False)
    ids = [tiny.tokenizer(t, return_tensors="pt").input_ids for t in texts]
    rows = []
    for i in ids:
        _, cache = tiny.bridge.run_with_cache(i, names_filter=lambda n: n.endswith("hook_resid_post"))
        rows.append(torch.stack([cache[f"blocks.{L}.hook_resid_post"][0] for L in range(3)]))
    x = torch.cat(rows, dim=1).double()  # [layer, tokens, d]
    assert m.count == x.shape[1]
    assert torch.allclose(m.mean(), x.mean(1), atol=1e-5)
    cov = torch.stack([torch.cov(x[L].T, correction=0) for L in range(3)])
    assert torch.allclose(m.covariance(), cov, atol=1e-4)


def test_planted_neutral_subspace_is_removed():
    g = torch.Generator().manual_seed(0)
    d = 40
    nuisance = unit(torch.randn(2, d, generator=g))  # two high-variance neutral directions
    x = 0.05 * torch.randn(1, 4000, d, generator=g) + (torch.randn(1, 4000, 2, generator=g) * torch.tensor([5.0, 3.0])) @ nuisance
    pca = NeutralPCA(0.5).fit(moments_from(x))
    assert int(pca.n_components_[0]) == 1  # the 5-sd direction alone explains > 50%
    pca2 = NeutralPCA(0.9).fit(moments_from(x))
    assert int(pca2.n_components_[0]) == 2
    emotion = unit(torch.randn(d, generator=g))
    v = EmotionVectors((emotion + 2 * nuisance[0] + nuisance[1])[None, None], ("calm",), (0,), {"method": "diffmeans"})
    clean = pca2.transform(v)
    assert (clean.vectors[0, 0] @ nuisance.T).abs().max() < 0.05
    assert torch.nn.functional.cosine_similarity(clean.vectors[0, 0], emotion - (emotion @ nuisance.T) @ nuisance, dim=0) > 0.99
    assert "denoised" in clean.meta["method"] and clean.meta["denoise"]["n_components"] == {0: 2}
