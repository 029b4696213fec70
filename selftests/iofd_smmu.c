// SPDX-License-Identifier: GPL-2.0
/*
 * iofd_smmuv3 end to end, with real DMA: the edu device bound through
 * iofd-pci, its DMA translated by our stream table, context descriptors
 * and stage-1 tables in QEMU's emulated SMMUv3 (arm64 guest).
 *
 * Which checks are real DMA and which are table walks:
 *  - real DMA (edu copies through the emulated SMMU): dma_both_ways,
 *    unmap_blocks_dma, blocked_until_attached, replace_switches_dma and the
 *    nested tests in shadow mode (a guest CD and stage-1 table built here,
 *    in memory the nest parent maps; QEMU 7.2 has no stage 2, so the
 *    driver composes a shadow stage 1);
 *  - the reference walker (debugfs translate) on the live tables, compared
 *    with /proc/self/pagemap and with what the DMA did: walker_agrees.
 * A fault is seen in the unit's event queue (debugfs events/last_event).
 * RAM starts at 1 GiB on the virt machine and edu drives 28 address bits:
 * without translation edu never reaches RAM, so every byte that arrives
 * went through our tables.  IOVAs stay below 256 MiB (see
 * ../shared/EMULATORS.md).
 */
#include "iofd_edu_fixture.h"
#include "iofd_nest_utils.h"

#define SMMU_DEBUGFS "/sys/kernel/debug/iofd_smmuv3/smmu0"
#define XFER 4000
#define IOVA_A 0x100000ULL

/* Guest memory of the nested tests: CD + 4 table pages, 4 data pages */
#define GPA_TABLES 0x200000ULL
#define GPA_DATA 0x300000ULL
#define GUEST_ASID 7
#define VSID 0x42

/* Stage-1 descriptors (VMSAv8-64, 4K) as a guest writes them */
#define S1_TABLE 3ULL
#define S1_PAGE (3ULL | 1ULL << 2 | 1ULL << 6 | 3ULL << 8 | 1ULL << 10)
#define S1_RDONLY (1ULL << 7)

static void smmu_read_file(const char *name, char *buf, size_t len)
{
	iofd_debugfs_read(SMMU_DEBUGFS, name, buf, len);
}

static long smmu_counter(const char *name)
{
	char buf[256], *p;

	smmu_read_file("counters", buf, sizeof(buf));
	p = strstr(buf, name);
	return p ? strtol(p + strlen(name) + 1, NULL, 10) : -1;
}

static long smmu_events(void)
{
	return (long)iofd_read_ulong(SMMU_DEBUGFS "/events", (unsigned long)-1);
}

/* Ask the reference walker; 0 and the result line, or -1 */
static int smmu_translate(__u32 sid, __u64 iova, bool is_write, char *out,
			  size_t len)
{
	char q[64];

	snprintf(q, sizeof(q), "%x %llx %c", sid, (unsigned long long)iova,
		 is_write ? 'w' : 'r');
	return iofd_debugfs_translate(SMMU_DEBUGFS, q, out, len);
}

/* QEMU's virt machine: the iommu-map is the identity, StreamID = RID */
FIXTURE(smmu)
{
	int fd;		/* /dev/iommu, for the test_ioctl_* helpers */
	__u32 ioas_id;
	struct iofd_edu e;
};

FIXTURE_SETUP(smmu)
{
	iofd_edu_setup(_metadata, &self->e, &self->fd, SMMU_DEBUGFS, "iofd_smmuv3");
	if (!_metadata->skip)
		test_ioctl_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(smmu)
{
	iofd_edu_teardown(_metadata, &self->e, self->fd);
}

TEST_F(smmu, hw_info)
{
	struct iommu_hw_info_arm_smmuv3 info = {};
	struct iommu_hw_info out;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_cmd_get_hw_info(self->fd, self->e.devid, &info,
					   sizeof(info), &out));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_ARM_SMMUV3, out.out_data_type);
	EXPECT_EQ(sizeof(info), out.data_len);
	/* Stage 1 (IDR0 bit 1), AArch64 tables (TTF bit 3) */
	EXPECT_TRUE(info.idr[0] & (1U << 1));
	EXPECT_TRUE(info.idr[0] & (1U << 3));
	/* 2-level stream table (ST_LEVEL, bits 28:27 = 1) */
	EXPECT_EQ(1, (info.idr[0] >> 27) & 3);
	/* Without stage 2 nesting is shadowed, and says so */
	if (!(info.idr[0] & 1))
		EXPECT_TRUE(out.out_capabilities &
			    IOMMU_HW_CAP_IOFD_SHADOW_NESTING);
}

