/* The alert webhook: a JSON POST with libcurl (see webhook.h). */
#include "webhook.h"

#include <curl/curl.h>
#include <string.h>

/* The response body is not needed: the status code says whether the post was taken. */
static size_t discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
}

/* "HOST[:PORT]" of URL into OUT, or "(unparsable URL)": never the path or query, which can be a secret. */
static void host_of(const char *url, struct buf *out)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		buf_adds(out, host);
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			buf_printf(out, ":%s", port);
	} else {
		buf_adds(out, "(unparsable URL)");
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

int webhook_post(const char *url, const char *body, size_t n, double timeout, struct buf *err)
{
	CURL *h = NULL;
	struct curl_slist *headers = NULL;
	struct buf host = BUF_INIT;
	char curl_err[CURL_ERROR_SIZE] = "";
	long status = 0;
	int rc = -1;

	host_of(url, &host);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h = curl_easy_init())) {
		buf_printf(err, "webhook at %s: cannot start libcurl", buf_str(&host));
		goto out;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "tokstat/" TOKSTAT_VERSION);
	CURLcode res = curl_easy_perform(h);
	if (res != CURLE_OK) {
		/* curl's message can quote the URL: say only what failed */
		buf_printf(err, "webhook at %s: %s", buf_str(&host), curl_easy_strerror(res));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		buf_printf(err, "webhook at %s: HTTP status %ld", buf_str(&host), status);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(headers);
	if (h)
		curl_easy_cleanup(h);
	curl_global_cleanup();
	buf_free(&host);
	return rc;
}
