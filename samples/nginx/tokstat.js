/*
 * tokstat's body filter for nginx's njs module: reads the usage block of an LLM API
 * response as it passes through (unchanged) and sets the variables that tokstat.conf's
 * log_format writes as model=, input_tokens=, prompt_tokens=, output_tokens=,
 * cache_read_tokens=, cache_write_tokens= and usage= (see README, "Logging from nginx").
 *
 * Reads non-streamed JSON (OpenAI Chat Completions and Responses, Anthropic Messages,
 * Gemini generateContent, also as a JSON array of chunks) and SSE streams (OpenAI's final
 * usage chunk, Anthropic's message_start and message_delta, Gemini's last usageMetadata).
 * Memory is bounded: a JSON body is held only up to $tokstat_body_max bytes (above it:
 * usage=skipped); a stream is read line by line and only the usage fields are kept.
 *
 * Token semantics as tokstat stores them (README, "The query surface"): Anthropic's
 * input_tokens exclude the cache and are logged as input_tokens; OpenAI's prompt_tokens
 * (Responses: input_tokens) and Gemini's promptTokenCount include cached reads and are
 * logged as prompt_tokens, with the cached part as cache_read_tokens, so that tokstat
 * subtracts it. Reasoning and thinking tokens count as output: OpenAI includes them in
 * completion_tokens/output_tokens already; Gemini's thoughtsTokenCount is added here.
 * A response without usage leaves every count unset: "-" in the log, NULL in tokstat;
 * so does a body that never ended (a stream cut short), whose counts would be partial.
 *
 * usage= says what happened: ok (usage read), none (the body had none), skipped (a body
 * or an SSE line above $tokstat_body_max: no counts, rather than partial ones),
 * compressed (the upstream compressed the body: set Accept-Encoding ""), error (a body
 * that was not the JSON it claimed to be).
 *
 * njs runs each request in its own copy of the VM, so the state below is per request.
 */

var DEFAULT_MAX = 1048576;

var st = null;

function start(r) {
	var ct = r.headersOut['Content-Type'] || '';
	var enc = r.headersOut['Content-Encoding'] || '';
	var max = parseInt(r.variables.tokstat_body_max, 10);
	var s = {
		mode: 'off', result: 'none', max: max > 0 ? max : DEFAULT_MAX,
		size: 0, parts: [], pending: null, dropping: false,
		skipped: false, bad: false, found: false,
		provider: r.variables.tokstat_provider || '',
		model: '', input: null, prompt: null, output: null, cacheRead: null, cacheWrite: null,
	};
	if (enc !== '' && enc.toLowerCase() !== 'identity')
		s.result = 'compressed';
	else if (/event-stream/i.test(ct))
		s.mode = 'sse';
	else if (/json/i.test(ct))
		s.mode = 'json';
	return s;
}

/* A count as the API sends it: a non-negative integer, else not a count at all. */
function count(v) {
	return typeof v === 'number' && isFinite(v) && v >= 0 && Math.floor(v) === v ? v : null;
}

/* The sum of the counts present; null when none is. */
function sum() {
	var total = null;
	for (var i = 0; i < arguments.length; i++) {
		var v = count(arguments[i]);
		if (v !== null)
			total = (total === null ? 0 : total) + v;
	}
	return total;
}

function setModel(m) {
	if (typeof m === 'string' && m !== '')
		st.model = m;
}

/* Set a count when the usage block has it (a later block of one stream overrides). */
function put(field, v) {
	v = count(v);
	if (v !== null) {
		st[field] = v;
		st.found = true;
	}
}

/* Anthropic: input_tokens are uncached; message_delta repeats the cumulative counts. */
function anthropic(u) {
	if (!u)
		return;
	put('input', u.input_tokens);
	put('cacheRead', u.cache_read_input_tokens);
	put('cacheWrite', u.cache_creation_input_tokens);
	put('output', u.output_tokens);
}

/* OpenAI Chat Completions: prompt_tokens include cached reads, completion_tokens reasoning. */
function chat(u) {
	put('prompt', u.prompt_tokens);
	put('cacheRead', u.prompt_tokens_details ? u.prompt_tokens_details.cached_tokens : null);
	put('output', u.completion_tokens);
}

/* OpenAI Responses: input_tokens include cached reads, output_tokens reasoning. */
function responses(u) {
	put('prompt', u.input_tokens);
	put('cacheRead', u.input_tokens_details ? u.input_tokens_details.cached_tokens : null);
	put('output', u.output_tokens);
}

/* Gemini: every chunk carries the running counts, so the last usageMetadata replaces all. */
function gemini(u) {
	if (!u)
		return;
	st.prompt = st.cacheRead = st.output = null;
	put('prompt', sum(u.promptTokenCount, u.toolUsePromptTokenCount));
	put('cacheRead', u.cachedContentTokenCount);
	put('output', sum(u.candidatesTokenCount, u.thoughtsTokenCount));
}

