// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: many threads race every kind of operation on one shared context
 * and on contexts of their own, for a bounded time, then the results are
 * checked.
 *
 * Shared context (one fd): map/unmap and map-file/unmap on two IOAS, copy
 * between and within them, an emulated device (access) pinning and reading
 * the mappings, mock devices created and destroyed, explicit HWPTs
 * allocated and freed, a PASID-capable device whose RID is replaced round
 * a set of paging and nested HWPTs while its PASIDs are attached, replaced
 * and detached, two plain devices moving between their own HWPT and the
 * shared automatic domain, invalidations of a nested HWPT and of a vIOMMU
 * whose vDEVICE comes and goes, vIOMMUs and their nested HWPTs allocated
 * and destroyed, and DESTROY of objects that are always depended on.
 * Private contexts: each round builds a full object graph (maps, file
 * maps, PASID device, nest parent, vIOMMU, vDEVICE, nested HWPT, an access
 * with pinned pages), lets a sibling thread work on it and pulls the file
 * away (dup2 of /dev/null over it) while the sibling is in its ioctls.
 *
 * Every call's result is counted; an errno outside the set the uAPI
 * documents for that race fails the test. At the end: every thread joins
 * within a watchdog (a stuck one is reported with its kernel stack), the
 * state left behind is what the workers last set, every page is unpinned
 * once every file is closed (MD_CHECK_REFS == 0) and VmPin / VmLck are
 * back to their baseline. Each thread's counts are printed as TAP comments.
 *
 * Duration of the main test: the first argument, IOFD_STRESS_SECONDS or
 * iofd.stress_seconds= on the kernel command line (default 5 s, the
 * `make check` budget; e.g. 600 under a debug kernel). The two focused
 * races before it run a fifth of that, at least 2 s.
 * CAP_IPC_LOCK is dropped so that the memlock accounting is exercised.
 */
#include <time.h>
#include "iofd_nest_utils.h"

#define STRESS_PAGES 64
#define SLOT_PAGES 4
#define MIB (1024UL * 1024)
#define SLOT_IOVA(k) (MOCK_APERTURE_START + (k) * MIB)
#define COPY_IOVA (MOCK_APERTURE_START + 8 * MIB)
#define VIRT_ID 0x42
#define CTX_PASID 7

static unsigned int stress_seconds = 5;
static uint8_t *sbuf;		/* anonymous shared, STRESS_PAGES */
static uint8_t *sfile;		/* memfd mapping, STRESS_PAGES */
static int smemfd = -1;
static int stop_flag;

/* The focused races run a fifth of the time, at least 2 s */
static unsigned int short_seconds(void)
{
	return stress_seconds >= 10 ? stress_seconds / 5 : 2;
}

static bool stopping(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE);
}

/* The errnos a worker may be allowed; bit i is errno_tab[i] */
static const struct {
	int err;
	const char *name;
} errno_tab[] = {
	{ ENOENT, "ENOENT" }, { EBUSY, "EBUSY" },   { EEXIST, "EEXIST" },
	{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ENOMEM, "ENOMEM" },
};

#define NERR ARRAY_SIZE(errno_tab)
#define A_ENOENT (1U << 0)
#define A_EBUSY (1U << 1)
#define A_EEXIST (1U << 2)
#define A_EINVAL (1U << 3)
#define A_ENOTTY (1U << 4)

struct stress;

struct worker {
	pthread_t thread;
	const char *name;
	void *(*fn)(void *arg);
	struct stress *st;
	unsigned int idx;
	pid_t tid;
	/* results */
	unsigned long ops;
	unsigned long ok;
	unsigned long errs[NERR];
	unsigned long bad;	/* errnos outside the allowed set */
	const char *bad_op;
	int bad_errno;
	unsigned long fails;	/* invariants the worker saw broken */
	const char *fail_what;
	unsigned long rounds;	/* contexts built and closed (ctx) */
	bool joined;
};

struct stress {
	int fd;
	int nullfd;
	__u32 ioas_a, ioas_b;
	/* PASID-capable device, its paging HWPTs, nest parent, nested */
	__u32 stdev1, idev1, hwpt1, hwpt2, parent, nested1;
	/* second PASID-capable device behind a vIOMMU */
	__u32 stdev2, idev2, viommu, vdev2, nested_v;
	/* two plain devices with an explicit HWPT each */
	__u32 stdev_plain[2], hwpt_plain[2];
	/* an IOAS of its own for the kernel-chosen IOVA race */
	__u32 ioas_c;
	int access_fd;
	/* what the RID worker attached last */
	__u32 rid_last;
};

static unsigned int errno_bit(int err, unsigned int *slot)
{
	unsigned int i;

	for (i = 0; i != NERR; i++) {
		if (errno_tab[i].err == err) {
			*slot = i;
			return 1U << i;
		}
	}
	return 0;
}

