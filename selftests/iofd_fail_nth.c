// SPDX-License-Identifier: GPL-2.0
/*
 * Failure injection over the core: every ioctl family alone and in the
 * sequences a VMM runs (map, attach, copy, replace, destroy; map_file;
 * allowed and reserved IOVA ranges; accesses; huge IOPTEs; closing with
 * everything live). Each scenario is walked by iofd_fail_nth.h: its 1st,
 * 2nd, 3rd... failure point fails until a run passes them all, and every
 * run must fail cleanly and leave nothing behind once the context is
 * closed. Variant "iofd" uses iofd-oot's own budget, "proc" the kernel's
 * /proc/thread-self/fail-nth (debug kernels only). The nesting paths are in
 * iofd_nest_fail_nth.c.
 */
#include "iofd_fail_nth.h"

FIXTURE(fail_nth)
{
	struct fn_env env;
};

FIXTURE_VARIANT(fail_nth)
{
	enum fn_mech mech;
	const char *prefix;
};

FIXTURE_VARIANT_ADD(fail_nth, iofd)
{
	.mech = FN_MECH_IOFD,
	.prefix = "fail_nth.iofd",
};

FIXTURE_VARIANT_ADD(fail_nth, proc)
{
	.mech = FN_MECH_PROC,
	.prefix = "fail_nth.proc",
};

FIXTURE_SETUP(fail_nth)
{
	fn_setup(_metadata, &self->env, variant->mech, variant->prefix);
}

FIXTURE_TEARDOWN(fail_nth)
{
	fn_teardown(_metadata, &self->env);
}

/* -------------------------------------------------------------- IOAS */

/* IOAS_ALLOC, DESTROY and IOVA_RANGES alone */
static int seq_ioas_alloc(struct fn_run *r)
{
	__u32 ids[24] = {};
	unsigned int i;

	for (i = 0; i != 24; i++)
		FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ids[i]));
	for (i = 0; i < 24; i += 2)
		FN_STEP(r, _test_ioctl_destroy(r->fd, ids[i]));
	for (i = 1; i < 24; i += 4)
		FN_CHECK(r, fn_check_nranges(r->fd, ids[i], 1));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, ioas_alloc, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "ioas_alloc", seq_ioas_alloc, 24);
}

/* IOAS destroyed with its mappings still in place, over and over */
static int seq_ioas_destroy_mapped(struct fn_run *r)
{
	unsigned int i;
	__u64 iova = 0;
	__u32 id = 0;

	FN_STEP(r, fn_account_mm(r->fd));
	for (i = 0; i != 8; i++) {
		FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &id));
		FN_STEP(r, fn_map(r->fd, id, FN_OFF(fn_big, 8 * i), FN_PG(8), &iova));
		FN_STEP(r, fn_map_file(r->fd, id, mfd, FN_PG(i), FN_PG(2), &iova));
		if (i & 1)
			FN_STEP(r, _test_ioctl_destroy(r->fd, id));
	}
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, FN_PG(8), 1));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, FN_OFF(fn_big, 8), FN_PG(8), 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, ioas_destroy_mapped, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "ioas_destroy_mapped", seq_ioas_destroy_mapped, 40);
}

/* IOAS_MAP of user memory without a domain: fixed, automatic, unaligned */
static int seq_map_user(struct fn_run *r)
{
	unsigned int i;
	__u64 iova = 0;
	__u32 ioas = 0;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	for (i = 0; i != 4; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 16 * i), FN_PG(16),
					FN_IOVA(i)));
	for (i = 0; i != 8; i++)
		FN_STEP(r, fn_map(r->fd, ioas, FN_OFF(buffer, 2 * i), FN_PG(2), &iova));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, buffer, BUFFER_SIZE, 1));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, fn_big_size, 1));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(0), FN_PG(16)));
	/* Two areas and the hole between them in one call */
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(1), FN_IOVA(3) - FN_IOVA(1)));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, FN_PG(48), 0));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, FN_OFF(fn_big, 48), FN_PG(16), 1));
	/* Not page aligned in user memory */
	FN_STEP(r, fn_map(r->fd, ioas, (uint8_t *)buffer + PAGE_SIZE / 2, PAGE_SIZE, &iova));
	FN_STEP(r, fn_map(r->fd, ioas, (uint8_t *)fn_big + 100, FN_PG(3), &iova));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, map_user, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "map_user", seq_map_user, 30);
}

