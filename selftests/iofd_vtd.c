// SPDX-License-Identifier: GPL-2.0
/*
 * iofd_vtd end to end, with real DMA: the edu device bound through
 * iofd-pci, its DMA translated by our VT-d tables in the emulated unit.
 *
 * Which checks are real DMA and which are table walks:
 *  - real DMA (edu copies through the emulated VT-d): dma_both_ways,
 *    unmap_blocks_dma, blocked_until_attached, replace_switches_dma,
 *    passthrough_when_unmanaged, and the nested tests in shadow mode
 *    (nested_shadow_dma: a guest first-level table built here, in memory
 *    the nest parent maps; QEMU 7.2 cannot nest, so the driver shadows);
 *  - the reference walker (debugfs translate) on the live tables, compared
 *    with /proc/self/pagemap and with what the DMA did: walker_agrees.
 * A fault is seen in the unit's fault records (debugfs faults/last_fault),
 * never from edu: a blocked read just gives the device zeros.
 * Read ../shared/EMULATORS.md: edu masks addresses to 28 bits and a
 * transfer may not end at 0x41000, so IOVAs stay below 256 MiB and
 * transfers at 4095 bytes.
 */
#include "iofd_edu_fixture.h"
#include "iofd_nest_utils.h"

#define VTD_DEBUGFS "/sys/kernel/debug/iofd_vtd/dmar0"
#define XFER 4000
#define IOVA_A 0x100000ULL

static long vtd_faults(void)
{
	return (long)iofd_read_ulong(VTD_DEBUGFS "/faults", (unsigned long)-1);
}

/* The last fault record as "sid=... reason=... type=..." into @buf */
static void vtd_last_fault(char *buf, size_t len)
{
	iofd_debugfs_read(VTD_DEBUGFS, "last_fault", buf, len);
}

/* Ask the reference walker; 0 and the result line, or -1 */
static int vtd_translate(__u16 rid, __u64 iova, bool is_write, char *out,
			 size_t len)
{
	char q[64];

	snprintf(q, sizeof(q), "%x %llx - %c", rid, (unsigned long long)iova,
		 is_write ? 'w' : 'r');
	return iofd_debugfs_translate(VTD_DEBUGFS, q, out, len);
}

FIXTURE(vtd)
{
	int fd;		/* /dev/iommu, for the test_ioctl_* helpers */
	__u32 ioas_id;
	struct iofd_edu e;
};

FIXTURE_SETUP(vtd)
{
	iofd_edu_setup(_metadata, &self->e, &self->fd, VTD_DEBUGFS, "iofd_vtd");
	if (!_metadata->skip)
		test_ioctl_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(vtd)
{
	iofd_edu_teardown(_metadata, &self->e, self->fd);
}

TEST_F(vtd, hw_info)
{
	struct iommu_hw_info_vtd info = {};
	struct iommu_hw_info out;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_cmd_get_hw_info(self->fd, self->e.devid, &info,
					   sizeof(info), &out));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, out.out_data_type);
	EXPECT_EQ(sizeof(info), out.data_len);
	/* Scalable mode (ECAP bit 43) and queued invalidation (bit 1) */
	EXPECT_TRUE(info.ecap_reg & (1ULL << 43));
	EXPECT_TRUE(info.ecap_reg & (1ULL << 1));
	/* SAGAW (CAP bits 12:8) has at least one width */
	EXPECT_NE(0, (info.cap_reg >> 8) & 0x1f);
}

/* edu copies RAM -> device -> RAM through the mapping: bytes compared */
TEST_F(vtd, dma_both_ways)
{
	__u32 pt_id = self->ioas_id;
	__u8 back[XFER];

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 3);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	/* Page 0 (offset 123) into the device, then out to page 2 */
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A + 123, 0, XFER));
	memcpy(back, self->e.buf + 123, XFER);
	memset(self->e.buf + 2 * PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 2 * PAGE_SIZE + 5, 0,
			     XFER));
	EXPECT_EQ(0, memcmp(back, self->e.buf + 2 * PAGE_SIZE + 5, XFER));
	/* Nothing around it was written */
	EXPECT_EQ(0, self->e.buf[2 * PAGE_SIZE + 4]);
	EXPECT_EQ(0, self->e.buf[2 * PAGE_SIZE + 5 + XFER]);
}