/* edu copies RAM -> device -> RAM through the mapping: bytes compared */
TEST_F(smmu, dma_both_ways)
{
	__u32 pt_id = self->ioas_id;
	__u8 back[XFER];

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 3);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A + 123, 0, XFER));
	memcpy(back, self->e.buf + 123, XFER);
	memset(self->e.buf + 2 * PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 2 * PAGE_SIZE + 5, 0,
			     XFER));
	EXPECT_EQ(0, memcmp(back, self->e.buf + 2 * PAGE_SIZE + 5, XFER));
	EXPECT_EQ(0, self->e.buf[2 * PAGE_SIZE + 4]);
	EXPECT_EQ(0, self->e.buf[2 * PAGE_SIZE + 5 + XFER]);
}

/*
 * The reference walker on the live stream table, CD and stage-1 table
 * agrees with the kernel's page tables (pagemap), and a DMA through the
 * address it names lands where it says.
 */
TEST_F(smmu, walker_agrees)
{
	__u32 pt_id = self->ioas_id;
	char res[160], want[96];
	int i;

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 9);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	for (i = 0; i < 4; i++) {
		__u64 pa = iofd_virt_to_phys(self->e.buf + i * PAGE_SIZE + 0x10);

		ASSERT_NE(0, pa);
		ASSERT_EQ(0, smmu_translate(self->e.rid, IOVA_A + i * PAGE_SIZE +
					    0x10, true, res, sizeof(res)));
		snprintf(want, sizeof(want), "event=0x0 pa=0x%llx size=0x1000 w=1 bypass=0",
			 (unsigned long long)pa);
		EXPECT_EQ(0, strncmp(res, want, strlen(want)))
			TH_LOG("walker: %s want: %s", res, want);
	}
	/* Not mapped: F_TRANSLATION */
	ASSERT_EQ(0, smmu_translate(self->e.rid, IOVA_A + 4 * PAGE_SIZE, false,
				    res, sizeof(res)));
	EXPECT_EQ(0, strncmp(res, "event=0x10 ", 11)) TH_LOG("%s", res);
	/* The decoded dump lists the same four leaves */
	{
		char tables[4096];

		smmu_read_file("tables", tables, sizeof(tables));
		for (i = 0; i < 4; i++) {
			snprintf(want, sizeof(want), "pte iova %#llx size 0x1000 -> pa %#llx rw",
				 IOVA_A + i * PAGE_SIZE,
				 (unsigned long long)iofd_virt_to_phys(
					self->e.buf + i * PAGE_SIZE));
			EXPECT_NE(NULL, strstr(tables, want))
				TH_LOG("no '%s' in:\n%s", want, tables);
		}
	}
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A + PAGE_SIZE, 0, 64));
	memset(self->e.buf + 3 * PAGE_SIZE, 0, 64);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 3 * PAGE_SIZE, 0, 64));
	EXPECT_EQ(0, memcmp(self->e.buf + PAGE_SIZE, self->e.buf + 3 * PAGE_SIZE,
			    64));
}

/*
 * After an unmap the translation the SMMU used (and cached in its IOTLB)
 * is gone: the device's write is dropped, memory untouched, and the event
 * queue has an F_TRANSLATION for edu at that address.
 */
TEST_F(smmu, unmap_blocks_dma)
{
	__u32 pt_id = self->ioas_id;
	char last[256], want[96];
	long before;

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 1);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, XFER));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, XFER));
	test_ioctl_ioas_unmap(IOVA_A, 4 * PAGE_SIZE);
	memset(self->e.buf, 0x5a, 4 * PAGE_SIZE);
	before = smmu_events();
	ASSERT_LE(0, before);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, 64));
	EXPECT_EQ(0x5a, self->e.buf[PAGE_SIZE]);
	EXPECT_EQ(0x5a, self->e.buf[PAGE_SIZE + 63]);
	EXPECT_LT(before, smmu_events());
	smmu_read_file("last_event", last, sizeof(last));
	/* One event per 4 bytes: the last one is at the end of the transfer */
	snprintf(want, sizeof(want), "id=0x10 sid=0x%x iova=0x%llx type=write",
		 self->e.rid, IOVA_A + PAGE_SIZE + 60);
	EXPECT_EQ(0, strncmp(last, want, strlen(want)))
		TH_LOG("last event: %s want: %s", last, want);
	EXPECT_EQ(0, smmu_counter("cmd_errors"));
}

/* Bound but not attached: the abort STE drops the DMA (no event) */
TEST_F(smmu, blocked_until_attached)
{
	char tables[2048], want[64];

	if (_metadata->skip)
		return;

	memset(self->e.buf, 0x33, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A, 0, 16));
	EXPECT_EQ(0x33, self->e.buf[0]);
	smmu_read_file("tables", tables, sizeof(tables));
	snprintf(want, sizeof(want), "sid %#x ste v=1 cfg=0 ", self->e.rid);
	EXPECT_NE(NULL, strstr(tables, want)) TH_LOG("%s", tables);
}