/* Pinning in two-page batches: a point per batch */
static int seq_map_small_batch(struct fn_run *r)
{
	__u32 ioas = 0;

	/* 16 bytes of page pointers: two pages per batch */
	FN_STEP(r, _test_cmd_set_temp_memory_limit(r->fd, 16));
	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, fn_big_size, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(1)));
	FN_STEP(r, fn_map_file_fixed(r->fd, ioas, mfd, 0, BUFFER_SIZE, FN_IOVA(2)));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, fn_big_size, 1));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, mfd_buffer, BUFFER_SIZE, 1));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(1), BUFFER_SIZE));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, buffer, BUFFER_SIZE, 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, map_small_batch, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "map_small_batch", seq_map_small_batch, 40);
}

/* IOAS_MAP_FILE of a memfd, also mapped through its user mapping */
static int seq_map_file(struct fn_run *r)
{
	__u32 a = 0, b = 0;
	unsigned int i;
	__u64 iova = 0;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	FN_STEP(r, fn_map_file_fixed(r->fd, a, mfd, FN_PG(12), FN_PG(4), FN_IOVA(0)));
	for (i = 0; i != 6; i++)
		FN_STEP(r, fn_map_file(r->fd, a, mfd, FN_PG(2 * i), FN_PG(2), &iova));
	FN_STEP(r, fn_map_file(r->fd, b, mfd, 0, BUFFER_SIZE, &iova));
	FN_STEP(r, fn_map(r->fd, b, mfd_buffer, BUFFER_SIZE, &iova));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, mfd_buffer, BUFFER_SIZE, 3));
	FN_STEP(r, fn_unmap(r->fd, b, 0, UINT64_MAX));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, mfd_buffer, BUFFER_SIZE, 1));
	/* Starting inside a page of the file */
	FN_STEP(r, fn_map_file(r->fd, a, mfd, FN_PG(1) + 512, 1024, &iova));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, map_file, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "map_file", seq_map_file, 24);
}

/* IOAS_ALLOW_IOVAS, ADD_RESERVED and IOVA_RANGES around mapping */
static int seq_allow_iovas(struct fn_run *r)
{
	struct iommu_iova_range ranges[12];
	__u32 ioas = 0, stdev = 0;
	unsigned int i;
	__u64 iova = 0;

	for (i = 0; i != 12; i++) {
		ranges[i].start = FN_IOVA(2 * i);
		ranges[i].last = FN_IOVA(2 * i + 1) - 1;
	}
	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, _test_ioctl_allow_iovas(r->fd, ioas, ranges, 12));
	FN_CHECK(r, fn_check_nranges(r->fd, ioas, 12));
	for (i = 0; i != 6; i++)
		FN_STEP(r, _test_cmd_add_reserved(r->fd, ioas, FN_IOVA(2 * i + 1), FN_PG(4)));
	for (i = 0; i != 6; i++)
		FN_STEP(r, fn_map(r->fd, ioas, FN_OFF(fn_big, 8 * i), FN_PG(8), &iova));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, NULL, NULL));
	FN_CHECK(r, fn_check_nranges(r->fd, ioas, 12));
	/* A smaller set: every other range */
	for (i = 0; i != 4; i++)
		ranges[i] = ranges[2 * i];
	FN_STEP(r, _test_ioctl_allow_iovas(r->fd, ioas, ranges, 4));
	FN_CHECK(r, fn_check_nranges(r->fd, ioas, 4));
	FN_STEP(r, fn_map(r->fd, ioas, buffer, BUFFER_SIZE, &iova));
	FN_STEP(r, _test_ioctl_allow_iovas(r->fd, ioas, NULL, 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, allow_iovas, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "allow_iovas", seq_allow_iovas, 100);
}

/* ADD_RESERVED ranges between mappings, with domains attached later */
static int seq_reserved(struct fn_run *r)
{
	__u32 ioas = 0, idev = 0, h1 = 0, stdev = 0;
	unsigned int i;
	__u64 iova = 0;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	for (i = 0; i != 8; i++)
		FN_STEP(r, _test_cmd_add_reserved(r->fd, ioas, FN_IOVA(2 * i + 1), FN_PG(4)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 16), FN_PG(16), FN_IOVA(2)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, NULL, &idev));
	for (i = 0; i != 4; i++)
		FN_STEP(r, _test_cmd_add_reserved(r->fd, ioas, FN_IOVA(20 + i), FN_PG(1)));
	for (i = 0; i != 3; i++)
		FN_STEP(r, fn_map(r->fd, ioas, FN_OFF(fn_big, 32 + 8 * i), FN_PG(8), &iova));
	FN_STEP(r, fn_hwpt(r->fd, idev, ioas, 0, &h1));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, h1, &stdev, NULL, NULL));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h1, FN_IOVA(2), FN_PG(16), FN_OFF(fn_big, 16)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h1, iova, FN_PG(8), FN_OFF(fn_big, 48)));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, reserved, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "reserved", seq_reserved, 150);
}

