"""The loaded model: a TransformerLens ``TransformerBridge`` plus what the rest of emolens needs to know about it.

Residual coordinates
--------------------
emolens never folds or centres weights: the bridge runs the original Hugging Face weights, so every vector lives in the
plain Hugging Face residual stream. Vectors therefore steer the original model and can be exported (e.g. to llama.cpp).

Layer convention
----------------
Layer ``L`` means the output of transformer block ``L`` (0-based): TransformerLens ``blocks.{L}.hook_resid_post``,
which equals Hugging Face ``hidden_states[L + 1]`` for every block but the last (Hugging Face applies the final norm
to its last entry; emolens reads the residual stream before that norm). Layer specs are normalised once, at the
boundary, by :func:`resolve_layers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

LAYER_CONVENTION = "blocks.{L}.hook_resid_post (block L output = HF hidden_states[L+1], before the final norm)"

LayerSpec = int | float | Fraction | str | Sequence[int | float | Fraction] | None


def hook_name(layer: int) -> str:
    return f"blocks.{layer}.hook_resid_post"


def resolve_layers(spec: LayerSpec, n_layers: int) -> list[int]:
    """Normalise a layer spec to sorted, unique, non-negative block indices.

    Accepts ``"all"``/``None`` (every layer), an int (negative counts from the end), a fraction in ``[0, 1]`` given as a
    float, :class:`fractions.Fraction` or string like ``"2/3"`` (rounded to the nearest block of ``0..n_layers-1``), a
    string ``"3:10"`` range, or a list of any of these.
    """
    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "all"):
        return list(range(n_layers))
    if isinstance(spec, (list, tuple, range)):
        out: set[int] = set()
        for s in spec:
            out.update(resolve_layers(s, n_layers))
        if not out:
            raise ValueError("empty layer list; pass 'all' or at least one layer index")
        return sorted(out)
    if isinstance(spec, str):
        s = spec.strip()
        if ":" in s:
            a, b = s.split(":", 1)
            start = int(a) if a else 0
            stop = int(b) if b else n_layers
            return resolve_layers(list(range(n_layers))[slice(start, stop)], n_layers)
        if "/" in s or "." in s:
            try:
                return resolve_layers(Fraction(s), n_layers)
            except (ValueError, ZeroDivisionError):
                pass
        try:
            return resolve_layers(int(s), n_layers)
        except ValueError:
            raise ValueError(
                f"cannot read layer spec {spec!r}; use 'all', an int (negative counts from the end), "
                f"a fraction like '2/3', a range like '4:12', or a list of these"
            ) from None
    if isinstance(spec, bool):
        raise TypeError("layer spec must be an int, fraction, string or list, not bool")
    if isinstance(spec, int):
        idx = spec + n_layers if spec < 0 else spec
        if not 0 <= idx < n_layers:
            raise ValueError(f"layer {spec} is out of range for a model with {n_layers} layers (valid: {-n_layers}..{n_layers - 1})")
        return [idx]
    if isinstance(spec, (float, Fraction)):
        if not 0 <= spec <= 1:
            raise ValueError(f"fractional layer {spec} must lie in [0, 1]; use an int for a block index")
        return [int(round(float(spec) * (n_layers - 1)))]
    raise TypeError(f"unsupported layer spec {spec!r} of type {type(spec).__name__}")


@dataclass(frozen=True)
class Prompt:
    """Text plus named character positions (e.g. ``"assistant"``: the last character of the Assistant prefix)."""

    text: str
    marks: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, idx in self.marks.items():
            if not 0 <= idx < len(self.text):
                raise ValueError(f"mark {name!r} at character {idx} is outside the text (length {len(self.text)})")


CHAT_STYLES = ("paper", "template")


def render_paper_chat(messages: Sequence[dict[str, str]], add_generation_prompt: bool = True) -> Prompt:
    """The paper's transcript format: ``Human: ...\\n\\nAssistant: ...``, ending with ``Assistant:``.

    Marks: ``assistant`` (the final ``:``), ``user_end`` (last character of the last user message).
    """
    parts: list[str] = []
    marks: dict[str, int] = {}
    text = ""
    for m in messages:
        role = m["role"]
        if role == "system":
            text += m["content"].strip() + "\n\n"
            continue
        if role not in ("user", "assistant"):
            raise ValueError(f"unknown chat role {role!r}; expected 'user', 'assistant' or 'system'")
        prefix = "Human: " if role == "user" else "Assistant: "
        text += prefix
        content = m["content"].strip()
        text += content
        if role == "user":
            marks["user_end"] = len(text) - 1
        text += "\n\n"
    del parts
    if add_generation_prompt:
        text += "Assistant:"
        marks["assistant"] = len(text) - 1
    else:
        text = text.rstrip("\n")
    return Prompt(text, marks)


@dataclass(eq=False)
class LoadedModel:
    """A TransformerBridge with the identity emolens records in every artefact.

    Use ``model.bridge`` for anything TransformerLens offers (``run_with_cache``, ``run_with_hooks``, ``hooks()``,
    ``generate``); emolens's own functions take this object.
    """

    bridge: Any
    tokenizer: Any
    model_id: str
    source: str
    fingerprint: str
    post_trained: bool | None = None
    load_seconds: float = float("nan")

    @property
    def n_layers(self) -> int:
        return int(self.bridge.cfg.n_layers)

    @property
    def d_model(self) -> int:
        return int(self.bridge.cfg.d_model)

    @property
    def device(self) -> Any:
        import torch

        return next(self.bridge.parameters()).device if any(True for _ in self.bridge.parameters()) else torch.device("cpu")

    @property
    def chat_template(self) -> str | None:
        return getattr(self.tokenizer, "chat_template", None)

    def resolve_layers(self, spec: LayerSpec = "all") -> list[int]:
        return resolve_layers(spec, self.n_layers)

    def identity(self) -> dict[str, Any]:
        """What every artefact records about the model it came from."""
        return {
            "model_id": self.model_id,
            "fingerprint": self.fingerprint,
            "n_layers": self.n_layers,
            "d_model": self.d_model,
            "layer_convention": LAYER_CONVENTION,
            "source": self.source,
        }

    def render(self, messages: str | Sequence[dict[str, str]], style: str = "paper", add_generation_prompt: bool = True) -> Prompt:
        """Render a user message or a transcript as a :class:`Prompt` whose ``assistant`` mark ends the Assistant prefix.

        ``style="paper"`` uses the paper's ``Human:/Assistant:`` format (works on base models too, and is what emolens
        uses by default so base and post-trained models read identical text); ``"template"`` uses the model's own chat
        template.
        """
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        if style == "paper":
            return render_paper_chat(messages, add_generation_prompt)
        if style == "template":
            if not self.chat_template:
                raise ValueError(f"{self.model_id} has no chat template; use style='paper'")
            text = self.tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=add_generation_prompt)
            marks = {}
            last_user = [m for m in messages if m["role"] == "user"]
            if last_user:
                pos = text.rfind(last_user[-1]["content"].strip())
                if pos >= 0:
                    marks["user_end"] = pos + len(last_user[-1]["content"].strip()) - 1
            if add_generation_prompt:
                marks["assistant"] = len(text.rstrip("\n")) - 1
            return Prompt(text, marks)
        raise ValueError(f"unknown chat style {style!r}; choose one of {CHAT_STYLES}")

    def __repr__(self) -> str:
        return f"LoadedModel({self.model_id!r}, n_layers={self.n_layers}, d_model={self.d_model}, fingerprint={self.fingerprint[:12]})"
