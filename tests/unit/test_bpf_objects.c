// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The uprobe objects have no CO-RE relocation: one would make libbpf parse the kernel's whole
 * BTF for that object at load (~90 ms of attach time, docs/design.md "Attach time").  Only the
 * fds object has them; the gc object gets the kernel offsets it needs from it (events.h,
 * struct ls_rss_offsets).  Read from the built objects (build/bpf/, run from the repo root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <gelf.h>
#include <libelf.h>
#include <linux/types.h>

/* struct btf_ext_header of libbpf (libbpf_internal.h); core_relo_* since the BTF.ext v1 that
 * LLVM emits for CO-RE, absent from a shorter header. */
struct btf_ext_header {
	__u16 magic;
	__u8 version;
	__u8 flags;
	__u32 hdr_len;
	__u32 func_info_off, func_info_len;
	__u32 line_info_off, line_info_len;
	__u32 core_relo_off, core_relo_len;
};

/* Bytes of CO-RE relocation records in path's .BTF.ext, or -1 when it cannot be read. */
static long core_relo_bytes(const char *path)
{
	struct btf_ext_header h = {};
	Elf_Scn *scn = NULL;
	long ret = -1;
	size_t shstrndx;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			break;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".BTF.ext"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || d->d_size < offsetof(struct btf_ext_header, core_relo_off))
			break;
		memcpy(&h, d->d_buf, d->d_size < sizeof(h) ? d->d_size : sizeof(h));
		if (h.magic != 0xeB9F)
			break;
		ret = h.hdr_len >= sizeof(h) ? (long)h.core_relo_len : 0;
		break;
	}
	if (ret < 0 && !scn)
		ret = 0; /* no .BTF.ext at all: no relocation */
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

static void bpf_objects__uprobe_families__no_core_relocation(void **state)
{
	static const char *const objs[] = { "build/bpf/gc.bpf.o", "build/bpf/handles.bpf.o",
					    "build/bpf/buffers.bpf.o" };

	(void)state;
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		long n = core_relo_bytes(objs[i]);

		if (n)
			fail_msg("%s: %ld bytes of CO-RE relocations (want none)", objs[i], n);
	}
}

/* The check can see relocations: the fds object has them. */
static void bpf_objects__fds__has_core_relocations(void **state)
{
	(void)state;
	assert_true(core_relo_bytes("build/bpf/fds.bpf.o") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bpf_objects__uprobe_families__no_core_relocation),
		cmocka_unit_test(bpf_objects__fds__has_core_relocations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
