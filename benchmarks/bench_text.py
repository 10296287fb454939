"""What the ``text`` modality (the ``default-deep`` set) costs and how well its speech-to-text hears.

    OMP_NUM_THREADS=1 .venv-test/bin/python benchmarks/bench_text.py --json out.json

* word error rate of ``--speech-to-text`` (pocketsphinx) on 8 short English sentences spoken by
  espeak-ng (US voice, 150 words per minute), each with 0.5 s of silence before and after, with and
  without the recogniser's dither (``extractors/text/speech.py``); needs ``espeak-ng``;
* speech-to-text cost: wall and process CPU per second of sound, on a 64-s track holding those
  sentences one after another every 4 s (``transcribe_audio``);
* subtitles cost: reading a one-hour .srt with a cue every 3 s (``movie_inputs``) and scoring its
  3600 seconds (``DefaultText.extract``, no picture needed), per second of film.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from videoaffect.decoding.samples import SecondSample
from videoaffect.extractors.default.text import DefaultText
from videoaffect.extractors.text import speech

SENTENCES = ("i love you", "this is a good day", "i am very happy", "the house is on fire", "thank you very much",
             "i hate this terrible place", "good morning my friend", "we are going home now")
LINES = ("I love this wonderful day!", "Where are you going?", "This is a terrible mistake.", "We have to leave now.")


def spoken(text: str, folder: Path) -> np.ndarray:
    wav = folder / "s.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-p", "40", "-w", str(wav), text], check=True)
    rate, samples = wavfile.read(wav)
    return np.clip(resample_poly(samples.astype(np.float64), 16000, rate), -32768, 32767).astype(np.int16)


def word_errors(reference: list[str], heard: list[str]) -> int:
    """Levenshtein distance between the word lists (substitutions, deletions, insertions)."""
    row = list(range(len(heard) + 1))
    for i, ref in enumerate(reference, 1):
        new = [i]
        for j, hyp in enumerate(heard, 1):
            new.append(min(row[j] + 1, new[j - 1] + 1, row[j - 1] + (ref != hyp)))
        row = new
    return row[-1]


def speech_figures(folder: Path) -> dict:
    pad = np.zeros(8000, np.int16)
    out: dict = {"sentences": {}}
    for dither in (speech.DITHER, 0.0):
        speech.DITHER = dither
        errors = words = 0
        for text in SENTENCES:
            heard = [c.text for c in speech.transcribe_audio(np.concatenate([pad, spoken(text, folder), pad]))]
            errors += word_errors(text.split(), heard)
            words += len(text.split())
            if dither:
                out["sentences"][text] = " ".join(heard)
        out[f"wer_dither_{dither:g}"] = round(errors / words, 3)
    speech.DITHER = 30.0
    track = np.zeros(64 * 16000, np.int16)
    for k, text in enumerate(SENTENCES * 2):
        said = spoken(text, folder)
        track[k * 64000:k * 64000 + len(said)] = said
    wall, cpu = time.perf_counter(), time.process_time()
    speech.transcribe_audio(track)
    seconds = len(track) / 16000
    out["cost_ms_per_s"] = {"wall": round(1000 * (time.perf_counter() - wall) / seconds, 1),
                            "cpu": round(1000 * (time.process_time() - cpu) / seconds, 1), "track_s": seconds}
    return out


def subtitle_figures(folder: Path) -> dict:
    lines = []
    for k in range(1200):
        start = 3 * k
        lines.append(f"{k + 1}\n{_stamp(start)} --> {_stamp(start + 2)}\n{LINES[k % len(LINES)]}\n")
    (folder / "film.srt").write_text("\n".join(lines), encoding="utf-8")
    (folder / "film.mp4").write_bytes(b"")  # never opened: the sidecar is found first
    extractor = DefaultText()
    wall, cpu = time.perf_counter(), time.process_time()
    extractor.movie_inputs(folder / "film.mp4")
    read = (time.perf_counter() - wall, time.process_time() - cpu)
    samples = [SecondSample(t, None, None) for t in range(3600)]
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, 3600, extractor.batch_size):
        extractor.extract(samples[start:start + extractor.batch_size])
    score = (time.perf_counter() - wall, time.process_time() - cpu)
    return {"cues": 1200, "film_s": 3600, "read_srt_s": {"wall": round(read[0], 3), "cpu": round(read[1], 3)},
            "score_ms_per_s": {"wall": round(1000 * score[0] / 3600, 3), "cpu": round(1000 * score[1] / 3600, 3)}}


def _stamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d},000"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures = {"machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
                   "subtitles": subtitle_figures(folder)}
        if shutil.which("espeak-ng"):
            figures["speech_to_text"] = speech_figures(folder)
        else:
            figures["speech_to_text"] = "skipped: espeak-ng is not installed (apt-get install espeak-ng)"
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
