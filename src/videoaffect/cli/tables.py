"""Plain-text tables of evaluation reports."""

from __future__ import annotations


def metrics_table(rows: list[tuple[str, dict]]) -> str:
    from videoaffect.evaluation.evaluate import summary_row

    first = rows[0][1]
    if first["output"] == "classification":
        lines = ["| run | accuracy |", "|---|---|"]
        lines += [f"| {name} | {r['accuracy']:.3f} |" for name, r in rows]
        return "\n".join(lines)
    lines = ["| run | MSE/s | PCC/s | PCC movie mean | PCC clip | MSE/s intra | PCC/s intra |",
             "|---|---|---|---|---|---|---|"]
    for name, r in rows:
        s = summary_row(r)
        lines.append(
            f"| {name} | {s['final_mse']:.4f} | {s['final_pearson']:.3f} | {s['final_movie_pearson']:.3f} | "
            f"{s['final_clip_pearson']:.3f} | {s['intra_mse']:.4f} | {s['intra_pearson']:.3f} |"
        )
    return "\n".join(lines)
