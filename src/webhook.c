/*
 * The alert webhook: a JSON POST with libcurl (see webhook.h).
 *
 * libcurl is loaded here, when a webhook is first sent, not linked: linked, its TLS and
 * Kerberos libraries' constructors ran at every start of tokstat, 3.3 ms each time (a
 * rerun that finds nothing new, plus its report, took 41 ms, two starts of it). Git keeps
 * libcurl out of its main binary for the same reason (git-remote-http). The prototypes
 * come from curl.h, so each call is type-checked as if linked.
 */
#include "webhook.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <string.h>

/* libcurl's ABI since 7.16 (2006): what Debian's libcurl4 installs. */
#define CURL_SONAME "libcurl.so.4"

static struct {
	__typeof__(&curl_global_init) global_init;
	__typeof__(&curl_global_cleanup) global_cleanup;
	__typeof__(&curl_easy_init) easy_init;
	__typeof__(&curl_easy_setopt) easy_setopt;
	__typeof__(&curl_easy_perform) easy_perform;
	__typeof__(&curl_easy_getinfo) easy_getinfo;
	__typeof__(&curl_easy_strerror) easy_strerror;
	__typeof__(&curl_easy_cleanup) easy_cleanup;
	__typeof__(&curl_slist_append) slist_append;
	__typeof__(&curl_slist_free_all) slist_free_all;
	__typeof__(&curl_url) url;
	__typeof__(&curl_url_set) url_set;
	__typeof__(&curl_url_get) url_get;
	__typeof__(&curl_url_cleanup) url_cleanup;
	__typeof__(&curl_free) free;
} curl;

/* Load libcurl once a process. 0, or -1 with ERR. */
static int load_curl(struct buf *err)
{
	static void *lib;
	if (lib)
		return 0;
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		buf_printf(err, "cannot load libcurl: %s", dlerror());
		return -1;
	}
	/* POSIX's way of taking a function from dlsym's void * */
#define SYM(field, name)                                                                         \
	do {                                                                                     \
		void *p = dlsym(h, name);                                                        \
		if (!p) {                                                                        \
			buf_printf(err, "cannot load libcurl: %s has no %s", CURL_SONAME, name); \
			dlclose(h);                                                              \
			return -1;                                                               \
		}                                                                                \
		memcpy(&curl.field, &p, sizeof(p));                                              \
	} while (0)
	SYM(global_init, "curl_global_init");
	SYM(global_cleanup, "curl_global_cleanup");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
	SYM(url, "curl_url");
	SYM(url_set, "curl_url_set");
	SYM(url_get, "curl_url_get");
	SYM(url_cleanup, "curl_url_cleanup");
	SYM(free, "curl_free");
#undef SYM
	lib = h; /* kept loaded: the next webhook of the run reuses it */
	return 0;
}

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
	CURLU *u = curl.url();
	char *host = NULL, *port = NULL;
	if (u && curl.url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl.url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		buf_adds(out, host);
		if (curl.url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			buf_printf(out, ":%s", port);
	} else {
		buf_adds(out, "(unparsable URL)");
	}
	curl.free(host);
	curl.free(port);
	curl.url_cleanup(u);
}

int webhook_post(const char *url, const char *body, size_t n, double timeout, struct buf *err)
{
	CURL *h = NULL;
	struct curl_slist *headers = NULL;
	struct buf host = BUF_INIT, why = BUF_INIT;
	char curl_err[CURL_ERROR_SIZE] = "";
	long status = 0;
	int rc = -1;

	if (load_curl(&why) < 0) {
		buf_printf(err, "webhook: %s", buf_str(&why)); /* the host needs libcurl's URL parser */
		buf_free(&why);
		return -1;
	}
	host_of(url, &host);
	if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h = curl.easy_init())) {
		buf_printf(err, "webhook at %s: cannot start libcurl", buf_str(&host));
		goto out;
	}
	headers = curl.slist_append(headers, "Content-Type: application/json");
	curl.easy_setopt(h, CURLOPT_URL, url);
	curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl.easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
	curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl.easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl.easy_setopt(h, CURLOPT_USERAGENT, "tokstat/" TOKSTAT_VERSION);
	CURLcode res = curl.easy_perform(h);
	if (res != CURLE_OK) {
		/* curl's message can quote the URL: say only what failed */
		buf_printf(err, "webhook at %s: %s", buf_str(&host), curl.easy_strerror(res));
		goto out;
	}
	curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		buf_printf(err, "webhook at %s: HTTP status %ld", buf_str(&host), status);
		goto out;
	}
	rc = 0;
out:
	curl.slist_free_all(headers);
	if (h)
		curl.easy_cleanup(h);
	curl.global_cleanup();
	buf_free(&host);
	return rc;
}
