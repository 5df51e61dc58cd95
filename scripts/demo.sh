#!/bin/bash
# Anonymize a demo clip with build/camveil: what `make run` does until the
# live proxy exists.
#
# Why: a one-command way to see camveil work end to end on real faces. The
# clip comes from the shared test data (${SHARED:-../shared}, relative to the
# repository root); without it, a synthetic ffmpeg test pattern is used so the
# pipeline still runs (that pattern has no faces, so nothing gets obscured).
# Writes $BUILD/demo-anonymized.mp4 (BUILD defaults to build).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
camveil=$BUILD/camveil
out=$BUILD/demo-anonymized.mp4
shared=${SHARED:-../shared}

die() { echo "demo: $*" >&2; exit 1; }

[ -x "$camveil" ] || die "$camveil not found; build it first with 'make'"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# First clip found wins: walking people whose faces grow from small to
# medium, then two turning heads, then Debian's opencv-doc corridor clip.
input=""
for c in "$shared/data/intel-iot-devkit_sample-videos/face-demographics-walking.mp4" \
	 "$shared/data/intel-iot-devkit_sample-videos/head-pose-face-detection-female-and-male.mp4" \
	 /usr/share/doc/opencv-doc/examples/data/vtest.avi; do
	if [ -r "$c" ]; then
		input=$c
		break
	fi
done
if [ -n "$input" ]; then
	echo "demo: input $input"
else
	command -v ffmpeg >/dev/null || die "no demo clip found and ffmpeg is missing to make one ('make deps')"
	input=$tmp/testsrc2.mp4
	echo "demo: no demo clip found under $shared/data; generating a synthetic test"
	echo "demo: pattern (ffmpeg lavfi testsrc2, 5 s, 640x360; it has no faces)"
	ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=640x360:rate=25:duration=5 \
		-c:v libx264 -preset veryfast -pix_fmt yuv420p "$input" ||
		die "ffmpeg could not generate the test clip"
fi

mkdir -p "$(dirname "$out")"
"$camveil" anonymize "$input" "$out" || die "camveil anonymize failed (see above)"

out=$(realpath "$out")
echo
echo "demo: anonymized video written to $out"
echo "demo: view it with:  ffplay -autoexit $out   (or: vlc $out)"