/*
 * The reference walker on the live tables agrees with the kernel's page
 * tables (pagemap) for every page of the mapping, and a DMA through the
 * address it names lands where it says.
 */
TEST_F(vtd, walker_agrees)
{
	__u32 pt_id = self->ioas_id;
	char res[160], want[64];
	int i;

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 9);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	for (i = 0; i < 4; i++) {
		__u64 pa = iofd_virt_to_phys(self->e.buf + i * PAGE_SIZE + 0x10);

		ASSERT_NE(0, pa);
		ASSERT_EQ(0, vtd_translate(self->e.rid, IOVA_A + i * PAGE_SIZE +
					   0x10, true, res, sizeof(res)));
		snprintf(want, sizeof(want), "fault=0x0 pa=0x%llx size=0x1000 r=1 w=1 pgtt=2",
			 (unsigned long long)pa);
		EXPECT_EQ(0, strncmp(res, want, strlen(want)))
			TH_LOG("walker: %s want: %s", res, want);
	}
	/* Not mapped: the walker says fault 0x6 for a read */
	ASSERT_EQ(0, vtd_translate(self->e.rid, IOVA_A + 4 * PAGE_SIZE, false,
				   res, sizeof(res)));
	EXPECT_EQ(0, strncmp(res, "fault=0x6 ", 10)) TH_LOG("%s", res);
	/* The DMA reads the bytes at the address the walker named */
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A + PAGE_SIZE, 0, 64));
	memset(self->e.buf + 3 * PAGE_SIZE, 0, 64);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 3 * PAGE_SIZE, 0, 64));
	EXPECT_EQ(0, memcmp(self->e.buf + PAGE_SIZE, self->e.buf + 3 * PAGE_SIZE,
			    64));
}

/*
 * After an unmap the translation the unit used (and cached) is gone: the
 * device's write is blocked, memory untouched, and the unit records a
 * write fault for edu at that page.
 */
TEST_F(vtd, unmap_blocks_dma)
{
	__u32 pt_id = self->ioas_id;
	char last[160], want[96];
	long before;

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 1);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	/* Use the translation first, so that the unit caches it */
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, XFER));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, XFER));
	test_ioctl_ioas_unmap(IOVA_A, 4 * PAGE_SIZE);
	memset(self->e.buf, 0x5a, 4 * PAGE_SIZE);
	before = vtd_faults();
	ASSERT_LE(0, before);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, XFER));
	EXPECT_EQ(0x5a, self->e.buf[PAGE_SIZE]);
	EXPECT_EQ(0x5a, self->e.buf[PAGE_SIZE + XFER - 1]);
	EXPECT_LT(before, vtd_faults());
	vtd_last_fault(last, sizeof(last));
	snprintf(want, sizeof(want), "sid=0x%04x pasid=0x0 addr=0x%llx reason=0x5 type=write",
		 self->e.rid, IOVA_A + PAGE_SIZE);
	EXPECT_EQ(0, strncmp(last, want, strlen(want)))
		TH_LOG("last fault: %s want: %s", last, want);
}

/*
 * A flood of faulting DMA (20 transfers to unmapped pages, back to back):
 * records are processed and counted, overflows (one fault record on QEMU,
 * which also merges repeats) are counted, and translation keeps working.
 */
