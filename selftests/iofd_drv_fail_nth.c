// SPDX-License-Identifier: GPL-2.0
/*
 * Failure injection over the hardware drivers' paths, with a real device:
 * edu bound through iofd-pci to whichever driver owns its IOMMU (iofd_vtd
 * on x86, iofd_smmuv3 on arm64).  Walked by iofd_fail_nth.h like the core
 * scenarios: the 1st, 2nd, 3rd ... failure point fails (the core's, the
 * drivers' allocations, their ASIDs/VMIDs/domain IDs, every page-table
 * page of the core's radix tables, shadows included) until a run passes
 * them all; every run must fail cleanly and leave nothing behind.
 *
 * Besides the walker's checks (pins, VmPin/VmLck, mappings, module
 * references), the probe checks the driver: its module's reference count
 * (a device binding or domain left behind holds one) and the IDs it has in
 * use (domain IDs on VT-d, ASIDs + VMIDs on SMMUv3), both back to their
 * value before the walk after every run.  A state check after the faulted
 * step (the reference walker on the live tables against pagemap) proves
 * the translation the device would use is still the right one.
 *
 * Each run opens the device's char device anew, binds it to the run's
 * context and lets the walker close both, in turns in either order.
 */
#include "iofd_edu_fixture.h"
#include "iofd_nest_utils.h"
#include "iofd_fail_nth.h"

#define VTD_DEBUGFS "/sys/kernel/debug/iofd_vtd/dmar0"
#define SMMU_DEBUGFS "/sys/kernel/debug/iofd_smmuv3/smmu0"

/* Guest memory of the nested scenarios (VT-d: L4..L1; SMMU: CD, L0..L3) */
#define GPA_TABLES 0x200000ULL
#define GPA_DATA 0x300000ULL
#define GUEST_PAGES 9
#define VSID 0x42

static enum { DRV_NONE, DRV_VTD, DRV_SMMU } drv;
static const char *drv_debugfs;
static char drv_cdev[64];
static __u16 drv_rid;
static __u8 *guest;	/* GUEST_PAGES pages: tables, then data */

FIXTURE(drv_fail_nth)
{
	struct fn_env env;
	char bdf[32];
	char orig_driver[64];
};

FIXTURE_VARIANT(drv_fail_nth)
{
	enum fn_mech mech;
	const char *prefix;
};

FIXTURE_VARIANT_ADD(drv_fail_nth, iofd)
{
	.mech = FN_MECH_IOFD,
	.prefix = "drv_fail_nth.iofd",
};

FIXTURE_VARIANT_ADD(drv_fail_nth, proc)
{
	.mech = FN_MECH_PROC,
	.prefix = "drv_fail_nth.proc",
};

/* The driver's module references and IDs in use, as one number */
static int drv_probe(int check_fd __maybe_unused, long *val)
{
	char buf[256], *p;
	long ids = 0;

	if (drv == DRV_VTD) {
		iofd_debugfs_read(VTD_DEBUGFS, "dids", buf, sizeof(buf));
		ids = strtol(buf, NULL, 10);
	} else {
		iofd_debugfs_read(SMMU_DEBUGFS, "counters", buf, sizeof(buf));
		p = strstr(buf, "asids ");
		ids = p ? strtol(p + 6, NULL, 10) : -1;
		p = strstr(buf, "vmids ");
		ids += p ? 1000 * strtol(p + 6, NULL, 10) : -1;
	}
	*val = fn_module_refcnt(drv == DRV_VTD ? "iofd_vtd" : "iofd_smmuv3") *
	       1000000 + ids;
	return 0;
}