/* Count the result of one call; returns @rc with errno preserved */
static int note(struct worker *w, const char *op, int rc, unsigned int allowed)
{
	int err = errno;
	unsigned int slot = 0, bit;

	w->ops++;
	if (!rc) {
		w->ok++;
		return 0;
	}
	bit = errno_bit(err, &slot);
	if (bit & allowed) {
		w->errs[slot]++;
	} else {
		if (!w->bad++) {
			w->bad_op = op;
			w->bad_errno = err;
		}
	}
	errno = err;
	return rc;
}

static void broken(struct worker *w, const char *what)
{
	if (!w->fails++)
		w->fail_what = what;
}

static void *slot_va(unsigned int page)
{
	return sbuf + page * PAGE_SIZE;
}

/* ------------------------------------------------------ shared context */

/* Map slot @idx of IOAS A (memory) and of IOAS B (memfd), unmap, repeat */
static void *map_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	unsigned int page = w->idx * 8;
	__u64 iova = SLOT_IOVA(w->idx), got;
	bool mapped_a = false;

	while (!stopping()) {
		got = iova;
		if (!mapped_a &&
		    !note(w, "map A", _test_ioctl_ioas_map(st->fd, st->ioas_a,
							 slot_va(page),
							 SLOT_PAGES * PAGE_SIZE,
							 &got,
							 IOMMU_IOAS_MAP_FIXED_IOVA |
								 MAP_RW), 0))
			mapped_a = true;
		got = iova;
		if (!note(w, "map_file B",
			  _test_ioctl_ioas_map_file(st->fd, st->ioas_b, smemfd,
						    page * PAGE_SIZE,
						    SLOT_PAGES * PAGE_SIZE, &got,
						    IOMMU_IOAS_MAP_FIXED_IOVA |
							    MAP_RW), 0))
			note(w, "unmap B",
			     _test_ioctl_ioas_unmap(st->fd, st->ioas_b, iova,
						    SLOT_PAGES * PAGE_SIZE,
						    NULL), 0);
		/* An access that keeps re-pinning may win: EBUSY */
		if (!note(w, "unmap A",
			  _test_ioctl_ioas_unmap(st->fd, st->ioas_a, iova,
						 SLOT_PAGES * PAGE_SIZE, NULL),
			  A_EBUSY))
			mapped_a = false;
	}
	/* Leave both mapped for the final checks */
	got = iova;
	if (!mapped_a)
		note(w, "final map A",
		     _test_ioctl_ioas_map(st->fd, st->ioas_a, slot_va(page),
					  SLOT_PAGES * PAGE_SIZE, &got,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW), 0);
	got = iova;
	note(w, "final map_file B",
	     _test_ioctl_ioas_map_file(st->fd, st->ioas_b, smemfd,
				       page * PAGE_SIZE, SLOT_PAGES * PAGE_SIZE,
				       &got, IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW),
	     0);
	return NULL;
}

/* Copy slot 0 of A into B, and slot 1 of A within A, while they churn */
static void *copy_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	__u64 dst;

	while (!stopping()) {
		dst = COPY_IOVA;
		if (!note(w, "copy A->B",
			  _test_ioctl_ioas_copy(st->fd, st->ioas_b, st->ioas_a,
						SLOT_IOVA(0),
						SLOT_PAGES * PAGE_SIZE, &dst,
						IOMMU_IOAS_MAP_FIXED_IOVA |
							MAP_RW), A_ENOENT))
			note(w, "unmap copy B",
			     _test_ioctl_ioas_unmap(st->fd, st->ioas_b, dst,
						    SLOT_PAGES * PAGE_SIZE,
						    NULL), 0);
		if (!note(w, "copy A->A",
			  _test_ioctl_ioas_copy(st->fd, st->ioas_a, st->ioas_a,
						SLOT_IOVA(1), PAGE_SIZE, &dst,
						MAP_RW), A_ENOENT))
			note(w, "unmap copy A",
			     _test_ioctl_ioas_unmap(st->fd, st->ioas_a, dst,
						    PAGE_SIZE, NULL), A_EBUSY);
	}
	return NULL;
}

/* An emulated device pins slot 1 and reads slot 0 through the IOAS */
static void *access_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	uint8_t tmp[64];
	__u32 item = 0;

	while (!stopping()) {
		if (!note(w, "access_pages",
			  _test_cmd_access_pages(st->fd, st->access_fd,
						 SLOT_IOVA(1), PAGE_SIZE,
						 slot_va(8), 0, &item),
			  A_ENOENT))
			/* The unmap callback may have dropped it already */
			note(w, "destroy_access_pages",
			     _test_cmd_destroy_access_pages(st->fd,
							    st->access_fd,
							    item), A_ENOENT);
		note(w, "access_rw",
		     _test_cmd_access_rw(st->fd, st->access_fd, SLOT_IOVA(0) + 64,
					 sizeof(tmp), tmp, 0), A_ENOENT);
	}
	return NULL;
}

