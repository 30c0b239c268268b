/*
 * The Prometheus writer: the node_exporter textfile-collector format (text exposition format
 * 0.0.4) of one evaluation: alerts by severity and rule, and the day's requests, errors,
 * tokens and cost. Labels are bounded (2 severities x 9 rules): no label per user or
 * credential, which would grow without end. The command writes the file atomically.
 */
#ifndef TOKSTAT_OUT_PROM_H
#define TOKSTAT_OUT_PROM_H
#include <stdint.h>

#include "alerts.h"
#include "buf.h"

/* Append the metrics of findings F (acknowledged ones not counted) for day D, run at NOW. */
void out_prom_metrics(struct buf *out, const struct alerts_findings *f, const struct alerts_day *d, int64_t now);

#endif
