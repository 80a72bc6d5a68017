"""Install Debian's headless Chromium and its driver for the browser tests, if missing."""
import os
import shutil
import subprocess
import sys

if shutil.which("chromium") and shutil.which("chromedriver"):
    sys.exit(0)
if os.geteuid() != 0 or not shutil.which("apt-get"):
    print("Chromium absent : installez les paquets Debian « chromium » et « chromium-driver ».", file=sys.stderr)
    sys.exit(0)
env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver"],
               check=True, env=env, stdout=subprocess.DEVNULL)
print("Chromium installé :", shutil.which("chromium"))
