#!/bin/sh
# Run every tests/e2e/test_*.sh against ./tokstat; print "N passed, N failed".
# Each test script exits 0 on success; its output is shown only when it fails.
# Usage: tests/e2e/run.sh [TEST...]   (TOKSTAT=path overrides the binary; E2E_TMP=DIR holds
# the scratch directories, default tests/e2e/tmp: one per build, so check and asan can run at once)
set -u
cd "$(dirname "$0")/../.." || exit 2
TOKSTAT=${TOKSTAT:-$PWD/tokstat}
CORPUS=${CORPUS:-$PWD/../shared/corpus}
E2E_TMP=${E2E_TMP:-$PWD/tests/e2e/tmp}
export TOKSTAT CORPUS
pass=0 fail=0 failed=""
tests=${*:-$(ls tests/e2e/test_*.sh)}
for t in $tests; do
	name=$(basename "$t" .sh)
	work=$E2E_TMP/$name
	rm -rf "$work" && mkdir -p "$work"
	if WORK=$work sh "$t" >"$work.log" 2>&1; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		sed 's/^/     /' "$work.log" | tail -40
	fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