/*
 * Two IOASes map the same IOVA to different buffers; replacing the HWPT
 * moves the DMA from one to the other, the old (cached) translation is
 * not used anymore.
 */
TEST_F(smmu, replace_switches_dma)
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
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, 64));
	pt_id = ioas2;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	EXPECT_NE(hwpt1, pt_id);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 64, 0, 64));
	EXPECT_EQ(0x11, other[64]);
	EXPECT_EQ(0x11, other[127]);
	EXPECT_EQ(0x44, self->e.buf[64]);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A + 256, 0, 64));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 128, 0, 64));
	EXPECT_EQ(0x22, other[128]);
	EXPECT_EQ(0x44, self->e.buf[128]);
	munmap(other, PAGE_SIZE);
}

/*
 * A 2M-aligned IOVA over a huge page: one 2M block in the stage-1 table
 * (the walker and the dump say so), and DMA across it; the unmap takes the
 * whole block.
 */
TEST_F(smmu, large_leaves)
{
	__u32 pt_id = self->ioas_id;
	char res[160], want[96], tables[4096];
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
	ASSERT_EQ(0, smmu_translate(self->e.rid, 0x400000 + 0x12345, false,
				    res, sizeof(res)));
	snprintf(want, sizeof(want), "event=0x0 pa=0x%llx size=0x200000 w=1",
		 (unsigned long long)iofd_virt_to_phys(huge + 0x12345));
	EXPECT_EQ(0, strncmp(res, want, strlen(want)))
		TH_LOG("walker: %s want: %s", res, want);
	smmu_read_file("tables", tables, sizeof(tables));
	EXPECT_NE(NULL, strstr(tables, "pte iova 0x400000 size 0x200000"))
		TH_LOG("%s", tables);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, 0x400000 + 0x1ff000, 0, 100));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x400000 + 0x3000, 0, 100));
	EXPECT_EQ(0, memcmp(huge + 0x1ff000, huge + 0x3000, 100));
	test_ioctl_ioas_unmap(0x400000, HUGEPAGE_SIZE);
	memset(huge + 0x5000, 0x3c, 100);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x400000 + 0x5000, 0, 100));
	EXPECT_EQ(0x3c, huge[0x5000]);
	munmap(huge, HUGEPAGE_SIZE);
}

/* ---- nesting: vIOMMU, vDEVICE, vSTE, guest commands ---- */

static __u64 vste_s1(__u64 cd_gpa)
{
	return 1ULL | 5ULL << 1 | (cd_gpa & 0xffffffffffc0ULL);
}

static int vste_alloc(int fd, __u32 dev, __u32 viommu, __u64 ste0,
		      __u64 ste1, __u32 *id)
{
	struct iommu_hwpt_arm_smmuv3 arg = { .ste = { ste0, ste1 } };

	return _test_cmd_hwpt_alloc(fd, dev, viommu, 0, id,
				    IOMMU_HWPT_DATA_ARM_SMMUV3, &arg,
				    sizeof(arg), 0);
}

static int guest_cmd(int fd, __u32 viommu, __u64 c0, __u64 c1, __u32 *num)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmd = { .cmd = { c0, c1 } };

	*num = 1;
	return _test_cmd_hwpt_invalidate(fd, viommu, &cmd,
					 IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
					 sizeof(cmd), num);
}

/* A guest CD for the 48-bit table at @ttb0 */
static void guest_cd(__u64 *cd, __u64 ttb0, __u16 asid)
{
	memset(cd, 0, 64);
	cd[0] = 16 | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 | 1ULL << 30 |
		1ULL << 31 | 4ULL << 32 | 1ULL << 41 | 1ULL << 45 |
		1ULL << 46 | 1ULL << 47 | (__u64)asid << 48;
	cd[1] = ttb0;
	cd[3] = 0xf404ff44ULL;
}

/*
 * Guest memory: pages 0-4 at GPA 0x200000 hold the guest's CD (page 0)
 * and its stage-1 tables L0..L3 (pages 1-4); 4 data pages at GPA
 * 0x300000.  The guest maps IOVA 0x5000 -> data 0, 0x6000 -> data 1
 * read-only, 0x7000 -> data 2.
 */
struct guest {
	__u8 *mem;
	__u64 *cd, *l0, *l1, *l2, *l3;
	__u8 *data;
};

