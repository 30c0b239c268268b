-- The last 20 requests of the period, newest first. Written as a range on epoch with
-- ORDER BY epoch DESC LIMIT 20, so that an index on event(epoch) reads 20 rows, not the table.
-- Read by: src/report.c (`tokstat report`, section recent).
-- title: Last 20 requests
-- shape: list
-- column: ts | time | time
-- column: endpoint | endpoint | text
-- column: token | credential | text
-- column: token_fp | fingerprint | text
-- column: status | status | int
SELECT ts, endpoint, token, token_fp, status FROM events
WHERE epoch >= :from_epoch AND epoch < :to_epoch
ORDER BY epoch DESC LIMIT 20
