"""Layer sweep for one model: held-out accuracy (raw and denoised), cross-corpus accuracy, logit lens, implicit
scenarios, numeric sweeps, token views and geometry, written to <out>/<model>/ (thin wrapper over emolens.pipeline).

    python analyses/layer_sweep.py --model gemma-3-270m --emotions all --out results
"""

import argparse

from emolens.pipeline import RunConfig, run

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default="smollm2-135m-instruct")
    p.add_argument("--emotions", default="seed", help="'seed', 'all' or a comma-separated list")
    p.add_argument("--layers", default="all")
    p.add_argument("--permutations", type=int, default=200)
    p.add_argument("--out", default="results")
    a = p.parse_args()
    emotions = a.emotions if a.emotions in ("seed", "all") else tuple(a.emotions.split(","))
    m = run(RunConfig(model=a.model, emotions=emotions, layers=a.layers, n_permutations=a.permutations, out=a.out))
    key = "heldout_top1_by_layer_denoised" if m.get("heldout_top1_by_layer_denoised") else "heldout_top1_by_layer"
    for row in m[key]["by_layer"]:
        print(f"layer {row['layer']:3d}  top1 {row['top1']:.3f} {row['top1_ci']}  top5 {row['top5']:.3f}  null95 {row['perm_null_q95']:.3f}")
