"""Command-line conventions: version, -q/-v anywhere, defaults in help, one name per thing,
checks before any work starts, one error line for user errors and a traceback for bugs."""

import signal
import subprocess
import sys

import pytest

import videoaffect
from helpers import lock_held_by_another_process
from videoaffect.cli import main as cli_main
from videoaffect.cli.main import build_parser, main
from videoaffect.core.errors import BusyError, ConfigError
from videoaffect.core.locks import LOCK_NAME, OutputLock


def _subparsers(parser):
    return parser._subparsers._group_actions[0].choices


def _all_parsers():
    out = []
    for name, sub in _subparsers(build_parser()).items():
        out.append((name, sub))
        if sub._subparsers is not None:
            for child, p in sub._subparsers._group_actions[0].choices.items():
                out.append((f"{name} {child}", p))
    return out


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("videoaffect: error: ") and err.count("\n") == 1, err
    return err


def test_version_and_python_dash_m():
    res = subprocess.run([sys.executable, "-m", "videoaffect", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip() == f"videoaffect {videoaffect.__version__}"
    assert videoaffect.__version__ not in ("", "unknown")


def test_help_of_every_command_imports_no_heavy_module():
    # --help is fast because torch, PyAV and the extractors are imported only when a command runs.
    code = (
        "import sys\n"
        "from videoaffect.cli.main import build_parser\n"
        "p = build_parser(); p.format_help()\n"
        "subs = p._subparsers._group_actions[0].choices\n"
        "[s.format_help() for s in subs.values()]\n"
        "print(sorted(m for m in ('torch', 'av', 'cv2', 'opensmile', 'pandas', 'matplotlib', 'sklearn') "
        "if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize("position", ["before", "after"])
def test_quiet_and_verbose_before_or_after_the_command(position):
    p = build_parser()
    for flag, level in (("-q", -1), ("--quiet", -1), ("-v", 1), ("--verbose", 1)):
        argv = [flag, "synth", "x"] if position == "before" else ["synth", "x", flag]
        assert p.parse_args(argv).verbosity == level
    assert p.parse_args(["synth", "x"]).verbosity == 0
    assert p.parse_args(["-q", "weights", "verify"]).verbosity == -1  # not reset by the nested parser


def test_every_option_has_help_and_shows_its_default():
    import argparse

    for name, parser in _all_parsers():
        formatter = parser.formatter_class(prog="x")
        for action in parser._actions:
            if not action.option_strings or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                continue
            if action.help == argparse.SUPPRESS:
                continue  # a hidden old spelling
            assert action.help, f"{name} {action.option_strings}: no help"
            default = action.default
            if default is None or default is False or default is argparse.SUPPRESS or default in ((), []):
                continue
            assert "default" in formatter._get_help_string(action), \
                f"{name} {action.option_strings[0]}: default {default!r} not shown"


def test_same_name_for_the_same_thing():
    names = {name: {s for a in p._actions for s in a.option_strings} for name, p in _all_parsers()}
    for command in ("extract", "train", "evaluate", "reproduce"):
        assert "--feature-set" in names[command], command
    for command in ("train", "evaluate", "predict", "demo", "extract", "reproduce"):
        assert "--device" in names[command] and "--progress" in names[command] and "--no-progress" in names[command]
    # the 0.1 spelling still parses, hidden from help
    args = build_parser().parse_args(["extract", "v.mp4", "--set", "paper", "--out", "s"])
    assert args.feature_set == "paper"
    assert build_parser().parse_args(["extract", "v.mp4", "--out", "s"]).feature_set == "default"


def test_model_and_training_options_come_from_the_config_fields():
    from dataclasses import fields

    from videoaffect.cli.options import flag_of
    from videoaffect.models.config import ModelConfig, TrainConfig

    train = _subparsers(build_parser())["train"]
    by_flag = {s: a for a in train._actions for s in a.option_strings}
    for cls in (ModelConfig, TrainConfig):
        for f in fields(cls):
            if f.metadata.get("cli"):
                action = by_flag[flag_of(f)]
                assert action.help == f.metadata["help"] and action.dest == f.name
    args = build_parser().parse_args(["train", "--synthetic", "tiny", "--out", "m", "--class-thresholds=-0.5,0.5",
                                      "--modality-order", "audio,scene", "--ema-zero-lag"])
    assert args.class_thresholds == (-0.5, 0.5) and args.modality_order == ("audio", "scene") and args.ema_zero_lag


def test_bad_numbers_and_devices_fail_in_the_parser(capsys):
    for argv, needle in (
        (["predict", "v.mp4", "--model", "m", "--out", "o", "--workers", "0"], "--workers: 0 must be at least 1"),
        (["extract", "v.mp4", "--out", "o", "--workers", "-2"], "--workers: -2 must be at least 1"),
        (["train", "--synthetic", "tiny", "--out", "m", "--device", "gpu"], "'gpu' is not a device"),
        (["train", "--synthetic", "tiny", "--out", "m", "--clip-stride", "0"], "--clip-stride: 0 must be at least 1"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert needle in err, err
        assert "privateuseone" not in err  # not torch's list of device types


def test_config_errors_name_the_flag_the_user_typed(tmp_path, capsys):
    err = _error(capsys, ["train", "--synthetic", "tiny", "--out", str(tmp_path / "m"), "--dropout", "1.5"])
    assert "--dropout must be in [0, 1)" in err
    err = _error(capsys, ["train", "--synthetic", "tiny", "--out", str(tmp_path / "m"), "--val-fraction", "1"])
    assert "--val-fraction must be in (0, 1)" in err
    assert not (tmp_path / "m").exists()  # refused before any work


def test_output_paths_that_are_files_are_refused_before_work(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not a video")
    model = tmp_path / "model"
    assert "--out" in _error(capsys, ["extract", str(video), "--out", str(a_file)])
    assert "--out" in _error(capsys, ["predict", str(video), "--model", str(model), "--out", str(a_file)])
    assert "--out" in _error(capsys, ["train", "--synthetic", "tiny", "--out", str(a_file)])
    assert "is a file" in _error(capsys, ["synth", str(a_file)])
    assert "--out" in _error(capsys, ["reproduce", "--synthetic", "tiny", "--out", str(a_file)])
    assert "--out" in _error(capsys, ["demo", "--out", str(a_file / "sub")])
    assert "--json" in _error(capsys, ["evaluate", str(model), "--synthetic", "tiny", "--json", str(tmp_path)])
    assert a_file.read_text() == "x"


def test_scheduler_without_the_dask_backend_is_refused_alike_before_work(tmp_path, capsys):
    # extract, train, evaluate and predict share one check (0.6 refused it in predict only; the others ignored it)
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not a video")
    out = tmp_path / "out"
    for argv in (["extract", str(video), "--out", str(out)],
                 ["train", "--dataset", str(tmp_path), "--out", str(out)],
                 ["evaluate", str(tmp_path / "model"), "--synthetic", "tiny", "--out", str(out)],
                 ["predict", str(video), "--model", str(tmp_path / "model"), "--out", str(out)]):
        err = _error(capsys, [*argv, "--scheduler", "tcp://host:8786"])
        assert "--scheduler" in err and "--backend dask" in err, (argv[0], err)
        assert not out.exists(), argv[0]


def test_evaluate_leaves_the_model_alone_when_its_own_output_is_bad(tmp_path, capsys):
    corpus = tmp_path / "c"
    assert main(["-q", "synth", str(corpus), "--preset", "tiny"]) == 0
    model = tmp_path / "m"
    assert main(["-q", "train", "--corpus", str(corpus), "--task", "valence", "--out", str(model),
                 "--hidden-size", "8", "--head-hidden", "8", "--context-hidden", "4", "--max-epochs", "1"]) == 0
    before = (model / "valence" / "metrics.json").read_bytes()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder is needed")
    err = _error(capsys, ["evaluate", str(model), "--corpus", str(corpus), "--json", str(blocker / "r.json")])
    assert "--json" in err and "cannot be created" in err
    assert (model / "valence" / "metrics.json").read_bytes() == before


def test_synth_never_mixes_two_corpora(tmp_path, capsys):
    out = tmp_path / "corpus"
    assert main(["-q", "synth", str(out), "--preset", "tiny", "--seed", "1"]) == 0
    first = sorted(p.name for p in (out / "movies").iterdir())
    stale = out / "movies" / "stale-movie.npz"
    stale.write_bytes(b"left from an older corpus")
    err = _error(capsys, ["synth", str(out), "--preset", "tiny"])
    assert "--overwrite" in err
    assert main(["-q", "synth", str(out), "--preset", "tiny", "--overwrite"]) == 0
    assert sorted(p.name for p in (out / "movies").iterdir()) == first  # the stale file is gone
    other = tmp_path / "not-a-corpus"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    err = _error(capsys, ["synth", str(other), "--overwrite"])
    assert "holds no corpus" in err and (other / "notes.txt").is_file()


def test_weights_without_action_lists_and_verify_fails_on_a_bad_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VIDEOAFFECT_WEIGHTS_DIR", str(tmp_path))
    assert main(["weights"]) == 0
    listing = capsys.readouterr().out
    assert "mtcnn" in listing.lower() and f"cache: {tmp_path}" in listing
    assert main(["weights", "verify"]) == 0  # nothing installed: missing is not a failure
    assert "not installed" in capsys.readouterr().out
    from videoaffect.weights import registry

    name = next(n for n, s in registry.REGISTRY.items() if s.wheel is not None)
    (tmp_path / registry.spec(name).filename).write_bytes(b"corrupted")
    assert main(["weights", "verify"]) == 1
    assert f"FAIL     {name}" in capsys.readouterr().out
    assert main(["weights", "verify", "vggish"]) == 1  # named and absent: a failure


def test_user_errors_are_one_line_and_bugs_keep_their_traceback(monkeypatch, capsys, tmp_path):
    def user_error(args):
        raise ConfigError("--thing: a user mistake; fix: do this")

    def bug(args):
        raise ZeroDivisionError("a real bug")

    def interrupted(args):
        raise KeyboardInterrupt

    def missing(args):
        open(tmp_path / "nope" / "x")

    parser = build_parser()
    for func, outcome in ((user_error, 2), (missing, 2), (interrupted, 130)):
        monkeypatch.setattr(cli_main, "build_parser", lambda f=func: _with_func(parser, f))
        assert main(["weights"]) == outcome
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
    monkeypatch.setattr(cli_main, "build_parser", lambda: _with_func(parser, bug))
    with pytest.raises(ZeroDivisionError):
        main(["weights"])


def _with_func(parser, func):
    _subparsers(parser)["weights"].set_defaults(func=func)
    return parser


def test_a_second_writer_of_the_same_output_is_refused(tmp_path, capsys):
    out = tmp_path / "model"
    with lock_held_by_another_process(out, "train") as holder:
        (out / "valence").mkdir()  # what the other process has written so far: busy, not "not empty"
        err = _error(capsys, ["train", "--synthetic", "tiny", "--out", str(out)])
        assert f"pid {holder.pid}" in err and str(out) in err and "`train`" in err
        with pytest.raises(BusyError):
            OutputLock(out, "reproduce").acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the kernel dropped the killed owner's lock: it is taken over, so a killed job never blocks its resume
    assert "not empty" in _error(capsys, ["train", "--synthetic", "tiny", "--out", str(out)])
    lock = OutputLock(out, "train").acquire()
    assert lock.took_over is None  # the refused train above took it over already and released it
    with OutputLock(out, "train") as nested:  # the same process again: re-entrant
        assert nested.took_over is None
    assert (out / LOCK_NAME).exists()
    lock.release()
    assert not (out / LOCK_NAME).exists()