TEST_F(vtd, fault_flood)
{
	__u32 pt_id = self->ioas_id;
	long before, overflows;
	int i;

	if (_metadata->skip)
		return;

	fill(self->e.buf, PAGE_SIZE, 23);
	memset(self->e.buf + PAGE_SIZE, 0, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, 2 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	before = vtd_faults();
	overflows = (long)iofd_read_ulong(VTD_DEBUGFS "/fault_overflows",
					  (unsigned long)-1);
	ASSERT_LE(0, overflows);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, edu_dma(self->e.bar, i & 1,
				     IOVA_A + 0x100000 * (i + 1), 0, 4000));
	EXPECT_LT(before, vtd_faults());
	EXPECT_LE(overflows, (long)iofd_read_ulong(VTD_DEBUGFS "/fault_overflows",
						   (unsigned long)-1));
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, 256));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, 256));
	EXPECT_EQ(0, memcmp(self->e.buf, self->e.buf + PAGE_SIZE, 256));
}

/* Bound but not attached: blocked (the RID's PASID entry not present) */
TEST_F(vtd, blocked_until_attached)
{
	char last[160];
	long before = vtd_faults();

	if (_metadata->skip)
		return;

	memset(self->e.buf, 0x33, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A, 0, 16));
	EXPECT_EQ(0x33, self->e.buf[0]);
	EXPECT_LT(before, vtd_faults());
	vtd_last_fault(last, sizeof(last));
	EXPECT_NE(NULL, strstr(last, "reason=0x58")) TH_LOG("%s", last);
}

/*
 * Two IOASes map the same IOVA to different buffers; replacing the HWPT
 * moves the device's DMA from one to the other, and the old translation
 * (cached by the first DMA) is not used anymore.
 */
TEST_F(vtd, replace_switches_dma)
{
	__u32 ioas2, pt_id = self->ioas_id, hwpt1;
	__u8 *other;

	if (_metadata->skip)
		return;

	other = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, other);
	memset(self->e.buf, 0x44, PAGE_SIZE);
	memset(self->e.buf, 0x11, 64);
	memset(other, 0x22, PAGE_SIZE);
	test_ioctl_ioas_alloc(&ioas2);
	test_ioctl_ioas_map_fixed(self->e.buf, PAGE_SIZE, IOVA_A);
	test_ioctl_ioas_map_fixed_id(ioas2, other, PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	hwpt1 = pt_id;
	/* Read the 0x11 bytes into the device through the first IOAS */
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, 64));
	pt_id = ioas2;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	EXPECT_NE(hwpt1, pt_id);
	/* Write them out: they land in the second buffer only */
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 64, 0, 64));
	EXPECT_EQ(0x11, other[64]);
	EXPECT_EQ(0x11, other[127]);
	EXPECT_EQ(0x44, self->e.buf[64]);
	/* And reads come from the second buffer */
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A + 256, 0, 64));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 128, 0, 64));
	EXPECT_EQ(0x22, other[128]);
	EXPECT_EQ(0x44, self->e.buf[128]);
	munmap(other, PAGE_SIZE);
}

/*
 * A device nobody manages is in pass-through: edu, given back by closing
 * the device and leaving iofd-pci, reaches RAM at physical addresses.
 * edu only drives 28 address bits: find a page below 256 MiB.
 */
TEST_F(vtd, passthrough_when_unmanaged)
{
	const size_t len = 64 << 20;
	__u8 *big, *page = NULL;
	__u64 pa = 0;
	size_t off;

	if (_metadata->skip)
		return;

	close(self->e.devfd);
	self->e.devfd = -1;
	ASSERT_EQ(0, iofd_pci_rebind(self->e.bdf, ""));
	big = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	for (off = 0; off < len; off += PAGE_SIZE) {
		pa = iofd_virt_to_phys(big + off);
		if (pa && pa + PAGE_SIZE <= (1ULL << 28)) {
			page = big + off;
			break;
		}
	}
	if (!page) {
		munmap(big, len);
		SKIP(return, "no page below 256 MiB for edu's 28-bit DMA");
	}
	self->e.bar = edu_map(self->e.bdf);
	ASSERT_NE(NULL, self->e.bar);
	ASSERT_EQ(0, iofd_pci_master(self->e.bdf, true));
	fill(page, 256, 77);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, pa, 0, 128));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, pa + 128, 0, 128));
	EXPECT_EQ(0, memcmp(page, page + 128, 128));
	iofd_pci_master(self->e.bdf, false);
	munmap(big, len);
}

