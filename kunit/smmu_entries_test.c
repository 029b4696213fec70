// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the SMMUv3 encoders (drivers/smmuv3/smmu_entries.h) and
 * of the stage-1 format in the core's radix tables (smmu_s1fmt.c), against
 * values worked out by hand from the SMMUv3 specification and the Arm ARM:
 *  - STE DW0 = V(0) | Config(3:1) | S1ContextPtr(51:6); DW1 = S1CIR(3:2) |
 *    S1COR(5:4) | S1CSH(7:6) | SHCFG(45:44)
 *  - CD DW0 = T0SZ(5:0) | IR0(9:8) | OR0(11:10) | SH0(13:12) | EPD1(30) |
 *    V(31) | IPS(34:32) | AA64(41) | R(45) | A(46) | ASET(47) |
 *    ASID(63:48); DW1 = TTB0(51:4); DW3 = MAIR
 *  - command DW0 = opcode(7:0) | SSID(31:12) | SID(63:32) or ASID(63:48)
 *  - stage-1 leaf = OA | valid(0) | page(1, 4K only) | AttrIndx(4:2) |
 *    AP[1](6) | AP[2](7, read-only) | SH(9:8) | AF(10) | nG(11) |
 *    PXN/UXN(54:53); table = address | 0b11
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/sizes.h>
#include <iofd/pgtable.h>
#include "drivers/smmuv3/smmu_entries.h"

static void smmu_ste_values(struct kunit *test)
{
	struct smmu_ste ste;
	int i;

	smmu_ste_abort(&ste);
	KUNIT_EXPECT_EQ(test, ste.dw[0], 0x1ULL);
	smmu_ste_bypass(&ste);
	KUNIT_EXPECT_EQ(test, ste.dw[0], 0x9ULL);
	KUNIT_EXPECT_EQ(test, ste.dw[1], 0x100000000000ULL);
	smmu_ste_s1(&ste, 0x12345640);
	KUNIT_EXPECT_EQ(test, ste.dw[0], 0x1234564bULL);
	KUNIT_EXPECT_EQ(test, ste.dw[1], 0xd4ULL);
	for (i = 2; i < 8; i++)
		KUNIT_EXPECT_EQ(test, ste.dw[i], 0ULL);
}

static void smmu_cd_values(struct kunit *test)
{
	struct smmu_cd cd;

	smmu_cd_encode(&cd, 0x40001000, 48, 4, 7);
	KUNIT_EXPECT_EQ(test, cd.dw[0], 0x0007e204c0003510ULL);
	KUNIT_EXPECT_EQ(test, cd.dw[1], 0x40001000ULL);
	KUNIT_EXPECT_EQ(test, cd.dw[2], 0ULL);
	KUNIT_EXPECT_EQ(test, cd.dw[3], 0xf404ff44ULL);
}

static void smmu_cmd_values(struct kunit *test)
{
	struct smmu_cmd c;

	c = smmu_cmd_cfgi_ste(0x10);
	KUNIT_EXPECT_EQ(test, c.dw[0], 0x1000000003ULL);
	KUNIT_EXPECT_EQ(test, c.dw[1], 1ULL);
	c = smmu_cmd_cfgi_cd(0x10, 0);
	KUNIT_EXPECT_EQ(test, c.dw[0], 0x1000000005ULL);
	c = smmu_cmd_cfgi_all();
	KUNIT_EXPECT_EQ(test, c.dw[0], 0x4ULL);
	KUNIT_EXPECT_EQ(test, c.dw[1], 0x1fULL);
	KUNIT_EXPECT_EQ(test, smmu_cmd_tlbi_asid(7).dw[0], 0x7000000000011ULL);
	c = smmu_cmd_tlbi_va(7, 0x12345678, true);
	KUNIT_EXPECT_EQ(test, c.dw[0], 0x7000000000012ULL);
	KUNIT_EXPECT_EQ(test, c.dw[1], 0x12345001ULL);
	KUNIT_EXPECT_EQ(test, smmu_cmd_tlbi_nsnh_all().dw[0], 0x30ULL);
	KUNIT_EXPECT_EQ(test, smmu_cmd_sync().dw[0], 0x46ULL);
}

static u64 *next_table(u64 pte)
{
	return phys_to_virt(pte & GENMASK_ULL(47, 12));
}

static void smmu_s1_pgtable(struct kunit *test)
{
	struct iofd_pgtable pt = {};
	unsigned int perm = 0;
	size_t mapped;
	u64 *l1, *l2, *l3;

	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(&pt, &smmu_s1_fmt, 4,
						SZ_4K | SZ_2M | SZ_1G,
						GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x1000, 0x12345000, SZ_4K,
					       1, true, true, GFP_KERNEL,
					       &mapped), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x2000, 0x23456000, SZ_4K,
					       1, true, false, GFP_KERNEL,
					       &mapped), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x200000, 0x40000000,
					       SZ_2M, 1, true, true,
					       GFP_KERNEL, &mapped), 0);
	/* Arm L0 -> L1 -> L2 links are address | 0b11 */
	KUNIT_ASSERT_EQ(test, pt.top[0] & 0xfff, 3ULL);
	l1 = next_table(pt.top[0]);
	KUNIT_ASSERT_EQ(test, l1[0] & 0xfff, 3ULL);
	l2 = next_table(l1[0]);
	KUNIT_ASSERT_EQ(test, l2[0] & 0xfff, 3ULL);
	l3 = next_table(l2[0]);
	KUNIT_EXPECT_EQ(test, l3[1], 0x0060000012345f47ULL);
	KUNIT_EXPECT_EQ(test, l3[2], 0x0060000023456fc7ULL);
	/* A 2M block at Arm level 2: table bit clear */
	KUNIT_EXPECT_EQ(test, l2[1], 0x0060000040000f45ULL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&pt, 0x2abc, &perm),
			(phys_addr_t)0x23456abc);
	KUNIT_EXPECT_EQ(test, perm, (unsigned int)IOFD_PT_R);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&pt, 0x3fffff, &perm),
			(phys_addr_t)0x401fffff);
	KUNIT_EXPECT_EQ(test, perm, (unsigned int)(IOFD_PT_R | IOFD_PT_W));
	iofd_pgtable_destroy(&pt);
}

static struct kunit_case smmu_entries_test_cases[] = {
	KUNIT_CASE(smmu_ste_values),
	KUNIT_CASE(smmu_cd_values),
	KUNIT_CASE(smmu_cmd_values),
	KUNIT_CASE(smmu_s1_pgtable),
	{}
};

static struct kunit_suite smmu_entries_test_suite = {
	.name = "iofd_smmu_entries",
	.test_cases = smmu_entries_test_cases,
};
kunit_test_suite(smmu_entries_test_suite);

MODULE_LICENSE("GPL");
