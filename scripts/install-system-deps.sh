#!/usr/bin/env bash
# Debian packages the test suite needs: chromium (page tests), fonts-noto-cjk (Chinese text),
# mosquitto (the MQTT test broker),
# and for the optional mediapipe backend and the bench's
# peer: libGL/GLib for mediapipe's OpenCV build, EGL/GLES for mediapipe itself.
# With --core, only what the product itself needs on a bare Debian or Ubuntu: venv and pip
# for Python (python3-venv) and Pango for the PDF report (WeasyPrint); its Chinese font ships
# in the package.
# Runs as root (CI) or through sudo.
set -euo pipefail
if [ "${1:-}" = "--core" ]; then
  packages=(libpango-1.0-0 libpangoft2-1.0-0)
  python3 -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv)
else
packages=(libgl1 libglib2.0-0 libegl1 libgles2 chromium fonts-noto-cjk mosquitto libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
packages+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly)  # RTSP test camera: tests/rtsp_server.py
packages+=(fonts-dejavu-core)  # the only fonts of a bare Debian: tests/service/media/test_fonts.py
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