/* One parsed JSON body or SSE event. */
function take(o) {
	if (Array.isArray(o)) { /* Gemini's streamGenerateContent without alt=sse */
		o.forEach(take);
		return;
	}
	if (!o || typeof o !== 'object')
		return;
	if (o.type === 'message_start' && o.message) {
		setModel(o.message.model);
		anthropic(o.message.usage);
	} else if (o.type === 'message_delta') {
		anthropic(o.usage);
	} else if (o.type === 'message') {
		setModel(o.model);
		anthropic(o.usage);
	} else if (o.object === 'response') {
		setModel(o.model);
		if (o.usage)
			responses(o.usage);
	} else if (typeof o.type === 'string' && o.type.indexOf('response.') === 0 && o.response) {
		take(o.response); /* a Responses stream: response.completed carries the usage */
	} else if (o.usageMetadata || o.modelVersion) {
		setModel(o.modelVersion);
		gemini(o.usageMetadata);
	} else if (o.usage || o.model) { /* Chat Completions, and servers that answer like it */
		setModel(o.model);
		var u = o.usage;
		if (u && typeof u === 'object') {
			if ('prompt_tokens' in u)
				chat(u);
			else if (st.provider === 'anthropic' || 'cache_read_input_tokens' in u)
				anthropic(u);
			else
				responses(u);
		}
	}
}

function parse(text) {
	var o;
	try {
		o = JSON.parse(text);
	} catch (e) {
		st.bad = true;
		return;
	}
	take(o);
}

/* One SSE line: only data lines that can hold usage are parsed. */
function sseLine(b) {
	var s = b.toString();
	if (s.length && s.charCodeAt(s.length - 1) === 13)
		s = s.slice(0, -1);
	if (s.indexOf('data:') !== 0 || s.indexOf('usage') < 0 && s.indexOf('"model') < 0)
		return;
	s = s.slice(5).trim();
	if (s !== '[DONE]')
		parse(s);
}

/* Split a stream into lines; a line above the limit is dropped and marks the body skipped. */
function feed(data) {
	var buf = data, from = 0, nl;
	if (st.dropping) {
		nl = buf.indexOf(10);
		if (nl < 0)
			return;
		st.dropping = false;
		from = nl + 1;
	} else if (st.pending) {
		buf = Buffer.concat([st.pending, data]);
		st.pending = null;
	}
	while ((nl = buf.indexOf(10, from)) >= 0) {
		sseLine(buf.slice(from, nl));
		from = nl + 1;
	}
	if (from < buf.length) {
		if (buf.length - from > st.max) {
			st.skipped = true;
			st.dropping = true;
		} else {
			st.pending = Buffer.from(buf.slice(from)); /* a copy: the chunk can go */
		}
	}
}

function publish(r) {
	var v = r.variables;
	if (st.model === '' && st.provider === 'google') {
		var m = /\/models\/([^\/:]+):/.exec(r.uri); /* Gemini names the model in the path */
		if (m)
			st.model = m[1];
	}
	if (st.model !== '')
		v.tokstat_model = st.model;
	if (st.skipped) {
		v.tokstat_usage = 'skipped';
		return; /* no partial counts: a wrong number is worse than none */
	}
	v.tokstat_usage = st.found ? 'ok' : st.bad ? 'error' : st.result;
	var names = { input: 'tokstat_input_tokens', prompt: 'tokstat_prompt_tokens',
		      output: 'tokstat_output_tokens', cacheRead: 'tokstat_cache_read_tokens',
		      cacheWrite: 'tokstat_cache_write_tokens' };
	for (var k in names)
		if (st[k] !== null)
			v[names[k]] = String(st[k]);
}

/* js_body_filter tokstat.usage buffer_type=buffer; */
function usage(r, data, flags) {
	r.sendBuffer(data, flags); /* the client gets every byte unchanged, first */
	try {
		if (!st)
			st = start(r);
		if (st.mode === 'json') {
			st.size += data.length;
			if (st.skipped) {
				/* past the limit: nothing is kept */
			} else if (st.size > st.max) {
				st.skipped = true;
				st.parts = [];
			} else if (data.length) {
				st.parts.push(data);
			}
			if (flags.last && !st.skipped && st.size)
				parse(Buffer.concat(st.parts).toString());
		} else if (st.mode === 'sse') {
			feed(data);
			if (flags.last && st.pending) {
				sseLine(st.pending);
				st.pending = null;
			}
		}
		/* Only a complete body is counted: a stream cut short (the client hung up)
		 * would give running counts, not the call's. */
		if (flags.last)
			publish(r);
	} catch (e) {
		r.variables.tokstat_usage = 'error';
		r.error('tokstat.js: ' + e);
	}
}

export default { usage };
