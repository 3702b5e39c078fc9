import json

import pytest

from emolens.pipeline import RunConfig, run


def test_config_validates():
    with pytest.raises(ValueError, match="emotions must be"):
        RunConfig(emotions="everything")
    with pytest.raises(ValueError, match="unknown emotion"):
        RunConfig(emotions=("calm", "clam"))
    with pytest.raises(ValueError, match="batch_size"):
        RunConfig(batch_size=0)


def _check_outputs(out, n_layers):
    metrics = json.loads((out / "metrics.json").read_text())
    cfg = json.loads((out / "config.json").read_text())
    html = (out / "report.html").read_text()
    assert cfg["git_commit"] and cfg["emolens_version"]
    sweep = metrics["heldout_top1_by_layer"]
    assert len(sweep["by_layer"]) == n_layers
    for key in ("best_top1", "best_top5"):
        assert sweep[key]["ci_low"] <= sweep[key]["value"] <= sweep[key]["ci_high"]
    assert "perm_null_q95" in sweep["by_layer"][0]
    assert metrics["model"]["fingerprint"] and metrics["corpus"]["corpus_hash"]
    assert 'id="fig-layer-sweep"' in html and "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html  # opens offline
    return metrics, html


def test_pipeline_plumbing_on_tiny_model(tiny_path, tmp_path):
    emotions = ("calm", "afraid", "sad", "happy", "angry", "proud", "lonely", "hopeful")  # 6 have human norms
    cfg = RunConfig(model=str(tiny_path), emotions=emotions, token_rule="from:0", n_permutations=5, n_boot=50,
                    max_stories_per_emotion=5, out=str(tmp_path))
    run(cfg)
    out = cfg.run_dir()
    metrics, html = _check_outputs(out, 3)
    assert metrics["corpus"]["n_stories"] == 40
    for fig in ("fig-scenarios", "fig-layer-sweep-denoised", "fig-emotion-map", "fig-cosine", "fig-cross-corpus", "fig-numeric", "fig-token-view"):
        assert f'id="{fig}"' in html, fig
    dn = metrics["denoising"]
    assert dn["variance_share"] == 0.5 and dn["neutral_tokens"] > 1000 and min(dn["n_components_by_layer"].values()) >= 1
    g = metrics["geometry"]
    assert g["n_with_human_norms"] == 6 and -1 <= g["pca"]["pc1_pleasure"]["pearson"] <= 1
    assert (out / "vectors_denoised.safetensors").exists() and (out / "token_view.html").exists()
    assert metrics["numeric_sweeps"]["n_checks"] > 0 and "happy" in metrics["logit_lens"]["by_emotion"]
    assert (out / "vectors.safetensors").exists() and (out / "vectors.safetensors.json").exists()


@pytest.mark.slow
def test_pipeline_real_model_small(tmp_path):
    cfg = RunConfig(emotions=("calm", "afraid", "lonely", "proud"), layers="10:20", n_permutations=20, n_boot=200,
                    max_stories_per_emotion=5, external_per_emotion=4, out=str(tmp_path))
    metrics = run(cfg)
    _, html = _check_outputs(cfg.run_dir(), 10)
    # lonely and proud are also in the external corpus: the cross-corpus section runs on them
    assert metrics["cross_corpus"]["n_emotions_shared"] == 2 and metrics["cross_corpus"]["n_stories"] == 8
    assert 'id="fig-cross-corpus"' in html
    # four emotions with clearly different stories: the real model recognises held-out topics above the permutation null
    best = metrics["heldout_top1_by_layer"]
    assert best["best_top1"]["value"] > best["best_perm_null_q95"]


def test_collect_by_group_matches_one_collection_and_caches(tiny, tmp_path, monkeypatch):
    import torch

    from emolens import collect
    from emolens import pipeline as pl

    texts = ["the cat sat on the mat", "she felt happy and sad", "a day of rain", "he said one two three", "the dog ran home"]
    groups = ["b", "a", "b", "a", "c"]  # deliberately not contiguous
    whole = collect(tiny, texts, tokens="all", progress=False)
    grouped = pl.collect_by_group(tiny, texts, groups, cache_dir=tmp_path, tokens="all", progress=False)
    assert torch.allclose(whole.values, grouped.values, atol=1e-5) and grouped.corpus_hash == whole.corpus_hash
    assert len(list(tmp_path.glob("*.safetensors"))) == 3

    def fail(*a, **k):
        raise AssertionError("recomputed a cached group")

    monkeypatch.setattr(pl, "collect", fail)
    again = pl.collect_by_group(tiny, texts, groups, cache_dir=tmp_path, tokens="all", progress=False)
    assert torch.equal(again.values, grouped.values)
