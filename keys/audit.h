/*
 * The audit log: an append-only, hash-chained, Ed25519-signed record of
 * every key ceremony, unlock request, approval and restore (and the
 * proxy's start, reload and key changes), for the data protection
 * officer. Format: docs/KEYS.md "Audit log".
 *
 * Each log FILE has its own signing key in FILE.key (created 0600,
 * O_EXCL|O_NOFOLLOW with the log's first record; secret in sodium_malloc
 * memory while open). The first record (event "log.open") carries the
 * public key; every record names the hash of the one before it and is
 * signed. Anyone without FILE.key who edits, removes, reorders or
 * inserts a record is caught by audit_verify; a DPO who keeps the public
 * key (printed by `camveil audit verify`) also catches a log rewritten
 * from scratch under a new key. What the chain cannot show: records cut
 * off the end (compare with a record count noted earlier), and history
 * rewritten by someone who holds FILE.key (keep it from everyone but
 * the process that writes the log, and copies of the log elsewhere).
 */
#ifndef CAMVEIL_AUDIT_H
#define CAMVEIL_AUDIT_H

#include <stddef.h>
#include <stdint.h>

/* Longest record line (escaped, without its LF) written or accepted. */
#define AUDIT_LINE_MAX 65536
/* How long audit_open waits for another holder of the log's lock. */
#define AUDIT_LOCK_WAIT_MS 10000

struct audit;

/* What happened. Strings are UTF-8; none may be NULL ("" if unknown). */
struct audit_record {
	const char *event;	/* e.g. "keys.init", "unlock.request", "unlock.approve",
				   "unlock.restore", "proxy.start", "proxy.reload";
				   not "log.open" (audit_open writes that one) */
	const char *actor;	/* who: holder name, user name, "camveil proxy" */
	const char *case_id;	/* court case, "" if none */
	const char *scope;	/* cameras, window, track, item count, files... */
	const char *result;	/* "ok" or a short failure reason */
};

/*
 * Open (creating if missing, with FILE.key) the log at path for
 * appending. Takes an exclusive lock (flock) on the log while open, so
 * records of two holders never interleave; waits AUDIT_LOCK_WAIT_MS for
 * it, then fails with ERR_TIMEOUT. Reads and verifies the whole log and
 * refuses (ERR_CORRUPT) one that does not fully verify, a log without
 * its FILE.key, a FILE.key without its log, and a FILE.key that is not
 * the log's key or is readable by others. On success *out is the open
 * log (free with audit_free); on failure *out is NULL and *cause (never
 * NULL as a parameter; free it) names the file and problem, or is NULL
 * if memory ran out.
 */
int audit_open(const char *path, struct audit **out, char **cause);

/* Same, waiting at most wait_ms for the lock (0: not at all, <0: forever). */
int audit_open_wait(const char *path, int wait_ms, struct audit **out,
    char **cause);

/* Wipe and free the signing key, release the lock, close; sets *a NULL. */
void audit_free(struct audit **a);

/*
 * Append one signed record (time = now, UTC) with a single write(), then
 * fsync. r and its strings are only read. On failure nothing is left in
 * the file; after a failed fsync or an outside change to the file the
 * handle refuses further records (reopen: audit_open verifies again).
 */
int audit_append(struct audit *a, const struct audit_record *r, char **cause);

/*
 * One-shot: open, append, close. For the offline subcommands.
 */
int audit_log(const char *path, const struct audit_record *r, char **cause);

struct audit_verify_result {
	int64_t records;	/* records that verified */
	int64_t bad_line;	/* 1-based line of the first bad record, 0 if all good */
	char reason[160];	/* why that record is bad */
	uint8_t pk[32];		/* the log's public key (from its first record) */
};

/*
 * Check the chain and every signature of the log text (whole file
 * content, need not be NUL-terminated). pin (32 bytes) or NULL: the
 * public key the log must have. Returns 0 if every record verifies,
 * ERR_CORRUPT with res->bad_line and res->reason set otherwise (ERR_IO
 * if libsodium cannot start). Allocates nothing. res is zeroed first.
 */
int audit_verify_buf(const char *text, size_t len, const uint8_t *pin,
    struct audit_verify_result *res);

/*
 * Same, reading path. ERR_IO (with cause) if it cannot be read;
 * ERR_CORRUPT with res set and *cause "PATH:LINE: REASON".
 */
int audit_verify_file(const char *path, const uint8_t *pin,
    struct audit_verify_result *res, char **cause);

/*
 * Undo the field escaping of a record in place: s holds one field of
 * len bytes (a TAB-separated piece of a verified line). Returns the
 * unescaped length; s is then NUL-terminated (s needs len + 1 bytes).
 * Bad escapes are kept as they are.
 */
size_t audit_unescape(char *s, size_t len);

#endif
