#!/bin/sh
# The main job on the bundled samples: install missing packages, build, ingest samples/,
# print a summary. The database is demo.db (remove it to start over; a second run adds nothing).
set -eu
cd "$(dirname "$0")/.."
sh tools/setup-debian.sh
make -s
DB=${TOKSTAT_DB:-demo.db}
./tokstat --db "$DB" ingest samples/proxy/*
./tokstat --db "$DB" verify
./tokstat --db "$DB" summary
