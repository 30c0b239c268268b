/* A growable byte buffer, always NUL-terminated: every string built at run time lives in one. */
#ifndef TOKSTAT_BUF_H
#define TOKSTAT_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append; then always NUL-terminated */
	size_t len;
	size_t cap;
};

#define BUF_INIT { 0, 0, 0 }

/* Make room for N more bytes. Aborts on out-of-memory (nothing sensible to do then). */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* The contents as a C string ("" when empty); valid until the next change. */
const char *buf_str(const struct buf *b);
void buf_free(struct buf *b);

/* Allocation helpers that abort with a message on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