/* Devices and HWPTs created and destroyed on IOAS A */
static void *domain_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	__u32 stdev = 0, hwpt = 0;

	while (!stopping()) {
		if (!note(w, "mock_domain",
			  _test_cmd_mock_domain(st->fd, st->ioas_a, &stdev,
						NULL, NULL), 0))
			note(w, "destroy stdev",
			     _test_ioctl_destroy(st->fd, stdev), 0);
		if (!note(w, "hwpt_alloc",
			  _test_cmd_hwpt_alloc(st->fd, st->idev1, st->ioas_a,
					       IOMMU_HWPT_ALLOC_PASID, &hwpt,
					       IOMMU_HWPT_DATA_NONE, NULL, 0,
					       0), 0))
			note(w, "destroy hwpt",
			     _test_ioctl_destroy(st->fd, hwpt), 0);
	}
	return NULL;
}

/* The RID of device 1 goes round IOAS A (auto), hwpt1, hwpt2, nested1 */
static void *rid_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	const __u32 pts[] = { st->ioas_a, st->hwpt1, st->hwpt2, st->nested1 };
	unsigned int i = 0;
	__u32 got = 0;

	while (!stopping()) {
		if (!note(w, "rid replace",
			  _test_cmd_mock_domain_replace(st->fd, st->stdev1,
							pts[i++ % 4], &got),
			  0)) {
			st->rid_last = got;
			note(w, "rid check",
			     _test_cmd_pasid_check_hwpt(st->fd, st->stdev1, 0,
							got), 0);
		}
	}
	return NULL;
}

/* PASIDs 1-4 of device 1 attached, replaced, checked and detached */
static void *pasid_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	const __u32 pts[] = { st->hwpt1, st->ioas_a, st->nested1, st->hwpt2 };
	unsigned int i = 0;
	__u32 got = 0, pasid;

	while (!stopping()) {
		pasid = i % 4 + 1;
		if (!note(w, "pasid attach",
			  _test_cmd_pasid_attach(st->fd, st->stdev1, pasid,
						 pts[i % 4], &got), 0)) {
			note(w, "pasid replace",
			     _test_cmd_pasid_replace(st->fd, st->stdev1, pasid,
						     pts[(i + 1) % 4], &got), 0);
			note(w, "pasid check",
			     _test_cmd_pasid_check_hwpt(st->fd, st->stdev1,
							pasid, got), 0);
			note(w, "pasid detach",
			     _test_cmd_pasid_detach(st->fd, st->stdev1, pasid),
			     0);
		}
		i++;
	}
	return NULL;
}

/* Invalidate nested1's IOTLB and the vIOMMU's device cache */
static void *inv_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	struct iommu_hwpt_invalidate_selftest hinv = {
		.flags = IOMMU_TEST_INVALIDATE_FLAG_ALL,
	};
	struct iommu_viommu_invalidate_selftest vinv = {
		.vdev_id = VIRT_ID,
	};
	unsigned int i = 0;
	__u32 num;

	while (!stopping()) {
		num = 1;
		if (!note(w, "inv nested1",
			  _test_cmd_hwpt_invalidate(st->fd, st->nested1, &hinv,
					IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					sizeof(hinv), &num), 0) && num != 1)
			broken(w, "nested invalidation not all handled");
		/* After the first ALL invalidation every entry reads 0 */
		note(w, "check iotlb",
		     _test_cmd_hwpt_check_iotlb(st->fd, st->nested1, i % 4, 0),
		     0);
		num = 1;
		note(w, "inv nested_v",
		     _test_cmd_hwpt_invalidate(st->fd, st->nested_v, &hinv,
					IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					sizeof(hinv), &num), 0);
		/* The vDEVICE is recreated all the time: EINVAL meanwhile */
		vinv.cache_id = i % MOCK_DEV_CACHE_NUM;
		num = 1;
		note(w, "inv viommu",
		     _test_cmd_hwpt_invalidate(st->fd, st->viommu, &vinv,
					IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					sizeof(vinv), &num), A_EINVAL);
		i++;
	}
	return NULL;
}

/* Device 2 leaves its nested HWPT, its vDEVICE is recreated, it returns */
static void *viommu_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	__u32 v2 = 0, n2 = 0, vdev = 0;

	while (!stopping()) {
		note(w, "dev2 to ioas",
		     _test_cmd_mock_domain_replace(st->fd, st->stdev2,
						   st->ioas_a, NULL), 0);
		if (!note(w, "destroy vdev",
			  _test_ioctl_destroy(st->fd, st->vdev2), 0) &&
		    !note(w, "vdevice alloc",
			  _test_cmd_vdevice_alloc(st->fd, st->viommu,
						  st->idev2, VIRT_ID, &vdev),
			  0))
			st->vdev2 = vdev;
		note(w, "dev2 to nested_v",
		     _test_cmd_mock_domain_replace(st->fd, st->stdev2,
						   st->nested_v, NULL), 0);
		if (note(w, "viommu alloc",
			 _test_cmd_viommu_alloc(st->fd, st->idev2, st->parent,
						IOMMU_VIOMMU_TYPE_SELFTEST, 0,
						NULL, 0, &v2), 0))
			continue;
		if (!note(w, "nested alloc",
			  _test_cmd_hwpt_alloc_nested(st->fd, st->idev2, v2, 0,
						      &n2,
						      IOMMU_TEST_IOTLB_DEFAULT),
			  0))
			note(w, "destroy nested", _test_ioctl_destroy(st->fd, n2),
			     0);
		note(w, "destroy viommu", _test_ioctl_destroy(st->fd, v2), 0);
	}
	return NULL;
}

