"""What ``bench_extract.py speed`` times as start-up, in a fresh interpreter."""


def build(feature_set: str):
    from videoaffect.features.extract import _extractors

    return _extractors(feature_set, "cpu", None)
