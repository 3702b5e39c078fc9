"""``make bench``: speed and memory as ratios measured in one run (absolute times vary between machines).

    python -m emolens.bench --out bench/results.json [--only load,throughput,memory,peer,padding]

Each timing is the median of ``--repeats`` runs. Memory is the peak resident set size of a fresh child process, so runs
do not share allocator state.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

GOALS = {
    "cached_load_speedup": ">= 5",
    "collect_over_bare_bridge": ">= 0.95",
    "peer_time_over_emolens": ">= 2",
    "emolens_mem_over_peer": "<= 0.1 (working memory above the loaded model)",
    "peak_mem_10x_over_1x": "<= 1.1",
    "padding_waste_bucketed": "<= 1.1",
}


def _median_time(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _child(args: list[str]) -> dict[str, Any]:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, "-m", "emolens.bench", "--child", *args], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _texts(n: int, max_words: int | None = None) -> tuple[list[str], list[str]]:
    from . import data

    st = data.stories(data.SEED_EMOTIONS)
    st = [st[i % len(st)] for i in range(n)]
    texts = [" ".join(s.text.split()[:max_words]) if max_words else s.text for s in st]
    return texts, [s.emotion for s in st]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ child tasks


def child_main(task: str, n: int, model_name: str) -> dict[str, Any]:
    import torch

    from . import collect, load_model

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if task == "load":
        t = time.perf_counter()  # one-time imports, paid once per Python session whether or not the weights are cached
        import transformer_lens.model_bridge  # noqa: F401
        import transformers  # noqa: F401

        t_import = time.perf_counter() - t
        t = time.perf_counter()
        load_model(model_name)
        return {"seconds": time.perf_counter() - t, "import_seconds": t_import}
    model = load_model(model_name)
    texts, labels = _texts(n, max_words=90)
    with torch.no_grad():  # warm-up: page in the mmap'd weights so the baseline is the loaded, used model
        model.bridge.original_model(**model.tokenizer(["warm up"], return_tensors="pt"))
    base = _maxrss_mb()
    if task == "emolens-memory":
        collect(model, texts, tokens="from:50", labels=labels, reduce="label", batch_size=8, progress=False)
        return {"peak_rss_mb": _maxrss_mb(), "model_rss_mb": base}
    if task == "peer-memory":
        peer_collect(model, texts, labels)
        return {"peak_rss_mb": _maxrss_mb(), "model_rss_mb": base}
    raise ValueError(f"unknown child task {task!r}")


def peer_collect(model: Any, texts: list[str], labels: list[str], batch_size: int = 8, start: int = 50) -> dict[str, Any]:
    """The common peer method: Hugging Face ``output_hidden_states=True`` (every layer, full sequence, plus logits),
    per-text means computed in Python and kept in lists, averaged per label at the end."""
    import torch

    hf = model.bridge.original_model
    tok = model.tokenizer
    per_text: list[list[Any]] = []
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = tok(texts[i : i + batch_size], return_tensors="pt", padding=True)
            out = hf(**enc, output_hidden_states=True)
            for r in range(enc.input_ids.shape[0]):
                n = int(enc.attention_mask[r].sum())
                per_text.append([h[r, start:n].mean(0) for h in out.hidden_states[1:]])
    means: dict[str, Any] = {}
    for lab in dict.fromkeys(labels):
        rows = [per_text[i] for i, x in enumerate(labels) if x == lab]
        means[lab] = [torch.stack([r[L] for r in rows]).mean(0) for L in range(len(rows[0]))]
    return means


# ------------------------------------------------------------------------------------------------ measurements


def bench_load(model_name: str, repeats: int) -> dict[str, Any]:
    firsts, cached, imports = [], [], []
    for _ in range(max(1, repeats - 1)):
        with tempfile.TemporaryDirectory() as d:
            os.environ["EMOLENS_CACHE"] = d
            try:
                r = _child(["load", "--model", model_name])
                firsts.append(r["seconds"])
                imports.append(r["import_seconds"])
                cached += [_child(["load", "--model", model_name])["seconds"] for _ in range(repeats)]
            finally:
                del os.environ["EMOLENS_CACHE"]
    f, c = statistics.median(firsts), statistics.median(cached)
    return {"first_load_s": f, "cached_load_s": c, "cached_load_speedup": f / c, "one_time_import_s": statistics.median(imports),
            "note": "load_model time in a fresh process after importing transformers and transformer_lens (imported once per session)"}


def bench_throughput(model_name: str, repeats: int, n_texts: int = 24) -> dict[str, Any]:
    import torch

    from . import collect, load_model
    from .activations.collect import plan_batches

    model = load_model(model_name)
    texts, _ = _texts(n_texts)
    ids = model.tokenizer(texts).input_ids
    lengths = [len(x) for x in ids]
    batches = plan_batches(lengths, 8)
    pad = model.tokenizer.pad_token_id
    padded = []
    for b in batches:
        w = max(lengths[i] for i in b)
        t = torch.full((len(b), w), pad)
        m = torch.zeros((len(b), w), dtype=torch.long)
        for r, i in enumerate(b):
            t[r, : lengths[i]] = torch.tensor(ids[i])
            m[r, : lengths[i]] = 1
        padded.append((t, m))
    n_tok = sum(lengths)

    def bare_bridge() -> None:
        with torch.no_grad():
            for t, m in padded:
                model.bridge(t, attention_mask=m, stop_at_layer=model.n_layers)

    def emolens_collect() -> None:
        collect(model, texts, tokens="from:50", layers="all", batch_size=8, progress=False)

    bare_bridge()  # warm-up
    tb = _median_time(bare_bridge, repeats)
    tc = _median_time(emolens_collect, repeats)
    tp = _median_time(lambda: peer_collect(model, texts, ["x"] * len(texts)), repeats)
    return {
        "tokens": n_tok,
        "bare_bridge_tok_s": n_tok / tb,
        "emolens_collect_tok_s": n_tok / tc,
        "peer_hf_hidden_states_tok_s": n_tok / tp,
        "collect_over_bare_bridge": tb / tc,
        "peer_time_over_emolens": tp / tc,
    }


def bench_memory(model_name: str, n: int = 16) -> dict[str, Any]:
    one = _child(["emolens-memory", "--n", str(n), "--model", model_name])
    ten = _child(["emolens-memory", "--n", str(10 * n), "--model", model_name])
    peer = _child(["peer-memory", "--n", str(10 * n), "--model", model_name])
    work = lambda r: max(1.0, r["peak_rss_mb"] - r["model_rss_mb"])  # noqa: E731
    return {
        "n_texts_1x": n,
        "emolens_peak_rss_mb_1x": one["peak_rss_mb"],
        "emolens_peak_rss_mb_10x": ten["peak_rss_mb"],
        "peak_mem_10x_over_1x": ten["peak_rss_mb"] / one["peak_rss_mb"],
        "emolens_working_mb_10x": work(ten),
        "peer_peak_rss_mb_10x": peer["peak_rss_mb"],
        "peer_working_mb_10x": work(peer),
        "emolens_mem_over_peer": work(ten) / work(peer),
    }


def bench_padding(model_name: str) -> dict[str, Any]:
    from . import data
    from .activations.collect import padding_waste, plan_batches
    from .models import load_model

    tok = load_model(model_name).tokenizer
    texts = [s.text for s in data.stories()]
    lengths = [len(x) for x in tok(texts).input_ids]
    return {
        "n_texts": len(texts),
        "padding_waste_bucketed": padding_waste(lengths, plan_batches(lengths, 8, bucket=True)),
        "padding_waste_unbucketed": padding_waste(lengths, plan_batches(lengths, 8, bucket=False)),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="bench/results.json")
    p.add_argument("--model", default="smollm2-135m-instruct")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--only", default="load,throughput,memory,padding")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, default=16, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child_main(a.child, a.n, a.model)))
        return 0
    results: dict[str, Any] = {}
    if Path(a.out).exists():  # sections measured earlier are kept; the ones run now are replaced
        results = json.loads(Path(a.out).read_text())
    results.update({"model": a.model, "repeats": a.repeats, "goals": GOALS, "cpu_count": os.cpu_count()})
    steps = {"load": lambda: bench_load(a.model, a.repeats), "throughput": lambda: bench_throughput(a.model, a.repeats),
             "memory": lambda: bench_memory(a.model), "padding": lambda: bench_padding(a.model)}
    for name in a.only.split(","):
        if name not in steps:
            raise SystemExit(f"unknown bench {name!r}; choose from {sorted(steps)}")
        t = time.perf_counter()
        results[name] = steps[name]()
        results[name]["bench_seconds"] = time.perf_counter() - t
        results[name]["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        print(name, json.dumps(results[name], indent=1), flush=True)
    from ._io import write_json

    write_json(a.out, results)
    print(f"\n{'figure':32s} {'value':>10s}  goal")
    for name, sect in results.items():
        if isinstance(sect, dict) and name != "goals":
            for k, v in sect.items():
                if k in GOALS:
                    print(f"{k:32s} {v:10.3f}  {GOALS[k]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
