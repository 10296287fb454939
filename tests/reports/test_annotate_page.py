"""The annotation page (`videoaffect annotate`): one self-contained page per video with the video's
sha256 and the task's scale in words; bad input refused naming the file and the fix; and, in a real
headless Chromium driven by Selenium with real keys and mouse moves during playback, the trace file
the page downloads is in the videoaffect-trace/1 format, sampled at 10 Hz only while the video
plays, its values the input given, kept across a reload, with seeking blocked in the real run."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from browser import headless_chromium
from videoaffect.cli.main import main
from videoaffect.reports import annotate_page
from videoaffect.reports.annotate_page import KEY_STEP, SAMPLE_RATE_HZ, TRACE_HEADER_KEYS

SECONDS = 4.0  # the browser test's film


@pytest.fixture(scope="module")
def film(tmp_path_factory) -> Path:
    from videoaffect.decoding.synthetic_media import make_video

    folder = tmp_path_factory.mktemp("annotate")
    # H.264 + AAC: Debian's chromium plays it (checked by the browser test, which waits for playback)
    return make_video(folder / "films" / "clip.mp4", SECONDS, size=(64, 48), faststart=True)


def config_of(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="annotate-config">(.*?)</script>', page, re.S)
    assert len(found) == 1
    return json.loads(found[0])


# --------------------------------------------------------------------------- the command and the page
def test_a_page_per_video_self_contained_with_sha256_scale_and_rater(film, tmp_path, capsys):
    other = shutil.copy(film, tmp_path / "other film.mp4")
    out = tmp_path / "pages"
    assert main(["annotate", str(film), str(other), "--task", "arousal", "--out", str(out), "--rater", "Ann"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["clip.arousal.annotate.html", "other film.arousal.annotate.html"]
    assert "clip.arousal.annotate.html (open it in a browser)" in capsys.readouterr().out
    page = (out / "clip.arousal.annotate.html").read_text(encoding="utf-8")
    # (CSS's url() is lowercase; the script's URL.createObjectURL makes the download from the page itself)
    assert not re.search(r"https?:|//[a-z]|<link|<iframe|<img|@import", page, re.I) and "url(" not in page, \
        "the page must not reach any network or external file"
    srcs = re.findall(r'\ssrc="([^"]*)"', page)
    assert len(srcs) == 1 and (out / srcs[0]).resolve() == film.resolve()  # relative to the page, no <script src>
    config = config_of(page)
    assert config["video_sha256"] == hashlib.sha256(film.read_bytes()).hexdigest()
    assert config["video_sha256"] in page.split('id="annotate-config"')[0]  # shown to the rater too
    assert (config["video"], config["stem"], config["task"], config["rater"]) == ("clip.mp4", "clip", "arousal", "Ann")
    assert config["scale"] == "-1 = calm, 1 = excited" and config["sample_rate_hz"] == 10
    assert '<input id="rater" type="text"' in page and 'value="Ann"' in page
    assert '<span class="end low">-1 calm</span>' in page and '<span class="end high">1 excited</span>' in page
    assert annotate_page.script_text() in page and annotate_page.css_text() in page  # the package's assets, inline
    for asset in (annotate_page.script_text(), annotate_page.css_text()):
        assert "</script" not in asset.lower() and "</style" not in asset.lower() and "<!--" not in asset
    assert "seeking back (or forward) returns it to the furthest" in page and "Pausing stops the reading" in page
    spaced = (out / "other film.arousal.annotate.html").read_text(encoding="utf-8")
    assert re.findall(r'\ssrc="([^"]*)"', spaced) == ["../other%20film.mp4"]
    assert config_of(spaced)["stem"] == "other film"


def test_a_name_that_could_end_the_script_is_escaped(film, tmp_path):
    evil = "</script><script>alert(1)</script><!--"
    page_path = annotate_page.write_annotate_page(film, tmp_path, "valence", rater=evil)
    page = page_path.read_text(encoding="utf-8")
    assert page.count("</script>") == 2 and "alert(1)</script>" not in page
    assert config_of(page)["rater"] == evil


@pytest.mark.parametrize("case", ["missing", "not a video", "folder"])
def test_a_bad_video_fails_alone_naming_the_file(film, tmp_path, capsys, case):
    bad = tmp_path / "bad.mp4"
    if case == "not a video":
        bad.write_text("this is no film\n")
    elif case == "folder":
        bad.mkdir()
    out = tmp_path / "new" / "pages"
    assert main(["annotate", str(bad), "--task", "valence", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and err.startswith("videoaffect: error:")
    assert not (tmp_path / "new").exists(), "a failed command leaves no folder behind"
    # beside a good one: the good page is written, the bad one named, exit code 2
    assert main(["annotate", str(bad), str(film), "--task", "valence", "--out", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["clip.valence.annotate.html"]
    assert str(bad) in capsys.readouterr().err


def test_a_film_browsers_may_not_play_is_warned_and_two_films_of_one_name_are_refused(film, tmp_path, capsys):
    avi = shutil.copy(film, tmp_path / "film.avi")  # H.264 in a file named .avi: the suffix is what browsers judge
    twin = shutil.copy(film, tmp_path / "clip.mp4")
    out = tmp_path / "pages"
    assert main(["annotate", str(avi), str(film), str(twin), "--task", "valence", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith(f"videoaffect: warning: {avi} is h264 video in a .avi file, which browsers may not play")
    assert "re-encode it to H.264 MP4" in err[0]
    assert err[1] == (f"videoaffect: error: {twin} and {film} have the same name (clip), so their pages would be one "
                      "file; give them different names or run annotate once per folder with its own --out")
    assert sorted(p.name for p in out.iterdir()) == ["clip.valence.annotate.html", "film.valence.annotate.html"]
    assert config_of((out / "clip.valence.annotate.html").read_text())["video_src"].endswith("films/clip.mp4")


def test_an_out_that_is_a_file_and_an_unknown_task_are_refused(film, tmp_path, capsys):
    file = tmp_path / "pages.txt"
    file.write_text("x")
    assert main(["annotate", str(film), "--task", "valence", "--out", str(file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out {file} is a file; give a directory" in err
    with pytest.raises(SystemExit) as exc:
        main(["annotate", str(film), "--task", "joy", "--out", str(tmp_path / "p")])
    assert exc.value.code == 2
    assert "invalid choice 'joy'" in capsys.readouterr().err and not (tmp_path / "p").exists()


# --------------------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium whose downloads land in a folder of the test's (no network needed)."""
    driver = headless_chromium(tmp_path_factory.mktemp("chromium-profile"),
                               "the annotation page's browser tests drive them",
                               ("--autoplay-policy=no-user-gesture-required",))
    downloads = tmp_path_factory.mktemp("downloads")
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver, downloads
    driver.quit()


