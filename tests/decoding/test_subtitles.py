"""Subtitle cues from files and streams (decoding/subtitles.py): known times and text from .srt and
.vtt files (markup removed), the sidecar order, a stream muxed into a generated film, and bad input
refused naming the file, the line and the fix."""

from __future__ import annotations

import logging
import re

import pytest

from text_films import write_film
from videoaffect.decoding.subtitles import Cue, SubtitleError, find_subtitles, read_subtitle_file, sidecar_of

SRT = """\ufeff1
00:00:01,000 --> 00:00:02,500
<i>I love this</i>
wonderful day!

2
00:00:04,000 --> 00:00:05,000
{\\an8}This is terrible.
"""
VTT = """WEBVTT

00:01.250 --> 00:02.000
<v Bob>Hello <b>there</b>

01:00:00.000 --> 01:00:01.500 align:start
Goodbye
"""


def test_srt_and_vtt_give_the_cues_times_and_plain_text(tmp_path):
    (tmp_path / "a.srt").write_text(SRT, encoding="utf-8")
    (tmp_path / "a.vtt").write_text(VTT, encoding="utf-8")
    assert read_subtitle_file(tmp_path / "a.srt") == [Cue(1.0, 2.5, "I love this wonderful day!"),
                                                      Cue(4.0, 5.0, "This is terrible.")]
    assert read_subtitle_file(tmp_path / "a.vtt") == [Cue(1.25, 2.0, "Hello there"), Cue(3600.0, 3601.5, "Goodbye")]


def test_sidecar_order_and_a_named_file_first(tmp_path):
    video = tmp_path / "film.mp4"
    video.write_bytes(b"not read")
    assert sidecar_of(video) is None
    (tmp_path / "film.vtt").write_text(VTT, encoding="utf-8")
    (tmp_path / "film.en.srt").write_text(SRT, encoding="utf-8")
    assert sidecar_of(video) == tmp_path / "film.en.srt"  # .srt before .vtt
    (tmp_path / "film.srt").write_text(SRT.replace("terrible", "fine"), encoding="utf-8")
    found = find_subtitles(video)
    assert (found.source, found.origin, found.cues[1].text) == ("sidecar", "film.srt", "This is fine.")
    named = find_subtitles(video, tmp_path / "film.vtt")
    assert (named.source, named.origin, named.cues[0].text) == ("file", "film.vtt", "Hello there")
    assert len(named.sha256) == 64 and named.provenance()["sha256"] == named.sha256


@pytest.mark.parametrize("name, text, expected", [
    ("bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:0x,000 --> 00:00:03,000\nyo\n", "bad.srt, line 5"),
    ("bad.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n\n00:03.000 -> 00:04.000\nyo\n", "bad.vtt, line 6"),
    ("bad.vtt", "not a header\n\n00:01.000 --> 00:02.000\nhi\n", "not a WebVTT file"),
    ("back.srt", "1\n00:00:03,000 --> 00:00:02,000\nhi\n", "ends (2.000 s) before it starts"),
    ("film.ass", "[Script Info]\n", "give a SubRip (.srt) or WebVTT (.vtt) file"),
])
def test_bad_files_are_refused_naming_file_line_and_fix(tmp_path, name, text, expected):
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(SubtitleError, match=re.escape(expected)):
        read_subtitle_file(tmp_path / name)


def test_not_utf8_is_refused_with_the_line_and_a_conversion(tmp_path):
    (tmp_path / "latin.srt").write_bytes("1\n00:00:01,000 --> 00:00:02,000\nCafé crème\n".encode("cp1252"))
    with pytest.raises(SubtitleError, match=r"latin\.srt, line 3: not UTF-8 text; save it as UTF-8 \(e\.g\. iconv"):
        read_subtitle_file(tmp_path / "latin.srt")
    with pytest.raises(SubtitleError, match="does not exist"):
        read_subtitle_file(tmp_path / "missing.srt")


def test_embedded_stream_cues_and_a_foreign_stream_passed_over(tmp_path, caplog):
    film = write_film(tmp_path / "film.mkv", 6, srt=SRT)
    found = find_subtitles(film)
    assert found.source == "embedded stream" and found.origin == "stream 1 (srt)"
    assert found.cues == (Cue(1.0, 2.5, "I love this wonderful day!"), Cue(4.0, 5.0, "This is terrible."))
    assert found.provenance() == {"source": "embedded stream", "origin": "stream 1 (srt)", "language": "eng"}
    french = write_film(tmp_path / "french.mkv", 6, srt=SRT, language="fre")
    with caplog.at_level(logging.WARNING):
        assert find_subtitles(french).source == "none"
    assert "french.mkv: subtitle stream 1 is tagged 'fre', not English" in caplog.text
    assert find_subtitles(write_film(tmp_path / "plain.mkv", 3)).provenance() == {"source": "none"}
