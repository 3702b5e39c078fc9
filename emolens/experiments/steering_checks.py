"""Does steering with an emotion vector make the model say that emotion?

For each emotion and strength alpha, prompts ending in "... she feels" are run with the emotion's vector added at one
layer (``emolens.interventions.steer``; alpha in fractions of the mean residual norm). We read the logit of the emotion's
own word (its first token, with a leading space) and the mean logit of the other tested emotions' words, relative to
alpha = 0. A random direction of equal norm is the control.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch

from ..interventions.steering import steer
from ..vectors.emotion_vectors import Direction

PROMPTS = (
    "Human: Describe how Lena feels right now, in one word.\n\nAssistant: Lena feels",
    "The train pulled away and Tomas stayed on the platform. How does he feel? He feels",
    "After reading the message twice, Amara put her phone down. She feels",
)


@dataclass(frozen=True)
class SteeringChecks:
    layer: int
    alphas: tuple[float, ...]
    rows: list[dict[str, Any]]  # emotion, alpha, target_delta, others_delta, random_target_delta

    def slopes(self) -> dict[str, dict[str, float]]:
        """Least-squares slope of each logit change against alpha, per emotion."""
        out = {}
        for e in dict.fromkeys(r["emotion"] for r in self.rows):
            rs = sorted((r for r in self.rows if r["emotion"] == e), key=lambda r: r["alpha"])
            a = [r["alpha"] for r in rs]
            out[e] = {k: _slope(a, [r[f"{col}"] for r in rs]) for k, col in (("target", "target_delta"), ("others", "others_delta"), ("random", "random_target_delta"))}
        return out

    def to_metrics(self) -> dict[str, Any]:
        s = self.slopes()
        n = len(s)
        return {"layer": self.layer, "alphas": list(self.alphas), "n_emotions": n,
                "share_target_slope_positive": sum(v["target"] > 0 for v in s.values()) / max(1, n),
                "share_target_above_others": sum(v["target"] > v["others"] for v in s.values()) / max(1, n),
                "share_target_above_random": sum(v["target"] > v["random"] for v in s.values()) / max(1, n),
                "slopes": s, "rows": self.rows}


def _slope(x: Sequence[float], y: Sequence[float]) -> float:
    xt, yt = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    xc = xt - xt.mean()
    return float((xc @ (yt - yt.mean())) / (xc @ xc))


def _first_token(model: Any, word: str) -> int:
    return model.tokenizer(" " + word, add_special_tokens=False).input_ids[0]


def steering_checks(model: Any, vectors: Any, layer: int, emotions: Sequence[str], *, alphas: Sequence[float] = (-0.1, -0.05, 0.0, 0.05, 0.1),
                    norms: Mapping[int, float] | None = None, prompts: Sequence[str] = PROMPTS, seed: int = 0) -> SteeringChecks:
    """Dose-response of each emotion's word logit to steering with its vector, with an equal-norm random control."""
    if 0.0 not in alphas:
        raise ValueError("alphas must include 0.0 (the unsteered baseline)")
    missing = [e for e in emotions if e not in vectors.emotions]
    if missing:
        raise ValueError(f"no vectors for {missing}")
    tok = model.tokenizer
    enc = tok(list(prompts), return_tensors="pt", padding=True)
    last = enc.attention_mask.sum(1) - 1
    ids = {e: _first_token(model, e) for e in emotions}
    g = torch.Generator().manual_seed(seed)
    rand = Direction(torch.randn(1, vectors.d_model, generator=g), (layer,), "random")

    def word_logits(direction: Direction | None, alpha: float) -> torch.Tensor:
        with torch.no_grad():
            if direction is None or alpha == 0.0:
                out = model.bridge(enc.input_ids, attention_mask=enc.attention_mask)
            else:
                with steer(model, direction, alpha, layers=[layer], norms=norms):
                    out = model.bridge(enc.input_ids, attention_mask=enc.attention_mask)
        lg = out[torch.arange(len(prompts)), last]  # [prompt, vocab]
        return lg[:, [ids[e] for e in emotions]].mean(0)  # [emotion]

    base = word_logits(None, 0.0)
    rows = []
    for e_i, e in enumerate(emotions):
        others = [j for j in range(len(emotions)) if j != e_i]
        for a in alphas:
            lg = word_logits(vectors[e], a) - base
            rg = word_logits(rand, a) - base
            rows.append({"emotion": e, "alpha": float(a), "target_delta": float(lg[e_i]),
                         "others_delta": float(lg[others].mean()) if others else 0.0, "random_target_delta": float(rg[e_i])})
    return SteeringChecks(layer, tuple(float(a) for a in alphas), rows)
