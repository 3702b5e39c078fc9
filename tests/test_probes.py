import math

import pytest
import torch
import torch.nn.functional as F

from emolens.activations import Activations
from emolens.maths import unit
from emolens.vectors import METHODS, EmotionVectors, IncompatibleModelError, NotFittedError, fit_vectors
from emolens.vectors.probes import LogisticProbe, fold_ids

from .test_vectors import EMOS, planted_acts


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These problems are tiny, so intra-op threads only add overhead; on a busy 2-core machine they made this file
    ~9x slower in CPU time (73 s vs 8 s). Restored afterwards so other test modules are unaffected."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def simplex_acts(n_per, d, noise, layers=(1, 4), seed=0):
    """Like ``planted_acts``, but the planted directions are a regular simplex (all classes equally far apart), so a
    small ``d`` still gives near-perfect accuracy and recovery needs fewer texts (keeps the test fast)."""
    g = torch.Generator().manual_seed(seed)
    q = torch.linalg.qr(torch.randn(len(layers), d, len(EMOS), generator=g)).Q  # orthonormal columns
    dirs = 4 * q.transpose(1, 2)
    dirs = dirs - dirs.mean(1, keepdim=True)
    y = torch.arange(len(EMOS)).repeat_interleave(n_per)
    x = torch.randn(len(layers), 1, d, generator=g) * 5 + dirs[:, y] + noise * torch.randn(len(layers), len(y), d, generator=g)
    acts = Activations(x.transpose(0, 1).contiguous(), tuple(layers), torch.full((len(y),), 10), "all",
                       {"model_id": "synthetic", "fingerprint": "f0", "n_layers": 6, "d_model": d}, "hash0")
    return acts, [EMOS[i] for i in y], dirs


def split(acts, labels, every=2):
    """Even texts for training, odd ones held out (labels are sorted by class, so both halves are balanced)."""
    tr, te = list(range(0, len(labels), every)), list(range(1, len(labels), every))
    return acts.select(tr), [labels[i] for i in tr], acts.select(te), [labels[i] for i in te]


def one_layer(acts, i):
    return Activations(acts.values[:, [i]], (acts.layers[i],), acts.n_tokens, acts.token_rule, acts.model, acts.corpus_hash)


def test_recovers_planted_directions_and_classifies_held_out():
    # Isotropic Gaussian classes: the Bayes posterior is a softmax with weights proportional to the (centred) class
    # means, so the probe's class-centred weight rows must point along the planted directions.
    acts, labels, dirs = simplex_acts(n_per=4000, d=8, noise=1.2)
    tr, ytr, te, yte = split(acts, labels)
    probe = LogisticProbe(C=1.0).fit(tr, ytr)
    v = probe.vectors_
    assert v.vectors.shape == (2, len(EMOS), 8) and v.emotions == EMOS and v.layers == (1, 4)
    cos = (unit(v.vectors.double()) * unit(dirs.double())).sum(-1)
    assert cos.min() > 0.99, cos
    assert torch.allclose(v.vectors.sum(1), torch.zeros(2, 8), atol=1e-5)  # centred across classes
    assert torch.allclose(v.center, tr.values.mean(0), atol=1e-4)
    acc = probe.score(te, yte)
    # noise 1.2 leaves a little class overlap: the oracle (planted means, isotropic noise) gets about 0.975 here
    x = te.values.double() - tr.values.double().mean(0)
    oracle = (torch.einsum("nld,lkd->nlk", x, dirs.double()) - 0.5 * dirs.double().pow(2).sum(-1)).argmax(-1)
    oracle_acc = (oracle == torch.tensor([EMOS.index(e) for e in yte])[:, None]).double().mean(0)
    assert acc.shape == (2,) and (acc > 0.97).all() and (acc > oracle_acc - 0.005).all(), (acc, oracle_acc)
    assert v.meta["method"] == "probe:logreg" and v.meta["C"] == [1.0, 1.0] and v.meta["corpus_hash"] == tr.corpus_hash
    assert v.meta["model"]["model_id"] == "synthetic" and v.meta["token_rule"] == "all" and v.meta["n_per_emotion"] == [2000] * 4


