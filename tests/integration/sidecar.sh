#!/bin/bash
# Sidecar files for recorders that drop SEI, end to end with the real
# binary: anonymize --mode encrypt --sidecar, the SEI stripped from the
# recording (ffmpeg's filter_units bitstream filter, as such a recorder
# would) and its timeline moved, then unlock request / approve / restore
# with --sidecar, checked pixel by pixel (sealcheck). A sidecar of another
# recording, a damaged one and a torn one are handled; the live proxy's
# per-run sidecar files restore a recording made by an SEI-stripping
# recorder over RTSP.
. "$(dirname "$0")/../lib.sh"

need "$CLIPS/head-pose-face-detection-female-and-male.mp4" "sidecar: shared clips" || exit 0
IN="$CLIPS/head-pose-face-detection-female-and-male.mp4"
OTHER="$CLIPS/face-demographics-walking.mp4"
cd "$T" || exit 1
A="--audit $T/audit.log"

# unlock RECORDING SIDECAR OUT [request args...]: request, two approvals, restore.
unlock() {
	local rec=$1 sc=$2 out=$3; shift 3
	rm -f "$out.req" "$out.a" "$out.b" "$out"
	"$CAMVEIL" unlock request $A --case S-1 "$@" --sidecar "$sc" "$rec" -o "$out.req" \
		>"$out.rq.txt" 2>&1
	"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw \
		"$out.req" -o "$out.a" >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw \
		"$out.req" -o "$out.b" >/dev/null 2>&1
	"$CAMVEIL" unlock restore $A --sidecar "$sc" "$rec" "$out.req" "$out.a" "$out.b" \
		-o "$out" >"$out.txt" 2>&1
}

for h in alice bob; do echo "correct horse $h" >"$h.pw"; done
"$CAMVEIL" keys init $A --threshold 2 --holder alice --holder bob --out keys \
	--kdf interactive --passphrase-file alice=alice.pw --passphrase-file bob=bob.pw >/dev/null 2>&1

# --- anonymize --sidecar -----------------------------------------------------
"$CAMVEIL" anonymize -q --json --mode encrypt --key keys/judicial.pub --camera lobby \
	--sidecar enc.cvsc "$IN" enc.mp4 >enc.json 2>enc.err
check "anonymize --sidecar writes the sidecar" test -s enc.cvsc
check "the sidecar holds every sealed byte (sidecar $(stat -c %s enc.cvsc) B, sealed $(json_field enc.json sealed_bytes) B)" \
	test "$(stat -c %s enc.cvsc)" -gt "$(json_field enc.json sealed_bytes)"
check "anonymize --sidecar refuses an existing file" \
	bash -c "! '$CAMVEIL' anonymize -q --mode encrypt --key keys/judicial.pub --sidecar enc.cvsc \
	'$IN' enc2.mp4 2>err && grep -q 'enc.cvsc: File exists' err && test ! -e enc2.mp4"
check "--sidecar without encrypt mode is refused" \
	bash -c "'$CAMVEIL' anonymize -q --sidecar x.cvsc '$IN' m.mp4 2>/dev/null; test \$? = 2"

# A recorder that drops SEI, and starts its timeline at 7.3 s.
ffmpeg -v error -i enc.mp4 -c copy -bsf:v filter_units=remove_types=6 -output_ts_offset 7.3 \
	stripped.mkv
check "the stripped recording has no seals in band" \
	bash -c "! '$CAMVEIL' unlock request $A --case S-0 --from 0 --to 60 stripped.mkv -o r0 \
	2>err && grep -q 'stripped the SEI' err"
unlock stripped.mkv enc.cvsc out.mkv --from 0 --to 10
check "request --sidecar lists the sealed items ($(head -1 out.mkv.rq.txt))" \
	grep -q "sealed face regions in scope" out.mkv.rq.txt
check "restore --sidecar lines the sidecar up ($(grep -m1 sidecar out.mkv.txt))" \
	grep -q "lined up" out.mkv.txt
sealcheck_ok "SEI-stripped, time-shifted recording restores exactly from the sidecar" \
	"$IN" enc.mp4 out.mkv.req out.mkv

# Media-time window: the sidecar's times are the encrypt output's, not the recorder's.
unlock stripped.mkv enc.cvsc part.mkv --from 1 --to 2.5
sealcheck_ok "a window in media time restores only that window" \
	"$IN" enc.mp4 part.mkv.req part.mkv

# --- wrong, damaged and torn sidecars ---------------------------------------------
need "$OTHER" "sidecar: second clip" && {
	"$CAMVEIL" anonymize -q --mode encrypt --key keys/judicial.pub --camera lobby \
		--sidecar other.cvsc "$OTHER" other.mp4 2>/dev/null
	"$CAMVEIL" unlock request $A --case S-2 --from 0 --to 60 --sidecar other.cvsc stripped.mkv \
		-o other.req >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw other.req \
		-o other.a >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw other.req \
		-o other.b >/dev/null 2>&1
	check "another recording's sidecar is refused, nothing written" \
		bash -c "! '$CAMVEIL' unlock restore $A --sidecar other.cvsc stripped.mkv other.req \
		other.a other.b -o wrong.mkv 2>err && grep -q 'does not match this recording' err &&
		test ! -e wrong.mkv"
}
cp enc.cvsc bad.cvsc
printf 'CVSX' | dd of=bad.cvsc conv=notrunc 2>/dev/null
check "a file that is not a sidecar is refused by name" \
	bash -c "! '$CAMVEIL' unlock request $A --case S-3 --from 0 --to 10 --sidecar bad.cvsc \
	stripped.mkv -o bad.req 2>err && grep -q 'bad.cvsc: not a camveil sidecar' err"
head -c $(( $(stat -c %s enc.cvsc) - 1000 )) enc.cvsc >torn.cvsc
unlock stripped.mkv torn.cvsc torn.mkv --from 0 --to 10
check "a torn sidecar (writer killed) still restores what it holds ($(cat torn.mkv.txt | tr '\n' ' '))" \
	grep -q "regions restored" torn.mkv.txt

# --- the live proxy: one sidecar per camera run ---------------------------------
mkdir seals
cat >px.yml <<YML
rtsp: { listen: "127.0.0.1:18754" }
http: { listen: "127.0.0.1:18780" }
audit: { log: "$T/px-audit.log" }
cameras:
  - name: lobby
    source: "$IN"
    mode: encrypt
    key: "$T/keys/judicial.pub"
    sidecar: "$T/seals"
YML
check "proxy -n accepts a sidecar directory" "$CAMVEIL" proxy -n -c px.yml
printf 'cameras:\n  - { name: a, source: x.mp4, sidecar: /tmp }\n' >px-bad.yml
check "proxy -n refuses sidecar without encrypt mode, naming the line" \
	bash -c "! '$CAMVEIL' proxy -n -c px-bad.yml 2>err && grep -q 'px-bad.yml:2: .*sidecar' err"
proxy_record px.yml http://127.0.0.1:18780 rtsp://127.0.0.1:18754/lobby 5 rec.mkv \
	-bsf:v filter_units=remove_types=6
SC=$(ls seals/lobby-*.cvsc 2>/dev/null | head -1)
check "the proxy wrote seals/lobby-TIME.cvsc ($SC)" test -s "$SC"
unlock rec.mkv "$SC" px-out.mkv --from "$T0" --to "$T1" --camera lobby
check "a proxy recording without SEI restores from the sidecar ($(cat px-out.mkv.txt | tr '\n' ' '))" \
	grep -q "regions restored" px-out.mkv.txt
check "audit log verifies" "$CAMVEIL" audit verify audit.log
