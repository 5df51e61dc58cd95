#!/bin/bash
# Cost of encrypt mode (make bench). Not a test: prints numbers.
#
#   tests/bench/seal.sh BUILD_DIR
#
# For 720p25 and 1080p25 clips (the shared 1080p head-pose clip played at
# 25 fps, BENCH_SEAL_SECONDS long, scaled for 720p) it runs
# `camveil anonymize` in mask mode and in encrypt mode (same preset), best
# wall time of BENCH_RUNS, and reports:
#   - bytes of seals per sealed region, and per obscured face per second
#     (sealed bytes / (face regions / fps): what one face visible for one
#     second adds to the stream);
#   - how much bigger the encrypt output file is than the mask one;
#   - the speed cost of encrypt mode against mask mode;
#   - the sidecar file's size for the same run.
#
# Environment: SHARED (../shared), BENCH_RUNS (2), BENCH_SEAL_SECONDS (8).
set -euo pipefail
die() { echo "bench: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: tests/bench/seal.sh BUILD_DIR"
build=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such build directory"
camveil=$build/camveil
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
shared=${SHARED:-../shared}
src=$shared/data/intel-iot-devkit_sample-videos/head-pose-male-1080p.mp4
[ -r "$src" ] || die "$src missing"
runs=${BENCH_RUNS:-2}
secs=${BENCH_SEAL_SECONDS:-8}
T=$(mktemp -d /tmp/camveil-sealbench.XXXXXX)
trap 'rm -rf "$T"' EXIT

json_num() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1"; }
now() { date +%s.%N; }

for h in alice bob; do echo "bench passphrase $h" >"$T/$h.pw"; done
"$camveil" keys init --audit "$T/audit.log" --threshold 2 --holder alice --holder bob \
	--out "$T/keys" --kdf interactive --passphrase-file alice="$T/alice.pw" \
	--passphrase-file bob="$T/bob.pw" >/dev/null

echo "encrypt mode overhead ($secs s clips at 25 fps, best of $runs, $(nproc) cores)"
printf "%-7s %9s %9s %7s %8s %12s %14s %12s %10s\n" stream mask_s encrypt_s cost \
	regions bytes/region "per face-s" "file +" sidecar
for res in 720 1080; do
	clip=$T/${res}p25.mp4
	ffmpeg -v error -i "$src" -vf "setpts=PTS*12/25,scale=-2:$res" -r 25 -t "$secs" -an \
		-c:v libx264 -preset veryfast -g 50 -y "$clip" || die "cannot make $clip"
	best_m=; best_e=
	for r in $(seq "$runs"); do
		rm -f "$T/m.mp4" "$T/e.mp4" "$T/e.cvsc"
		t0=$(now)
		"$camveil" anonymize -q --json "$clip" "$T/m.mp4" >"$T/m.json"
		t1=$(now)
		"$camveil" anonymize -q --json --mode encrypt --key "$T/keys/judicial.pub" \
			--sidecar "$T/e.cvsc" "$clip" "$T/e.mp4" >"$T/e.json"
		t2=$(now)
		best_m=$(awk -v a="$t0" -v b="$t1" -v best="$best_m" \
			'BEGIN { d = b - a; print (best == "" || d < best) ? d : best }')
		best_e=$(awk -v a="$t1" -v b="$t2" -v best="$best_e" \
			'BEGIN { d = b - a; print (best == "" || d < best) ? d : best }')
	done
	regions=$(json_num "$T/e.json" sealed_regions)
	bytes=$(json_num "$T/e.json" sealed_bytes)
	fps=25
	[ "${regions:-0}" -gt 0 ] || die "no region sealed at ${res}p"
	awk -v res="${res}p25" -v m="$best_m" -v e="$best_e" -v n="$regions" -v b="$bytes" \
	    -v fps="$fps" -v grow=$(( $(stat -c %s "$T/e.mp4") - $(stat -c %s "$T/m.mp4") )) \
	    -v side="$(stat -c %s "$T/e.cvsc")" 'BEGIN {
		printf "%-7s %9.2f %9.2f %+6.0f%% %8d %9.1f KiB %9.2f MB/s %8.1f MiB %6.1f MiB\n",
		    res, m, e, (e / m - 1) * 100, n, b / n / 1024, b * fps / n / 1e6,
		    grow / 1048576, side / 1048576 }'
done
echo "per face-s: sealed bytes for one face visible for one second (x8 for bit/s)"
