/* Timestamp parsing to epoch seconds UTC; see timefmt.h. */
#include "timefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void timefmt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned timefmt_days_in_month(int64_t y, unsigned m)
{
	static const unsigned dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Read exactly W digits (or 1..W when !exact) from *P. */
static bool digits(const char **p, const char *end, int w, bool exact, int64_t *out)
{
	int64_t v = 0;
	int i = 0;
	while (i < w && *p < end && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		i++;
	}
	*out = v;
	return exact ? i == w : i > 0;
}

static int month_from_name(const char *p, const char *end)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	if (end - p < 3)
		return 0;
	char a = p[0] | 0x20, b = p[1] | 0x20, c = p[2] | 0x20;
	for (int i = 0; i < 12; i++)
		if (names[i * 3] == a && names[i * 3 + 1] == b && names[i * 3 + 2] == c)
			return i + 1;
	return 0;
}

/* +HHMM, +HH:MM, +HH, Z: offset in seconds east of UTC. */
static bool tz_offset(const char **p, const char *end, int64_t *off)
{
	if (*p < end && (**p == 'Z' || **p == 'z')) {
		(*p)++;
		*off = 0;
		return true;
	}
	if (*p >= end || (**p != '+' && **p != '-'))
		return false;
	int sign = **p == '-' ? -1 : 1;
	(*p)++;
	int64_t hh, mm = 0;
	if (!digits(p, end, 2, true, &hh))
		return false;
	if (*p < end && **p == ':')
		(*p)++;
	if (*p < end && **p >= '0' && **p <= '9' && !digits(p, end, 2, true, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	*off = sign * (hh * 3600 + mm * 60);
	return true;
}

struct tm_parts {
	int64_t year, mon, day, hour, min, sec, off;
	bool have_epoch;
	int64_t epoch;
};

/* Log times are from 1970-01-01 to 9999-12-31 UTC: anything else is a misread field. */
static int in_range(int64_t epoch)
{
	return epoch >= 0 && epoch <= TIMEFMT_MAX_EPOCH ? 0 : -1;
}

static int finish(const struct tm_parts *t, int64_t *epoch)
{
	if (t->have_epoch) {
		*epoch = t->epoch;
		return in_range(*epoch);
	}
	if (t->mon < 1 || t->mon > 12 || t->day < 1 || t->day > timefmt_days_in_month(t->year, (unsigned)t->mon))
		return -1;
	if (t->min > 59 || t->sec > 60) /* 60: a leap second */
		return -1;
	if (t->hour > 24 || (t->hour == 24 && (t->min || t->sec))) /* 24:00:00 ends a day */
		return -1;
	*epoch = timefmt_days_from_civil(t->year, (unsigned)t->mon, (unsigned)t->day) * 86400 +
		 t->hour * 3600 + t->min * 60 + t->sec - t->off;
	return in_range(*epoch);
}

int timefmt_parse(const char *fmt, const char *s, size_t n, int64_t *epoch)
{
	const char *p = s, *end = s + n;
	struct tm_parts t = { .year = 1970, .mon = 1, .day = 1 };
	int64_t v;

	for (const char *f = fmt; *f; f++) {
		if (*f == ' ') {
			while (p < end && *p == ' ')
				p++;
			continue;
		}
		if (*f != '%') {
			if (p >= end || *p != *f)
				return -1;
			p++;
			continue;
		}
		switch (*++f) {
		case 'Y':
			if (!digits(&p, end, 4, true, &t.year))
				return -1;
			break;
		case 'y':
			if (!digits(&p, end, 2, true, &v))
				return -1;
			t.year = v < 69 ? 2000 + v : 1900 + v;
			break;
		case 'm':
			if (!digits(&p, end, 2, false, &t.mon))
				return -1;
			break;
		case 'e':
			while (p < end && *p == ' ')
				p++;
			/* fall through */
		case 'd':
			if (!digits(&p, end, 2, false, &t.day))
				return -1;
			break;
		case 'b':
			if (!(t.mon = month_from_name(p, end)))
				return -1;
			p += 3;
			break;
		case 'a': /* a day name: read, not checked (the date says which day it is) */
			if (p >= end || !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
				return -1;
			while (p < end && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
				p++;
			break;
		case 'H':
			if (!digits(&p, end, 2, false, &t.hour))
				return -1;
			break;
		case 'M':
			if (!digits(&p, end, 2, false, &t.min))
				return -1;
			break;
		case 'S':
			if (!digits(&p, end, 2, false, &t.sec))
				return -1;
			break;
		case 'T':
			if (!digits(&p, end, 2, false, &t.hour) || p >= end || *p++ != ':' ||
			    !digits(&p, end, 2, false, &t.min) || p >= end || *p++ != ':' ||
			    !digits(&p, end, 2, false, &t.sec))
				return -1;
			break;
		case 'f': /* fraction of a second: read, dropped */
			if (!digits(&p, end, 18, false, &v))
				return -1;
			break;
		case 'z':
		case 'Z':
			if (!tz_offset(&p, end, &t.off))
				return -1;
			break;
		case 's': {
			bool neg = p < end && *p == '-';
			if (neg)
				p++;
			if (!digits(&p, end, 18, false, &v))
				return -1;
			t.have_epoch = true;
			t.epoch = neg ? -v : v;
			break;
		}
		case '%':
			if (p >= end || *p++ != '%')
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (p != end)
		return -1;
	return finish(&t, epoch);
}

int timefmt_parse_iso8601(const char *s, size_t n, int64_t *epoch)
{
	const char *p = s, *end = s + n;
	struct tm_parts t = { 0 };
	int64_t frac;

	if (!digits(&p, end, 4, true, &t.year) || p >= end || *p++ != '-' ||
	    !digits(&p, end, 2, true, &t.mon) || p >= end || *p++ != '-' ||
	    !digits(&p, end, 2, true, &t.day))
		return -1;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if (!digits(&p, end, 2, true, &t.hour) || p >= end || *p++ != ':' ||
		    !digits(&p, end, 2, true, &t.min))
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (!digits(&p, end, 2, true, &t.sec))
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				if (!digits(&p, end, 18, false, &frac))
					return -1;
				while (p < end && *p >= '0' && *p <= '9') /* more than 18 digits */
					p++;
			}
		}
		if (p < end && *p == ' ')
			p++;
		if (p < end && !tz_offset(&p, end, &t.off))
			return -1;
	}
	if (p != end)
		return -1;
	return finish(&t, epoch);
}

/* A decimal number of seconds (fraction dropped), before any range check. */
static int timefmt_parse_epoch_any(const char *s, size_t n, int64_t *out)
{
	const char *p = s, *end = s + n;
	int64_t v, frac;
	if (!digits(&p, end, 18, false, &v))
		return -1;
	if (p < end && *p == '.') {
		p++;
		if (!digits(&p, end, 18, false, &frac))
			return -1;
	}
	if (p != end)
		return -1;
	*out = v;
	return 0;
}

int timefmt_parse_epoch(const char *s, size_t n, int is_ms, int64_t *epoch)
{
	int64_t v;
	/* No sign: a time before 1970 is out of range anyway. */
	if (timefmt_parse_epoch_any(s, n, &v) < 0)
		return -1;
	*epoch = is_ms ? v / 1000 : v;
	return in_range(*epoch);
}

int timefmt_parse_auto(const char *s, size_t n, int64_t *epoch)
{
	if (n && ((s[0] >= '0' && s[0] <= '9') || s[0] == '-')) {
		int64_t v;
		if (timefmt_parse_epoch_any(s, n, &v) == 0) {
			/* 1e11 s is the year 5138; larger numbers are milliseconds. Below 1e8 s
			 * (1973) a number is more likely a date like 20251010 than epoch seconds. */
			if (v < 100000000LL)
				return -1;
			*epoch = v > 100000000000LL ? v / 1000 : v;
			return in_range(*epoch);
		}
	}
	return timefmt_parse_iso8601(s, n, epoch);
}

/* Units of a Go duration in nanoseconds; longer names first, so "ms" is not "m" then "s". */
static const struct {
	const char *name;
	int64_t ns;
} duration_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 }, /* micro sign, mu */
	{ "ms", 1000000 }, { "s", 1000000000 }, { "m", 60000000000LL }, { "h", 3600000000000LL },
	{ "d", 86400000000000LL },
};

int timefmt_parse_duration_ms(const char *s, size_t n, int64_t *ms)
{
	/* Nanoseconds below TIMEFMT_DELAY_MAX seconds (1e18) fit an int64_t with room for one
	 * more term, so each step checks against the limit before it adds. */
	const int64_t max_ns = TIMEFMT_DELAY_MAX * 1000000000LL;
	const char *p = s, *end = s + n;
	int64_t total = 0;

	if (p == end)
		return -1;
	while (p < end) {
		int64_t whole = 0, frac = 0, scale = 1;
		const char *start = p;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (whole > max_ns / 10)
				return -1;
			whole = whole * 10 + (*p - '0');
		}
		if (p < end && *p == '.') {
			for (p++; p < end && *p >= '0' && *p <= '9'; p++)
				if (scale < 1000000000LL) { /* beyond nanoseconds: dropped */
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
		}
		if (p == start || (p - start == 1 && *start == '.'))
			return -1;
		int64_t unit = 0;
		for (size_t u = 0; u < sizeof(duration_units) / sizeof(duration_units[0]); u++) {
			size_t k = strlen(duration_units[u].name);
			if ((size_t)(end - p) >= k && memcmp(p, duration_units[u].name, k) == 0) {
				unit = duration_units[u].ns;
				p += k;
				break;
			}
		}
		if (!unit || whole > (max_ns - total) / unit)
			return -1;
		/* frac/scale of a unit, without overflow: scale <= 1e9, unit <= 8.64e13 */
		int64_t part = whole * unit + (unit / scale) * frac + (unit % scale) * frac / scale;
		if (part >= max_ns - total)
			return -1;
		total += part;
	}
	*ms = total / 1000000 + (total % 1000000 != 0);
	return 0;
}

/* A bare decimal number with an optional fraction: whole part and milliseconds of fraction
 * (rounded up). */
static int bare_number(const char *s, size_t n, int64_t *whole, int64_t *frac_ms)
{
	const char *p = s, *end = s + n;
	int64_t frac = 0, scale = 1;
	if (!digits(&p, end, 18, false, whole))
		return -1;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			if (scale < 1000000000LL) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
	}
	if (p != end)
		return -1;
	*frac_ms = (frac * 1000 + scale - 1) / scale;
	return 0;
}