/*
 * A physically contiguous, 2M-aligned mapping is mapped with 2M leaves
 * (CAP.SLLPS has 2M): the walker reports a 2M leaf at the right address,
 * and DMA through it works.
 */
TEST_F(vtd, large_leaves)
{
	__u32 pt_id = self->ioas_id;
	char res[160], want[96];
	__u8 *huge;

	if (_metadata->skip)
		return;

	if (!iofd_reserve_hugepages(1))
		SKIP(return, "no 2M huge page available");
	huge = mmap(NULL, HUGEPAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED)
		SKIP(return, "MAP_HUGETLB: %s", strerror(errno));
	fill(huge, HUGEPAGE_SIZE, 21);
	test_ioctl_ioas_map_fixed(huge, HUGEPAGE_SIZE, 0x400000);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	ASSERT_EQ(0, vtd_translate(self->e.rid, 0x400000 + 0x12345, false, res,
				   sizeof(res)));
	snprintf(want, sizeof(want), "fault=0x0 pa=0x%llx size=0x200000 r=1 w=1",
		 (unsigned long long)iofd_virt_to_phys(huge + 0x12345));
	EXPECT_EQ(0, strncmp(res, want, strlen(want)))
		TH_LOG("walker: %s want: %s", res, want);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, 0x400000 + 0x1ff000, 0, 100));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x400000 + 0x3000, 0, 100));
	EXPECT_EQ(0, memcmp(huge + 0x1ff000, huge + 0x3000, 100));
	test_ioctl_ioas_unmap(0x400000, HUGEPAGE_SIZE);
	munmap(huge, HUGEPAGE_SIZE);
}

/* ---- nesting (shadow mode on QEMU 7.2) ---- */

#define GPA_TABLES 0x200000ULL	/* L4, L3, L2, L1 */
#define GPA_DATA 0x300000ULL	/* four data pages */
#define FL_RW 0x27ULL		/* P | RW | US | A */
#define FL_RO 0x25ULL		/* P | US | A */

static int nested_alloc(int fd, __u32 dev, __u32 parent, __u64 flags,
			__u64 pgtbl, __u32 aw, __u32 *id)
{
	struct iommu_hwpt_vtd_s1 s1 = {
		.flags = flags, .pgtbl_addr = pgtbl, .addr_width = aw,
	};

	return _test_cmd_hwpt_alloc(fd, dev, parent, 0, id,
				    IOMMU_HWPT_DATA_VTD_S1, &s1, sizeof(s1),
				    0);
}

static int s1_invalidate(int fd, __u32 id, __u64 addr, __u64 npages,
			 __u32 flags, __u32 *num)
{
	struct iommu_hwpt_vtd_s1_invalidate inv = {
		.addr = addr, .npages = npages, .flags = flags,
	};

	*num = 1;
	return _test_cmd_hwpt_invalidate(fd, id, &inv,
					 IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
					 sizeof(inv), num);
}

/*
 * Guest memory: 8 pages; 0-3 are the guest's first-level tables at GPA
 * 0x200000, 4-7 data pages at GPA 0x300000, two IOAS areas of a nest
 * parent.  The guest maps IOVA 0x5000 -> data 0, 0x6000 -> data 1
 * read-only, 0x7000 -> data 2.
 */
