-- name: model-users
-- description: Who used a model (a GLOB pattern) in the period, and since when: per user and credential
-- param: model:text              the model id, or a GLOB pattern such as 'claude-opus-4*' or '*gpt-5*'
-- param: from = NULL             start (--from DAY|TIME; default: no start)
-- param: to = NULL               end (--to DAY|TIME; default: no end)
-- param: limit = 50              rows shown
--
-- Read by `tokstat query model-users`. From the hourly aggregates, so "since when" is the
-- first UTC hour with a request (first_hour); the latest newcomers come first. The period
-- counts whole hours. A user NULL is requests that carried no user.
SELECT model, user, token, token_fp, min(hour) AS first_hour, max(hour) AS last_hour,
	sum(requests) AS requests, sum(errors) AS errors, sum(total_tokens) AS tokens
FROM hourly_usage
WHERE model GLOB :model
  AND hour >= coalesce(strftime('%Y-%m-%dT%H', :from), '')
  AND hour < coalesce(strftime('%Y-%m-%dT%H', :to, '+3599 seconds'), '9999')
GROUP BY model, user, token_fp
ORDER BY first_hour DESC, requests DESC, model, user, token_fp
LIMIT :limit;
