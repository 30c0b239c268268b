/*
 * The alert webhook: one JSON POST (libcurl) to a URL such as a Slack incoming webhook, with a
 * timeout. A URL of that kind holds a secret in its path: messages name only its host.
 */
#ifndef TOKSTAT_WEBHOOK_H
#define TOKSTAT_WEBHOOK_H
#include <stddef.h>

#include "buf.h"

/*
 * POST BODY[0..N) as application/json to URL (http or https; redirects are not followed),
 * giving up after TIMEOUT seconds. Returns 0 when the server answered 2xx, else -1 with ERR
 * ("webhook at HOST: ...").
 */
int webhook_post(const char *url, const char *body, size_t n, double timeout, struct buf *err);

#endif