static void guest_build(struct guest *g)
{
	g->mem = mmap(NULL, 9 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(g->mem, 0, 9 * PAGE_SIZE);
	g->cd = (__u64 *)g->mem;
	g->l0 = (__u64 *)(g->mem + PAGE_SIZE);
	g->l1 = (__u64 *)(g->mem + 2 * PAGE_SIZE);
	g->l2 = (__u64 *)(g->mem + 3 * PAGE_SIZE);
	g->l3 = (__u64 *)(g->mem + 4 * PAGE_SIZE);
	g->data = g->mem + 5 * PAGE_SIZE;
	guest_cd(g->cd, GPA_TABLES + 0x1000, GUEST_ASID);
	g->l0[0] = (GPA_TABLES + 0x2000) | S1_TABLE;
	g->l1[0] = (GPA_TABLES + 0x3000) | S1_TABLE;
	g->l2[0] = (GPA_TABLES + 0x4000) | S1_TABLE;
	g->l3[5] = GPA_DATA | S1_PAGE;
	g->l3[6] = (GPA_DATA + 0x1000) | S1_PAGE | S1_RDONLY;
	g->l3[7] = (GPA_DATA + 0x2000) | S1_PAGE;
}

/*
 * The guest of the shadow tests, wired up: its memory in the IOAS, a nest
 * parent, a vIOMMU, the vDEVICE (VSID), the nested HWPT from its vSTE, and
 * edu attached to it.  0, or -1 at the first step that failed.
 */
struct nested_guest {
	struct guest g;
	__u32 parent, viommu, vdev, nested;
};

static int nested_guest_up(int fd, __u32 ioas, struct iofd_edu *e,
			   struct nested_guest *n)
{
	__u64 iova = GPA_TABLES, data_iova = GPA_DATA;
	__u32 pt_id;

	memset(n, 0, sizeof(*n));
	guest_build(&n->g);
	if (n->g.mem == MAP_FAILED ||
	    _test_ioctl_ioas_map(fd, ioas, n->g.mem, 5 * PAGE_SIZE, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE) ||
	    _test_ioctl_ioas_map(fd, ioas, n->g.data, 4 * PAGE_SIZE,
				 &data_iova, IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE) ||
	    _test_cmd_hwpt_alloc(fd, e->devid, ioas,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &n->parent,
				 IOMMU_HWPT_DATA_NONE, NULL, 0, 0) ||
	    _test_cmd_viommu_alloc(fd, e->devid, n->parent,
				   IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0, NULL, 0,
				   &n->viommu) ||
	    _test_cmd_vdevice_alloc(fd, n->viommu, e->devid, VSID,
				    &n->vdev) ||
	    vste_alloc(fd, e->devid, n->viommu, vste_s1(GPA_TABLES), 0,
		       &n->nested))
		return -1;
	pt_id = n->nested;
	return _test_pci_attach(e->devfd, &pt_id, false, 0);
}

/* Detach edu and destroy what nested_guest_up() made: 0 or -1 */
static int nested_guest_down(int fd, struct iofd_edu *e,
			     struct nested_guest *n)
{
	int rc = _test_pci_detach(e->devfd, false, 0);

	rc |= _test_ioctl_destroy(fd, n->nested);
	rc |= _test_ioctl_destroy(fd, n->vdev);
	rc |= _test_ioctl_destroy(fd, n->viommu);
	rc |= _test_ioctl_destroy(fd, n->parent);
	munmap(n->g.mem, 9 * PAGE_SIZE);
	return rc ? -1 : 0;
}

TEST_F(smmu, nested_shadow_dma)
{
	char res[160], want[96];
	struct nested_guest n;
	long before;
	__u32 num;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, nested_guest_up(self->fd, self->ioas_id, &self->e, &n));

	/* DMA through the guest's table: data 0 -> device -> data 2 */
	fill(n.g.data, PAGE_SIZE, 5);
	ASSERT_EQ(0, edu_dma(self->e.bar, false, 0x5000 + 10, 0, XFER));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000 + 20, 0, XFER));
	EXPECT_EQ(0, memcmp(n.g.data + 10, n.g.data + 2 * PAGE_SIZE + 20, XFER));

	/* The walker on the live (shadow) tables agrees with pagemap */
	ASSERT_EQ(0, smmu_translate(self->e.rid, 0x5010, true, res,
				    sizeof(res)));
	snprintf(want, sizeof(want), "event=0x0 pa=0x%llx size=0x1000 w=1",
		 (unsigned long long)iofd_virt_to_phys(n.g.data + 0x10));
	EXPECT_EQ(0, strncmp(res, want, strlen(want)))
		TH_LOG("walker: %s want: %s", res, want);

	/* Guest read-only: the write is refused with F_PERMISSION */
	before = smmu_events();
	memset(n.g.data + PAGE_SIZE, 0x66, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x6000, 0, 64));
	EXPECT_EQ(0x66, n.g.data[PAGE_SIZE]);
	EXPECT_LT(before, smmu_events());

	/*
	 * The guest points 0x5000 at data 3.  Until it sends TLBI_NH_VA the
	 * old translation stays (as the SMMU's TLB would keep it).
	 */
	n.g.l3[5] = (GPA_DATA + 0x3000) | S1_PAGE;
	memset(n.g.data, 0, PAGE_SIZE);
	memset(n.g.data + 3 * PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_NE(0, n.g.data[0] | n.g.data[1] | n.g.data[2] | n.g.data[3]);
	EXPECT_EQ(0, n.g.data[3 * PAGE_SIZE]);
	/* TLBI_NH_VA of another ASID changes nothing */
	ASSERT_EQ(0, guest_cmd(self->fd, n.viommu, 0x12 | 9ULL << 48,
			       0x5000 | 1, &num));
	memset(n.g.data, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_NE(0, n.g.data[0] | n.g.data[1] | n.g.data[2] | n.g.data[3]);
	ASSERT_EQ(0, guest_cmd(self->fd, n.viommu,
			       0x12 | (__u64)GUEST_ASID << 48, 0x5000 | 1,
			       &num));
	EXPECT_EQ(1, num);
	memset(n.g.data, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_EQ(0, n.g.data[0] | n.g.data[1] | n.g.data[2] | n.g.data[3]);
	EXPECT_NE(0, n.g.data[3 * PAGE_SIZE] | n.g.data[3 * PAGE_SIZE + 1] |
		     n.g.data[3 * PAGE_SIZE + 2] | n.g.data[3 * PAGE_SIZE + 3]);

	/*
	 * The guest gives its CD another ASID and maps 0x8000, then sends
	 * CFGI_CD for its vSID: the CD is read again and the whole table
	 * with it, so 0x8000 becomes reachable.
	 */
	n.g.l3[8] = (GPA_DATA + 0x1000) | S1_PAGE;
	n.g.cd[0] = (n.g.cd[0] & ~(0xffffULL << 48)) | 11ULL << 48;
	memset(n.g.data + PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, guest_cmd(self->fd, n.viommu, 0x05 | (__u64)VSID << 32, 1,
			       &num));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x8000, 0, 64));
	EXPECT_NE(0, n.g.data[PAGE_SIZE] | n.g.data[PAGE_SIZE + 1] |
		     n.g.data[PAGE_SIZE + 2] | n.g.data[PAGE_SIZE + 3]);

	/*
	 * The parent unmaps the data pages: the shadow follows at once
	 * (they are unpinned), the device's write is dropped.
	 */
	test_ioctl_ioas_unmap(GPA_DATA, 4 * PAGE_SIZE);
	memset(n.g.data + 2 * PAGE_SIZE, 0x77, PAGE_SIZE);
	before = smmu_events();
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x7000, 0, 64));
	EXPECT_EQ(0x77, n.g.data[2 * PAGE_SIZE]);
	EXPECT_LT(before, smmu_events());
	EXPECT_EQ(0, smmu_counter("cmd_errors"));

	ASSERT_EQ(0, nested_guest_down(self->fd, &self->e, &n));
}

