#!/bin/bash
# Encrypt mode end to end with the real binary: key ceremony, anonymize
# --mode encrypt, unlock request / approve / restore, checked pixel by
# pixel against the original (sealcheck), plus every refusal the issue
# asks for: too few approvals, forged or altered approvals, approvals
# replayed for another request, an altered request, an altered seal in
# the recording, the wrong passphrase, another ceremony's share. Remuxed
# recordings (ffmpeg -c copy to mkv and MPEG-TS) still restore.
. "$(dirname "$0")/../lib.sh"
TOOLS="$(dirname "$CAMVEIL")/tests/tools"
FACECHECK="$TOOLS/facecheck"

need "$CLIPS/head-pose-face-detection-female-and-male.mp4" "unlock: shared clips" || exit 0
IN="$CLIPS/head-pose-face-detection-female-and-male.mp4"
cd "$T" || exit 1
A="--audit $T/audit.log"

# flip_b64 IN OUT OFFSET: copy an armored file with one bit of its blob flipped.
flip_b64() {
	{ head -1 "$1"; sed -n 2p "$1" | base64 -d | perl -e '
		local $/; my $b = <STDIN>; my $o = $ARGV[0] % length($b);
		substr($b, $o, 1) = chr(ord(substr($b, $o, 1)) ^ 0x10); print $b;' "$3" |
		base64 -w0; echo; } >"$2"
}
# restore_fails NAME PATTERN ARGS...: restore refuses with PATTERN, writes nothing.
restore_fails() {
	local name=$1 pat=$2; shift 2
	rm -f "$T/refused.mkv"
	if "$CAMVEIL" unlock restore $A "$@" -o "$T/refused.mkv" 2>"$T/err" ||
	    ! grep -q -- "$pat" "$T/err" || [ -e "$T/refused.mkv" ]; then
		not_ok "$name"; sed 's/^/# /' "$T/err"
	else
		ok "$name"
	fi
}

# --- ceremony --------------------------------------------------------------
for h in alice bob carol; do echo "correct horse $h" >"$h.pw"; done
"$CAMVEIL" keys init $A --threshold 2 --holder alice --holder bob --holder carol \
	--out keys --kdf interactive --passphrase-file alice=alice.pw \
	--passphrase-file bob=bob.pw --passphrase-file carol=carol.pw >init.out 2>&1
check "keys init writes judicial.pub and one share per holder" \
	test -s keys/judicial.pub -a -s keys/alice.share -a -s keys/bob.share -a -s keys/carol.share
check "shares are mode 0600" test "$(stat -c %a keys/alice.share keys/bob.share keys/carol.share | sort -u)" = 600
check "keys init refuses to replace an existing ceremony" \
	bash -c "! '$CAMVEIL' keys init --audit '$T/audit.log' --threshold 1 --holder alice --out keys \
	--kdf interactive --passphrase-file alice=alice.pw 2>/dev/null"
check "keys init refuses threshold above the holder count" \
	bash -c "'$CAMVEIL' keys init --threshold 3 --holder a --holder b --out k2 2>/dev/null; test \$? = 2"
check "keys init refuses a short passphrase" \
	bash -c "echo short >short.pw; ! '$CAMVEIL' keys init --audit '$T/audit.log' --threshold 1 \
	--holder zed --out k3 --kdf interactive --passphrase-file zed=short.pw 2>/dev/null"
echo "another one here" >other.pw
"$CAMVEIL" keys init $A --threshold 1 --holder mallory --out other --kdf interactive \
	--passphrase-file mallory=other.pw >/dev/null 2>&1

# --- encrypt mode ----------------------------------------------------------
"$CAMVEIL" anonymize -q --json --mode encrypt --key keys/judicial.pub --camera lobby \
	"$IN" enc.mp4 >enc.json 2>enc.err
check "anonymize --mode encrypt writes output" test -s enc.mp4
check "encrypt mode seals every obscured region" \
	test "$(json_field enc.json sealed_regions)" = "$(json_field enc.json face_regions)" -a \
	"$(json_field enc.json sealed_regions)" -gt 0 -a "$(json_field enc.json seal_errors)" = 0
