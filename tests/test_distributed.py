"""Two CPU processes under torchrun (gloo) give the same results as one process."""

import os
import subprocess
import sys
from pathlib import Path

import torch

from emolens import collect
from tests.dist_worker import LABELS, TEXTS


def test_torchrun_two_processes_match_single_process(tiny, tiny_path, tmp_path):
    out = tmp_path / "dist.pt"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(Path(__file__).with_name("dist_worker.py")), str(tiny_path), str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = torch.load(out)
    assert got["world"] == 2
    single = collect(tiny, TEXTS, tokens="all", batch_size=3, progress=False)
    assert torch.allclose(got["values"], single.values, atol=1e-5) and got["hash"] == single.corpus_hash
    sums = collect(tiny, TEXTS, labels=LABELS, reduce="label", tokens="all", batch_size=3, progress=False)
    assert got["labels"] == sums.labels and torch.equal(got["counts"], sums.counts)
    assert torch.allclose(got["sums"], sums.sums, rtol=1e-9, atol=1e-9)
    mom = collect(tiny, TEXTS, reduce="moments", tokens="all", batch_size=3, progress=False)
    assert got["mom_count"] == mom.count and torch.allclose(got["mom_outer"], mom.outer, rtol=1e-9, atol=1e-7)
