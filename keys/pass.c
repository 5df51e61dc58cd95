/*
 * Passphrase input (see pass.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "../util/err.h"
#include "pass.h"

/* One line from fd into buf (secure memory), without its line break. */
static int
read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap)
			return ERR_INVAL;
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int
read_tty(const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), ret, echo_off;

	if (fd < 0)
		return -errno;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return -errno;
	}
	echo_off = tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	ret = read_line(fd, buf, cap, len);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		ret = ret < 0 ? ret : -errno;
	close(fd);
	return ret;
}

int
pass_read(const char *path, const char *prompt, int confirm, char **out, size_t *len,
    char **cause)
{
	char *p = sodium_malloc(PASS_MAX + 1), *again = NULL;
	size_t n = 0, n2 = 0;
	int ret;

	*out = NULL;
	*len = 0;
	if (p == NULL)
		return ERR_NOMEM;
	if (path != NULL) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			ret = -errno;
			err_cause(cause, "%s: %s", path, strerror(errno));
			goto fail;
		}
		ret = read_line(fd, p, PASS_MAX + 1, &n);
		close(fd);
		if (ret < 0) {
			err_cause(cause, "%s: %s", path, ret == ERR_INVAL ?
			    "passphrase longer than 1024 bytes" : strerror(-ret));
			goto fail;
		}
	} else {
		ret = read_tty(prompt, p, PASS_MAX + 1, &n);
		if (ret < 0) {
			err_cause(cause, "cannot read a passphrase from the terminal: %s "
			    "(use --passphrase-file)", ret == ERR_INVAL ? "too long" : strerror(-ret));
			goto fail;
		}
		if (confirm) {
			again = sodium_malloc(PASS_MAX + 1);
			if (again == NULL) {
				ret = ERR_NOMEM;
				goto fail;
			}
			ret = read_tty("Again: ", again, PASS_MAX + 1, &n2);
			if (ret == 0 && (n2 != n || sodium_memcmp(again, p, n) != 0)) {
				ret = ERR_INVAL;
				err_cause(cause, "the passphrases differ");
			}
			sodium_free(again);
			if (ret < 0)
				goto fail;
		}
	}
	if (n < PASS_MIN) {
		ret = ERR_INVAL;
		err_cause(cause, "%s%spassphrase shorter than %d characters", path ? path : "",
		    path ? ": " : "", PASS_MIN);
		goto fail;
	}
	*out = p;
	*len = n;
	return 0;
fail:
	sodium_free(p);
	return ret;
}

void
pass_free(char **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_free(*p);
	*p = NULL;
}
