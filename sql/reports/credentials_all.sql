-- Every credential the database holds, busiest first, with its status and latest reading.
-- Read by: src/report.c (`tokstat summary`).
-- title: Credentials
-- shape: list
-- column: token | token | text
-- column: token_fp | token_fp | text
-- column: status | status | badge
-- column: requests | requests | int | requests
-- column: errors | errors | int | requests
-- column: rl_remaining | rl_remaining | int | requests
-- column: last_seen | last_seen | time
SELECT token, token_fp, status, requests, errors, rl_remaining, last_seen FROM credentials
ORDER BY requests DESC, token
