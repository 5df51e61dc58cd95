#!/bin/bash
# camveil audit verify/show on real logs written by keys/audit.c (through
# tests/tools/audit-append): a good log verifies and prints its key; an
# edited, cut, reordered or forged one fails naming the first bad line;
# exit codes are 0 (verifies), 1 (does not, or unreadable), 2 (usage).
. "$(dirname "$0")/../lib.sh"
APPEND="$(dirname "$CAMVEIL")/tests/tools/audit-append"
need "$APPEND" "audit: tests/tools/audit-append (make unit)" || exit 0
LOG="$T/audit.log"

# run CMD...: sets rc, and $T/out, $T/err.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}
# expect NAME RC PATTERN CMD...: CMD exits RC and stdout+stderr match
# PATTERN (if not empty).
expect() {
	local name=$1 want=$2 pattern=$3; shift 3
	run "$@"
	if [ "$rc" -eq "$want" ] &&
	    { [ -z "$pattern" ] || cat "$T/out" "$T/err" | grep -qE -- "$pattern"; }; then
		ok "$name"
	else
		not_ok "$name (exit $rc: $(head -c 300 "$T/out" "$T/err"))"
	fi
}

"$APPEND" "$LOG" keys.init 'judge Zoë' 'AZ 12/2026' 'holders=3 k=2' ok &&
"$APPEND" "$LOG" unlock.request 'alice\tadmin' 'case\n42 100%' 'cam=front;window=PT5M' ok &&
"$APPEND" "$LOG" unlock.approve bob 'case\n42 100%' 'share 2' ok &&
"$APPEND" "$LOG" unlock.restore alice 'case\n42 100%' 'items=17' ok
check "audit-append writes a log" test $? -eq 0
check "key file is mode 0600" test "$(stat -c %a "$LOG.key")" = 600

expect "good log verifies" 0 "^$LOG: 5 records verify; public key [0-9a-f]{64}\$" \
	"$CAMVEIL" audit verify "$LOG"
PK=$(sed -n 's/.*public key \([0-9a-f]*\)$/\1/p' "$T/out")
check "public key is the one in the first record" \
	grep -q "	pk=$PK	" <(head -1 "$LOG")
check "success goes to stdout only" test ! -s "$T/err"
expect "pinned to its own key verifies" 0 "5 records verify" \
	"$CAMVEIL" audit verify --pubkey "$PK" "$LOG"
expect "--pubkey=HEX form, upper case" 0 "5 records verify" \
	"$CAMVEIL" audit verify --pubkey="${PK^^}" "$LOG"
expect "pinned to another key: line 1" 1 "^$LOG:1: .*pin" \
	"$CAMVEIL" audit verify --pubkey "$(printf '%064d' 7)" "$LOG"
check "failure goes to stderr only" test ! -s "$T/out"

expect "show prints records unescaped" 0 'alice\\tadmin +case\\n42 100%' \
	"$CAMVEIL" audit show "$LOG"
check "show has a header and a row per record" test "$(wc -l <"$T/out")" -eq 7

# tamper NAME LINE FILTER...: a copy through FILTER; verify names LINE.
tamper() {
	local name=$1 line=$2; shift 2
	"$@" <"$LOG" >"$T/t.log"
	expect "$name: line $line" 1 "^$T/t.log:$line: " "$CAMVEIL" audit verify "$T/t.log"
}
tamper "actor edited" 3 sed '3s/alice%09admin/alice%09root/'
tamper "scope edited" 4 sed '4s/share 2/share 3/'
tamper "time edited" 2 sed '2s/\t20[0-9][0-9]-/\t2019-/'
tamper "record deleted" 3 sed '3d'
tamper "first record deleted" 1 sed '1d'
tamper "records swapped" 3 awk 'NR == 3 { h = $0; next } { print } NR == 4 { print h }'
tamper "record duplicated" 4 sed '3p'
tamper "windows line endings" 1 sed 's/$/\r/'
head -c -1 "$LOG" >"$T/t.log"
expect "last newline cut: last line" 1 "^$T/t.log:5: .*newline" \
	"$CAMVEIL" audit verify "$T/t.log"
head -c 700 "$LOG" >"$T/t.log"
expect "cut mid-record: that line" 1 "^$T/t.log:[0-9]: .*newline" \
	"$CAMVEIL" audit verify "$T/t.log"
: >"$T/t.log"
expect "empty file" 1 "^$T/t.log:1: empty log" "$CAMVEIL" audit verify "$T/t.log"
expect "missing file names it" 1 "nope.log: cannot open: No such file" \
	"$CAMVEIL" audit verify "$T/nope.log"
expect "show stops at the bad line and fails" 1 "t.log:1: empty log" \
	"$CAMVEIL" audit show "$T/t.log"

# A record appended with another log's key: caught at that line.
"$APPEND" "$T/other.log" unlock.restore mallory "" everything ok
prev=$(tail -1 "$LOG" | tr -d '\n' | b2sum -l 256 | cut -d' ' -f1)
cp "$LOG" "$T/forged.log"
# Take other.log's second record, renumber it and chain it to LOG's last
# line: the signature no longer matches (other key, and edited).
sed -n 2p "$T/other.log" | awk -F'\t' -v OFS='\t' -v p="$prev" '{$2=6; $9=p; print}' \
	>>"$T/forged.log"
expect "forged record appended: line 6" 1 "^$T/forged.log:6: bad signature" \
	"$CAMVEIL" audit verify "$T/forged.log"

# The writer refuses to append to a log that does not verify.
sed '3s/alice/alicia/' "$LOG" >"$T/bad.log"
cp -p "$LOG.key" "$T/bad.log.key"
cp "$T/bad.log" "$T/bad.before"
expect "append refused on a tampered log" 1 "bad.log:3: .*refusing to append" \
	"$APPEND" "$T/bad.log" x y z w ok
check "tampered log left as it was" cmp -s "$T/bad.log" "$T/bad.before"
rm "$LOG.key.moved" 2>/dev/null
mv "$LOG.key" "$LOG.key.moved"
expect "append refused without the key file" 1 "audit.log.key: missing" \
	"$APPEND" "$LOG" x y z w ok
mv "$LOG.key.moved" "$LOG.key"
expect "append still works with it back" 0 "" "$APPEND" "$LOG" x y z w ok
expect "and the log verifies" 0 "6 records verify" "$CAMVEIL" audit verify "$LOG"

# Usage errors exit 2.
expect "no arguments" 2 "usage: camveil audit" "$CAMVEIL" audit
expect "unknown audit command" 2 "unknown command 'frob'" "$CAMVEIL" audit frob "$LOG"
expect "verify without LOG" 2 "expected one LOG" "$CAMVEIL" audit verify
expect "verify with two LOGs" 2 "expected one LOG" "$CAMVEIL" audit verify "$LOG" "$LOG"
expect "bad --pubkey" 2 "--pubkey: 'zz' is not" "$CAMVEIL" audit verify --pubkey zz "$LOG"
expect "short --pubkey" 2 "--pubkey: " "$CAMVEIL" audit verify --pubkey "${PK:1}" "$LOG"
expect "unknown option" 2 "usage: camveil audit" "$CAMVEIL" audit verify --frob "$LOG"
expect "--help exits 0" 0 "usage: camveil audit verify" "$CAMVEIL" audit --help
expect "listed in camveil --help" 0 "audit +verify the tamper-evident audit log" \
	"$CAMVEIL" --help
exit 0