/* A guest's tables in @guest: @va at IOVA 0x5000..0x7000 -> data 0..2 */
static void guest_tables(void)
{
	__u64 *t = (__u64 *)guest;
	int i;

	memset(guest, 0, GUEST_PAGES * PAGE_SIZE);
	if (drv == DRV_VTD) {
		/* L4, L3, L2, L1 at pages 0-3: P | RW | US | A */
		for (i = 0; i < 3; i++)
			t[512 * i] = (GPA_TABLES + 0x1000 * (i + 1)) | 0x27;
		for (i = 0; i < 3; i++)
			t[512 * 3 + 5 + i] = (GPA_DATA + 0x1000 * i) | 0x27;
		return;
	}
	/* CD at page 0 (ASID 7, T0SZ 16, TTB0 page 1), L0..L3 at pages 1-4 */
	t[0] = 16 | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 | 1ULL << 30 |
	       1ULL << 31 | 4ULL << 32 | 1ULL << 41 | 1ULL << 45 |
	       1ULL << 46 | 1ULL << 47 | 7ULL << 48;
	t[1] = GPA_TABLES + 0x1000;
	t[3] = 0xf404ff44ULL;
	for (i = 1; i < 4; i++)
		t[512 * i] = (GPA_TABLES + 0x1000 * (i + 1)) | 3;
	for (i = 0; i < 3; i++)
		t[512 * 4 + 5 + i] = (GPA_DATA + 0x1000 * i) | 0x747;
}

FIXTURE_SETUP(drv_fail_nth)
{
	unsigned int bus, dev, fn;
	int n;

	self->bdf[0] = 0;
	fn_setup(_metadata, &self->env, variant->mech, variant->prefix);
	if (self->env.skip)
		return;
	if (!access(VTD_DEBUGFS, R_OK)) {
		drv = DRV_VTD;
		drv_debugfs = VTD_DEBUGFS;
	} else if (!access(SMMU_DEBUGFS, R_OK)) {
		drv = DRV_SMMU;
		drv_debugfs = SMMU_DEBUGFS;
	} else {
		self->env.skip = true;
		SKIP(return, "no hardware driver (iofd_vtd, iofd_smmuv3) loaded");
	}
	if (!iofd_pci_find(EDU_VENDOR, EDU_DEVICE, self->bdf,
			   sizeof(self->bdf))) {
		self->bdf[0] = 0;
		self->env.skip = true;
		SKIP(return, "no edu device (1234:11e8) in this machine");
	}
	n = sscanf(self->bdf, "%*x:%x:%x.%x", &bus, &dev, &fn);
	ASSERT_EQ(3, n);
	drv_rid = bus << 8 | dev << 3 | fn;
	iofd_pci_driver(self->bdf, self->orig_driver,
			sizeof(self->orig_driver));
	if (!access(IOFD_MOCK_PARAMS "/claim_pci", W_OK))
		ASSERT_EQ(0, iofd_sysfs_write(IOFD_MOCK_PARAMS, "claim_pci",
					      "\n"));
	ASSERT_EQ(0, iofd_pci_rebind(self->bdf, "iofd-pci"));
	ASSERT_TRUE(iofd_pci_cdev(self->bdf, drv_cdev, sizeof(drv_cdev)));
	guest = mmap(NULL, GUEST_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guest);
	guest_tables();
	fn_add_buf(&self->env, guest, GUEST_PAGES * PAGE_SIZE);
	self->env.probe = drv_probe;
	self->env.probe_name = "driver module references and IDs in use";
}

FIXTURE_TEARDOWN(drv_fail_nth)
{
	fn_teardown(_metadata, &self->env);
	if (self->bdf[0])
		EXPECT_EQ(0, iofd_pci_give_back(self->bdf, self->orig_driver));
	if (guest && guest != MAP_FAILED)
		munmap(guest, GUEST_PAGES * PAGE_SIZE);
	guest = NULL;
}

/*
 * Open the device for this run (a step: under /proc fail-nth the open
 * itself can fail); the walker closes it
 */
static int drv_open(struct fn_run *r, int *devfd)
{
	*devfd = open(drv_cdev, O_RDWR | O_CLOEXEC);
	if (*devfd < 0)
		return -1;
	r->afds[r->nafds++] = *devfd;
	return 0;
}