if [ -x "$FACECHECK" ]; then
	"$FACECHECK" "$IN" enc.mp4 >fc.json 2>/dev/null
	check "encrypt output hides faces as mask does (facecheck leaks 0: $(cat fc.json))" \
		test "$(json_field fc.json leaks)" = 0
fi
check "anonymize --mode encrypt without --key is a usage error" \
	bash -c "'$CAMVEIL' anonymize --mode encrypt '$IN' x.mp4 2>/dev/null; test \$? = 2"
check "anonymize --key with a damaged key file fails clearly" \
	bash -c "flip() { :; }; head -c 100 keys/judicial.pub >bad.pub;
	! '$CAMVEIL' anonymize --mode encrypt --key bad.pub '$IN' x.mp4 2>err && grep -q bad.pub err"

# --- request, approve, restore ---------------------------------------------
"$CAMVEIL" unlock request $A --case C-2026-17 --from 0 --to 2.5 enc.mp4 -o req1 >req1.out 2>&1
check "unlock request lists the items in the window" grep -q "sealed face regions in scope" req1.out
check "unlock request refuses a window with no faces" \
	bash -c "! '$CAMVEIL' unlock request --audit '$T/audit.log' --case X --from 500 --to 600 enc.mp4 -o r0 2>/dev/null && test ! -e r0"
check "unlock request refuses mixed time kinds" \
	bash -c "'$CAMVEIL' unlock request --case X --from 0 --to 2026-01-01T00:00:00Z enc.mp4 -o r0 2>/dev/null; test \$? = 2"
"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw req1 -o ap.alice >ap.out 2>&1
check "approve prints the case, scope and item count" \
	grep -q "C-2026-17" ap.out -a && grep -q "items: .* sealed face regions" ap.out
"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw req1 -o ap.bob >/dev/null 2>&1
"$CAMVEIL" unlock approve $A --share keys/carol.share --passphrase-file carol.pw req1 -o ap.carol >/dev/null 2>&1
check "every holder approves" test -s ap.alice -a -s ap.bob -a -s ap.carol
check "approve with the wrong passphrase is refused" \
	bash -c "! '$CAMVEIL' unlock approve --audit '$T/audit.log' --share keys/alice.share \
	--passphrase-file bob.pw req1 -o ap.x 2>err && grep -q 'wrong passphrase' err && test ! -e ap.x"
check "a share of another judicial key cannot approve" \
	bash -c "! '$CAMVEIL' unlock approve --audit '$T/audit.log' --share other/mallory.share \
	--passphrase-file other.pw req1 -o ap.m 2>err && grep -q 'another judicial key' err"

for pair in "alice bob" "alice carol" "bob carol" "carol alice"; do
	set -- $pair
	"$CAMVEIL" unlock restore $A enc.mp4 req1 ap.$1 ap.$2 -o "out-$1-$2.mkv" >/dev/null 2>&1
	sealcheck_ok "approvals of $1 and $2 restore the window exactly" "$IN" enc.mp4 req1 "out-$1-$2.mkv"
done
"$CAMVEIL" unlock restore $A enc.mp4 req1 ap.alice ap.bob ap.carol -o out-3.mkv >/dev/null 2>&1
check "all three approvals restore too" test -s out-3.mkv
check "restore refuses to replace an existing file" \
	bash -c "! '$CAMVEIL' unlock restore --audit '$T/audit.log' enc.mp4 req1 ap.alice ap.bob -o out-3.mkv 2>/dev/null"

restore_fails "one approval (K-1) restores nothing" "the key needs 2" enc.mp4 req1 ap.alice
restore_fails "the same holder twice counts once" "the key needs 2" enc.mp4 req1 ap.alice ap.alice
"$CAMVEIL" unlock request $A --case C-2026-18 --from 2 --to 4 enc.mp4 -o req2 >/dev/null 2>&1
"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw req2 -o ap2.bob >/dev/null 2>&1
restore_fails "an approval replayed from another request is rejected" "another request" \
	enc.mp4 req1 ap.alice ap2.bob
