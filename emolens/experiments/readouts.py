"""Readouts of emotion vectors on new text: logit lens, numeric intensity sweeps, token-level views.

    lens = logit_lens(model, vectors, layer)                      # tokens each vector promotes / suppresses
    sweep = numeric_sweeps(model, vectors, layer)                  # readout vs x for the six numeric templates
    view = token_view(model, vectors, text, layer)                 # per-token readout; view.html() is offline HTML
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import Tensor

from .. import data
from ..activations import AtMark, collect
from ..models.model import hook_name

# --------------------------------------------------------------------------------------------------- logit lens


def final_norm_gain(model: Any) -> Tensor:
    """The final norm's elementwise gain (``g`` with ``norm(x) = g * x / rms(x)``), read by applying the norm to a vector
    of ones so that architectures storing ``g - 1`` (Gemma) need no special case."""
    ln = model.bridge.ln_final
    mod = getattr(ln, "original_component", ln)
    ones = torch.ones(1, model.d_model, dtype=model.bridge.W_U.dtype, device=model.bridge.W_U.device)
    with torch.no_grad():
        return mod(ones)[0]


@dataclass(frozen=True)
class LogitLens:
    layer: int
    emotions: tuple[str, ...]
    promoted: list[list[str]]
    suppressed: list[list[str]]
    own_word_rank: list[int | None]  # rank of the emotion's own first token among promoted tokens (0 = top)

    def to_metrics(self) -> dict[str, Any]:
        ranks = [r for r in self.own_word_rank if r is not None]
        return {
            "layer": self.layer,
            "by_emotion": {e: {"promoted": p, "suppressed": s, "own_word_rank": r}
                           for e, p, s, r in zip(self.emotions, self.promoted, self.suppressed, self.own_word_rank)},
            "own_word_in_top100_share": sum(r < 100 for r in ranks) / max(1, len(ranks)),
            "own_word_median_rank": float(torch.tensor(ranks, dtype=torch.float).median()) if ranks else None,
        }


def logit_lens(model: Any, vectors: Any, layer: int, k: int = 10, emotions: Sequence[str] | None = None) -> LogitLens:
    """Tokens each vector promotes and suppresses through the final norm's gain and the unembedding (logit lens)."""
    v = vectors.subset(emotions=list(emotions) if emotions else None, layers=[layer])
    W_U = model.bridge.W_U  # [d_model, vocab]
    g = final_norm_gain(model)
    with torch.no_grad():
        logits = (v.at(layer).to(W_U.dtype) * g) @ W_U  # [emotion, vocab]
    tok = model.tokenizer
    top = logits.topk(k, dim=-1).indices
    bottom = (-logits).topk(k, dim=-1).indices
    dec = lambda ids: [tok.decode([i]) for i in ids.tolist()]  # noqa: E731
    ranks: list[int | None] = []
    order = logits.argsort(dim=-1, descending=True)
    for i, e in enumerate(v.emotions):
        ids = tok(" " + e, add_special_tokens=False).input_ids
        ranks.append(int((order[i] == ids[0]).nonzero()[0, 0]) if ids else None)
    return LogitLens(layer, v.emotions, [dec(t) for t in top], [dec(t) for t in bottom], ranks)


# ------------------------------------------------------------------------------------------ numeric intensity


