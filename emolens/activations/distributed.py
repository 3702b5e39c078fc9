"""Collection across processes with ``torch.distributed`` (gloo on CPU, NCCL on GPUs), launched by ``torchrun``.

    torchrun --nproc_per_node 4 my_script.py      # my_script calls collect_distributed(...)

Each rank runs :func:`~emolens.activations.collect` on a strided shard of the texts (``texts[rank::world]``). Partial
results are merged exactly: label sums, counts and moments are all-reduced in float64; per-text means are gathered and
put back in the original order. Without an initialised process group it is plain ``collect``. Large models that need
several GPUs per process pass ``device_map``/``n_devices`` to :func:`emolens.load_model` (``boot_transformers`` options).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from ..models.model import Prompt
from .collect import Activations, LabelSums, Moments, collect, corpus_hash


def init_from_env(backend: str | None = None) -> tuple[int, int]:
    """Initialise the default process group from torchrun's environment (``RANK``, ``WORLD_SIZE``...); returns (rank, world)."""
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend or ("nccl" if torch.cuda.is_available() else "gloo"))
    return dist.get_rank(), dist.get_world_size()


def collect_distributed(model: Any, texts: Sequence[str | Prompt], *, labels: Sequence[str] | None = None, reduce: str = "mean",
                        **kwargs: Any) -> Activations | LabelSums | Moments:
    """``collect`` sharded over the default process group; every rank returns the full merged result."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return collect(model, texts, labels=labels, reduce=reduce, **kwargs)
    rank, world = dist.get_rank(), dist.get_world_size()
    idx = list(range(rank, len(texts), world))
    classes = tuple(dict.fromkeys(labels)) if labels is not None else None
    part = collect(model, [texts[i] for i in idx], labels=[labels[i] for i in idx] if labels is not None else None,
                   classes=classes if reduce == "label" else None, reduce=reduce, **kwargs)
    chash = corpus_hash(list(texts))
    if isinstance(part, LabelSums):
        sums, counts = part.sums.clone(), part.counts.clone()
        dist.all_reduce(sums)
        dist.all_reduce(counts)
        return LabelSums(sums, counts, part.labels, part.layers, part.token_rule, part.model, chash)
    if isinstance(part, Moments):
        sums, outer, count = part.sums.clone(), part.outer.clone(), torch.tensor([part.count], dtype=torch.long)
        for t in (sums, outer, count):
            dist.all_reduce(t)
        return Moments(sums, outer, int(count), part.layers, part.token_rule, part.model, chash)
    gathered: list[Any] = [None] * world
    dist.all_gather_object(gathered, (idx, part.values, part.n_tokens))
    values = torch.empty(len(texts), *part.values.shape[1:], dtype=part.values.dtype)
    n_tokens = torch.empty(len(texts), dtype=part.n_tokens.dtype)
    for ids, v, n in gathered:
        values[torch.tensor(ids, dtype=torch.long)] = v
        n_tokens[torch.tensor(ids, dtype=torch.long)] = n
    return Activations(values, part.layers, n_tokens, part.token_rule, part.model, chash)
