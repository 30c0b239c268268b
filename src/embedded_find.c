/* Lookup in the table of files compiled into the binary (see tools/embed.sh). */
#include <string.h>

#include "embedded.h"

const struct embedded_file *embedded_find(const char *path)
{
	for (const struct embedded_file *f = embedded_files; f->path; f++)
		if (strcmp(f->path, path) == 0)
			return f;
	return NULL;
}