def test_shuffled_labels_cross_validate_to_chance():
    acts, labels, _ = planted_acts(n_per=50, d=16, noise=0.5)
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1)).tolist()
    probe = LogisticProbe().fit(acts, [labels[i] for i in perm])
    assert probe.cv_accuracy_.shape == probe.cv_scores_.shape == (4, 2)
    assert (probe.cv_accuracy_ - 0.25).abs().max() < 0.12, probe.cv_accuracy_
    assert (probe.cv_scores_ < -math.log(4) + 0.02).all()  # no C beats predicting uniform by more than noise
    real = LogisticProbe().fit(acts, labels)  # the same activations with the real labels are separable
    assert (real.cv_accuracy_.max(0).values > 0.99).all()


def test_joint_fit_equals_per_layer_fits():
    acts, labels, _ = planted_acts(n_per=30, d=8, noise=1.5, layers=(0, 2, 5))
    tight = dict(max_iter=500, tol=1e-8)  # the weights' error is ~30x the gradient tolerance
    joint = LogisticProbe(C=1.0, **tight).fit(acts, labels)
    joint_cv = LogisticProbe(Cs=(0.1, 10.0)).fit(acts, labels)
    for i in range(3):
        alone = LogisticProbe(C=1.0, **tight).fit(one_layer(acts, i), labels)
        torch.testing.assert_close(joint.coef_[i], alone.coef_[0], atol=1e-6, rtol=0)
        torch.testing.assert_close(joint.intercept_[i], alone.intercept_[0], atol=1e-6, rtol=0)
        alone_cv = LogisticProbe(Cs=(0.1, 10.0)).fit(one_layer(acts, i), labels)
        assert joint_cv.C_[i] == alone_cv.C_[0]
        torch.testing.assert_close(joint_cv.cv_scores_[:, i], alone_cv.cv_scores_[:, 0], atol=1e-5, rtol=0)
        torch.testing.assert_close(joint_cv.coef_[i], alone_cv.coef_[0], atol=1e-4, rtol=0)


def test_solution_is_the_optimum_of_the_documented_objective():
    # Reference: a naive per-layer loop that standardises, then checks the gradient of
    # mean CE + ||W||^2 / (2 C n) (scikit-learn's C * sum CE + ||W||^2 / 2, divided by C n) vanishes.
    acts, labels, _ = planted_acts(n_per=30, d=12, noise=1.5)
    C = 0.5
    probe = LogisticProbe(C=C, tol=1e-7).fit(acts, labels)
    y = torch.tensor([EMOS.index(e) for e in labels])
    for i, layer in enumerate(acts.layers):
        x = acts.at(layer).double()
        mu, sd = x.mean(0), x.std(0, unbiased=False)
        W = (probe.coef_[i] * sd).clone().requires_grad_(True)  # standardised-space weights
        b = probe.intercept_[i].clone().requires_grad_(True)
        loss = F.cross_entropy((x - mu) / sd @ W.T + b, y) + W.pow(2).sum() / (2 * C * len(y))
        loss.backward()
        assert W.grad.abs().max() < 1e-6 and b.grad.abs().max() < 1e-6


def test_cv_regularises_more_with_few_texts_in_many_dimensions():
    # Same planted signal and noise; each of the 4 layers is an independent replicate, so compare mean log10 C.
    # (Over seeds 0-4: small picks mean log10 C in [-1.75, -1.5], large picks 0.0.)
    layers = (0, 1, 2, 3)
    small = LogisticProbe().fit(*planted_acts(n_per=10, d=128, noise=3.0, layers=layers)[:2])
    large = LogisticProbe().fit(*planted_acts(n_per=200, d=4, noise=3.0, layers=layers)[:2])
    assert small.C_.log10().mean() < large.C_.log10().mean() - 1.0, (small.C_, large.C_)
    assert (small.C_ <= 0.1).sum() >= 3 and large.C_.min() >= 1.0
    assert small.C_.tolist() == small.vectors_.meta["C"]


def test_predict_proba_matches_vectors_readout_and_round_trips(tmp_path):
    acts, labels, _ = planted_acts(n_per=20, d=16, noise=1.0)
    probe = LogisticProbe(C=1.0).fit(acts, labels)
    p = probe.predict_proba(acts)
    assert p.shape == (len(labels), 2, 4) and torch.allclose(p.sum(-1), torch.ones(len(labels), 2))
    # the vectors are the probe: a dot readout plus the intercepts gives the same probabilities
    logits = probe.vectors_.readout(acts, kind="dot").double() + probe.intercept_
    assert torch.allclose(torch.softmax(logits, -1).float(), p, atol=1e-5)
    probe.vectors_.save(tmp_path / "probe.safetensors")
    back = EmotionVectors.load(tmp_path / "probe.safetensors")
    assert torch.equal(back.vectors, probe.vectors_.vectors) and back.meta == probe.vectors_.meta