for off in 5 40 120 200 300 420 520 700; do
	flip_b64 ap.carol "ap.flip$off" $off
	restore_fails "approval with a bit flipped at byte $off is rejected" "approval" \
		enc.mp4 req1 ap.alice "ap.flip$off"
done
for off in 8 30 60 90 140; do
	flip_b64 req1 "req.flip$off" $off
	restore_fails "request with a bit flipped at byte $off is rejected" "request" \
		enc.mp4 "req.flip$off" ap.alice ap.carol
done
# A bit flipped inside a seal's ciphertext in the recording itself.
perl -e '
	local $/; open(my $f, "<", "enc.mp4") or die; binmode $f; my $b = <$f>;
	my $u = pack("H*", "637665696c2d4d1e9a2f5bc407d38851");
	my $p = index($b, $u); die "no seal" if $p < 0;
	substr($b, $p + 300, 1) = chr(ord(substr($b, $p + 300, 1)) ^ 1);
	open(my $o, ">", "enc-flip.mp4") or die; binmode $o; print $o $b;'
restore_fails "a seal altered in the recording fails closed" "does not decrypt" \
	enc-flip.mp4 req1 ap.alice ap.carol

# --- scope -------------------------------------------------------------------
"$CAMVEIL" unlock request $A --case C-3 --from 0:00:01 --to 0:00:03.5 --track 1 enc.mp4 -o reqt >reqt.out 2>&1
check "a one-track request lists only that track" \
	bash -c "grep -q 'track 1:' reqt.out && ! grep -q 'track 2:' reqt.out"
"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw reqt -o apt.a >/dev/null 2>&1
"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw reqt -o apt.b >/dev/null 2>&1
"$CAMVEIL" unlock restore $A enc.mp4 reqt apt.a apt.b -o outt.mkv >/dev/null 2>&1
sealcheck_ok "track 1 in 1-3.5 s restored; other track and times stay masked" "$IN" enc.mp4 reqt outt.mkv

# --- remuxed recordings ------------------------------------------------------
for ext in mkv ts; do
	ffmpeg -v error -i enc.mp4 -c copy "remux.$ext"
	"$CAMVEIL" unlock request $A --case C-4 --from 0 --to 10 "remux.$ext" -o "req.$ext" >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw "req.$ext" -o "ap.$ext.a" >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/carol.share --passphrase-file carol.pw "req.$ext" -o "ap.$ext.c" >/dev/null 2>&1
	"$CAMVEIL" unlock restore $A "remux.$ext" "req.$ext" "ap.$ext.a" "ap.$ext.c" -o "out-remux-$ext.mkv" >/dev/null 2>&1
	sealcheck_ok "recording remuxed to $ext with ffmpeg -c copy restores exactly" \
		"$IN" "remux.$ext" "req.$ext" "out-remux-$ext.mkv"
done

# --- H.265 -------------------------------------------------------------------
# camveil writes the SEI NAL units itself (x265's own udu_sei overflows its
# heap when seals grow between frames): the same restore from H.265, in mkv
# and remuxed to mp4 (hvcC length prefixes).
"$CAMVEIL" anonymize -q --json --mode encrypt --codec libx265 --key keys/judicial.pub \
	--camera lobby "$IN" enc265.mkv >enc265.json 2>enc265.err
check "encrypt mode with libx265 seals every obscured region" \
	test "$(json_field enc265.json sealed_regions)" = "$(json_field enc265.json face_regions)" -a \
	"$(json_field enc265.json sealed_regions)" -gt 0 -a "$(json_field enc265.json seal_errors)" = 0
ffmpeg -v error -i enc265.mkv -c copy enc265.mp4
for f in enc265.mkv enc265.mp4; do
	"$CAMVEIL" unlock request $A --case C-265 --from 0 --to 10 "$f" -o "req.$f" >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw "req.$f" \
		-o "ap.$f.b" >/dev/null 2>&1
	"$CAMVEIL" unlock approve $A --share keys/carol.share --passphrase-file carol.pw "req.$f" \
		-o "ap.$f.c" >/dev/null 2>&1
	"$CAMVEIL" unlock restore $A "$f" "req.$f" "ap.$f.b" "ap.$f.c" -o "out-$f.mkv" >/dev/null 2>&1
	sealcheck_ok "H.265 encrypt output ($f) restores exactly" "$IN" "$f" "req.$f" "out-$f.mkv"
