// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "demangle.h"

/* libstdc++ (cxxabi.h), the Itanium C++ ABI demangler; linked with -lstdc++. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

char *demangle(const char *mangled)
{
	char *name;
	int status;

	/* only _Z names are mangled; asking about "f" would turn it into "float" */
	if (strncmp(mangled, "_Z", 2))
		return strdup(mangled);
	name = __cxa_demangle(mangled, NULL, NULL, &status);
	return status ? strdup(mangled) : name;
}
