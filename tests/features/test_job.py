"""The extraction job object: how each route builds it, its one validation, and that the job a
model records is the job the command line builds for the same feature set."""

from pathlib import Path

import pytest

from videoaffect.cli import common
from videoaffect.cli.main import build_parser
from videoaffect.core.errors import ConfigError
from videoaffect.decoding.synthetic_media import make_video
from videoaffect.features.job import ExtractionJob, check_backend
from videoaffect.models.model_directory import FeatureRecord

FAKE = "fake_extractors:tiny_set"


def extract_args(*argv: str):
    return build_parser().parse_args(["extract", "film.mp4", "--out", "unused", *argv])


def test_the_command_line_options_become_one_job():
    args = extract_args("--feature-set", "paper", "--modalities", "audio, scene", "--workers", "3",
                        "--backend", "dask", "--scheduler", "tcp://host:8786", "--force",
                        "--paper-precision", "float32", "--scene-backbone", "resnet50", "--no-progress")
    job = common.extraction_job(args, Path("store"), modalities=("audio", "scene"),
                                scene_backbone=args.scene_backbone, paper_precision=args.paper_precision)
    assert job == ExtractionJob(store=Path("store"), feature_set="paper", modalities=("audio", "scene"),
                                options={"scene": {"backbone": "resnet50", "compute_dtype": "float32"},
                                         "action": {"compute_dtype": "float32"}},
                                backend="dask", scheduler="tcp://host:8786", workers=3, force=True)
    # the train --dataset route: the same options without the extractors' own, and no --force
    train = build_parser().parse_args(["train", "--dataset", "root", "--out", "m", "--feature-set", "paper"])
    assert common.extraction_job(train, Path("s")) == ExtractionJob(store=Path("s"), feature_set="paper",
                                                                    progress=common.progress_wanted(train))
    # one normal form: a list of modalities, options with tuples, a store as text
    assert ExtractionJob(store="s", modalities=["audio"], options={"a": {"b": (1, 2)}}) == \
        ExtractionJob(store=Path("s"), modalities=("audio",), options={"a": {"b": [1, 2]}})


@pytest.mark.parametrize("fields, message", [
    ({"workers": 0}, "--workers must be at least 1, got 0"),
    ({"backend": "spark"}, "--backend 'spark': choose local or dask"),
    ({"scheduler": "tcp://host:8786"}, "--scheduler is a dask scheduler address; pass it with --backend dask"),
])
def test_a_bad_job_is_refused_when_it_is_built(fields, message):
    with pytest.raises(ConfigError, match=message):
        ExtractionJob(store=Path("s"), **fields)


def test_the_scheduler_check_is_the_one_every_command_runs(tmp_path):
    check_backend("dask", "tcp://host:8786")
    check_backend("dask", None)
    with pytest.raises(ConfigError, match="pass it with --backend dask"):
        check_backend("local", "tcp://host:8786")
    with pytest.raises(ConfigError, match="pass it with --backend dask"):
        common.check_scheduler(extract_args("--scheduler", "tcp://host:8786"))
    a_file = tmp_path / "store"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match="is a file; give a feature-store directory"):
        ExtractionJob(store=a_file)
    with pytest.raises(ValueError, match="no store yet"):
        ExtractionJob().run([])


def test_the_job_a_model_records_is_the_job_the_command_line_builds(tmp_path):
    video = make_video(tmp_path / "film.mp4", 2, fps=5, size=(32, 24))
    store = tmp_path / "store"
    cli = common.extraction_job(extract_args("--feature-set", FAKE, "--no-progress"), store)
    [result] = cli.run([("film", video)])
    assert result.status == "done"
    # what train records in model.json, read back as a model directory reads it
    record = FeatureRecord.from_dict(cli.record("film"))
    assert record.provenance["decoder"] == cli.provenance()["decoder"]
    recorded = ExtractionJob.recorded(record.feature_set, record.options, record.provenance, store=store)
    # the record names every modality of the set, which the command line's job extracts unnamed
    assert recorded == common.extraction_job(extract_args("--feature-set", FAKE, "--no-progress"), store,
                                             modalities=("audio", "scene"))
    assert recorded.provenance() == cli.provenance() and recorded.differences(record.provenance) == []
    [again] = recorded.run([("film", video)])
    assert again.status == "skipped"  # the model's job finds the command line's features current
    # another extractor version is named, field by field
    changed = {**record.provenance, "extractors": {**record.provenance["extractors"]}}
    changed["extractors"]["audio"] = {**changed["extractors"]["audio"], "version": "0"}
    assert recorded.differences(changed) == [
        f"audio: version is {record.provenance['extractors']['audio']['version']!r} here, the model was trained "
        "with '0'"]
