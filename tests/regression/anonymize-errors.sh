#!/bin/bash
# Bad input and failure paths of camveil anonymize: every error exits
# non-zero with a message naming the file and the problem, never crashes,
# never leaves a partial output; detection failures fail closed.
. "$(dirname "$0")/../lib.sh"
need "$CLIPS/face-demographics-walking.mp4" "anonymize errors: shared clips" || exit 0
WALK="$CLIPS/face-demographics-walking.mp4"

# fails_with NAME PATTERN CMD...: CMD exits 1 (not a crash) and stderr matches.
fails_with() {
	local name=$1 pattern=$2 rc; shift 2
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	if [ $rc -eq 1 ] && grep -qE "$pattern" "$T/err"; then
		ok "$name"
	else
		not_ok "$name (exit $rc: $(head -c 300 "$T/err"))"
	fi
}

fails_with "missing input names the file" "nonexistent.mp4: cannot open input: No such file" \
	"$CAMVEIL" anonymize "$T/nonexistent.mp4" "$T/o.mp4"
echo "this is not a video" >"$T/text.mp4"
fails_with "not a video names the file" "text.mp4: (cannot open input|cannot read stream|no video)" \
	"$CAMVEIL" anonymize "$T/text.mp4" "$T/o.mp4"
ffmpeg -v error -f lavfi -i "sine=duration=1" "$T/audio-only.wav"
fails_with "audio-only input: no video stream" "audio-only.wav: no video stream" \
	"$CAMVEIL" anonymize "$T/audio-only.wav" "$T/o.mp4"
fails_with "unwritable output directory names the path" "nodir/o.mp4: cannot write output" \
	"$CAMVEIL" anonymize "$WALK" "$T/nodir/o.mp4"
fails_with "unknown output extension" "o.xyz: cannot tell the container" \
	"$CAMVEIL" anonymize "$WALK" "$T/o.xyz"
cp "$WALK" "$T/same.mp4"
fails_with "output over the input is refused" "same.mp4: output would overwrite the input" \
	"$CAMVEIL" anonymize "$T/same.mp4" "$T/same.mp4"
check "refused overwrite leaves the input intact" cmp -s "$WALK" "$T/same.mp4"
fails_with "missing --model names the file" "/nope/model.onnx: face detection model not found" \
	"$CAMVEIL" anonymize --model /nope/model.onnx "$WALK" "$T/o.mp4"
CAMVEIL_MODEL=/nope/env.onnx fails_with "missing CAMVEIL_MODEL names the file" \
	"/nope/env.onnx: .*CAMVEIL_MODEL" "$CAMVEIL" anonymize "$WALK" "$T/o.mp4"
echo "garbage" >"$T/bad.onnx"
fails_with "a non-model file is rejected at start" "bad.onnx: cannot load face model" \
	"$CAMVEIL" anonymize --model "$T/bad.onnx" "$WALK" "$T/o.mp4"
check "no output after any failure" test ! -e "$T/o.mp4"
check "no temporary files after failures" test -z "$(find "$T" -name '.*.part')"

# Usage errors exit 2 and name the option.
usage_err() {
	local name=$1 pattern=$2 rc; shift 2
	"$CAMVEIL" anonymize "$@" "$WALK" "$T/u.mp4" >/dev/null 2>"$T/err"; rc=$?
	if [ $rc -eq 2 ] && grep -qE -- "$pattern" "$T/err"; then ok "$name"; else not_ok "$name (exit $rc)"; fi
}
usage_err "bad --mode" "--mode: 'sepia'" --mode sepia
usage_err "bad --crf" "--crf: '99'" --crf 99
usage_err "bad --bitrate" "--bitrate: 'fast'" --bitrate fast
usage_err "bad --codec" "--codec: 'vp9'" --codec vp9
usage_err "--crf with --bitrate" "exclude each other" --crf 20 --bitrate 1M
usage_err "bad --threshold" "--threshold: '2'" --threshold 2
usage_err "bad --preset" "--preset: 'quick'" --preset quick
usage_err "--tiles-per-frame beyond what a frame plans" "--tiles-per-frame: '64'" --tiles-per-frame 64
check "unknown subcommand exits 2" bash -c '"$0" frobnicate >/dev/null 2>&1; [ $? -eq 2 ]' "$CAMVEIL"
check "--help exits 0 and lists options" bash -c '"$0" anonymize --help | grep -q -- --mode' "$CAMVEIL"

