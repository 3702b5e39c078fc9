"""Run by tests/test_distributed.py under torchrun: collect on a shard per rank, write the merged result from rank 0."""

import sys

import torch

from emolens import load_model
from emolens.activations.distributed import collect_distributed, init_from_env

TEXTS = [f"the cat sat on the mat {' '.join(['and the dog ran home'] * (i % 4))} day {i % 10}" for i in range(13)]
LABELS = ["a", "b", "c"] * 4 + ["a"]

if __name__ == "__main__":
    model_path, out = sys.argv[1], sys.argv[2]
    rank, world = init_from_env("gloo")
    model = load_model(model_path)
    per_text = collect_distributed(model, TEXTS, tokens="all", batch_size=3, progress=False)
    sums = collect_distributed(model, TEXTS, labels=LABELS, reduce="label", tokens="all", batch_size=3, progress=False)
    mom = collect_distributed(model, TEXTS, reduce="moments", tokens="all", batch_size=3, progress=False)
    if rank == 0:
        torch.save({"world": world, "values": per_text.values, "sums": sums.sums, "counts": sums.counts, "labels": sums.labels,
                    "mom_sums": mom.sums, "mom_outer": mom.outer, "mom_count": mom.count, "hash": per_text.corpus_hash}, out)
