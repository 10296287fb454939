"""The viewer writes the subtitle text on screen at its cursor (a model with the text modality):
the prediction's "subtitles" block is read again from the video's source, and in a real headless
Chromium a real click and the arrow keys move the cursor onto and off the cues."""

from __future__ import annotations

import pytest
from test_viewer import (  # noqa: F401  (browser: the module's Chromium, a fixture)
    READ_PLOT,
    browser,
    browser_doc,
    click_at,
    make_doc,
    open_page,
    press,
    time_axis,
    value_axis,
    wait_for,
)

from videoaffect.reports.viewer import render_viewer, subtitle_block

SRT = "1\n00:00:01,000 --> 00:00:02,500\nI love <i>this</i>\n\n2\n00:00:04,000 --> 00:00:05,000\nThis is terrible\n"
CUES = [[1.0, 2.5, "I love this"], [4.0, 5.0, "This is terrible"]]


def test_subtitle_block_reads_the_source_again_and_says_when_it_changed(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")  # not opened: the sidecar is found first
    sidecar = tmp_path / "clip.srt"
    sidecar.write_text(SRT, encoding="utf-8")
    from videoaffect.decoding.subtitles import find_subtitles

    inputs = find_subtitles(video).provenance()
    assert subtitle_block(video, inputs) == {"source": "sidecar", "origin": "clip.srt", "cues": CUES}
    sidecar.write_text(SRT.replace("terrible", "fine"), encoding="utf-8")
    assert subtitle_block(video, inputs)["problem"] == "clip.srt changed since its features were extracted"
    assert subtitle_block(video, {"source": "speech-to-text"}) == {"source": "speech-to-text", "origin": ""}
    assert 'id="subtitle"' not in render_viewer(make_doc(None), None)  # no text modality: no line for it


def test_a_real_click_and_the_arrow_keys_show_the_subtitle_at_the_cursor(browser, tmp_path):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    doc = browser_doc(None)
    doc["subtitles"] = {"source": "sidecar", "origin": "clip.srt", "cues": CUES}
    page = tmp_path / "clip.viewer.html"
    page.write_text(render_viewer(doc, None))
    open_page(browser, page)
    read = 'var s = document.getElementById("subtitle"); return [s.getAttribute("data-text"), s.textContent];'
    dom = browser.execute_script(READ_PLOT)
    x, y = time_axis(dom), value_axis(dom["panels"][0])
    click_at(browser, dom, float(x.px(1.6)), float(y.px(3.0)))
    wait_for(browser, 'return document.getElementById("cursor").getAttribute("data-from") === "click";',
             "the click did not move the cursor")
    clicked = float(browser.execute_script('return document.getElementById("cursor").getAttribute("data-time");'))
    assert clicked == pytest.approx(1.6, abs=2 / x.scale)
    assert browser.execute_script(read) == ["I love this", "\u201cI love this\u201d"]
    press(browser, Keys.ARROW_RIGHT)  # second 2: 2.0 s, the first line is still on screen
    wait_for(browser, 'return document.getElementById("cursor").getAttribute("data-second") === "2";',
             "ArrowRight did not move the cursor")
    assert browser.execute_script(read)[0] == "I love this"
    press(browser, Keys.ARROW_RIGHT)  # 3.0 s: between the lines
    wait_for(browser, 'return document.getElementById("cursor").getAttribute("data-second") === "3";',
             "ArrowRight did not move the cursor")
    assert browser.execute_script(read) == ["", "(no subtitle at 3.00 s)"]
    press(browser, Keys.ARROW_RIGHT)
    wait_for(browser, 'return document.getElementById("cursor").getAttribute("data-second") === "4";',
             "ArrowRight did not move the cursor")
    assert browser.execute_script(read)[0] == "This is terrible"
