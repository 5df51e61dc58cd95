#!/bin/bash
# Speed and memory benchmark for `camveil anonymize` (make bench). Not a
# test: it prints numbers and fails only if something cannot run.
#
#   tests/bench/bench.sh BUILD_DIR
#
# Why: the anonymizer must keep up with cameras, and its cost is best read
# against the floor it cannot beat: a plain ffmpeg transcode of the same clip
# with the same x264 settings (preset, default crf, threads=auto), which does
# the same decode and encode work minus detection and obscuring. For each
# preset it reports frames/s of both and their ratio, camveil's detection
# cost per frame and the peak RSS of both. A second run on the clip looped
# several times samples camveil's RSS as it goes, so a reader can see whether
# memory grows with the number of frames (it should stay flat).
#
# About 8 minutes on 2 cores with the defaults. Wall time is `date +%s.%N`
# around each command, best of BENCH_RUNS. Peak RSS is VmHWM from
# /proc/PID/status polled every 0.1 s (no GNU time needed).
#
# Environment:
#   SHARED             shared data, relative to the repository root (../shared)
#   BENCH_PRESETS      x264 presets to compare ("medium veryfast")
#   BENCH_RUNS         runs per measurement, best taken (2)
#   BENCH_LOOPS        copies of the clip in the memory-flatness input (4)
#   BENCH_LOOP_PRESET  preset for the memory-flatness run (veryfast)
set -euo pipefail

die() { echo "bench: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tests/bench/bench.sh BUILD_DIR"
build=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such build directory"
camveil=$build/camveil
[ -x "$camveil" ] || die "$camveil not found; build it first with 'make'"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

shared=${SHARED:-../shared}
clip=$shared/data/intel-iot-devkit_sample-videos/head-pose-male-1080p.mp4
[ -r "$clip" ] || die "$clip: benchmark clip missing; it lives in the shared data
bench: folder beside the repository (set SHARED=/path/to/shared to point elsewhere)"
clip=$(realpath "$clip")
for t in ffmpeg ffprobe awk; do
	command -v "$t" >/dev/null || die "$t not found ('make deps' installs ffmpeg)"
done

presets=${BENCH_PRESETS:-medium veryfast}
runs=${BENCH_RUNS:-2}
loops=${BENCH_LOOPS:-4}
loop_preset=${BENCH_LOOP_PRESET:-veryfast}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS='$runs' is not a positive integer"
[[ $loops =~ ^[1-9][0-9]*$ ]] || die "BENCH_LOOPS='$loops' is not a positive integer"

tmp=$(mktemp -d)
sub=""
child=""
cleanup() {
	# On interrupt: stop the timing subshell and the command it runs.
	if [ -n "$sub" ]; then
		kill "$sub" 2>/dev/null || true
	fi
	if [ -n "$child" ]; then
		kill "$child" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# measure INTERVAL CMD...: runs CMD (stdout to $tmp/stdout, stderr to
# $tmp/stderr) and sets WALL (seconds, taken around CMD alone, not the
# polling), HWM_KB (peak RSS seen) and RC; appends the VmRSS samples (kB),
# one every INTERVAL seconds, to $tmp/rss.
measure() {
	local interval=$1 pid="" k v _rest rss
	shift
	rm -f "$tmp/pid" "$tmp/t0" "$tmp/t1" "$tmp/rc"
	: >"$tmp/rss"
	(
		date +%s.%N >"$tmp/t0"
		"$@" >"$tmp/stdout" 2>"$tmp/stderr" &
		echo $! >"$tmp/pid"
		rc=0
		wait $! || rc=$?
		date +%s.%N >"$tmp/t1"
		echo "$rc" >"$tmp/rc"
	) &
	sub=$!
	while [ ! -s "$tmp/pid" ] && kill -0 "$sub" 2>/dev/null; do
		sleep 0.01
	done
	[ -s "$tmp/pid" ] && pid=$(<"$tmp/pid")
	child=$pid
	HWM_KB=0
	while [ -n "$pid" ] && [ ! -e "$tmp/t1" ]; do
		rss=""
		{ while read -r k v _rest; do
			case $k in
			VmHWM:) HWM_KB=$v ;;
			VmRSS:) rss=$v ;;
			esac
		done <"/proc/$pid/status"; } 2>/dev/null || true
		[ -n "$rss" ] && echo "$rss" >>"$tmp/rss"
		sleep "$interval"
	done
	wait "$sub" || true
	sub=""
	child=""
	RC=$(<"$tmp/rc")
	WALL=$(awk -v a="$(<"$tmp/t0")" -v b="$(<"$tmp/t1")" 'BEGIN { printf "%.3f", b - a }')
}

# json_num KEY FILE: a number from camveil's one-line JSON summary.
json_num() {
	sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" "$2"
}

fail_run() {
	echo "bench: $1 failed (exit $RC):" >&2
	sed 's/^/bench:   /' "$tmp/stderr" >&2
	exit 1
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 < b + 0) ? a : b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 > b + 0) ? a : b }'; }

in_frames=$(ffprobe -v error -select_streams v:0 -count_packets \
	-show_entries stream=nb_read_packets -of csv=p=0 "$clip")
in_size=$(ffprobe -v error -select_streams v:0 \
	-show_entries stream=width,height -of csv=s=x:p=0 "$clip")