/*
 * One array of guest commands: TLBI_NH_VA of two touching pages (merged
 * into one shadow walk), then a bad opcode.  The batch stops there with
 * EIO and entry_num 2, and both TLBIs before it took effect.
 */
TEST_F(smmu, nested_batch)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmds[3] = {
		{ .cmd = { 0x12 | (__u64)GUEST_ASID << 48, 0x5000 | 1 } },
		{ .cmd = { 0x12 | (__u64)GUEST_ASID << 48, 0x6000 | 1 } },
		{ .cmd = { 0xff, 0 } },
	};
	char res[160], want[96];
	struct nested_guest n;
	unsigned int i;
	__u32 num = 3;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, nested_guest_up(self->fd, self->ioas_id, &self->e, &n));
	/* The guest swaps data pages 3 and 2 in under 0x5000 and 0x6000 */
	n.g.l3[5] = (GPA_DATA + 0x3000) | S1_PAGE;
	n.g.l3[6] = (GPA_DATA + 0x2000) | S1_PAGE;
	EXPECT_ERRNO(EIO, _test_cmd_hwpt_invalidate(self->fd, n.viommu, cmds,
				IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				sizeof(cmds[0]), &num));
	EXPECT_EQ(2, num);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, smmu_translate(self->e.rid, 0x5000 + i * 0x1000,
					    true, res, sizeof(res)));
		snprintf(want, sizeof(want), "event=0x0 pa=0x%llx size=0x1000 w=1",
			 (unsigned long long)iofd_virt_to_phys(n.g.data +
							       (3 - i) * PAGE_SIZE));
		EXPECT_EQ(0, strncmp(res, want, strlen(want)))
			TH_LOG("0x%x: walker: %s want: %s", 0x5000 + i * 0x1000,
			       res, want);
	}
	EXPECT_EQ(0, smmu_counter("cmd_errors"));
	ASSERT_EQ(0, nested_guest_down(self->fd, &self->e, &n));
}

/*
 * Two vIOMMUs over one parent: B can neither name A's device (its vSID is
 * A's vDEVICE: EIO) nor reach A's translations with its TLBIs, whatever
 * ASID or VMID it writes; A's own command is what resyncs A's shadow.
 */
