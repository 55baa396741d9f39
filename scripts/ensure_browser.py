"""Install Debian's chromium (and a CJK font) for the browser tests when missing.

On Debian as root this runs apt-get; elsewhere it explains what the browser
tests will do (skip, or fail when REQUIRE_BROWSER=1). The Noto CJK font makes
Chinese readable in the tests' screenshots; the tests pass without it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")


def main() -> int:
    if CHROMIUM.exists() and CJK_FONT_DIR.exists():
        return 0
    on_debian = Path("/etc/debian_version").exists() and shutil.which("apt-get")
    if on_debian and os.geteuid() == 0:
        print("Installing Debian's chromium for the browser tests (apt-get)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)  # noqa: S607
        result = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"],  # noqa: S607
            check=False,
            env=env,
        )
        if result.returncode == 0 and CHROMIUM.exists():
            return 0
        print("Could not install chromium; browser tests will skip.", file=sys.stderr)
    elif not CHROMIUM.exists():
        print(
            "No /usr/bin/chromium: browser tests will skip "
            "(on Debian: sudo apt-get install -y chromium).",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