int timefmt_parse_reset(const char *s, size_t n, int64_t *value, bool *is_delay)
{
	int64_t whole, frac_ms;

	if (n == 0)
		return -1;
	if (bare_number(s, n, &whole, &frac_ms) == 0) {
		if (whole < TIMEFMT_DELAY_MAX) {
			*value = whole * 1000 + frac_ms;
			*is_delay = true;
			return 0;
		}
		*value = whole > 100000000000LL ? whole / 1000 : whole;
		*is_delay = false;
		return in_range(*value);
	}
	if (timefmt_parse_duration_ms(s, n, value) == 0) {
		*is_delay = true;
		return 0;
	}
	*is_delay = false;
	if (timefmt_parse_iso8601(s, n, value) == 0)
		return 0;
	return timefmt_parse("%a, %d %b %Y %H:%M:%S GMT", s, n, value);
}

void timefmt_format_day(int64_t day, char out[16])
{
	int64_t y;
	unsigned m, d;
	timefmt_civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

void timefmt_format_iso(int64_t epoch, char out[32])
{
	int64_t day = timefmt_day(epoch), rem = epoch - day * 86400;
	int64_t y;
	unsigned m, d;
	timefmt_civil_from_days(day, &y, &m, &d);
	snprintf(out, 32, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}