TEST_F(smmu, nested_isolation)
{
	__u32 parent, va, vb, vdev, nested, nested_b, num, pt_id;
	struct guest g;

	if (_metadata->skip)
		return;

	guest_build(&g);
	ASSERT_NE(MAP_FAILED, g.mem);
	test_ioctl_ioas_map_fixed(g.mem, 5 * PAGE_SIZE, GPA_TABLES);
	test_ioctl_ioas_map_fixed(g.data, 4 * PAGE_SIZE, GPA_DATA);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->e.devid, parent,
					    IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0,
					    NULL, 0, &va));
	ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->e.devid, parent,
					    IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0,
					    NULL, 0, &vb));
	ASSERT_EQ(0, _test_cmd_vdevice_alloc(self->fd, va, self->e.devid, VSID,
					     &vdev));
	ASSERT_EQ(0, vste_alloc(self->fd, self->e.devid, va,
				vste_s1(GPA_TABLES), 0, &nested));
	ASSERT_EQ(0, vste_alloc(self->fd, self->e.devid, vb,
				vste_s1(GPA_TABLES), 0, &nested_b));
	pt_id = nested;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	/* B's nested HWPT: the device is not B's vDEVICE */
	pt_id = nested_b;
	EXPECT_ERRNO(ENOENT, _test_pci_attach(self->e.devfd, &pt_id, false,
					      0));

	/* B names A's vSID */
	EXPECT_ERRNO(EIO, guest_cmd(self->fd, vb, 0x05 | (__u64)VSID << 32, 1,
				    &num));
	EXPECT_EQ(0, num);
	EXPECT_ERRNO(EIO, guest_cmd(self->fd, vb, 0x40 | (__u64)VSID << 32, 0,
				    &num));

	/* The guest moves 0x5000; B's TLBIs leave A's shadow as it was */
	g.l3[5] = (GPA_DATA + 0x3000) | S1_PAGE;
	ASSERT_EQ(0, guest_cmd(self->fd, vb, 0x10, 0, &num));
	ASSERT_EQ(0, guest_cmd(self->fd, vb, 0x30, 0, &num));
	ASSERT_EQ(0, guest_cmd(self->fd, vb, 0x11 | (__u64)GUEST_ASID << 48 |
			       (__u64)0xffff << 32, 0, &num));
	ASSERT_EQ(0, guest_cmd(self->fd, vb, 0x12 | (__u64)GUEST_ASID << 48,
			       0x5000 | 1, &num));
	memset(g.data, 0, PAGE_SIZE);
	memset(g.data + 3 * PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_NE(0, g.data[0] | g.data[1] | g.data[2] | g.data[3]);
	EXPECT_EQ(0, g.data[3 * PAGE_SIZE] | g.data[3 * PAGE_SIZE + 1]);
	/* A's own TLBI follows the guest */
	ASSERT_EQ(0, guest_cmd(self->fd, va, 0x12 | (__u64)GUEST_ASID << 48,
			       0x5000 | 1, &num));
	memset(g.data, 0, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, 0x5000, 0, 64));
	EXPECT_EQ(0, g.data[0] | g.data[1] | g.data[2] | g.data[3]);
	EXPECT_NE(0, g.data[3 * PAGE_SIZE] | g.data[3 * PAGE_SIZE + 1] |
		     g.data[3 * PAGE_SIZE + 2] | g.data[3 * PAGE_SIZE + 3]);

	ASSERT_EQ(0, _test_pci_detach(self->e.devfd, false, 0));
	test_ioctl_destroy(nested_b);
	test_ioctl_destroy(nested);
	test_ioctl_destroy(vdev);
	test_ioctl_destroy(vb);
	test_ioctl_destroy(va);
	test_ioctl_destroy(parent);
	munmap(g.mem, 9 * PAGE_SIZE);
}

/* vSTE Config bypass: stage 2 only (the parent); abort: dropped */
TEST_F(smmu, nested_bypass_abort)
{
	__u32 parent, viommu, vdev, bypass, abort_id, pt_id;

	if (_metadata->skip)
		return;

	memset(self->e.buf, 0x31, PAGE_SIZE);
	memset(self->e.buf + PAGE_SIZE, 0, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, 2 * PAGE_SIZE, IOVA_A);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->e.devid, parent,
					    IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0,
					    NULL, 0, &viommu));
	/*
	 * The core wants a vDEVICE before any vIOMMU nested attach (upstream
	 * only for a translating vSTE; see Documentation/uapi.md)
	 */
	ASSERT_EQ(0, _test_cmd_vdevice_alloc(self->fd, viommu, self->e.devid,
					     VSID, &vdev));
	ASSERT_EQ(0, vste_alloc(self->fd, self->e.devid, viommu, 1 | 4 << 1, 0,
				&bypass));
	ASSERT_EQ(0, vste_alloc(self->fd, self->e.devid, viommu, 1, 0,
				&abort_id));
	pt_id = bypass;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, 64));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, 64));
	EXPECT_EQ(0x31, self->e.buf[PAGE_SIZE]);
	EXPECT_EQ(0x31, self->e.buf[PAGE_SIZE + 63]);
	pt_id = abort_id;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	memset(self->e.buf + PAGE_SIZE, 0x52, PAGE_SIZE);
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0, 64));
	EXPECT_EQ(0x52, self->e.buf[PAGE_SIZE]);
	ASSERT_EQ(0, _test_pci_detach(self->e.devfd, false, 0));
	test_ioctl_destroy(abort_id);
	test_ioctl_destroy(bypass);
	test_ioctl_destroy(vdev);
	test_ioctl_destroy(viommu);
	test_ioctl_destroy(parent);
}