# Existing output is replaced only when the new one is complete.
echo "previous recording" >"$T/keep.mp4"
"$CAMVEIL" anonymize -q --model /nope "$WALK" "$T/keep.mp4" 2>/dev/null
check "a failed run leaves an existing output untouched" grep -q "previous recording" "$T/keep.mp4"

# --- corrupt input --------------------------------------------------------
RAW="$DATA/cisco_openh264/MR2_TANDBERG_E.264"
if need "$RAW" "corrupt stream"; then
	# Overwrite 4 KiB chunks in the middle of the stream with garbage.
	cp "$RAW" "$T/corrupt.264"
	for off in 20000 60000 90000; do
		head -c 4096 /dev/urandom | dd of="$T/corrupt.264" bs=1 seek=$off conv=notrunc status=none
	done
	"$CAMVEIL" anonymize -q --json "$T/corrupt.264" "$T/corrupt.mkv" >"$T/c.json" 2>"$T/c.err"
	rc=$?
	check "corrupt H.264 stream: completes (exit 0)" test $rc -eq 0
	check "corrupt H.264 stream: output decodes" test "$(frame_count "$T/corrupt.mkv")" -gt 200
	check "corrupt H.264 stream: damage is counted" \
		test "$(sed -n 's/.*"decode_errors":\([0-9]*\).*/\1/p' "$T/c.json")" -gt 0
fi
# Truncated MP4 (index at the start, data cut short): what is there is
# written, and the damage is reported naming the input.
head -c 30000 "$WALK" >"$T/truncated.mp4"
"$CAMVEIL" anonymize "$T/truncated.mp4" "$T/trunc-out.mp4" 2>"$T/err"
rc=$?
check "truncated mp4: completes (exit 0)" test $rc -eq 0
check "truncated mp4: the frames that are there are written" test "$(frame_count "$T/trunc-out.mp4")" -ge 3
check "truncated mp4: damage reported naming the file" grep -q "truncated.mp4: .* damaged" "$T/err"
# Truncated MPEG-TS (streamable): whatever is there is anonymized.
ffmpeg -v error -i "$WALK" -c copy "$T/walk.ts"
head -c $(( $(stat -c %s "$T/walk.ts") / 2 )) "$T/walk.ts" >"$T/half.ts"
"$CAMVEIL" anonymize -q "$T/half.ts" "$T/half-out.mkv"
check "truncated TS: the frames that are there are written" test "$(frame_count "$T/half-out.mkv")" -gt 5

# --- fail closed ------------------------------------------------------------
# A 1 ms deadline: the detector is always late, so every frame must be
# fully obscured (flat grey) and counted.
"$CAMVEIL" anonymize -q --json --detect-timeout 1 "$WALK" "$T/fc.mp4" >"$T/fc.json"
frames=$(frame_count "$WALK")
check "late detection: every frame counted as fail-closed" \
	test "$(sed -n 's/.*"fail_closed_frames":\([0-9]*\).*/\1/p' "$T/fc.json")" = "$frames"
check "late detection: output keeps every frame" test "$(frame_count "$T/fc.mp4")" = "$frames"
# Every output frame is flat grey: luma within 90..102 everywhere.
ffmpeg -v error -i "$T/fc.mp4" -vf "signalstats,metadata=print:file=$T/stats.txt" -f null -
check "late detection: every frame is fully obscured" \
	awk -F= '/lavfi.signalstats.YMIN=/{if ($2 < 90) bad=1} /lavfi.signalstats.YMAX=/{if ($2 > 102) bad=1} END{exit bad}' "$T/stats.txt"
check "late detection: stats were read" grep -q YMAX "$T/stats.txt"
exit 0