/*
 * A plain device moves between its own HWPT and IOAS A, where it shares
 * the automatic domain with every other device: the last one out destroys
 * it while another may be attaching.
 */
static void *plain_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	__u32 stdev = st->stdev_plain[w->idx], got = 0;

	while (!stopping()) {
		note(w, "to own hwpt",
		     _test_cmd_mock_domain_replace(st->fd, stdev,
						   st->hwpt_plain[w->idx],
						   NULL), 0);
		if (!note(w, "to auto domain",
			  _test_cmd_mock_domain_replace(st->fd, stdev,
							st->ioas_a, &got), 0))
			note(w, "check auto",
			     _test_cmd_pasid_check_hwpt(st->fd, stdev, 0, got),
			     0);
	}
	return NULL;
}

/* Objects that are always depended on: DESTROY must say EBUSY; lookups */
static void *busy_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	const __u32 held[] = { st->ioas_a, st->parent, st->viommu };
	struct iommu_iova_range ranges[4];
	unsigned int i = 0;
	__u64 val = 0;
	__u32 num;

	while (!stopping()) {
		/* Success would free an object others still use */
		if (!note(w, "destroy held", _test_ioctl_destroy(st->fd,
								 held[i % 3]),
			  A_EBUSY))
			broken(w, "DESTROY of a depended-on object succeeded");
		note(w, "hw_info", _test_cmd_get_hw_info(st->fd, i & 1 ?
							 st->idev1 : st->idev2,
							 NULL, 0, NULL), 0);
		num = 4;
		note(w, "iova_ranges",
		     _test_ioctl_iova_ranges(st->fd, i & 1 ? st->ioas_a :
							     st->ioas_b,
					     ranges, &num, NULL), 0);
		note(w, "option get",
		     _test_ioctl_option(st->fd, IOMMU_OPTION_HUGE_PAGES,
					IOMMU_OPTION_OP_GET, st->ioas_a, &val),
		     0);
		i++;
	}
	return NULL;
}

/*
 * Copies with a kernel-chosen IOVA within IOAS @st->ioas_b's twin (ioas_c):
 * the kernel must pick and take the IOVA atomically, so two of them never
 * collide (no EEXIST or EINVAL for a call that named no IOVA).
 */
static void *copy_auto_worker(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	__u64 dst = 0;

	while (!stopping()) {
		if (!note(w, "copy auto iova",
			  _test_ioctl_ioas_copy(st->fd, st->ioas_c, st->ioas_c,
						MOCK_APERTURE_START, PAGE_SIZE,
						&dst, MAP_RW), 0))
			note(w, "unmap copy",
			     _test_ioctl_ioas_unmap(st->fd, st->ioas_c, dst,
						    PAGE_SIZE, NULL), 0);
	}
	return NULL;
}

/* ---------------------------------------------------- private contexts */

struct ctx_objs {
	int fd;
	__u32 ioas, stdev, idev, hwpt, parent, viommu, vdev, nested;
	unsigned int page;	/* first page of the context's slice */
	struct worker *sib;
};

/* Works on the context until its descriptor turns into /dev/null */
static void *sibling_worker(void *arg)
{
	struct ctx_objs *c = arg;
	struct worker *w = c->sib;
	struct iommu_viommu_invalidate_selftest vinv = {
		.flags = IOMMU_TEST_INVALIDATE_FLAG_ALL,
		.vdev_id = VIRT_ID,
	};
	unsigned int i = 0;
	__u64 iova = 0;
	__u32 num;

	while (true) {
		if (note(w, "ctx map", _test_ioctl_ioas_map(c->fd, c->ioas,
							    slot_va(c->page + 4),
							    PAGE_SIZE, &iova,
							    MAP_RW),
			 A_ENOTTY))
			break;
		num = 1;
		if (note(w, "ctx inv viommu",
			 _test_cmd_hwpt_invalidate(c->fd, c->viommu, &vinv,
					IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					sizeof(vinv), &num), A_ENOTTY))
			break;
		if (note(w, "ctx pasid replace",
			 _test_cmd_pasid_replace(c->fd, c->stdev, CTX_PASID,
						 i & 1 ? c->hwpt : c->ioas,
						 NULL), A_ENOTTY))
			break;
		if (note(w, "ctx unmap",
			 _test_ioctl_ioas_unmap(c->fd, c->ioas, iova,
						PAGE_SIZE, NULL), A_ENOTTY))
			break;
		/* Bounded even if the closer never comes */
		if (++i == 1000000)
			break;
	}
	return NULL;
}

