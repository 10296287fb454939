"""`videoaffect reproduce` from video files in the MediaEval 2018 layout to every table:
generated videos whose labels are visible and audible, the offline default feature set, all
tables (1-4), resumable."""

import json

import pytest

from helpers import SHARED
from videoaffect.cli.main import main
from videoaffect.datasets.synthetic.videos import write_mediaeval_like

pytestmark = pytest.mark.usefixtures("packaged_weights")


def test_reproduce_on_a_tiny_mediaeval_layout_dataset(tmp_path, capsys):
    root = write_mediaeval_like(tmp_path / "MEDIAEVAL18", [0, 1, 2, 3, 4, 54, 55], seconds=(40, 55))
    out = tmp_path / "out"
    args = ["-q", "reproduce", "--dataset", str(root), "--out", str(out), "--fast", "--seeds", "0",
            "--quiet-runs", "--no-progress", "--embedding", "pca"]
    assert main(args) == 0
    for table in ("1", "2", "3", "4"):
        md = (out / f"table{table}.md").read_text()
        assert "paper" in md.lower()
        rows = json.loads((out / f"table{table}.json").read_text())
        assert rows
    table1 = (out / "table1.md").read_text()
    # the default set has no 'action': the paper's action row falls back to our motion modality
    assert "motion" in table1
    # the generated films' scrolling speed follows arousal, so motion alone must predict it well
    # (0.90 on this machine; 0.5 is far from chance on 2 test films of 40-55 s, and far below)
    rows = {r["row"]: r for r in json.loads((out / "table1.json").read_text())["rows"]}
    motion_arousal = rows["Action"]["arousal"]["ours"]["pearson"]["mean"]
    assert motion_arousal > 0.5
    run = json.loads((out / "runs" / "t1-arousal-action-s0.json").read_text())
    assert motion_arousal == pytest.approx(run["metrics"]["pearson"])
    assert list((out / "figures").glob("*.png"))
    assert (out / "features" / "default").is_dir() and len(list((out / "features" / "default").glob("*.h5"))) == 7
    first = capsys.readouterr().out
    assert "trainings run" in first
    # resume: nothing is retrained or re-extracted
    assert main(args) == 0
    assert "0 trainings run" in capsys.readouterr().out


@pytest.mark.skipif(not (SHARED / "data" / "liris-accede-discrete").is_dir(), reason="../shared/data not present")
def test_reproduce_accepts_the_liris_discrete_root(tmp_path):
    out = tmp_path / "out"
    assert main(["-q", "reproduce", "--dataset", str(SHARED / "data" / "liris-accede-discrete"), "--out", str(out),
                 "--fast", "--seeds", "0", "--tables", "1,5", "--quiet-runs", "--no-progress",
                 "--no-figures"]) == 0
    t5 = json.loads((out / "table5.json").read_text())
    assert t5
    assert "n/a" in (out / "table1.md").read_text()  # LIRIS has no expression modality
