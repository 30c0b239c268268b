/*
 * One normalized log record, as every parser fills it and the ingest pipeline stores it.
 * Text values are slices into memory the parser owns (the line, or its scratch buffer),
 * valid until the parser reads the next line. A slice with p == NULL is NULL; "-" and ""
 * from a log are NULL too. Numbers carry a bit in num_set; an unset number is NULL, never 0.
 */
#ifndef TOKSTAT_EVENT_H
#define TOKSTAT_EVENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum event_text {
	EV_TOKEN,      /* the full credential: only credential.c turns it into something storable */
	EV_USER,
	EV_ENDPOINT,   /* request path without the query string */
	EV_METHOD,
	EV_MODEL,
	EV_PROVIDER,
	EV_OPERATION,
	EV_PROJECT,
	EV_SESSION,
	EV_REQUEST_ID,
	EV_ERROR,
	EV_REMOTE_USER, /* $remote_user: the user only when no token and no user key is present */
	EV_SERVICE_TIER, /* the price tier the provider served: "batch", "flex", "priority", "default" ... */
	EV_TEXT_N
};

enum event_num {
	EV_STATUS,
	EV_INPUT_TOKENS,       /* uncached input */
	EV_OUTPUT_TOKENS,      /* reasoning/thinking included */
	EV_CACHE_READ_TOKENS,
	EV_CACHE_WRITE_TOKENS,
	EV_TOTAL_TOKENS,       /* the sum of the four kinds, or a logged total when no kind is known */
	EV_LATENCY_MS,
	EV_BYTES,
	EV_RL_REMAINING,       /* the request limit (GitHub's only one; OpenAI's, Anthropic's -requests-) */
	EV_RL_LIMIT,
	EV_RL_RESET,           /* epoch seconds */
	EV_UPSTREAM_MS,        /* nginx $upstream_response_time; latency when rt is absent */
	/* New values go here, at the end: the store maps the ones above by number. */
	EV_RL_TOKENS_REMAINING, /* the token limit (OpenAI's and Anthropic's -tokens-) */
	EV_RL_TOKENS_LIMIT,
	EV_RL_TOKENS_RESET,    /* epoch seconds */
	EV_CACHE_WRITE_1H_TOKENS, /* the part of cache_write written for 1 hour (Anthropic's 1h TTL) */
	EV_NUM_N
};

/*
 * Why an optional value (a rate-limit reading) was dropped. Such a value that cannot be
 * read becomes NULL and the record is kept with its tokens; the event counts it.
 */
enum event_warning {
	EV_WARN_NONE,
	EV_WARN_BAD_NUMBER,    /* not a decimal integer */
	EV_WARN_OUT_OF_RANGE,  /* negative or above EVENT_MAX_NUMBER */
	EV_WARN_BAD_RESET,     /* none of the reset forms timefmt_parse_reset reads */
	EV_WARN_RESET_NO_TIME, /* a delay, but the record has no time to count it from */
	EV_WARN_RESET_RANGE,   /* the time plus the delay is beyond 9999 */
};

struct slice {
	const char *p;
	size_t n;
};

struct event {
	int64_t epoch;      /* seconds UTC */
	bool has_time;
	struct slice text[EV_TEXT_N];
	int64_t num[EV_NUM_N];
	uint32_t num_set;   /* bit i set: num[i] is known */
	int8_t failed;      /* -1 unknown, 0 success, 1 failure (from a "success" field) */
	bool estimated;     /* token counts were estimated, not logged */
	bool is_batch;      /* a "batch" field said so: event_finish makes the tier "batch" */
	struct slice dedup; /* non-NULL: events with equal keys are counted once */
	int64_t prompt;     /* a prompt count that includes cache reads (OpenAI, Gemini) */
	bool has_prompt;
	/* bit i: num[i] holds a delay in milliseconds, not yet a time; event_finish adds
	 * the event's time (known only once the whole line is read) and sets num_set */
	uint32_t num_delay;
	uint16_t warnings;  /* optional values dropped as unreadable (saturates) */
	uint8_t warning;    /* enum event_warning of the first of them */
	const char *warning_field; /* its field name (static; never the value) */
};

/*
 * Field names as format definitions use them. Besides the text and number fields above:
 * "time", "request" (a "%r" request line split into method and endpoint), "path"
 * (endpoint, query string dropped), "rt"/"latency_s"/"urt" (seconds), "success",
 * "prompt_tokens" (input including cached reads; normalized when the event is finished),
 * "batch" (EVF_BATCH).
 * EVF_RATE and EVF_RESET are optional: a value they cannot read is a warning, not a reject.
 */
enum event_field_kind { EVF_TEXT, EVF_NUM, EVF_TIME, EVF_REQUEST, EVF_PATH, EVF_SECONDS,
			EVF_SUCCESS, EVF_PROMPT, EVF_IGNORE,
			EVF_RATE,   /* a rate-limit count (remaining, limit) */
			EVF_RESET,  /* a rate-limit reset in any form timefmt_parse_reset reads */
			EVF_BATCH   /* a batch marker: a true word, or any other value but a false word
				     * (a Batch API custom_id), makes the service tier "batch" */ };

