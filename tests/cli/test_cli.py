import csv
import json

import pytest

from videoaffect.cli.main import build_parser, main

SMALL = ["--hidden-size", "12", "--head-hidden", "12", "--context-hidden", "8", "--max-epochs", "4", "--batch-size", "16"]


def _snapshot(folder):
    """Every file below ``folder`` with its bytes and mtime."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _help(capsys, *cmd):
    with pytest.raises(SystemExit) as exc:
        main([*cmd, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "synth", "demo"])
def test_help_explains_every_option(capsys, command):
    text = _help(capsys, command)
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    for action in sub._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, f"{command} {action.option_strings} has no help text"
            assert action.option_strings[-1] in text


@pytest.mark.slow
def test_synth_train_evaluate_predict_end_to_end(tmp_path, capsys):
    corpus = tmp_path / "corpus dir"
    assert main(["-q", "synth", str(corpus), "--preset", "tiny"]) == 0
    model_dir = tmp_path / "model"
    assert main(["-q", "train", "--corpus", str(corpus), "--task", "valence", "--out", str(model_dir), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "valence: stage-1 ranking:" in out and "| valence validation, paper clips |" in out
    assert json.loads((model_dir / "model.json").read_text())["tasks"] == ["valence"]
    for name in ("config.json", "weights.safetensors", "ranking.json", "train_log.jsonl", "metrics.json"):
        assert (model_dir / "valence" / name).is_file()
    log_lines = [json.loads(ln) for ln in (model_dir / "valence" / "train_log.jsonl").read_text().splitlines()]
    assert any(r["event"] == "epoch" and r["stage"].startswith("stage1/") for r in log_lines)
    assert any(r["stage"] == "inter_clip" for r in log_lines if r["event"] == "epoch")
    assert any(r["event"] == "context" for r in log_lines)  # kept or dropped on validation, logged

    # evaluate writes only where --json / --out say: the model directory keeps every file as it was
    before = _snapshot(model_dir)
    report_path, record_dir = tmp_path / "report.json", tmp_path / "evaluations"
    assert main(["-q", "evaluate", str(model_dir), "--corpus", str(corpus), "--json", str(report_path),
                 "--out", str(record_dir)]) == 0
    report = json.loads(report_path.read_text())
    assert report["task"] == "valence" and report["movies"] == 3 and report["clip_stride"] == 1
    assert report["final"]["per_second"]["n"] == sum(
        m["seconds"] for m in json.loads((corpus / "corpus.json").read_text())["movies"] if m["split"] == "test")
    assert json.loads((record_dir / "metrics.json").read_text()) == {"evaluation:test:stride1": {"valence": report}}
    # without --json / --out it prints only
    capsys.readouterr()
    assert main(["-q", "evaluate", str(model_dir), "--corpus", str(corpus)]) == 0
    assert "valence test" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus dir", "evaluations", "model", "report.json"]
    assert list(record_dir.iterdir()) == [record_dir / "metrics.json"]
    assert _snapshot(model_dir) == before
    for flag, inside in (("--json", model_dir / "report.json"), ("--out", model_dir / "valence")):
        assert main(["-q", "evaluate", str(model_dir), "--corpus", str(corpus), flag, str(inside)]) == 2
        assert "inside the model directory" in capsys.readouterr().err
    assert _snapshot(model_dir) == before

    pred_dir = tmp_path / "pred"
    assert main(["-q", "predict", str(model_dir), "--corpus", str(corpus), "--out", str(pred_dir)]) == 0
    files = sorted(pred_dir.glob("*.csv"))
    assert len(files) == 3
    assert len(list(pred_dir.glob("*.png"))) == 3 and len(list(pred_dir.glob("*.html"))) == 3
    # plain CSV: the first line is the header, read as it is; the model card is in the JSON beside it
    rows = list(csv.reader(files[0].read_text().splitlines()))
    assert not any(row and row[0].startswith("#") for row in rows)
    assert "training_data" in json.loads(files[0].with_suffix(".json").read_text())["model"]
    meta = json.loads((corpus / "corpus.json").read_text())
    seconds = {m["id"]: m["seconds"] for m in meta["movies"]}
    assert rows[0][:5] == ["time_s", "valence", "valence_low", "valence_high", "valence_intra"]
    assert "valence_contrib_audio" in rows[0] and "audio_present" in rows[0]
    assert len(rows) - 1 == seconds[files[0].name.removesuffix(".csv")]


@pytest.mark.slow
def test_train_takes_a_corpus_directory_as_dataset(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    assert main(["-q", "synth", str(corpus), "--preset", "tiny"]) == 0
    model_dir = tmp_path / "model"
    assert main(["-q", "train", "--dataset", str(corpus), "--out", str(model_dir), *SMALL]) == 0
    meta = json.loads((model_dir / "model.json").read_text())
    assert meta["tasks"] == ["valence", "arousal"] and meta["info"]["training_movies"] == 7


def test_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["-q", "train", "--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "m")]) == 2
    assert "corpus.json not found" in capsys.readouterr().err
    assert main(["-q", "evaluate", str(tmp_path), "--synthetic", "tiny"]) == 2
    assert "model.json is missing" in capsys.readouterr().err
    assert main(["-q", "train", "--synthetic", "tiny", "--modalities", "audio,smell", "--out", str(tmp_path / "m")]) == 2
    assert "--modalities: ['smell'] are not in the data" in capsys.readouterr().err


def test_train_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "m"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert main(["-q", "train", "--synthetic", "tiny", "--out", str(out), *SMALL]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "keep.txt").exists()
