/*
 * The nginx writer: the users and credentials over a hard token limit (daily or monthly) as
 * nginx `map` blocks, for an include in the http block, so the proxy can refuse them:
 *
 *     include /etc/nginx/tokstat-blocklist.conf;
 *     ...  if ($tokstat_blocked) { return 403; }
 *
 * It maps the masked credential nginx logs (README's map: first 8 characters, "...", last 4)
 * to $tokstat_blocked_token, the user header to $tokstat_blocked_user, and both to
 * $tokstat_blocked. The command writes the file atomically.
 */
#ifndef TOKSTAT_OUT_NGINX_H
#define TOKSTAT_OUT_NGINX_H
#include "alerts.h"
#include "buf.h"

/* Is DISPLAY the mask nginx's map makes (8 characters, "...", 4 characters)? */
bool out_nginx_is_nginx_mask(const char *display);

/*
 * Append the map blocks for the hard-limit findings of F (acknowledged ones too: an
 * acknowledgement does not lift a limit) of day D. TOKEN_VAR and USER_VAR are the nginx
 * variables holding the masked credential and the user. A subject that nginx could never
 * match (a credential masked another way, a name with control characters) is left out and
 * named, escaped, in SKIPPED (one line each). Returns how many entries were written.
 */
int out_nginx_blocklist(struct buf *out, const struct alerts_findings *f, const struct alerts_day *d,
			const char *token_var, const char *user_var, struct buf *skipped);

#endif
