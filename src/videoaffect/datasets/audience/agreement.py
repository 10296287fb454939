"""How well raters agree, on the seconds every rater covered, from each rater's per-second values
before any smoothing (smoothing would raise every figure without the raters agreeing more).

- Mean pairwise Pearson r over the pairs of raters.
- ICC(2,1) and ICC(2,k): two-way random effects, absolute agreement; (2,1) is the reliability of
  one rater, (2,k) that of the mean of the k raters, which is what the merged file holds.
  Shrout & Fleiss (1979), "Intraclass correlations: uses in assessing rater reliability",
  Psychological Bulletin 86(2), Case 2; McGraw & Wong (1996) call them ICC(A,1) and ICC(A,k).
  With n seconds (targets) and k raters, from the two-way ANOVA without replication:
      ICC(2,1) = (MSR - MSE) / (MSR + (k-1) MSE + k (MSC - MSE) / n)
      ICC(2,k) = (MSR - MSE) / (MSR + (MSC - MSE) / n)
  where MSR is the mean square between seconds, MSC between raters and MSE the residual.
  Absolute agreement (not consistency) because a rater who sits higher on the scale changes the
  merged mean.
- Each rater's r with the mean of the other raters.  A rater is flagged when that r is below 0
  (rating against the rest) or, with 3 raters or more, below median - 2 x robust spread, the
  robust spread being 1.4826 x the median absolute deviation of those r (the standard deviation
  for normal data), floored at 0.1 so that a rater within 0.2 of the median is never flagged: on
  LIRIS-ACCEDE raters with no outlier among them spread that widely (Sintel arousal: r 0.40-0.79
  with the rest), and with 5 raters the MAD alone can be 0.02.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

FLAG_SPREAD_FLOOR = 0.1
FLAG_RULE = ("r_with_rest < 0, or (3 raters or more) r_with_rest < median - 2 x max(1.4826 x MAD, "
             f"{FLAG_SPREAD_FLOOR}) over the raters' r_with_rest")
ICC_SOURCE = ("Shrout & Fleiss (1979), Psychological Bulletin 86(2), Case 2 (two-way random, absolute "
              "agreement); McGraw & Wong (1996) ICC(A,1) and ICC(A,k)")


def pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson r, or None where either series is constant (r is undefined there)."""
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return None if den == 0.0 else float((a * b).sum() / den)


def icc2(x: np.ndarray) -> tuple[float, float] | None:
    """ICC(2,1) and ICC(2,k) of x (seconds x raters); None when undefined (n < 2 or k < 2, or no
    variance at all)."""
    n, k = x.shape
    if n < 2 or k < 2:
        return None
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    den1 = msr + (k - 1) * mse + k * (msc - mse) / n
    denk = msr + (msc - mse) / n
    if den1 == 0 or denk == 0:
        return None
    return float((msr - mse) / den1), float((msr - mse) / denk)


def flags(r_with_rest: list[float | None]) -> list[bool]:
    known = np.array([r for r in r_with_rest if r is not None], dtype=np.float64)
    cut = -np.inf
    if len(known) >= 3:
        med = float(np.median(known))
        spread = max(1.4826 * float(np.median(np.abs(known - med))), FLAG_SPREAD_FLOOR)
        cut = med - 2 * spread
    return [r is not None and (r < 0 or r < cut) for r in r_with_rest]


def agreement(raters: list[str], per_second: np.ndarray) -> dict:
    """The agreement report (JSON-ready) of per_second: (raters, seconds), NaN where a rater gave
    no value."""
    common = ~np.isnan(per_second).any(axis=0)
    x = per_second[:, common]
    k, n = x.shape
    out: dict = {"raters": list(raters), "seconds_compared": int(n),
                 "computed_on": "each rater's per-second values (mean of the samples in [t, t+1)) before "
                                "smoothing, on the seconds every rater covered"}
    pairs = {f"{raters[i]} | {raters[j]}": pearson(x[i], x[j]) if n >= 2 else None
             for i, j in combinations(range(k), 2)}
    known = [r for r in pairs.values() if r is not None]
    out["mean_pairwise_r"] = float(np.mean(known)) if known else None
    out["pairwise_r"] = pairs
    icc = icc2(x.T) if n else None
    out["icc"] = {"form": "ICC(2,1)", "value": None if icc is None else icc[0],
                  "mean_of_raters_form": "ICC(2,k)", "mean_of_raters_value": None if icc is None else icc[1],
                  "k": int(k), "source": ICC_SOURCE}
    rest = [pearson(x[i], np.delete(x, i, axis=0).mean(axis=0)) if k >= 2 and n >= 2 else None for i in range(k)]
    flagged = flags(rest)
    out["per_rater"] = [{"rater": raters[i], "r_with_rest": rest[i], "flagged": f} for i, f in enumerate(flagged)]
    out["flag_rule"] = FLAG_RULE
    notes = []
    if 2 * sum(flagged) > k:
        notes.append(f"{sum(flagged)} of {k} raters are flagged: the raters hardly agree on this video (mean pairwise "
                     "r above); dropping them would leave the labels to the few left, so collect more traces instead")
    if k < 2:
        notes.append("one rater: agreement needs two or more")
    undefined = [raters[i] for i in range(k) if n >= 2 and pearson(x[i], x[i]) is None]
    if undefined:
        notes.append(f"constant over the compared seconds (r undefined): {', '.join(undefined)}")
    out["notes"] = notes
    return out
