"""The colours and drawing limits the PNG (``plot.py``) and the page (``viewer.py``) share, here
so that the page takes them without importing matplotlib."""

TASK_COLOURS = {"valence": "#1f77b4", "arousal": "#d62728"}
# Modality colours: distinct from the two task colours, assigned in order of appearance.
MODALITY_COLOURS = ("#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#e377c2",
                    "#7f7f7f", "#bcbd22", "#393b79", "#637939")
MAX_CUT_LINES = 150  # more shot cuts than this are drawn as ticks along the top edge

__all__ = ["MAX_CUT_LINES", "MODALITY_COLOURS", "TASK_COLOURS"]