TEST_F(vtd, nested_shadow_dma)
{
	__u64 *l4, *l3, *l2, *l1;
	__u32 parent, nested, num, pt_id;
	struct iommu_hw_info out;
	struct iommu_hw_info_vtd info;
	char res[160], want[96];
	__u8 *mem, *data;
	long before;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_cmd_get_hw_info(self->fd, self->e.devid, &info,
					   sizeof(info), &out));
	if (!(out.out_capabilities & IOMMU_HW_CAP_IOFD_SHADOW_NESTING))
		SKIP(return, "the unit nests in hardware: not this test");
	mem = mmap(NULL, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, 8 * PAGE_SIZE);
	l4 = (__u64 *)mem;
	l3 = (__u64 *)(mem + PAGE_SIZE);
	l2 = (__u64 *)(mem + 2 * PAGE_SIZE);
	l1 = (__u64 *)(mem + 3 * PAGE_SIZE);
	data = mem + 4 * PAGE_SIZE;
	l4[0] = (GPA_TABLES + 0x1000) | FL_RW;
	l3[0] = (GPA_TABLES + 0x2000) | FL_RW;
	l2[0] = (GPA_TABLES + 0x3000) | FL_RW;
	l1[5] = GPA_DATA | FL_RW;
	l1[6] = (GPA_DATA + 0x1000) | FL_RO;
	l1[7] = (GPA_DATA + 0x2000) | FL_RW;
	test_ioctl_ioas_map_fixed(mem, 4 * PAGE_SIZE, GPA_TABLES);
	test_ioctl_ioas_map_fixed(data, 4 * PAGE_SIZE, GPA_DATA);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	ASSERT_EQ(0, nested_alloc(self->fd, self->e.devid, parent, 0,
				  GPA_TABLES, 48, &nested));
	pt_id = nested;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	EXPECT_EQ(nested, pt_id);

	/* DMA through the guest's table: data 0 -> device -> data 2 */
	fill(data, PAGE_SIZE, 5);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, 0x5000 + 10, 0, XFER));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000 + 20, 0, XFER));
	EXPECT_EQ(0, memcmp(data + 10, data + 2 * PAGE_SIZE + 20, XFER));

	/* The walker, on the live (shadow) tables, agrees with pagemap */
	ASSERT_EQ(0, vtd_translate(self->e.rid, 0x5010, true, res, sizeof(res)));
	snprintf(want, sizeof(want), "fault=0x0 pa=0x%llx size=0x1000 r=1 w=1 pgtt=2",
		 (unsigned long long)iofd_virt_to_phys(data + 0x10));
	EXPECT_EQ(0, strncmp(res, want, strlen(want)))
		TH_LOG("walker: %s want: %s", res, want);

	/* Guest read-only: the device's write is blocked, reason 0x5 */
	before = vtd_faults();
	memset(data + PAGE_SIZE, 0x66, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x6000, 0, 64));
	EXPECT_EQ(0x66, data[PAGE_SIZE]);
	EXPECT_LT(before, vtd_faults());

	/*
	 * The guest points 0x5000 at data 3.  Until it invalidates, the
	 * old translation stays (as a hardware IOTLB would keep it).
	 */
	l1[5] = (GPA_DATA + 0x3000) | FL_RW;
	memset(data, 0, PAGE_SIZE);
	memset(data + 3 * PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_NE(0, data[0] | data[1] | data[2] | data[3]);
	EXPECT_EQ(0, data[3 * PAGE_SIZE]);
	ASSERT_EQ(0, s1_invalidate(self->fd, nested, 0x5000, 1, 0, &num));
	EXPECT_EQ(1, num);
	memset(data, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_EQ(0, data[0] | data[1] | data[2] | data[3]);
	EXPECT_NE(0, data[3 * PAGE_SIZE] | data[3 * PAGE_SIZE + 1] |
		     data[3 * PAGE_SIZE + 2] | data[3 * PAGE_SIZE + 3]);

	/*
	 * The parent unmaps the data pages: the shadow follows at once
	 * (they are unpinned), the device's write is blocked.
	 */
	test_ioctl_ioas_unmap(GPA_DATA, 4 * PAGE_SIZE);
	memset(data + 2 * PAGE_SIZE, 0x77, PAGE_SIZE);
	before = vtd_faults();
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000, 0, 64));
	EXPECT_EQ(0x77, data[2 * PAGE_SIZE]);
	EXPECT_LT(before, vtd_faults());

	ASSERT_EQ(0, _test_pci_detach(self->e.devfd, false, 0));
	test_ioctl_destroy(nested);
	test_ioctl_destroy(parent);
	munmap(mem, 8 * PAGE_SIZE);
}

