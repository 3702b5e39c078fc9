import pytest
import torch

from emolens.interventions import residual_norms, steer
from emolens.models import hook_name
from emolens.vectors import Direction


def direction(tiny, token=" happy", layers=(1, 2)):
    """The unembedding column of a token, so adding it raises that token's logit."""
    tid = tiny.tokenizer(token, add_special_tokens=False).input_ids[0]
    col = tiny.bridge.W_U[:, tid].detach()
    return Direction(torch.stack([col for _ in layers]), tuple(layers), token.strip()), tid


def logits(tiny, ids):
    with torch.no_grad():
        return tiny.bridge(ids)


def test_alpha_zero_is_identical_and_hooks_are_removed(tiny):
    d, _ = direction(tiny)
    ids = tiny.tokenizer("the cat sat on the mat", return_tensors="pt").input_ids
    base = logits(tiny, ids)
    with steer(tiny, d, 0.0, layers=[1]):
        same = logits(tiny, ids)
    assert torch.equal(base, same)
    with pytest.raises(RuntimeError, match="boom"):
        with steer(tiny, d, 5.0, layers=[1]):
            raise RuntimeError("boom")
    assert torch.equal(logits(tiny, ids), base)  # no hook survived the exception
    assert all(not hp.fwd_hooks for hp in tiny.bridge.hook_dict.values())


def test_positive_and_negative_alpha_move_the_target_logit(tiny):
    d, tid = direction(tiny)
    ids = tiny.tokenizer("the cat sat on the mat", return_tensors="pt").input_ids
    norms = residual_norms(tiny, ["the cat sat on the mat", "she felt sad in the rain"], layers=[2])
    base = logits(tiny, ids)[0, -1, tid]
    with steer(tiny, d, 0.5, layers=[2], norms=norms):
        up = logits(tiny, ids)[0, -1, tid]
    with steer(tiny, d, -0.5, layers=[2], norms=norms):
        down = logits(tiny, ids)[0, -1, tid]
    assert down < base < up


def test_steering_adds_alpha_times_norm_times_unit(tiny):
    d, _ = direction(tiny, layers=(1,))
    ids = tiny.tokenizer("the cat sat", return_tensors="pt").input_ids
    norms = {1: 3.0}
    _, c0 = tiny.bridge.run_with_cache(ids, names_filter=hook_name(1))
    with steer(tiny, d, 0.25, norms=norms):
        _, c1 = tiny.bridge.run_with_cache(ids, names_filter=hook_name(1))
    added = c1[hook_name(1)] - c0[hook_name(1)]
    expect = 0.25 * 3.0 * d.at(1) / d.at(1).norm()
    assert torch.allclose(added, expect.expand_as(added), atol=1e-5)


def test_several_directions_and_errors(tiny):
    h, th = direction(tiny, " happy")
    s, ts = direction(tiny, " sad")
    ids = tiny.tokenizer("the cat sat on the mat", return_tensors="pt").input_ids
    base = logits(tiny, ids)[0, -1]
    with steer(tiny, [h, s], [2.0, -2.0], layers=[2]):
        both = logits(tiny, ids)[0, -1]
    assert both[th] > base[th] and both[ts] < base[ts]
    with pytest.raises(ValueError, match="positions"):
        with steer(tiny, h, 1.0, positions="middle"):
            pass
    with pytest.raises(ValueError, match="no layer 0"):
        with steer(tiny, h, 1.0, layers=[0]):
            pass
    with pytest.raises(ValueError, match="no residual norm"):
        with steer(tiny, h, 1.0, layers=[1], norms={2: 1.0}):
            pass


@pytest.mark.parametrize("positions", ["all", "prompt", "generated"])
def test_generate_with_kv_cache_steers_the_right_positions(tiny, positions):
    d, _ = direction(tiny, layers=(1,))
    ids = tiny.tokenizer("the cat sat on the", return_tensors="pt").input_ids
    seen = []

    def spy(act, hook):
        seen.append(act[0, :, 0].clone())

    base_seen = []
    def base_spy(act, hook):
        base_seen.append(act[0, :, 0].clone())

    with tiny.bridge.hooks(fwd_hooks=[(hook_name(2), base_spy)]):
        base = tiny.bridge.generate(ids, max_new_tokens=3, do_sample=False, verbose=False)
    with steer(tiny, d, 0.0, layers=[1], positions=positions):  # alpha 0: generation unchanged in every mode
        same = tiny.bridge.generate(ids, max_new_tokens=3, do_sample=False, verbose=False)
    assert torch.equal(base, same)
    with steer(tiny, d, 50.0, layers=[1], positions=positions), tiny.bridge.hooks(fwd_hooks=[(hook_name(2), spy)]):
        tiny.bridge.generate(ids, max_new_tokens=3, do_sample=False, verbose=False)
    changed_prompt = not torch.allclose(seen[0], base_seen[0])
    changed_step = not torch.allclose(seen[1], base_seen[1])
    assert seen[0].shape[0] == ids.shape[1] and seen[1].shape[0] == 1  # KV cache: one position per step after the prompt
    assert changed_prompt == (positions in ("all", "prompt"))
    if positions == "generated":
        assert changed_step


def test_steering_checks_on_planted_vectors(tiny):
    """Vectors planted along each word's unembedding column: steering raises that word more than the others and more
    than a random direction."""
    from emolens.experiments.steering_checks import steering_checks
    from emolens.vectors import EmotionVectors

    words = ["happy", "sad", "calm", "angry"]
    cols = torch.stack([tiny.bridge.W_U[:, tiny.tokenizer(" " + w, add_special_tokens=False).input_ids[0]].detach() for w in words])
    v = EmotionVectors(cols[None], tuple(words), (2,), {"method": "planted"})
    prompts = ("the cat sat on the mat . she felt", "he said one two three . he felt")
    res = steering_checks(tiny, v, 2, words, alphas=(-2.0, 0.0, 2.0), prompts=prompts)
    m = res.to_metrics()
    assert m["n_emotions"] == 4 and len(m["rows"]) == 12
    assert m["share_target_slope_positive"] == 1.0 and m["share_target_above_others"] == 1.0
    assert [r["target_delta"] for r in m["rows"] if r["alpha"] == 0.0] == [0.0] * 4
    with pytest.raises(ValueError, match="include 0.0"):
        steering_checks(tiny, v, 2, words, alphas=(1.0,), prompts=prompts)