def wait_for(driver, script: str, message: str, timeout: float = 10) -> None:
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: d.execute_script(script), message)


def press(driver, *keys: str) -> None:
    """Real key presses (to the focused element: the page's body)."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def click(driver, element_id: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).click(driver.find_element("id", element_id)).perform()


def now(driver) -> float:
    return driver.execute_script('return document.getElementById("video").currentTime;')


def state(driver) -> dict:
    return driver.execute_script(
        'var r = document.getElementById("annotate"), v = document.getElementById("video");'
        'return {samples: +r.dataset.samples, value: +r.dataset.value, furthest: +r.dataset.furthest,'
        ' snaps: +r.dataset.snaps, rater: r.dataset.rater, storage: r.dataset.storage, time: v.currentTime,'
        ' paused: v.paused, status: document.getElementById("status").textContent};')


def played_to(driver, t: float) -> None:
    wait_for(driver, f'return document.getElementById("video").currentTime >= {t};', f"the video did not reach {t} s")


def open_page(driver, page: Path) -> None:
    driver.get(page.as_uri())
    wait_for(driver, 'return document.getElementById("annotate").dataset.ready === "1" && '
                     'document.getElementById("video").readyState >= 2;',
             "the page's script did not run or the video did not load (can this chromium play H.264?)")


def read_trace(path: Path) -> tuple[list[str], np.ndarray]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw  # UTF-8 without BOM, LF line ends
    lines = raw.decode("utf-8").split("\n")
    assert lines[-1] == ""
    head = [line for line in lines if line.startswith("#")]
    assert lines[len(head)] == "time_s\tvalue"
    rows = [line.split("\t") for line in lines[len(head) + 1:-1]]
    assert all(re.fullmatch(r"\d+\.\d{3}", t) and re.fullmatch(r"-?\d\.\d{4}", v) for t, v in rows), rows[:3]
    return head, np.array([[float(t), float(v)] for t, v in rows])


def between(trace: np.ndarray, start: float, end: float) -> np.ndarray:
    return trace[(trace[:, 0] > start) & (trace[:, 0] < end), 1]


def test_keys_and_mouse_during_playback_survive_a_reload_and_save_as_the_trace(browser, film, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver, downloads = browser
    assert main(["annotate", str(film), "--task", "valence", "--out", str(tmp_path), "--rater", "Ann", "-q"]) == 0
    open_page(driver, tmp_path / "clip.valence.annotate.html")
    assert state(driver)["samples"] == 0 and state(driver)["value"] == 0
    margin = 0.25  # s of video between an input and the first sample sure to show it (a sample is 0.1 s)

    press(driver, Keys.SPACE)  # Space plays (the page's key, a real key press)
    played_to(driver, 0.5)
    keys_from = now(driver)
    press(driver, *[Keys.ARROW_UP] * 5)
    keys_to = now(driver)
    played_to(driver, 1.2)
    press(driver, Keys.SPACE)  # pause: nothing is sampled for 0.6 s of wall time
    paused = state(driver)
    time.sleep(0.6)
    assert state(driver)["samples"] == paused["samples"] and paused["paused"]
    press(driver, Keys.SPACE)
    played_to(driver, 1.7)
    track = driver.find_element("id", "track")
    width = track.size["width"]
    mouse_from = now(driver)
    # hover a quarter of the way along the scale: -0.5 (moves are from the track's centre)
    ActionChains(driver).move_to_element_with_offset(track, -round(width / 4), 0).perform()
    mouse_to = now(driver)
    hovered = state(driver)["value"]
    # a quarter along the track is -0.5, within 2 pixels (one is 2 / width of the scale; Selenium rounds
    # the offset from the centre, and the pointer lands on a whole pixel)
    assert abs(hovered + 0.5) < 2 * 2 / width, (hovered, width)
    played_to(driver, 2.3)

    before_reload = state(driver)
    driver.refresh()  # mid-way, while playing: the stored trace is kept and the page resumes
    open_page_t = time.monotonic()
    wait_for(driver, 'return document.getElementById("annotate").dataset.ready === "1" && '
                     'document.getElementById("video").readyState >= 2;', "the page did not reload")
    wait_for(driver, 'var v = document.getElementById("video"); return !v.seeking && '
                     'Math.abs(v.currentTime - document.getElementById("annotate").dataset.furthest) < 0.01;',
             "the reloaded page did not resume at the furthest point rated")
    resumed = state(driver)
    assert resumed["samples"] >= before_reload["samples"] > 15 and resumed["rater"] == "Ann"
    assert resumed["storage"] == "ok"
    assert resumed["value"] == pytest.approx(hovered, abs=1e-4) and "Resumed Ann's trace" in resumed["status"]
    assert time.monotonic() - open_page_t < 5

    # seeking back in the real run: the video returns to the furthest point
    driver.execute_script('document.getElementById("video").currentTime = 0.5;')  # what the seek bar does
    wait_for(driver, 'return document.getElementById("annotate").dataset.snaps === "1" && '
                     '!document.getElementById("video").seeking;', "the seek back was not undone")
    assert now(driver) == pytest.approx(resumed["furthest"], abs=0.01)
    assert "Seeking is off in the real run" in state(driver)["status"]
    driver.execute_script('document.getElementById("video").playbackRate = 2;')  # the controls' speed menu
    wait_for(driver, 'return document.getElementById("video").playbackRate === 1;', "the real run played faster")
    # practice run: seeking is free and nothing is recorded; leaving it returns to the furthest point
    click(driver, "practice")
    driver.execute_script('document.getElementById("video").currentTime = 0.5;')
    press(driver, Keys.SPACE)
    played_to(driver, 0.9)
    practice = state(driver)
    assert practice["time"] < resumed["furthest"] and practice["samples"] == resumed["samples"]
    assert practice["snaps"] == 1
    click(driver, "practice")
    wait_for(driver, 'var v = document.getElementById("video"); return v.paused && !v.seeking && '
                     'Math.abs(v.currentTime - document.getElementById("annotate").dataset.furthest) < 0.01;',
             "leaving the practice run did not return to the furthest point")

    press(driver, Keys.SPACE)
    played_to(driver, 3.0)
    down_from = now(driver)
    press(driver, *[Keys.ARROW_DOWN] * 3)
    down_to = now(driver)
    wait_for(driver, 'return document.getElementById("video").ended;', "the video did not play to its end")
    click(driver, "save")
    saved = downloads / "clip_Valence_Ann.trace.tsv"
    deadline = time.monotonic() + 5
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert saved.exists(), f"no download; the folder holds {sorted(p.name for p in downloads.iterdir())}"

    head, trace = read_trace(saved)
    fields = [re.fullmatch(r"# ([a-z_0-9]+): (.*)", line) for line in head[1:]]
    assert head[0] == "# videoaffect-trace/1" and all(fields)
    header = {m.group(1): m.group(2) for m in fields}
    assert tuple(header) == TRACE_HEADER_KEYS
    assert header["rater"] == "Ann" and header["task"] == "valence"
    assert header["scale"] == "-1 = negative, 1 = positive" and header["video"] == "clip.mp4"
    assert header["video_sha256"] == hashlib.sha256(film.read_bytes()).hexdigest()
    assert header["page_version"] == "1" and header["sample_rate_hz"] == str(SAMPLE_RATE_HZ)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", header["created"])

    times, values = trace[:, 0], trace[:, 1]
    # one pass through the film at 10 Hz: the pause, the reload, the seek back and the practice run
    # added no sample (times only increase, and there are ~10 per second of film, not of wall time)
    assert np.all(np.diff(times) > 0) and times[0] < 0.35 and times[-1] > SECONDS - 0.35
    steps = np.diff(times)
    # a busy machine (CI: 2 cores for everything) delays the page's timer now and then: up to 0.49 s
    # between two samples was seen once in 8 runs; the median step is the sample rate's
    assert 0.08 < np.median(steps) < 0.125 and steps.max() < 0.75, steps
    # each of the 4 starts of playback (first, after the pause, the reload, the practice run) restarts
    # the timer's phase and may add one short step
    assert 0.8 * SAMPLE_RATE_HZ * SECONDS <= len(times) <= SAMPLE_RATE_HZ * SECONDS + 1 + 4
    # the values are the input given
    assert np.all(between(trace, 0, keys_from) == 0)
    assert np.all(between(trace, keys_to + margin, mouse_from) == pytest.approx(5 * KEY_STEP))
    after_hover = between(trace, mouse_to + margin, down_from)
    assert len(after_hover) >= 4 and np.all(after_hover == pytest.approx(hovered, abs=1e-4))
    assert np.all(between(trace, down_to + margin, SECONDS + 1) == pytest.approx(hovered - 3 * KEY_STEP, abs=1e-4))
    assert len(between(trace, down_to + margin, SECONDS + 1)) >= 5
    assert np.all((values >= -1) & (values <= 1))

    # Start over (confirmed) erases the stored trace: a reload finds nothing
    click(driver, "start-over")
    driver.switch_to.alert.accept()
    wait_for(driver, 'return document.getElementById("annotate").dataset.samples === "0";', "Start over kept the trace")
    open_page(driver, tmp_path / "clip.valence.annotate.html")
    assert state(driver)["samples"] == 0


def test_no_recording_without_a_rater_name_and_a_full_storage_is_said_and_saving_still_works(browser, film, tmp_path):
    from selenium.webdriver.common.keys import Keys

    driver, downloads = browser
    assert main(["annotate", str(film), "--task", "arousal", "--out", str(tmp_path), "-q"]) == 0
    open_page(driver, tmp_path / "clip.arousal.annotate.html")
    press(driver, Keys.SPACE)
    wait_for(driver, 'return document.getElementById("status").textContent.indexOf("Enter your name") === 0;',
             "playing without a name was not refused")
    assert state(driver)["paused"] and state(driver)["samples"] == 0
    # the browser's storage filled by other pages: the page says so and keeps the trace in memory
    driver.execute_script('var size = 1e6, n = 0; while (size >= 1) { try { localStorage.setItem("filler" + n, '
                          '"x".repeat(size)); n++; } catch (e) { size = Math.floor(size / 10); } }')
    try:
        driver.find_element("id", "rater").send_keys("  Bo  B/ ", Keys.TAB)  # typed, then leaves the field
        assert state(driver)["rater"] == "Bo B/"
        driver.find_element("tag name", "h1").click()  # focus back on the page, so Space is the page's
        press(driver, Keys.SPACE)
        wait_for(driver, 'return +document.getElementById("annotate").dataset.samples >= 3;', "Bo B's rating did not record")
        press(driver, Keys.SPACE)
        assert state(driver)["storage"] == "failed"
        assert driver.find_element("id", "storage-warning").is_displayed()
        click(driver, "save")
        saved = downloads / "clip_Arousal_Bo-B-.trace.tsv"  # the name made one safe word for a file name
        deadline = time.monotonic() + 5
        while not saved.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        head, trace = read_trace(saved)
        assert "# rater: Bo B/" in head and "# task: arousal" in head and len(trace) == state(driver)["samples"]
    finally:
        driver.execute_script("localStorage.clear();")


def test_a_page_written_for_the_next_rater_opens_with_that_rater_in_the_same_tab(browser, film, tmp_path):
    # one laptop, raters in turn: the page written with --rater Bob, opened in the tab where Ann rated,
    # starts as Bob with an empty trace (0.7.0's first version resumed Ann there, the film over)
    from selenium.webdriver.common.keys import Keys

    driver, _ = browser
    try:
        assert main(["annotate", str(film), "--task", "valence", "--out", str(tmp_path / "a"), "--rater", "Ann",
                     "-q"]) == 0
        open_page(driver, tmp_path / "a" / "clip.valence.annotate.html")
        press(driver, Keys.SPACE)
        wait_for(driver, 'return +document.getElementById("annotate").dataset.samples >= 3;', "Ann's rating did not record")
        press(driver, Keys.SPACE)
        assert state(driver)["rater"] == "Ann"
        assert main(["annotate", str(film), "--task", "valence", "--out", str(tmp_path / "b"), "--rater", "Bob",
                     "-q"]) == 0
        open_page(driver, tmp_path / "b" / "clip.valence.annotate.html")
        now_state = state(driver)
        assert now_state["rater"] == "Bob" and now_state["samples"] == 0, now_state
        assert driver.find_element("id", "rater").get_attribute("value") == "Bob"
        driver.refresh()  # a reload of Bob's page stays Bob's
        open_page(driver, tmp_path / "b" / "clip.valence.annotate.html")
        assert state(driver)["rater"] == "Bob"
    finally:
        driver.execute_script("localStorage.clear(); sessionStorage.clear();")
