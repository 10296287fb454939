"""What ``bench_extract.py speed`` times as start-up, in a fresh interpreter."""


def build(feature_set: str):
    from videoaffect.features.movie import built_extractors

    return built_extractors(feature_set, "cpu", None)
