-- Model prices as dated data, and the published list prices tokstat starts with.
-- Run by store.c migrate() on a write-mode open when this file changed (hash in meta) or the
-- table is missing; read by the cost views in sql/views.sql; written by src/pricing.c
-- (`tokstat pricing import`).
--
-- Matching (sql/views.sql, price_match): a usage model M matches a price row's model K when
--   M = K, or M = K || '-latest', or M = K || '-NNN...' / K || '@NNN...' (a dated or numbered
--   release: '-' or '@' then at least three digits, e.g. -20241022, -2024-08-06, -001, @20241022);
--   or, when K ends in '*', M starts with K without the '*' (an explicit family prefix).
-- A short version suffix such as claude-opus-4 + '-6' does not match: claude-opus-4-6 is a
-- different model with a different price, and an unknown model must stay unpriced, not cheap.
-- Among matching rows a provider-specific row beats a provider-less one, then the longest K
-- wins, then an exact id beats a '*' family of the same length. A price is in force from its
-- effective_from day (UTC) until the next effective_from of the same (provider, model, tier).
--
-- Seeding never overwrites: INSERT OR IGNORE keyed on (provider, model, tier, effective_from), so a
-- price the user imported or changed for the same key stays as it is.

-- Tiers (sql/migrate/008-cache-1h-tiers.sql): a row with tier '' is the standard price; a row
-- with a tier ('batch', 'flex', 'priority') prices the usage a log says was served at that tier,
-- and beats the standard price wherever both are in force. Usage of a tier without a price of
-- its own takes the standard price, and `tokstat pricing missing` says so.
-- 1-hour cache writes (cache_write_1h_tokens, a part of cache_write_tokens) are billed at
-- cache_write_1h_per_mtok, else at the cache-write rate (else the input rate).
--
-- The table is made in this shape by migration 8; this is the same definition.
CREATE TABLE IF NOT EXISTS price (
	provider             TEXT NOT NULL DEFAULT '',  -- '' any provider; else only usage logged with it
	model                TEXT NOT NULL,             -- model id, or family prefix ending in '*'
	effective_from       TEXT NOT NULL CHECK (date(effective_from) IS effective_from),  -- YYYY-MM-DD, UTC
	input_per_mtok       REAL CHECK (input_per_mtok >= 0),        -- USD per 1M uncached input tokens
	output_per_mtok      REAL CHECK (output_per_mtok >= 0),
	cache_read_per_mtok  REAL CHECK (cache_read_per_mtok >= 0),   -- NULL: billed as input
	cache_write_per_mtok REAL CHECK (cache_write_per_mtok >= 0),  -- NULL: billed as input
	source               TEXT,                      -- 'seed: ...' or the file it was imported from
	cache_write_1h_per_mtok REAL CHECK (cache_write_1h_per_mtok >= 0),  -- NULL: billed as cache write
	tier                 TEXT NOT NULL DEFAULT '',  -- '' the standard price; else 'batch', 'flex', ...
	PRIMARY KEY (provider, model, tier, effective_from)
) WITHOUT ROWID;

-- Seed: USD per 1M tokens (input, output, cache read, cache write). Sources: the vendors' pricing
-- pages (openai.com/api/pricing, docs.anthropic.com/en/docs/about-claude/pricing,
-- ai.google.dev/gemini-api/docs/pricing), each checked against LiteLLM's
-- model_prices_and_context_window.json (../shared/corpus/litellm-pricing/, copies of 2026-03-12
-- and 2026-07-24; per-token cost x 1e6). A later row of the same model starts on the day
-- of a price change. Tiered prices (Gemini 2.5 Pro and Claude long context above
-- 200k prompt tokens) are seeded at their base tier.
-- A model's first list price is effective from 1970-01-01, not its release day (named in the
-- source): before release there is no other price it could have, and usage dated earlier
-- (clock skew, test data) is better priced than left NULL. Later price changes carry their day.
INSERT OR IGNORE INTO price(provider, model, effective_from, input_per_mtok, output_per_mtok,
	cache_read_per_mtok, cache_write_per_mtok, source) VALUES