/* ------------------------------------------------------------ domains */

/* Map first, then attach three domains: every area fills every domain */
static int seq_domain_attach(struct fn_run *r)
{
	__u32 ioas = 0, idev = 0, h[3] = {}, stdev = 0;
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_STEP(r, fn_map_file_fixed(r->fd, ioas, mfd, 0, BUFFER_SIZE, FN_IOVA(2)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, &h[0], &idev));
	for (i = 1; i != 3; i++) {
		FN_STEP(r, fn_hwpt(r->fd, idev, ioas, 0, &h[i]));
		FN_STEP(r, _test_cmd_mock_domain(r->fd, h[i], &stdev, NULL, NULL));
	}
	for (i = 0; i != 3; i++) {
		FN_CHECK(r, _test_cmd_check_map(r->fd, h[i], FN_IOVA(1), FN_PG(16), fn_big));
		FN_CHECK(r, _test_cmd_check_map(r->fd, h[i], FN_IOVA(2), BUFFER_SIZE,
						mfd_buffer));
	}
	return 0;
}

TEST_F_TIMEOUT(fail_nth, domain_attach, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "domain_attach", seq_domain_attach, 200);
}

/* Attach two domains first, then map, unmap and map again */
static int seq_domain_map(struct fn_run *r)
{
	__u32 ioas = 0, idev = 0, h0 = 0, h1 = 0, stdev = 0;
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, &h0, &idev));
	FN_STEP(r, fn_hwpt(r->fd, idev, ioas, 0, &h1));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, h1, &stdev, NULL, NULL));
	for (i = 0; i != 8; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 4 * i), FN_PG(4),
					FN_IOVA(i)));
	FN_STEP(r, fn_map_file_fixed(r->fd, ioas, mfd, 0, BUFFER_SIZE, FN_IOVA(8)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h0, FN_IOVA(3), FN_PG(4), FN_OFF(fn_big, 12)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h1, FN_IOVA(8), BUFFER_SIZE, mfd_buffer));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(0), FN_IOVA(4) - FN_IOVA(0)));
	for (i = 0; i != 4; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(buffer, 4 * i), FN_PG(4),
					FN_IOVA(i)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h1, FN_IOVA(2), FN_PG(4), FN_OFF(buffer, 8)));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, FN_PG(16), 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, domain_map, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "domain_map", seq_domain_map, 180);
}

/* The life of a VM: map, attach, copy, replace, destroy */
static int seq_map_attach_copy_replace(struct fn_run *r)
{
	__u32 a = 0, b = 0, idev0 = 0, s0 = 0, s1 = 0, ha = 0, hb = 0, hb2 = 0;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	FN_STEP(r, fn_map_fixed(r->fd, a, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, a, FN_OFF(fn_big, 16), FN_PG(16), FN_IOVA(1)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, a, &s0, &ha, &idev0));
	FN_STEP(r, fn_copy_fixed(r->fd, b, a, FN_IOVA(0), BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_copy_fixed(r->fd, b, a, FN_IOVA(1), FN_PG(16), FN_IOVA(1)));
	FN_STEP(r, fn_hwpt(r->fd, idev0, b, 0, &hb));
	FN_STEP(r, fn_replace(r->fd, s0, hb, NULL));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hb, FN_IOVA(1), FN_PG(16), FN_OFF(fn_big, 16)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, a, &s1, &ha, NULL));
	FN_STEP(r, fn_replace(r->fd, s0, a, NULL));
	FN_STEP(r, _test_ioctl_destroy(r->fd, hb));
	FN_STEP(r, fn_replace(r->fd, s1, b, &hb2));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hb2, FN_IOVA(0), BUFFER_SIZE, buffer));
	FN_STEP(r, _test_ioctl_destroy(r->fd, s0));
	FN_STEP(r, fn_unmap(r->fd, a, 0, UINT64_MAX));
	FN_STEP(r, _test_ioctl_destroy(r->fd, a));
	/* The copies share the pin of the original mappings */
	FN_CHECK(r, _test_cmd_check_refs(r->fd, buffer, BUFFER_SIZE, 1));
	FN_STEP(r, fn_unmap(r->fd, b, FN_IOVA(0), BUFFER_SIZE));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, buffer, BUFFER_SIZE, 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, map_attach_copy_replace, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "map_attach_copy_replace", seq_map_attach_copy_replace,
		170);
}

