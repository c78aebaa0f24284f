"""The frameworks benchmark as a table and a plot: seconds per step relative to torch eager, with 95% CIs."""
from __future__ import annotations


def table(report: dict) -> str:
    """One block per model: framework, median ms/step, IQR, ratio to torch eager [CI], compile seconds."""
    lines = []
    for model, rows in report["results"].items():
        lines.append(f"{model}  (ms per training step; ratio = time / {report['baseline']}'s time)")
        lines.append(f"  {'framework':<18} {'median':>9} {'IQR':>8} {'ratio':>7} {'95% CI':>15} {'compile s':>9}")
        for name, r in sorted(rows.items(), key=lambda kv: kv[1].get("median_s", float("inf"))):
            if "median_s" not in r:
                lines.append(f"  {name:<18} failed: {r.get('error', 'no samples')[:80]}")
                continue
            low, high = r.get("ratio_ci", (float("nan"),) * 2)
            lines.append(f"  {name:<18} {r['median_s'] * 1e3:>9.3f} {r['iqr_s'] * 1e3:>8.3f} {r.get('ratio', float('nan')):>7.2f} "
                         f"{f'{low:.2f}..{high:.2f}':>15} {r['compile_s']:>9.2f}")
    m = report["machine"]
    lines.append(f"{m['cpu']}, {m['cores']} cores, {report['threads']} thread(s) each, size {report['size']}, "
                 f"{report['rounds']} rounds x {report['steps_per_sample']} steps; load average "
                 f"{m['load_average'][0]:.2f} before, {report['load_average_after'][0]:.2f} after")
    return "\n".join(lines)


def plot(report: dict):
    """Horizontal bars of each framework's time relative to the baseline (log scale), CI as error bars."""
    import matplotlib.pyplot as plt
    import numpy as np

    models = list(report["results"])
    fig, axes = plt.subplots(1, len(models), figsize=(4.2 * len(models), 3.8), squeeze=False)
    for ax, model in zip(axes[0], models):
        rows = [(n, r) for n, r in report["results"][model].items() if "ratio" in r]
        rows.sort(key=lambda kv: kv[1]["ratio"])
        ratios = np.array([r["ratio"] for _, r in rows])
        ci = np.array([r["ratio_ci"] for _, r in rows], dtype=float).reshape(-1, 2)
        err = np.abs(np.nan_to_num(ci - ratios[:, None], nan=0.0)).T
        ax.barh([n for n, _ in rows], ratios, xerr=err, color="tab:blue", alpha=0.75)
        ax.axvline(1.0, color="k", lw=1)
        ax.set_xscale("log")
        ax.set_title(model)
        ax.set_xlabel(f"time / {report['baseline']}")
    fig.suptitle(f"one training step, {report['threads']} thread(s), load {report['machine']['load_average'][0]:.1f}")
    fig.tight_layout()
    return fig