/* Build everything in a fresh context; false if a step failed */
static bool ctx_build(struct worker *w, struct ctx_objs *c, bool mm_mode,
		      int *access_fd)
{
	__u64 iova = MOCK_APERTURE_START, fiova = MOCK_APERTURE_START + MIB;
	__u64 val = 1;
	__u32 item = 0;

	c->fd = open(IOFD_DEV, O_RDWR);
	if (c->fd < 0) {
		broken(w, "open");
		return false;
	}
	if (mm_mode && note(w, "set rlimit mode",
			    _test_ioctl_set_rlimit_mode(c->fd, val), 0))
		return false;
	if (note(w, "ctx ioas", _test_ioctl_ioas_alloc(c->fd, &c->ioas), 0) ||
	    note(w, "ctx map", _test_ioctl_ioas_map(c->fd, c->ioas,
						    slot_va(c->page),
						    SLOT_PAGES * PAGE_SIZE,
						    &iova,
						    IOMMU_IOAS_MAP_FIXED_IOVA |
							    MAP_RW), 0) ||
	    note(w, "ctx map_file",
		 _test_ioctl_ioas_map_file(c->fd, c->ioas, smemfd,
					   c->page * PAGE_SIZE,
					   SLOT_PAGES * PAGE_SIZE, &fiova,
					   IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW),
		 0) ||
	    note(w, "ctx mock_domain",
		 _test_cmd_mock_domain_flags(c->fd, c->ioas,
					     MOCK_FLAGS_DEVICE_PASID, &c->stdev,
					     NULL, &c->idev), 0) ||
	    note(w, "ctx hwpt", _test_cmd_hwpt_alloc(c->fd, c->idev, c->ioas,
						     IOMMU_HWPT_ALLOC_PASID,
						     &c->hwpt,
						     IOMMU_HWPT_DATA_NONE,
						     NULL, 0, 0), 0) ||
	    note(w, "ctx pasid attach",
		 _test_cmd_pasid_attach(c->fd, c->stdev, CTX_PASID, c->hwpt,
					NULL), 0) ||
	    note(w, "ctx parent",
		 _test_cmd_hwpt_alloc(c->fd, c->idev, c->ioas,
				      IOMMU_HWPT_ALLOC_NEST_PARENT |
					      IOMMU_HWPT_ALLOC_PASID,
				      &c->parent, IOMMU_HWPT_DATA_NONE, NULL,
				      0, 0), 0) ||
	    note(w, "ctx viommu",
		 _test_cmd_viommu_alloc(c->fd, c->idev, c->parent,
					IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0,
					&c->viommu), 0) ||
	    note(w, "ctx vdevice",
		 _test_cmd_vdevice_alloc(c->fd, c->viommu, c->idev, VIRT_ID,
					 &c->vdev), 0) ||
	    note(w, "ctx nested",
		 _test_cmd_hwpt_alloc_nested(c->fd, c->idev, c->viommu,
					     IOMMU_HWPT_ALLOC_PASID, &c->nested,
					     IOMMU_TEST_IOTLB_DEFAULT), 0) ||
	    note(w, "ctx rid to nested",
		 _test_cmd_mock_domain_replace(c->fd, c->stdev, c->nested,
					       NULL), 0))
		return false;
	*access_fd = -1;
	if (w->rounds % 2)
		return true;
	/* Every other round an access holds pins, and the context too */
	if (note(w, "ctx access",
		 _test_cmd_create_access(c->fd, c->ioas, access_fd,
					 MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES),
		 0))
		return false;
	return !note(w, "ctx access_pages",
		     _test_cmd_access_pages(c->fd, *access_fd,
					    MOCK_APERTURE_START,
					    SLOT_PAGES * PAGE_SIZE,
					    slot_va(c->page), 0, &item), 0);
}

static void *ctx_worker(void *arg)
{
	struct worker *w = arg;
	struct worker *sib = w + 1;	/* see the table in the test */
	unsigned int seed = w->idx * 7919 + 1;
	int check_fd;

	check_fd = open(IOFD_DEV, O_RDWR);
	if (check_fd < 0) {
		broken(w, "open check fd");
		return NULL;
	}
	sib->tid = 0;
	while (!stopping()) {
		struct ctx_objs c = { .fd = -1, .sib = sib };
		bool built, sib_started = false;
		int access_fd = -1;
		pthread_t t;

		c.page = 32 + w->idx * 8;
		built = ctx_build(w, &c, w->rounds % 4 == 1, &access_fd);
		if (built && !pthread_create(&t, NULL, sibling_worker, &c))
			sib_started = true;
		if (built && !sib_started)
			broken(w, "pthread_create");
		usleep(rand_r(&seed) % 2000);
		/* Close the access first or last */
		if (access_fd >= 0 && rand_r(&seed) % 2) {
			close(access_fd);
			access_fd = -1;
		}
		/* The file goes while the sibling is in its ioctls */
		if (c.fd >= 0 && dup2(w->st->nullfd, c.fd) < 0)
			broken(w, "dup2");
		if (access_fd >= 0)
			close(access_fd);
		if (sib_started)
			pthread_join(t, NULL);
		if (c.fd >= 0)
			close(c.fd);
		/* Every pin of the context is gone with its last file */
		if (_test_cmd_check_refs(check_fd, slot_va(c.page),
					 8 * PAGE_SIZE, 0) ||
		    _test_cmd_check_refs(check_fd, sfile + c.page * PAGE_SIZE,
					 8 * PAGE_SIZE, 0))
			broken(w, "pages still pinned after close");
		w->rounds++;
		if (!built)
			break;
	}
	close(check_fd);
	return NULL;
}

