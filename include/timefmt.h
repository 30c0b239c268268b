/*
 * Timestamps to epoch seconds UTC, without the C library's time-zone machinery.
 * A time format is a strptime-like spec ("%d/%b/%Y:%H:%M:%S %z") or one of the names
 * "iso8601", "epoch", "epoch_ms" and "auto" (number or ISO-8601, guessed per value).
 */
#ifndef TOKSTAT_TIMEFMT_H
#define TOKSTAT_TIMEFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The last second of 9999-12-31: parsed times outside [0, this] are rejected. */
#define TIMEFMT_MAX_EPOCH 253402300799LL

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The date of day number DAYS since 1970-01-01. */
void timefmt_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* The days of month M (1..12) of year Y: the one leap-year rule of tokstat. */
unsigned timefmt_days_in_month(int64_t y, unsigned m);

/*
 * Parse S[0..N) with FMT into *EPOCH (seconds UTC; offsets applied, fractions dropped).
 * Directives: %Y %y %m %d %e %b %a %H %M %S %T %z %Z %f %s %%; a space matches any run of
 * spaces. %a (a day name, "Wed") is read and not checked against the date.
 * Returns 0, or -1 when S does not fit FMT, names an impossible date, or falls outside
 * 1970-01-01 .. 9999-12-31 UTC.
 */
int timefmt_parse(const char *fmt, const char *s, size_t n, int64_t *epoch);

/* ISO-8601: YYYY-MM-DD, optional [T ]HH:MM[:SS[.frac]], optional Z or +-HH[:]MM. */
int timefmt_parse_iso8601(const char *s, size_t n, int64_t *epoch);

/* Epoch seconds or milliseconds as a decimal number; IS_MS scales down by 1000. */
int timefmt_parse_epoch(const char *s, size_t n, int is_ms, int64_t *epoch);

/* "auto": a number (seconds from 1e8, or milliseconds when above 1e11) or ISO-8601. */
int timefmt_parse_auto(const char *s, size_t n, int64_t *epoch);

/*
 * A duration as Go prints it, which OpenAI sends in x-ratelimit-reset-*: "6m0s", "1s",
 * "20ms", "1h2m3.5s", "0s". One or more decimal numbers (fraction allowed), each followed
 * by a unit: h, m, s, ms, us (or µs), ns; also d (days). Into *MS milliseconds, a part of
 * a millisecond rounded up (a limit that resets in 300us has not reset within 0 ms).
 * Returns 0, or -1 for anything else: no unit, a sign, TIMEFMT_DELAY_MAX seconds or more.
 */
int timefmt_parse_duration_ms(const char *s, size_t n, int64_t *ms);

/*
 * A bare number below this is a delay in seconds ("retry-after: 30"), from it on an epoch
 * time: 10^9 s is 2001-09-09, older than any rate-limit reset a log can carry and longer
 * than any delay a provider would ask for (31 years).
 */
#define TIMEFMT_DELAY_MAX 1000000000LL

/*
 * A rate-limit reset in any form a provider sends it:
 *   - a bare number from TIMEFMT_DELAY_MAX on: epoch seconds (GitHub's x-ratelimit-reset);
 *     above 10^11, epoch milliseconds (as timefmt_parse_auto);
 *   - a bare number below TIMEFMT_DELAY_MAX: a delay in seconds (retry-after), fraction
 *     allowed;
 *   - a Go duration (OpenAI's "6m0s", see timefmt_parse_duration_ms): a delay;
 *   - RFC 3339 / ISO-8601 (Anthropic's "2025-10-10T10:01:00Z"): a time;
 *   - an HTTP-date (retry-after: "Wed, 21 Oct 2015 07:28:00 GMT"): a time.
 * A time sets *IS_DELAY false and *VALUE to epoch seconds; a delay sets *IS_DELAY true
 * and *VALUE to milliseconds from the response (the caller adds the event's time).
 * Returns 0, or -1 when S is none of these or a time is outside 1970..9999.
 */
int timefmt_parse_reset(const char *s, size_t n, int64_t *value, bool *is_delay);

/* Write "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL) into OUT. */
void timefmt_format_iso(int64_t epoch, char out[32]);
/* Write "YYYY-MM-DD" into OUT. */
void timefmt_format_day(int64_t day, char out[16]);

/* Day number (floor division, so times before 1970 land on the right day). */
static inline int64_t timefmt_day(int64_t epoch)
{
	return epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
}

static inline int64_t timefmt_hour(int64_t epoch)
{
	return epoch >= 0 ? epoch / 3600 : -((-epoch + 3599) / 3600);
}

#endif
