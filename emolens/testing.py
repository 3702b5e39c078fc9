"""Tiny random models for fast tests (yours and ours): a real Llama architecture booted through TransformerBridge."""

from __future__ import annotations

from pathlib import Path

WORDS = (
    "the a an and but or of to in on at with for from by is was were be been it he she they we you i my your "
    "cat dog sat mat ran home day night rain sun tea cup door window street car train book letter phone "
    "happy sad angry calm afraid proud human assistant said told asked went came saw felt looked "
    "one two three four five six seven eight nine ten 0 1 2 3 4 5 6 7 8 9 . , : ? !"
).split()


def make_tiny_model(folder: str | Path, *, n_layers: int = 3, d_model: int = 32, seed: int = 0, architecture: str = "llama") -> Path:
    """Write a random tiny causal LM and a word-level tokenizer to ``folder`` (loadable by ``emolens.load_model``)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    if architecture != "llama":
        raise ValueError(f"unknown tiny architecture {architecture!r}; only 'llama' is provided")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}
    for w in WORDS:
        vocab.setdefault(w, len(vocab))
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>")
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=len(vocab), hidden_size=d_model, intermediate_size=2 * d_model, num_hidden_layers=n_layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        pad_token_id=0, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(cfg)
    model.config.architectures = ["LlamaForCausalLM"]
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    return folder
