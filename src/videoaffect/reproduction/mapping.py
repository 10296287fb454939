"""Paper modality (audio, scene, expression, action) -> corpus modality.

The corpus may call a modality by another name (our offline default feature set has "motion"
where the paper has "action") or lack it; a paper modality without a corpus modality makes its
table rows "n/a"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from videoaffect.reproduction import paper_results as paper
from videoaffect.reproduction.common import ReproductionError

# Corpus modality names tried, in order, for a paper modality the corpus lacks by name: our
# offline default feature set calls its motion/editing modality "motion".
MODALITY_ALIASES: dict[str, tuple[str, ...]] = {"action": ("motion",)}


def resolve_modality_map(
    corpus_modalities: Iterable[str], modality_map: Mapping[str, str | None] | None = None
) -> dict[str, str | None]:
    """Paper modality -> corpus modality (``None`` = absent, reported as n/a).

    An explicit entry wins (``None``, ``""`` or ``"none"`` marks a modality absent on purpose);
    otherwise the same name, then the aliases in ``MODALITY_ALIASES``."""
    available = list(corpus_modalities)
    explicit = dict(modality_map or {})
    unknown = [k for k in explicit if k not in paper.PAPER_MODALITIES]
    if unknown:
        raise ReproductionError(
            f"modality map names {unknown}, which are not paper modalities; the paper's modalities "
            f"are {list(paper.PAPER_MODALITIES)} (write e.g. action=motion)"
        )
    out: dict[str, str | None] = {}
    for name in paper.PAPER_MODALITIES:
        if name in explicit:
            target = explicit[name]
            if target in (None, "", "none"):
                out[name] = None
                continue
            if target not in available:
                raise ReproductionError(
                    f"modality map {name}={target}: the corpus has no modality {target!r}; "
                    f"it has {available}"
                )
            out[name] = target
        elif name in available:
            out[name] = name
        else:
            out[name] = next((a for a in MODALITY_ALIASES.get(name, ()) if a in available), None)
    used: dict[str, str] = {}
    for name, target in out.items():
        if target is None:
            continue
        if target in used:
            raise ReproductionError(
                f"paper modalities {used[target]!r} and {name!r} both map to corpus modality "
                f"{target!r}; map one of them elsewhere or to none"
            )
        used[target] = name
    return out


def parse_modality_map(items: Sequence[str] | None) -> dict[str, str | None]:
    """``["action=motion", "expression=none,scene=places"]`` -> mapping."""
    out: dict[str, str | None] = {}
    for item in items or ():
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise ReproductionError(
                    f"--modality-map {part!r}: write PAPER=CORPUS, e.g. action=motion (or action=none)"
                )
            key, value = (s.strip() for s in part.split("=", 1))
            out[key] = None if value.lower() in ("", "none") else value
    return out