/* IOAS_COPY both ways between two IOAS with two domains each */
static int seq_copy_two_domains(struct fn_run *r)
{
	__u32 s = 0, d = 0, idev_s = 0, idev_d = 0, hs1 = 0, hd0 = 0, hd1 = 0, stdev = 0;
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &s));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &d));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, s, &stdev, NULL, &idev_s));
	FN_STEP(r, fn_hwpt(r->fd, idev_s, s, 0, &hs1));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, hs1, &stdev, NULL, NULL));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, d, &stdev, &hd0, &idev_d));
	FN_STEP(r, fn_hwpt(r->fd, idev_d, d, 0, &hd1));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, hd1, &stdev, NULL, NULL));
	/* Eight adjacent areas: the copy collects eight pieces (grows twice) */
	for (i = 0; i != 8; i++)
		FN_STEP(r, fn_map_fixed(r->fd, s, FN_OFF(fn_big, 2 * i), FN_PG(2),
					FN_IOVA(0) + FN_PG(2 * i)));
	FN_STEP(r, fn_copy_fixed(r->fd, d, s, FN_IOVA(0), FN_PG(16), FN_IOVA(4)));
	FN_STEP(r, fn_copy_fixed(r->fd, d, s, FN_IOVA(0) + FN_PG(4), FN_PG(8), FN_IOVA(8)));
	FN_STEP(r, fn_map_fixed(r->fd, d, buffer, BUFFER_SIZE, FN_IOVA(12)));
	FN_STEP(r, fn_copy_fixed(r->fd, s, d, FN_IOVA(12), BUFFER_SIZE, FN_IOVA(16)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hd0, FN_IOVA(4), FN_PG(16), fn_big));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hd1, FN_IOVA(4), FN_PG(16), fn_big));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hd1, FN_IOVA(8), FN_PG(8), FN_OFF(fn_big, 4)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hs1, FN_IOVA(16), BUFFER_SIZE, buffer));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, FN_PG(16), 1));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, copy_two_domains, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "copy_two_domains", seq_copy_two_domains, 200);
}

/* Explicit paging HWPTs: allocated, destroyed, filled by a later map */
static int seq_hwpt_alloc(struct fn_run *r)
{
	__u32 ioas = 0, idev = 0, stdev = 0, h[4] = {};
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_file_fixed(r->fd, ioas, mfd, 0, BUFFER_SIZE, FN_IOVA(1)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, NULL, &idev));
	for (i = 0; i != 4; i++)
		FN_STEP(r, fn_hwpt(r->fd, idev, ioas, i == 3 ? IOMMU_HWPT_ALLOC_NEST_PARENT : 0,
				   &h[i]));
	for (i = 0; i < 4; i += 2)
		FN_STEP(r, _test_ioctl_destroy(r->fd, h[i]));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h[1], FN_IOVA(1), BUFFER_SIZE, mfd_buffer));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(2)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h[3], FN_IOVA(2), FN_PG(16), fn_big));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, hwpt_alloc, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "hwpt_alloc", seq_hwpt_alloc, 250);
}

