"""Streaming collection of residual-stream activations.

One forward pass per batch, stopped after the last requested block (the unembedding is never computed), with a
TransformerLens hook on ``blocks.{L}.hook_resid_post`` for every requested layer that reduces the activations *inside
the hook* to a masked mean per text. Nothing of size ``pos`` outlives the batch, so memory is set by the batch, not by
the corpus:

- ``reduce="mean"``: one mean per text and layer (``Activations``; size ``texts x layers x d_model``);
- ``reduce="label"``: per-label float64 sums of those per-text means plus counts (``LabelSums``; size
  ``labels x layers x d_model``, independent of the number of texts).

Texts are sorted by length into batches (little padding), padded with an attention mask (left padding also gets
mask-derived position ids from the bridge), and the run can be checkpointed and resumed bit-identically.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from jaxtyping import Float, Int
from torch import Tensor

from .._io import load_tensors, read_json, save_tensors, sha256_text, write_json
from ..models.model import LayerSpec, LoadedModel, Prompt, hook_name
from .tokens import FromToken, TokenRule, parse_token_rule

TextLike = str | Prompt


def corpus_hash(texts: Sequence[TextLike]) -> str:
    """Hash of the texts (and their marks) in order; recorded in every artefact made from them."""
    items = []
    for t in texts:
        p = t if isinstance(t, Prompt) else Prompt(t)
        items.append(p.text + "\x01" + json.dumps(sorted(p.marks.items())))
    return sha256_text(items)


@dataclass(frozen=True)
class Activations:
    """Per-text mean activations at selected layers, with the provenance needed to trust and reuse them."""

    values: Float[Tensor, "text layer d_model"]
    layers: tuple[int, ...]
    n_tokens: Int[Tensor, " text"]
    token_rule: str
    model: dict[str, Any]
    corpus_hash: str

    def __post_init__(self) -> None:
        if self.values.ndim != 3 or self.values.shape[1] != len(self.layers):
            raise ValueError(f"values must be [text, layer, d_model] with {len(self.layers)} layers, got {tuple(self.values.shape)}")

    def __len__(self) -> int:
        return self.values.shape[0]

    def at(self, layer: int) -> Float[Tensor, "text d_model"]:
        """Activations at block ``layer`` (a block index, not a position in ``layers``)."""
        if layer not in self.layers:
            raise KeyError(f"layer {layer} was not collected; collected layers are {list(self.layers)}")
        return self.values[:, self.layers.index(layer)]

    def select(self, index: Sequence[int] | Tensor) -> "Activations":
        idx = torch.as_tensor(index, dtype=torch.long)
        return Activations(self.values[idx], self.layers, self.n_tokens[idx], self.token_rule, self.model, self.corpus_hash + f"[subset:{sha256_text([str(i) for i in idx.tolist()])[:12]}]")

    def save(self, path: str | Path) -> None:
        meta = {"layers": list(self.layers), "token_rule": self.token_rule, "model": self.model, "corpus_hash": self.corpus_hash}
        save_tensors(Path(path), {"values": self.values, "n_tokens": self.n_tokens}, metadata={"emolens": json.dumps(meta)})

    @classmethod
    def load(cls, path: str | Path) -> "Activations":
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            meta = json.loads(f.metadata()["emolens"])
        t = load_tensors(path)
        return cls(t["values"], tuple(meta["layers"]), t["n_tokens"], meta["token_rule"], meta["model"], meta["corpus_hash"])


@dataclass(frozen=True)
class LabelSums:
    """Per-label float64 sums of per-text means, and how many texts went into each."""

    sums: Float[Tensor, "label layer d_model"]
    counts: Int[Tensor, " label"]
    labels: tuple[str, ...]
    layers: tuple[int, ...]
    token_rule: str
    model: dict[str, Any]
    corpus_hash: str

    def means(self) -> Float[Tensor, "label layer d_model"]:
        if (self.counts == 0).any():
            empty = [lab for lab, c in zip(self.labels, self.counts.tolist()) if c == 0]
            raise ValueError(f"labels with no texts: {empty}")
        return (self.sums / self.counts[:, None, None]).to(torch.float32)

    def merge(self, other: "LabelSums") -> "LabelSums":
        """Exact merge of two partial results over disjoint texts (for sharded/distributed collection)."""
        if (self.labels, self.layers, self.token_rule) != (other.labels, other.layers, other.token_rule):
            raise ValueError("cannot merge LabelSums with different labels, layers or token rules")
        return LabelSums(self.sums + other.sums, self.counts + other.counts, self.labels, self.layers, self.token_rule, self.model, sha256_text([self.corpus_hash, other.corpus_hash]))


@dataclass(frozen=True)
class Moments:
    """Token-level first and second moments per layer, accumulated in float64 over the selected tokens.

    Enough for exact means, covariances and PCA of arbitrarily many tokens with memory ``layers x d_model^2``.
    """

    sums: Float[Tensor, "layer d_model"]
    outer: Float[Tensor, "layer d_model d_model"]
    count: int
    layers: tuple[int, ...]
    token_rule: str
    model: dict[str, Any]
    corpus_hash: str

    def mean(self) -> Float[Tensor, "layer d_model"]:
        return self.sums / self.count

    def covariance(self) -> Float[Tensor, "layer d_model d_model"]:
        mu = self.mean()
        return self.outer / self.count - torch.einsum("ld,le->lde", mu, mu)

    def merge(self, other: "Moments") -> "Moments":
        if (self.layers, self.token_rule) != (other.layers, other.token_rule):
            raise ValueError("cannot merge Moments with different layers or token rules")
        return Moments(self.sums + other.sums, self.outer + other.outer, self.count + other.count, self.layers, self.token_rule, self.model,
                       sha256_text([self.corpus_hash, other.corpus_hash]))


@dataclass
class _Encoded:
    ids: list[list[int]]
    masks: list[Tensor]
    prompts: list[Prompt] = field(default_factory=list)


def _encode(model: LoadedModel, prompts: Sequence[Prompt], rule: TokenRule, max_length: int | None) -> _Encoded:
    tok = model.tokenizer
    enc = tok([p.text for p in prompts], add_special_tokens=True, return_offsets_mapping=True, truncation=max_length is not None, max_length=max_length)
    ids, masks, empty = [], [], []
    for i, p in enumerate(prompts):
        row_ids = enc["input_ids"][i]
        m = rule.mask(enc["offset_mapping"][i], p, i)
        if not bool(m.any()):
            empty.append(i)
        ids.append(row_ids)
        masks.append(m)
    if empty:
        shown = ", ".join(f"#{i} ({len(ids[i])} tokens)" for i in empty[:5])
        raise ValueError(
            f"token rule {rule.describe()!r} selects no token in {len(empty)} text(s): {shown}"
            + (" ..." if len(empty) > 5 else "")
            + ". Use a smaller start (e.g. 'from:0') or longer texts."
        )
    return _Encoded(ids, masks, list(prompts))


def plan_batches(lengths: Sequence[int], batch_size: int, bucket: bool = True) -> list[list[int]]:
    """Deterministic batches of text indices; with ``bucket`` texts of similar length share a batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)) if bucket else list(range(len(lengths)))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def padding_waste(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> float:
    """Tokens computed / useful tokens for a batch plan."""
    computed = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    return computed / max(1, sum(lengths))


def _run_key(model: LoadedModel, chash: str, rule: str, layers: list[int], batches: list[list[int]], reduce: str, labels: Any) -> str:
    blob = json.dumps([model.fingerprint, chash, rule, layers, batches, reduce, labels])
    return hashlib.sha256(blob.encode()).hexdigest()


def collect(
    model: LoadedModel,
    texts: Sequence[TextLike],
    *,
    layers: LayerSpec = "all",
    tokens: str | TokenRule = FromToken(50),
    labels: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
    reduce: str = "mean",
    batch_size: int = 8,
    padding_side: str = "right",
    bucket: bool = True,
    max_length: int | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 20,
    progress: bool = True,
    on_batch: Callable[[int, int], None] | None = None,
) -> Activations | LabelSums:
    """Collect residual-stream activations of ``texts`` at ``layers``, reduced on the fly.

    Args:
        model: from :func:`emolens.load_model`.
        texts: strings, or :class:`~emolens.models.Prompt` objects (needed for ``tokens="mark:..."``).
        layers: which blocks (``"all"``, ints, fractions like ``"2/3"``; see :func:`emolens.models.resolve_layers`).
        tokens: token-selection rule (``"from:50"``, ``"all"``, ``"last"``, ``"mark:assistant"`` or a rule object).
        labels: one label per text; required for ``reduce="label"``.
        classes: the label order of a ``LabelSums`` result (default: order of first appearance); shards of one corpus
            must share it so that their sums can be added.
        reduce: ``"mean"`` (per-text means), ``"label"`` (per-label float64 sums of per-text means) or ``"moments"``
            (token-level float64 sums and outer products per layer, for covariances and PCA); the last two use memory
            independent of corpus size.
        batch_size: texts per forward pass.
        padding_side: ``"right"`` or ``"left"``; results agree to float tolerance either way (tested).
        bucket: sort texts by length before batching (less padding). Results do not depend on it.
        max_length: truncate longer texts (in tokens); ``None`` keeps everything.
        checkpoint: folder for resumable state; an interrupted call with the same arguments continues where it stopped
            and returns results identical to an uninterrupted run.
        checkpoint_every: batches between checkpoint writes.
        progress: show a progress bar.
        on_batch: called as ``on_batch(batches_done, n_batches)`` after each batch (for tests and custom UIs).
    """
    if reduce not in ("mean", "label", "moments"):
        raise ValueError(f"reduce must be 'mean', 'label' or 'moments', got {reduce!r}")
    if padding_side not in ("right", "left"):
        raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
    if len(texts) == 0:
        raise ValueError("no texts given; pass a non-empty list of strings or Prompts")
    if labels is not None and len(labels) != len(texts):
        raise ValueError(f"got {len(labels)} labels for {len(texts)} texts; pass one label per text")
    if reduce == "label" and labels is None:
        raise ValueError("reduce='label' needs labels=[...] (one per text)")

    rule = parse_token_rule(tokens)
    layer_list = model.resolve_layers(layers)
    prompts = [t if isinstance(t, Prompt) else Prompt(t) for t in texts]
    chash = corpus_hash(prompts)
    enc = _encode(model, prompts, rule, max_length)
    lengths = [len(x) for x in enc.ids]
    batches = plan_batches(lengths, batch_size, bucket)
    d_model = model.d_model
    label_names: tuple[str, ...] = tuple(classes) if classes is not None else (tuple(dict.fromkeys(labels)) if labels is not None else ())
    if labels is not None and classes is not None and not set(labels) <= set(label_names):
        raise ValueError(f"labels {sorted(set(labels) - set(label_names))[:5]} are not in classes")
    label_idx = torch.tensor([label_names.index(lab) for lab in labels]) if labels is not None and reduce == "label" else None

    if reduce == "mean":
        state = {"values": torch.zeros(len(prompts), len(layer_list), d_model, dtype=torch.float32)}
    elif reduce == "label":
        state = {"sums": torch.zeros(len(label_names), len(layer_list), d_model, dtype=torch.float64), "counts": torch.zeros(len(label_names), dtype=torch.long)}
    else:
        state = {"sums": torch.zeros(len(layer_list), d_model, dtype=torch.float64),
                 "outer": torch.zeros(len(layer_list), d_model, d_model, dtype=torch.float64), "count": torch.zeros(1, dtype=torch.long)}
    n_tokens = torch.tensor([int(m.sum()) for m in enc.masks], dtype=torch.long)

    key = _run_key(model, chash, rule.describe(), layer_list, batches, reduce, list(labels) if labels is not None else None)
    start = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and (ckpt / "progress.json").exists():
        prog = read_json(ckpt / "progress.json")
        if prog.get("key") != key:
            raise ValueError(
                f"checkpoint {ckpt} belongs to a different run (other model, texts, layers, token rule or batch plan); "
                "delete the folder or pass another checkpoint path"
            )
        start = int(prog["done_batches"])
        state = {k: v for k, v in load_tensors(ckpt / "state.safetensors").items()}

    def save_state(done: int) -> None:
        assert ckpt is not None
        save_tensors(ckpt / "state.safetensors", state)
        write_json(ckpt / "progress.json", {"key": key, "done_batches": done, "n_batches": len(batches)})

    pad_id = model.tokenizer.pad_token_id if model.tokenizer.pad_token_id is not None else 0
    stop_at = max(layer_list) + 1
    captured: dict[int, Tensor] = {}
    weights_holder: dict[str, Tensor] = {}

    def make_hook(layer: int) -> Callable[[Tensor, Any], None]:
        def hook(act: Tensor, hook: Any) -> None:
            a = act.detach().to(torch.float64)
            if reduce == "moments":
                sel = a[weights_holder["m"]]  # [selected tokens, d_model]
                captured[layer] = (sel.sum(0), sel.T @ sel)
            else:
                captured[layer] = torch.einsum("bpd,bp->bd", a, weights_holder["w"])

        return hook

    fwd_hooks = [(hook_name(L), make_hook(L)) for L in layer_list]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(batches), initial=start, desc=f"collect {model.model_id}", unit="batch")
    device = model.device
    try:
        for b in range(start, len(batches)):
            idx = batches[b]
            width = max(lengths[i] for i in idx)
            ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
            attn = torch.zeros((len(idx), width), dtype=torch.long)
            w = torch.zeros((len(idx), width), dtype=torch.float64)
            for r, i in enumerate(idx):
                n = lengths[i]
                sl = slice(0, n) if padding_side == "right" else slice(width - n, width)
                ids[r, sl] = torch.tensor(enc.ids[i])
                attn[r, sl] = 1
                m = enc.masks[i].to(torch.float64)
                w[r, sl] = m / m.sum()
            weights_holder["w"] = w.to(device)
            weights_holder["m"] = (w > 0).to(device)
            captured.clear()
            with torch.no_grad(), model.bridge.hooks(fwd_hooks=fwd_hooks):
                model.bridge(ids.to(device), attention_mask=attn.to(device), stop_at_layer=stop_at)
            if reduce == "moments":
                for li, L in enumerate(layer_list):
                    state["sums"][li] += captured[L][0].cpu()
                    state["outer"][li] += captured[L][1].cpu()
                state["count"] += int(weights_holder["m"].sum())
                per_text = None
            else:
                per_text = torch.stack([captured[L] for L in layer_list], dim=1).cpu()  # [batch, layer, d_model] float64
            if reduce == "moments":
                pass
            elif reduce == "mean":
                state["values"][torch.tensor(idx)] = per_text.to(torch.float32)
            else:
                assert label_idx is not None
                state["sums"].index_add_(0, label_idx[idx], per_text)
                state["counts"].index_add_(0, label_idx[idx], torch.ones(len(idx), dtype=torch.long))
            done = b + 1
            if ckpt is not None and (done % checkpoint_every == 0 or done == len(batches)):
                save_state(done)
            if bar is not None:
                bar.update(1)
            if on_batch is not None:
                on_batch(done, len(batches))
    finally:
        if bar is not None:
            bar.close()

    ident = model.identity()
    if reduce == "mean":
        return Activations(state["values"], tuple(layer_list), n_tokens, rule.describe(), ident, chash)
    if reduce == "moments":
        return Moments(state["sums"], state["outer"], int(state["count"]), tuple(layer_list), rule.describe(), ident, chash)
    return LabelSums(state["sums"], state["counts"], label_names, tuple(layer_list), rule.describe(), ident, chash)


def tokens_per_batch(lengths: Sequence[int], batches: Sequence[Sequence[int]]) -> list[int]:
    return [max(lengths[i] for i in b) * len(b) for b in batches]


__all__ = ["Activations", "LabelSums", "Moments", "collect", "corpus_hash", "padding_waste", "plan_batches", "tokens_per_batch"]
