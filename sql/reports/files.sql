-- The files read into the database (all of them: a file is not bound to a period), with
-- their lines, events and what was rejected, skipped or counted before.
-- Read by: src/report.c (`tokstat summary`, and `tokstat report`, section files).
-- title: Files
-- shape: list
-- column: files | files | int
-- column: lines | lines | int
-- column: events | events | int
-- column: rejected | rejected | int
-- column: skipped | skipped | int
-- column: duplicates | duplicates | int
SELECT count(*) AS files, sum(lines) AS lines, sum(events) AS events, sum(rejected) AS rejected,
	sum(skipped) AS skipped, sum(duplicates) AS duplicates FROM files