echo "camveil bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  commit   $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
echo "  cpu      $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "  ffmpeg   $(ffmpeg -hide_banner -version | head -1 | cut -d' ' -f1-3)"
echo "  clip     $clip"
echo "           $in_size, $in_frames frames"
echo "  runs     best of $runs; presets: $presets; default crf, threads=auto"
echo "  load     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; other work skews the numbers)"
echo

declare -A c_best c_hwm c_frames c_det c_fail f_best f_hwm
for p in $presets; do
	for ((i = 1; i <= runs; i++)); do
		measure 0.1 "$camveil" anonymize --preset "$p" "$clip" "$tmp/camveil.mp4" --json -q
		[ "$RC" -eq 0 ] || fail_run "camveil anonymize --preset $p"
		c_hwm[$p]=$(max "$HWM_KB" "${c_hwm[$p]:-}")
		if [ "$(min "$WALL" "${c_best[$p]:-}")" = "$WALL" ]; then
			# The JSON figures of the best run go with its time.
			c_best[$p]=$WALL
			c_frames[$p]=$(json_num frames "$tmp/stdout")
			c_det[$p]=$(json_num detect_ms_per_frame "$tmp/stdout")
			c_fail[$p]=$(json_num fail_closed_frames "$tmp/stdout")
		fi
		printf '  %-9s run %d/%d  camveil %7.2f s   ' "$p" "$i" "$runs" "$WALL"

		measure 0.1 ffmpeg -nostdin -loglevel error -y -i "$clip" \
			-c:v libx264 -preset "$p" -an "$tmp/ffmpeg.mp4"
		[ "$RC" -eq 0 ] || fail_run "ffmpeg -preset $p"
		f_best[$p]=$(min "$WALL" "${f_best[$p]:-}")
		f_hwm[$p]=$(max "$HWM_KB" "${f_hwm[$p]:-}")
		printf 'ffmpeg %7.2f s\n' "$WALL"
	done
	[ "${c_frames[$p]}" = "$in_frames" ] ||
		echo "  note: camveil reported ${c_frames[$p]} frames, the clip has $in_frames"
done

echo
echo "Speed ($in_size, $in_frames frames; fps = frames / best wall time)"
printf '  %-9s %12s %11s %7s %12s %11s %11s %11s\n' preset "camveil fps" "ffmpeg fps" \
	ratio "detect ms/f" fail-closed "camveil RSS" "ffmpeg RSS"
for p in $presets; do
	awk -v p="$p" -v fr="${c_frames[$p]}" -v ffr="$in_frames" -v cs="${c_best[$p]}" \
	    -v fs="${f_best[$p]}" -v det="${c_det[$p]}" -v fc="${c_fail[$p]}" \
	    -v ch="${c_hwm[$p]}" -v fh="${f_hwm[$p]}" 'BEGIN {
		cf = fr / cs; ff = ffr / fs
		printf "  %-9s %12.2f %11.2f %7.2f %12.1f %11d %7.0f MiB %7.0f MiB\n",
		    p, cf, ff, cf / ff, det, fc, ch / 1024, fh / 1024
	}'
done
echo "  (ratio = camveil fps / ffmpeg fps; RSS = peak VmHWM over the runs)"

# Memory flatness: the same clip $loops times over, one camveil run, RSS
# sampled every 0.5 s.
echo
list=$tmp/list.txt
: >"$list"
for ((i = 0; i < loops; i++)); do
	printf "file '%s'\n" "${clip//\'/\'\\\'\'}" >>"$list"
done
ffmpeg -nostdin -loglevel error -y -f concat -safe 0 -i "$list" -c copy -an "$tmp/long.mp4" ||
	die "ffmpeg could not concatenate the clip"
long_frames=$((in_frames * loops))
echo "Memory flatness: clip x $loops ($long_frames frames), --preset $loop_preset, VmRSS every 0.5 s"
measure 0.5 "$camveil" anonymize --preset "$loop_preset" "$tmp/long.mp4" "$tmp/long-out.mp4" --json -q
[ "$RC" -eq 0 ] || fail_run "camveil anonymize on the looped clip"
frames=$(json_num frames "$tmp/stdout")
n=$(wc -l <"$tmp/rss")
[ "$n" -ge 8 ] || die "only $n RSS samples; the run was too short to judge"
# "at" is the sample nearest each point of the run (the 100% one is the last
# taken, which may already see teardown freeing memory); "quarter max" is the
# highest sample in the quarter ending there, which is what grows if memory
# leaks per frame. Frames assume steady progress.
awk -v f="$frames" -v w="$WALL" -v h="$HWM_KB" '
	{ s[NR] = $1 }
	END {
		n = NR
		printf "  %5s %7s %12s %18s\n", "run", "~frame", "VmRSS at", "VmRSS quarter max"
		lo = 1
		for (q = 1; q <= 4; q++) {
			hi = int((n * q + 3) / 4)
			m = 0
			for (i = lo; i <= hi; i++)
				if (s[i] > m)
					m = s[i]
			qmax[q] = m
			printf "  %4d%% %7d %8.1f MiB %14.1f MiB\n", q * 25, f * q / 4,
			    s[hi] / 1024, m / 1024
			lo = hi + 1
		}
		d = qmax[4] - qmax[1]
		printf "  growth, first to last quarter max: %+.1f MiB over %d frames (%+.2f KiB/frame)\n",
		    d / 1024, f * 3 / 4, d / (f * 3 / 4)
		printf "  peak %.1f MiB (VmHWM); %d samples, %.1f s, %.2f fps\n", h / 1024, n, w, f / w
	}' "$tmp/rss"
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
