/*
 * The provider of an event whose log does not name one, inferred from its model and then
 * its endpoint by the rules in sql/providers.sql (data, compiled in): gpt-* is openai,
 * /v1/messages is anthropic, ...:generateContent is google, /repos/... is github.
 */
#ifndef TOKSTAT_PROVIDER_H
#define TOKSTAT_PROVIDER_H
#include <stddef.h>

#include "buf.h"
#include "event.h"

struct provider_rules;

/*
 * Read the rules of sql/providers.sql into *OUT (free with provider_rules_free). Returns 0,
 * or -1 with ERR set (a build mistake: the file is compiled in).
 */
int provider_rules_load(struct provider_rules **out, struct buf *err);
void provider_rules_free(struct provider_rules *r);

/*
 * The provider for an event of MODEL and ENDPOINT (either may be NULL slices): the first model
 * rule that matches the lowercased model, else the first endpoint rule that matches the
 * endpoint, else NULL. The string is R's, valid until provider_rules_free. TMP is scratch.
 */
const char *provider_infer(const struct provider_rules *r, const struct slice *model, const struct slice *endpoint,
			   struct buf *tmp);

#endif
