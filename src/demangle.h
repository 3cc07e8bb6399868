/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* C++ names for people: node and V8 symbols are Itanium-mangled. */
#ifndef LEAKSCOPE_DEMANGLE_H
#define LEAKSCOPE_DEMANGLE_H

/* A malloc'd demangled copy of mangled, or a plain copy when it is not a C++ name; NULL only
 * when out of memory.  The full name is kept, parameters included. */
char *demangle(const char *mangled);

#endif
