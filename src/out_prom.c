/* Prometheus textfile-collector metrics of an evaluation (see out_prom.h). */
#include "out_prom.h"

static void gauge(struct buf *out, const char *name, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

void out_prom_metrics(struct buf *out, const struct alerts_findings *f, const struct alerts_day *d, int64_t now)
{
	int count[3][ALERTS_RULE_N] = { { 0 } };
	for (size_t i = 0; i < f->n; i++)
		if (!f->v[i].is_acked)
			count[f->v[i].severity][f->v[i].rule]++;

	gauge(out, "tokstat_alerts", "Alerts found for the evaluated day and not acknowledged, by severity and rule.");
	/* every series, zeros too, so a resolved alert reads 0 rather than vanishing */
	for (int s = ALERTS_CRITICAL; s >= ALERTS_WARNING; s--)
		for (int r = 0; r < ALERTS_RULE_N; r++)
			buf_printf(out, "tokstat_alerts{rule=\"%s\",severity=\"%s\"} %d\n",
				   alerts_rule_name((enum alerts_rule)r), alerts_severity_name((enum alerts_severity)s),
				   count[s][r]);
	gauge(out, "tokstat_day_requests", "Requests on the evaluated UTC day.");
	buf_printf(out, "tokstat_day_requests %lld\n", (long long)d->requests);
	gauge(out, "tokstat_day_errors", "Requests that failed (status 400 or more) on the evaluated UTC day.");
	buf_printf(out, "tokstat_day_errors %lld\n", (long long)d->errors);
	gauge(out, "tokstat_day_tokens", "Tokens on the evaluated UTC day.");
	buf_printf(out, "tokstat_day_tokens %lld\n", (long long)d->tokens);
	gauge(out, "tokstat_day_unpriced_tokens", "Tokens on the evaluated UTC day that have no price.");
	buf_printf(out, "tokstat_day_unpriced_tokens %lld\n", (long long)d->unpriced_tokens);
	gauge(out, "tokstat_day_cost_usd", "Cost in US dollars of the priced usage of the evaluated UTC day.");
	buf_printf(out, "tokstat_day_cost_usd %.6f\n", d->cost_usd);
	gauge(out, "tokstat_alerts_day_timestamp_seconds", "Start of the evaluated UTC day, in seconds since the epoch.");
	buf_printf(out, "tokstat_alerts_day_timestamp_seconds %lld\n", (long long)(d->day * 86400));
	gauge(out, "tokstat_alerts_last_run_timestamp_seconds", "When tokstat alerts wrote this file.");
	buf_printf(out, "tokstat_alerts_last_run_timestamp_seconds %lld\n", (long long)now);
}