def _spearman(x: Sequence[float], y: Sequence[float]) -> float:
    def rank(a: Sequence[float]) -> Tensor:
        t = torch.tensor(a, dtype=torch.float64)
        order = t.argsort()
        r = torch.empty_like(t)
        r[order] = torch.arange(len(t), dtype=torch.float64)
        for val in t.unique():  # average ties
            m = t == val
            r[m] = r[m].mean()
        return r

    rx, ry = rank(x), rank(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = (rx.norm() * ry.norm()).item()
    return float((rx @ ry).item() / den) if den > 0 else float("nan")


@dataclass(frozen=True)
class NumericSweeps:
    layer: int
    rows: list[dict[str, Any]]  # template, emotion, expected ("rise"/"fall"), values, readout, spearman, sign_ok

    def to_metrics(self) -> dict[str, Any]:
        ok = [r["sign_ok"] for r in self.rows]
        return {"layer": self.layer, "n_checks": len(ok), "sign_agreement": sum(ok) / max(1, len(ok)),
                "rows": [{k: r[k] for k in ("template", "emotion", "expected", "spearman", "sign_ok")} for r in self.rows],
                "curves": [{k: r[k] for k in ("template", "emotion", "values", "readout")} for r in self.rows]}

    def rho(self, template: str, emotion: str) -> float:
        for r in self.rows:
            if r["template"] == template and r["emotion"] == emotion:
                return r["spearman"]
        raise KeyError(f"no sweep for ({template!r}, {emotion!r})")


def numeric_sweeps(model: Any, vectors: Any, layer: int, *, templates: Sequence[dict[str, Any]] | None = None,
                   chat_style: str = "paper", kind: str = "projection", batch_size: int = 8) -> NumericSweeps:
    """Read the expected emotions at the Assistant colon across each template's grid of values; Spearman rho vs x and
    whether its sign matches the expected direction (``rising`` / ``falling``)."""
    templates = templates if templates is not None else data.stimuli("numeric_templates")
    v = vectors.subset(layers=[layer])
    rows = []
    for t in templates:
        prompts = [model.render(t["template"].format(x=x), style=chat_style) for x in t["values"]]
        acts = collect(model, prompts, layers=[layer], tokens=AtMark("assistant"), batch_size=batch_size, progress=False)
        scores = v.readout(acts, kind=kind)[:, 0]  # [value, emotion]
        for expected, names in (("rise", t.get("rising", [])), ("fall", t.get("falling", []))):
            for e in names:
                if e not in v.emotions:
                    continue
                y = scores[:, v.emotions.index(e)].tolist()
                rho = _spearman(t["values"], y)
                rows.append({"template": t["id"], "emotion": e, "expected": expected, "values": list(t["values"]), "readout": y,
                             "spearman": rho, "sign_ok": bool(rho > 0) if expected == "rise" else bool(rho < 0)})  # NaN (flat readout) counts as a miss
    return NumericSweeps(layer, rows)


# ------------------------------------------------------------------------------------------- token-level view


@dataclass(frozen=True)
class TokenView:
    layer: int
    tokens: list[str]
    emotions: tuple[str, ...]
    scores: Tensor  # [pos, emotion]

    def html(self, emotion: str | None = None) -> str:
        """Offline HTML (circuitsvis with its JavaScript inlined) colouring each token by one emotion's readout."""
        import circuitsvis as cv

        e = emotion or self.emotions[0]
        vals = self.scores[:, self.emotions.index(e)]
        html = cv.tokens.colored_tokens(self.tokens, vals.tolist())
        return str(html.local_src)

    def figure(self, emotions: Sequence[str] | None = None) -> Any:
        from ..figures import token_trace

        return token_trace(self, emotions)


def token_view(model: Any, vectors: Any, text: str, layer: int, emotions: Sequence[str] | None = None, kind: str = "projection") -> TokenView:
    """Per-token readout of ``emotions`` (default: all) on ``text`` at ``layer``."""
    v = vectors.subset(emotions=list(emotions) if emotions else None, layers=[layer])
    ids = model.tokenizer(text, return_tensors="pt").input_ids
    with torch.no_grad():
        _, cache = model.bridge.run_with_cache(ids, names_filter=lambda n: n == hook_name(layer), stop_at_layer=layer + 1)
    x = cache[hook_name(layer)][0]  # [pos, d]
    scores = v.readout(x[:, None, :], kind=kind)[:, 0]
    toks = [model.tokenizer.decode([i]) for i in ids[0].tolist()]
    return TokenView(layer, toks, v.emotions, scores)
