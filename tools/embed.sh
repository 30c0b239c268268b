#!/bin/sh
# Turn sql/ and parsers/ files into a C table so an installed tokstat needs nothing beside it.
# Usage: embed.sh FILE... > embedded.c   (read by build; see include/embedded.h)
# Each file is found by its path as given (sql/views.sql); store_migrate.c finds the migrations
# by theirs (sql/migrate/NNN-name.sql), so the Makefile passes every file under sql/migrate/.
set -e
echo '#include "embedded.h"'
i=0
for f in "$@"; do
	printf 'static const char file_%d[] = {\n' "$i"
	od -An -v -tx1 "$f" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
	printf '0x00};\n'
	i=$((i + 1))
done
echo 'const struct embedded_file embedded_files[] = {'
i=0
for f in "$@"; do
	printf '\t{ "%s", file_%d, sizeof(file_%d) - 1 },\n' "$f" "$i" "$i"
	i=$((i + 1))
done
printf '\t{ 0, 0, 0 }\n'
echo '};'