/* One device replaced round three IOAS and three HWPTs, twice */
static int seq_replace_chain(struct fn_run *r)
{
	__u32 a = 0, b = 0, c = 0, idev = 0, s0 = 0, s1 = 0, h1 = 0, h2 = 0, h3 = 0, got = 0;
	unsigned int k;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &c));
	FN_STEP(r, fn_map_fixed(r->fd, a, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, a, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_STEP(r, fn_copy_fixed(r->fd, b, a, FN_IOVA(0), BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_copy_fixed(r->fd, c, a, FN_IOVA(1), FN_PG(16), FN_IOVA(0)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, a, &s0, NULL, &idev));
	FN_STEP(r, fn_hwpt(r->fd, idev, b, 0, &h1));
	FN_STEP(r, fn_hwpt(r->fd, idev, c, 0, &h2));
	FN_STEP(r, fn_hwpt(r->fd, idev, a, 0, &h3));
	for (k = 0; k != 2; k++) {
		FN_STEP(r, fn_replace(r->fd, s0, b, &got));
		FN_CHECK(r, _test_cmd_check_map(r->fd, got, FN_IOVA(0), BUFFER_SIZE, buffer));
		FN_STEP(r, fn_replace(r->fd, s0, h1, NULL));
		FN_STEP(r, fn_replace(r->fd, s0, c, &got));
		FN_CHECK(r, _test_cmd_check_map(r->fd, got, FN_IOVA(0), FN_PG(16), fn_big));
		FN_STEP(r, fn_replace(r->fd, s0, h2, NULL));
		FN_STEP(r, fn_replace(r->fd, s0, a, NULL));
		FN_STEP(r, fn_replace(r->fd, s0, h3, NULL));
	}
	FN_STEP(r, _test_cmd_mock_domain(r->fd, h3, &s1, NULL, NULL));
	FN_STEP(r, fn_replace(r->fd, s1, b, NULL));
	FN_STEP(r, fn_replace(r->fd, s0, b, NULL));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, replace_chain, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "replace_chain", seq_replace_chain, 300);
}

/* Devices of every kind come and go on one IOAS; GET_HW_INFO on each */
static int seq_devices(struct fn_run *r)
{
	static const __u32 flags[6] = {
		0, MOCK_FLAGS_DEVICE_NO_DIRTY, MOCK_FLAGS_DEVICE_HUGE_IOVA,
		MOCK_FLAGS_DEVICE_PASID, 0, MOCK_FLAGS_DEVICE_PASID,
	};
	__u32 ioas = 0, stdev[6] = {}, idev[6] = {};
	struct iommu_test_hw_info info;
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	for (i = 0; i != 6; i++) {
		FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, ioas, flags[i], &stdev[i], NULL,
						       &idev[i]));
		FN_CHECK(r, _test_cmd_get_hw_info(r->fd, idev[i], &info, sizeof(info), NULL));
	}
	for (i = 0; i < 6; i += 2)
		FN_STEP(r, _test_ioctl_destroy(r->fd, stdev[i]));
	for (i = 0; i != 3; i++)
		FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, ioas, flags[i + 3], &stdev[i],
						       NULL, NULL));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 8), FN_PG(8), FN_IOVA(1)));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, devices, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "devices", seq_devices, 75);
}

/* Map, unmap in pieces and map again with two domains attached */
static int seq_unmap_remap(struct fn_run *r)
{
	__u32 ioas = 0, idev = 0, h1 = 0, stdev = 0;
	unsigned int i, k;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, NULL, &idev));
	FN_STEP(r, fn_hwpt(r->fd, idev, ioas, 0, &h1));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, h1, &stdev, NULL, NULL));
	for (k = 0; k != 2; k++) {
		for (i = 0; i != 4; i++)
			FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 4 * i), FN_PG(4),
						FN_IOVA(i)));
		FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(1), FN_PG(4)));
		FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(3), FN_PG(4)));
		FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(1)));
		FN_CHECK(r, _test_cmd_check_map(r->fd, h1, FN_IOVA(1), BUFFER_SIZE, buffer));
		FN_CHECK(r, _test_cmd_check_refs(r->fd, FN_OFF(fn_big, 4), FN_PG(4), 0));
		FN_STEP(r, fn_unmap(r->fd, ioas, 0, UINT64_MAX));
	}
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, fn_big_size, 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, unmap_remap, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "unmap_remap", seq_unmap_remap, 170);
}

/* hugetlb pages, a huge-IOPTE domain, and IOMMU_OPTION_HUGE_PAGES off */
static void *fn_huge;