def test_groups_are_folds_and_registry_hook(monkeypatch):
    assert fold_ids(7, None, 3).tolist() == [0, 1, 2, 0, 1, 2, 0]
    groups = [i // 4 for i in range(40)]  # 10 groups of 4 texts dealt into 5 folds
    f = fold_ids(40, groups, 5)
    assert all(len(set(f[g * 4 : g * 4 + 4].tolist())) == 1 for g in range(10)) and sorted(set(f.tolist())) == list(range(5))
    assert fold_ids(6, [7, 7, 3, 3, 9, 9], 5).tolist() == [1, 1, 0, 0, 2, 2]  # fewer groups than n_folds: one fold each
    acts, labels, _ = planted_acts(n_per=20, d=8, noise=1.0)
    probe = LogisticProbe(Cs=(0.1, 1.0)).fit(acts, labels, groups=[i % 4 for i in range(len(labels))])
    assert probe.cv_scores_.shape == (2, 2)
    monkeypatch.setitem(METHODS, "probe", lambda **kw: LogisticProbe(**kw))
    v = fit_vectors(acts, labels, method="probe", C=1.0)
    assert v.meta["method"] == "probe:logreg" and v.vectors.shape == (2, 4, 8)


def test_errors():
    acts, labels, _ = planted_acts(n_per=5, d=8)
    probe = LogisticProbe()
    for call in (lambda: probe.vectors, lambda: probe.predict_proba(acts), lambda: probe.score(acts, labels)):
        with pytest.raises(NotFittedError, match=r"not fitted yet; call \.fit"):
            call()
    with pytest.raises(ValueError, match="19 labels for 20 activations"):
        LogisticProbe().fit(acts, labels[:-1])
    with pytest.raises(ValueError, match=r"at least 2 texts; \{'sad': 1\}"):
        LogisticProbe(C=1.0).fit(acts.select(range(16)), labels[:15] + ["sad"])
    with pytest.raises(ValueError, match="at least 2 emotions"):
        LogisticProbe(C=1.0).fit(acts, ["calm"] * 20)
    with pytest.raises(ValueError, match="C must be a positive number or 'cv', got 'auto'"):
        LogisticProbe(C="auto").fit(acts, labels)
    with pytest.raises(ValueError, match="C must be a positive number"):
        LogisticProbe(C=-1.0).fit(acts, labels)
    with pytest.raises(ValueError, match="Cs must be a non-empty"):
        LogisticProbe(Cs=(0.1, 0.0)).fit(acts, labels)
    with pytest.raises(ValueError, match="n_folds must be an integer >= 2"):
        LogisticProbe(n_folds=1).fit(acts, labels)
    with pytest.raises(ValueError, match="n_folds=50 but only 20 texts"):
        LogisticProbe(n_folds=50).fit(acts, labels)
    with pytest.raises(ValueError, match="3 groups for 20 activations"):
        LogisticProbe().fit(acts, labels, groups=[0, 1, 2])
    with pytest.raises(ValueError, match="at least 2 distinct groups"):
        LogisticProbe().fit(acts, labels, groups=[0] * 20)
    with pytest.raises(ValueError, match="does not use neutral activations"):
        LogisticProbe().fit(acts, labels, neutral=acts)
    with pytest.raises(TypeError, match="must be emolens Activations"):
        LogisticProbe().fit(acts.values, labels)
    bad = Activations(acts.values.clone(), acts.layers, acts.n_tokens, "all", acts.model, "h")
    bad.values[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        LogisticProbe().fit(bad, labels)
    fitted = LogisticProbe(C=1.0).fit(acts, labels)
    with pytest.raises(ValueError, match=r"lack layers \[4\]"):
        fitted.predict_proba(one_layer(acts, 0))
    wide = Activations(torch.zeros(3, 2, 9), acts.layers, torch.ones(3), "all", acts.model, "h")
    with pytest.raises(IncompatibleModelError, match="d_model 9 .* d_model 8"):
        fitted.predict_proba(wide)
    with pytest.raises(ValueError, match="not among the classes"):
        fitted.score(acts, ["joyful"] * 20)
