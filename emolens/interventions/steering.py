"""Steering: add emotion directions to the residual stream, in the paper's units.

    norms = residual_norms(model, reference_texts)                   # mean ||resid|| per layer, measured once
    with steer(model, vectors["calm"], alpha=0.1, layers=[15], norms=norms):
        out = model.bridge.generate(ids, max_new_tokens=20)

At each steered layer ``L`` the hook adds ``alpha * norms[L] * unit(v_L)`` to ``blocks.L.hook_resid_post``, so ``alpha``
is a fraction of the mean residual norm (the paper's steering strength). ``positions`` chooses where: ``"all"``,
``"prompt"`` (the first forward call only: the prompt, with or without a KV cache) or ``"generated"`` (later calls, i.e.
one new token per step under a KV cache; without a cache, the positions past the prompt). Hooks are TransformerLens
hooks added through ``bridge.hooks()``, so they are removed when the block exits, even if it raises.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Sequence

import torch
from torch import Tensor

from ..models.model import hook_name
from ..vectors.emotion_vectors import Direction

POSITIONS = ("all", "prompt", "generated")


def residual_norms(model: Any, texts: Sequence[str], layers: Sequence[int] | str = "all", batch_size: int = 8) -> dict[int, float]:
    """Mean L2 norm of the residual stream per layer over every token of ``texts`` (the denominator of steering units)."""
    layer_list = model.resolve_layers(layers)
    sums = {L: 0.0 for L in layer_list}
    count = 0
    mask_holder: dict[str, Tensor] = {}

    def make(L: int):
        def hook(act: Tensor, hook: Any) -> None:
            sums[L] += float((act.detach().norm(dim=-1) * mask_holder["m"]).sum())

        return hook

    tok = model.tokenizer
    for i in range(0, len(texts), batch_size):
        enc = tok(list(texts[i : i + batch_size]), return_tensors="pt", padding=True)
        mask_holder["m"] = enc.attention_mask.to(torch.float32)
        count += int(enc.attention_mask.sum())
        with torch.no_grad(), model.bridge.hooks(fwd_hooks=[(hook_name(L), make(L)) for L in layer_list]):
            model.bridge(enc.input_ids, attention_mask=enc.attention_mask, stop_at_layer=max(layer_list) + 1)
    return {L: sums[L] / count for L in layer_list}


@contextmanager
def steer(
    model: Any,
    direction: Direction | Sequence[Direction],
    alpha: float | Sequence[float],
    *,
    layers: Sequence[int] | None = None,
    norms: Mapping[int, float] | None = None,
    positions: str = "all",
    prompt_length: int | None = None,
) -> Iterator[None]:
    """Add ``alpha * norms[L] * unit(direction_L)`` at each layer while the block runs.

    ``direction`` may be a list (with one alpha each, or one alpha for all). ``norms`` (from :func:`residual_norms`)
    puts alpha in fractions of the mean residual norm; without it alpha multiplies the unit vector directly.
    ``prompt_length`` is needed for ``positions="generated"``/``"prompt"`` when the prompt runs without a KV cache in one
    call that also contains generated tokens (e.g. scoring a full transcript).
    """
    if positions not in POSITIONS:
        raise ValueError(f"positions must be one of {POSITIONS}, got {positions!r}")
    dirs = list(direction) if isinstance(direction, (list, tuple)) else [direction]
    alphas = list(alpha) if isinstance(alpha, (list, tuple)) else [float(alpha)] * len(dirs)
    if len(alphas) != len(dirs):
        raise ValueError(f"{len(alphas)} alphas for {len(dirs)} directions; pass one alpha, or one per direction")
    per_layer: dict[int, Tensor] = {}
    for d, a in zip(dirs, alphas):
        for L in (layers if layers is not None else d.layers):
            if L not in d.layers:
                raise ValueError(f"direction {d.name!r} has no layer {L}; it has {list(d.layers)}")
            if norms is not None and L not in norms:
                raise ValueError(f"no residual norm for layer {L}; measure it with residual_norms(model, texts, layers=[...])")
            v = d.at(L).to(torch.float32)
            add = a * (norms[L] if norms is not None else 1.0) * v / v.norm().clamp_min(1e-12)
            per_layer[L] = per_layer.get(L, 0) + add
    state = {"calls": 0}

    def make(L: int):
        vec = per_layer[L]

        def hook(act: Tensor, hook: Any) -> Tensor:
            first = state["calls"] == 1  # hook_embed has already counted this forward pass
            v = vec.to(act.dtype).to(act.device)
            if positions == "all":
                return act + v
            n = act.shape[1]
            start = prompt_length if prompt_length is not None else (n if first else 0)
            if positions == "prompt":
                if not first:
                    return act
                out = act.clone()
                out[:, : min(start, n)] += v
                return out
            # generated
            if first and prompt_length is None:
                return act
            out = act.clone()
            out[:, (start if first else 0) :] += v
            return out

        return hook

    def count_call(act: Tensor, hook: Any) -> None:
        state["calls"] += 1  # fires once per forward pass: the prompt, then one step per generated token under a KV cache

    with model.bridge.hooks(fwd_hooks=[("hook_embed", count_call)] + [(hook_name(L), make(L)) for L in sorted(per_layer)]):
        yield