/* ------------------------------------------------------------- the test */

static void print_worker(struct worker *w)
{
	char line[512];
	unsigned int i;
	int n;

	n = snprintf(line, sizeof(line), "# %-10s ops %lu ok %lu", w->name,
		     w->ops, w->ok);
	for (i = 0; i != NERR && n < (int)sizeof(line); i++)
		if (w->errs[i])
			n += snprintf(line + n, sizeof(line) - n, " %s %lu",
				      errno_tab[i].name, w->errs[i]);
	if (w->rounds && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " contexts %lu",
			      w->rounds);
	if (w->bad && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n,
			      " UNEXPECTED %lu (first: %s errno %d %s)",
			      w->bad, w->bad_op, w->bad_errno,
			      strerror(w->bad_errno));
	if (w->fails && n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " BROKEN %lu (first: %s)",
			 w->fails, w->fail_what);
	fprintf(stderr, "%s\n", line);
}

/* A worker that did not come back: where it is stuck in the kernel */
static void dump_stuck(struct worker *w)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	fprintf(stderr, "# STUCK %s (tid %d) after the watchdog\n", w->name,
		(int)w->tid);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)w->tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	fprintf(stderr, "#   %s", buf);
}

static void *worker_trampoline(void *arg)
{
	struct worker *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	return w->fn(w);
}

static void setup_shared(struct __test_metadata *_metadata,
			 struct stress *st)
{
	struct iommu_iova_range allowed = {
		.start = MOCK_APERTURE_START + 64 * MIB,
		.last = MOCK_APERTURE_LAST,
	};
	__u32 hwpt;

	st->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, st->fd);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(st->fd, &st->ioas_a));
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(st->fd, &st->ioas_b));
	/* Kernel-chosen IOVAs of A stay clear of the fixed slots */
	ASSERT_EQ(0, _test_ioctl_allow_iovas(st->fd, st->ioas_a, &allowed, 1));
	ASSERT_EQ(0, _test_cmd_mock_domain_flags(st->fd, st->ioas_a,
						 MOCK_FLAGS_DEVICE_PASID,
						 &st->stdev1, &hwpt,
						 &st->idev1));
	st->rid_last = hwpt;
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(st->fd, st->idev1, st->ioas_a,
					  IOMMU_HWPT_ALLOC_PASID, &st->hwpt1,
					  IOMMU_HWPT_DATA_NONE, NULL, 0, 0));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(st->fd, st->idev1, st->ioas_a,
					  IOMMU_HWPT_ALLOC_PASID, &st->hwpt2,
					  IOMMU_HWPT_DATA_NONE, NULL, 0, 0));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(st->fd, st->idev1, st->ioas_a,
					  IOMMU_HWPT_ALLOC_NEST_PARENT |
						  IOMMU_HWPT_ALLOC_PASID,
					  &st->parent, IOMMU_HWPT_DATA_NONE,
					  NULL, 0, 0));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc_nested(st->fd, st->idev1, st->parent,
						 IOMMU_HWPT_ALLOC_PASID,
						 &st->nested1,
						 IOMMU_TEST_IOTLB_DEFAULT));
	ASSERT_EQ(0, _test_cmd_mock_domain_flags(st->fd, st->ioas_a,
						 MOCK_FLAGS_DEVICE_PASID,
						 &st->stdev2, NULL,
						 &st->idev2));
	ASSERT_EQ(0, _test_cmd_viommu_alloc(st->fd, st->idev2, st->parent,
					    IOMMU_VIOMMU_TYPE_SELFTEST, 0,
					    NULL, 0, &st->viommu));
	ASSERT_EQ(0, _test_cmd_vdevice_alloc(st->fd, st->viommu, st->idev2,
					     VIRT_ID, &st->vdev2));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc_nested(st->fd, st->idev2,
						 st->viommu, 0, &st->nested_v,
						 IOMMU_TEST_IOTLB_DEFAULT));
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(st->fd, st->stdev2,
						   st->nested_v, NULL));
	for (int i = 0; i != 2; i++) {
		__u32 idev;

		ASSERT_EQ(0, _test_cmd_mock_domain(st->fd, st->ioas_a,
						   &st->stdev_plain[i], NULL,
						   &idev));
		ASSERT_EQ(0, _test_cmd_hwpt_alloc(st->fd, idev, st->ioas_a, 0,
						  &st->hwpt_plain[i],
						  IOMMU_HWPT_DATA_NONE, NULL,
						  0, 0));
	}
	ASSERT_EQ(0, _test_cmd_create_access(st->fd, st->ioas_a,
					     &st->access_fd,
					     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES));
}

FIXTURE(stress)
{
	struct stress st;
	long base_pin_kb;
	long base_lck_kb;
};