/*
 * The reference walker on the live tables says @iova reaches the page of
 * @va: a check step (no failure point of its own)
 */
static int drv_check_xlate(__u64 iova, const void *va)
{
	__u64 pa = iofd_virt_to_phys(va);
	char q[64], res[160], *p;

	if (drv == DRV_VTD)
		snprintf(q, sizeof(q), "%x %llx - r", drv_rid,
			 (unsigned long long)iova);
	else
		snprintf(q, sizeof(q), "%x %llx r", drv_rid,
			 (unsigned long long)iova);
	if (!pa || iofd_debugfs_translate(drv_debugfs, q, res, sizeof(res)))
		return -1;
	p = strstr(res, "pa=0x");
	if (p && strtoull(p + 5, NULL, 16) == (pa | ((uintptr_t)va & 0xfff)))
		return 0;
	printf("# translate %s: %s# (want pa=0x%llx)\n", q, res,
	       (unsigned long long)(pa | ((uintptr_t)va & 0xfff)));
	{
		static char tables[8192];

		iofd_debugfs_read(drv_debugfs, "tables", tables, sizeof(tables));
		printf("%s\n", tables);
	}
	errno = EINVAL;
	return -1;
}

/* Bound, an IOAS with @buffer mapped, attached */
static void drv_base(struct fn_run *r, int *devfd, __u32 *devid, __u32 *ioas)
{
	__u32 pt;

	FN_STEP(r, drv_open(r, devfd));
	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_pci_bind(*devfd, r->fd, devid));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, ioas));
	FN_STEP(r, fn_map_fixed(r->fd, *ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	pt = *ioas;
	FN_STEP(r, _test_pci_attach(*devfd, &pt, false, 0));
}

/* ------------------------------------------------------------- paging */

/* Attach, map and unmap around it, replace, detach, attach again */
static int seq_paging(struct fn_run *r)
{
	__u32 devid = 0, ioas = 0, hwpt = 0, pt;
	int devfd = -1, i;

	drv_base(r, &devfd, &devid, &ioas);
	FN_CHECK(r, drv_check_xlate(FN_IOVA(0) + 0x1000,
				    (__u8 *)buffer + 0x1000));
	for (i = 0; i < 4; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 8 * i),
					FN_PG(8), FN_IOVA(2 + 8 * i)));
	FN_CHECK(r, drv_check_xlate(FN_IOVA(2 + 24) + 0x3000,
				    FN_OFF(fn_big, 27)));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(2), FN_PG(8)));
	FN_STEP(r, fn_hwpt(r->fd, devid, ioas, 0, &hwpt));
	pt = hwpt;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	FN_CHECK(r, drv_check_xlate(FN_IOVA(10), FN_OFF(fn_big, 8)));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 40), FN_PG(16),
				FN_IOVA(64)));
	FN_CHECK(r, drv_check_xlate(FN_IOVA(64) + 0x5000,
				    FN_OFF(fn_big, 45)));
	FN_STEP(r, _test_pci_detach(devfd, false, 0));
	pt = ioas;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	FN_STEP(r, _test_ioctl_destroy(r->fd, hwpt));
	return 0;
}

TEST_F_TIMEOUT(drv_fail_nth, paging, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "paging", seq_paging, 10);
}

/*
 * Several paging domains over one IOAS (every map goes into each, with
 * tables of its own), maps spread 1 GiB apart (new tables at every level),
 * the device moved through them
 */
