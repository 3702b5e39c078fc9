"""Token-selection rules: which positions of a text are averaged when collecting activations.

A rule maps one tokenised text to a boolean mask over its (unpadded) tokens. Rules are frozen dataclasses, so they are
hashable, printable, and recorded in every artefact via :meth:`TokenRule.describe`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import torch
from jaxtyping import Bool
from torch import Tensor

from ..models.model import Prompt


@runtime_checkable
class TokenRule(Protocol):
    def mask(self, offsets: Sequence[tuple[int, int]], prompt: Prompt, index: int) -> Bool[Tensor, " pos"]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class AllTokens:
    """Every token of the text."""

    def mask(self, offsets: Sequence[tuple[int, int]], prompt: Prompt, index: int) -> Bool[Tensor, " pos"]:
        return torch.ones(len(offsets), dtype=torch.bool)

    def describe(self) -> str:
        return "all"


@dataclass(frozen=True)
class FromToken:
    """Tokens from index ``start`` on (the paper averages story activations from token 50)."""

    start: int = 50

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"FromToken start must be >= 0, got {self.start}")

    def mask(self, offsets: Sequence[tuple[int, int]], prompt: Prompt, index: int) -> Bool[Tensor, " pos"]:
        m = torch.zeros(len(offsets), dtype=torch.bool)
        m[self.start :] = True
        return m

    def describe(self) -> str:
        return f"from:{self.start}"


@dataclass(frozen=True)
class LastToken:
    """The final token."""

    def mask(self, offsets: Sequence[tuple[int, int]], prompt: Prompt, index: int) -> Bool[Tensor, " pos"]:
        m = torch.zeros(len(offsets), dtype=torch.bool)
        m[-1] = True
        return m

    def describe(self) -> str:
        return "last"


@dataclass(frozen=True)
class AtMark:
    """The token covering a named character position of a :class:`~emolens.models.Prompt`.

    ``AtMark("assistant")`` is the paper's reading position: the ``:`` that ends the ``Assistant:`` prefix.
    """

    name: str = "assistant"

    def mask(self, offsets: Sequence[tuple[int, int]], prompt: Prompt, index: int) -> Bool[Tensor, " pos"]:
        if self.name not in prompt.marks:
            raise ValueError(
                f"text {index} has no mark {self.name!r} (it has {sorted(prompt.marks) or 'none'}); render it with "
                "model.render(...) or pass emolens.Prompt(text, marks={...})"
            )
        char = prompt.marks[self.name]
        m = torch.zeros(len(offsets), dtype=torch.bool)
        for i, (a, b) in enumerate(offsets):
            if a <= char < b:
                m[i] = True
                return m
        raise ValueError(f"mark {self.name!r} (character {char}) of text {index} falls on no token (special or truncated?)")

    def describe(self) -> str:
        return f"mark:{self.name}"


@dataclass(frozen=True)
class ExplicitMask:
    """A caller-given mask per text (tuples of bools, one per token)."""

    masks: tuple[tuple[bool, ...], ...]

    def mask(self, offsets: Sequence[tuple[int, int]], prompt: Prompt, index: int) -> Bool[Tensor, " pos"]:
        if index >= len(self.masks):
            raise ValueError(f"ExplicitMask has {len(self.masks)} masks but text {index} was requested")
        m = torch.tensor(self.masks[index], dtype=torch.bool)
        if m.numel() != len(offsets):
            raise ValueError(f"ExplicitMask for text {index} has {m.numel()} entries but the text has {len(offsets)} tokens")
        return m

    def describe(self) -> str:
        import hashlib

        return "explicit:" + hashlib.sha256(repr(self.masks).encode()).hexdigest()[:12]


def parse_token_rule(rule: str | TokenRule) -> TokenRule:
    """``"all"``, ``"last"``, ``"from:50"``, ``"mark:assistant"`` (or a rule object, returned unchanged)."""
    if not isinstance(rule, str):
        if isinstance(rule, TokenRule):
            return rule
        raise TypeError(f"token rule must be a string or a TokenRule, not {type(rule).__name__}")
    r = rule.strip().lower()
    if r == "all":
        return AllTokens()
    if r == "last":
        return LastToken()
    if r.startswith("from:"):
        return FromToken(int(r.split(":", 1)[1]))
    if r.startswith("mark:"):
        return AtMark(rule.split(":", 1)[1].strip())
    raise ValueError(f"unknown token rule {rule!r}; use 'all', 'last', 'from:K' (e.g. 'from:50') or 'mark:NAME' (e.g. 'mark:assistant')")
