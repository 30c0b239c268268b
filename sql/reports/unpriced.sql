-- Models with tokens but no price in the period: their cost is NULL, never counted as 0
-- (`tokstat pricing missing` says why for each).
-- Read by: src/report.c (`tokstat report`, section unpriced).
-- title: Models without a price
-- shape: list
-- column: model | model | text
-- column: provider | provider | text
-- column: requests | requests | int | requests
-- column: tokens | tokens | int | tokens
SELECT model, provider, sum(requests) AS requests, sum(total_tokens) AS tokens, count(*) OVER () AS _total
FROM daily_usage WHERE day_number BETWEEN :from_day AND :to_day AND cost_usd IS NULL AND total_tokens > 0
GROUP BY model, provider ORDER BY tokens DESC, model LIMIT :top