static int seq_many_domains(struct fn_run *r)
{
	__u32 devid = 0, ioas = 0, hwpt[6] = {}, pt;
	int devfd = -1, i;

	drv_base(r, &devfd, &devid, &ioas);
	for (i = 0; i < 6; i++)
		FN_STEP(r, fn_hwpt(r->fd, devid, ioas, 0, &hwpt[i]));
	for (i = 0; i < 12; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 4 * i),
					FN_PG(4), (1ULL << 30) * (i + 1)));
	for (i = 0; i < 6; i++) {
		pt = hwpt[i];
		FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
		FN_CHECK(r, drv_check_xlate((1ULL << 30) * (i + 2) + 0x2000,
					    FN_OFF(fn_big, 4 * i + 6)));
	}
	for (i = 0; i < 12; i += 2)
		FN_STEP(r, fn_unmap(r->fd, ioas, (1ULL << 30) * (i + 1),
				    FN_PG(4)));
	FN_CHECK(r, drv_check_xlate((1ULL << 30) * 2, FN_OFF(fn_big, 4)));
	pt = ioas;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	for (i = 0; i < 6; i++)
		FN_STEP(r, _test_ioctl_destroy(r->fd, hwpt[i]));
	return 0;
}

TEST_F_TIMEOUT(drv_fail_nth, many_domains, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "many_domains", seq_many_domains, 10);
}

/* ------------------------------------------------------------- nesting */

/*
 * One invalidation entry of @type on @id (a nested HWPT or a vIOMMU),
 * which must be handled; entry_num is set anew for every try (a retried
 * step must not see the 0 a failed call wrote back)
 */
static int inv_one(int fd, __u32 id, __u32 type, const void *entry,
		   __u32 len)
{
	__u32 num = 1;

	if (_test_cmd_hwpt_invalidate(fd, id, entry, type, len, &num))
		return -1;
	return num == 1 ? 0 : (errno = EINVAL, -1);
}

static int smmu_cmd(int fd, __u32 viommu, __u64 c0, __u64 c1)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmd = { .cmd = { c0, c1 } };

	return inv_one(fd, viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		       &cmd, sizeof(cmd));
}

static int vtd_inv(int fd, __u32 id, __u64 addr, __u64 npages)
{
	struct iommu_hwpt_vtd_s1_invalidate inv = {
		.addr = addr, .npages = npages,
	};

	return inv_one(fd, id, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, &inv,
		       sizeof(inv));
}

/* A nested HWPT over the guest's tables: vSTE on SMMUv3, S1 on VT-d */
static int drv_nested_alloc(int fd, __u32 devid, __u32 parent_or_viommu,
			    __u32 *id)
{
	if (drv == DRV_SMMU) {
		struct iommu_hwpt_arm_smmuv3 arg = {
			.ste = { 1 | 5 << 1 | GPA_TABLES, 0 },
		};

		return _test_cmd_hwpt_alloc(fd, devid, parent_or_viommu, 0, id,
					    IOMMU_HWPT_DATA_ARM_SMMUV3, &arg,
					    sizeof(arg), 0);
	} else {
		struct iommu_hwpt_vtd_s1 s1 = {
			.pgtbl_addr = GPA_TABLES, .addr_width = 48,
		};

		return _test_cmd_hwpt_alloc(fd, devid, parent_or_viommu, 0, id,
					    IOMMU_HWPT_DATA_VTD_S1, &s1,
					    sizeof(s1), 0);
	}
}

/*
 * A nest parent mapping the guest's memory, (SMMU: a vIOMMU and vDEVICE,)
 * a nested HWPT attached, the guest's invalidations, the parent mapping
 * and unmapping under the shadow, back to the parent
 */
