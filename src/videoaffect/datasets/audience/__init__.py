"""Audience labels from continuous annotation: read raters' traces (ours and the LIRIS-ACCEDE
GTrace files), merge them into one value per second, and measure how well the raters agree."""
