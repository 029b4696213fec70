// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of drivers/vtd/vtd_entries.h against values worked out by
 * hand from the VT-d specification's layouts:
 *  - root entry half: context table | P(0)
 *  - scalable-mode context entry: val0 = PASID dir | PDTS(11:9) |
 *    PASIDE(3) | P(0), val1 = RID_PASID(19:0), val2 = val3 = 0
 *  - PASID entry: val0 = SLPTPTR | PGTT(8:6) | AW(4:2) | P(0),
 *    val1 = DID(15:0), val2 = FLPTPTR | EAFE(7) | WPE(4) | FLPM(3:2) | SRE(0)
 *  - descriptors: type(3:0), granularity(5:4), DID(31:16), SID(47:32) or
 *    PASID(51:32); IOTLB DW(6) DR(7), qw1 = addr | IH(6) | AM(5:0); wait
 *    SW(5) FN(6) data(63:32), qw1 = status address
 */
#include <kunit/test.h>
#include "drivers/vtd/vtd_entries.h"

static void entries_root_context(struct kunit *test)
{
	struct vtd_context_entry ce;

	KUNIT_EXPECT_EQ(test, vtd_root_half(0x12345000), 0x12345001ULL);
	vtd_context_encode(&ce, 0xabcde000, 0, 0, false);
	KUNIT_EXPECT_EQ(test, ce.val[0], 0xabcde001ULL);
	KUNIT_EXPECT_EQ(test, ce.val[1], 0ULL);
	vtd_context_encode(&ce, 0xabcde000, 2, 5, true);
	KUNIT_EXPECT_EQ(test, ce.val[0], 0xabcde409ULL);
	KUNIT_EXPECT_EQ(test, ce.val[1], 5ULL);
	KUNIT_EXPECT_EQ(test, ce.val[2], 0ULL);
	KUNIT_EXPECT_EQ(test, ce.val[3], 0ULL);
	KUNIT_EXPECT_EQ(test, vtd_pasid_dir_encode(0x7000), 0x7001ULL);
}

static void entries_pasid(struct kunit *test)
{
	struct vtd_pasid_entry pe;
	int i;

	vtd_pasid_encode_sl(&pe, 0x55000, 1, 42);
	KUNIT_EXPECT_EQ(test, pe.val[0], 0x55085ULL);
	KUNIT_EXPECT_EQ(test, pe.val[1], 0x2aULL);
	for (i = 2; i < 8; i++)
		KUNIT_EXPECT_EQ(test, pe.val[i], 0ULL);

	vtd_pasid_encode_pt(&pe, 1, 1);
	KUNIT_EXPECT_EQ(test, pe.val[0], 0x105ULL);
	KUNIT_EXPECT_EQ(test, pe.val[1], 1ULL);

	vtd_pasid_encode_nested(&pe, 0x66000, 4, 0x55000, 1, 7,
				VTD_NEST_SRE | VTD_NEST_WPE);
	KUNIT_EXPECT_EQ(test, pe.val[0], 0x550c5ULL);
	KUNIT_EXPECT_EQ(test, pe.val[1], 7ULL);
	KUNIT_EXPECT_EQ(test, pe.val[2], 0x66011ULL);
	vtd_pasid_encode_nested(&pe, 0x66000, 5, 0x55000, 2, 7,
				VTD_NEST_EAFE);
	KUNIT_EXPECT_EQ(test, pe.val[0], 0x550c9ULL);
	KUNIT_EXPECT_EQ(test, pe.val[2], 0x66084ULL);
}

static void entries_descriptors(struct kunit *test)
{
	struct vtd_qi_desc d;

	d = vtd_qi_cc_device(3, 0x0010);
	KUNIT_EXPECT_EQ(test, d.qw[0], 0x1000030031ULL);
	KUNIT_EXPECT_EQ(test, d.qw[1] | d.qw[2] | d.qw[3], 0ULL);
	KUNIT_EXPECT_EQ(test, vtd_qi_cc_global().qw[0], 0x11ULL);
	KUNIT_EXPECT_EQ(test, vtd_qi_pc(3, 5).qw[0], 0x500030017ULL);
	KUNIT_EXPECT_EQ(test, vtd_qi_iotlb_global().qw[0], 0xd2ULL);
	KUNIT_EXPECT_EQ(test, vtd_qi_iotlb_domain(3).qw[0], 0x300e2ULL);
	d = vtd_qi_iotlb_pages(3, 0x200000, 9, true);
	KUNIT_EXPECT_EQ(test, d.qw[0], 0x300f2ULL);
	KUNIT_EXPECT_EQ(test, d.qw[1], 0x200049ULL);
	d = vtd_qi_wait(0x1000, 0xdead);
	KUNIT_EXPECT_EQ(test, d.qw[0], 0xdead00000065ULL);
	KUNIT_EXPECT_EQ(test, d.qw[1], 0x1000ULL);
}

static void entries_psi_order(struct kunit *test)
{
	u64 addr = ~0ULL;

	KUNIT_EXPECT_EQ(test, vtd_qi_psi_order(0x1000, 0x1fff, 18, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, 0x1000ULL);
	/* Two pages that straddle an 8K boundary need a 16K-aligned mask */
	KUNIT_EXPECT_EQ(test, vtd_qi_psi_order(0x1000, 0x2fff, 18, &addr), 2);
	KUNIT_EXPECT_EQ(test, addr, 0ULL);
	KUNIT_EXPECT_EQ(test, vtd_qi_psi_order(0x200000, 0x3fffff, 18, &addr),
			9);
	KUNIT_EXPECT_EQ(test, addr, 0x200000ULL);
	KUNIT_EXPECT_EQ(test, vtd_qi_psi_order(0, 0x3fffffff, 18, &addr), 18);
	KUNIT_EXPECT_EQ(test, vtd_qi_psi_order(0, 0x3fffffff, 17, &addr), -1);
}

static struct kunit_case vtd_entries_test_cases[] = {
	KUNIT_CASE(entries_root_context),
	KUNIT_CASE(entries_pasid),
	KUNIT_CASE(entries_descriptors),
	KUNIT_CASE(entries_psi_order),
	{}
};

static struct kunit_suite vtd_entries_test_suite = {
	.name = "iofd_vtd_entries",
	.test_cases = vtd_entries_test_cases,
};
kunit_test_suite(vtd_entries_test_suite);

MODULE_LICENSE("GPL");