/* Upstream's rules for the guest's stage-1 description and invalidations */
TEST_F(vtd, nested_errnos)
{
	__u32 parent, plain, nested, num;
	struct iommu_hwpt_vtd_s1_invalidate inv[2] = {};

	if (_metadata->skip)
		return;

	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id, 0, &plain);
	/* Not a nest parent */
	EXPECT_ERRNO(EINVAL, nested_alloc(self->fd, self->e.devid, plain, 0,
					  GPA_TABLES, 48, &nested));
	/* 39 bits is not a first-level width; 57 needs CAP.FL5LP */
	EXPECT_ERRNO(EINVAL, nested_alloc(self->fd, self->e.devid, parent, 0,
					  GPA_TABLES, 39, &nested));
	EXPECT_ERRNO(EINVAL, nested_alloc(self->fd, self->e.devid, parent, 0,
					  GPA_TABLES, 57, &nested));
	/* EAFE needs ECAP.EAFS (QEMU has none); unknown flags */
	EXPECT_ERRNO(EINVAL, nested_alloc(self->fd, self->e.devid, parent,
					  IOMMU_VTD_S1_EAFE, GPA_TABLES, 48,
					  &nested));
	EXPECT_ERRNO(EOPNOTSUPP, nested_alloc(self->fd, self->e.devid, parent,
					      1ULL << 5, GPA_TABLES, 48,
					      &nested));
	/* A table nobody maps is fine: the shadow is just empty */
	ASSERT_EQ(0, nested_alloc(self->fd, self->e.devid, parent,
				  IOMMU_VTD_S1_SRE | IOMMU_VTD_S1_WPE,
				  0x7000000, 48, &nested));
	/* The parent is in use by the nested HWPT */
	EXPECT_ERRNO(EBUSY, _test_ioctl_destroy(self->fd, parent));

	EXPECT_ERRNO(EOPNOTSUPP, s1_invalidate(self->fd, nested, 0, 1, 2,
					       &num));
	EXPECT_EQ(0, num);
	EXPECT_ERRNO(EINVAL, s1_invalidate(self->fd, nested, 0x800, 1, 0,
					   &num));
	EXPECT_ERRNO(EINVAL, s1_invalidate(self->fd, nested, 0x1000,
					   UINT64_MAX, 0, &num));
	EXPECT_EQ(0, s1_invalidate(self->fd, nested, 0, UINT64_MAX,
				   IOMMU_VTD_INV_FLAGS_LEAF, &num));
	EXPECT_EQ(1, num);
	/* Reserved must be 0; the second entry stops the array */
	inv[1].__reserved = 1;
	num = 2;
	EXPECT_ERRNO(EOPNOTSUPP,
		     _test_cmd_hwpt_invalidate(self->fd, nested, inv,
				IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
				sizeof(inv[0]), &num));
	EXPECT_EQ(1, num);
	/* Another type on a VT-d nested HWPT */
	num = 1;
	EXPECT_ERRNO(EINVAL,
		     _test_cmd_hwpt_invalidate(self->fd, nested, inv,
				IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				sizeof(inv[0]), &num));
	test_ioctl_destroy(nested);
	test_ioctl_destroy(plain);
	test_ioctl_destroy(parent);
}

/* ---- bind_pasid_table (iofd-oot extension) ---- */

static int ptable_alloc(int fd, __u32 dev, __u32 parent, __u64 dir,
			__u32 bits, __u64 flags, __u32 *id)
{
	struct iommu_hwpt_vtd_pasid_table cfg = {
		.flags = flags, .pasid_dir_addr = dir, .pasid_bits = bits,
		.addr_width = 48,
	};

	return _test_cmd_hwpt_alloc(fd, dev, parent, 0, id,
				    IOMMU_HWPT_DATA_VTD_PASID_TABLE, &cfg,
				    sizeof(cfg), 0);
}

