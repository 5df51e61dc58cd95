#!/bin/sh
# Install the Debian packages camveil needs to build, test and run, if
# any are missing. Quiet when everything is present; idempotent.
# `deps.sh fuzz` also installs clang and its libFuzzer runtime.
set -eu

PKGS="build-essential g++ pkg-config make
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
libopencv-dnn-dev libopencv-imgproc-dev libopencv-core-dev
libsodium-dev libevent-dev libzstd-dev libyaml-dev libcmocka-dev
ffmpeg"

[ "${1:-}" = fuzz ] && PKGS="$PKGS clang libclang-rt-14-dev"

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
