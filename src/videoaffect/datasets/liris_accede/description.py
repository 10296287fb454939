"""Where each LIRIS-ACCEDE excerpt lies in its source film, read from ``ACCEDEdescription.xml``
(optional): the film file and the first and last frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videoaffect.datasets.liris_accede.release_files import DESCRIPTION_FILE, RANKING_FILE, LirisError, find_file


@dataclass(frozen=True)
class ExcerptPlace:
    """Where an excerpt comes from (ACCEDEdescription.xml): its source film file and frames."""

    movie: str  # the source film's file name, e.g. 20_Mississippi.mp4 (The_Dabbler_2_6.mp4 for a part)
    start: int  # first frame in the source film
    end: int  # last frame


def read_description(root: Path, ids: np.ndarray, names: list[str]) -> dict[str, ExcerptPlace]:
    """name -> place of every listed excerpt that ``ACCEDEdescription.xml`` describes ({} when the
    file is absent).  The file may describe more excerpts than the ranking file lists (a subset
    of the release); an excerpt id whose name differs between the two files, or a description
    that shares no excerpt with them, is an error naming both files."""
    path = find_file(root, DESCRIPTION_FILE, required=False)
    if path is None:
        return {}
    import xml.etree.ElementTree as ET

    try:
        tree = ET.parse(path)
    except ET.ParseError as exc:
        line, col = exc.position
        raise LirisError(f"{path}, line {line}, column {col}: not well-formed XML ({exc}); restore the file "
                         "from LIRIS-ACCEDE-data.zip") from None
    ranking = find_file(root, RANKING_FILE)
    by_id = {int(v): names[i] for i, v in enumerate(ids)}
    out: dict[str, ExcerptPlace] = {}
    described = 0
    for k, media in enumerate(tree.getroot().iter("media"), start=1):
        described += 1
        fields = {child.tag: (child.text or "").strip() for child in media}
        missing = [f for f in ("id", "name", "movie", "start", "end") if not fields.get(f)]
        if missing:
            raise LirisError(f"{path}: <media> element {k} has no {', '.join(missing)}; each excerpt needs id, name, "
                             "movie, start and end (restore the file from LIRIS-ACCEDE-data.zip)")
        try:
            excerpt_id, start, end = int(fields["id"]), int(fields["start"]), int(fields["end"])
        except ValueError:
            raise LirisError(f"{path}: <media> element {k} (name {fields['name']!r}): id, start and end must be "
                             "whole numbers") from None
        name = by_id.get(excerpt_id)
        if name is None:
            continue  # described but not listed: this root holds a subset of the release
        if name != fields["name"]:
            raise LirisError(
                f"{path} does not match {ranking}: excerpt id {excerpt_id} is {fields['name']!r} in the description "
                f"but {name!r} in the ranking and sets files; use the description file of the same release"
            )
        if end < start:
            raise LirisError(f"{path}: excerpt {name} ends (frame {end}) before it starts (frame {start})")
        out[name] = ExcerptPlace(fields["movie"], start, end)
    if described and not out:
        raise LirisError(
            f"{path} does not match {ranking}: it describes {described} excerpts, none of them listed in the "
            "ranking file; use the description file of the same release"
        )
    return out


__all__ = ["ExcerptPlace", "read_description"]