done

# --- the live proxy in encrypt mode, unlocked by wall-clock time ------------------
cat >px.yml <<YML
rtsp: { listen: "127.0.0.1:18654" }
http: { listen: "127.0.0.1:18680" }
audit: { log: "$T/px-audit.log" }
cameras:
  - name: lobby
    source: "$IN"
    mode: encrypt
    key: "$T/keys/judicial.pub"
YML
check "proxy -n accepts an encrypt camera" "$CAMVEIL" proxy -n -c px.yml
printf 'cameras:\n  - { name: a, source: x.mp4, mode: encrypt }\n' >px-bad.yml
check "proxy -n refuses encrypt without key, naming the line" \
	bash -c "! '$CAMVEIL' proxy -n -c px-bad.yml 2>err && grep -q 'px-bad.yml:2: .*needs key' err"
proxy_record px.yml http://127.0.0.1:18680 rtsp://127.0.0.1:18654/lobby 5 rec.mkv
"$CAMVEIL" unlock request $A --case P-1 --from "$T0" --to "$T1" --camera lobby rec.mkv -o rq.px >rq.px.out 2>&1
check "a proxy recording is requested by wall-clock window ($(head -1 rq.px.out))" \
	grep -q "sealed face regions in scope" rq.px.out
"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw rq.px -o ap.px.a >/dev/null 2>&1
"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw rq.px -o ap.px.b >/dev/null 2>&1
"$CAMVEIL" unlock restore $A rec.mkv rq.px ap.px.a ap.px.b -o px-out.mkv >px-out.txt 2>&1
check "the proxy recording restores ($(cat px-out.txt))" grep -q "regions restored" px-out.txt
# The same with an H.265 camera: the big SEI NAL units cross RTSP (RFC 7798 FUs).
sed -e 's/18654/18656/; s/18680/18682/' -e 's/    mode: encrypt/    mode: encrypt\n    codec: h265/' \
	px.yml >px265.yml
proxy_record px265.yml http://127.0.0.1:18682 rtsp://127.0.0.1:18656/lobby 4 rec265.mkv
"$CAMVEIL" unlock request $A --case P-265 --from "$T0" --to "$T1" rec265.mkv -o rq.265 >/dev/null 2>&1
"$CAMVEIL" unlock approve $A --share keys/alice.share --passphrase-file alice.pw rq.265 -o ap.265.a >/dev/null 2>&1
"$CAMVEIL" unlock approve $A --share keys/bob.share --passphrase-file bob.pw rq.265 -o ap.265.b >/dev/null 2>&1
"$CAMVEIL" unlock restore $A rec265.mkv rq.265 ap.265.a ap.265.b -o px265-out.mkv >px265-out.txt 2>&1
check "an H.265 proxy recording restores ($(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 rec265.mkv): $(cat px265-out.txt))" \
	bash -c "grep -q 'regions restored' px265-out.txt && ffprobe -v error -show_entries stream=codec_name -of csv=p=0 rec265.mkv | grep -qx hevc"
check "the proxy's audit log names the encrypt camera and key" \
	bash -c "'$CAMVEIL' audit verify px-audit.log >/dev/null && grep -q 'proxy.start.*lobby key=' px-audit.log"

# --- audit -------------------------------------------------------------------
check "audit log verifies after the whole workflow" "$CAMVEIL" audit verify audit.log
check "audit log records ceremony, requests, approvals, restores and refusals" \
	bash -c "grep -q keys.init audit.log && grep -q unlock.request audit.log &&
	grep -q unlock.approve audit.log && grep -q 'unlock.restore.*ok' audit.log &&
	grep -q 'unlock.restore.*refused' audit.log && grep -q 'unlock.approve.*refused' audit.log"