-- OpenAI. No cache-write charge: cache_write NULL (billed as input; OpenAI logs report none).
-- gpt-4o launched at 5/15; the gpt-4o alias moved to gpt-4o-2024-08-06 pricing on 2024-10-02
-- (OpenAI model docs); gpt-4o-2024-05-13 kept 5/15 (LiteLLM: 5e-06 / 1.5e-05).
	('', 'gpt-4o',              '1970-01-01',  5.00,  15.00, NULL,   NULL, 'seed: openai.com/api/pricing 2024-05; LiteLLM gpt-4o-2024-05-13; released 2024-05-13'),
	('', 'gpt-4o',              '2024-10-02',  2.50,  10.00, 1.25,   NULL, 'seed: openai.com/api/pricing; LiteLLM gpt-4o 2.5e-06/1e-05/1.25e-06'),
	('', 'gpt-4o-2024-05-13',   '1970-01-01',  5.00,  15.00, NULL,   NULL, 'seed: openai.com/api/pricing; LiteLLM 5e-06/1.5e-05; released 2024-05-13'),
	('', 'gpt-4o-2024-08-06',   '1970-01-01',  2.50,  10.00, 1.25,   NULL, 'seed: openai.com/api/pricing; LiteLLM 2.5e-06/1e-05/1.25e-06; released 2024-08-06'),
	('', 'gpt-4o-mini',         '1970-01-01',  0.15,   0.60, 0.075,  NULL, 'seed: openai.com/api/pricing; LiteLLM 1.5e-07/6e-07/7.5e-08; released 2024-07-18'),
	('', 'gpt-4.1',             '1970-01-01',  2.00,   8.00, 0.50,   NULL, 'seed: openai.com/api/pricing; LiteLLM 2e-06/8e-06/5e-07; released 2025-04-14'),
	('', 'gpt-4.1-mini',        '1970-01-01',  0.40,   1.60, 0.10,   NULL, 'seed: openai.com/api/pricing; LiteLLM 4e-07/1.6e-06/1e-07; released 2025-04-14'),
	('', 'gpt-4.1-nano',        '1970-01-01',  0.10,   0.40, 0.025,  NULL, 'seed: openai.com/api/pricing; LiteLLM 1e-07/4e-07/2.5e-08; released 2025-04-14'),
	('', 'gpt-5',               '1970-01-01',  1.25,  10.00, 0.125,  NULL, 'seed: openai.com/api/pricing; LiteLLM 1.25e-06/1e-05/1.25e-07; released 2025-08-07'),
	('', 'gpt-5-chat',          '1970-01-01',  1.25,  10.00, 0.125,  NULL, 'seed: openai.com/api/pricing; LiteLLM gpt-5-chat-latest; released 2025-08-07'),
	('', 'gpt-5-mini',          '1970-01-01',  0.25,   2.00, 0.025,  NULL, 'seed: openai.com/api/pricing; LiteLLM 2.5e-07/2e-06/2.5e-08; released 2025-08-07'),
	('', 'gpt-5-nano',          '1970-01-01',  0.05,   0.40, 0.005,  NULL, 'seed: openai.com/api/pricing; LiteLLM 5e-08/4e-07/5e-09; released 2025-08-07'),
	('', 'gpt-5-codex',         '1970-01-01',  1.25,  10.00, 0.125,  NULL, 'seed: openai.com/api/pricing; LiteLLM 1.25e-06/1e-05/1.25e-07; released 2025-09-15'),
	('', 'gpt-5-pro',           '1970-01-01', 15.00, 120.00, NULL,   NULL, 'seed: openai.com/api/pricing; LiteLLM gpt-5-pro-2025-10-06 1.5e-05/1.2e-04; released 2025-10-06'),
	('', 'gpt-5.1',             '1970-01-01',  1.25,  10.00, 0.125,  NULL, 'seed: LiteLLM gpt-5.1-2025-11-13 1.25e-06/1e-05/1.25e-07; released 2025-11-13'),
	('', 'gpt-5.2',             '1970-01-01',  1.75,  14.00, 0.175,  NULL, 'seed: LiteLLM gpt-5.2-2025-12-11 1.75e-06/1.4e-05/1.75e-07; released 2025-12-11'),