struct event_field {
	const char *name;
	enum event_field_kind kind;
	int index; /* into text[] or num[] as the kind says */
};

/* The field named NAME, or NULL. */
const struct event_field *event_field_find(const char *name);
/* Every field, terminated by a NULL name (for error messages and docs). */
extern const struct event_field event_fields[];

void event_clear(struct event *ev);

static inline bool event_has(const struct event *ev, enum event_num i)
{
	return ev->num_set & (1u << i);
}

static inline void event_set_num(struct event *ev, enum event_num i, int64_t v)
{
	ev->num[i] = v;
	ev->num_set |= 1u << i;
	ev->num_delay &= ~(1u << i);
}

static inline void event_unset_num(struct event *ev, enum event_num i)
{
	ev->num_set &= ~(1u << i);
	ev->num_delay &= ~(1u << i);
}

/*
 * Set field F from the log text P[0..N). Time fields use TIME_FORMAT. "-" and "" leave the
 * field NULL. Returns 0, or -1 with a reason in REASON (which never quotes a credential).
 * An optional field (EVF_RATE, EVF_RESET) that cannot be read stays as it was, the event
 * counts a warning, and the call returns 0: a bad rate-limit header never costs a record.
 * A reset given as a delay ("6m0s", "30") is made a time by event_finish.
 */
int event_set(struct event *ev, const struct event_field *f, const char *p, size_t n,
	      const char *time_format, struct buf *reason);

/*
 * Success or failure logged as a word: LiteLLM's "success"/"failure", OpenAI Responses'
 * "completed"/"failed", apps' "ok"/"error", true/false, yes/no (any case).
 * Returns 0 success, 1 failure, -1 neither (a status like "queued").
 */
int event_failure_word(const char *p, size_t n);

/*
 * A "status" or "success" field F logged as text P[0..N), read the same way by every parser
 * kind: for status, a whole number is the HTTP status (a number with a fraction is a bad
 * number); else a word of event_failure_word sets ev->failed; another word is a status we
 * do not know ("queued", "in_progress": nothing set) or, for success, a reject.
 * Returns 0, or -1 with REASON set.
 */
int event_set_outcome(struct event *ev, const struct event_field *f, const char *p, size_t n, struct buf *reason);

/*
 * The largest count a log may give (tokens, bytes, milliseconds): 10^15. Larger values and
 * negative ones are rejected, so sums over any realistic number of events cannot overflow.
 */
#define EVENT_MAX_NUMBER 1000000000000000LL

/*
 * Set number field F (a count, or prompt_tokens) to V after the range check. Returns 0, or
 * -1 with a reason when V is negative or above EVENT_MAX_NUMBER. For an optional field a
 * bad V is a warning (returns 0); for a reset V is read as timefmt_parse_reset reads a bare
 * number (below TIMEFMT_DELAY_MAX: a delay in seconds, else epoch seconds).
 */
int event_set_number(struct event *ev, const struct event_field *f, int64_t v, struct buf *reason);

/* The NULL rule for text from a log: no value, "" and "-" are all NULL. */
bool event_text_is_null(const char *p, size_t n);

/* Parse a decimal integer (a float with no fraction, like "59200.0", is accepted). */
int event_parse_int(const char *p, size_t n, int64_t *out);

/*
 * Finish an event after all fields are set: prompt_tokens minus cache reads becomes
 * input_tokens, the total is derived from the kinds, latency falls back to upstream time,
 * remote_user becomes the user when no token or user was logged, a batch marker makes the
 * service tier "batch", 1-hour cache writes are made a part of the cache writes (cache_write
 * is raised to them when it is missing, they are cut to it when larger), and a reset given as a
 * delay becomes the event's time plus the delay, rounded up to the second (NULL with a
 * warning when the event has no time).
 */
void event_finish(struct event *ev);

/*
 * Append the first warning as text to OUT ("bad number for rl_remaining"), with "(and N
 * more)" when there were others. Appends nothing when the event has no warning. The text
 * names the field, never the value (which could be a credential in the wrong column).
 */
void event_warning_text(const struct event *ev, struct buf *out);

/*
 * The error rule, in one place: a response is an error when the log said the call failed
 * (FAILED == 1) or its status is known (HAS_STATUS) and 400 or more. Stored rows keep these
 * fields, so the batch's sums call this too; sql/verify.sql restates it in SQL.
 */
static inline bool event_is_error_values(int8_t failed, bool has_status, int64_t status)
{
	return failed == 1 || (has_status && status >= 400);
}

/* Is EV an error response? (event_is_error_values over its fields) */
static inline bool event_is_error(const struct event *ev)
{
	return event_is_error_values(ev->failed, event_has(ev, EV_STATUS), ev->num[EV_STATUS]);
}

#endif
