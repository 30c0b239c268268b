-- Models with tokens but no price in the period: their cost is NULL, never counted as 0
-- (`tokstat pricing missing` says why for each).
-- Read by: src/report.c (`tokstat report`, section unpriced), from temp.report_groups
-- (prepare.sql); requests: of the groups with unpriced tokens.
-- title: Models without a price
-- shape: list
-- column: model | model | text
-- column: provider | provider | text
-- column: requests | requests | int | requests
-- column: tokens | tokens | int | tokens
SELECT model, provider, sum(requests) AS requests, sum(unpriced_tokens) AS tokens, count(*) OVER () AS _total
FROM temp.report_groups WHERE unpriced_tokens > 0
GROUP BY model, provider ORDER BY tokens DESC, model LIMIT :top
