#!/bin/bash
# camveil anonymize on real clips: timing kept exactly (CFR, VFR, raw
# streams without timestamps), streams copied or dropped as asked, every
# face hidden (measured with facecheck), all modes and encoders.
. "$(dirname "$0")/../lib.sh"
FACECHECK="$(dirname "$CAMVEIL")/tests/tools/facecheck"

need "$CLIPS/face-demographics-walking.mp4" "anonymize: shared clips" || exit 0
WALK="$CLIPS/face-demographics-walking.mp4"

# same_timing IN OUT: same frame count and identical frame timestamps.
same_timing() {
	[ "$(frame_count "$1")" = "$(frame_count "$2")" ] &&
		diff <(pts_list "$1") <(pts_list "$2") >/dev/null
}

# --- timing, containers, codecs ------------------------------------------
"$CAMVEIL" anonymize -q --json "$WALK" "$T/walk.mp4" >"$T/walk.json"
check "mp4 -> mp4 exits 0 and writes output" test -s "$T/walk.mp4"
check "mp4 -> mp4 keeps frame count and timestamps" same_timing "$WALK" "$T/walk.mp4"
check "mp4 -> mp4 keeps frame rate" \
	test "$(probe "$WALK" stream=r_frame_rate)" = "$(probe "$T/walk.mp4" stream=r_frame_rate)"
check "output is H.264 by default" test "$(probe "$T/walk.mp4" stream=codec_name)" = h264
check "--json summary counts every frame" \
	test "$(json_field "$T/walk.json" frames)" = "$(frame_count "$WALK")"
check "--json summary reports faces" test "$(json_field "$T/walk.json" faces)" -ge 2
check "no temporary file left beside the output" \
	test -z "$(find "$T" -name '.*.part')"

if need "$CLIPS/asl_gestures/bird.mkv" "mkv input (1/1000 time base)"; then
	"$CAMVEIL" anonymize -q "$CLIPS/asl_gestures/bird.mkv" "$T/bird.mkv"
	check "mkv -> mkv keeps frame count and timestamps" \
		same_timing "$CLIPS/asl_gestures/bird.mkv" "$T/bird.mkv"
fi

RAW264="$DATA/cisco_openh264/MR2_TANDBERG_E.264"
if need "$RAW264" "raw Annex-B H.264 input"; then
	"$CAMVEIL" anonymize -q "$RAW264" "$T/mr2.mkv"
	check "raw .264 (no timestamps) -> mkv keeps all 300 frames" \
		test "$(frame_count "$T/mr2.mkv")" = 300
	check "raw .264 -> mkv is 25 fps, 12 s" \
		test "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$T/mr2.mkv" | cut -c1-4)" = "12.0"
fi

H265="$DATA/davisking_dlib/MOT17-13-SDP-raw.h265"
if need "$H265" "H.265 input"; then
	# Re-encoded: a raw stream copied into a container gets pts = dts.
	ffmpeg -v error -i "$H265" -frames:v 60 -c:v libx265 -preset ultrafast \
		-x265-params log-level=error "$T/mot17.mp4"
	"$CAMVEIL" anonymize -q --codec libx265 --preset ultrafast "$T/mot17.mp4" "$T/mot17-out.mkv"
	check "H.265 in, --codec libx265 out" \
		test "$(probe "$T/mot17-out.mkv" stream=codec_name)" = hevc
	check "H.265 -> H.265 keeps frame count and timestamps" same_timing "$T/mot17.mp4" "$T/mot17-out.mkv"
fi

# MJPEG and MPEG-4 Part 2 in AVI, made from a real clip.
ffmpeg -v error -i "$WALK" -c:v mjpeg -q:v 3 "$T/walk-mjpeg.avi"
"$CAMVEIL" anonymize -q "$T/walk-mjpeg.avi" "$T/walk-mjpeg.mp4"
check "MJPEG/AVI input keeps frame count and timestamps" same_timing "$T/walk-mjpeg.avi" "$T/walk-mjpeg.mp4"
ffmpeg -v error -i "$WALK" -c:v mpeg4 -q:v 3 "$T/walk-mpeg4.avi"
"$CAMVEIL" anonymize -q "$T/walk-mpeg4.avi" "$T/walk-mpeg4.ts"
check "MPEG-4/AVI -> TS keeps frame count" \
	test "$(frame_count "$T/walk-mpeg4.ts")" = "$(frame_count "$T/walk-mpeg4.avi")"

# Variable frame rate: irregular gaps must survive untouched.
ffmpeg -v error -i "$WALK" -vf "setpts='(N*1000+if(gt(N,10),370,0)+if(gt(N,20),1130,0))/12/TB/1000'" \
	-fps_mode passthrough -c:v libx264 -preset ultrafast "$T/vfr.mkv"
"$CAMVEIL" anonymize -q "$T/vfr.mkv" "$T/vfr-out.mkv"
check "VFR input stays VFR (identical timestamps)" same_timing "$T/vfr.mkv" "$T/vfr-out.mkv"

# --- streams ----------------------------------------------------------------
ffmpeg -v error -i "$WALK" -f lavfi -i "sine=frequency=440:duration=3" \
	-c:v copy -c:a aac -shortest "$T/av.mp4"
"$CAMVEIL" anonymize -q "$T/av.mp4" "$T/av-out.mp4"
check "audio is copied by default" \
	test "$(ffprobe -v error -select_streams a -show_entries stream=codec_name -of csv=p=0 "$T/av-out.mp4")" = aac
check "copied audio has every packet" test \
	"$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$T/av.mp4")" = \
	"$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$T/av-out.mp4")"
