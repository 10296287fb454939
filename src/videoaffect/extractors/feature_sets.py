"""The named feature sets: ``default`` (works offline on a fresh machine), ``default-deep`` (the
default set plus pretrained deep modalities, still offline, dearer per second; a separate name
so that models and stores of ``default`` stay valid) and ``paper`` (the paper's extractors,
loading weight files the user supplies)."""

from __future__ import annotations

from videoaffect.extractors.base import Extractor

FEATURE_SETS = ("default", "default-deep", "paper")


def build_feature_set(
    name: str, device: str = "cpu", modalities: list[str] | None = None, options: dict | None = None
) -> list[Extractor]:
    """Extractors of a feature set, in a fixed order; ``modalities`` keeps only those named.
    ``options`` maps a modality to keyword arguments of its extractor, e.g.
    ``{"scene": {"backbone": "resnet50"}}`` (paper set) or ``{"audio": {"compare": True}}``
    (default set: adds ComParE 2016).

    Besides ``default``, ``default-deep`` and ``paper``, ``name`` may be ``package.module:function``: a function
    taking the device and returning extractors (your own feature set; it must be importable in
    worker processes too)."""
    if ":" in name:
        import importlib

        module_name, func = name.split(":", 1)
        try:
            extractors = list(getattr(importlib.import_module(module_name), func)(device))
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"feature set {name!r}: cannot import {func} from {module_name}: {exc}") from None
        if modalities:
            extractors = [e for e in extractors if e.modality in modalities]
        return extractors
    factories: dict[str, type[Extractor]]
    if name in ("default", "default-deep"):
        factories = _default_factories(deep=name == "default-deep")
    elif name == "paper":
        from videoaffect.extractors.paper.action import PaperAction
        from videoaffect.extractors.paper.audio import PaperAudio
        from videoaffect.extractors.paper.expression import PaperExpression
        from videoaffect.extractors.paper.scene import PaperScene

        factories = {"audio": PaperAudio, "scene": PaperScene, "expression": PaperExpression,
                     "action": PaperAction}
    else:
        raise ValueError(f"unknown feature set {name!r}; choose one of {FEATURE_SETS}")
    wanted = modalities or list(factories)
    unknown = [m for m in wanted if m not in factories]
    if unknown:
        raise ValueError(f"feature set {name!r} has no modality {unknown}; it has {list(factories)}")
    options = options or {}
    bad = [m for m in options if m not in factories]
    if bad:
        raise ValueError(f"options for unknown modalities {bad} of feature set {name!r}")
    check_weights(name, modalities, options)
    return [factories[m](**options.get(m, {})).to(device) for m in wanted]


def _default_factories(deep: bool) -> dict[str, type[Extractor]]:
    """The default set's extractor classes by modality, in order; ``deep`` adds default-deep's
    pretrained modalities after them (one entry per modality)."""
    from videoaffect.extractors.default.audio import DefaultAudio
    from videoaffect.extractors.default.expression import DefaultExpression
    from videoaffect.extractors.default.motion import DefaultMotion
    from videoaffect.extractors.default.scene import DefaultScene

    factories: dict[str, type[Extractor]] = {"audio": DefaultAudio, "scene": DefaultScene,
                                             "expression": DefaultExpression, "motion": DefaultMotion}
    if deep:
        from videoaffect.extractors.default.backbone import DefaultBackbone
        from videoaffect.extractors.default.text import DefaultText

        factories["backbone"] = DefaultBackbone
        factories["text"] = DefaultText
    return factories


# Options with which an extractor loads no registry file: a path given directly, a ready network,
# or random weights (tests).
_OWN_WEIGHTS = ("weights", "weight_path", "pca", "net", "random_init")


def weights_needed(name: str, modalities: list[str] | None = None, options: dict | None = None) -> list[str]:
    """Registry names of the weight files the extractors of a built-in set load (none for your
    own ``package.module:function`` set, whose files videoaffect does not know)."""
    options = options or {}
    if name in ("default", "default-deep"):
        from videoaffect.extractors.default.expression import WEIGHTS

        per_modality: dict[str, tuple[str, ...]] = {"audio": (), "scene": (), "expression": WEIGHTS, "motion": ()}
        if name == "default-deep":
            from videoaffect.extractors.default.backbone import WEIGHTS as BACKBONE_WEIGHTS

            per_modality["backbone"] = BACKBONE_WEIGHTS
            per_modality["text"] = ()  # VADER's lexicon and pocketsphinx's model ship in their packages
    elif name == "paper":
        from videoaffect.extractors.paper.expression import REGISTRY_NAME
        from videoaffect.extractors.paper.scene import BACKBONES

        backbone = (options.get("scene") or {}).get("backbone", "vgg16")
        scene = (BACKBONES[backbone][0],) if backbone in BACKBONES else ()
        per_modality = {"audio": ("vggish", "vggish-pca"), "scene": scene, "expression": (REGISTRY_NAME,),
                        "action": ("openpose-body",)}
    else:
        return []
    wanted = [m for m in (modalities or per_modality) if m in per_modality]
    return [w for m in wanted if not any((options.get(m) or {}).get(k) for k in _OWN_WEIGHTS)
            for w in per_modality[m]]


def check_weights(name: str, modalities: list[str] | None = None, options: dict | None = None) -> None:
    """Every weight file the set needs, checked at once before any extractor is built (or any
    output made): one WeightsError lists all that are missing or bad and the one step installing them."""
    from videoaffect.weights.registry import require

    modalities = list(modalities) if modalities else None
    require(weights_needed(name, modalities, options), f"the {name!r} feature set"
            + (f" ({', '.join(modalities)})" if modalities else ""))