-- o-series. o1-mini: 3/12 at launch, cut to 1.10/4.40 with the o3-mini launch (2025-01-31);
-- o3: 10/40 at launch, cut 80% to 2/8 on 2025-06-10 (OpenAI announcement; LiteLLM has 2e-06/8e-06).
	('', 'o1',                  '1970-01-01', 15.00,  60.00, 7.50,   NULL, 'seed: openai.com/api/pricing; LiteLLM o1-2024-12-17 1.5e-05/6e-05/7.5e-06; released 2024-12-17'),
	('', 'o1-mini',             '1970-01-01',  3.00,  12.00, NULL,   NULL, 'seed: openai.com/api/pricing 2024-09; LiteLLM o1-mini-2024-09-12 3e-06/1.2e-05; released 2024-09-12'),
	('', 'o1-mini',             '2025-01-31',  1.10,   4.40, 0.55,   NULL, 'seed: openai.com/api/pricing; LiteLLM o1-mini 1.1e-06/4.4e-06/5.5e-07'),
	('', 'o1-pro',              '1970-01-01',150.00, 600.00, NULL,   NULL, 'seed: openai.com/api/pricing; LiteLLM o1-pro-2025-03-19 1.5e-04/6e-04; released 2025-03-19'),
	('', 'o3-mini',             '1970-01-01',  1.10,   4.40, 0.55,   NULL, 'seed: openai.com/api/pricing; LiteLLM 1.1e-06/4.4e-06/5.5e-07; released 2025-01-31'),
	('', 'o3',                  '1970-01-01', 10.00,  40.00, 2.50,   NULL, 'seed: openai.com/api/pricing 2025-04 (o3 launch); released 2025-04-16'),
	('', 'o3',                  '2025-06-10',  2.00,   8.00, 0.50,   NULL, 'seed: openai.com/api/pricing 2025-06; LiteLLM o3 2e-06/8e-06/5e-07'),
	('', 'o3-pro',              '1970-01-01', 20.00,  80.00, NULL,   NULL, 'seed: openai.com/api/pricing; LiteLLM o3-pro-2025-06-10 2e-05/8e-05; released 2025-06-10'),
	('', 'o4-mini',             '1970-01-01',  1.10,   4.40, 0.275,  NULL, 'seed: openai.com/api/pricing; LiteLLM 1.1e-06/4.4e-06/2.75e-07; released 2025-04-16'),
