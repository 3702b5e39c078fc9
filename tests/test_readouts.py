import io

import torch

from emolens import collect
from emolens.experiments.readouts import _spearman, final_norm_gain, logit_lens, numeric_sweeps, token_view
from emolens.vectors import EmotionVectors, fit_vectors


def tiny_vectors(tiny):
    texts = ["she felt happy happy happy and the sun", "he was sad sad sad in the rain", "they were calm calm calm with tea"] * 3
    labels = ["happy", "sad", "calm"] * 3
    acts = collect(tiny, texts, tokens="all", progress=False)
    return fit_vectors(acts, labels)


def test_final_norm_gain_matches_weight(tiny):
    g = final_norm_gain(tiny)
    w = tiny.bridge.ln_final.original_component.weight
    assert torch.allclose(g, w, atol=1e-4)


def test_logit_lens_planted_token_direction(tiny):
    """A vector equal to (unembedding column of 'happy') / gain must promote 'happy' first and demote nothing it shares."""
    W_U = tiny.bridge.W_U
    g = final_norm_gain(tiny)
    happy = tiny.tokenizer(" happy", add_special_tokens=False).input_ids[0]
    planted = (W_U[:, happy] / g)[None, None, :].detach()
    v = EmotionVectors(planted, ("happy",), (2,), {"method": "planted"})
    lens = logit_lens(tiny, v, 2, k=5)
    assert lens.promoted[0][0].strip() == "happy" and lens.own_word_rank == [0]
    assert lens.to_metrics()["own_word_in_top100_share"] == 1.0


def test_spearman():
    assert abs(_spearman([1, 2, 3, 4], [10, 20, 30, 40]) - 1) < 1e-12
    assert abs(_spearman([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12
    assert _spearman([1, 2, 3], [5, 5, 5]) != _spearman([1, 2, 3], [5, 5, 5])  # flat readout -> NaN
    assert abs(_spearman([1, 2, 3, 4], [1, 1, 2, 2]) - 0.894) < 1e-3


def test_numeric_sweeps_plumbing(tiny):
    v = tiny_vectors(tiny)
    t = [{"id": "cups", "template": "she had {x} cups of tea", "values": [1, 2, 3, 4, 5], "rising": ["happy", "calm"], "falling": ["sad", "nope"]}]
    s = numeric_sweeps(tiny, v, 1, templates=t)
    assert [(r["emotion"], r["expected"]) for r in s.rows] == [("happy", "rise"), ("calm", "rise"), ("sad", "fall")]
    m = s.to_metrics()
    assert m["n_checks"] == 3 and all(len(c["readout"]) == 5 for c in m["curves"])
    for r in s.rows:  # digits are in the tiny vocabulary, so the readout varies with x and rho is defined
        assert r["spearman"] == r["spearman"]
        assert r["sign_ok"] == ((r["spearman"] > 0) == (r["expected"] == "rise"))
    from emolens import figures

    figures.numeric_sweeps(s).savefig(io.BytesIO(), format="png")


def test_token_view_matches_collect_and_renders_offline(tiny):
    v = tiny_vectors(tiny)
    text = "the cat sat on the mat and she felt happy"
    view = token_view(tiny, v, text, 1)
    assert view.scores.shape == (len(view.tokens), 3)
    last = collect(tiny, [text], tokens="last", layers=[1], progress=False)
    assert torch.allclose(view.scores[-1], v.subset(layers=[1]).readout(last, kind="projection")[0, 0], atol=1e-5)
    html = view.html("happy")
    assert "<script" in html and "https://" not in html.split("<script")[0][:500]
    view.figure().savefig(io.BytesIO(), format="png")
