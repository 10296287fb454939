"""`videoaffect annotations merge`: reading traces (ours and LIRIS-ACCEDE GTrace), resampling to
one value per second, merging, the errors, and the match with the official LIRIS-ACCEDE means."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from tests.helpers import SHARED

from videoaffect.cli.main import main
from videoaffect.datasets.audience.merge import merge_traces, per_second
from videoaffect.datasets.audience.official import compare, gaussian_smooth
from videoaffect.datasets.audience.traces import TraceError, read_trace
from videoaffect.datasets.manifest import GenericDataset

CONTINUOUS = SHARED / "data" / "liris-accede-continuous"
needs_raw = pytest.mark.skipif(not (CONTINUOUS / "raw").is_dir(),
                               reason=f"{CONTINUOUS}/raw (LIRIS-ACCEDE GTrace files) is absent")


def write_trace(path: Path, rows, rater="Ann", task="valence", video="film.mp4", sha="ab" * 32) -> Path:
    head = ["# videoaffect-trace/1", f"# rater: {rater}", f"# task: {task}", "# scale: -1 = negative, 1 = positive",
            f"# video: {video}", f"# video_sha256: {sha}", "# page_version: 1", "# sample_rate_hz: 10",
            "# created: 2026-12-07T05:10:00Z", "time_s\tvalue"]
    body = [r if isinstance(r, str) else f"{r[0]:.3f}\t{r[1]:.4f}" for r in rows]
    path.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- resampling and merging
def test_per_second_means_the_samples_of_each_second_and_bridges_a_gap(tmp_path):
    # second 0: 0.1, 0.3 -> 0.2; second 1: no sample (between 0.2 and 0.6 -> 0.4); second 2: 0.6
    tr = read_trace(write_trace(tmp_path / "a.trace.tsv", [(0.0, 0.1), (0.5, 0.3), (2.0, 0.5), (2.9, 0.7)]))
    np.testing.assert_allclose(per_second(tr), [0.2, 0.4, 0.6])
    # a trace starting late is NaN before its first second
    late = read_trace(write_trace(tmp_path / "b.trace.tsv", [(1.2, -0.5), (1.7, -0.5)], rater="Bob"))
    np.testing.assert_allclose(per_second(late, 3), [np.nan, -0.5, np.nan])


def test_merge_mean_std_ddof0_and_raters_over_traces_of_different_lengths(tmp_path):
    a = read_trace(write_trace(tmp_path / "a.trace.tsv", [(0.0, 0.2), (1.0, 0.4), (2.5, 0.6)]))
    b = read_trace(write_trace(tmp_path / "b.trace.tsv", [(0.05, 0.0), (1.4, 0.0)], rater="Bob"))
    m = merge_traces([a, b], method="mean")
    np.testing.assert_allclose(m.mean, [0.1, 0.2, 0.6])
    np.testing.assert_allclose(m.std, [0.1, 0.2, 0.0])  # population std of two: |a - b| / 2
    assert m.count.tolist() == [2, 2, 1] and m.raters == ("Ann", "Bob")
    # a trace ending less than 1 s before the last one is held at its last value to the end
    c = read_trace(write_trace(tmp_path / "c.trace.tsv", [(0.05, 0.0), (1.6, -0.2)], rater="Cid"))
    held = merge_traces([a, c], method="mean")
    np.testing.assert_allclose(held.mean, [0.1, 0.1, 0.2])
    assert held.count.tolist() == [2, 2, 2]


def test_ewe_weighs_raters_by_their_r_with_the_mean_and_a_rater_against_the_rest_by_zero(tmp_path):
    t = np.arange(0, 40, 0.5)
    up = np.sin(t / 6)
    rows = {"Ann": up, "Bob": 0.5 * up + 0.2, "Eve": -up}
    traces = [read_trace(write_trace(tmp_path / f"{r}.trace.tsv", list(zip(t, v)), rater=r)) for r, v in rows.items()]
    plain, ewe = merge_traces(traces, method="gaussian"), merge_traces(traces, method="ewe")
    # Eve (r = -1 with the mean of all, which follows Ann and Bob) weighs 0; Ann and Bob (r = 1) weigh the same
    smooth = np.vstack([gaussian_smooth(per_second(tr, 40), 6.0) for tr in traces])
    np.testing.assert_allclose(ewe.mean, smooth[:2].mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(ewe.std, plain.std)  # Std stays the unweighted spread of all raters


def test_gaussian_smoothing_keeps_a_constant_and_renormalises_at_the_ends():
    flat = np.full(20, 0.3)
    np.testing.assert_allclose(gaussian_smooth(flat, 6.0), flat)  # cut kernel at the ends: no pull to 0
    step = np.r_[np.zeros(10), np.ones(10)]
    s = gaussian_smooth(step, 2.0)
    assert np.all(np.diff(s) >= 0) and 0 < s[9] < 0.5 < s[10] < 1  # monotone, symmetric about the step
    np.testing.assert_allclose(s[9] + s[10], 1.0)
    gap = np.r_[np.nan, np.nan, np.full(5, 0.5)]
    assert np.isnan(gaussian_smooth(gap, 2.0)[:2]).all()  # seconds the rater did not cover stay empty


def test_cli_merge_writes_labels_and_agreement_and_drops_a_rater(tmp_path, capsys):
    t = np.arange(0, 6, 0.1)
    up = [(x, min(1.0, x / 6)) for x in t]
    ann = write_trace(tmp_path / "film_Valence_Ann.trace.tsv", up)
    bob = write_trace(tmp_path / "film_Valence_Bob.trace.tsv", [(x, v * 0.8) for x, v in up], rater="Bob")
    cid = write_trace(tmp_path / "film_Valence_Cid.trace.tsv", [(x, v * 0.9) for x, v in up], rater="Cid")
    eve = write_trace(tmp_path / "film_Valence_Eve.trace.tsv", [(x, -v) for x, v in up], rater="Eve")
    out = tmp_path / "labels.tsv"
    given = [str(ann), str(bob), str(cid), str(eve)]
    assert main(["annotations", "merge", *given, "--out", str(out), "--method", "mean"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"Eve: r with the others' mean -1\.00  <- far from the rest; consider --drop Eve", printed)
    lines = out.read_text().splitlines()
    assert lines[0] == "Time\tMean\tStd\tRaters" and len(lines) == 7 and lines[1].startswith("0\t")
    report = json.loads((tmp_path / "labels.agreement.json").read_text())
    assert report["task"] == "valence" and report["seconds_compared"] == 6
    assert [r["flagged"] for r in report["per_rater"]] == [False, False, False, True]
    assert report["pairwise_r"]["Ann | Bob"] == pytest.approx(1.0)
    # dropping the flagged rater: the mean is Ann's, Bob's and Cid's
    js = tmp_path / "agree.json"
    assert main(["annotations", "merge", *given, "--out", str(out), "--drop", "Eve",
                 "--json", str(js), "--method", "mean"]) == 0
    rows = np.loadtxt(out, skiprows=1)
    second0 = np.mean([v for x, v in up if x < 1])
    assert rows[0, 1] == pytest.approx(0.9 * second0, abs=1e-6) and rows[:, 3].tolist() == [3] * 6
    dropped = json.loads(js.read_text())
    assert dropped["dropped"] == ["Eve"] and dropped["mean_pairwise_r"] == pytest.approx(1.0)
    assert main(["annotations", "merge", str(ann), "--out", str(out), "--drop", "Zed"]) == 2
    assert "--drop Zed: no trace is by that rater; the raters are Ann" in capsys.readouterr().err


def test_a_manifest_column_reads_the_merged_file(tmp_path):
    ann = write_trace(tmp_path / "a.trace.tsv", [(x, 0.5) for x in np.arange(0, 4, 0.1)])
    bob = write_trace(tmp_path / "b.trace.tsv", [(x, 0.1) for x in np.arange(0, 3, 0.1)], rater="Bob")
    # into a folder that does not exist yet, as README's commands do (labels/...)
    assert main(["annotations", "merge", str(ann), str(bob), "--out", str(tmp_path / "labels" / "film_valence.tsv")]) == 0
    assert (tmp_path / "labels" / "film_valence.agreement.json").is_file()
    (tmp_path / "film.mp4").write_bytes(b"x")
    (tmp_path / "list.csv").write_text("video,valence\nfilm.mp4,labels/film_valence.tsv\n")
    labels = GenericDataset(tmp_path / "list.csv").annotation("film")
    np.testing.assert_allclose(labels.valence, [0.3, 0.3, 0.3, 0.5], atol=1e-6)
    assert np.isnan(labels.arousal).all()


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("row, match", [
    ("0.100\t0.5\t1", r"a\.trace\.tsv:12: .* is not 'time<TAB>value'"),
    ("0.100\tabc", r"a\.trace\.tsv:12: .* holds something other than two numbers"),
    ("0.100\tnan", r"a\.trace\.tsv:12: .* is not a finite number"),
    ("0.100\t1.5", r"a\.trace\.tsv:12: value 1\.5 lies outside \[-1, 1\]"),
    ("0.000\t0.5", r"a\.trace\.tsv:12: time 0\.0 does not follow 0\.0 \(line 11\); times must increase"),
])
def test_bad_samples_name_the_file_line_and_fix(tmp_path, row, match):
    path = write_trace(tmp_path / "a.trace.tsv", ["0.000\t0.0", row])
    with pytest.raises(TraceError, match=match):
        read_trace(path)


def test_traces_of_other_videos_or_tasks_or_one_rater_twice_are_errors_naming_both(tmp_path, capsys):
    a = write_trace(tmp_path / "a.trace.tsv", ["0.000\t0.1"])
    cases = [(write_trace(tmp_path / "b.trace.tsv", ["0.000\t0.1"], rater="B", task="arousal"),
              "rates valence but .*b.trace.tsv rates arousal"),
             (write_trace(tmp_path / "c.trace.tsv", ["0.000\t0.1"], rater="C", sha="cd" * 32),
              "rate different videos"),
             (write_trace(tmp_path / "d.trace.tsv", ["0.000\t0.1"], rater="D", video="other.mp4", sha=""),
              "rate different videos .*'film.mp4' vs 'other.mp4'"),
             (write_trace(tmp_path / "e.trace.tsv", ["0.000\t0.1"]), "are both by rater 'Ann'")]
    for other, match in cases:
        assert main(["annotations", "merge", str(a), str(other), "--out", str(tmp_path / "x.tsv")]) == 2
        err = capsys.readouterr().err
        assert str(a) in err and str(other) in err and re.search(match, err), err
    assert not (tmp_path / "x.tsv").exists()


# ----------------------------------------------------------------------------- LIRIS-ACCEDE GTrace files
GTRACE_HEAD = ["02/06/2014 11:27:15", "id3", r"C:\Annotation\Film.mp4", r"C:\Trace2011\valence.jpg", "Valence",
               "-1,1", "255,0,0\t0,255,0\t125,125,125", "0"]


def test_gtrace_format_decimal_commas_bom_and_its_errors(tmp_path):
    path = tmp_path / "id3" / "My_Film_Valence_id3.txt"
    path.parent.mkdir()
    path.write_bytes("\r\n".join(GTRACE_HEAD + ["0,25\t-0,5", "0,75\t0,5", "1,5\t1"]).encode("utf-8-sig"))
    tr = read_trace(path)
    assert (tr.rater, tr.task, tr.video, tr.source) == ("id3", "valence", "My_Film", "gtrace")
    np.testing.assert_allclose(per_second(tr), [0.0, 1.0])
    path.write_bytes("\r\n".join(GTRACE_HEAD + ["0,25\t-0,5", "0,75\t0;5"]).encode("utf-8-sig"))
    with pytest.raises(TraceError, match=r"My_Film_Valence_id3\.txt:10: .* two numbers; .*decimal commas"):
        read_trace(path)
    wrong = tmp_path / "My_Film_Arousal_id3.txt"
    wrong.write_bytes("\r\n".join(GTRACE_HEAD + ["0,25\t-0,5"]).encode("utf-8-sig"))
    with pytest.raises(TraceError, match=r":5: the header rates 'Valence' but the file name says 'Arousal'"):
        read_trace(wrong)


@needs_raw
def test_gtrace_reader_on_a_real_raw_file():
    tr = read_trace(CONTINUOUS / "raw" / "id1" / "Big_Buck_Bunny_Valence_id1.txt")
    assert (tr.rater, tr.task, tr.video, tr.source) == ("id1", "valence", "Big_Buck_Bunny", "gtrace")
    assert len(tr.times) == 52367 and (tr.times[0], tr.values[0]) == (0.23, -0.0030303)
    assert (tr.times[-1], tr.values[-1]) == (596.54, 0.8787879)


@needs_raw
def test_merging_the_raw_traces_of_the_four_films_matches_the_official_means():
    """Bars from the measurement (benchmarks/bench_merge_official.py, docs/benchmarks/merging-raters.md
    "Merging raters: the official LIRIS-ACCEDE means"): Gaussian (sigma 6 s) Mean r 0.9790-0.9992, max |diff| up to
    0.143; Std r 0.9946-0.9994; plain mean r 0.9433-0.9918, 0.0074 or more below the Gaussian's;
    ewe r 0.9880-0.9989.  Margins: 0.004 on r, 0.03 on the difference."""
    for film in ("Big_Buck_Bunny", "Sintel", "Tears_of_Steel", "Elephant_s_Dream"):
        for task in ("Valence", "Arousal"):
            traces = [read_trace(p) for p in sorted((CONTINUOUS / "raw").glob(f"id*/{film}_{task}_id*.txt"))]
            official = CONTINUOUS / "continuous-annotations" / f"{film}_{task}.txt"
            smooth = merge_traces(traces)
            plain = merge_traces(traces, method="mean")
            c, p = compare(smooth.mean, smooth.std, official), compare(plain.mean, plain.std, official)
            assert len(traces) == 5 and abs(c.rows_merged - c.rows_official) <= 1, (film, task)
            assert c.mean_r >= 0.975 and c.mean_max_abs_diff <= 0.173 and c.std_r >= 0.99, (film, task, c)
            assert c.mean_r > p.mean_r + 0.005 and c.std_r > p.std_r, (film, task, c, p)
            ewe = merge_traces(traces, method="ewe")
            assert compare(ewe.mean, ewe.std, official).mean_r >= 0.984, (film, task)
