"""Small generated films for the text modality's tests: a few seconds of grey 64x48 pictures, with
an optional sound track (16 kHz mono int16) and an optional subtitle stream muxed from SubRip text
(PyAV copies the packets of FFmpeg's own .srt demuxer into a Matroska file: PyAV has no subtitle
encoder, but it can remux a subtitle stream)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

RATE = 16000


def write_film(path: Path, seconds: int, *, srt: str | None = None, language: str = "eng",
               audio: np.ndarray | None = None, fps: int = 5) -> Path:
    """``path`` (.mkv when ``srt`` is muxed in) of ``seconds`` seconds; returns it."""
    path = Path(path)
    out = av.open(str(path), "w")
    video = out.add_stream("mpeg4", rate=fps)
    video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
    sound = None
    if audio is not None:
        sound = out.add_stream("aac", rate=RATE)
        sound.layout = "mono"
    subs_in = None
    if srt is not None:
        source = path.with_name(path.stem + ".stream-source.srt")
        source.write_text(srt, encoding="utf-8")
        subs_in = av.open(str(source))
        subs = out.add_stream_from_template(subs_in.streams.subtitles[0])
        if language:
            subs.metadata["language"] = language
    grey = np.full((48, 64, 3), 128, np.uint8)
    for _ in range(seconds * fps):
        for packet in video.encode(av.VideoFrame.from_ndarray(grey, format="rgb24")):
            out.mux(packet)
    for packet in video.encode():
        out.mux(packet)
    if sound is not None and audio is not None:
        for start in range(0, len(audio), 1024):
            frame = av.AudioFrame.from_ndarray(audio[None, start:start + 1024], format="s16", layout="mono")
            frame.sample_rate, frame.pts = RATE, start
            for packet in sound.encode(frame):
                out.mux(packet)
        for packet in sound.encode():
            out.mux(packet)
    if subs_in is not None:
        for packet in subs_in.demux(subs_in.streams.subtitles[0]):
            if packet.dts is not None:
                packet.stream = subs
                out.mux(packet)
        subs_in.close()
        source.unlink()
    out.close()
    return path
