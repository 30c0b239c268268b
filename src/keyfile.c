/* The credential key's file: where it is, reading it with its checks, creating it. See keyfile.h. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYFILE_HEX (2 * CREDENTIAL_KEY_BYTES)

void keyfile_path(const char *db_path, const char *key_file, struct buf *out)
{
	if (key_file && *key_file)
		buf_adds(out, key_file);
	else
		buf_printf(out, "%s.key", db_path);
}

int keyfile_read(const char *path, unsigned char key[CREDENTIAL_KEY_BYTES], struct buf *err)
{
	char text[KEYFILE_HEX + 3];
	struct stat st;
	size_t got = 0, bin_len = 0;
	int rc = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		buf_printf(err, "%s: cannot read the credential key file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		buf_printf(err, "%s: the credential key file is not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		buf_printf(err, "%s: the credential key file may be read or written by others (mode %04o): "
				"it must be its owner's only (chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (got < sizeof(text)) {
		ssize_t r = read(fd, text + got, sizeof(text) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			buf_printf(err, "%s: cannot read the credential key file: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	while (got > 0 && (text[got - 1] == '\n' || text[got - 1] == '\r'))
		got--;
	if (got != KEYFILE_HEX ||
	    sodium_hex2bin(key, CREDENTIAL_KEY_BYTES, text, got, NULL, &bin_len, NULL) != 0 ||
	    bin_len != CREDENTIAL_KEY_BYTES) {
		buf_printf(err, "%s: not a tokstat credential key file (it holds %d hex digits and a newline)", path,
			   KEYFILE_HEX);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	close(fd);
	return rc;
}

/* Sync the directory that holds PATH, so a new name in it survives a crash. 0, or -1. */
static int sync_dir(const char *path)
{
	struct buf dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	if (!slash)
		buf_adds(&dir, ".");
	else
		buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	int fd = open(buf_str(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	buf_free(&dir);
	return rc;
}

int keyfile_create(const char *path, const unsigned char key[CREDENTIAL_KEY_BYTES], struct buf *err)
{
	char text[KEYFILE_HEX + 2];
	struct buf tmp = BUF_INIT;
	int fd = -1, rc = -1;

	buf_printf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.data); /* mode 0600, O_EXCL */
	if (fd < 0) {
		buf_printf(err, "%s: cannot create the credential key file: %s", path, strerror(errno));
		goto out;
	}
	sodium_bin2hex(text, sizeof(text), key, CREDENTIAL_KEY_BYTES);
	text[KEYFILE_HEX] = '\n';
	size_t done = 0;
	while (done < KEYFILE_HEX + 1) {
		ssize_t w = write(fd, text + done, KEYFILE_HEX + 1 - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			buf_printf(err, "%s: cannot write the credential key file: %s", path, strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, S_IRUSR | S_IWUSR) < 0 || fsync(fd) < 0) {
		buf_printf(err, "%s: cannot write the credential key file: %s", path, strerror(errno));
		goto out;
	}
	if (link(tmp.data, path) < 0) {
		if (errno == EEXIST)
			rc = 1;
		else
			buf_printf(err, "%s: cannot create the credential key file: %s", path, strerror(errno));
		goto out;
	}
	if (sync_dir(path) < 0) {
		buf_printf(err, "%s: cannot sync the directory of the credential key file: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	if (fd >= 0) {
		close(fd);
		unlink(tmp.data);
	}
	buf_free(&tmp);
	return rc;
}