static int seq_huge_iopte(struct fn_run *r)
{
	__u32 a = 0, b = 0, idev = 0, h0 = 0, h2 = 0, hb = 0, stdev = 0;
	size_t half = HUGEPAGE_SIZE / 2;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, a, MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev,
					       &h0, &idev));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, a, &stdev, NULL, NULL));
	FN_STEP(r, fn_hwpt(r->fd, idev, a, 0, &h2));
	FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, h2, MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev,
					       NULL, NULL));
	/* One map per huge page: the page array stays within one page */
	FN_STEP(r, fn_map_fixed(r->fd, a, fn_huge, HUGEPAGE_SIZE, FN_IOVA(2)));
	FN_STEP(r, fn_map_fixed(r->fd, a, (uint8_t *)fn_huge + HUGEPAGE_SIZE, HUGEPAGE_SIZE,
				FN_IOVA(4)));
	FN_STEP(r, fn_map_fixed(r->fd, a, (uint8_t *)fn_huge + half, half, FN_IOVA(8)));
	FN_STEP(r, fn_map_fixed(r->fd, a, FN_OFF(fn_huge, 3), FN_PG(5), FN_IOVA(9) + FN_PG(3)));
	/* The first and the last 64 KiB: checking walks page by page */
	FN_CHECK(r, _test_cmd_check_map(r->fd, h0, FN_IOVA(2), FN_PG(16), fn_huge));
	FN_CHECK(r, _test_cmd_check_map(r->fd, h2, FN_IOVA(8) + half - FN_PG(16), FN_PG(16),
					(uint8_t *)fn_huge + HUGEPAGE_SIZE - FN_PG(16)));
	FN_STEP(r, _test_ioctl_set_huge_pages(r->fd, b, 0));
	FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, b, MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev,
					       &hb, NULL));
	FN_STEP(r, fn_map_fixed(r->fd, b, fn_huge, HUGEPAGE_SIZE, FN_IOVA(2)));
	FN_STEP(r, fn_copy_fixed(r->fd, b, a, FN_IOVA(8), half, FN_IOVA(8)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hb, FN_IOVA(2), FN_PG(16), fn_huge));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, huge_iopte, FN_TIMEOUT)
{
	if (self->env.skip)
		return;
	if (!iofd_reserve_hugepages(2))
		SKIP(return, "no hugetlb pages of %lu bytes", HUGEPAGE_SIZE);
	fn_huge = iofd_mmap_aligned(2 * HUGEPAGE_SIZE, HUGEPAGE_SIZE, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
				    -1, 0);
	if (fn_huge == MAP_FAILED)
		SKIP(return, "hugetlb mmap: %s", strerror(errno));
	/* Not for MD_CHECK_REFS, which skips compound pages: VmPin covers it */
	fn_walk(_metadata, &self->env, "huge_iopte", seq_huge_iopte, 30);
}

/* ----------------------------------------------------------- accesses */

/* ACCESS_PAGES pinning through two accesses; destroying pages and access */
static int seq_access_pages(struct fn_run *r)
{
	__u32 ioas = 0, pages[8] = {}, p2 = 0;
	int afd = -1, afd2 = -1;
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, fn_big_size, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(1)));
	FN_STEP(r, fn_create_access(r, ioas, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd));
	for (i = 0; i != 8; i++)
		FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(0) + FN_PG(8 * i), FN_PG(8),
						  FN_OFF(fn_big, 8 * i), 0, &pages[i]));
	for (i = 0; i < 8; i += 2)
		FN_STEP(r, _test_cmd_destroy_access_pages(r->fd, afd, pages[i]));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(1), BUFFER_SIZE, buffer,
					  MOCK_FLAGS_ACCESS_WRITE, &p2));
	/* Accesses share the pin the map took */
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, fn_big_size, 1));
	FN_STEP(r, fn_create_access(r, ioas, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd2));
	for (i = 0; i != 4; i++)
		FN_STEP(r, _test_cmd_access_pages(r->fd, afd2, FN_IOVA(0) + FN_PG(4 * i), FN_PG(4),
						  FN_OFF(fn_big, 4 * i), 0, &pages[i]));
	FN_STEP(r, fn_close_access(r, afd));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd2, FN_IOVA(1), FN_PG(2), buffer, 0, &p2));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, access_pages, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "access_pages", seq_access_pages, 18);
}

/* 0 if @a and @b hold the same @len bytes, else -1 with EILSEQ */
static int fn_same(const void *a, const void *b, size_t len)
{
	if (!memcmp(a, b, len))
		return 0;
	errno = EILSEQ;
	return -1;
}

