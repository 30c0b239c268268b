/*
 * The alert webhook: a JSON POST with libcurl (see webhook.h). libcurl is loaded when a post
 * is made, not linked: with its 30 libraries (TLS, Kerberos, LDAP, ...) it cost every command
 * 3.5 ms at start, for the one that posts an alert.
 */
#include "webhook.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <string.h>

/* libcurl's soname: the ABI these declarations are for (curl/curl.h). */
#define WEBHOOK_LIBCURL "libcurl.so.4"

/* The libcurl functions used, looked up in the loaded library. */
struct curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
};

/*
 * Load libcurl into API. Returns 0, or -1 with ERR set. The library stays loaded for the rest
 * of the process (a later post finds it loaded): unloading it, with the TLS libraries it
 * initialised, is not safe.
 */
static int curl_load(struct curl_api *api, struct buf *err)
{
	void *lib = dlopen(WEBHOOK_LIBCURL, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		buf_printf(err, "cannot load libcurl: %s", dlerror());
		return -1;
	}
	struct {
		const char *name;
		void *fn; /* the field of API */
	} const syms[] = {
#define SYM(field, name) { name, &api->field }
		SYM(global_init, "curl_global_init"), SYM(global_cleanup, "curl_global_cleanup"),
		SYM(easy_init, "curl_easy_init"), SYM(easy_setopt, "curl_easy_setopt"),
		SYM(easy_perform, "curl_easy_perform"), SYM(easy_getinfo, "curl_easy_getinfo"),
		SYM(easy_strerror, "curl_easy_strerror"), SYM(easy_cleanup, "curl_easy_cleanup"),
		SYM(slist_append, "curl_slist_append"), SYM(slist_free_all, "curl_slist_free_all"),
		SYM(url, "curl_url"), SYM(url_set, "curl_url_set"), SYM(url_get, "curl_url_get"),
		SYM(url_cleanup, "curl_url_cleanup"), SYM(free, "curl_free"),
#undef SYM
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *fn = dlsym(lib, syms[i].name);
		if (!fn) {
			buf_printf(err, "cannot load libcurl: %s has no %s", WEBHOOK_LIBCURL, syms[i].name);
			return -1;
		}
		/* POSIX's way from dlsym's void * to a function pointer: copy the bytes, not
		 * store through a void ** into a function pointer's object */
		memcpy(syms[i].fn, &fn, sizeof(fn));
	}
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
static void host_of(const struct curl_api *api, const char *url, struct buf *out)
{
	CURLU *u = api->url();
	char *host = NULL, *port = NULL;
	if (u && api->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    api->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		buf_adds(out, host);
		if (api->url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			buf_printf(out, ":%s", port);
	} else {
		buf_adds(out, "(unparsable URL)");
	}
	api->free(host);
	api->free(port);
	api->url_cleanup(u);
}

int webhook_post(const char *url, const char *body, size_t n, double timeout, struct buf *err)
{
	struct curl_api api;
	CURL *h = NULL;
	struct curl_slist *headers = NULL;
	struct buf host = BUF_INIT, why = BUF_INIT;
	char curl_err[CURL_ERROR_SIZE] = "";
	long status = 0;
	int rc = -1;

	if (curl_load(&api, &why) < 0) { /* no host without libcurl's URL parser: none is named */
		buf_printf(err, "webhook: %s", why.data);
		buf_free(&why);
		return -1;
	}
	host_of(&api, url, &host);
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h = api.easy_init())) {
		buf_printf(err, "webhook at %s: cannot start libcurl", buf_str(&host));
		goto out;
	}
	headers = api.slist_append(headers, "Content-Type: application/json");
	api.easy_setopt(h, CURLOPT_URL, url);
	api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	api.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	api.easy_setopt(h, CURLOPT_POSTFIELDS, body);
	api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	api.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
	api.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	api.easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	api.easy_setopt(h, CURLOPT_USERAGENT, "tokstat/" TOKSTAT_VERSION);
	CURLcode res = api.easy_perform(h);
	if (res != CURLE_OK) {
		/* curl's message can quote the URL: say only what failed */
		buf_printf(err, "webhook at %s: %s", buf_str(&host), api.easy_strerror(res));
		goto out;
	}
	api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		buf_printf(err, "webhook at %s: HTTP status %ld", buf_str(&host), status);
		goto out;
	}
	rc = 0;
out:
	api.slist_free_all(headers);
	if (h)
		api.easy_cleanup(h);
	api.global_cleanup();
	buf_free(&host);
	return rc;
}
