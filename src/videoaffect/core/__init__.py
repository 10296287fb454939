"""The bottom layer: vocabulary, errors, files, devices and locks shared by every package.

Nothing here imports from the rest of videoaffect; every other package may import from here.
"""