/* ACCESS_RW across two areas, fast and slow path, between pins */
static int seq_access_rw(struct fn_run *r)
{
	static const size_t lens[6] = { 1, 63, 512, 2000, 4095, 4096 };
	static uint8_t out[4096], in[4096];
	__u32 ioas = 0, pages = 0, stdev = 0;
	unsigned int i;
	__u64 iova = 0;
	int afd = -1;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(0) + BUFFER_SIZE));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, NULL, NULL));
	FN_STEP(r, fn_create_access(r, ioas, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd));
	for (i = 0; i != 6; i++) {
		/* Straddling the boundary of the two areas */
		iova = FN_IOVA(0) + BUFFER_SIZE - lens[i] / 2;
		iofd_fill(out, lens[i], i);
		FN_STEP(r, _test_cmd_access_rw(r->fd, afd, iova, lens[i], out,
					       MOCK_ACCESS_RW_WRITE |
					       (i & 1 ? MOCK_ACCESS_RW_SLOW_PATH : 0)));
		FN_STEP(r, _test_cmd_access_rw(r->fd, afd, iova, lens[i], in,
					       i & 1 ? 0 : MOCK_ACCESS_RW_SLOW_PATH));
		FN_CHECK(r, fn_same(out, in, lens[i]));
		FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(0) + FN_PG(2 * i), FN_PG(2),
						  FN_OFF(buffer, 2 * i), 0, &pages));
	}
	FN_STEP(r, _test_ioctl_destroy(r->fd, stdev));
	FN_STEP(r, _test_cmd_access_rw(r->fd, afd, FN_IOVA(0), sizeof(in), in, 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, access_rw, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "access_rw", seq_access_rw, 50);
}

/* ACCESS_REPLACE_IOAS round three IOAS, pinning in each */
static int seq_access_replace(struct fn_run *r)
{
	__u32 a = 0, b = 0, c = 0, pages = 0;
	unsigned int k;
	int afd = -1;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &c));
	FN_STEP(r, fn_map_fixed(r->fd, a, buffer, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_copy_fixed(r->fd, b, a, FN_IOVA(0), BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_map_fixed(r->fd, c, fn_big, FN_PG(16), FN_IOVA(0)));
	FN_STEP(r, fn_create_access(r, a, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd));
	for (k = 0; k != 3; k++) {
		FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(0), FN_PG(4), buffer, 0,
						  &pages));
		FN_STEP(r, _test_cmd_access_replace_ioas(r->fd, afd, b));
		FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(0) + FN_PG(4), FN_PG(4),
						  FN_OFF(buffer, 4), 0, &pages));
		FN_STEP(r, _test_cmd_access_replace_ioas(r->fd, afd, c));
		FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(0), FN_PG(8), fn_big, 0,
						  &pages));
		FN_STEP(r, _test_cmd_access_replace_ioas(r->fd, afd, a));
	}
	FN_CHECK(r, _test_cmd_check_refs(r->fd, buffer, BUFFER_SIZE, 1));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, access_replace, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "access_replace", seq_access_replace, 15);
}

/* IOAS_UNMAP of ranges that accesses have pinned: the unmap callback */
static int seq_access_unmap(struct fn_run *r)
{
	__u32 ioas = 0, pages = 0, stdev = 0;
	unsigned int i;
	int afd1 = -1, afd2 = -1;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &ioas));
	for (i = 0; i != 4; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 16 * i), FN_PG(16),
					FN_IOVA(i)));
	FN_STEP(r, fn_create_access(r, ioas, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd1));
	FN_STEP(r, fn_create_access(r, ioas, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd2));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd1, FN_IOVA(0), FN_PG(16), fn_big, 0,
					  &pages));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd2, FN_IOVA(0) + FN_PG(4), FN_PG(4),
					  FN_OFF(fn_big, 4), 0, &pages));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd1, FN_IOVA(1), FN_PG(8), FN_OFF(fn_big, 16),
					  0, &pages));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(0), FN_PG(16)));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, FN_PG(16), 0));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(0)));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd2, FN_IOVA(0), FN_PG(16), fn_big, 0,
					  &pages));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, ioas, &stdev, NULL, NULL));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(1), FN_PG(16)));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd1, FN_IOVA(2), FN_PG(16), FN_OFF(fn_big, 32),
					  MOCK_FLAGS_ACCESS_WRITE, &pages));
	FN_STEP(r, fn_unmap(r->fd, ioas, 0, UINT64_MAX));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, fn_big_size, 0));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, access_unmap, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "access_unmap", seq_access_unmap, 90);
}

/* --------------------------------------------------------------- misc */

