/*
 * The monitoring-plugin writer: the one status line of the Monitoring Plugins development
 * guidelines (https://www.monitoring-plugins.org/doc/guidelines.html), for Nagios, Icinga or a
 * CI job: "TOKSTAT CRITICAL - 2 critical, 1 warning on 2025-10-12 | critical=2;;;0 ...".
 * The status is in the exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); the line says it too.
 */
#ifndef TOKSTAT_OUT_NAGIOS_H
#define TOKSTAT_OUT_NAGIOS_H
#include "alerts.h"
#include "buf.h"

/* Longest status line: NRPE 2 passes at most 1024 bytes of plugin output. */
#define OUT_NAGIOS_MAX_LINE 1024
/* Longest text before the performance data: the guidelines' "less than 80 characters". */
#define OUT_NAGIOS_MAX_TEXT 79

/*
 * Append the line for the findings F of day D (acknowledged findings are not counted):
 * text before '|' under 80 characters and free of anything from a log; performance data
 * label=value;warn;crit;min: critical and warning counts, one count per rule, and the day's
 * requests, errors, tokens and priced cost (cost_usd, no UOM: plugins have none for money).
 * Ends with a newline.
 */
void out_nagios_line(struct buf *out, const struct alerts_findings *f, const struct alerts_day *d);

/* Append "TOKSTAT UNKNOWN - MESSAGE\n": on one line ('|' and controls replaced), cut to
 * OUT_NAGIOS_MAX_TEXT characters. */
void out_nagios_unknown(struct buf *out, const char *message);

#endif