FIXTURE_SETUP(stress)
{
	struct rlimit rl = { .rlim_cur = 1UL << 30, .rlim_max = 1UL << 30 };

	self->st.fd = -1;
	self->st.access_fd = -1;
	self->st.nullfd = open("/dev/null", O_RDWR);
	ASSERT_NE(-1, self->st.nullfd);
	sbuf = mmap(NULL, STRESS_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sbuf);
	memset(sbuf, 0x5a, STRESS_PAGES * PAGE_SIZE);
	sfile = iofd_memfd_mmap(STRESS_PAGES * PAGE_SIZE, &smemfd);
	ASSERT_NE(MAP_FAILED, sfile);
	memset(sfile, 0xa5, STRESS_PAGES * PAGE_SIZE);

	/* Charged like a VMM's pins: no CAP_IPC_LOCK, a roomy limit */
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, iofd_drop_cap(CAP_IPC_LOCK));
	ASSERT_FALSE(iofd_has_cap(CAP_IPC_LOCK));
	self->base_pin_kb = iofd_vm_pinned_kb();
	self->base_lck_kb = iofd_vm_locked_kb();
	ASSERT_LE(0, self->base_pin_kb);
	setup_shared(_metadata, &self->st);
}

FIXTURE_TEARDOWN(stress)
{
	if (self->st.fd >= 0)
		close(self->st.fd);
}

/*
 * Run the workers for @seconds, then stop them and join them within a
 * watchdog; print what each did and check that each did something and
 * saw nothing it should not have.
 */
static void run_workers(struct __test_metadata *_metadata, struct stress *st,
			struct worker *w, unsigned int nw, unsigned int seconds)
{
	struct timespec deadline;
	unsigned int i, stuck = 0;
	unsigned long total = 0;

	for (i = 0; i != nw; i++) {
		w[i].st = st;
		if (!w[i].fn) {
			w[i].joined = true;
			continue;
		}
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL,
					    worker_trampoline, &w[i]));
	}
	sleep(seconds);
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);

	/* Watchdog: everyone back within 30 s of the stop */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	for (i = 0; i != nw; i++) {
		if (w[i].joined)
			continue;
		if (pthread_timedjoin_np(w[i].thread, NULL, &deadline)) {
			dump_stuck(&w[i]);
			stuck++;
			continue;
		}
		w[i].joined = true;
	}
	for (i = 0; i != nw; i++) {
		print_worker(&w[i]);
		total += w[i].ops;
	}
	fprintf(stderr, "# %lu operations in %u s by %u threads\n", total,
		seconds, nw);
	/* A thread stuck in the kernel cannot be cleaned up after */
	ASSERT_EQ(0, stuck);
	for (i = 0; i != nw; i++) {
		/* Every thread got work done: the race really ran */
		EXPECT_NE(0, w[i].ok) TH_LOG("%s did nothing", w[i].name);
		EXPECT_EQ(0, w[i].bad)
			TH_LOG("%s: unexpected errno %d (%s) from %s", w[i].name,
			       w[i].bad_errno, strerror(w[i].bad_errno),
			       w[i].bad_op ? w[i].bad_op : "?");
		EXPECT_EQ(0, w[i].fails)
			TH_LOG("%s: %s", w[i].name,
			       w[i].fail_what ? w[i].fail_what : "?");
	}
}

/* Closing everything leaves no page pinned and nothing charged */
static void check_released(struct __test_metadata *_metadata,
			   struct stress *st, long base_pin_kb, long base_lck_kb)
{
	int check_fd;

	if (st->access_fd >= 0)
		EXPECT_EQ(0, close(st->access_fd));
	st->access_fd = -1;
	EXPECT_EQ(0, close(st->fd));
	st->fd = -1;
	check_fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, check_fd);
	EXPECT_EQ(0, _test_cmd_check_refs(check_fd, sbuf,
					  STRESS_PAGES * PAGE_SIZE, 0));
	EXPECT_EQ(0, _test_cmd_check_refs(check_fd, sfile,
					  STRESS_PAGES * PAGE_SIZE, 0));
	close(check_fd);
	EXPECT_EQ(base_pin_kb, iofd_vm_pinned_kb());
	EXPECT_EQ(base_lck_kb, iofd_vm_locked_kb());
}

#define check_all_released()                                                  \
	check_released(_metadata, &self->st, self->base_pin_kb,               \
		       self->base_lck_kb)

/*
 * Only what uses the automatic domain of IOAS A: the two plain devices
 * moving between their own HWPT and A, devices created on A and destroyed,
 * the PASID device's RID and PASIDs attached to A among others. The
 * automatic domain is destroyed by the last attachment leaving while
 * another may be attaching to it.
 */
TEST_F_TIMEOUT(stress, auto_domain_churn, 60)
{
	struct worker w[] = {
		{ .name = "plain0", .fn = plain_worker, .idx = 0 },
		{ .name = "plain1", .fn = plain_worker, .idx = 1 },
		{ .name = "domain", .fn = domain_worker },
		{ .name = "rid", .fn = rid_worker },
		{ .name = "pasid", .fn = pasid_worker },
	};

	run_workers(_metadata, &self->st, w, ARRAY_SIZE(w), short_seconds());
	check_all_released();
}