static int seq_nested(struct fn_run *r)
{
	__u32 devid = 0, ioas = 0, parent = 0, viommu = 0, vdev = 0;
	__u32 nested = 0, pt;
	int devfd = -1;

	drv_base(r, &devfd, &devid, &ioas);
	FN_STEP(r, fn_map_fixed(r->fd, ioas, guest, FN_PG(5), GPA_TABLES));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 5), FN_PG(2),
				GPA_DATA));
	FN_STEP(r, fn_hwpt(r->fd, devid, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
			   &parent));
	if (drv == DRV_SMMU) {
		FN_STEP(r, _test_cmd_viommu_alloc(r->fd, devid, parent,
						  IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
						  0, NULL, 0, &viommu));
		FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, viommu, devid, VSID,
						   &vdev));
		FN_STEP(r, drv_nested_alloc(r->fd, devid, viommu, &nested));
	} else {
		FN_STEP(r, drv_nested_alloc(r->fd, devid, parent, &nested));
	}
	pt = nested;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	FN_CHECK(r, drv_check_xlate(0x5010, FN_OFF(guest, 5) + 0x10));
	/* Data page 2 arrives in the parent: the shadow refills */
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 7), FN_PG(1),
				GPA_DATA + 0x2000));
	FN_CHECK(r, drv_check_xlate(0x7000, FN_OFF(guest, 7)));
	/* The guest's invalidations resync the shadow */
	if (drv == DRV_SMMU) {
		FN_STEP(r, smmu_cmd(r->fd, viommu, 0x12 | 7ULL << 48,
				    0x6000 | 1));
		FN_STEP(r, smmu_cmd(r->fd, viommu, 0x05 | (__u64)VSID << 32,
				    1));
		FN_STEP(r, smmu_cmd(r->fd, viommu, 0x30, 0));
	} else {
		FN_STEP(r, vtd_inv(r->fd, nested, 0x6000, 1));
		FN_STEP(r, vtd_inv(r->fd, nested, 0, UINT64_MAX));
	}
	FN_CHECK(r, drv_check_xlate(0x6008, FN_OFF(guest, 6) + 8));
	/* The parent unmaps a data page: every shadow is rebuilt */
	FN_STEP(r, fn_unmap(r->fd, ioas, GPA_DATA + 0x2000, FN_PG(1)));
	FN_CHECK(r, drv_check_xlate(0x5000, FN_OFF(guest, 5)));
	pt = parent;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	FN_STEP(r, _test_ioctl_destroy(r->fd, nested));
	return 0;
}

TEST_F_TIMEOUT(drv_fail_nth, nested, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nested", seq_nested, 10);
}

/*
 * Several nested HWPTs (SMMU: under two vIOMMUs) over one parent, the
 * device moved through them, the parent changing under all of them
 */
static int seq_nested_many(struct fn_run *r)
{
	__u32 devid = 0, ioas = 0, parent = 0, viommu[2] = {}, vdev = 0;
	__u32 nested[4] = {}, pt;
	int devfd = -1, i;

	drv_base(r, &devfd, &devid, &ioas);
	FN_STEP(r, fn_map_fixed(r->fd, ioas, guest, FN_PG(5), GPA_TABLES));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 5), FN_PG(2),
				GPA_DATA));
	FN_STEP(r, fn_hwpt(r->fd, devid, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
			   &parent));
	if (drv == DRV_SMMU) {
		for (i = 0; i < 2; i++)
			FN_STEP(r, _test_cmd_viommu_alloc(r->fd, devid, parent,
						IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
						0, NULL, 0, &viommu[i]));
		FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, viommu[0], devid,
						   VSID, &vdev));
	}
	for (i = 0; i < 4; i++)
		FN_STEP(r, drv_nested_alloc(r->fd, devid,
					    drv == DRV_SMMU ? viommu[i / 2] :
							      parent,
					    &nested[i]));
	for (i = 0; i < 4; i++) {
		/* A vIOMMU's nested HWPT only for its own vDEVICE */
		if (drv == DRV_SMMU && i >= 2)
			break;
		pt = nested[i];
		FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
		FN_CHECK(r, drv_check_xlate(0x6010, FN_OFF(guest, 6) + 0x10));
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 7),
					FN_PG(1), GPA_DATA + 0x2000));
		FN_CHECK(r, drv_check_xlate(0x7000, FN_OFF(guest, 7)));
		FN_STEP(r, fn_unmap(r->fd, ioas, GPA_DATA + 0x2000, FN_PG(1)));
	}
	pt = parent;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	for (i = 0; i < 4; i++)
		FN_STEP(r, _test_ioctl_destroy(r->fd, nested[i]));
	return 0;
}

