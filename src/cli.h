/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The verbs and what they share: exit codes and the one way errors are printed. */
#ifndef LEAKSCOPE_CLI_H
#define LEAKSCOPE_CLI_H

#include <stdbool.h>

/* Exit codes (docs/usage.md): scripts tell failures apart by them. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILURE_OTHER = 1,
	EXIT_USAGE = 2,
	EXIT_NO_TARGET = 3,
	EXIT_NO_PRIVILEGE = 4,
	EXIT_OUTPUT = 5,
};

/* "leakscope: <message>" on stderr, one line. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* root, or the capabilities BPF tracing needs (CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE) */
bool has_tracing_privileges(void);

int do_record(int argc, char **argv);
int do_check(int argc, char **argv);

#endif