/* Two threads copy with kernel-chosen IOVAs within one IOAS */
TEST_F_TIMEOUT(stress, copy_auto_iova, 60)
{
	struct stress *st = &self->st;
	struct worker w[] = {
		{ .name = "copy0", .fn = copy_auto_worker },
		{ .name = "copy1", .fn = copy_auto_worker },
	};
	__u64 iova = MOCK_APERTURE_START;

	ASSERT_EQ(0, _test_ioctl_ioas_alloc(st->fd, &st->ioas_c));
	ASSERT_EQ(0, _test_ioctl_ioas_map(st->fd, st->ioas_c, slot_va(48),
					  PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	run_workers(_metadata, st, w, ARRAY_SIZE(w), short_seconds());
	check_all_released();
}

TEST_F_TIMEOUT(stress, all_at_once, 60)
{
	struct stress *st = &self->st;
	struct worker w[] = {
		{ .name = "map0", .fn = map_worker, .idx = 0 },
		{ .name = "map1", .fn = map_worker, .idx = 1 },
		{ .name = "copy", .fn = copy_worker },
		{ .name = "access", .fn = access_worker },
		{ .name = "domain", .fn = domain_worker },
		{ .name = "rid", .fn = rid_worker },
		{ .name = "pasid", .fn = pasid_worker },
		{ .name = "inval", .fn = inv_worker },
		{ .name = "viommu", .fn = viommu_worker },
		{ .name = "plain0", .fn = plain_worker, .idx = 0 },
		{ .name = "plain1", .fn = plain_worker, .idx = 1 },
		{ .name = "busy", .fn = busy_worker },
		/* each ctx worker is followed by the record of its siblings */
		{ .name = "ctx0", .fn = ctx_worker, .idx = 0 },
		{ .name = "ctx0-sib" },
		{ .name = "ctx1", .fn = ctx_worker, .idx = 1 },
		{ .name = "ctx1-sib" },
	};
	int k;

	run_workers(_metadata, st, w, ARRAY_SIZE(w), stress_seconds);

	/* The state the workers left: slots mapped in every domain of A */
	for (k = 0; k != 2; k++) {
		EXPECT_EQ(0, _test_cmd_check_map(st->fd, st->hwpt1,
						 SLOT_IOVA(k),
						 SLOT_PAGES * PAGE_SIZE,
						 slot_va(k * 8)));
		EXPECT_EQ(0, _test_cmd_check_map(st->fd, st->parent,
						 SLOT_IOVA(k),
						 SLOT_PAGES * PAGE_SIZE,
						 slot_va(k * 8)));
		/* One pin each: A's mapping, B's file mapping */
		EXPECT_EQ(0, _test_cmd_check_refs(st->fd, slot_va(k * 8),
						  SLOT_PAGES * PAGE_SIZE, 1));
		EXPECT_EQ(0, _test_cmd_check_refs(st->fd,
						  sfile + k * 8 * PAGE_SIZE,
						  SLOT_PAGES * PAGE_SIZE, 1));
	}
	EXPECT_EQ(0, _test_cmd_pasid_check_hwpt(st->fd, st->stdev1, 0,
						st->rid_last));
	for (k = 1; k <= 4; k++)
		EXPECT_EQ(0, _test_cmd_pasid_check_hwpt(st->fd, st->stdev1, k,
							0));
	EXPECT_EQ(0, _test_cmd_pasid_check_hwpt(st->fd, st->stdev2, 0,
						st->nested_v));
	for (k = 0; k <= MOCK_NESTED_DOMAIN_IOTLB_ID_MAX; k++)
		EXPECT_EQ(0, _test_cmd_hwpt_check_iotlb(st->fd, st->nested1, k,
							0));

	/* Close everything; nothing may stay pinned or charged */
	check_all_released();
}

/* iofd.stress_seconds=N on the kernel command line (the test guest) */
static const char *cmdline_seconds(void)
{
	static char buf[4096];
	const char *key = "iofd.stress_seconds=";
	char *p;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	p = strstr(buf, key);
	if (!p || (p != buf && p[-1] != ' '))
		return NULL;
	p += strlen(key);
	p[strcspn(p, "\t\n ")] = 0;
	return p;
}

/*
 * Seconds from, in this order: the first argument, IOFD_STRESS_SECONDS,
 * iofd.stress_seconds= on the kernel command line; default 5.
 */
int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : getenv("IOFD_STRESS_SECONDS");

	if (!arg)
		arg = cmdline_seconds();
	if (arg) {
		char *end;
		unsigned long s = strtoul(arg, &end, 10);

		if (*end || !s || s > 86400) {
			fprintf(stderr, "usage: %s [SECONDS]  (or IOFD_STRESS_SECONDS, or iofd.stress_seconds= on the kernel command line)\n",
				argv[0]);
			return 2;
		}
		stress_seconds = s;
	}
	/* The harness's per-test timeout must cover the run and the checks */
	_stress_all_at_once_object.timeout = stress_seconds + 90;
	_stress_auto_domain_churn_object.timeout = short_seconds() + 90;
	_stress_copy_auto_iova_object.timeout = short_seconds() + 90;
	return test_harness_run(argc, argv);
}
