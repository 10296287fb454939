"""One headless Chromium for the browser tests (viewer, annotation page): Debian's chromium and
chromium-driver through Selenium, skipping with the reason where any of them is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1024,1000")


def headless_chromium(profile: Path, purpose: str, extra_flags: tuple[str, ...] = ()):
    """A started driver with a fresh profile in ``profile`` (no network needed); ``purpose`` ends
    the skip message ("the viewer's browser tests drive them")."""
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if path is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed "
                    f"(Debian: apt-get install chromium chromium-driver); {purpose}")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install -e '.[test]'")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, *extra_flags, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # the driver's path is given, so Selenium Manager (which would go online) is not called
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
