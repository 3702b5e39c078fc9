"""Loading models: the only package that imports model code."""

from .loading import ModelLoadError, UnknownModelError, cache_root, load_model
from .model import LAYER_CONVENTION, LoadedModel, Prompt, hook_name, render_paper_chat, resolve_layers
from .registry import DEFAULT_MODEL, EMBEDDED_MODELS, EmbeddedModel, ModelPackageMissingError

__all__ = [
    "DEFAULT_MODEL", "EMBEDDED_MODELS", "EmbeddedModel", "LAYER_CONVENTION", "LoadedModel", "ModelLoadError",
    "ModelPackageMissingError", "Prompt", "UnknownModelError", "cache_root", "hook_name", "load_model",
    "render_paper_chat", "resolve_layers",
]
