"""Install Debian's headless Chromium and its driver for the browser tests, and the npm package
axe-core (``tests/a11y/``) for the accessibility test, if missing.

Exit status 0 when all are there (already, or after installing them); non-zero, with a message,
when they are missing and cannot be installed here (not root, no apt-get, apt failing, no npm), so
that `make test` stops before the browser tests instead of failing them one by one.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGES = ["chromium", "chromium-driver"]
A11Y = Path(__file__).resolve().parent.parent / "tests" / "a11y"
AXE = A11Y / "node_modules" / "axe-core" / "axe.min.js"


def install_axe() -> int:
    """axe-core at the version of ``tests/a11y/package-lock.json`` (``npm ci``), once."""
    if AXE.exists():
        return 0
    if not shutil.which("npm"):
        print(
            "npm introuvable : installez Node.js et npm (paquets Debian « nodejs npm ») puis relancez "
            "`make test` ; le test d'accessibilité (axe-core) en a besoin.",
            file=sys.stderr,
        )
        return 1
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=A11Y, check=False)
    if done.returncode or not AXE.exists():
        print(
            f"installation d'axe-core échouée (npm ci dans {A11Y}) : relancez `make test`.", file=sys.stderr
        )
        return done.returncode or 1
    return 0


def missing() -> list[str]:
    return [name for name in ("chromium", "chromedriver") if not shutil.which(name)]


def main() -> int:
    return install_chromium() or install_axe()


def install_chromium() -> int:
    absent = missing()
    if not absent:
        return 0
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        why = "apt-get introuvable" if not shutil.which("apt-get") else "il faut être root"
        print(
            f"{', '.join(absent)} absent(s) et impossible à installer ici ({why}) : installez les paquets "
            f"Debian « {' '.join(PACKAGES)} » (sudo apt-get install {' '.join(PACKAGES)}) puis relancez "
            "`make test` ; les tests du navigateur (tests/test_ui_browser.py) en ont besoin.",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    except subprocess.CalledProcessError as exc:
        print(
            f"installation de {' '.join(PACKAGES)} échouée ({exc}) : installez-les à la main puis relancez "
            "`make test`.",
            file=sys.stderr,
        )
        return exc.returncode or 1
    absent = missing()
    if absent:
        print(
            f"{', '.join(absent)} toujours absent(s) après apt-get install {' '.join(PACKAGES)}.",
            file=sys.stderr,
        )
        return 1
    print("Chromium installé :", shutil.which("chromium"), "/", shutil.which("chromedriver"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
