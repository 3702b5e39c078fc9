"""Export a direction as a llama.cpp control vector (the GGUF format repeng reads and writes).

Format: ``general.architecture = "controlvector"``, ``controlvector.model_hint`` (architecture name),
``controlvector.layer_count``, and one float32 1-D tensor ``direction.<il>`` per steered layer, where ``il`` is the
0-based index of the transformer block whose *output* the vector is added to: exactly emolens's layer ``L``
(``blocks.L.hook_resid_post``). llama.cpp rejects ``direction.0``, so block 0 cannot be exported.

Vectors live in the plain Hugging Face residual stream (emolens never folds or centres weights), so they apply to the
original model unchanged. Scale is the caller's choice (``scale`` multiplies every layer; use ``unit=True`` and the
steering alpha x mean residual norm to match emolens's steering units).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .emotion_vectors import Direction, EmotionVectors


def export_control_vector(
    direction: Direction | EmotionVectors,
    path: str | Path,
    *,
    emotion: str | None = None,
    layers: Sequence[int] | None = None,
    model_hint: str = "llama",
    scale: float = 1.0,
    unit: bool = False,
) -> Path:
    """Write ``direction`` (a :class:`Direction`, or ``vectors`` plus ``emotion=``) at ``layers`` to a GGUF control vector."""
    import gguf

    if isinstance(direction, EmotionVectors):
        if emotion is None:
            raise ValueError("pass emotion='...' to export one emotion of an EmotionVectors (or pass a Direction)")
        direction = direction[emotion]
    chosen = list(layers) if layers is not None else list(direction.layers)
    if not chosen:
        raise ValueError("no layers to export")
    missing = [L for L in chosen if L not in direction.layers]
    if missing:
        raise ValueError(f"direction {direction.name!r} has no layers {missing}; it has {list(direction.layers)}")
    if 0 in chosen:
        raise ValueError("llama.cpp control vectors cannot steer block 0 (direction.0 is invalid); choose layers >= 1")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), "controlvector")
    writer.add_string("controlvector.model_hint", model_hint)
    writer.add_uint32("controlvector.layer_count", len(chosen))
    writer.add_string("general.description", f"emolens {direction.name}; layer L = output of block L")
    for L in sorted(chosen):
        v = direction.at(L).detach().to("cpu").double()
        if unit:
            v = v / v.norm().clamp_min(1e-12)
        writer.add_tensor(f"direction.{L}", (v * scale).numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(path)
    return path


def read_control_vector(path: str | Path) -> dict[str, Any]:
    """Read a control-vector GGUF back: ``{"model_hint", "layer_count", "directions": {layer: np.ndarray}}``."""
    from gguf import GGUFReader

    r = GGUFReader(str(path))
    arch = r.get_field("general.architecture")
    if arch is None or bytes(arch.parts[-1]).decode() != "controlvector":
        raise ValueError(f"{path} is not a control-vector GGUF (general.architecture != 'controlvector')")
    hint = bytes(r.get_field("controlvector.model_hint").parts[-1]).decode()
    count = int(r.get_field("controlvector.layer_count").parts[-1][0])
    dirs = {int(t.name.split(".", 1)[1]): np.array(t.data, dtype=np.float32) for t in r.tensors if t.name.startswith("direction.")}
    return {"model_hint": hint, "layer_count": count, "directions": dirs}