/* Upstream's rules for the vSTE, the attach and the guest's commands */
TEST_F(smmu, nested_errnos)
{
	__u32 parent, plain, viommu, vdev, nested, num, pt_id;
	struct iommu_viommu_arm_smmuv3_invalidate cmds[3] = {};
	struct iommu_hwpt_arm_smmuv3 arg = {};

	if (_metadata->skip)
		return;

	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id, 0, &plain);
	/* A vIOMMU needs a nest parent; another type is not ours */
	EXPECT_ERRNO(EINVAL, _test_cmd_viommu_alloc(self->fd, self->e.devid,
				plain, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0, NULL,
				0, &viommu));
	EXPECT_ERRNO(EOPNOTSUPP, _test_cmd_viommu_alloc(self->fd,
				self->e.devid, parent,
				IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0,
				&viommu));
	ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->e.devid, parent,
					    IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0,
					    NULL, 0, &viommu));
	/* vSTE fields a guest may not set: EIO */
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     vste_s1(GPA_TABLES) | 1ULL << 56, 0,
				     &nested));
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     vste_s1(GPA_TABLES), 1ULL << 44,
				     &nested));
	/* Config stage 2 / nested / reserved; EATS split-stage */
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     1 | 6 << 1, 0, &nested));
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     1 | 7 << 1, 0, &nested));
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     1 | 1 << 1, 0, &nested));
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     vste_s1(GPA_TABLES), 2ULL << 28,
				     &nested));
	/* S1CDMax 1: substreams this SMMU does not have (SSIDSIZE 0) */
	EXPECT_ERRNO(EIO, vste_alloc(self->fd, self->e.devid, viommu,
				     vste_s1(GPA_TABLES) | 1ULL << 59, 0,
				     &nested));
	/* Size and flags of the data */
	EXPECT_ERRNO(EINVAL, _test_cmd_hwpt_alloc(self->fd, self->e.devid,
				viommu, 0, &nested,
				IOMMU_HWPT_DATA_ARM_SMMUV3, &arg, 8, 0));
	EXPECT_ERRNO(EOPNOTSUPP, _test_cmd_hwpt_alloc(self->fd, self->e.devid,
				viommu, IOMMU_HWPT_ALLOC_NEST_PARENT, &nested,
				IOMMU_HWPT_DATA_ARM_SMMUV3, &arg,
				sizeof(arg), 0));
	/* A translating vSTE needs the device as a vDEVICE of the vIOMMU */
	ASSERT_EQ(0, vste_alloc(self->fd, self->e.devid, viommu,
				vste_s1(GPA_TABLES), 0, &nested));
	pt_id = nested;
	EXPECT_ERRNO(ENOENT, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	/* vSIDs are 32 bits */
	EXPECT_ERRNO(EINVAL, _test_cmd_vdevice_alloc(self->fd, viommu,
				self->e.devid, 1ULL << 32, &vdev));
	ASSERT_EQ(0, _test_cmd_vdevice_alloc(self->fd, viommu, self->e.devid,
					     VSID, &vdev));
	pt_id = nested;
	EXPECT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));

	/* Commands: CFGI_STE, CMD_SYNC, TLBI_S2_IPA are not the guest's */
	EXPECT_ERRNO(EIO, guest_cmd(self->fd, viommu, 0x03 | (__u64)VSID << 32,
				    1, &num));
	EXPECT_EQ(0, num);
	EXPECT_ERRNO(EIO, guest_cmd(self->fd, viommu, 0x46, 0, &num));
	EXPECT_ERRNO(EIO, guest_cmd(self->fd, viommu, 0x2a, 0, &num));
	/* An unknown vSID */
	EXPECT_ERRNO(EIO, guest_cmd(self->fd, viommu, 0x05 | 0x99ULL << 32, 1,
				    &num));
	EXPECT_EQ(0, guest_cmd(self->fd, viommu, 0x40 | (__u64)VSID << 32, 0,
			       &num));
	EXPECT_EQ(1, num);
	/* entry_num: the commands handled before the refused one */
	cmds[0].cmd[0] = 0x30;
	cmds[1].cmd[0] = 0x11 | (__u64)GUEST_ASID << 48;
	cmds[2].cmd[0] = 0x04;
	num = 3;
	EXPECT_ERRNO(EIO, _test_cmd_hwpt_invalidate(self->fd, viommu, cmds,
				IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				sizeof(cmds[0]), &num));
	EXPECT_EQ(2, num);
	/* Another data type on this vIOMMU */
	num = 1;
	EXPECT_ERRNO(EINVAL, _test_cmd_hwpt_invalidate(self->fd, viommu, cmds,
				IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				sizeof(cmds[0]), &num));
	/* The vIOMMU and parent are in use */
	EXPECT_ERRNO(EBUSY, _test_ioctl_destroy(self->fd, viommu));
	EXPECT_ERRNO(EBUSY, _test_ioctl_destroy(self->fd, parent));
	ASSERT_EQ(0, _test_pci_detach(self->e.devfd, false, 0));
	test_ioctl_destroy(nested);
	test_ioctl_destroy(vdev);
	test_ioctl_destroy(viommu);
	test_ioctl_destroy(plain);
	test_ioctl_destroy(parent);
}

