-- The provider of an event whose log does not name one, told by its model, else its endpoint.
-- Read by src/provider.c (into a private in-memory database, once per ingest) for
-- src/encode.c, which stores the provider it gives, so every report and price sees it as if
-- it had been logged. Not run on tokstat's database.
--
-- A rule is a SQLite GLOB pattern (case-sensitive: the model is lowercased before it is
-- matched; the endpoint is the path as stored, query string dropped). Every model rule is
-- tried before any endpoint rule: a model names its vendor, while an endpoint shape such as
-- /v1/chat/completions is shared by the vendors that copy OpenAI's API. Within a field the
-- first matching rule (lowest rank) wins. A provider named by the log, or by a format's
-- "defaults", is never replaced.
-- Sources: the vendors' model lists and API references (platform.openai.com/docs/models,
-- docs.anthropic.com/en/docs/about-claude/models, ai.google.dev/gemini-api/docs/models,
-- docs.github.com/en/rest), and LiteLLM's litellm_provider of each model family.

CREATE TABLE provider_rule (
	rank     INTEGER PRIMARY KEY,  -- order within a field: the first match wins
	field    TEXT NOT NULL CHECK (field IN ('model', 'endpoint')),
	pattern  TEXT NOT NULL,        -- GLOB
	provider TEXT NOT NULL
);

INSERT INTO provider_rule(field, pattern, provider) VALUES
-- Models (lowercased). OpenAI: GPT, the o-series, and its other model families.
	('model', 'gpt-*', 'openai'),
	('model', 'chatgpt-*', 'openai'),
	('model', 'o1', 'openai'), ('model', 'o1-*', 'openai'),
	('model', 'o3', 'openai'), ('model', 'o3-*', 'openai'),
	('model', 'o4-*', 'openai'),
	('model', 'codex-*', 'openai'),
	('model', 'text-embedding-3-*', 'openai'), ('model', 'text-embedding-ada-*', 'openai'),
	('model', 'omni-moderation-*', 'openai'), ('model', 'text-moderation-*', 'openai'),
	('model', 'dall-e-*', 'openai'), ('model', 'whisper-*', 'openai'), ('model', 'tts-*', 'openai'),
	('model', 'davinci-*', 'openai'), ('model', 'babbage-*', 'openai'),
	('model', 'computer-use-preview*', 'openai'),
-- Anthropic
	('model', 'claude-*', 'anthropic'),
-- Google (the Gemini API; "models/" is how its REST paths and some SDKs name a model)
	('model', 'gemini-*', 'google'), ('model', 'models/gemini-*', 'google'),
	('model', 'gemma-*', 'google'), ('model', 'imagen-*', 'google'), ('model', 'veo-*', 'google'),
	('model', 'text-embedding-00*', 'google'), ('model', 'embedding-00*', 'google'),
-- Others with their own API and model names
	('model', 'mistral-*', 'mistral'), ('model', 'mixtral-*', 'mistral'),
	('model', 'codestral-*', 'mistral'), ('model', 'magistral-*', 'mistral'),
	('model', 'devstral-*', 'mistral'), ('model', 'pixtral-*', 'mistral'),
	('model', 'command-*', 'cohere'), ('model', 'embed-*', 'cohere'),
	('model', 'deepseek-*', 'deepseek'),
	('model', 'grok-*', 'xai'),
-- Endpoints. OpenAI's API (also behind a path prefix such as /openai/v1/...).
	('endpoint', '/v1/chat/completions', 'openai'), ('endpoint', '*/v1/chat/completions', 'openai'),
	('endpoint', '/v1/completions', 'openai'),
	('endpoint', '/v1/responses', 'openai'), ('endpoint', '/v1/responses/*', 'openai'),
	('endpoint', '*/v1/responses', 'openai'),
	('endpoint', '/v1/embeddings', 'openai'), ('endpoint', '/v1/moderations', 'openai'),
	('endpoint', '/v1/batches', 'openai'), ('endpoint', '/v1/batches/*', 'openai'),
	('endpoint', '/v1/audio/*', 'openai'), ('endpoint', '/v1/images/*', 'openai'),
	('endpoint', '/v1/realtime*', 'openai'),
-- Anthropic's Messages API (and its batches and token counting under it)
	('endpoint', '/v1/messages', 'anthropic'), ('endpoint', '/v1/messages/*', 'anthropic'),
	('endpoint', '*/v1/messages', 'anthropic'), ('endpoint', '/v1/complete', 'anthropic'),
-- Google: the Gemini API's model methods (/v1beta/models/gemini-2.0-flash:generateContent)
	('endpoint', '*:generateContent', 'google'), ('endpoint', '*:streamGenerateContent', 'google'),
	('endpoint', '*:countTokens', 'google'), ('endpoint', '*:embedContent', 'google'),
	('endpoint', '*:batchEmbedContents', 'google'), ('endpoint', '*:batchGenerateContent', 'google'),
-- GitHub's REST and GraphQL API (api.github.com, and /api/v3 on GitHub Enterprise Server):
-- its top-level resources, each specific enough not to be a web site's page.
	('endpoint', '/repos/*', 'github'), ('endpoint', '/orgs/*', 'github'),
	('endpoint', '/user', 'github'), ('endpoint', '/user/*', 'github'),
	('endpoint', '/users/*', 'github'), ('endpoint', '/graphql', 'github'),
	('endpoint', '/rate_limit', 'github'), ('endpoint', '/installation/*', 'github'),
	('endpoint', '/app/installations*', 'github'), ('endpoint', '/enterprises/*', 'github'),
	('endpoint', '/gists', 'github'), ('endpoint', '/gists/*', 'github'),
	('endpoint', '/search/code', 'github'), ('endpoint', '/search/issues', 'github'),
	('endpoint', '/search/repositories', 'github'), ('endpoint', '/search/commits', 'github'),
	('endpoint', '/api/v3/*', 'github'), ('endpoint', '/api/graphql', 'github');