static int ptable_inv(int fd, __u32 id, __u32 type, __u32 flags, __u32 pasid,
		      __u64 addr, __u64 npages, __u32 *num)
{
	struct iommu_hwpt_vtd_pasid_table_invalidate inv = {
		.type = type, .flags = flags, .pasid = pasid, .addr = addr,
		.npages = npages,
	};

	*num = 1;
	return _test_cmd_hwpt_invalidate(fd, id, &inv,
				IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE,
				sizeof(inv), num);
}

/* The live table dump has @needle */
static bool vtd_tables_have(const char *needle)
{
	char buf[8192];
	ssize_t n;
	int fd;

	fd = open(VTD_DEBUGFS "/tables", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, needle);
}

/*
 * The guest's PASID directory (GPA 0x204000) and table (0x205000) next to
 * its first-level tables; PASID 0 (the RID's, edu has no PASIDs) points at
 * the first level of nested_shadow_dma.  The host follows the guest's
 * PASID entry only at a PASID-cache invalidation, its first level at an
 * IOTLB one, and refuses entries that are not first-level only.
 */
TEST_F(vtd, bind_pasid_table)
{
	__u64 *l4, *l3, *l2, *l1, *dir, *pte;
	__u32 parent, ptable, num, pt_id;
	char want[96];
	__u8 *mem, *data;
	long before;

	if (_metadata->skip)
		return;

	mem = mmap(NULL, 10 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, 10 * PAGE_SIZE);
	l4 = (__u64 *)mem;
	l3 = (__u64 *)(mem + PAGE_SIZE);
	l2 = (__u64 *)(mem + 2 * PAGE_SIZE);
	l1 = (__u64 *)(mem + 3 * PAGE_SIZE);
	dir = (__u64 *)(mem + 4 * PAGE_SIZE);
	pte = (__u64 *)(mem + 5 * PAGE_SIZE);
	data = mem + 6 * PAGE_SIZE;
	l4[0] = (GPA_TABLES + 0x1000) | FL_RW;
	l3[0] = (GPA_TABLES + 0x2000) | FL_RW;
	l2[0] = (GPA_TABLES + 0x3000) | FL_RW;
	l1[5] = GPA_DATA | FL_RW;
	l1[7] = (GPA_DATA + 0x2000) | FL_RW;
	dir[0] = (GPA_TABLES + 0x5000) | 1;
	/* PASID entry 0: present, PGTT 1 (first level), FLPTR, FLPM 0 */
	pte[0] = (1ULL << 6) | 1;
	pte[2] = GPA_TABLES;
	test_ioctl_ioas_map_fixed(mem, 6 * PAGE_SIZE, GPA_TABLES);
	test_ioctl_ioas_map_fixed(data, 4 * PAGE_SIZE, GPA_DATA);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);

	/* edu has no PASIDs: its table covers PASID 0 only */
	EXPECT_ERRNO(EINVAL, ptable_alloc(self->fd, self->e.devid, parent,
					  GPA_TABLES + 0x4000, 1, 0, &ptable));
	EXPECT_ERRNO(EINVAL, ptable_alloc(self->fd, self->e.devid, parent,
					  GPA_TABLES + 0x4008, 0, 0, &ptable));
	EXPECT_ERRNO(EOPNOTSUPP, ptable_alloc(self->fd, self->e.devid, parent,
					      GPA_TABLES + 0x4000, 0, 4,
					      &ptable));
	ASSERT_EQ(0, ptable_alloc(self->fd, self->e.devid, parent,
				  GPA_TABLES + 0x4000, 0, 0, &ptable));
	pt_id = ptable;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	snprintf(want, sizeof(want), "pasid %s 0 pgtt 2", self->e.bdf);
	EXPECT_TRUE(vtd_tables_have(want));

	/* DMA through the guest's PASID 0: data 0 -> device -> data 2 */
	fill(data, PAGE_SIZE, 11);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, 0x5000 + 1, 0, XFER));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000 + 2, 0, XFER));
	EXPECT_EQ(0, memcmp(data + 1, data + 2 * PAGE_SIZE + 2, XFER));

	/* First-level change + IOTLB invalidation of PASID 0 */
	l1[5] = (GPA_DATA + 0x3000) | FL_RW;
	ASSERT_EQ(0, ptable_inv(self->fd, ptable, IOMMU_VTD_PT_INV_IOTLB, 0, 0,
				0x5000, 1, &num));
	memset(data + 3 * PAGE_SIZE, 0, 64);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_EQ(0, memcmp(data + 1, data + 3 * PAGE_SIZE, 64));

	/* The guest clears its PASID entry: followed at the PASID cache */
	pte[0] = 0;
	ASSERT_EQ(0, ptable_inv(self->fd, ptable,
				IOMMU_VTD_PT_INV_PASID_CACHE, 0, 0, 0, 0,
				&num));
	EXPECT_FALSE(vtd_tables_have(want));
	before = vtd_faults();
	memset(data + 2 * PAGE_SIZE, 0x55, 64);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000, 0, 64));
	EXPECT_EQ(0x55, data[2 * PAGE_SIZE]);
	EXPECT_LT(before, vtd_faults());

	/* A second-level entry from the guest is refused: still blocked */
	pte[0] = (2ULL << 6) | (1 << 2) | 1;
	ASSERT_EQ(0, ptable_inv(self->fd, ptable,
				IOMMU_VTD_PT_INV_PASID_CACHE,
				IOMMU_VTD_PT_INV_ALL_PASIDS, 0, 0, 0, &num));
	EXPECT_FALSE(vtd_tables_have(want));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000, 0, 64));
	EXPECT_EQ(0x55, data[2 * PAGE_SIZE]);

	/* Back to first level: translated again */
	pte[0] = (1ULL << 6) | 1;
	ASSERT_EQ(0, ptable_inv(self->fd, ptable,
				IOMMU_VTD_PT_INV_PASID_CACHE, 0, 0, 0, 0,
				&num));
	EXPECT_TRUE(vtd_tables_have(want));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000, 0, 64));
	EXPECT_EQ(0, memcmp(data + 1, data + 2 * PAGE_SIZE, 64));

	/* Invalidation errnos */
	EXPECT_ERRNO(EINVAL, ptable_inv(self->fd, ptable,
					IOMMU_VTD_PT_INV_PASID_CACHE, 0, 1, 0,
					0, &num));
	EXPECT_EQ(0, num);
	EXPECT_ERRNO(EOPNOTSUPP, ptable_inv(self->fd, ptable, 7, 0, 0, 0, 0,
					    &num));
	EXPECT_ERRNO(EOPNOTSUPP, ptable_inv(self->fd, ptable,
					    IOMMU_VTD_PT_INV_IOTLB, 1 << 4, 0,
					    0, 1, &num));
	EXPECT_ERRNO(EINVAL, ptable_inv(self->fd, ptable,
					IOMMU_VTD_PT_INV_IOTLB, 0, 0, 0x1001,
					1, &num));

	/*
	 * Replaced by a paging HWPT of the same IOAS: the RID now sees
	 * guest-physical addresses, where IOVA 0x7000 is not mapped
	 */
	pt_id = self->ioas_id;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	memset(data + 2 * PAGE_SIZE, 0x44, 64);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000, 0, 64));
	EXPECT_EQ(0x44, data[2 * PAGE_SIZE]);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, GPA_DATA + 0x2000, 0, 64));
	EXPECT_EQ(0, memcmp(data + 1, data + 2 * PAGE_SIZE, 64));
	ASSERT_EQ(0, _test_pci_detach(self->e.devfd, false, 0));
	test_ioctl_destroy(ptable);
	test_ioctl_destroy(parent);
	munmap(mem, 10 * PAGE_SIZE);
}

TEST_HARNESS_MAIN
