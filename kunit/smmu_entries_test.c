// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the SMMUv3 encoders (drivers/smmuv3/smmu_entries.h) and
 * of the stage-1 format in the core's radix tables (smmu_s1fmt.c), against
 * values worked out by hand from the SMMUv3 specification and the Arm ARM:
 *  - STE DW0 = V(0) | Config(3:1) | S1ContextPtr(51:6); DW1 = S1CIR(3:2) |
 *    S1COR(5:4) | S1CSH(7:6) | SHCFG(45:44)
 *  - stage-2 STE DW0 = V | Config 6; DW2 = S2VMID(15:0) | S2T0SZ(37:32) |
 *    S2SL0(39:38) | S2IR0(41:40) | S2OR0(43:42) | S2SH0(45:44) |
 *    S2PS(50:48) | S2AA64(51) | S2PTW(54) | S2R(58); DW3 = S2TTB(51:4);
 *    nested: Config 7, the guest's DW0/DW1 fields, MEV(DW1 19)
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
#include "drivers/smmuv3/smmu_walk.h"

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

static void smmu_ste_s2_values(struct kunit *test)
{
	const u64 vste[2] = { 0x10000b, 0xd4 };
	struct smmu_ste s2, n;

	smmu_ste_s2(&s2, 0x40002000, 48, 5, 3);
	KUNIT_EXPECT_EQ(test, s2.dw[0], 0xdULL);
	KUNIT_EXPECT_EQ(test, s2.dw[1], 0x100000000000ULL);
	KUNIT_EXPECT_EQ(test, s2.dw[2], 0x044d359000000003ULL);
	KUNIT_EXPECT_EQ(test, s2.dw[3], 0x40002000ULL);
	smmu_ste_nested(&n, vste, &s2);
	KUNIT_EXPECT_EQ(test, n.dw[0], 0x10000fULL);
	KUNIT_EXPECT_EQ(test, n.dw[1], 0x1000000800d4ULL);
	KUNIT_EXPECT_EQ(test, n.dw[2], s2.dw[2]);
	KUNIT_EXPECT_EQ(test, n.dw[3], s2.dw[3]);
	KUNIT_EXPECT_EQ(test, smmu_cmd_tlbi_s2_ipa(3, 0x12345678).dw[0],
			0x30000002aULL);
	KUNIT_EXPECT_EQ(test, smmu_cmd_tlbi_s2_ipa(3, 0x12345678).dw[1],
			0x12345001ULL);
	KUNIT_EXPECT_EQ(test, smmu_cmd_tlbi_vmid(3, true).dw[0],
			0x300000028ULL);
	KUNIT_EXPECT_EQ(test, smmu_cmd_tlbi_vmid(3, false).dw[0],
			0x300000010ULL);
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

static int ram_read(void *ctx, u64 pa, void *buf, size_t len)
{
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

/*
 * The reference walker over tables the driver's encoders build: a linear
 * stream table of 32 STEs (SID 0x10 stage 1 through one CD over a 4-level
 * table, SID 0x11 bypass, SID 0x12 abort, SID 0x13 invalid), then a
 * 2-level stream table built by hand
 */
static void smmu_walker(struct kunit *test)
{
	struct smmu_walk_cfg cfg = { .read = ram_read, .log2size = 5 };
	struct smmu_walk_result r;
	struct smmu_ste *strtab;
	struct iofd_pgtable pt = {};
	struct smmu_cd *cd;
	u64 *l1std, *l3;
	size_t mapped;

	strtab = (void *)get_zeroed_page(GFP_KERNEL);
	cd = (void *)get_zeroed_page(GFP_KERNEL);
	l1std = (u64 *)get_zeroed_page(GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, strtab && cd && l1std);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(&pt, &smmu_s1_fmt, 4,
						SZ_4K | SZ_2M, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x5000, 0x7777000, SZ_4K,
					       1, true, true, GFP_KERNEL,
					       &mapped), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x6000, 0x8888000, SZ_4K,
					       1, true, false, GFP_KERNEL,
					       &mapped), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x400000, 0x40000000,
					       SZ_2M, 1, true, true,
					       GFP_KERNEL, &mapped), 0);
	smmu_cd_encode(cd, virt_to_phys(pt.top), 48, 4, 9);
	smmu_ste_s1(&strtab[0x10], virt_to_phys(cd));
	smmu_ste_bypass(&strtab[0x11]);
	smmu_ste_abort(&strtab[0x12]);
	cfg.strtab = virt_to_phys(strtab);

	smmu_walk(&cfg, 0x10, 0x5123, true, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_EQ(test, r.pa, 0x7777123ULL);
	KUNIT_EXPECT_EQ(test, r.asid, 9);
	smmu_walk(&cfg, 0x10, 0x6123, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_FALSE(test, r.write);
	smmu_walk(&cfg, 0x10, 0x6123, true, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_PERMISSION);
	smmu_walk(&cfg, 0x10, 0x5fffff, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_EQ(test, r.pa, 0x401fffffULL);
	KUNIT_EXPECT_EQ(test, r.size, (u64)SZ_2M);
	smmu_walk(&cfg, 0x10, 0x7000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_TRANSLATION);
	smmu_walk(&cfg, 0x10, 1ULL << 48, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_TRANSLATION);
	smmu_walk(&cfg, 0x11, 0x123456789ULL, true, &r);
	KUNIT_EXPECT_TRUE(test, r.bypass);
	KUNIT_EXPECT_EQ(test, r.pa, 0x123456789ULL);
	smmu_walk(&cfg, 0x12, 0x5000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_WALK_ABORT);
	smmu_walk(&cfg, 0x13, 0x5000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_C_BAD_STE);
	smmu_walk(&cfg, 0x20, 0x5000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_C_BAD_STREAMID);
	/* An access flag clear; a CD not valid */
	l3 = phys_to_virt(pt.fmt->addr(((u64 *)phys_to_virt(pt.fmt->addr(
		((u64 *)phys_to_virt(pt.fmt->addr(pt.top[0])))[0])))[0]));
	l3[5] &= ~BIT_ULL(10);
	smmu_walk(&cfg, 0x10, 0x5000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_ACCESS);
	cd->dw[0] &= ~SMMU_CD0_V;
	smmu_walk(&cfg, 0x10, 0x5000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_C_BAD_CD);

	/*
	 * 2-level, SPLIT 4: SID 0x11 is entry 1 of L2 table 1, which is
	 * the linear table's STEs 0x10-0x1f (1K, aligned to its size)
	 */
	l1std[1] = virt_to_phys(&strtab[0x10]) | 5;	/* Span 5: 16 STEs */
	cfg.two_level = true;
	cfg.split = 4;
	cfg.log2size = 8;
	cfg.strtab = virt_to_phys(l1std);
	smmu_walk(&cfg, 0x11, 0x42, false, &r);
	KUNIT_EXPECT_TRUE(test, r.bypass);
	smmu_walk(&cfg, 0x12, 0x42, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_WALK_ABORT);
	smmu_walk(&cfg, 0x21, 0x42, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_C_BAD_STREAMID);

	iofd_pgtable_destroy(&pt);
	free_page((unsigned long)strtab);
	free_page((unsigned long)cd);
	free_page((unsigned long)l1std);
}

static struct kunit_case smmu_entries_test_cases[] = {
	KUNIT_CASE(smmu_walker),
	KUNIT_CASE(smmu_ste_values),
	KUNIT_CASE(smmu_ste_s2_values),
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