/* ---- event floods: the module reloaded with a 32-entry event queue ---- */

#define SMMU_KO "/lib/modules/iofd/iofd_smmuv3.ko"

static int smmu_reload(const char *params)
{
	int fd, rc;

	if (syscall(SYS_delete_module, "iofd_smmuv3", O_NONBLOCK))
		return -1;
	fd = open(SMMU_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return rc ? -1 : 0;
}

/* Lines of the kernel log so far that contain @needle */
static long kmsg_count(const char *needle)
{
	char rec[1024];
	long n = 0;
	ssize_t len;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((len = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (len < 0 && errno == EPIPE)) {
		if (len <= 0)
			continue;
		rec[len] = 0;
		if (strstr(rec, needle))
			n++;
	}
	close(fd);
	return n;
}

FIXTURE(smmu_flood)
{
	int fd;
	__u32 ioas_id;
	struct iofd_edu e;
	bool reloaded;
};

FIXTURE_SETUP(smmu_flood)
{
	self->reloaded = false;
	self->fd = -1;
	self->e.devfd = -1;
	self->e.bdf[0] = 0;
	if (access(SMMU_DEBUGFS, R_OK) || access(SMMU_KO, R_OK))
		SKIP(return, "iofd_smmuv3 is not loaded from " SMMU_KO);
	ASSERT_EQ(0, smmu_reload("evtq_log2=5"));
	self->reloaded = true;
	iofd_edu_setup(_metadata, &self->e, &self->fd, SMMU_DEBUGFS,
		       "iofd_smmuv3");
	if (!_metadata->skip)
		test_ioctl_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(smmu_flood)
{
	iofd_edu_teardown(_metadata, &self->e, self->fd);
	if (self->reloaded)
		EXPECT_EQ(0, smmu_reload(""));
}

/*
 * A faulting edu transfer writes one event per 4 bytes: 2 x 1000 events
 * into a 32-entry queue.  The unit drops what does not fit and says so
 * with GERROR.EVTQ_ABT_ERR: counted as lost, acknowledged, logged
 * rate-limited; events keep coming and DMA through a mapping works.
 */
TEST_F(smmu_flood, overflow)
{
	__u32 pt_id = self->ioas_id;
	long logged_before, events_before;
	__u8 back[256];

	if (_metadata->skip)
		return;

	fill(self->e.buf, PAGE_SIZE, 17);
	memset(self->e.buf + PAGE_SIZE, 0, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, 2 * PAGE_SIZE, IOVA_A);
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt_id, false, 0));
	logged_before = kmsg_count("smmu0: event F_TRANSLATION");
	events_before = smmu_events();
	/* Nothing at IOVA_A + 1M: every 4 bytes fault */
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 0x100000, 0, 4000));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 0x200000, 0, 4000));
	EXPECT_LT(events_before, smmu_events());
	EXPECT_LE(1, smmu_counter("events_lost"));
	EXPECT_LE(1, smmu_counter("gerrors"));
	EXPECT_EQ(0, smmu_counter("cmd_errors"));
	/* Logged rate-limited: far fewer lines than events */
	EXPECT_GT(100, kmsg_count("smmu0: event F_TRANSLATION") -
		       logged_before);
	/* Faults are still recorded after the overflow was acknowledged */
	events_before = smmu_events();
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 0x300000, 0, 16));
	EXPECT_LT(events_before, smmu_events());
	/* And translation works */
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, sizeof(back)));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + PAGE_SIZE, 0,
			     sizeof(back)));
	EXPECT_EQ(0, memcmp(self->e.buf, self->e.buf + PAGE_SIZE,
			    sizeof(back)));
}

TEST_HARNESS_MAIN