TEST_F_TIMEOUT(drv_fail_nth, nested_many, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nested_many", seq_nested_many, 10);
}

/* --------------------------------------------------- bind_pasid_table */

/* One bound-PASID-table invalidation */
static int ptable_inv(int fd, __u32 id, __u32 type, __u64 npages)
{
	struct iommu_hwpt_vtd_pasid_table_invalidate inv = {
		.type = type, .npages = npages,
	};

	return inv_one(fd, id, IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE,
		       &inv, sizeof(inv));
}

/* VT-d: the guest's PASID table behind a nested HWPT, invalidated */
static int seq_pasid_table(struct fn_run *r)
{
	struct iommu_hwpt_vtd_pasid_table cfg = {
		/* edu has no PASIDs: the table covers PASID 0 only */
		.pasid_dir_addr = GPA_TABLES + 0x4000, .pasid_bits = 0,
		.addr_width = 48,
	};
	__u32 devid = 0, ioas = 0, parent = 0, ptable = 0, pt;
	__u64 *dir = (__u64 *)(guest + 4 * PAGE_SIZE);
	__u64 *pe = (__u64 *)(guest + 8 * PAGE_SIZE);
	int devfd = -1;

	/* Directory at page 4, PASID table at page 8: PASID 0 -> the L4 */
	dir[0] = (GPA_TABLES + 0x8000) | 1;
	memset(pe, 0, 64);
	pe[0] = 1 | 1ULL << 6;			/* P, PGTT first level */
	pe[2] = GPA_TABLES;			/* FLPTR, 4 levels */
	drv_base(r, &devfd, &devid, &ioas);
	FN_STEP(r, fn_map_fixed(r->fd, ioas, guest, FN_PG(5), GPA_TABLES));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 5), FN_PG(2),
				GPA_DATA));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 7), FN_PG(1),
				GPA_DATA + 0x2000));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(guest, 8), FN_PG(1),
				GPA_TABLES + 0x8000));
	FN_STEP(r, fn_hwpt(r->fd, devid, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
			   &parent));
	FN_STEP(r, _test_cmd_hwpt_alloc(r->fd, devid, parent, 0, &ptable,
				IOMMU_HWPT_DATA_VTD_PASID_TABLE, &cfg,
				sizeof(cfg), 0));
	pt = ptable;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	FN_CHECK(r, drv_check_xlate(0x5010, FN_OFF(guest, 5) + 0x10));
	FN_STEP(r, ptable_inv(r->fd, ptable, IOMMU_VTD_PT_INV_PASID_CACHE, 0));
	FN_STEP(r, ptable_inv(r->fd, ptable, IOMMU_VTD_PT_INV_IOTLB,
			      UINT64_MAX));
	FN_CHECK(r, drv_check_xlate(0x7000, FN_OFF(guest, 7)));
	FN_STEP(r, fn_unmap(r->fd, ioas, GPA_DATA + 0x2000, FN_PG(1)));
	FN_CHECK(r, drv_check_xlate(0x6000, FN_OFF(guest, 6)));
	pt = parent;
	FN_STEP(r, _test_pci_attach(devfd, &pt, false, 0));
	FN_STEP(r, _test_ioctl_destroy(r->fd, ptable));
	return 0;
}

TEST_F_TIMEOUT(drv_fail_nth, pasid_table, FN_TIMEOUT)
{
	if (self->env.skip)
		return;
	if (drv != DRV_VTD)
		SKIP(return, "bind_pasid_table through a PASID table is VT-d's (SMMUv3's is the vSTE: nested)");
	fn_walk(_metadata, &self->env, "pasid_table", seq_pasid_table, 10);
}

TEST_HARNESS_MAIN