-- Anthropic: cache write = 5-minute cache write (1.25 x input), cache read = 0.1 x input; the
-- 1-hour cache write (2 x input) is set by the UPDATE at the end.
	('', 'claude-opus-4-6',     '1970-01-01',  5.00,  25.00, 0.50,   6.25, 'seed: docs.anthropic.com pricing; LiteLLM claude-opus-4-6-20260205 5e-06/2.5e-05/5e-07/6.25e-06; released 2026-02-05'),
	('', 'claude-opus-4-5',     '1970-01-01',  5.00,  25.00, 0.50,   6.25, 'seed: docs.anthropic.com pricing; LiteLLM claude-opus-4-5-20251101 5e-06/2.5e-05/5e-07/6.25e-06; released 2025-11-01'),
	('', 'claude-opus-4-1',     '1970-01-01', 15.00,  75.00, 1.50,  18.75, 'seed: docs.anthropic.com pricing; LiteLLM claude-opus-4-1-20250805 1.5e-05/7.5e-05/1.5e-06/1.875e-05; released 2025-08-05'),
	('', 'claude-opus-4',       '1970-01-01', 15.00,  75.00, 1.50,  18.75, 'seed: docs.anthropic.com pricing; LiteLLM claude-opus-4-20250514; released 2025-05-14'),
	('', 'claude-opus-4-0',     '1970-01-01', 15.00,  75.00, 1.50,  18.75, 'seed: docs.anthropic.com (alias of claude-opus-4-20250514); released 2025-05-14'),
	('', 'claude-sonnet-4-5',   '1970-01-01',  3.00,  15.00, 0.30,   3.75, 'seed: docs.anthropic.com pricing; LiteLLM claude-sonnet-4-5-20250929 3e-06/1.5e-05/3e-07/3.75e-06; released 2025-09-29'),
	('', 'claude-sonnet-4',     '1970-01-01',  3.00,  15.00, 0.30,   3.75, 'seed: docs.anthropic.com pricing; LiteLLM claude-sonnet-4-20250514; released 2025-05-14'),
	('', 'claude-sonnet-4-0',   '1970-01-01',  3.00,  15.00, 0.30,   3.75, 'seed: docs.anthropic.com (alias of claude-sonnet-4-20250514); released 2025-05-14'),
	('', 'claude-haiku-4-5',    '1970-01-01',  1.00,   5.00, 0.10,   1.25, 'seed: docs.anthropic.com pricing; LiteLLM claude-haiku-4-5-20251001 1e-06/5e-06/1e-07/1.25e-06; released 2025-10-01'),
	('', 'claude-3-7-sonnet',   '1970-01-01',  3.00,  15.00, 0.30,   3.75, 'seed: docs.anthropic.com pricing; LiteLLM claude-3-7-sonnet-20250219; released 2025-02-19'),
	('', 'claude-3-5-sonnet',   '1970-01-01',  3.00,  15.00, 0.30,   3.75, 'seed: docs.anthropic.com pricing; LiteLLM 2026-03-12 claude-3-5-sonnet-20240620/20241022; released 2024-06-20'),
	('', 'claude-3-5-haiku',    '1970-01-01',  0.80,   4.00, 0.08,   1.00, 'seed: docs.anthropic.com pricing; LiteLLM 2026-03-12 claude-3-5-haiku-20241022 8e-07/4e-06/8e-08/1e-06; released 2024-10-22'),
	('', 'claude-3-opus',       '1970-01-01', 15.00,  75.00, 1.50,  18.75, 'seed: docs.anthropic.com pricing; LiteLLM claude-3-opus-20240229; released 2024-02-29'),
	('', 'claude-3-haiku',      '1970-01-01',  0.25,   1.25, 0.03,   0.30, 'seed: docs.anthropic.com pricing; LiteLLM claude-3-haiku-20240307; released 2024-03-07'),
-- Google Gemini API, paid tier, text. Context caching is billed per stored hour, not per write:
-- cache_write NULL. Gemini 2.5 Pro: prompts up to 200k tokens.
	('', 'gemini-2.0-flash',      '1970-01-01', 0.10,  0.40, 0.025,  NULL, 'seed: ai.google.dev pricing; LiteLLM gemini/gemini-2.0-flash 1e-07/4e-07/2.5e-08; released 2025-02-05'),
	('', 'gemini-2.0-flash-lite', '1970-01-01', 0.075, 0.30, 0.01875, NULL, 'seed: ai.google.dev pricing; LiteLLM gemini-2.0-flash-lite 7.5e-08/3e-07/1.875e-08; released 2025-02-25'),
	('', 'gemini-2.5-pro',        '1970-01-01', 1.25, 10.00, 0.125,  NULL, 'seed: ai.google.dev pricing (<=200k); LiteLLM gemini/gemini-2.5-pro 1.25e-06/1e-05/1.25e-07; released 2025-06-17'),
	('', 'gemini-2.5-flash',      '1970-01-01', 0.30,  2.50, 0.03,   NULL, 'seed: ai.google.dev pricing; LiteLLM gemini/gemini-2.5-flash 3e-07/2.5e-06/3e-08; released 2025-06-17'),
	('', 'gemini-2.5-flash-lite', '1970-01-01', 0.10,  0.40, 0.01,   NULL, 'seed: ai.google.dev pricing; LiteLLM gemini-2.5-flash-lite 1e-07/4e-07/1e-08; released 2025-07-22');

-- Anthropic's 1-hour cache writes cost twice the input rate (docs.anthropic.com pricing, "1h
-- cache writes"; LiteLLM's cache_creation_input_token_cost_above_1hr: 1e-05 for claude-opus-4-6).
-- Set on every Anthropic seed row still as seeded, also one an older tokstat stored without
-- it; a price imported over a seed has another source and is left as it is.
UPDATE price SET cache_write_1h_per_mtok = 2 * input_per_mtok
WHERE source LIKE 'seed: docs.anthropic.com%' AND tier = '' AND cache_write_1h_per_mtok IS NULL;
