/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Just enough of a JSON writer: keys, scalars, escaped strings, commas handled by nesting. */
#ifndef LEAKSCOPE_JSON_WRITER_H
#define LEAKSCOPE_JSON_WRITER_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool pretty;
};

void json__init(struct json_writer *w, FILE *f, bool pretty);
void json__begin_object(struct json_writer *w, const char *key);
void json__end_object(struct json_writer *w);
void json__begin_array(struct json_writer *w, const char *key);
void json__end_array(struct json_writer *w);
void json__string(struct json_writer *w, const char *key, const char *value); /* NULL: null */
void json__u64(struct json_writer *w, const char *key, __u64 value);
void json__i64(struct json_writer *w, const char *key, long long value);
void json__double(struct json_writer *w, const char *key, double value, int decimals);
void json__bool(struct json_writer *w, const char *key, bool value);
void json__escape(FILE *f, const char *s);

#endif