"$CAMVEIL" anonymize -q --no-audio "$T/av.mp4" "$T/av-noaudio.mp4" 2>"$T/noaudio.err"
check "--no-audio drops audio" \
	test -z "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$T/av-noaudio.mp4")"
"$CAMVEIL" anonymize --no-audio "$T/av.mp4" "$T/av-noaudio2.mp4" 2>"$T/noaudio2.err"
check "--no-audio says it dropped the stream" grep -q "dropping stream #1 audio" "$T/noaudio2.err"

# A second video stream is never copied in clear.
ffmpeg -v error -i "$WALK" -i "$WALK" -map 0:v -map 1:v -c copy "$T/twovideo.mkv"
"$CAMVEIL" anonymize "$T/twovideo.mkv" "$T/twovideo-out.mkv" 2>"$T/twovideo.err"
check "second video stream is dropped, not copied" \
	test "$(ffprobe -v error -show_entries stream=index -of csv=p=0 "$T/twovideo-out.mkv" | wc -l)" = 1
check "dropping the second video stream is reported" grep -q "dropping stream #1 video" "$T/twovideo.err"

# --- faces -------------------------------------------------------------------
# facecheck_ok IN OUT [MAX_MISS_PERCENT]: exhaustive YuNet scan of input
# and output, frame by frame: no input face found again in the output, and
# fewer than MAX_MISS_PERCENT (default 1) of input faces left unmasked.
facecheck_ok() {
	local in=$1 out=$2 pct=${3:-1} r leaks misses faces
	r=$("$FACECHECK" "$in" "$out") || return 1
	echo "# facecheck $(basename "$in"): $r"
	leaks=$(echo "$r" | sed -n 's/.*"leaks":\([0-9]*\).*/\1/p')
	misses=$(echo "$r" | sed -n 's/.*"misses":\([0-9]*\).*/\1/p')
	faces=$(echo "$r" | sed -n 's/.*"in_faces":\([0-9]*\).*/\1/p')
	[ "$faces" -gt 0 ] && [ "$leaks" -eq 0 ] && [ $((misses * 100)) -lt $((faces * pct)) ]
}
check "walking: no face left, misses < 1%" facecheck_ok "$WALK" "$T/walk.mp4"
for c in head-pose-face-detection-female-and-male store-aisle-detection; do
	if need "$CLIPS/$c.mp4" "faces hidden in $c"; then
		"$CAMVEIL" anonymize -q --preset veryfast "$CLIPS/$c.mp4" "$T/$c.mp4"
		check "$c: no face left, misses < 1%" facecheck_ok "$CLIPS/$c.mp4" "$T/$c.mp4"
	fi
done
if [ -f "$CLIPS/asl_gestures/bird.mkv" ]; then
	check "bird (face cut by the frame edge): no face left, misses < 1%" \
		facecheck_ok "$CLIPS/asl_gestures/bird.mkv" "$T/bird.mkv"
fi
if [ -f "$RAW264" ]; then
	check "Foreman QCIF: no face left, misses < 1%" facecheck_ok "$RAW264" "$T/mr2.mkv"
fi

# Small faces in a large frame: the walking clip (faces ~13-20 px) placed
# in a 4K canvas, so only the tiled fine pass can find them: 66 tiles,
# visited in rotation, plus every frame the tiles of faces being tracked.
ffmpeg -v error -i "$WALK" -vf "pad=3840:2160:1700:900:color=0x707070" -c:v libx264 -preset ultrafast "$T/walk4k.mp4"
"$CAMVEIL" anonymize -q --preset ultrafast "$T/walk4k.mp4" "$T/walk4k-out.mp4"
check "4K frame with 13-20 px faces: no face left, misses < 1%" facecheck_ok "$T/walk4k.mp4" "$T/walk4k-out.mp4"

# Full-frame close-up: the head-pose clip cropped around the face and
# scaled so the face fills most of the frame.
if need "$CLIPS/head-pose-face-detection-male.mp4" "full-frame close-up"; then
	ffmpeg -v error -i "$CLIPS/head-pose-face-detection-male.mp4" \
		-vf "crop=150:150:165:40,scale=1080:1080" -c:v libx264 -preset ultrafast "$T/closeup.mp4"
	"$CAMVEIL" anonymize -q --preset ultrafast "$T/closeup.mp4" "$T/closeup-out.mp4"
	check "full-frame close-up: no face left, misses < 1%" facecheck_ok "$T/closeup.mp4" "$T/closeup-out.mp4"
fi

# --- modes -------------------------------------------------------------------
for m in pixelate blur; do
	"$CAMVEIL" anonymize -q --mode $m --json "$WALK" "$T/walk-$m.mp4" >"$T/$m.json"
	check "--mode $m keeps timing" same_timing "$WALK" "$T/walk-$m.mp4"
	r=$("$FACECHECK" "$WALK" "$T/walk-$m.mp4")
	echo "# facecheck $m: $r"
	check "--mode $m: no input face still found in the output" \
		test "$(echo "$r" | sed -n 's/.*"leaks":\([0-9]*\).*/\1/p')" = 0
done

# --- encoder options ---------------------------------------------------------
"$CAMVEIL" anonymize -q --bitrate 200k --preset veryfast "$WALK" "$T/br.mp4"
"$CAMVEIL" anonymize -q --crf 40 --preset veryfast "$WALK" "$T/crf40.mp4"
"$CAMVEIL" anonymize -q --crf 18 --preset veryfast "$WALK" "$T/crf18.mp4"
check "--crf 40 output is smaller than --crf 18" \
	test "$(stat -c %s "$T/crf40.mp4")" -lt "$(stat -c %s "$T/crf18.mp4")"
check "--bitrate output decodes with every frame" \
	test "$(frame_count "$T/br.mp4")" = "$(frame_count "$WALK")"
exit 0