/* Pins charged to the user (RLIMIT_MODE 0) rather than to the process */
static int seq_account_user(struct fn_run *r)
{
	__u32 a = 0, b = 0, stdev = 0;
	unsigned int i;
	__u64 iova = 0;

	FN_STEP(r, _test_ioctl_set_rlimit_mode(r->fd, 0));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	for (i = 0; i != 4; i++)
		FN_STEP(r, fn_map_fixed(r->fd, a, FN_OFF(fn_big, 16 * i), FN_PG(16),
					FN_IOVA(i)));
	FN_STEP(r, fn_map_file_fixed(r->fd, a, mfd, 0, BUFFER_SIZE, FN_IOVA(4)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, a, &stdev, NULL, NULL));
	/* Automatic IOVAs of b fall in the aperture of its domain */
	FN_STEP(r, _test_cmd_mock_domain(r->fd, b, &stdev, NULL, NULL));
	FN_STEP(r, fn_copy(r->fd, b, a, FN_IOVA(1), FN_PG(16), &iova));
	FN_STEP(r, fn_map(r->fd, b, buffer, BUFFER_SIZE, &iova));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, account_user, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "account_user", seq_account_user, 150);
}

/* Everything at once, then close without destroying anything */
static int seq_close_live(struct fn_run *r)
{
	__u32 a = 0, b = 0, c = 0, idev0 = 0, idev2 = 0, h1 = 0, hp = 0, stdev = 0, pages = 0;
	unsigned int i;
	int afd = -1;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &a));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &b));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, &c));
	FN_STEP(r, _test_cmd_add_reserved(r->fd, c, FN_IOVA(100), FN_PG(4)));
	for (i = 0; i != 4; i++)
		FN_STEP(r, fn_map_fixed(r->fd, a, FN_OFF(fn_big, 8 * i), FN_PG(8), FN_IOVA(i)));
	FN_STEP(r, fn_map_fixed(r->fd, a, buffer, BUFFER_SIZE, FN_IOVA(4)));
	FN_STEP(r, fn_map_file_fixed(r->fd, b, mfd, 0, BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, a, &stdev, NULL, &idev0));
	FN_STEP(r, fn_hwpt(r->fd, idev0, a, 0, &h1));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, h1, &stdev, NULL, NULL));
	FN_STEP(r, _test_cmd_mock_domain(r->fd, b, &stdev, NULL, &idev2));
	FN_STEP(r, fn_hwpt(r->fd, idev2, b, IOMMU_HWPT_ALLOC_NEST_PARENT, &hp));
	FN_STEP(r, fn_copy_fixed(r->fd, b, a, FN_IOVA(0), FN_PG(8), FN_IOVA(2)));
	FN_STEP(r, fn_copy_fixed(r->fd, c, a, FN_IOVA(4), BUFFER_SIZE, FN_IOVA(0)));
	FN_STEP(r, fn_create_access(r, a, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(1), FN_PG(8), FN_OFF(fn_big, 8),
					  0, &pages));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(4), FN_PG(4), buffer, 0, &pages));
	FN_STEP(r, fn_create_access(r, c, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, &afd));
	FN_STEP(r, _test_cmd_access_pages(r->fd, afd, FN_IOVA(0), BUFFER_SIZE, buffer, 0,
					  &pages));
	FN_STEP(r, fn_create_access(r, b, 0, &afd));
	return 0;
}

TEST_F_TIMEOUT(fail_nth, close_live, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "close_live", seq_close_live, 200);
}

/* ------------------------------------------------------ the knob itself */

FIXTURE(fail_nth_api)
{
	int fd;
};

FIXTURE_SETUP(fail_nth_api)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(fail_nth_api)
{
	teardown_iommufd(self->fd, _metadata);
}

TEST_F(fail_nth_api, api)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOFD_FAIL_NTH,
		.iofd_fail_nth = { .flags = 1 },
	};
	__u32 remaining, ioas_id;

	/* Flags must be 0 */
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));

	/* Nothing armed: 0 */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(0, remaining);

	/* Armed but untouched: the whole budget is reported back */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 1000, NULL));
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(1000, remaining);

	/* The first point fails the first ioctl that reaches one */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 1, NULL));
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_alloc(self->fd, &ioas_id));
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(0, remaining);

	/* Once, and only for this task: now it works */
	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_destroy(ioas_id);
}

TEST_F(fail_nth_api, per_task)
{
	__u32 remaining, ioas_id;
	pid_t child;
	int status;

	/* Armed here; a child (another task) is not affected */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 1, NULL));
	child = fork();
	ASSERT_NE(-1, child);
	if (!child) {
		__u32 id;

		_exit(_test_ioctl_ioas_alloc(self->fd, &id) ? errno : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_alloc(self->fd, &ioas_id));
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(0, remaining);
}

TEST_HARNESS_MAIN
