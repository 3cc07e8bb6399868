// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include "output/json_writer.h"

void json__init(struct json_writer *w, FILE *f, bool pretty)
{
	w->f = f;
	w->depth = 0;
	w->need_comma[0] = false;
	w->pretty = pretty;
}

/* Length of the valid UTF-8 sequence at p, or 0 (RFC 3629: no overlongs, no surrogates). */
static int utf8_len(const unsigned char *p)
{
	int n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* Paths and names are raw bytes; JSON must be UTF-8: a byte that is not becomes U+FFFD. */
void json__escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int n = utf8_len(p);

		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (!n)
				fputs("\\ufffd", f);
			else if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fwrite(p, 1, n, f);
		}
		p += n ? n : 1;
	}
	fputc('"', f);
}

static void prefix(struct json_writer *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
	if (w->pretty && w->depth) {
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	if (key) {
		json__escape(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void open_scope(struct json_writer *w, const char *key, char c)
{
	prefix(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_scope(struct json_writer *w, char c)
{
	bool had = w->need_comma[w->depth];

	if (w->depth)
		w->depth--;
	if (w->pretty && had) {
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	fputc(c, w->f);
	if (!w->depth)
		fputc('\n', w->f);
}

void json__begin_object(struct json_writer *w, const char *key) { open_scope(w, key, '{'); }
void json__end_object(struct json_writer *w) { close_scope(w, '}'); }
void json__begin_array(struct json_writer *w, const char *key) { open_scope(w, key, '['); }
void json__end_array(struct json_writer *w) { close_scope(w, ']'); }

void json__string(struct json_writer *w, const char *key, const char *value)
{
	prefix(w, key);
	if (value)
		json__escape(w->f, value);
	else
		fputs("null", w->f);
}

void json__u64(struct json_writer *w, const char *key, __u64 value)
{
	prefix(w, key);
	fprintf(w->f, "%llu", (unsigned long long)value);
}

void json__i64(struct json_writer *w, const char *key, long long value)
{
	prefix(w, key);
	fprintf(w->f, "%lld", value);
}

void json__double(struct json_writer *w, const char *key, double value, int decimals)
{
	prefix(w, key);
	if (isfinite(value))
		fprintf(w->f, "%.*f", decimals, value);
	else
		fputs("null", w->f);
}

void json__bool(struct json_writer *w, const char *key, bool value)
{
	prefix(w, key);
	fputs(value ? "true" : "false", w->f);
}
