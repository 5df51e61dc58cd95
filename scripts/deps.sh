#!/bin/sh
# Install the Debian packages camveil needs to build, test and run, if
# any are missing. Quiet when everything is present; idempotent.
# `deps.sh fuzz` also installs clang and its libFuzzer runtime; `deps.sh
# test` the peers the proxy's tests talk to.
set -eu

PKGS="build-essential g++ pkg-config make
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
libopencv-dnn-dev libopencv-imgproc-dev libopencv-core-dev
libsodium-dev libevent-dev libzstd-dev libyaml-dev libcmocka-dev
ffmpeg"

# Real peers for the live proxy's tests: GStreamer's RTSP server as a
# camera; ffmpeg, gst-launch-1.0 and VLC as recorders.
TEST_PKGS="gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-tools
gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
gstreamer1.0-plugins-ugly gstreamer1.0-libav vlc-bin vlc-plugin-base"

case "${1:-}" in
fuzz) PKGS="$PKGS clang libclang-rt-14-dev" ;;
test) PKGS="$PKGS $TEST_PKGS" ;;
esac

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "camveil: installing missing packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
