import pytest
import torch

from emolens import Prompt, collect
from emolens.activations import AtMark, ExplicitMask, FromToken, padding_waste, plan_batches
from emolens.models import hook_name

TEXTS = [
    "the cat sat on the mat and the dog ran home .",
    "she felt happy",
    "a day of rain and sun and tea . the train was late one two three four five six seven",
    "he said one two",
    "the letter came in the rain and she looked at the door for a long day",
]


def test_padding_invariance_tiny(tiny):
    alone = torch.stack([collect(tiny, [t], tokens="all", progress=False).values[0] for t in TEXTS])
    right = collect(tiny, TEXTS, tokens="all", batch_size=5, padding_side="right", bucket=False, progress=False).values
    left = collect(tiny, TEXTS, tokens="all", batch_size=5, padding_side="left", bucket=False, progress=False).values
    assert torch.allclose(alone, right, atol=1e-5)
    assert torch.allclose(alone, left, atol=1e-5)


def test_matches_run_with_cache(tiny):
    """The streaming reduction equals the mean of the cached residual stream over the selected tokens."""
    acts = collect(tiny, TEXTS[:1], tokens=FromToken(3), progress=False)
    ids = tiny.tokenizer(TEXTS[0], return_tensors="pt").input_ids
    _, cache = tiny.bridge.run_with_cache(ids, names_filter=lambda n: n.endswith("hook_resid_post"))
    for i, L in enumerate(acts.layers):
        assert torch.allclose(acts.values[0, i], cache[hook_name(L)][0, 3:].mean(0), atol=1e-5)


def test_token_rules(tiny):
    ids = tiny.tokenizer(TEXTS[0]).input_ids
    n = len(ids)
    last = collect(tiny, TEXTS[:1], tokens="last", progress=False)
    explicit = collect(tiny, TEXTS[:1], tokens=ExplicitMask((tuple(i == n - 1 for i in range(n)),)), progress=False)
    assert torch.equal(last.values, explicit.values)
    assert last.n_tokens.tolist() == [1]
    p = Prompt("Human : the cat sat\n\nAssistant :", marks={"assistant": len("Human : the cat sat\n\nAssistant :") - 1})
    at = collect(tiny, [p], tokens=AtMark("assistant"), progress=False)
    assert torch.equal(at.values, collect(tiny, [p], tokens="last", progress=False).values)
    with pytest.raises(ValueError, match="selects no token"):
        collect(tiny, ["she felt happy"], tokens="from:50", progress=False)
    with pytest.raises(ValueError, match="has no mark"):
        collect(tiny, ["she felt happy"], tokens="mark:assistant", progress=False)
    with pytest.raises(ValueError, match="unknown token rule"):
        collect(tiny, ["she felt happy"], tokens="middle", progress=False)


def test_label_reduction_equals_mean_of_text_means(tiny):
    labels = ["a", "b", "a", "b", "a"]
    per_text = collect(tiny, TEXTS, tokens="all", batch_size=2, progress=False)
    sums = collect(tiny, TEXTS, tokens="all", labels=labels, reduce="label", batch_size=2, progress=False)
    assert sums.labels == ("a", "b") and sums.counts.tolist() == [3, 2]
    assert sums.sums.dtype == torch.float64
    expect = torch.stack([per_text.values[[0, 2, 4]].double().mean(0), per_text.values[[1, 3]].double().mean(0)]).float()
    assert torch.allclose(sums.means(), expect, atol=1e-5)


def test_resume_after_interrupt_is_identical(tiny, tmp_path):
    texts = TEXTS * 4
    fresh = collect(tiny, texts, tokens="all", batch_size=2, progress=False)

    def boom(done, total):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        collect(tiny, texts, tokens="all", batch_size=2, checkpoint=tmp_path, checkpoint_every=1, on_batch=boom, progress=False)
    seen = []
    resumed = collect(tiny, texts, tokens="all", batch_size=2, checkpoint=tmp_path, checkpoint_every=1, progress=False,
                      on_batch=lambda d, t: seen.append(d))
    assert seen[0] == 5  # started after the 4 finished batches
    assert torch.equal(fresh.values, resumed.values)
    with pytest.raises(ValueError, match="different run"):
        collect(tiny, texts[:3], tokens="all", batch_size=2, checkpoint=tmp_path, progress=False)


def test_label_resume_identical(tiny, tmp_path):
    texts = TEXTS * 3
    labels = ["x", "y", "z"] * 5
    fresh = collect(tiny, texts, tokens="all", labels=labels, reduce="label", batch_size=2, progress=False)

    def boom(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        collect(tiny, texts, tokens="all", labels=labels, reduce="label", batch_size=2, checkpoint=tmp_path, checkpoint_every=1, on_batch=boom, progress=False)
    resumed = collect(tiny, texts, tokens="all", labels=labels, reduce="label", batch_size=2, checkpoint=tmp_path, progress=False)
    assert torch.equal(fresh.sums, resumed.sums) and torch.equal(fresh.counts, resumed.counts)


def test_label_state_size_does_not_grow_with_corpus(tiny):
    small = collect(tiny, TEXTS, tokens="all", labels=["a"] * 5, reduce="label", progress=False)
    big = collect(tiny, TEXTS * 10, tokens="all", labels=["a"] * 50, reduce="label", progress=False)
    assert small.sums.shape == big.sums.shape
    assert torch.allclose(small.means(), big.means(), atol=1e-5)


def test_bucketing_reduces_padding():
    lengths = [10, 200, 12, 190, 11, 210, 9, 205]
    assert padding_waste(lengths, plan_batches(lengths, 2, bucket=True)) < 1.05
    assert padding_waste(lengths, plan_batches(lengths, 2, bucket=False)) > 1.5


def test_bad_input(tiny):
    with pytest.raises(ValueError, match="no texts"):
        collect(tiny, [], progress=False)
    with pytest.raises(ValueError, match="one label per text"):
        collect(tiny, TEXTS, labels=["a"], tokens="all", progress=False)
    with pytest.raises(ValueError, match="padding_side"):
        collect(tiny, TEXTS, padding_side="middle", tokens="all", progress=False)


def test_save_load_roundtrip(tiny, tmp_path):
    from emolens.activations import Activations

    a = collect(tiny, TEXTS, tokens="all", layers=[0, 2], progress=False)
    a.save(tmp_path / "a.safetensors")
    b = Activations.load(tmp_path / "a.safetensors")
    assert torch.equal(a.values, b.values) and a.layers == b.layers and a.model == b.model and a.corpus_hash == b.corpus_hash


@pytest.mark.slow
def test_padding_invariance_real(smollm):
    from emolens import data

    texts = [s.text for s in data.stories(["calm"])[:3]] + ["Human: My cat is sick.\n\nAssistant:"]
    alone = torch.stack([collect(smollm, [t], tokens="all", layers=[0, 15, 29], progress=False).values[0] for t in texts])
    right = collect(smollm, texts, tokens="all", layers=[0, 15, 29], batch_size=4, padding_side="right", bucket=False, progress=False).values
    left = collect(smollm, texts, tokens="all", layers=[0, 15, 29], batch_size=4, padding_side="left", bucket=False, progress=False).values
    scale = alone.abs().max()
    assert (alone - right).abs().max() / scale < 1e-4
    assert (alone - left).abs().max() / scale < 1e-4
