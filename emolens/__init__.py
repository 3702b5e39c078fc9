"""emolens: find, test and steer emotion representations in language models with TransformerLens.

The five-line main job::

    import emolens
    model = emolens.load_model("smollm2-135m-instruct")
    stories = emolens.data.stories(emolens.data.SEED_EMOTIONS)
    acts = emolens.collect(model, [s.text for s in stories], tokens="from:50")
    vectors = emolens.fit_vectors(acts, [s.emotion for s in stories])
"""

from . import data
from ._version import __version__
from .activations import Activations, AtMark, FromToken, LabelSums, collect
from .models import DEFAULT_MODEL, EMBEDDED_MODELS, LoadedModel, Prompt, load_model
from .vectors import DiffMeans, Direction, EmotionVectors, fit_vectors

__all__ = [
    "Activations", "AtMark", "DEFAULT_MODEL", "DiffMeans", "Direction", "EMBEDDED_MODELS", "EmotionVectors", "FromToken",
    "LabelSums", "LoadedModel", "Prompt", "__version__", "collect", "data", "fit_vectors", "load_model",
]
