// SPDX-License-Identifier: GPL-2.0
/*
 * iofd-fuzz: a seeded, bounded, structure-aware ioctl fuzzer for /dev/iommu.
 *
 * Why structure-aware: random bytes never get past the size checks of the
 * dispatcher. Every operation here is built as the uAPI struct it is, from
 * a pool of the objects this program created (IOAS, HWPTs, vIOMMUs,
 * vDEVICEs, mock devices, access files, mappings), so most calls reach deep
 * into the core; a fixed share of them get a wrong-type, stale or random ID,
 * a boundary IOVA, a bad size or a bad pointer instead, so the error paths
 * are reached too.
 *
 * Why bounded and seeded: it runs inside `make check` and `make fuzz`. Each
 * thread has its own PRNG (splitmix64, thread i seeded with seed + i), so a
 * single-threaded run is a pure function of the seed; with several threads
 * sharing one /dev/iommu file only the interleaving varies.
 *
 * What it checks itself:
 *  - no new splat in the kernel log (/dev/kmsg: BUG, WARNING, KASAN,
 *    lockdep, ...), so a splat comes with the operations that caused it;
 *  - every failure is -1 with an errno of the documented set;
 *  - the size rules of the dispatcher (below the first version: EINVAL,
 *    non-zero bytes past the struct: E2BIG); numbers that are no command:
 *    ENOTTY;
 *  - outputs that are cheap to verify (non-zero IDs, IOVA ranges sorted,
 *    hw_info of the mock, vIOMMU data echoed, UNMAP length);
 *  - after the file (and every access file) is closed, no page of any
 *    buffer is still pinned (IOMMU_TEST_OP_MD_CHECK_REFS == 0) and no
 *    access file is open that the kernel did not hand out;
 *  - single-threaded only, where the pool is exact: a new mapping is in
 *    every mock page table of its IOAS and a new paging HWPT has every
 *    mapping of its IOAS (MD_CHECK_MAP), attach results match the mock's
 *    view (PASID_CHECK_HWPT), the mock IOTLB and device caches hold what
 *    allocation and the invalidations that took effect left there
 *    (MD_CHECK_IOTLB, DEV_CHECK_CACHE), a vIOMMU knows its parent, page
 *    pin counts match the live mappings, and UNMAP returns the length of
 *    the mappings it covered.
 *
 * Every operation is recorded (a ring of the last RING_OPS per thread, and
 * a log since the file was last reopened). On a failed check the program
 * prints the seed, the last operations and the log in a replayable text
 * format (also written to a file), and exits 1.
 *
 * Usage (see print_usage()):
 *   iofd-fuzz                       make check: TAP, seed 1, a 1-thread and
 *                                   a 2-thread phase, bounded; with
 *                                   iofd.fuzz_seconds=S (and optionally
 *                                   iofd.fuzz_seed=N) on the kernel command
 *                                   line: S seconds (make soak)
 *   iofd-fuzz --tap --seconds 600   the same by hand
 *   iofd-fuzz --replay FILE [-v]    run a log again, in one thread; the
 *                                   checks that follow from earlier ops are
 *                                   recomputed, not taken from the log
 *   iofd-fuzz --minimize FILE       shrink a failing log (delta debugging,
 *                                   one child process per attempt)
 * A FILE may be the guest's captured output: its "# R| " lines are taken.
 * --keep-going N reports N failures, reopening the file after each;
 * --avoid-top-iova steers around ranges ending at U64_MAX (a known bug,
 * while it is open); --fail-weight N arms failure injection more often.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/iommufd_test.h>

#define IOFD_DEV		"/dev/iommu"
/*
 * Default run, for `make check`: a single-threaded phase (all oracles on)
 * and a two-thread phase sharing one file. Measured in the TCG guest on a
 * 2-CPU host: alone 16000-27000 ops/s, two threads 3500-27000 ops/s (the
 * vCPUs contend when the host is busy), so 5-13 s in all; the KASAN/lockdep
 * debug kernel manages 900-3000 ops/s (pass a smaller --ops there).
 */
#define DEFAULT_OPS_ALONE	100000
#define DEFAULT_OPS_SHARED	12000
#define MAX_THREADS		16
#define RING_OPS		64
/* Ops logged since the last reopen; the file is reopened before it fills */
#define LOG_MAX			2048
#define ARG_BYTES		160
#define W_BYTES			512
#define MAX_FX			4
#define MAX_OBJS		160
#define MAX_MAPS		160
#define MAX_STALE		16
#define MAX_ACC			48
#define MAX_ACC_PAGES		8
/* Print a stuck operation before the guest's hung-task panic (120 s) */
#define DEFAULT_WATCHDOG_S	45

#define KERNEL_PTR		0xffffffff81000000ULL
#define NONCANON_PTR		0x8000000000000000ULL

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define sizeof_field(T, m)	sizeof(((T *)0)->m)
#define offsetofend(T, m)	(offsetof(T, m) + sizeof_field(T, m))
#define MIN(a, b)		((a) < (b) ? (a) : (b))

static unsigned long pgsz;
/* The mock IOMMU's page: half a CPU page */
#define MOCK_PG			(pgsz / 2)

/* ----------------------------------------------------------------- PRNG */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* -------------------------------------------------------------- commands */

/*
 * What the dispatcher knows of each command: sizeof (the kernel's struct)
 * and the end of the first version's fields (the smallest accepted size).
 * Mirrors the table in core/main.c, which the size oracle checks.
 */
struct cmd_info {
	const char *name;
	unsigned long req;
	unsigned int ksize;
	unsigned int min;
};

enum {
	C_DESTROY, C_IOAS_ALLOC, C_ALLOW_IOVAS, C_IOAS_COPY, C_IOVA_RANGES,
	C_IOAS_MAP, C_IOAS_UNMAP, C_OPTION, C_VFIO_IOAS, C_HWPT_ALLOC,
	C_HW_INFO, C_SET_DIRTY, C_GET_DIRTY, C_INVALIDATE, C_FAULT_ALLOC,
	C_MAP_FILE, C_VIOMMU_ALLOC, C_VDEVICE_ALLOC, C_CHANGE_PROCESS,
	C_VEVENTQ_ALLOC, C_HW_QUEUE_ALLOC, C_TEST, C_MAX,
};

#define CMDI(_name, _req, _type, _last) \
	{ _name, _req, sizeof(_type), offsetofend(_type, _last) }

static const struct cmd_info cmds[C_MAX] = {
	[C_DESTROY] = CMDI("DESTROY", IOMMU_DESTROY, struct iommu_destroy, id),
	[C_IOAS_ALLOC] = CMDI("IOAS_ALLOC", IOMMU_IOAS_ALLOC,
			      struct iommu_ioas_alloc, out_ioas_id),
	[C_ALLOW_IOVAS] = CMDI("IOAS_ALLOW_IOVAS", IOMMU_IOAS_ALLOW_IOVAS,
			       struct iommu_ioas_allow_iovas, allowed_iovas),
	[C_IOAS_COPY] = CMDI("IOAS_COPY", IOMMU_IOAS_COPY,
			     struct iommu_ioas_copy, src_iova),
	[C_IOVA_RANGES] = CMDI("IOAS_IOVA_RANGES", IOMMU_IOAS_IOVA_RANGES,
			       struct iommu_ioas_iova_ranges,
			       out_iova_alignment),
	[C_IOAS_MAP] = CMDI("IOAS_MAP", IOMMU_IOAS_MAP, struct iommu_ioas_map,
			    iova),
	[C_IOAS_UNMAP] = CMDI("IOAS_UNMAP", IOMMU_IOAS_UNMAP,
			      struct iommu_ioas_unmap, length),
	[C_OPTION] = CMDI("OPTION", IOMMU_OPTION, struct iommu_option, val64),
	[C_VFIO_IOAS] = CMDI("VFIO_IOAS", IOMMU_VFIO_IOAS,
			     struct iommu_vfio_ioas, __reserved),
	[C_HWPT_ALLOC] = CMDI("HWPT_ALLOC", IOMMU_HWPT_ALLOC,
			      struct iommu_hwpt_alloc, __reserved),
	[C_HW_INFO] = CMDI("GET_HW_INFO", IOMMU_GET_HW_INFO,
			   struct iommu_hw_info, __reserved),
	[C_SET_DIRTY] = CMDI("HWPT_SET_DIRTY_TRACKING",
			     IOMMU_HWPT_SET_DIRTY_TRACKING,
			     struct iommu_hwpt_set_dirty_tracking, __reserved),
	[C_GET_DIRTY] = CMDI("HWPT_GET_DIRTY_BITMAP",
			     IOMMU_HWPT_GET_DIRTY_BITMAP,
			     struct iommu_hwpt_get_dirty_bitmap, data),
	[C_INVALIDATE] = CMDI("HWPT_INVALIDATE", IOMMU_HWPT_INVALIDATE,
			      struct iommu_hwpt_invalidate, __reserved),
	[C_FAULT_ALLOC] = CMDI("FAULT_QUEUE_ALLOC", IOMMU_FAULT_QUEUE_ALLOC,
			       struct iommu_fault_alloc, out_fault_fd),
	[C_MAP_FILE] = CMDI("IOAS_MAP_FILE", IOMMU_IOAS_MAP_FILE,
			    struct iommu_ioas_map_file, iova),
	[C_VIOMMU_ALLOC] = CMDI("VIOMMU_ALLOC", IOMMU_VIOMMU_ALLOC,
				struct iommu_viommu_alloc, out_viommu_id),
	[C_VDEVICE_ALLOC] = CMDI("VDEVICE_ALLOC", IOMMU_VDEVICE_ALLOC,
				 struct iommu_vdevice_alloc, virt_id),
	[C_CHANGE_PROCESS] = CMDI("IOAS_CHANGE_PROCESS",
				  IOMMU_IOAS_CHANGE_PROCESS,
				  struct iommu_ioas_change_process,
				  __reserved),
	[C_VEVENTQ_ALLOC] = CMDI("VEVENTQ_ALLOC", IOMMU_VEVENTQ_ALLOC,
				 struct iommu_veventq_alloc, out_veventq_fd),
	[C_HW_QUEUE_ALLOC] = CMDI("HW_QUEUE_ALLOC", IOMMU_HW_QUEUE_ALLOC,
				  struct iommu_hw_queue_alloc, length),
	[C_TEST] = CMDI("TEST_CMD", IOMMU_TEST_CMD, struct iommu_test_cmd,
			last),
};

static int cmd_of_req(unsigned long req)
{
	int c;

	for (c = 0; c < C_MAX; c++)
		if (cmds[c].req == req)
			return c;
	return -1;
}

static const char *test_op_name(uint32_t op)
{
	static const char * const names[] = {
		[IOMMU_TEST_OP_ADD_RESERVED] = "ADD_RESERVED",
		[IOMMU_TEST_OP_MOCK_DOMAIN] = "MOCK_DOMAIN",
		[IOMMU_TEST_OP_MD_CHECK_MAP] = "MD_CHECK_MAP",
		[IOMMU_TEST_OP_MD_CHECK_REFS] = "MD_CHECK_REFS",
		[IOMMU_TEST_OP_CREATE_ACCESS] = "CREATE_ACCESS",
		[IOMMU_TEST_OP_DESTROY_ACCESS_PAGES] = "DESTROY_ACCESS_PAGES",
		[IOMMU_TEST_OP_ACCESS_PAGES] = "ACCESS_PAGES",
		[IOMMU_TEST_OP_ACCESS_RW] = "ACCESS_RW",
		[IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT] = "SET_TEMP_MEMORY_LIMIT",
		[IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE] = "MOCK_DOMAIN_REPLACE",
		[IOMMU_TEST_OP_ACCESS_REPLACE_IOAS] = "ACCESS_REPLACE_IOAS",
		[IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS] = "MOCK_DOMAIN_FLAGS",
		[IOMMU_TEST_OP_DIRTY] = "DIRTY",
		[IOMMU_TEST_OP_MD_CHECK_IOTLB] = "MD_CHECK_IOTLB",
		[IOMMU_TEST_OP_TRIGGER_IOPF] = "TRIGGER_IOPF",
		[IOMMU_TEST_OP_DEV_CHECK_CACHE] = "DEV_CHECK_CACHE",
		[IOMMU_TEST_OP_TRIGGER_VEVENT] = "TRIGGER_VEVENT",
		[IOMMU_TEST_OP_PASID_ATTACH] = "PASID_ATTACH",
		[IOMMU_TEST_OP_PASID_REPLACE] = "PASID_REPLACE",
		[IOMMU_TEST_OP_PASID_DETACH] = "PASID_DETACH",
		[IOMMU_TEST_OP_PASID_CHECK_HWPT] = "PASID_CHECK_HWPT",
	};

	if (op < ARRAY_SIZE(names) && names[op])
		return names[op];
	switch (op) {
	case IOMMU_TEST_OP_IOFD_PIN_BENCH:
		return "IOFD_PIN_BENCH";
	case IOMMU_TEST_OP_IOFD_FAIL_NTH:
		return "IOFD_FAIL_NTH";
	case IOMMU_TEST_OP_IOFD_VIOMMU_INFO:
		return "IOFD_VIOMMU_INFO";
	}
	return "TEST_OP_?";
}

/*
 * The documented errno set (include/uapi/linux/iommufd.h, per-command
 * errnos, the mock's test operations, the VFS around the ioctl). Anything
 * else means a code path returned something nobody specified.
 */
static const int allowed_errnos[] = {
	EINVAL, ENOENT, EOPNOTSUPP, E2BIG, EBUSY, EEXIST, EOVERFLOW, ENOMEM,
	EFAULT, EPERM, ENOSPC, EADDRINUSE, EMSGSIZE, ENOTTY, EBADF, EBADFD,
	EIO, EBADE, EDEADLK, EINTR,
};

static bool errno_allowed(int e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(allowed_errnos); i++)
		if (allowed_errnos[i] == e)
			return true;
	return false;
}

static const char *errname(int e)
{
	const char *n;

	if (!e)
		return "OK";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

/* --------------------------------------------------------------- buffers */

/*
 * User memory the operations point at. Fixed at start-up, so a replay
 * refers to the same buffers by index. Each is followed by a PROT_NONE
 * page, so "a bit past the end" is a deterministic EFAULT.
 */
enum {
	B_ANON,		/* private anonymous */
	B_SHARED,	/* shared anonymous (shmem) */
	B_THP,		/* 2 MiB aligned, MADV_HUGEPAGE: huge folios, huge IOPTEs */
	B_MEMFD,	/* the memfd of MAP_FILE, mapped shared */
	B_SEALED,	/* a write-sealed memfd, mapped read-only */
	B_RO,		/* private, read-only */
	B_GUARD,	/* PROT_NONE */
	B_SCRATCH0,	/* one per thread: driver data, arrays, output */
	NBUF = B_SCRATCH0 + MAX_THREADS,
};

struct buf {
	const char *name;
	uint8_t *p;
	size_t len;
	bool check_refs;	/* a non-compound page we may ask pins of */
};

static struct buf bufs[NBUF];
#define SCRATCH_LEN	(2 * pgsz)

/* File descriptors an fd field may name (FX_FD fixups) */
enum {
	FDK_IOMMUFD, FDK_MEMFD, FDK_MEMFD_RO, FDK_SEALED, FDK_DEVNULL, FDK_DIR,
	FDK_ACCESS, FDK_MAX,
};

static int kfds[FDK_MAX];

/* Reserve len + align + a guard page; map the aligned part */
static uint8_t *map_guarded(size_t len, size_t align, int prot, int flags,
			    int fd)
{
	size_t span = len + align + pgsz;
	uint8_t *area, *p;

	area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1));
	if (mmap(p, len, prot, flags | MAP_FIXED, fd, 0) == MAP_FAILED)
		return NULL;
	return p;
}

static int setup_buffers(unsigned int nthreads)
{
	unsigned int i;
	int fd;

	bufs[B_ANON] = (struct buf){ "anon", NULL, 16 * pgsz, true };
	bufs[B_ANON].p = map_guarded(bufs[B_ANON].len, pgsz,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1);

	bufs[B_SHARED] = (struct buf){ "shared", NULL, 16 * pgsz, true };
	bufs[B_SHARED].p = map_guarded(bufs[B_SHARED].len, pgsz,
				       PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1);

	/* Compound pages: MD_CHECK_REFS does not count their pins */
	bufs[B_THP] = (struct buf){ "thp", NULL, 4UL << 20, false };
	bufs[B_THP].p = map_guarded(bufs[B_THP].len, 2UL << 20,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (bufs[B_THP].p)
		madvise(bufs[B_THP].p, bufs[B_THP].len, MADV_HUGEPAGE);

	fd = memfd_create("iofd-fuzz", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 256 * pgsz))
		return -1;
	kfds[FDK_MEMFD] = fd;
	bufs[B_MEMFD] = (struct buf){ "memfd", NULL, 256 * pgsz, true };
	bufs[B_MEMFD].p = map_guarded(bufs[B_MEMFD].len, pgsz,
				      PROT_READ | PROT_WRITE, MAP_SHARED, fd);

	fd = memfd_create("iofd-fuzz-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, 16 * pgsz))
		return -1;
	kfds[FDK_SEALED] = fd;
	bufs[B_SEALED] = (struct buf){ "sealed", NULL, 16 * pgsz, true };

	bufs[B_RO] = (struct buf){ "ro", NULL, 4 * pgsz, true };
	bufs[B_RO].p = map_guarded(bufs[B_RO].len, pgsz,
				   PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1);

	bufs[B_GUARD] = (struct buf){ "guard", NULL, 4 * pgsz, false };
	bufs[B_GUARD].p = map_guarded(bufs[B_GUARD].len, pgsz, PROT_NONE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1);

	for (i = 0; i < nthreads; i++) {
		struct buf *b = &bufs[B_SCRATCH0 + i];

		*b = (struct buf){ "scratch", NULL, SCRATCH_LEN, true };
		b->p = map_guarded(b->len, pgsz, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (!b->p)
			return -1;
		memset(b->p, 0, b->len);
	}
	if (!bufs[B_ANON].p || !bufs[B_SHARED].p || !bufs[B_THP].p ||
	    !bufs[B_MEMFD].p || !bufs[B_RO].p || !bufs[B_GUARD].p)
		return -1;

	/*
	 * Fault every page in now: the pin checks read page counts, which a
	 * never-touched page (the shared zero page) would make meaningless.
	 */
	memset(bufs[B_ANON].p, 0xa5, bufs[B_ANON].len);
	memset(bufs[B_SHARED].p, 0x5a, bufs[B_SHARED].len);
	memset(bufs[B_THP].p, 0x3c, bufs[B_THP].len);
	memset(bufs[B_MEMFD].p, 0xc3, bufs[B_MEMFD].len);
	memset(bufs[B_RO].p, 0x77, bufs[B_RO].len);
	if (mprotect(bufs[B_RO].p, bufs[B_RO].len, PROT_READ))
		return -1;

	/* The sealed memfd: written first, then sealed and mapped read-only */
	{
		uint8_t *w = mmap(NULL, 16 * pgsz, PROT_READ | PROT_WRITE,
				  MAP_SHARED, kfds[FDK_SEALED], 0);

		if (w == MAP_FAILED)
			return -1;
		memset(w, 0x99, 16 * pgsz);
		munmap(w, 16 * pgsz);
		if (fcntl(kfds[FDK_SEALED], F_ADD_SEALS, F_SEAL_WRITE |
			  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
			return -1;
		bufs[B_SEALED].p = map_guarded(16 * pgsz, pgsz, PROT_READ,
					       MAP_SHARED, kfds[FDK_SEALED]);
		if (!bufs[B_SEALED].p)
			return -1;
		/* Read fault: map the pages so MD_CHECK_REFS finds them */
		for (i = 0; i < 16 * pgsz; i += pgsz)
			__atomic_load_n(&bufs[B_SEALED].p[i], __ATOMIC_RELAXED);
	}

	/* The same memfd opened read-only: MAP_FILE writable gets EPERM */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d",
			 kfds[FDK_MEMFD]);
		kfds[FDK_MEMFD_RO] = open(path, O_RDONLY | O_CLOEXEC);
	}
	kfds[FDK_DEVNULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	kfds[FDK_DIR] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return 0;
}

/* --------------------------------------------------------------- records */

/*
 * One operation, complete enough to run it again: the ioctl request, the
 * struct bytes, where the struct goes (argmode), which fields hold pointers
 * into the buffers or file descriptors (fixups, resolved when it runs, so a
 * replay in another process works), how the thread's scratch buffer is
 * filled, and what the result must be.
 */
enum rec_kind { R_IOCTL, R_CLOSE_ACCESS, R_REOPEN };

/* Where the ioctl argument points */
enum {
	AM_NORMAL,	/* the thread's argument page, at argoff */
	AM_NULL,
	AM_GUARD,	/* a PROT_NONE page */
	AM_CROSS,	/* only argoff bytes before a PROT_NONE page */
	AM_RO,		/* the argument page made read-only for the call */
	AM_KERNEL,	/* a kernel address */
	AM_MAX,
};

enum { FX_PTR, FX_FD };

struct fixup {
	uint8_t off;		/* byte offset in the struct */
	uint8_t kind;		/* FX_PTR: 8 bytes, FX_FD: 4 bytes */
	int16_t ref;		/* buffer index, or FDK_* */
	int32_t handle;		/* FDK_ACCESS: which access */
	uint64_t add;		/* FX_PTR: offset into the buffer */
};

/*
 * Where an expectation comes from. Follow-up checks and pin counts follow
 * from the state the earlier operations built, so a replay (which may have
 * fewer operations, when minimizing) recomputes them instead of trusting
 * the log.
 */
enum {
	ORIGIN_OP,		/* an operation; its expectation stands */
	ORIGIN_FOLLOWUP,	/* a check post() queued: redone by post() */
	ORIGIN_REFS,		/* a pin count: recomputed from the pool */
};

/* Expectations beyond the errno class */
enum {
	EXP_NONE,
	EXP_OK,		/* must succeed */
	EXP_OK_ENOENT,	/* succeed, or the object is gone */
	EXP_ERR,	/* must fail with exp_err */
};

struct oprec {
	uint64_t seq;
	uint16_t tid;
	uint8_t kind;
	uint8_t gen;		/* which generator (statistics, names) */
	uint8_t argmode;
	uint8_t fill;		/* scratch: 0 untouched, 1 zeroed, 2 random */
	uint8_t nfx;
	uint8_t exp;
	uint8_t exp_w;		/* 4 or 8: also compare out[exp_off] */
	uint8_t exp_enomem;	/* failure injection armed: ENOMEM is fine */
	uint8_t origin;
	uint16_t argoff;
	uint16_t len;		/* explicit struct bytes; the rest is zero */
	uint16_t woff, wlen;	/* bytes written into the scratch buffer */
	uint16_t exp_off;
	int32_t handle;		/* R_CLOSE_ACCESS: access; R_REOPEN: keep */
	int32_t exp_err;
	int32_t rc, err;
	uint32_t req;
	uint64_t fill_seed;
	uint64_t exp_val;
	struct fixup fx[MAX_FX];
	/* Aligned: the generators and checks read them as uAPI structs */
	_Alignas(8) uint8_t bytes[ARG_BYTES];
	_Alignas(8) uint8_t out[ARG_BYTES];
	uint8_t w[W_BYTES];
};

/* ------------------------------------------------------------ the pool */

enum otype {
	T_ANY, T_IOAS, T_HWPT, T_NESTED, T_VIOMMU, T_VDEV, T_STDEV, T_IDEV,
	T_MAX,
};

/* obj.flags */
#define OF_NEST_PARENT	(1u << 0)	/* hwpt */
#define OF_PASID	(1u << 1)	/* hwpt: PASID-capable */
#define OF_AUTO		(1u << 2)	/* hwpt made by attaching to an IOAS */
#define OF_PTABLE	(1u << 3)	/* nested: owns the PASID table */
#define OF_DEV_PASID	(1u << 4)	/* stdev, idev */
/* ioas: mappings, nested/idev: arr, may differ from ours */
#define OF_UNCERTAIN	(1u << 5)

/*
 * What link/link2/val mean per type:
 *   hwpt:   link = its IOAS
 *   nested: link = parent HWPT or vIOMMU, val = IOTLB value
 *   viommu: link = nest parent, link2 = device (idev)
 *   vdev:   link = vIOMMU, link2 = device (idev), val = virt_id
 *   stdev:  link = its idev, link2 = HWPT its RID is attached to
 *   idev:   link = its stdev
 * arr: a nested HWPT's mock IOTLB, an idev's mock device cache, as they
 * must be (OF_UNCERTAIN: unknown).
 */
struct obj {
	uint32_t id;
	uint8_t type;
	uint32_t flags;
	uint32_t link, link2;
	uint64_t val;
	uint32_t arr[4];
};

/* A mapping; group: the MAP that pinned its pages (COPY shares it) */
struct mapping {
	uint32_t ioas;
	uint64_t iova, len;
	int16_t buf;		/* -1: backing not in our buffers */
	uint64_t off;
	uint32_t group;
};

/* The pages a pin group holds: whole pages around buf[off, off + len) */
struct group {
	uint32_t id;
	int16_t buf;
	uint64_t off, len;
};

struct access {
	int fd;
	bool open;
	bool foreign;		/* its context's file was closed */
	bool needs_pin;
	uint32_t ioas;
	uint32_t pages[MAX_ACC_PAGES];
	unsigned int npages;
};

/*
 * Shared by all threads, under pool_lock. Reset when the file is reopened
 * (accesses survive a "keep" reopen: their old context lives on).
 */
static struct {
	struct obj objs[MAX_OBJS];
	unsigned int nobjs;
	struct mapping maps[MAX_MAPS];
	unsigned int nmaps;
	struct group groups[MAX_MAPS];
	unsigned int ngroups;
	uint32_t next_group;
	uint32_t stale[MAX_STALE];
	unsigned int nstale, stale_pos;
	struct access accs[MAX_ACC];
	unsigned int nacc;	/* handles since the last full reopen */
	bool refs_unknown;	/* an old context still holds pins */
} P;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
/* Readers: every ioctl. Writer: closing and reopening the shared file */
static pthread_rwlock_t ctx_lock;
static int g_fd = -1;

/* Log since the last full reopen, for --replay */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct oprec g_log[LOG_MAX];
static unsigned int g_nlog;
static bool g_log_truncated;
static uint64_t g_seq;

static struct obj *pool_find(uint32_t id)
{
	unsigned int i;

	if (!id)
		return NULL;
	for (i = 0; i < P.nobjs; i++)
		if (P.objs[i].id == id)
			return &P.objs[i];
	return NULL;
}

/* A new object; an ID the kernel hands out again replaces the old entry */
static void pool_del(uint32_t id);

/*
 * A new object. The kernel hands out the ID of a dead object again: the
 * old entry (which we missed dying) goes, with what depended on it.
 */
static struct obj *pool_add(uint32_t id, uint8_t type, uint32_t flags,
			    uint32_t link, uint32_t link2, uint64_t val)
{
	struct obj *o;

	if (!id)
		return NULL;
	pool_del(id);
	if (P.nobjs == MAX_OBJS)
		return NULL;
	o = &P.objs[P.nobjs++];
	*o = (struct obj){ id, type, flags, link, link2, val,
			   { val, val, val, val } };
	return o;
}

static void stale_add(uint32_t id)
{
	P.stale[P.stale_pos] = id;
	P.stale_pos = (P.stale_pos + 1) % MAX_STALE;
	if (P.nstale < MAX_STALE)
		P.nstale++;
}

static void group_gc(void)
{
	unsigned int g, m;

	for (g = 0; g < P.ngroups;) {
		for (m = 0; m < P.nmaps; m++)
			if (P.maps[m].group == P.groups[g].id)
				break;
		if (m == P.nmaps)
			P.groups[g] = P.groups[--P.ngroups];
		else
			g++;
	}
}

static void maps_del_ioas(uint32_t ioas)
{
	unsigned int m;

	for (m = 0; m < P.nmaps;) {
		if (P.maps[m].ioas == ioas)
			P.maps[m] = P.maps[--P.nmaps];
		else
			m++;
	}
	group_gc();
}

/*
 * An auto domain goes away with its last device. Drop it from the pool
 * when no device we know of is on it any more (by RID or by PASID, which
 * we do not track: a PASID-attached auto domain may linger in the pool,
 * which only costs a stale ID).
 */
static void auto_gc(uint32_t hwpt)
{
	struct obj *h = pool_find(hwpt);
	unsigned int i;

	if (!h || h->type != T_HWPT || !(h->flags & OF_AUTO))
		return;
	for (i = 0; i < P.nobjs; i++)
		if (P.objs[i].type == T_STDEV && P.objs[i].link2 == hwpt)
			return;
	pool_del(hwpt);
}

static void pool_del(uint32_t id)
{
	struct obj *o = pool_find(id);
	struct obj dead;
	unsigned int i;

	if (!o)
		return;
	dead = *o;
	*o = P.objs[--P.nobjs];
	stale_add(id);
	switch (dead.type) {
	case T_IOAS:
		maps_del_ioas(id);
		break;
	case T_STDEV:
		/* Unbinding destroys the device and its vDEVICE */
		for (i = 0; i < P.nobjs;) {
			struct obj *v = &P.objs[i];

			if ((v->type == T_VDEV && v->link2 == dead.link) ||
			    (v->type == T_IDEV && v->id == dead.link)) {
				stale_add(v->id);
				*v = P.objs[--P.nobjs];
			} else {
				i++;
			}
		}
		auto_gc(dead.link2);
		break;
	}
}

static void pool_reset(bool keep_accesses)
{
	unsigned int i;

	P.nobjs = 0;
	P.nmaps = 0;
	P.ngroups = 0;
	if (keep_accesses) {
		for (i = 0; i < P.nacc; i++)
			P.accs[i].foreign = true;
		P.refs_unknown = true;
	} else {
		P.nacc = 0;
		P.refs_unknown = false;
	}
}

/* --------------------------------------------------------------- threads */

#define NERR	134	/* errno values counted; 0 is success */

struct thr {
	unsigned int idx;
	uint64_t seed;
	uint64_t rng;
	uint8_t *arg;		/* argument page, followed by PROT_NONE */
	uint8_t *scratch;
	uint64_t nops;
	uint64_t limit_ops;
	uint64_t deadline_ns;
	bool oracles;		/* alone on the file: the pool is exact */
	bool fail_armed;	/* IOFD_FAIL_NTH armed for this task */
	uint64_t disarm_at;
	uint64_t busy_since;	/* ns, 0 when not in an ioctl (watchdog) */
	struct oprec *cur;
	struct oprec ring[RING_OPS];
	unsigned int ring_n;
	bool failed;
	char why[512];
	pthread_t pt;
	uint64_t hist[C_MAX + 1][NERR];	/* [C_MAX]: test ops together */
	uint64_t errs[NERR];
};

static struct thr threads[MAX_THREADS];
static unsigned int nthreads;
static int g_stop;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *replay_out = "/tmp/iofd-fuzz.replay";
static unsigned int keep_going, g_nfail;
/* --avoid-top-iova: no range ending at U64_MAX (to get past a known bug) */
static bool avoid_top;
static bool replay_verbose;
/* --minimize: a replaying child tells its parent every failure here */
static int min_pipe = -1;
static bool replaying;
static unsigned int watchdog_s = DEFAULT_WATCHDOG_S;

static uint64_t rnd(struct thr *t)
{
	return splitmix64(&t->rng);
}

static uint64_t below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool pct(struct thr *t, unsigned int p)
{
	return below(t, 100) < p;
}

static bool stopping(void)
{
	return __atomic_load_n(&g_stop, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------- text format */

static void hex_out(FILE *f, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/*
 * One line per operation:
 *   I s=SEQ t=TID q=REQ a=ARGMODE o=ARGOFF b=HEX [x=OFF,KIND,REF,HANDLE,ADD]...
 *     [f=FILL,SEED] [w=OFF,HEX] [e=EXP,ERR,ENOMEM_OK,OFF,WIDTH,VAL]
 *   C s=SEQ t=TID h=HANDLE         close access file HANDLE
 *   R s=SEQ t=TID k=KEEP           close and reopen /dev/iommu
 * Numbers are decimal except q, x's ADD, f's SEED and e's VAL (hex).
 */
static void rec_write(FILE *f, const struct oprec *r)
{
	unsigned int i;

	if (r->kind == R_CLOSE_ACCESS) {
		fprintf(f, "C s=%" PRIu64 " t=%u h=%d\n", r->seq, r->tid,
			r->handle);
		return;
	}
	if (r->kind == R_REOPEN) {
		fprintf(f, "R s=%" PRIu64 " t=%u k=%d\n", r->seq, r->tid,
			r->handle);
		return;
	}
	fprintf(f, "I s=%" PRIu64 " t=%u q=%x a=%u o=%u b=", r->seq, r->tid,
		r->req, r->argmode, r->argoff);
	hex_out(f, r->bytes, r->len);
	for (i = 0; i < r->nfx; i++)
		fprintf(f, " x=%u,%u,%d,%d,%" PRIx64, r->fx[i].off,
			r->fx[i].kind, r->fx[i].ref, r->fx[i].handle,
			r->fx[i].add);
	if (r->fill)
		fprintf(f, " f=%u,%" PRIx64, r->fill, r->fill_seed);
	if (r->wlen) {
		fprintf(f, " w=%u,", r->woff);
		hex_out(f, r->w, r->wlen);
	}
	if (r->exp || r->exp_w || r->origin)
		fprintf(f, " e=%u,%d,%u,%u,%u,%" PRIx64 ",%u", r->exp,
			r->exp_err, r->exp_enomem, r->exp_off, r->exp_w,
			r->exp_val, r->origin);
	/* For a reader; a replay ignores it */
	fprintf(f, " r=%s\n", r->rc ? errname(r->err) : "OK");
}

static int hex_in(const char *s, uint8_t *b, size_t max, size_t *n)
{
	size_t i = 0;
	unsigned int v;

	while (s[0] && s[0] != ' ' && s[0] != '\n' && s[1]) {
		if (i == max || sscanf(s, "%2x", &v) != 1)
			return -1;
		b[i++] = v;
		s += 2;
	}
	*n = i;
	return 0;
}

static int rec_parse(const char *line, struct oprec *r)
{
	char buf[8192];
	char *tok, *save = NULL;
	size_t n;

	memset(r, 0, sizeof(*r));
	n = strlen(line);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, line, n + 1);
	tok = strtok_r(buf, "\n ", &save);
	if (!tok)
		return -1;
	if (!strcmp(tok, "C"))
		r->kind = R_CLOSE_ACCESS;
	else if (!strcmp(tok, "R"))
		r->kind = R_REOPEN;
	else if (!strcmp(tok, "I"))
		r->kind = R_IOCTL;
	else
		return -1;
	while ((tok = strtok_r(NULL, "\n ", &save))) {
		unsigned int a, b, c, d;
		int i1, i2;
		uint64_t v;

		if (!strncmp(tok, "s=", 2)) {
			r->seq = strtoull(tok + 2, NULL, 10);
		} else if (!strncmp(tok, "t=", 2)) {
			r->tid = strtoul(tok + 2, NULL, 10);
		} else if (!strncmp(tok, "h=", 2) || !strncmp(tok, "k=", 2)) {
			r->handle = strtol(tok + 2, NULL, 10);
		} else if (!strncmp(tok, "q=", 2)) {
			r->req = strtoul(tok + 2, NULL, 16);
		} else if (!strncmp(tok, "a=", 2)) {
			r->argmode = strtoul(tok + 2, NULL, 10);
		} else if (!strncmp(tok, "o=", 2)) {
			r->argoff = strtoul(tok + 2, NULL, 10);
		} else if (!strncmp(tok, "b=", 2)) {
			if (hex_in(tok + 2, r->bytes, ARG_BYTES, &n))
				return -1;
			r->len = n;
		} else if (!strncmp(tok, "x=", 2)) {
			if (r->nfx == MAX_FX ||
			    sscanf(tok + 2, "%u,%u,%d,%d,%" SCNx64, &a, &b,
				   &i1, &i2, &v) != 5)
				return -1;
			r->fx[r->nfx++] = (struct fixup){ a, b, i1, i2, v };
		} else if (!strncmp(tok, "f=", 2)) {
			if (sscanf(tok + 2, "%u,%" SCNx64, &a, &v) != 2)
				return -1;
			r->fill = a;
			r->fill_seed = v;
		} else if (!strncmp(tok, "w=", 2)) {
			char *comma = strchr(tok, ',');

			if (!comma)
				return -1;
			r->woff = strtoul(tok + 2, NULL, 10);
			if (hex_in(comma + 1, r->w, W_BYTES, &n))
				return -1;
			r->wlen = n;
		} else if (!strncmp(tok, "e=", 2)) {
			unsigned int o = 0;

			if (sscanf(tok + 2, "%u,%d,%u,%u,%u,%" SCNx64 ",%u", &a,
				   &i1, &b, &c, &d, &v, &o) < 6)
				return -1;
			r->origin = o;
			r->exp = a;
			r->exp_err = i1;
			r->exp_enomem = b;
			r->exp_off = c;
			r->exp_w = d;
			r->exp_val = v;
		} else if (strncmp(tok, "r=", 2)) {
			return -1;
		}
	}
	return 0;
}

/* -------------------------------------------------------------- reports */

static const char *rec_name(const struct oprec *r, char *buf, size_t n)
{
	int c;

	if (r->kind == R_CLOSE_ACCESS) {
		snprintf(buf, n, "close(access %d)", r->handle);
		return buf;
	}
	if (r->kind == R_REOPEN) {
		snprintf(buf, n, "reopen(%s)", r->handle ? "keep accesses" :
			 "close all, check pins");
		return buf;
	}
	c = cmd_of_req(r->req);
	if (c == C_TEST && r->len >= 8) {
		uint32_t op;

		memcpy(&op, r->bytes + 4, 4);
		snprintf(buf, n, "TEST_CMD/%s", test_op_name(op));
	} else if (c >= 0) {
		snprintf(buf, n, "%s", cmds[c].name);
	} else {
		snprintf(buf, n, "ioctl(0x%x)", r->req);
	}
	return buf;
}

/* The outputs a reader of a log needs to follow the IDs */
static void rec_outputs(FILE *f, const struct oprec *r)
{
	const struct iommu_test_cmd *tc = (const void *)r->out;
	const void *o = r->out;

	switch (cmd_of_req(r->req)) {
	case C_IOAS_ALLOC:
		fprintf(f, " ioas %u",
			((const struct iommu_ioas_alloc *)o)->out_ioas_id);
		break;
	case C_HWPT_ALLOC:
		fprintf(f, " hwpt %u",
			((const struct iommu_hwpt_alloc *)o)->out_hwpt_id);
		break;
	case C_VIOMMU_ALLOC:
		fprintf(f, " viommu %u",
			((const struct iommu_viommu_alloc *)o)->out_viommu_id);
		break;
	case C_VDEVICE_ALLOC:
		fprintf(f, " vdevice %u",
			((const struct iommu_vdevice_alloc *)o)->out_vdevice_id);
		break;
	case C_IOAS_MAP:
		fprintf(f, " iova %#llx", (unsigned long long)
			((const struct iommu_ioas_map *)o)->iova);
		break;
	case C_MAP_FILE:
		fprintf(f, " iova %#llx", (unsigned long long)
			((const struct iommu_ioas_map_file *)o)->iova);
		break;
	case C_IOAS_COPY:
		fprintf(f, " iova %#llx", (unsigned long long)
			((const struct iommu_ioas_copy *)o)->dst_iova);
		break;
	case C_IOAS_UNMAP:
		fprintf(f, " length %#llx", (unsigned long long)
			((const struct iommu_ioas_unmap *)o)->length);
		break;
	case C_TEST:
		switch (tc->op) {
		case IOMMU_TEST_OP_MOCK_DOMAIN:
		case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
			fprintf(f, " stdev %u hwpt %u idev %u",
				tc->mock_domain.out_stdev_id,
				tc->mock_domain.out_hwpt_id,
				tc->mock_domain.out_idev_id);
			break;
		case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		case IOMMU_TEST_OP_PASID_ATTACH:
		case IOMMU_TEST_OP_PASID_REPLACE:
			fprintf(f, " hwpt %u", tc->op ==
				IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE ?
				tc->mock_domain_replace.pt_id :
				tc->pasid_attach.pt_id);
			break;
		case IOMMU_TEST_OP_CREATE_ACCESS:
			fprintf(f, " fd %u", tc->create_access.out_access_fd);
			break;
		case IOMMU_TEST_OP_ACCESS_PAGES:
			fprintf(f, " pages %u",
				tc->access_pages.out_access_pages_id);
			break;
		}
		break;
	}
}

static void rec_summary(FILE *f, const char *pfx, const struct oprec *r)
{
	static const char * const am[AM_MAX] = {
		"", " arg=NULL", " arg=unmapped", " arg=crossing",
		" arg=read-only", " arg=kernel",
	};
	char name[64];
	uint32_t size = 0;

	memcpy(&size, r->bytes, MIN(4, r->len));
	fprintf(f, "%s#%" PRIu64 " t%u %s", pfx, r->seq, r->tid,
		rec_name(r, name, sizeof(name)));
	if (r->kind == R_IOCTL)
		fprintf(f, " size=%u%s", size,
			r->argmode < AM_MAX ? am[r->argmode] : " arg=?");
	fprintf(f, " -> %s", r->rc ? errname(r->err) : "OK");
	if (!r->rc && r->kind == R_IOCTL)
		rec_outputs(f, r);
	fputc('\n', f);
}

static int cmp_seq(const void *a, const void *b)
{
	const struct oprec *x = *(const struct oprec * const *)a;
	const struct oprec *y = *(const struct oprec * const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The log since the last full reopen, in issue order */
static void dump_log(FILE *f, const char *pfx)
{
	static const struct oprec *order[LOG_MAX];
	unsigned int i, n;

	pthread_mutex_lock(&log_lock);
	n = g_nlog;
	for (i = 0; i < n; i++)
		order[i] = &g_log[i];
	qsort(order, n, sizeof(order[0]), cmp_seq);
	for (i = 0; i < n; i++) {
		fputs(pfx, f);
		rec_write(f, order[i]);
	}
	pthread_mutex_unlock(&log_lock);
}

static void dump_rings(FILE *f)
{
	unsigned int i, k, n;

	for (i = 0; i < nthreads; i++) {
		struct thr *t = &threads[i];

		n = MIN(t->ring_n, RING_OPS);
		fprintf(f, "# last %u ops of thread %u (seed %" PRIu64 "):\n",
			n, i, t->seed);
		for (k = t->ring_n - n; k < t->ring_n; k++)
			rec_summary(f, "#   ", &t->ring[k % RING_OPS]);
	}
}

/*
 * A check failed: stop every thread, print what a reader needs (seed, the
 * last operations, the replayable log) on stdout, which is all the guest
 * run keeps, and write the log to replay_out too.
 */
static void report_failure(struct thr *t, const char *fmt, ...)
{
	char why[sizeof(t->why)];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(t->why, sizeof(t->why), "%s", why);
	t->failed = true;

	pthread_mutex_lock(&report_lock);
	if (stopping()) {
		pthread_mutex_unlock(&report_lock);
		return;
	}
	g_nfail++;
	/* --keep-going N: report N failures, starting over after each */
	if (g_nfail >= keep_going)
		__atomic_store_n(&g_stop, 1, __ATOMIC_SEQ_CST);
	printf("# FAIL %u: thread %u seed %" PRIu64 " after %" PRIu64
	       " ops: %s\n", g_nfail, t->idx, t->seed, t->nops, why);
	if (min_pipe >= 0) {
		char line[sizeof(why) + 1];
		int n = snprintf(line, sizeof(line), "%s\n", why);

		if (write(min_pipe, line, n) != n)
			min_pipe = -1;
	}
	if (t->cur)
		rec_summary(stdout, "# failing op: ", t->cur);
	if (!replaying) {
		dump_rings(stdout);
		printf("# replay log (%u ops since the file was last opened%s), lines prefixed '# R| ', also in %s:\n",
		       g_nlog,
		       g_log_truncated ? ", TRUNCATED" : "", replay_out);
		dump_log(stdout, "# R| ");
		f = fopen(replay_out, g_nfail > 1 ? "a" : "w");
		if (f) {
			fprintf(f, "# iofd-fuzz replay: thread %u seed %" PRIu64
				" threads %u: %s\n", t->idx, t->seed, nthreads,
				why);
			dump_log(f, "");
			fclose(f);
		}
	}
	fflush(stdout);
	pthread_mutex_unlock(&report_lock);
}

/* ------------------------------------------------------------- execution */

static int fixup_fd(const struct fixup *x)
{
	switch (x->ref) {
	case FDK_IOMMUFD:
		return g_fd;
	case FDK_ACCESS:
		if (x->handle >= 0 && (unsigned int)x->handle < P.nacc)
			return P.accs[x->handle].fd;
		return -1;
	default:
		if (x->ref >= 0 && x->ref < FDK_MAX)
			return kfds[x->ref];
		return x->handle;	/* a raw number */
	}
}

static bool own_scratch(const struct thr *t, const struct fixup *x)
{
	return x->kind == FX_PTR && x->ref == (int)(B_SCRATCH0 + t->idx);
}

/*
 * The fixup of the field at @off, if the kernel saw all of it (a short
 * size cuts pointers: the kernel then reads another address).
 */
static const struct fixup *rec_fx(const struct oprec *r, size_t off)
{
	uint32_t size = 0;
	unsigned int i;

	memcpy(&size, r->bytes, MIN(4, r->len));
	for (i = 0; i < r->nfx; i++)
		if (r->fx[i].off == off &&
		    off + (r->fx[i].kind == FX_PTR ? 8 : 4) <= size)
			return &r->fx[i];
	return NULL;
}

static bool is_our_fd(int fd)
{
	unsigned int i;

	if (fd <= 2 || fd == g_fd)
		return true;
	for (i = 0; i < FDK_MAX; i++)
		if (kfds[i] == fd)
			return true;
	for (i = 0; i < P.nacc; i++)
		if (P.accs[i].open && P.accs[i].fd == fd)
			return true;
	return false;
}

/*
 * What every run of an operation must do after it, fuzzing or replaying:
 * keep track of the access files the kernel handed out (so later
 * operations and the final pin check find them), close other new files.
 */
static void after_ioctl(struct thr *t, const struct oprec *r)
{
	int c = cmd_of_req(r->req);
	uint32_t size;
	int fd = -1;

	if (r->rc || (r->argmode != AM_NORMAL && r->argmode != AM_CROSS))
		return;
	memcpy(&size, r->bytes, 4);
	if (c == C_TEST) {
		struct iommu_test_cmd in, out;

		memcpy(&in, r->bytes, sizeof(in));
		memcpy(&out, r->out, sizeof(out));
		/* The injection budget is per task: ENOMEM may come anywhere */
		if (in.op == IOMMU_TEST_OP_IOFD_FAIL_NTH)
			t->fail_armed = in.iofd_fail_nth.nth != 0;
		if (in.op != IOMMU_TEST_OP_CREATE_ACCESS)
			return;
		pthread_mutex_lock(&pool_lock);
		if (P.nacc < MAX_ACC) {
			struct access *a = &P.accs[P.nacc++];

			*a = (struct access){
				.fd = out.create_access.out_access_fd,
				.open = true,
				.ioas = in.id,
				.needs_pin = in.create_access.flags &
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			};
		} else {
			close(out.create_access.out_access_fd);
		}
		pthread_mutex_unlock(&pool_lock);
		return;
	}
	/* Not implemented yet; if they ever succeed, do not leak the fd */
	if (c == C_FAULT_ALLOC &&
	    size >= offsetofend(struct iommu_fault_alloc, out_fault_fd))
		fd = ((struct iommu_fault_alloc *)r->out)->out_fault_fd;
	if (c == C_VEVENTQ_ALLOC &&
	    size >= offsetofend(struct iommu_veventq_alloc, out_veventq_fd))
		fd = ((struct iommu_veventq_alloc *)r->out)->out_veventq_fd;
	if (fd >= 0) {
		pthread_mutex_lock(&pool_lock);
		if (!is_our_fd(fd))
			close(fd);
		pthread_mutex_unlock(&pool_lock);
	}
}

static void exec_ioctl(struct thr *t, struct oprec *r)
{
	uint8_t b[ARG_BYTES] = { 0 };
	uint8_t *argp = NULL;
	unsigned int i;
	size_t n;

	memcpy(b, r->bytes, r->len);
	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < r->nfx; i++) {
		const struct fixup *x = &r->fx[i];

		if (x->kind == FX_PTR && x->off + 8 <= ARG_BYTES) {
			uint64_t v = x->add;

			if (x->ref >= 0 && x->ref < NBUF && bufs[x->ref].p)
				v += (uintptr_t)bufs[x->ref].p;
			memcpy(b + x->off, &v, 8);
		} else if (x->kind == FX_FD && x->off + 4 <= ARG_BYTES) {
			int32_t v = fixup_fd(x);

			memcpy(b + x->off, &v, 4);
		}
	}
	pthread_mutex_unlock(&pool_lock);

	if (r->fill == 1) {
		memset(t->scratch, 0, SCRATCH_LEN);
	} else if (r->fill == 2) {
		uint64_t s = r->fill_seed, v;

		for (n = 0; n < SCRATCH_LEN; n += 8) {
			v = splitmix64(&s);
			memcpy(t->scratch + n, &v, 8);
		}
	}
	if (r->wlen && r->woff + r->wlen <= SCRATCH_LEN)
		memcpy(t->scratch + r->woff, r->w, r->wlen);

	memset(t->arg, 0, pgsz);
	n = sizeof(b);
	switch (r->argmode) {
	case AM_NORMAL:
	case AM_RO:
		argp = t->arg + MIN(r->argoff, pgsz - 8);
		n = MIN(n, (size_t)(t->arg + pgsz - argp));
		memcpy(argp, b, n);
		if (r->argmode == AM_RO)
			mprotect(t->arg, pgsz, PROT_READ);
		break;
	case AM_CROSS:
		argp = t->arg + pgsz - MIN(r->argoff, pgsz);
		n = MIN(n, r->argoff);
		memcpy(argp, b, n);
		break;
	case AM_GUARD:
		argp = t->arg + pgsz;
		break;
	case AM_KERNEL:
		argp = (uint8_t *)(uintptr_t)KERNEL_PTR;
		break;
	default:
		argp = NULL;
		break;
	}

	__atomic_store_n(&t->busy_since, now_ns(), __ATOMIC_RELAXED);
	r->rc = ioctl(g_fd, r->req, argp);
	r->err = r->rc ? errno : 0;
	__atomic_store_n(&t->busy_since, 0, __ATOMIC_RELAXED);

	if (r->argmode == AM_RO)
		mprotect(t->arg, pgsz, PROT_READ | PROT_WRITE);
	memset(r->out, 0, sizeof(r->out));
	if (r->argmode == AM_NORMAL || r->argmode == AM_RO ||
	    r->argmode == AM_CROSS)
		memcpy(r->out, argp, n);
	after_ioctl(t, r);
}

static void close_access(struct oprec *r)
{
	pthread_mutex_lock(&pool_lock);
	r->rc = -1;
	r->err = ENOENT;
	if (r->handle >= 0 && (unsigned int)r->handle < P.nacc &&
	    P.accs[r->handle].open) {
		P.accs[r->handle].open = false;
		r->rc = close(P.accs[r->handle].fd);
		r->err = r->rc ? errno : 0;
	}
	pthread_mutex_unlock(&pool_lock);
}

/* ---------------------------------------------------------------- checks */

static bool nonzero(const uint8_t *b, size_t from, size_t to)
{
	for (; from < to; from++)
		if (b[from])
			return true;
	return false;
}

/*
 * Outputs each command promises, checked from the operation alone (so
 * also with several threads and in a replay). NULL when all is well.
 */
static const char *check_outputs(struct thr *t, const struct oprec *r,
				 int c, char *why, size_t n)
{
	const uint8_t *sc = t->scratch;
	const struct fixup *x;
	uint64_t u;

	switch (c) {
	case C_IOAS_ALLOC:
		if (!((struct iommu_ioas_alloc *)r->out)->out_ioas_id)
			return "IOAS_ALLOC returned ID 0";
		break;
	case C_HWPT_ALLOC:
		if (!((struct iommu_hwpt_alloc *)r->out)->out_hwpt_id)
			return "HWPT_ALLOC returned ID 0";
		break;
	case C_VDEVICE_ALLOC:
		if (!((struct iommu_vdevice_alloc *)r->out)->out_vdevice_id)
			return "VDEVICE_ALLOC returned ID 0";
		break;
	case C_VIOMMU_ALLOC: {
		const struct iommu_viommu_alloc *in = (const void *)r->bytes;

		if (!((struct iommu_viommu_alloc *)r->out)->out_viommu_id)
			return "VIOMMU_ALLOC returned ID 0";
		x = rec_fx(r, offsetof(struct iommu_viommu_alloc, data_uptr));
		/* The mock echoes in_data as out_data */
		if (in->type == IOMMU_VIOMMU_TYPE_SELFTEST &&
		    in->data_len >= 8 && x && own_scratch(t, x) &&
		    x->add + 8 <= SCRATCH_LEN &&
		    memcmp(sc + x->add, sc + x->add + 4, 4))
			return "mock VIOMMU_ALLOC: out_data != in_data";
		break;
	}
	case C_IOVA_RANGES: {
		const struct iommu_ioas_iova_ranges *in = (const void *)r->bytes;
		const struct iommu_ioas_iova_ranges *out = (const void *)r->out;
		struct iommu_iova_range rg, prev = { 0 };
		uint32_t i;

		u = out->out_iova_alignment;
		if (!u || u > pgsz || (u & (u - 1))) {
			snprintf(why, n, "IOVA_RANGES alignment %" PRIu64, u);
			return why;
		}
		x = rec_fx(r, offsetof(struct iommu_ioas_iova_ranges,
				       allowed_iovas));
		if (!x || !own_scratch(t, x) || out->num_iovas > in->num_iovas ||
		    x->add + (uint64_t)out->num_iovas * sizeof(rg) > SCRATCH_LEN)
			break;
		for (i = 0; i < out->num_iovas; i++) {
			memcpy(&rg, sc + x->add + i * sizeof(rg), sizeof(rg));
			if (rg.start > rg.last || (i && rg.start <= prev.last)) {
				snprintf(why, n, "IOVA_RANGES range %u [%#llx, %#llx] after [%#llx, %#llx]",
					 i, (unsigned long long)rg.start,
					 (unsigned long long)rg.last,
					 (unsigned long long)prev.start,
					 (unsigned long long)prev.last);
				return why;
			}
			prev = rg;
		}
		break;
	}
	case C_IOAS_UNMAP:
		if (((struct iommu_ioas_unmap *)r->out)->length >
		    ((struct iommu_ioas_unmap *)r->bytes)->length)
			return "IOAS_UNMAP unmapped more than asked";
		break;
	case C_HW_INFO: {
		const struct iommu_hw_info *in = (const void *)r->bytes;
		const struct iommu_hw_info *out = (const void *)r->out;
		struct iommu_test_hw_info hw;

		if (out->out_data_type != IOMMU_HW_INFO_TYPE_SELFTEST)
			break;
		if (out->data_len != sizeof(hw)) {
			snprintf(why, n, "mock GET_HW_INFO data_len %u",
				 out->data_len);
			return why;
		}
		x = rec_fx(r, offsetof(struct iommu_hw_info, data_uptr));
		if (in->data_len < sizeof(hw) || !x || !own_scratch(t, x) ||
		    x->add + sizeof(hw) > SCRATCH_LEN)
			break;
		memcpy(&hw, sc + x->add, sizeof(hw));
		if (hw.flags || hw.test_reg != IOMMU_HW_INFO_SELFTEST_REGVAL)
			return "mock GET_HW_INFO data wrong";
		break;
	}
	case C_TEST: {
		const struct iommu_test_cmd *in = (const void *)r->bytes;
		const struct iommu_test_cmd *out = (const void *)r->out;

		if ((in->op == IOMMU_TEST_OP_MOCK_DOMAIN ||
		     in->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS) &&
		    (!out->mock_domain.out_stdev_id ||
		     !out->mock_domain.out_hwpt_id ||
		     !out->mock_domain.out_idev_id ||
		     out->mock_domain.out_stdev_id ==
			     out->mock_domain.out_idev_id))
			return "MOCK_DOMAIN returned a zero or duplicate ID";
		break;
	}
	}
	return NULL;
}

/* NULL, or why the result of @r is wrong */
static const char *check_rec(struct thr *t, const struct oprec *r,
			     char *why, size_t n)
{
	int c = cmd_of_req(r->req);
	uint32_t size = 0;
	bool ok = !r->rc;

	if (r->kind != R_IOCTL)
		return NULL;
	if (r->rc != 0 && r->rc != -1) {
		snprintf(why, n, "ioctl returned %d", r->rc);
		return why;
	}
	if (r->rc && !errno_allowed(r->err)) {
		snprintf(why, n, "errno %s (%d) is outside the documented set",
			 errname(r->err), r->err);
		return why;
	}
	memcpy(&size, r->bytes, MIN(4, r->len));

	/* The dispatcher's size rules (Documentation/uapi.md) */
	if (c >= 0 && r->argmode == AM_NORMAL) {
		if (size < cmds[c].min && (ok || r->err != EINVAL)) {
			snprintf(why, n, "size %u < %u: got %s, want EINVAL",
				 size, cmds[c].min, errname(r->err));
			return why;
		}
		if (size > cmds[c].ksize && size <= pgsz - r->argoff &&
		    nonzero(r->bytes, cmds[c].ksize, MIN(size, r->len)) &&
		    (ok || r->err != E2BIG)) {
			snprintf(why, n, "size %u, junk past %u: got %s, want E2BIG",
				 size, cmds[c].ksize, errname(r->err));
			return why;
		}
	}

	switch (r->exp) {
	case EXP_OK:
	case EXP_OK_ENOENT:
		if (ok || (r->exp_enomem && r->err == ENOMEM) ||
		    (r->exp == EXP_OK_ENOENT && r->err == ENOENT))
			break;
		snprintf(why, n, "invariant: must succeed%s, got %s",
			 r->exp == EXP_OK_ENOENT ? " (or ENOENT)" : "",
			 errname(r->err));
		return why;
	case EXP_ERR:
		if (!ok && r->err == r->exp_err)
			break;
		snprintf(why, n, "must fail with %s, got %s",
			 errname(r->exp_err), errname(r->err));
		return why;
	}
	if (ok && r->exp_w && r->exp_off + r->exp_w <= ARG_BYTES) {
		uint64_t v = 0;

		memcpy(&v, r->out + r->exp_off, r->exp_w);
		if (v != r->exp_val) {
			snprintf(why, n, "invariant: output at offset %u is %#" PRIx64
				 ", want %#" PRIx64, r->exp_off, v, r->exp_val);
			return why;
		}
	}
	if (ok && c >= 0 && r->argmode == AM_NORMAL && size >= cmds[c].ksize)
		return check_outputs(t, r, c, why, n);
	return NULL;
}

/*
 * The kernel's splats are for the harness to find in its log, but this
 * program can read that log too (/dev/kmsg, from where it stood at
 * start): a splat is a failure like any other, reported with the
 * operations that led to it, so it comes with a replay log. Where
 * /dev/kmsg cannot be read, a new splat taint ('B' bad page: KASAN,
 * KFENCE; 'D' oops; 'W' warning; 'L' soft lockup) stands in; taint is
 * sticky, so that sees only the first splat of a boot. Checked every few
 * operations, and after every one in a replay, to point at the culprit.
 */
#define TAINT_SPLATS	((1UL << 5) | (1UL << 7) | (1UL << 9) | (1UL << 14))
#define KCHECK_EVERY	8

static const char * const splat_patterns[] = {
	"BUG:", "WARNING:", "Oops", "general protection fault", "KASAN",
	"UBSAN", "kernel BUG at", "refcount_t:", "possible circular locking",
	"possible recursive locking", "INFO: task", "list_add corruption",
	"list_del corruption", "stack-protector", "suspected memory leak",
	"Unable to handle kernel",
};

static int kmsg_fd = -1, taint_fd = -1;
static unsigned long taint_seen;
static pthread_mutex_t kmsg_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long read_taint(void)
{
	char buf[32];
	ssize_t n;

	if (taint_fd < 0)
		return 0;
	n = pread(taint_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

static void kernel_watch_init(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0 && lseek(kmsg_fd, 0, SEEK_END) < 0) {
		close(kmsg_fd);
		kmsg_fd = -1;
	}
	taint_fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);
	taint_seen = read_taint();
}

/* The first new splat line of the kernel log, if any */
static const char *check_kmsg(char *why, size_t n)
{
	const char *found = NULL;
	char rec[1024], *msg, *nl;
	ssize_t len;
	size_t i;

	pthread_mutex_lock(&kmsg_lock);
	for (;;) {
		len = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* records lost to the ring: go on */
		if (len <= 0)
			break;
		rec[len] = 0;
		msg = strchr(rec, ';');
		if (!msg || found)
			continue;	/* drain the rest */
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		for (i = 0; i < ARRAY_SIZE(splat_patterns); i++) {
			if (!strstr(msg, splat_patterns[i]))
				continue;
			snprintf(why, n, "kernel log: %s", msg);
			found = why;
			break;
		}
	}
	pthread_mutex_unlock(&kmsg_lock);
	return found;
}

static const char *check_kernel(char *why, size_t n)
{
	unsigned long now, fresh;

	if (kmsg_fd >= 0)
		return check_kmsg(why, n);
	now = read_taint();
	fresh = now & ~__atomic_fetch_or(&taint_seen, now, __ATOMIC_RELAXED) &
		TAINT_SPLATS;
	if (!fresh)
		return NULL;
	snprintf(why, n, "kernel taint gained%s%s%s%s: a splat, see the kernel log",
		 fresh & (1UL << 5) ? " B (bad page: KASAN/KFENCE)" : "",
		 fresh & (1UL << 7) ? " D (oops)" : "",
		 fresh & (1UL << 9) ? " W (warning)" : "",
		 fresh & (1UL << 14) ? " L (soft lockup)" : "");
	return why;
}

static void log_rec(const struct oprec *r)
{
	pthread_mutex_lock(&log_lock);
	if (g_nlog < LOG_MAX)
		g_log[g_nlog++] = *r;
	else
		g_log_truncated = true;
	pthread_mutex_unlock(&log_lock);
}

static void count(struct thr *t, const struct oprec *r)
{
	int c = r->kind == R_IOCTL ? cmd_of_req(r->req) : -1;
	int e = r->rc ? r->err : 0;

	if (e < 0 || e >= NERR)
		e = NERR - 1;
	t->errs[e]++;
	if (c >= 0)
		t->hist[c][e]++;
}

/*
 * Run one operation: number it, run it, log it, check it. Returns false
 * when a check failed (the failure is reported, every thread stops).
 */
static bool run_rec(struct thr *t, struct oprec *r)
{
	char why[sizeof(t->why)];
	const char *bad;

	r->tid = t->idx;
	if (!replaying)
		r->seq = __atomic_fetch_add(&g_seq, 1, __ATOMIC_RELAXED);
	t->cur = r;
	if (r->kind == R_CLOSE_ACCESS)
		close_access(r);
	else
		exec_ioctl(t, r);
	t->ring[t->ring_n++ % RING_OPS] = *r;
	t->nops++;
	count(t, r);
	if (!replaying)
		log_rec(r);
	bad = check_rec(t, r, why, sizeof(why));
	if (!bad && (replaying || !(t->nops % KCHECK_EVERY)))
		bad = check_kernel(why, sizeof(why));
	if (bad) {
		report_failure(t, "%s", bad);
		return false;
	}
	t->cur = NULL;
	return true;
}

/* ------------------------------------------------------------ generators */

/*
 * Each generator builds one operation from the pool (pool_lock held),
 * mostly well-formed, with a share of wrong values; the common finishing
 * step (finish()) then varies the size, where the argument points, and
 * sometimes one random field. post() learns from the result and, when the
 * thread is alone on the file, queues the invariant checks.
 */
enum gen {
	G_DESTROY, G_IOAS_ALLOC, G_ALLOW_IOVAS, G_COPY, G_IOVA_RANGES, G_MAP,
	G_MAP_FILE, G_UNMAP, G_OPTION, G_VFIO_IOAS, G_HWPT_ALLOC, G_HW_INFO,
	G_DIRTY, G_INVALIDATE, G_FAULT_ALLOC, G_VIOMMU_ALLOC, G_VDEVICE_ALLOC,
	G_CHANGE_PROCESS, G_VEVENTQ, G_HW_QUEUE, G_BAD_IOCTL, G_ADD_RESERVED,
	G_MOCK_DOMAIN, G_REPLACE, G_CHECK_MAP, G_CHECK_REFS, G_CREATE_ACCESS,
	G_DESTROY_ACCESS_PAGES, G_ACCESS_PAGES, G_ACCESS_RW, G_TEMP_LIMIT,
	G_ACCESS_REPLACE, G_TEST_UNSUPP, G_CHECK_IOTLB, G_DEV_CHECK_CACHE,
	G_PASID, G_PIN_BENCH, G_FAIL_NTH, G_VIOMMU_INFO, G_CLOSE_ACCESS,
	G_REOPEN_KEEP, G_REOPEN, G_ORACLE_REFS, G_MAX,
};

/* Relative frequencies, per mille (--fail-weight changes G_FAIL_NTH) */
static uint16_t gen_weight[G_MAX] = {
	[G_DESTROY] = 50, [G_IOAS_ALLOC] = 35, [G_ALLOW_IOVAS] = 12,
	[G_COPY] = 30, [G_IOVA_RANGES] = 18, [G_MAP] = 90, [G_MAP_FILE] = 35,
	[G_UNMAP] = 55, [G_OPTION] = 14, [G_VFIO_IOAS] = 4,
	[G_HWPT_ALLOC] = 70, [G_HW_INFO] = 14, [G_DIRTY] = 6,
	[G_INVALIDATE] = 45, [G_FAULT_ALLOC] = 4, [G_VIOMMU_ALLOC] = 35,
	[G_VDEVICE_ALLOC] = 35, [G_CHANGE_PROCESS] = 3, [G_VEVENTQ] = 4,
	[G_HW_QUEUE] = 4, [G_BAD_IOCTL] = 6, [G_ADD_RESERVED] = 12,
	[G_MOCK_DOMAIN] = 55, [G_REPLACE] = 30, [G_CHECK_MAP] = 15,
	[G_CHECK_REFS] = 6, [G_CREATE_ACCESS] = 20,
	[G_DESTROY_ACCESS_PAGES] = 12, [G_ACCESS_PAGES] = 30,
	[G_ACCESS_RW] = 30, [G_TEMP_LIMIT] = 4, [G_ACCESS_REPLACE] = 12,
	[G_TEST_UNSUPP] = 5, [G_CHECK_IOTLB] = 10, [G_DEV_CHECK_CACHE] = 8,
	[G_PASID] = 45, [G_PIN_BENCH] = 4, [G_FAIL_NTH] = 3,
	[G_VIOMMU_INFO] = 8, [G_CLOSE_ACCESS] = 10, [G_REOPEN_KEEP] = 2,
	[G_REOPEN] = 3, [G_ORACLE_REFS] = 12,
};

/* A user pointer: into buffer @buf at @off, or the literal @lit */
struct uref {
	int buf;
	uint64_t off;
	uint64_t lit;
};

static void rec_init(struct oprec *r, int gen, int c)
{
	memset(r, 0, offsetof(struct oprec, bytes));
	memset(r->bytes, 0, sizeof(r->bytes));
	r->kind = R_IOCTL;
	r->gen = gen;
	r->req = cmds[c].req;
}

static void rec_struct(struct oprec *r, const void *s, size_t len)
{
	memcpy(r->bytes, s, len);
	r->len = len;
}

static void fx_ptr(struct oprec *r, size_t off, const struct uref *u)
{
	if (u->buf < 0 || r->nfx == MAX_FX) {
		memcpy(r->bytes + off, &u->lit, 8);
		return;
	}
	r->fx[r->nfx++] = (struct fixup){ off, FX_PTR, u->buf, 0, u->off };
}

static void fx_fd(struct oprec *r, size_t off, int kind, int handle)
{
	int32_t v = handle;

	if (kind < 0 || r->nfx == MAX_FX) {
		memcpy(r->bytes + off, &v, 4);
		return;
	}
	r->fx[r->nfx++] = (struct fixup){ off, FX_FD, kind, handle, 0 };
}

/* An ID of @type with all @need flags most of the time, else a wrong one */
static uint32_t pool_pick(struct thr *t, int type, uint32_t need)
{
	uint32_t id = 0;
	unsigned int i, n = 0;

	for (i = 0; i < P.nobjs; i++) {
		const struct obj *o = &P.objs[i];

		if ((type != T_ANY && o->type != type) ||
		    (o->flags & need) != need)
			continue;
		if (!below(t, ++n))
			id = o->id;
	}
	return id;
}

static uint32_t pick_id(struct thr *t, int type, uint32_t need)
{
	unsigned int x = below(t, 100);
	uint32_t id;

	if (x < 84) {
		id = pool_pick(t, type, need);
		if (!id && need)
			id = pool_pick(t, type, 0);
		if (id)
			return id;
	}
	if (x < 90) {
		id = pool_pick(t, T_ANY, 0);
		if (id)
			return id;
	}
	if (x < 95 && P.nstale)
		return P.stale[below(t, P.nstale)];
	switch (below(t, 4)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(t, 40);
	case 2:
		return UINT32_MAX;
	default:
		return rnd(t);
	}
}

static struct mapping *pick_map(struct thr *t, uint32_t ioas)
{
	struct mapping *m = NULL;
	unsigned int i, n = 0;

	for (i = 0; i < P.nmaps; i++) {
		if (ioas && P.maps[i].ioas != ioas)
			continue;
		if (!below(t, ++n))
			m = &P.maps[i];
	}
	return m;
}

static uint64_t pick_len(struct thr *t)
{
	switch (below(t, 16)) {
	case 0 ... 6:
		return pgsz * (1 + below(t, 8));
	case 7:
		return MOCK_PG * (1 + below(t, 16));
	case 8:
		return 2UL << 20;
	case 9:
		return pgsz * (1 + below(t, 1024));
	case 10:
		return 0;
	case 11:
		return 1 + below(t, pgsz);
	case 12:
		return UINT64_MAX;
	case 13:
		return UINT64_MAX - below(t, pgsz);
	case 14:
		return 1ULL << (32 + below(t, 32));
	default:
		return rnd(t) >> below(t, 64);
	}
}

/* An IOVA for @len bytes: in the mock aperture mostly, else an edge */
static uint64_t pick_iova(struct thr *t, uint64_t len)
{
	const uint64_t start = MOCK_APERTURE_START;
	const uint64_t end = (uint64_t)MOCK_APERTURE_LAST + 1;
	struct mapping *m;
	uint64_t v;

	switch (below(t, 24)) {
	case 0 ... 9:
		v = start + below(t, (end - start) / pgsz) * pgsz;
		if (pct(t, 30))
			v &= ~((2ULL << 20) - 1);
		return v < start ? start : v;
	case 10 ... 12:
		m = pick_map(t, 0);
		if (!m)
			return start;
		switch (below(t, 4)) {
		case 0:
			return m->iova;
		case 1:
			return m->iova + m->len;
		case 2:
			return m->iova - pgsz;
		default:
			return m->iova + MOCK_PG;
		}
	case 13:
		return 0;
	case 14:
		return end - pgsz * (1 + below(t, 4));
	case 15:
		return pct(t, 50) ? end : start - pgsz;
	case 16:	/* ends exactly at the top */
		return UINT64_MAX - len + 1 - (avoid_top ? pgsz : 0);
	case 17:
		return UINT64_MAX - (below(t, 2) + avoid_top) * pgsz;
	case 18:
		return start + below(t, 1024) * pgsz + (pct(t, 50) ? 1 : MOCK_PG);
	case 19:
		return 1ULL << (32 + below(t, 32));
	case 20:
		return below(t, 4096) * pgsz;
	default:
		return rnd(t);
	}
}

/* --avoid-top-iova: move a range that would end at U64_MAX down a page */
static uint64_t no_top(uint64_t iova, uint64_t len)
{
	uint64_t last;

	if (avoid_top && len &&
	    !__builtin_add_overflow(iova, len - 1, &last) && last == UINT64_MAX)
		return iova - pgsz;
	return iova;
}

static const uint8_t map_bufs[] = {
	B_ANON, B_ANON, B_ANON, B_SHARED, B_SHARED, B_THP, B_THP, B_THP,
	B_MEMFD, B_MEMFD, B_SEALED, B_RO, B_SCRATCH0,
};

/* A user range to pin: our buffers mostly, at page, half-page or odd offsets */
static void pick_uva(struct thr *t, struct uref *u, uint64_t *len)
{
	unsigned int x = below(t, 100);
	uint64_t bl, rem, off;
	int b;

	*u = (struct uref){ -1, 0, 0 };
	if (x < 90) {
		b = map_bufs[below(t, ARRAY_SIZE(map_bufs))];
		if (b == B_SCRATCH0)
			b += t->idx;
		bl = bufs[b].len;
		switch (below(t, 8)) {
		case 0 ... 3:
			off = 0;
			break;
		case 4 ... 5:
			off = below(t, bl / pgsz) * pgsz;
			break;
		case 6:
			off = below(t, bl / MOCK_PG) * MOCK_PG;
			break;
		default:
			off = below(t, bl);
			break;
		}
		u->buf = b;
		u->off = off;
		rem = bl - off;
		switch (below(t, 10)) {
		case 0 ... 4:
			*len = pgsz * (1 + below(t, rem / pgsz ? rem / pgsz : 1));
			if (*len > rem)
				*len = rem;
			break;
		case 5:
			*len = rem;
			break;
		case 6:
			*len = MIN(rem, 2UL << 20);
			break;
		case 7:
			*len = rem + pgsz;	/* into the guard page */
			break;
		case 8:
			*len = MOCK_PG * (1 + below(t, 8));
			break;
		default:
			*len = pick_len(t);
			break;
		}
		return;
	}
	*len = pick_len(t);
	if (x < 93) {
		u->buf = B_GUARD;
		return;
	}
	switch (below(t, 4)) {
	case 0:
		u->lit = 0;
		break;
	case 1:
		u->lit = KERNEL_PTR;
		break;
	case 2:
		u->lit = NONCANON_PTR;
		break;
	default:
		u->lit = rnd(t);
		break;
	}
}

/*
 * Driver data, an array or an output buffer in the thread's scratch
 * buffer (@data: @len literal bytes; the kernel may access @span bytes).
 * Mostly well inside, sometimes so that @span runs into the guard page,
 * sometimes another kind of pointer altogether.
 */
static void put_data(struct thr *t, struct oprec *r, const void *data,
		     size_t len, size_t span, struct uref *u)
{
	unsigned int x = below(t, 100);
	size_t off;

	*u = (struct uref){ -1, 0, 0 };
	if (x >= 88) {
		switch (x) {
		case 88 ... 90:
			u->lit = 0;
			break;
		case 91 ... 92:
			u->buf = B_RO;
			break;
		case 93 ... 94:
			u->buf = B_GUARD;
			break;
		case 95:
			u->lit = KERNEL_PTR;
			break;
		default:
			u->buf = B_THP;
			u->off = below(t, 16) * 8;
			break;
		}
		return;
	}
	if (span > SCRATCH_LEN)
		span = SCRATCH_LEN;
	if (x < 78)
		off = below(t, (SCRATCH_LEN - span) / 8 + 1) * 8;
	else if (x < 84)
		off = SCRATCH_LEN - span + below(t, span + 1);	/* crosses */
	else
		off = below(t, SCRATCH_LEN - span + 1);		/* unaligned */
	if (off > SCRATCH_LEN)
		off = SCRATCH_LEN;
	u->buf = B_SCRATCH0 + t->idx;
	u->off = off;
	r->fill = pct(t, 70) ? 1 : 2;
	r->fill_seed = rnd(t);
	r->woff = off;
	r->wlen = MIN(MIN(len, (size_t)W_BYTES), SCRATCH_LEN - off);
	memcpy(r->w, data, r->wlen);
}

/* A data length around @natural (the full struct) and @min */
static uint32_t pick_data_len(struct thr *t, uint32_t natural, uint32_t min)
{
	switch (below(t, 20)) {
	case 0 ... 14:
		return natural;
	case 15:
		return 0;
	case 16:
		return min ? min - 1 : 1;
	case 17:
		return natural + 4 * (1 + below(t, 4));
	case 18:
		return below(t, 64);
	default:
		return rnd(t);
	}
}

static uint32_t pick_map_flags(struct thr *t, bool ro_backing)
{
	const uint32_t rw = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	uint32_t f;

	switch (below(t, 20)) {
	case 0 ... 13:
		f = rw;
		break;
	case 14 ... 15:
		f = IOMMU_IOAS_MAP_READABLE;
		break;
	case 16:
		f = IOMMU_IOAS_MAP_WRITEABLE;
		break;
	case 17:
		f = 0;
		break;
	case 18:
		f = rw | (1u << (3 + below(t, 29)));
		break;
	default:
		return rnd(t);
	}
	if (ro_backing && pct(t, 60))
		f &= ~IOMMU_IOAS_MAP_WRITEABLE;
	if (pct(t, 50))
		f |= IOMMU_IOAS_MAP_FIXED_IOVA;
	return f;
}

/* An access file: usually an open one we made, else another fd */
static void pick_access(struct thr *t, struct oprec *r, size_t off,
			struct access **acc)
{
	unsigned int x = below(t, 100), i, n = 0;
	int h = -1;

	*acc = NULL;
	if (x < 88) {
		for (i = 0; i < P.nacc; i++) {
			if (!P.accs[i].open && x < 80)
				continue;
			if (!below(t, ++n))
				h = i;
		}
		if (h >= 0) {
			*acc = &P.accs[h];
			fx_fd(r, off, FDK_ACCESS, h);
			return;
		}
	}
	switch (below(t, 5)) {
	case 0:
		fx_fd(r, off, FDK_IOMMUFD, 0);
		break;
	case 1:
		fx_fd(r, off, FDK_MEMFD, 0);
		break;
	case 2:
		fx_fd(r, off, -1, -1);
		break;
	case 3:
		fx_fd(r, off, -1, 1000 + below(t, 10));
		break;
	default:
		fx_fd(r, off, -1, rnd(t));
		break;
	}
}

/* The pin group a new MAP starts */
static uint32_t group_new(const struct uref *u, uint64_t len)
{
	struct group *g;

	if (u->buf < 0 || P.ngroups == MAX_MAPS)
		return 0;
	g = &P.groups[P.ngroups++];
	g->id = ++P.next_group;
	g->buf = u->buf;
	g->off = u->off;
	g->len = len;
	return g->id;
}

static void map_add(uint32_t ioas, uint64_t iova, uint64_t len, int buf,
		    uint64_t off, uint32_t group)
{
	struct obj *o = pool_find(ioas);

	/* Pins we cannot attribute make the pin-count oracle meaningless */
	if (!group)
		P.refs_unknown = true;
	if (P.nmaps == MAX_MAPS) {
		P.refs_unknown = true;
		if (o)
			o->flags |= OF_UNCERTAIN;
		return;
	}
	P.maps[P.nmaps++] = (struct mapping){ ioas, iova, len, buf, off,
					      group };
}

static void g_destroy(struct thr *t, struct oprec *r)
{
	/* Leaves first: their DESTROY can succeed */
	static const uint8_t types[] = {
		T_VDEV, T_NESTED, T_VIOMMU, T_STDEV, T_STDEV, T_HWPT, T_IOAS,
		T_IOAS, T_IDEV, T_ANY,
	};
	struct iommu_destroy c = { .size = sizeof(c) };

	rec_init(r, G_DESTROY, C_DESTROY);
	c.id = pick_id(t, types[below(t, ARRAY_SIZE(types))], 0);
	rec_struct(r, &c, sizeof(c));
}

static void g_ioas_alloc(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_alloc c = { .size = sizeof(c) };

	rec_init(r, G_IOAS_ALLOC, C_IOAS_ALLOC);
	if (pct(t, 3))
		c.flags = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static struct iommu_iova_range pick_range(struct thr *t)
{
	struct iommu_iova_range rg;
	uint64_t len = pick_len(t);

	switch (below(t, 8)) {
	case 0:
		rg = (struct iommu_iova_range){ MOCK_APERTURE_START,
						MOCK_APERTURE_LAST };
		break;
	case 1:
		rg = (struct iommu_iova_range){ 0, UINT64_MAX };
		break;
	case 2:
		rg.start = pick_iova(t, len);
		rg.last = rg.start - 1;		/* empty, backwards */
		break;
	default:
		rg.start = pick_iova(t, len);
		rg.last = rg.start + (len ? len : 1) - 1;
		break;
	}
	return rg;
}

static void g_allow_iovas(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_allow_iovas c = { .size = sizeof(c) };
	struct iommu_iova_range rg[8];
	uint32_t n = below(t, 4), i;
	struct uref u;

	rec_init(r, G_ALLOW_IOVAS, C_ALLOW_IOVAS);
	if (pct(t, 10))
		n = 8;
	for (i = 0; i < n; i++)
		rg[i] = pick_range(t);
	c.ioas_id = pick_id(t, T_IOAS, 0);
	c.num_iovas = pct(t, 4) ? (uint32_t)rnd(t) : n;
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
	put_data(t, r, rg, n * sizeof(rg[0]), n * sizeof(rg[0]), &u);
	fx_ptr(r, offsetof(struct iommu_ioas_allow_iovas, allowed_iovas), &u);
}

static void g_copy(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_copy c = { .size = sizeof(c) };
	struct mapping *m = pct(t, 85) ? pick_map(t, 0) : NULL;

	rec_init(r, G_COPY, C_IOAS_COPY);
	if (m) {
		c.src_ioas_id = m->ioas;
		c.src_iova = m->iova;
		c.length = m->len;
		switch (below(t, 10)) {
		case 0:
			c.length = m->len / 2 ? m->len / 2 : 1;
			break;
		case 1:
			c.src_iova += MOCK_PG;
			break;
		case 2:
			c.length = pick_len(t);
			break;
		}
	} else {
		c.src_ioas_id = pick_id(t, T_IOAS, 0);
		c.src_iova = pick_iova(t, 0);
		c.length = pick_len(t);
	}
	c.dst_ioas_id = pick_id(t, T_IOAS, 0);
	c.flags = pick_map_flags(t, false);
	if (c.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		c.dst_iova = no_top(pick_iova(t, c.length), c.length);
	rec_struct(r, &c, sizeof(c));
}

static void g_iova_ranges(struct thr *t, struct oprec *r)
{
	static const uint32_t nums[] = { 0, 1, 2, 4, 8, 8, 8, UINT32_MAX };
	struct iommu_ioas_iova_ranges c = { .size = sizeof(c) };
	struct uref u;

	rec_init(r, G_IOVA_RANGES, C_IOVA_RANGES);
	c.ioas_id = pick_id(t, T_IOAS, 0);
	c.num_iovas = nums[below(t, ARRAY_SIZE(nums))];
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
	put_data(t, r, NULL, 0, MIN(c.num_iovas, 8u) * 16, &u);
	fx_ptr(r, offsetof(struct iommu_ioas_iova_ranges, allowed_iovas), &u);
}

static void g_map(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_map c = { .size = sizeof(c) };
	struct uref u;
	uint64_t len;

	rec_init(r, G_MAP, C_IOAS_MAP);
	c.ioas_id = pick_id(t, T_IOAS, 0);
	pick_uva(t, &u, &len);
	c.length = len;
	c.flags = pick_map_flags(t, u.buf == B_RO || u.buf == B_SEALED);
	if (c.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		c.iova = no_top(pick_iova(t, len), len);
	else if (pct(t, 10))
		c.iova = rnd(t);	/* ignored without FIXED_IOVA */
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_ioas_map, user_va), &u);
}

static void g_map_file(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_map_file c = { .size = sizeof(c) };
	unsigned int x = below(t, 100);
	const size_t off = offsetof(struct iommu_ioas_map_file, fd);
	uint64_t flen = bufs[B_MEMFD].len, rem;
	bool ro = false;
	int kind = FDK_MEMFD;

	rec_init(r, G_MAP_FILE, C_MAP_FILE);
	c.ioas_id = pick_id(t, T_IOAS, 0);
	if (x < 70) {
		kind = FDK_MEMFD;
	} else if (x < 78) {
		kind = FDK_MEMFD_RO;
		ro = true;
	} else if (x < 86) {
		kind = FDK_SEALED;
		flen = bufs[B_SEALED].len;
		ro = true;
	} else if (x < 90) {
		kind = FDK_DEVNULL;
	} else if (x < 93) {
		kind = FDK_DIR;
	} else if (x < 95) {
		kind = FDK_IOMMUFD;
	} else {
		kind = -1;
	}
	switch (below(t, 10)) {
	case 0 ... 6:
		c.start = below(t, flen / pgsz) * pgsz;
		break;
	case 7:
		c.start = below(t, flen / MOCK_PG) * MOCK_PG;
		break;
	case 8:
		c.start = flen + below(t, 2) * pgsz;	/* at or past EOF */
		break;
	default:
		c.start = pct(t, 50) ? UINT64_MAX - below(t, pgsz) : rnd(t);
		break;
	}
	rem = c.start < flen ? flen - c.start : pgsz;
	switch (below(t, 8)) {
	case 0 ... 4:
		c.length = pgsz * (1 + below(t, rem / pgsz ? rem / pgsz : 1));
		if (c.length > rem)
			c.length = rem;
		break;
	case 5:
		c.length = rem + pgsz;
		break;
	default:
		c.length = pick_len(t);
		break;
	}
	c.flags = pick_map_flags(t, ro);
	if (c.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		c.iova = no_top(pick_iova(t, c.length), c.length);
	rec_struct(r, &c, sizeof(c));
	if (kind >= 0)
		fx_fd(r, off, kind, 0);
	else
		fx_fd(r, off, -1, pct(t, 50) ? -1 : (int)below(t, 1100));
}

static void g_unmap(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_unmap c = { .size = sizeof(c) };
	struct mapping *m = pct(t, 85) ? pick_map(t, 0) : NULL;
	unsigned int x = below(t, 100);

	rec_init(r, G_UNMAP, C_IOAS_UNMAP);
	if (m && x < 80) {
		c.ioas_id = m->ioas;
		c.iova = m->iova;
		c.length = m->len;
		if (x >= 55 && x < 65) {
			c.iova = 0;
			c.length = UINT64_MAX;
		} else if (x >= 65 && x < 70 && m->iova >= pgsz) {
			c.iova = m->iova - pgsz;
			c.length = m->len + 2 * pgsz;
		} else if (x >= 70 && x < 75) {
			c.length = m->len / 2;
		} else if (x >= 75) {
			c.iova += MOCK_PG;
		}
	} else {
		c.ioas_id = pick_id(t, T_IOAS, 0);
		if (pct(t, 30)) {
			c.iova = 0;
			c.length = UINT64_MAX;
		} else {
			c.length = pick_len(t);
			c.iova = pick_iova(t, c.length);
		}
	}
	rec_struct(r, &c, sizeof(c));
}

static void g_option(struct thr *t, struct oprec *r)
{
	struct iommu_option c = { .size = sizeof(c) };
	unsigned int x = below(t, 10);

	rec_init(r, G_OPTION, C_OPTION);
	c.option_id = x < 4 ? IOMMU_OPTION_RLIMIT_MODE :
		      x < 9 ? IOMMU_OPTION_HUGE_PAGES :
		      pct(t, 50) ? 2 : (uint32_t)rnd(t);
	x = below(t, 10);
	c.op = x < 5 ? IOMMU_OPTION_OP_SET : x < 9 ? IOMMU_OPTION_OP_GET :
	       pct(t, 50) ? 2 : (uint16_t)rnd(t);
	if (c.option_id == IOMMU_OPTION_RLIMIT_MODE)
		c.object_id = pct(t, 85) ? 0 : pick_id(t, T_IOAS, 0);
	else
		c.object_id = pct(t, 85) ? pick_id(t, T_IOAS, 0) : 0;
	x = below(t, 10);
	c.val64 = x < 8 ? below(t, 2) : x < 9 ? 2 : rnd(t);
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_vfio_ioas(struct thr *t, struct oprec *r)
{
	struct iommu_vfio_ioas c = { .size = sizeof(c) };

	rec_init(r, G_VFIO_IOAS, C_VFIO_IOAS);
	c.ioas_id = pick_id(t, T_IOAS, 0);
	c.op = below(t, 4);
	if (pct(t, 5))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

/* Nested HWPT data of a random kind; returns its data_type */
static uint32_t nested_data(struct thr *t, uint8_t *d, uint32_t *natural,
			    uint32_t *min, uint32_t *iotlb)
{
	unsigned int x = below(t, 100);

	*iotlb = pct(t, 50) ? IOMMU_TEST_IOTLB_DEFAULT : (uint32_t)rnd(t);
	if (x < 70) {
		struct iommu_hwpt_selftest s = { .iotlb = *iotlb };

		memcpy(d, &s, sizeof(s));
		*natural = *min = sizeof(s);
		return IOMMU_HWPT_DATA_SELFTEST;
	}
	if (x < 85) {
		struct iommu_hwpt_iofd_selftest_pasid_table pt = {
			.iotlb = *iotlb,
			.pasid_bits = 1 + below(t, MOCK_PASID_WIDTH),
			.table_addr = (1 + below(t, 1 << 20)) << 12,
		};

		if (pct(t, 5))
			pt.pasid_bits = pct(t, 50) ? 0 : MOCK_PASID_WIDTH + 1;
		if (pct(t, 5))
			pt.table_addr = pct(t, 50) ? 0 : pt.table_addr + 8;
		memcpy(d, &pt, sizeof(pt));
		*natural = *min = sizeof(pt);
		return IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE;
	}
	/* Types the mock does not know: upstream's, ours, none, junk */
	*natural = *min = 24;
	*(uint64_t *)d = rnd(t);
	*(uint64_t *)(d + 8) = rnd(t);
	*(uint64_t *)(d + 16) = rnd(t);
	switch (x) {
	case 85 ... 88:
		return IOMMU_HWPT_DATA_VTD_S1;
	case 89 ... 91:
		*natural = *min = 16;
		return IOMMU_HWPT_DATA_ARM_SMMUV3;
	case 92 ... 94:
		return IOMMU_HWPT_DATA_VTD_PASID_TABLE;
	case 95 ... 96:
		return IOMMU_HWPT_DATA_NONE;
	default:
		return rnd(t);
	}
}

static void g_hwpt_alloc(struct thr *t, struct oprec *r)
{
	struct iommu_hwpt_alloc c = { .size = sizeof(c) };
	uint8_t d[64] = { 0 };
	uint32_t natural = 0, min = 0, iotlb;
	unsigned int x = below(t, 100);
	struct uref u = { -1, 0, 0 };

	rec_init(r, G_HWPT_ALLOC, C_HWPT_ALLOC);
	c.dev_id = pick_id(t, T_IDEV, 0);
	if (x < 50) {
		c.pt_id = pick_id(t, T_IOAS, 0);
		if (pct(t, 45))
			c.flags |= IOMMU_HWPT_ALLOC_NEST_PARENT;
		if (pct(t, 35))
			c.flags |= IOMMU_HWPT_ALLOC_PASID;
		if (pct(t, 4))
			c.flags |= IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
		if (pct(t, 3)) {
			c.flags |= IOMMU_HWPT_FAULT_ID_VALID;
			c.fault_id = pick_id(t, T_ANY, 0);
		}
		if (pct(t, 2))
			c.flags |= 1u << (4 + below(t, 28));
		if (pct(t, 5))
			c.data_type = nested_data(t, d, &natural, &min, &iotlb);
	} else {
		c.pt_id = x < 80 ? pick_id(t, T_HWPT, OF_NEST_PARENT) :
				   pick_id(t, T_VIOMMU, 0);
		if (pct(t, 20))
			c.flags = IOMMU_HWPT_ALLOC_PASID;
		else if (pct(t, 5))
			c.flags = rnd(t);
		c.data_type = nested_data(t, d, &natural, &min, &iotlb);
	}
	if (c.data_type != IOMMU_HWPT_DATA_NONE || pct(t, 3)) {
		c.data_len = pick_data_len(t, natural, min);
		/* A longer buffer: its tail zero, or not */
		if (c.data_len > natural && c.data_len <= sizeof(d) &&
		    pct(t, 40))
			d[natural + below(t, c.data_len - natural)] = 1;
		put_data(t, r, d, MIN(c.data_len, sizeof(d)),
			 MIN(c.data_len, 4096u), &u);
	}
	if (pct(t, 3))
		c.__reserved = rnd(t);
	if (pct(t, 2))
		c.__reserved2 = rnd(t);
	rec_struct(r, &c, sizeof(c));
	if (c.data_len || pct(t, 50))
		fx_ptr(r, offsetof(struct iommu_hwpt_alloc, data_uptr), &u);
}

static void g_hw_info(struct thr *t, struct oprec *r)
{
	static const uint32_t lens[] = { 0, 4, 8, 8, 8, 16, 64, 4096 };
	struct iommu_hw_info c = { .size = sizeof(c) };
	struct uref u;

	rec_init(r, G_HW_INFO, C_HW_INFO);
	c.dev_id = pick_id(t, T_IDEV, 0);
	c.data_len = pct(t, 95) ? lens[below(t, ARRAY_SIZE(lens))] :
		     (uint32_t)rnd(t);
	if (pct(t, 25)) {
		static const uint32_t types[] = {
			IOMMU_HW_INFO_TYPE_DEFAULT, IOMMU_HW_INFO_TYPE_SELFTEST,
			IOMMU_HW_INFO_TYPE_INTEL_VTD,
			IOMMU_HW_INFO_TYPE_ARM_SMMUV3, 0x10f00000,
		};

		c.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		c.in_data_type = types[below(t, ARRAY_SIZE(types))];
	} else if (pct(t, 3)) {
		c.flags = rnd(t);
	}
	if (pct(t, 3))
		c.__reserved[below(t, 3)] = 1 + below(t, 255);
	rec_struct(r, &c, sizeof(c));
	put_data(t, r, NULL, 0, MIN(c.data_len, 4096u), &u);
	fx_ptr(r, offsetof(struct iommu_hw_info, data_uptr), &u);
}

static void g_dirty(struct thr *t, struct oprec *r)
{
	if (pct(t, 50)) {
		struct iommu_hwpt_set_dirty_tracking c = { .size = sizeof(c) };

		rec_init(r, G_DIRTY, C_SET_DIRTY);
		c.hwpt_id = pick_id(t, T_HWPT, 0);
		c.flags = pct(t, 90) ? below(t, 2) : (uint32_t)rnd(t);
		if (pct(t, 3))
			c.__reserved = rnd(t);
		rec_struct(r, &c, sizeof(c));
	} else {
		struct iommu_hwpt_get_dirty_bitmap c = { .size = sizeof(c) };
		struct uref u;

		rec_init(r, G_DIRTY, C_GET_DIRTY);
		c.hwpt_id = pick_id(t, T_HWPT, 0);
		c.flags = pct(t, 90) ? below(t, 2) : (uint32_t)rnd(t);
		c.length = pick_len(t);
		c.iova = pick_iova(t, c.length);
		c.page_size = pct(t, 80) ? pgsz : rnd(t) >> below(t, 64);
		if (pct(t, 3))
			c.__reserved = rnd(t);
		rec_struct(r, &c, sizeof(c));
		put_data(t, r, NULL, 0, 512, &u);
		fx_ptr(r, offsetof(struct iommu_hwpt_get_dirty_bitmap, data),
		       &u);
	}
}

/* The virtual ID of some vDEVICE of @viommu, for invalidation entries */
static uint32_t pick_virt_id(struct thr *t, uint32_t viommu)
{
	unsigned int i, n = 0;
	uint64_t v = below(t, 16);

	for (i = 0; i < P.nobjs; i++)
		if (P.objs[i].type == T_VDEV && P.objs[i].link == viommu &&
		    !below(t, ++n))
			v = P.objs[i].val;
	return v;
}

static void g_invalidate(struct thr *t, struct oprec *r)
{
	struct iommu_hwpt_invalidate c = { .size = sizeof(c) };
	uint8_t d[W_BYTES] = { 0 };
	unsigned int x = below(t, 100), i;
	struct obj *o;
	uint32_t natural, num;
	struct uref u;
	size_t span;
	bool viommu;

	rec_init(r, G_INVALIDATE, C_INVALIDATE);
	c.hwpt_id = x < 45 ? pick_id(t, T_NESTED, 0) :
		    x < 90 ? pick_id(t, T_VIOMMU, 0) : pick_id(t, T_ANY, 0);
	o = pool_find(c.hwpt_id);
	viommu = o ? o->type == T_VIOMMU : pct(t, 50);
	natural = viommu ? sizeof(struct iommu_viommu_invalidate_selftest) :
			   sizeof(struct iommu_hwpt_invalidate_selftest);
	x = below(t, 100);
	c.data_type = x < 80 ? IOMMU_HWPT_INVALIDATE_DATA_SELFTEST :
		      x < 85 ? IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID :
		      x < 89 ? IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 :
		      x < 93 ? IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 :
		      x < 96 ? IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE :
			       (uint32_t)rnd(t);
	x = below(t, 100);
	c.entry_len = x < 70 ? natural : x < 75 ? natural - 4 :
		      x < 85 ? natural + 4 * (1 + below(t, 6)) :
		      x < 90 ? 0 : x < 95 ? below(t, 64) : (uint32_t)rnd(t);
	x = below(t, 100);
	num = 1 + below(t, 8);
	c.entry_num = x < 10 ? 0 : x < 90 ? num :
		      x < 95 ? 1u << (16 + below(t, 16)) : (uint32_t)rnd(t);

	/* The entries we write; a longer array reads the scratch fill */
	for (i = 0; c.entry_len && c.entry_len <= 64 && i < c.entry_num &&
		    (i + 1) * c.entry_len <= sizeof(d); i++) {
		uint8_t *e = d + i * c.entry_len;
		uint32_t flags = pct(t, 80) ? 0 :
				 pct(t, 75) ? IOMMU_TEST_INVALIDATE_FLAG_ALL :
					      (uint32_t)rnd(t);

		if (viommu) {
			struct iommu_viommu_invalidate_selftest v = {
				.flags = flags,
				.vdev_id = pick_virt_id(t, c.hwpt_id),
				.cache_id = pct(t, 90) ? below(t, 4) :
					    pct(t, 50) ? 4 : (uint32_t)rnd(t),
			};

			memcpy(e, &v, MIN(sizeof(v), c.entry_len));
		} else {
			struct iommu_hwpt_invalidate_selftest h = {
				.flags = flags,
				.iotlb_id = pct(t, 90) ? below(t, 4) :
					    pct(t, 50) ? 4 : (uint32_t)rnd(t),
			};

			memcpy(e, &h, MIN(sizeof(h), c.entry_len));
		}
		/* The tail of a longer entry: zero, or not */
		if (c.entry_len > natural && pct(t, 30))
			e[natural + below(t, c.entry_len - natural)] = 1;
	}
	span = (size_t)c.entry_len * MIN(c.entry_num, 64u);
	put_data(t, r, d, MIN(i * (size_t)c.entry_len, sizeof(d)),
		 MIN(span, (size_t)4096), &u);
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_hwpt_invalidate, data_uptr), &u);
}

static void g_fault_alloc(struct thr *t, struct oprec *r)
{
	struct iommu_fault_alloc c = { .size = sizeof(c) };

	rec_init(r, G_FAULT_ALLOC, C_FAULT_ALLOC);
	if (pct(t, 20))
		c.flags = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_viommu_alloc(struct thr *t, struct oprec *r)
{
	struct iommu_viommu_alloc c = { .size = sizeof(c) };
	struct iommu_viommu_selftest d = { .in_data = rnd(t) };
	unsigned int x = below(t, 100);
	struct uref u = { -1, 0, 0 };
	uint8_t buf[40] = { 0 };

	rec_init(r, G_VIOMMU_ALLOC, C_VIOMMU_ALLOC);
	c.dev_id = pick_id(t, T_IDEV, 0);
	c.hwpt_id = pick_id(t, T_HWPT, OF_NEST_PARENT);
	c.type = x < 85 ? IOMMU_VIOMMU_TYPE_SELFTEST :
		 x < 88 ? IOMMU_VIOMMU_TYPE_DEFAULT :
		 x < 93 ? IOMMU_VIOMMU_TYPE_ARM_SMMUV3 :
		 x < 96 ? IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV : (uint32_t)rnd(t);
	if (pct(t, 55)) {
		c.data_len = pick_data_len(t, sizeof(d),
			offsetofend(struct iommu_viommu_selftest, out_data));
		memcpy(buf, &d, sizeof(d));
		if (c.data_len > sizeof(d) && c.data_len <= sizeof(buf) &&
		    pct(t, 40))
			buf[sizeof(d) + below(t, c.data_len - sizeof(d))] = 1;
		put_data(t, r, buf, MIN(c.data_len, sizeof(buf)),
			 MIN(c.data_len, 4096u), &u);
	} else if (pct(t, 5)) {
		c.data_len = below(t, 64);
	}
	if (pct(t, 3))
		c.flags = rnd(t);
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
	if (c.data_len || pct(t, 10))
		fx_ptr(r, offsetof(struct iommu_viommu_alloc, data_uptr), &u);
}

static void g_vdevice_alloc(struct thr *t, struct oprec *r)
{
	struct iommu_vdevice_alloc c = { .size = sizeof(c) };
	unsigned int x = below(t, 100);
	struct obj *v;

	rec_init(r, G_VDEVICE_ALLOC, C_VDEVICE_ALLOC);
	c.viommu_id = pick_id(t, T_VIOMMU, 0);
	v = pool_find(c.viommu_id);
	if (v && v->type == T_VIOMMU && pct(t, 60))
		c.dev_id = v->link2;
	else
		c.dev_id = pick_id(t, T_IDEV, 0);
	c.virt_id = x < 60 ? below(t, 16) : x < 75 ? pick_virt_id(t, 0) :
		    x < 80 ? UINT64_MAX : rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_change_process(struct thr *t, struct oprec *r)
{
	struct iommu_ioas_change_process c = { .size = sizeof(c) };

	rec_init(r, G_CHANGE_PROCESS, C_CHANGE_PROCESS);
	if (pct(t, 10))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_veventq(struct thr *t, struct oprec *r)
{
	static const uint32_t types[] = {
		IOMMU_VEVENTQ_TYPE_SELFTEST, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
		IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV, IOMMU_VEVENTQ_TYPE_DEFAULT,
	};
	struct iommu_veventq_alloc c = { .size = sizeof(c) };

	rec_init(r, G_VEVENTQ, C_VEVENTQ_ALLOC);
	c.viommu_id = pick_id(t, T_VIOMMU, 0);
	c.type = pct(t, 90) ? types[below(t, ARRAY_SIZE(types))] :
			      (uint32_t)rnd(t);
	c.veventq_depth = pct(t, 80) ? below(t, 128) : (uint32_t)rnd(t);
	if (pct(t, 3))
		c.flags = rnd(t);
	if (pct(t, 3))
		c.__reserved = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_hw_queue(struct thr *t, struct oprec *r)
{
	struct iommu_hw_queue_alloc c = { .size = sizeof(c) };

	rec_init(r, G_HW_QUEUE, C_HW_QUEUE_ALLOC);
	c.viommu_id = pick_id(t, T_VIOMMU, 0);
	c.type = pct(t, 50) ? IOMMU_HW_QUEUE_TYPE_SELFTEST :
		 pct(t, 50) ? IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV :
			      (uint32_t)rnd(t);
	c.index = pct(t, 80) ? below(t, IOMMU_TEST_HW_QUEUE_MAX + 1) :
			       (uint32_t)rnd(t);
	c.length = pct(t, 60) ? pgsz : pick_len(t);
	c.nesting_parent_iova = pick_iova(t, c.length);
	if (pct(t, 3))
		c.flags = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

/* Numbers that are not commands: the dispatcher must say ENOTTY */
static void g_bad_ioctl(struct thr *t, struct oprec *r)
{
	static const uint8_t nrs[] = {
		0x00, 0x7f, 0x95, 0x9a, 0x9f, 0xa1, 0xb0, 0xff,
	};
	uint32_t size = 8 + below(t, 64);

	rec_init(r, G_BAD_IOCTL, C_DESTROY);
	switch (below(t, 4)) {
	case 0:
		r->req = _IO(IOMMUFD_TYPE, nrs[below(t, ARRAY_SIZE(nrs))]);
		break;
	case 1:	/* a real number with direction and size bits */
		r->req = _IOWR(IOMMUFD_TYPE, 0x80 + below(t, 0x15), 40);
		break;
	case 2:	/* a real number of another ioctl type */
		r->req = _IO('Q', 0x80 + below(t, 0x15));
		break;
	default:
		r->req = _IO(IOMMUFD_TYPE, below(t, 256)) |
			 ((uint32_t)below(t, 4) << 30);
		break;
	}
	memcpy(r->bytes, &size, 4);
	r->len = 72;
	if (cmd_of_req(r->req) < 0) {
		r->exp = EXP_ERR;
		r->exp_err = ENOTTY;
	}
}

/* IOMMU_TEST_CMD: the union is filled by the caller through @c */
static void tc_init(struct oprec *r, int gen, struct iommu_test_cmd *c,
		    uint32_t op, uint32_t id)
{
	rec_init(r, gen, C_TEST);
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->op = op;
	c->id = id;
}

static void g_add_reserved(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;

	tc_init(r, G_ADD_RESERVED, &c, IOMMU_TEST_OP_ADD_RESERVED,
		pick_id(t, T_IOAS, 0));
	c.add_reserved.length = pick_len(t);
	c.add_reserved.start = pick_iova(t, c.add_reserved.length);
	rec_struct(r, &c, sizeof(c));
}

static void g_mock_domain(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	unsigned int x = below(t, 100);
	uint32_t id;

	id = x < 60 ? pick_id(t, T_IOAS, 0) :
	     x < 80 ? pick_id(t, T_HWPT, 0) :
	     x < 90 ? pick_id(t, T_NESTED, 0) : pick_id(t, T_ANY, 0);
	if (pct(t, 35)) {
		tc_init(r, G_MOCK_DOMAIN, &c, IOMMU_TEST_OP_MOCK_DOMAIN, id);
	} else {
		tc_init(r, G_MOCK_DOMAIN, &c, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
			id);
		if (pct(t, 30))
			c.mock_domain_flags.dev_flags |=
				MOCK_FLAGS_DEVICE_NO_DIRTY;
		if (pct(t, 25))
			c.mock_domain_flags.dev_flags |=
				MOCK_FLAGS_DEVICE_HUGE_IOVA;
		if (pct(t, 50))
			c.mock_domain_flags.dev_flags |=
				MOCK_FLAGS_DEVICE_PASID;
		if (pct(t, 3))
			c.mock_domain_flags.dev_flags |=
				1u << (3 + below(t, 29));
	}
	rec_struct(r, &c, sizeof(c));
}

static uint32_t pick_pt(struct thr *t)
{
	unsigned int x = below(t, 100);

	return x < 40 ? pick_id(t, T_IOAS, 0) :
	       x < 75 ? pick_id(t, T_HWPT, 0) :
	       x < 90 ? pick_id(t, T_NESTED, 0) : pick_id(t, T_ANY, 0);
}

static void g_replace(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;

	tc_init(r, G_REPLACE, &c, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		pick_id(t, T_STDEV, 0));
	c.mock_domain_replace.pt_id = pick_pt(t);
	rec_struct(r, &c, sizeof(c));
}

/* A paging HWPT that mirrors @ioas, if we know one */
static uint32_t hwpt_of_ioas(struct thr *t, uint32_t ioas)
{
	unsigned int i, n = 0;
	uint32_t id = 0;

	for (i = 0; i < P.nobjs; i++)
		if (P.objs[i].type == T_HWPT && P.objs[i].link == ioas &&
		    !below(t, ++n))
			id = P.objs[i].id;
	return id;
}

static void g_check_map(struct thr *t, struct oprec *r)
{
	struct mapping *m = pick_map(t, 0);
	struct iommu_test_cmd c;
	struct uref u = { -1, 0, 0 };
	uint32_t h = 0;

	if (m && pct(t, 80))
		h = hwpt_of_ioas(t, m->ioas);
	tc_init(r, G_CHECK_MAP, &c, IOMMU_TEST_OP_MD_CHECK_MAP,
		h ? h : pick_id(t, T_HWPT, 0));
	if (m) {
		c.check_map.iova = m->iova;
		c.check_map.length = pct(t, 80) ? m->len : pick_len(t);
		u.buf = m->buf;
		u.off = m->off;
	} else {
		c.check_map.length = pick_len(t);
		c.check_map.iova = pick_iova(t, c.check_map.length);
		u.buf = B_ANON;
	}
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_test_cmd, check_map.uptr), &u);
}

static const uint8_t refs_bufs[] = {
	B_ANON, B_SHARED, B_MEMFD, B_SEALED, B_RO, B_SCRATCH0,
};

static void g_check_refs(struct thr *t, struct oprec *r)
{
	int b = refs_bufs[below(t, ARRAY_SIZE(refs_bufs))];
	struct iommu_test_cmd c;
	struct uref u;

	if (b == B_SCRATCH0)
		b += t->idx;
	u = (struct uref){ b, below(t, bufs[b].len / pgsz) * pgsz, 0 };
	tc_init(r, G_CHECK_REFS, &c, IOMMU_TEST_OP_MD_CHECK_REFS, 0);
	c.check_refs.length = pct(t, 80) ? pgsz * (1 + below(t, 4)) :
					   pick_len(t);
	c.check_refs.refs = below(t, 3);
	if (pct(t, 5))
		u.off += 1 + below(t, pgsz - 1);
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_test_cmd, check_refs.uptr), &u);
}

static unsigned int open_accesses(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < P.nacc; i++)
		n += P.accs[i].open;
	return n;
}

static void g_create_access(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	unsigned int x = below(t, 100);

	tc_init(r, G_CREATE_ACCESS, &c, IOMMU_TEST_OP_CREATE_ACCESS,
		pick_id(t, T_IOAS, 0));
	c.create_access.flags = x < 65 ?
		MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES :
		x < 95 ? 0 : (uint32_t)rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_destroy_access_pages(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	struct access *a;

	tc_init(r, G_DESTROY_ACCESS_PAGES, &c,
		IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, 0);
	rec_struct(r, &c, sizeof(c));
	pick_access(t, r, offsetof(struct iommu_test_cmd, id), &a);
	if (a && a->npages && pct(t, 80))
		c.destroy_access_pages.access_pages_id =
			a->pages[below(t, a->npages)];
	else
		c.destroy_access_pages.access_pages_id = below(t, 8);
	memcpy(r->bytes + offsetof(struct iommu_test_cmd,
				   destroy_access_pages),
	       &c.destroy_access_pages, sizeof(c.destroy_access_pages));
}

static void g_access_pages(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	struct uref u = { -1, 0, 0 };
	struct mapping *m = NULL;
	struct access *a;
	unsigned int x;
	uint64_t skip;

	tc_init(r, G_ACCESS_PAGES, &c, IOMMU_TEST_OP_ACCESS_PAGES, 0);
	rec_struct(r, &c, sizeof(c));
	pick_access(t, r, offsetof(struct iommu_test_cmd, id), &a);
	if (a && pct(t, 85))
		m = pick_map(t, a->ioas);
	if (m) {
		skip = below(t, m->len / pgsz + 1) * pgsz;
		if (skip >= m->len)
			skip = 0;
		c.access_pages.iova = m->iova + skip;
		c.access_pages.length = pct(t, 50) ? m->len - skip :
			MIN(m->len - skip, pgsz * (1 + below(t, 4)));
		x = below(t, 100);
		if (x < 50 && m->buf >= 0) {
			u.buf = m->buf;
			u.off = m->off + skip;
		} else if (x < 85) {
			u.lit = 0;	/* no check of the pages */
		} else {
			u.buf = B_ANON;
		}
	} else {
		c.access_pages.length = pick_len(t);
		c.access_pages.iova = pick_iova(t, c.access_pages.length);
	}
	if (pct(t, 5))
		c.access_pages.length = pct(t, 50) ? 0 : (16ULL << 20) + 1;
	x = below(t, 100);
	c.access_pages.flags = x < 40 ? 0 : x < 90 ? MOCK_FLAGS_ACCESS_WRITE :
			       x < 95 ? MOCK_FLAGS_ACCESS_SYZ : (uint32_t)rnd(t);
	memcpy(r->bytes + offsetof(struct iommu_test_cmd, access_pages),
	       &c.access_pages, sizeof(c.access_pages));
	fx_ptr(r, offsetof(struct iommu_test_cmd, access_pages.uptr), &u);
}

static void g_access_rw(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	struct uref u = { -1, 0, 0 };
	struct mapping *m = NULL;
	struct access *a;
	unsigned int x;
	uint64_t skip;

	tc_init(r, G_ACCESS_RW, &c, IOMMU_TEST_OP_ACCESS_RW, 0);
	rec_struct(r, &c, sizeof(c));
	pick_access(t, r, offsetof(struct iommu_test_cmd, id), &a);
	if (a && pct(t, 85))
		m = pick_map(t, a->ioas);
	if (m) {
		skip = below(t, m->len);
		c.access_rw.iova = m->iova + skip;
		c.access_rw.length = 1 + below(t, MIN(m->len - skip, 8192));
		if (pct(t, 5))
			c.access_rw.length = m->len - skip + 1 + below(t, 64);
	} else {
		c.access_rw.length = 1 + below(t, 8192);
		c.access_rw.iova = pick_iova(t, c.access_rw.length);
	}
	if (pct(t, 3))
		c.access_rw.length = pct(t, 50) ? 0 : (16ULL << 20) + 1;
	x = below(t, 100);
	c.access_rw.flags = x < 35 ? 0 : x < 70 ? MOCK_ACCESS_RW_WRITE :
			    x < 82 ? MOCK_ACCESS_RW_SLOW_PATH :
			    x < 95 ? MOCK_ACCESS_RW_WRITE |
				     MOCK_ACCESS_RW_SLOW_PATH :
				     (uint32_t)rnd(t);
	x = below(t, 100);
	if (x < 75) {
		put_data(t, r, NULL, 0, MIN(c.access_rw.length,
					    (uint64_t)SCRATCH_LEN), &u);
		if (u.buf == (int)(B_SCRATCH0 + t->idx))
			r->fill = 2;	/* something to write */
	} else if (x < 90) {
		u.buf = pct(t, 50) ? B_ANON : B_THP;
	} else {
		u.buf = B_RO;
	}
	memcpy(r->bytes + offsetof(struct iommu_test_cmd, access_rw),
	       &c.access_rw, sizeof(c.access_rw));
	fx_ptr(r, offsetof(struct iommu_test_cmd, access_rw.uptr), &u);
}

static void g_temp_limit(struct thr *t, struct oprec *r)
{
	static const uint32_t limits[] = {
		0, 65536, 8, 11, 12, 16, 64, 4096, 24,
	};
	struct iommu_test_cmd c;

	tc_init(r, G_TEMP_LIMIT, &c, IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, 0);
	c.memory_limit.limit = pct(t, 85) ?
		limits[below(t, ARRAY_SIZE(limits))] : below(t, 65536);
	rec_struct(r, &c, sizeof(c));
}

static void g_access_replace(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	struct access *a;

	tc_init(r, G_ACCESS_REPLACE, &c, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, 0);
	c.access_replace_ioas.ioas_id = pick_id(t, T_IOAS, 0);
	rec_struct(r, &c, sizeof(c));
	pick_access(t, r, offsetof(struct iommu_test_cmd, id), &a);
}

static void g_test_unsupp(struct thr *t, struct oprec *r)
{
	static const uint32_t ops[] = {
		IOMMU_TEST_OP_DIRTY, IOMMU_TEST_OP_TRIGGER_IOPF,
		IOMMU_TEST_OP_TRIGGER_VEVENT, 0, 22, 0x10f00003, 0xffffffff,
	};
	struct iommu_test_cmd c;
	unsigned int i;

	tc_init(r, G_TEST_UNSUPP, &c, ops[below(t, ARRAY_SIZE(ops))],
		pick_id(t, T_ANY, 0));
	for (i = 0; i < 6; i++)
		if (pct(t, 50))
			((uint64_t *)&c.dirty)[i] = rnd(t) >> below(t, 64);
	if (c.op == IOMMU_TEST_OP_TRIGGER_IOPF ||
	    c.op == IOMMU_TEST_OP_TRIGGER_VEVENT)
		c.trigger_iopf.dev_id = pick_id(t, T_IDEV, 0);
	rec_struct(r, &c, sizeof(c));
}

static void g_check_iotlb(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	struct obj *o;

	tc_init(r, G_CHECK_IOTLB, &c, IOMMU_TEST_OP_MD_CHECK_IOTLB,
		pick_id(t, T_NESTED, 0));
	o = pool_find(c.id);
	c.check_iotlb.id = pct(t, 90) ? below(t, 4) : pct(t, 50) ? 4 : rnd(t);
	c.check_iotlb.iotlb = o && pct(t, 70) ? (uint32_t)o->val :
			      (uint32_t)rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_dev_check_cache(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;
	unsigned int x = below(t, 100);

	tc_init(r, G_DEV_CHECK_CACHE, &c, IOMMU_TEST_OP_DEV_CHECK_CACHE,
		pick_id(t, T_IDEV, 0));
	c.check_dev_cache.id = pct(t, 90) ? below(t, 4) : rnd(t);
	c.check_dev_cache.cache = x < 60 ? IOMMU_TEST_DEV_CACHE_DEFAULT :
				  x < 85 ? 0 : (uint32_t)rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static uint32_t pick_pasid(struct thr *t)
{
	switch (below(t, 20)) {
	case 0 ... 9:
		return 1 + below(t, 16);
	case 10 ... 11:
		return 0;		/* the RID, for the test ops */
	case 12:
		return IOMMU_TEST_PASID_RESERVED;
	case 13:
		return (1u << MOCK_PASID_WIDTH) - 1;
	case 14:
		return 1u << MOCK_PASID_WIDTH;
	case 15:
		return UINT32_MAX;
	default:
		return rnd(t);
	}
}

static void g_pasid(struct thr *t, struct oprec *r)
{
	static const uint32_t ops[] = {
		IOMMU_TEST_OP_PASID_ATTACH, IOMMU_TEST_OP_PASID_ATTACH,
		IOMMU_TEST_OP_PASID_ATTACH, IOMMU_TEST_OP_PASID_REPLACE,
		IOMMU_TEST_OP_PASID_REPLACE, IOMMU_TEST_OP_PASID_DETACH,
		IOMMU_TEST_OP_PASID_DETACH, IOMMU_TEST_OP_PASID_CHECK_HWPT,
	};
	struct iommu_test_cmd c;
	unsigned int x = below(t, 100);
	uint32_t pt;

	tc_init(r, G_PASID, &c, ops[below(t, ARRAY_SIZE(ops))],
		pick_id(t, T_STDEV, pct(t, 75) ? OF_DEV_PASID : 0));
	pt = x < 55 ? pick_id(t, T_HWPT, OF_PASID) :
	     x < 75 ? pick_id(t, T_NESTED, 0) :
	     x < 90 ? pick_id(t, T_IOAS, 0) : pick_id(t, T_ANY, 0);
	/* pasid and pt_id/hwpt_id share the layout of all four */
	c.pasid_attach.pasid = pick_pasid(t);
	c.pasid_attach.pt_id = pt;
	if (c.op == IOMMU_TEST_OP_PASID_CHECK_HWPT && pct(t, 30))
		c.pasid_check.hwpt_id = 0;
	rec_struct(r, &c, sizeof(c));
}

/* Never more than a buffer (and one page): pinning is real work */
static void g_pin_bench(struct thr *t, struct oprec *r)
{
	static const uint8_t pb[] = {
		B_ANON, B_SHARED, B_THP, B_MEMFD, B_SEALED, B_RO,
	};
	int b = pb[below(t, ARRAY_SIZE(pb))];
	uint64_t pages = bufs[b].len / pgsz, first;
	struct iommu_test_cmd c;
	struct uref u;

	first = below(t, pages);
	u = (struct uref){ b, first * pgsz, 0 };
	tc_init(r, G_PIN_BENCH, &c, IOMMU_TEST_OP_IOFD_PIN_BENCH, 0);
	switch (below(t, 10)) {
	case 0:
		c.iofd_pin_bench.length = 0;
		break;
	case 1:
		c.iofd_pin_bench.length = MOCK_PG;
		break;
	case 2:
		c.iofd_pin_bench.length = (pages - first + 1) * pgsz;
		break;
	case 3:
		u.off += MOCK_PG;
		c.iofd_pin_bench.length = pgsz;
		break;
	default:
		c.iofd_pin_bench.length = (1 + below(t, pages - first)) * pgsz;
		break;
	}
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_test_cmd, iofd_pin_bench.uptr), &u);
}

static void g_fail_nth(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;

	tc_init(r, G_FAIL_NTH, &c, IOMMU_TEST_OP_IOFD_FAIL_NTH, 0);
	c.iofd_fail_nth.nth = t->fail_armed ? 0 : 1 + below(t, 12);
	if (pct(t, 3))
		c.iofd_fail_nth.flags = rnd(t);
	rec_struct(r, &c, sizeof(c));
}

static void g_viommu_info(struct thr *t, struct oprec *r)
{
	struct iommu_test_cmd c;

	tc_init(r, G_VIOMMU_INFO, &c, IOMMU_TEST_OP_IOFD_VIOMMU_INFO,
		pick_id(t, T_VIOMMU, 0));
	rec_struct(r, &c, sizeof(c));
}

/* ------------------------------------------------------- common finish */

static void mutate_size(struct thr *t, struct oprec *r, int c)
{
	unsigned int ks = cmds[c].ksize, min = cmds[c].min;
	unsigned int x = below(t, 100), pos;
	uint32_t size = ks;

	if (x < 80) {
		size = ks;
	} else if (x < 83) {
		size = min + below(t, ks - min + 1);
	} else if (x < 87) {
		size = below(t, min);
	} else if (x < 92) {
		size = ks + 1 + below(t, 64);		/* zero tail */
	} else if (x < 96) {
		size = ks + 1 + below(t, 64);		/* junk in the tail */
		pos = ks + below(t, size - ks);
		r->bytes[pos] = 1 + below(t, 255);
		if (r->len < pos + 1)
			r->len = pos + 1;
	} else if (x < 98) {
		size = pgsz;				/* zeros to the page end */
	} else {
		size = rnd(t);
	}
	memcpy(r->bytes, &size, 4);
}

/*
 * Shared by all generated operations: the size, where the argument lives,
 * and now and then one random field (reserved fields, flags, IDs ...).
 * Failure injection and the pin benchmark are left exactly as built.
 */
static void finish(struct thr *t, struct oprec *r)
{
	static const uint32_t interesting[] = {
		0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x1000, 0xfff,
	};
	int c = cmd_of_req(r->req);
	unsigned int x;
	size_t off;

	r->exp_enomem = t->fail_armed;
	if (r->gen == G_PIN_BENCH || r->gen == G_FAIL_NTH)
		return;
	if (c >= 0)
		mutate_size(t, r, c);
	x = below(t, 1000);
	if (x < 930) {
		r->argmode = AM_NORMAL;
	} else if (x < 945) {
		r->argmode = AM_NULL;
	} else if (x < 955) {
		r->argmode = AM_GUARD;
	} else if (x < 975) {
		r->argmode = AM_CROSS;
		r->argoff = 1 + below(t, r->len);
	} else if (x < 993) {
		r->argmode = AM_RO;
	} else {
		r->argmode = AM_KERNEL;
	}
	if (r->len > 8 && pct(t, 5)) {
		off = 4 + below(t, r->len - 4);
		if (pct(t, 50)) {
			r->bytes[off] = rnd(t);
		} else if ((off & ~3UL) + 4 <= r->len && (off & ~3UL) >= 4) {
			uint32_t v = interesting[below(t, ARRAY_SIZE(interesting))];

			memcpy(r->bytes + (off & ~3UL), &v, 4);
		}
	}
}

/*
 * UNMAP of whole mappings we know must return their total length. Set on
 * the final struct, as finish() may have changed it.
 */
static void expect_unmap_len(struct thr *t, struct oprec *r)
{
	const struct iommu_ioas_unmap *c = (const void *)r->bytes;
	uint64_t last, sum = 0;
	struct obj *o;
	unsigned int i;

	if (!t->oracles || r->argmode != AM_NORMAL || c->size != sizeof(*c) ||
	    !c->length)
		return;
	o = pool_find(c->ioas_id);
	if (!o || o->type != T_IOAS || (o->flags & OF_UNCERTAIN))
		return;
	if (!c->iova && c->length == UINT64_MAX)
		last = UINT64_MAX;
	else if (__builtin_add_overflow(c->iova, c->length - 1, &last))
		return;
	for (i = 0; i < P.nmaps; i++) {
		const struct mapping *m = &P.maps[i];

		if (m->ioas != c->ioas_id || m->iova > last ||
		    m->iova + m->len - 1 < c->iova)
			continue;
		if (m->iova < c->iova || m->iova + m->len - 1 > last)
			return;		/* partly covered: must fail */
		sum += m->len;
	}
	r->exp_off = offsetof(struct iommu_ioas_unmap, length);
	r->exp_w = 8;
	r->exp_val = sum;
}

/* ------------------------------------------------------------- oracles */

static void oracle_init(struct thr *t, struct oprec *r,
			struct iommu_test_cmd *c, uint32_t op, uint32_t id)
{
	tc_init(r, G_MAX, c, op, id);
	r->exp = EXP_OK;
	r->exp_enomem = t->fail_armed;
	r->origin = ORIGIN_FOLLOWUP;
}

/* The mock page table of @hwpt must map [iova, +len) to buf[off...] */
static int o_check_map(struct thr *t, struct oprec *r, uint32_t hwpt,
		       uint64_t iova, uint64_t len, int buf, uint64_t off)
{
	struct iommu_test_cmd c;
	struct uref u = { buf, off, 0 };
	uint64_t end;

	if (buf < 0 || !len || iova % MOCK_PG || len % MOCK_PG ||
	    ((uintptr_t)bufs[buf].p + off) % MOCK_PG ||
	    __builtin_add_overflow(iova, len, &end))
		return 0;
	oracle_init(t, r, &c, IOMMU_TEST_OP_MD_CHECK_MAP, hwpt);
	/* The HWPT may be an auto domain that went with its last device */
	r->exp = EXP_OK_ENOENT;
	c.check_map.iova = iova;
	c.check_map.length = len;
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_test_cmd, check_map.uptr), &u);
	return 1;
}

/* Up to @max mock page tables of @ioas must have the new mapping */
static int o_maps_of_ioas(struct thr *t, struct oprec *fol, int max,
			  uint32_t ioas, uint64_t iova, uint64_t len, int buf,
			  uint64_t off)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < P.nobjs && n < max; i++)
		if (P.objs[i].type == T_HWPT && P.objs[i].link == ioas)
			n += o_check_map(t, &fol[n], P.objs[i].id, iova, len,
					 buf, off);
	return n;
}

/* A new paging HWPT must have every mapping its IOAS already had */
static int o_hwpt_has_maps(struct thr *t, struct oprec *fol, int max,
			   uint32_t hwpt, uint32_t ioas)
{
	struct obj *o = pool_find(ioas);
	unsigned int i;
	int n = 0;

	/* A failed UNMAP may have removed some of them */
	if (!o || (o->flags & OF_UNCERTAIN))
		return 0;
	for (i = 0; i < P.nmaps && n < max; i++)
		if (P.maps[i].ioas == ioas)
			n += o_check_map(t, &fol[n], hwpt, P.maps[i].iova,
					 P.maps[i].len, P.maps[i].buf,
					 P.maps[i].off);
	return n;
}

static int o_pasid_check(struct thr *t, struct oprec *r, uint32_t stdev,
			 uint32_t pasid, uint32_t hwpt)
{
	struct iommu_test_cmd c;

	oracle_init(t, r, &c, IOMMU_TEST_OP_PASID_CHECK_HWPT, stdev);
	c.pasid_check.pasid = pasid;
	c.pasid_check.hwpt_id = hwpt;
	rec_struct(r, &c, sizeof(c));
	return 1;
}

static int o_check_iotlb(struct thr *t, struct oprec *r, struct obj *n)
{
	struct iommu_test_cmd c;
	uint32_t idx = below(t, 4);

	if (n->flags & OF_UNCERTAIN)
		return 0;
	oracle_init(t, r, &c, IOMMU_TEST_OP_MD_CHECK_IOTLB, n->id);
	c.check_iotlb.id = idx;
	c.check_iotlb.iotlb = n->arr[idx];
	rec_struct(r, &c, sizeof(c));
	return 1;
}

static int o_check_cache(struct thr *t, struct oprec *r, struct obj *d)
{
	struct iommu_test_cmd c;
	uint32_t idx = below(t, 4);

	if (d->flags & OF_UNCERTAIN)
		return 0;
	oracle_init(t, r, &c, IOMMU_TEST_OP_DEV_CHECK_CACHE, d->id);
	c.check_dev_cache.id = idx;
	c.check_dev_cache.cache = d->arr[idx];
	rec_struct(r, &c, sizeof(c));
	return 1;
}

/*
 * The pins page @page of buffer @b must have: one per live MAP/MAP_FILE
 * covering it (COPY shares them). -1 when the pool cannot tell.
 */
static int expected_pins(int b, uint64_t page)
{
	uint64_t first, last;
	unsigned int i;
	int refs = 0;

	/* An old context kept alive by an access file still holds pins */
	for (i = 0; i < P.nacc; i++)
		if (P.accs[i].open && P.accs[i].foreign)
			return -1;
	for (i = 0; i < P.nobjs; i++)
		if (P.objs[i].type == T_IOAS &&
		    (P.objs[i].flags & OF_UNCERTAIN))
			return -1;
	if (P.refs_unknown)
		return -1;
	for (i = 0; i < P.ngroups; i++) {
		const struct group *g = &P.groups[i];

		if (g->buf != b || !g->len)
			continue;
		first = g->off / pgsz;
		last = (g->off + g->len - 1) / pgsz;
		refs += page >= first && page <= last;
	}
	return refs;
}

static bool o_refs(struct thr *t, struct oprec *r)
{
	int b = refs_bufs[below(t, ARRAY_SIZE(refs_bufs))], refs;
	struct iommu_test_cmd c;
	uint64_t page;
	struct uref u;

	if (b == B_SCRATCH0)
		b += t->idx;
	page = below(t, bufs[b].len / pgsz);
	refs = expected_pins(b, page);
	if (refs < 0)
		return false;
	u = (struct uref){ b, page * pgsz, 0 };
	oracle_init(t, r, &c, IOMMU_TEST_OP_MD_CHECK_REFS, 0);
	r->gen = G_ORACLE_REFS;
	r->origin = ORIGIN_REFS;
	c.check_refs.length = pgsz;
	c.check_refs.refs = refs;
	rec_struct(r, &c, sizeof(c));
	fx_ptr(r, offsetof(struct iommu_test_cmd, check_refs.uptr), &u);
	return true;
}

/* ---------------------------------------------------------------- post */

static struct access *rec_access(const struct oprec *r)
{
	const struct fixup *x = rec_fx(r, offsetof(struct iommu_test_cmd, id));

	if (!x || x->kind != FX_FD || x->ref != FDK_ACCESS || x->handle < 0 ||
	    (unsigned int)x->handle >= P.nacc)
		return NULL;
	return &P.accs[x->handle];
}

static void mark_viommu_devs_uncertain(uint32_t viommu)
{
	unsigned int i;
	struct obj *d;

	for (i = 0; i < P.nobjs; i++) {
		if (P.objs[i].type != T_VDEV || P.objs[i].link != viommu)
			continue;
		d = pool_find(P.objs[i].link2);
		if (d)
			d->flags |= OF_UNCERTAIN;
	}
}

/*
 * What @done handled invalidation entries did to the mock IOTLB of a
 * nested HWPT or to the device caches behind a vIOMMU. Returns the object
 * worth checking afterwards.
 */
static struct obj *apply_invalidation(struct thr *t, const struct oprec *r,
				      uint32_t done, bool known)
{
	const struct iommu_hwpt_invalidate *c = (const void *)r->bytes;
	const struct fixup *x = rec_fx(r, offsetof(struct iommu_hwpt_invalidate,
						   data_uptr));
	struct obj *o = pool_find(c->hwpt_id), *d, *last = NULL;
	uint32_t i, k;

	if (!o || (o->type != T_NESTED && o->type != T_VIOMMU))
		return NULL;
	known = known && x && own_scratch(t, x) && x->add == r->woff &&
		(uint64_t)done * c->entry_len <= r->wlen;
	if (!known) {
		if (o->type == T_NESTED)
			o->flags |= OF_UNCERTAIN;
		else
			mark_viommu_devs_uncertain(o->id);
		return NULL;
	}
	for (i = 0; i < done; i++) {
		const uint8_t *e = r->w + (size_t)i * c->entry_len;

		if (o->type == T_NESTED) {
			struct iommu_hwpt_invalidate_selftest h = { 0 };

			memcpy(&h, e, MIN(sizeof(h), (size_t)c->entry_len));
			for (k = 0; k < 4; k++)
				if ((h.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) ||
				    k == h.iotlb_id)
					o->arr[k] = 0;
			last = o;
		} else {
			struct iommu_viommu_invalidate_selftest v = { 0 };
			unsigned int j;

			memcpy(&v, e, MIN(sizeof(v), (size_t)c->entry_len));
			d = NULL;
			for (j = 0; j < P.nobjs; j++)
				if (P.objs[j].type == T_VDEV &&
				    P.objs[j].link == o->id &&
				    (uint32_t)P.objs[j].val == v.vdev_id &&
				    P.objs[j].val <= UINT32_MAX)
					d = pool_find(P.objs[j].link2);
			if (!d) {
				mark_viommu_devs_uncertain(o->id);
				continue;
			}
			for (k = 0; k < 4; k++)
				if ((v.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL) ||
				    k == v.cache_id)
					d->arr[k] = 0;
			last = d;
		}
	}
	return last;
}

static void post_invalidate(struct thr *t, struct oprec *r, struct oprec *fol,
			    int *nf)
{
	const struct iommu_hwpt_invalidate *in = (const void *)r->bytes;
	const struct iommu_hwpt_invalidate *out = (const void *)r->out;
	struct obj *o;
	bool exact = r->argmode == AM_NORMAL && in->size == sizeof(*in);

	/* The handler always writes entry_num back; the dispatcher does not */
	o = apply_invalidation(t, r, exact ? out->entry_num : in->entry_num,
			       exact);
	if (!o || !t->oracles)
		return;
	if (o->type == T_NESTED)
		*nf += o_check_iotlb(t, &fol[*nf], o);
	else
		*nf += o_check_cache(t, &fol[*nf], o);
}

static void post_map(struct thr *t, struct oprec *fol, int *nf,
		     uint32_t ioas, uint64_t iova, uint64_t len,
		     const struct uref *u)
{
	uint32_t group = group_new(u, len);

	map_add(ioas, iova, len, u->buf, u->off, group);
	if (t->oracles)
		*nf += o_maps_of_ioas(t, &fol[*nf], 2, ioas, iova, len, u->buf,
				      u->off);
}

/*
 * An attach to IOAS @ioas ended on HWPT @hwpt: an auto domain of that
 * IOAS, already known or new. Known as anything else, the entry is stale:
 * the kernel destroyed that object (a PASID's auto domain, which we do not
 * follow) and reused its ID.
 */
static void note_auto_hwpt(uint32_t hwpt, uint32_t ioas, uint32_t flags)
{
	struct obj *h = pool_find(hwpt);

	if (h && h->type == T_HWPT && h->link == ioas)
		return;
	pool_add(hwpt, T_HWPT, OF_AUTO | flags, ioas, 0, 0);
}

static void post_test(struct thr *t, struct oprec *r, struct oprec *fol,
		      int *nf)
{
	const struct iommu_test_cmd *in = (const void *)r->bytes;
	const struct iommu_test_cmd *out = (const void *)r->out;
	struct obj *s, *pt;
	struct access *a;
	uint32_t hwpt, flags, old;
	unsigned int i;

	switch (in->op) {
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		flags = in->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS &&
			(in->mock_domain_flags.dev_flags &
			 MOCK_FLAGS_DEVICE_PASID) ? OF_DEV_PASID : 0;
		hwpt = out->mock_domain.out_hwpt_id;
		pt = pool_find(in->id);
		if (!pt || pt->type == T_IOAS)
			note_auto_hwpt(hwpt, in->id, flags ? OF_PASID : 0);
		pool_add(out->mock_domain.out_stdev_id, T_STDEV, flags,
			 out->mock_domain.out_idev_id, hwpt, 0);
		pool_add(out->mock_domain.out_idev_id, T_IDEV, flags,
			 out->mock_domain.out_stdev_id, 0,
			 IOMMU_TEST_DEV_CACHE_DEFAULT);
		if (!t->oracles)
			break;
		*nf += o_pasid_check(t, &fol[*nf], out->mock_domain.out_stdev_id,
				     0, hwpt);
		if (pt && pt->type == T_IOAS)
			*nf += o_hwpt_has_maps(t, &fol[*nf], 1, hwpt, in->id);
		break;
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
	case IOMMU_TEST_OP_PASID_ATTACH:
	case IOMMU_TEST_OP_PASID_REPLACE:
		/* pt_id is at the same place in the three */
		hwpt = in->op == IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE ?
		       out->mock_domain_replace.pt_id : out->pasid_attach.pt_id;
		pt = pool_find(in->op == IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE ?
			       in->mock_domain_replace.pt_id :
			       in->pasid_attach.pt_id);
		s = pool_find(in->id);
		if (pt && pt->type == T_IOAS)
			note_auto_hwpt(hwpt, pt->id, s && (s->flags & OF_DEV_PASID) ?
				       OF_PASID : 0);
		if (s && (in->op == IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE ||
			  !in->pasid_attach.pasid)) {
			old = s->link2;
			s->link2 = hwpt;
			if (old != hwpt)
				auto_gc(old);
		}
		if (t->oracles)
			*nf += o_pasid_check(t, &fol[*nf], in->id,
				in->op == IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE ?
				0 : in->pasid_attach.pasid, hwpt);
		break;
	case IOMMU_TEST_OP_PASID_DETACH:
		s = pool_find(in->id);
		if (s && !in->pasid_detach.pasid) {
			old = s->link2;
			s->link2 = 0;
			auto_gc(old);
		}
		if (t->oracles)
			*nf += o_pasid_check(t, &fol[*nf], in->id,
					     in->pasid_detach.pasid, 0);
		break;
	case IOMMU_TEST_OP_ACCESS_PAGES:
		a = rec_access(r);
		if (a && a->npages < MAX_ACC_PAGES)
			a->pages[a->npages++] =
				out->access_pages.out_access_pages_id;
		break;
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		a = rec_access(r);
		for (i = 0; a && i < a->npages; i++) {
			if (a->pages[i] !=
			    in->destroy_access_pages.access_pages_id)
				continue;
			a->pages[i] = a->pages[--a->npages];
			break;
		}
		break;
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		a = rec_access(r);
		if (a) {
			a->ioas = in->access_replace_ioas.ioas_id;
			a->npages = 0;
		}
		break;
	case IOMMU_TEST_OP_IOFD_FAIL_NTH:
		if (t->fail_armed)
			t->disarm_at = t->nops + 1 + below(t, 6);
		break;
	}
}

/*
 * Learn from a finished operation (pool_lock held) and queue the checks
 * that follow from it into @fol. Returns how many were queued.
 */
static int post(struct thr *t, struct oprec *r, struct oprec *fol)
{
	int c = cmd_of_req(r->req);
	const struct fixup *x;
	struct obj *o;
	struct uref u;
	uint32_t size;
	int nf = 0;

	if (r->kind != R_IOCTL || c < 0 || r->len < 4)
		return 0;
	/*
	 * Read the struct as the kernel did: nothing past the size (the log
	 * and the ring keep the bytes as sent).
	 */
	memcpy(&size, r->bytes, 4);
	if (size < r->len)
		memset(r->bytes + size, 0, r->len - size);
	if (size < sizeof(r->out))
		memset(r->out + size, 0, sizeof(r->out) - size);
	/* A failed UNMAP may have removed some mappings before failing */
	if (c == C_IOAS_UNMAP && r->rc && r->err != EINVAL &&
	    r->err != E2BIG && r->err != EOVERFLOW && r->err != ENOTTY &&
	    !(r->err == EFAULT && r->argmode != AM_RO &&
	      r->argmode != AM_CROSS)) {
		o = pool_find(((struct iommu_ioas_unmap *)r->bytes)->ioas_id);
		if (o)
			o->flags |= OF_UNCERTAIN;
	}
	/* Entries may have taken effect even when the call failed */
	if (c == C_INVALIDATE) {
		post_invalidate(t, r, fol, &nf);
		return nf;
	}
	/*
	 * Success with any argument mode took effect (with a read-only
	 * struct, only commands that answer nothing can succeed).
	 */
	if (r->rc)
		return 0;

	switch (c) {
	case C_DESTROY:
		pool_del(((struct iommu_destroy *)r->bytes)->id);
		break;
	case C_IOAS_ALLOC:
		pool_add(((struct iommu_ioas_alloc *)r->out)->out_ioas_id,
			 T_IOAS, 0, 0, 0, 0);
		/* A new IOAS has no mappings, whatever we thought of the ID */
		maps_del_ioas(((struct iommu_ioas_alloc *)r->out)->out_ioas_id);
		break;
	case C_IOAS_MAP: {
		const struct iommu_ioas_map *m = (const void *)r->out;

		x = rec_fx(r, offsetof(struct iommu_ioas_map, user_va));
		u = (struct uref){ x ? x->ref : -1, x ? x->add : 0, 0 };
		post_map(t, fol, &nf, m->ioas_id, m->iova, m->length, &u);
		break;
	}
	case C_MAP_FILE: {
		const struct iommu_ioas_map_file *m = (const void *)r->out;

		x = rec_fx(r, offsetof(struct iommu_ioas_map_file, fd));
		u = (struct uref){ -1, m->start, 0 };
		if (x && (x->ref == FDK_MEMFD || x->ref == FDK_MEMFD_RO))
			u.buf = B_MEMFD;
		else if (x && x->ref == FDK_SEALED)
			u.buf = B_SEALED;
		post_map(t, fol, &nf, m->ioas_id, m->iova, m->length, &u);
		break;
	}
	case C_IOAS_COPY: {
		/*
		 * The kernel copies every area the source range crosses as
		 * one area of its own (sharing its pins), as upstream.
		 */
		const struct iommu_ioas_copy *m = (const void *)r->out;
		/* Inclusive ends: a range may end at U64_MAX */
		uint64_t pos = m->src_iova, last = m->src_iova + m->length - 1;
		uint64_t dpos = m->dst_iova, piece, src_last;
		struct mapping *src;
		unsigned int i;
		bool unsure;

		if (!m->length)
			break;
		/*
		 * A source we are unsure of (an UNMAP that failed part way,
		 * e.g. EFAULT writing its answer) makes the copy unsure too.
		 */
		o = pool_find(m->src_ioas_id);
		unsure = !o || (o->flags & OF_UNCERTAIN);
		if (unsure) {
			o = pool_find(m->dst_ioas_id);
			if (o)
				o->flags |= OF_UNCERTAIN;
			P.refs_unknown = true;
		}
		for (;;) {
			src = NULL;
			for (i = 0; i < P.nmaps; i++)
				if (P.maps[i].ioas == m->src_ioas_id &&
				    pos >= P.maps[i].iova &&
				    pos - P.maps[i].iova < P.maps[i].len)
					src = &P.maps[i];
			if (!src) {
				map_add(m->dst_ioas_id, dpos, last - pos + 1, -1,
					0, 0);
				break;
			}
			src_last = src->iova + src->len - 1;
			piece = MIN(last, src_last) - pos + 1;
			u = (struct uref){ src->buf, src->off + (pos - src->iova),
					   0 };
			map_add(m->dst_ioas_id, dpos, piece, u.buf, u.off,
				src->group);
			if (t->oracles && nf < 2 && !unsure)
				nf += o_maps_of_ioas(t, &fol[nf], 2 - nf,
						     m->dst_ioas_id, dpos, piece,
						     u.buf, u.off);
			if (src_last >= last)
				break;
			pos += piece;
			dpos += piece;
		}
		break;
	}
	case C_IOAS_UNMAP: {
		const struct iommu_ioas_unmap *m = (const void *)r->bytes;
		uint64_t last;
		unsigned int i;

		if (!m->iova && m->length == UINT64_MAX)
			last = UINT64_MAX;
		else if (!m->length ||
			 __builtin_add_overflow(m->iova, m->length - 1, &last))
			break;
		for (i = 0; i < P.nmaps;) {
			struct mapping *p = &P.maps[i];

			if (p->ioas == m->ioas_id && p->iova >= m->iova &&
			    p->iova + p->len - 1 <= last)
				*p = P.maps[--P.nmaps];
			else
				i++;
		}
		group_gc();
		break;
	}
	case C_HWPT_ALLOC: {
		const struct iommu_hwpt_alloc *h = (const void *)r->bytes;
		uint32_t id = ((struct iommu_hwpt_alloc *)r->out)->out_hwpt_id;
		uint32_t flags = 0, iotlb;

		o = pool_find(h->pt_id);
		if (h->data_type == IOMMU_HWPT_DATA_NONE &&
		    (!o || o->type == T_IOAS)) {
			if (h->flags & IOMMU_HWPT_ALLOC_NEST_PARENT)
				flags |= OF_NEST_PARENT;
			if (h->flags & IOMMU_HWPT_ALLOC_PASID)
				flags |= OF_PASID;
			pool_add(id, T_HWPT, flags, h->pt_id, 0, 0);
			if (t->oracles)
				nf += o_hwpt_has_maps(t, fol, 2, id, h->pt_id);
			break;
		}
		x = rec_fx(r, offsetof(struct iommu_hwpt_alloc, data_uptr));
		if (h->data_type == IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE)
			flags |= OF_PTABLE;
		if (h->flags & IOMMU_HWPT_ALLOC_PASID)
			flags |= OF_PASID;
		iotlb = 0;
		if (!x || !own_scratch(t, x) || x->add != r->woff ||
		    r->wlen < 4)
			flags |= OF_UNCERTAIN;
		else
			memcpy(&iotlb, r->w, 4);
		o = pool_add(id, T_NESTED, flags, h->pt_id, 0, iotlb);
		if (o && t->oracles)
			nf += o_check_iotlb(t, &fol[nf], o);
		break;
	}
	case C_VIOMMU_ALLOC: {
		const struct iommu_viommu_alloc *v = (const void *)r->out;
		struct iommu_test_cmd tc;

		pool_add(v->out_viommu_id, T_VIOMMU, 0, v->hwpt_id, v->dev_id,
			 0);
		if (!t->oracles)
			break;
		/* The mock must know it, with its parent */
		oracle_init(t, &fol[nf], &tc, IOMMU_TEST_OP_IOFD_VIOMMU_INFO,
			    v->out_viommu_id);
		rec_struct(&fol[nf], &tc, sizeof(tc));
		fol[nf].exp_off = offsetof(struct iommu_test_cmd,
					   iofd_viommu_info.out_parent_id);
		fol[nf].exp_w = 4;
		fol[nf].exp_val = v->hwpt_id;
		nf++;
		break;
	}
	case C_VDEVICE_ALLOC: {
		const struct iommu_vdevice_alloc *v = (const void *)r->out;

		pool_add(v->out_vdevice_id, T_VDEV, 0, v->viommu_id, v->dev_id,
			 v->virt_id);
		break;
	}
	case C_TEST:
		post_test(t, r, fol, &nf);
		break;
	}
	return nf;
}

/* ------------------------------------------------------------ the loop */

static unsigned int count_type(int type)
{
	unsigned int i, n = 0;

	for (i = 0; i < P.nobjs; i++)
		n += P.objs[i].type == type;
	return n;
}

static bool have(int type, uint32_t need)
{
	unsigned int i;

	for (i = 0; i < P.nobjs; i++)
		if (P.objs[i].type == type && (P.objs[i].flags & need) == need)
			return true;
	return false;
}

/* @g, or the generator that makes what @g needs and is missing */
static int prerequisite(int g)
{
	for (;;) {
		int need = g;

		switch (g) {
		case G_VDEVICE_ALLOC:
		case G_VIOMMU_INFO:
		case G_VEVENTQ:
		case G_HW_QUEUE:
			if (!have(T_VIOMMU, 0))
				need = G_VIOMMU_ALLOC;
			break;
		case G_VIOMMU_ALLOC:
			if (!have(T_IDEV, 0))
				need = G_MOCK_DOMAIN;
			else if (!have(T_HWPT, OF_NEST_PARENT))
				need = G_HWPT_ALLOC;
			break;
		case G_INVALIDATE:
		case G_CHECK_IOTLB:
			if (!have(T_NESTED, 0) && !have(T_VIOMMU, 0))
				need = G_HWPT_ALLOC;
			break;
		case G_HWPT_ALLOC:
		case G_HW_INFO:
		case G_DEV_CHECK_CACHE:
			if (!have(T_IDEV, 0))
				need = G_MOCK_DOMAIN;
			break;
		case G_REPLACE:
		case G_PASID:
			if (!have(T_STDEV, 0))
				need = G_MOCK_DOMAIN;
			break;
		case G_MOCK_DOMAIN:
		case G_MAP:
		case G_MAP_FILE:
		case G_COPY:
		case G_CREATE_ACCESS:
		case G_ADD_RESERVED:
		case G_ALLOW_IOVAS:
			if (!have(T_IOAS, 0))
				need = G_IOAS_ALLOC;
			break;
		case G_ACCESS_PAGES:
		case G_ACCESS_RW:
		case G_ACCESS_REPLACE:
		case G_DESTROY_ACCESS_PAGES:
			if (!open_accesses())
				need = G_CREATE_ACCESS;
			break;
		}
		if (need == g)
			return g;
		g = need;
	}
}

/* Which generator next (pool_lock held); keeps the pool within bounds */
static int pick_gen(struct thr *t)
{
	unsigned int x, g, total = 0;

	if (t->fail_armed && t->nops >= t->disarm_at)
		return G_FAIL_NTH;
	if (P.nobjs > MAX_OBJS * 3 / 4 && pct(t, 50))
		return G_DESTROY;
	if (P.nmaps > MAX_MAPS * 3 / 4 && pct(t, 50))
		return G_UNMAP;
	if (open_accesses() > 12 && pct(t, 50))
		return G_CLOSE_ACCESS;
	for (g = 0; g < G_MAX; g++)
		total += gen_weight[g];
	x = below(t, total);
	for (g = 0; g < G_MAX; g++) {
		if (x < gen_weight[g])
			break;
		x -= gen_weight[g];
	}
	/*
	 * Mostly build what the operation needs first: a vIOMMU wants a
	 * nest parent, a vDEVICE a vIOMMU, and so on. The rest of the time
	 * the operation goes ahead and meets ENOENT.
	 */
	if (pct(t, 70))
		g = prerequisite(g);
	if (g == G_MOCK_DOMAIN && count_type(T_STDEV) >= 12)
		g = G_DESTROY;
	if (g == G_CREATE_ACCESS && (open_accesses() >= 16 ||
				     P.nacc >= MAX_ACC - 1))
		g = G_CLOSE_ACCESS;
	if (g == G_ORACLE_REFS && !t->oracles)
		g = G_CHECK_REFS;
	return g;
}

typedef void (*gen_fn)(struct thr *t, struct oprec *r);

static const gen_fn gen_fns[G_MAX] = {
	[G_DESTROY] = g_destroy, [G_IOAS_ALLOC] = g_ioas_alloc,
	[G_ALLOW_IOVAS] = g_allow_iovas, [G_COPY] = g_copy,
	[G_IOVA_RANGES] = g_iova_ranges, [G_MAP] = g_map,
	[G_MAP_FILE] = g_map_file, [G_UNMAP] = g_unmap,
	[G_OPTION] = g_option, [G_VFIO_IOAS] = g_vfio_ioas,
	[G_HWPT_ALLOC] = g_hwpt_alloc, [G_HW_INFO] = g_hw_info,
	[G_DIRTY] = g_dirty, [G_INVALIDATE] = g_invalidate,
	[G_FAULT_ALLOC] = g_fault_alloc, [G_VIOMMU_ALLOC] = g_viommu_alloc,
	[G_VDEVICE_ALLOC] = g_vdevice_alloc,
	[G_CHANGE_PROCESS] = g_change_process, [G_VEVENTQ] = g_veventq,
	[G_HW_QUEUE] = g_hw_queue, [G_BAD_IOCTL] = g_bad_ioctl,
	[G_ADD_RESERVED] = g_add_reserved, [G_MOCK_DOMAIN] = g_mock_domain,
	[G_REPLACE] = g_replace, [G_CHECK_MAP] = g_check_map,
	[G_CHECK_REFS] = g_check_refs, [G_CREATE_ACCESS] = g_create_access,
	[G_DESTROY_ACCESS_PAGES] = g_destroy_access_pages,
	[G_ACCESS_PAGES] = g_access_pages, [G_ACCESS_RW] = g_access_rw,
	[G_TEMP_LIMIT] = g_temp_limit, [G_ACCESS_REPLACE] = g_access_replace,
	[G_TEST_UNSUPP] = g_test_unsupp, [G_CHECK_IOTLB] = g_check_iotlb,
	[G_DEV_CHECK_CACHE] = g_dev_check_cache, [G_PASID] = g_pasid,
	[G_PIN_BENCH] = g_pin_bench, [G_FAIL_NTH] = g_fail_nth,
	[G_VIOMMU_INFO] = g_viommu_info,
};

/* Run @r, learn from it, run the checks that follow from it */
static bool run_with_post(struct thr *t, struct oprec *r)
{
	struct oprec fol[4];
	int i, nf;

	if (!run_rec(t, r))
		return false;
	if (replay_verbose)
		rec_summary(stdout, "# ", r);
	pthread_mutex_lock(&pool_lock);
	nf = post(t, r, fol);
	pthread_mutex_unlock(&pool_lock);
	for (i = 0; i < nf; i++) {
		if (!run_rec(t, &fol[i]))
			return false;
		if (replay_verbose)
			rec_summary(stdout, "#   check: ", &fol[i]);
	}
	return true;
}

/* One generated operation and its follow-up checks (ctx_lock held) */
static bool do_gen(struct thr *t, int g)
{
	struct oprec r;
	unsigned int i, n = 0;
	int h = -1;

	pthread_mutex_lock(&pool_lock);
	if (g == G_CLOSE_ACCESS) {
		for (i = 0; i < P.nacc; i++)
			if (P.accs[i].open && !below(t, ++n))
				h = i;
		if (h < 0 && P.nacc && pct(t, 20))
			h = below(t, P.nacc);	/* already closed */
		pthread_mutex_unlock(&pool_lock);
		if (h < 0)
			return true;
		memset(&r, 0, offsetof(struct oprec, bytes));
		r.kind = R_CLOSE_ACCESS;
		r.gen = G_CLOSE_ACCESS;
		r.handle = h;
		return run_rec(t, &r);
	}
	if (g == G_ORACLE_REFS) {
		if (!o_refs(t, &r)) {
			pthread_mutex_unlock(&pool_lock);
			return true;
		}
	} else {
		gen_fns[g](t, &r);
		finish(t, &r);
		if (g == G_UNMAP)
			expect_unmap_len(t, &r);
	}
	pthread_mutex_unlock(&pool_lock);
	return run_with_post(t, &r);
}

/* Access files left open that we never got a number for */
static unsigned int close_stray_access_files(void)
{
	char path[64], link[128];
	unsigned int strays = 0;
	struct dirent *de;
	ssize_t n;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strstr(link, "iofd_test_access")) {
			close(fd);
			strays++;
		}
	}
	closedir(d);
	return strays;
}

/*
 * Close /dev/iommu and open it again. keep: access files stay open (their
 * context lives on without its file); else they are closed first, and
 * nothing may be left open behind our back.
 */
static bool do_reopen(struct thr *t, struct oprec *r)
{
	bool keep = r->handle;
	unsigned int i, strays = 0;

	r->kind = R_REOPEN;
	r->tid = t->idx;
	if (!replaying)
		r->seq = __atomic_fetch_add(&g_seq, 1, __ATOMIC_RELAXED);
	t->cur = r;
	__atomic_store_n(&t->busy_since, now_ns(), __ATOMIC_RELAXED);
	if (!keep) {
		pthread_mutex_lock(&pool_lock);
		for (i = 0; i < P.nacc; i++) {
			if (P.accs[i].open)
				close(P.accs[i].fd);
			P.accs[i].open = false;
		}
		pthread_mutex_unlock(&pool_lock);
		strays = close_stray_access_files();
	}
	if (g_fd >= 0)
		close(g_fd);
	g_fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	r->rc = g_fd < 0 ? -1 : 0;
	r->err = g_fd < 0 ? errno : 0;
	__atomic_store_n(&t->busy_since, 0, __ATOMIC_RELAXED);
	pthread_mutex_lock(&pool_lock);
	pool_reset(keep);
	pthread_mutex_unlock(&pool_lock);
	t->ring[t->ring_n++ % RING_OPS] = *r;
	t->nops++;
	if (!replaying)
		log_rec(r);
	if (g_fd < 0) {
		report_failure(t, "cannot reopen %s: %s", IOFD_DEV,
			       strerror(r->err));
		return false;
	}
	if (strays) {
		report_failure(t, "%u access file(s) open that no successful CREATE_ACCESS returned",
			       strays);
		return false;
	}
	t->cur = NULL;
	return true;
}

static bool have_mock;

/* Pin count of one page, by asking MD_CHECK_REFS; -1 if unknown */
static int page_pins(uint8_t *p)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = pgsz, .uptr = (uintptr_t)p },
	};

	for (c.check_refs.refs = 0; c.check_refs.refs < 64;
	     c.check_refs.refs++)
		if (!ioctl(g_fd, IOMMU_TEST_CMD, &c))
			return c.check_refs.refs;
	return -1;
}

/* Which pages of buffer @b are pinned, for the report */
static void explain_pins(int b)
{
	unsigned int shown = 0;
	size_t off;
	int n;

	for (off = 0; off < bufs[b].len && shown < 8; off += pgsz) {
		n = page_pins(bufs[b].p + off);
		if (!n)
			continue;
		printf("# buffer %s (%d) page %zu: %d pin(s)\n", bufs[b].name,
		       b, off / pgsz, n);
		shown++;
	}
}

/* With every context gone, no page of any buffer may still be pinned */
static bool check_no_pins(struct thr *t)
{
	struct iommu_test_cmd c;
	struct oprec r;
	unsigned int i;
	struct uref u;

	if (t->fail_armed) {
		tc_init(&r, G_FAIL_NTH, &c, IOMMU_TEST_OP_IOFD_FAIL_NTH, 0);
		rec_struct(&r, &c, sizeof(c));
		r.exp = EXP_OK;
		if (!run_rec(t, &r))
			return false;
	}
	if (!have_mock)
		return true;
	for (i = 0; i < ARRAY_SIZE(refs_bufs) + nthreads - 1; i++) {
		int b = i < ARRAY_SIZE(refs_bufs) - 1 ? refs_bufs[i] :
			(int)(B_SCRATCH0 + i - (ARRAY_SIZE(refs_bufs) - 1));

		u = (struct uref){ b, 0, 0 };
		tc_init(&r, G_ORACLE_REFS, &c, IOMMU_TEST_OP_MD_CHECK_REFS, 0);
		c.check_refs.length = bufs[b].len;
		c.check_refs.refs = 0;
		rec_struct(&r, &c, sizeof(c));
		fx_ptr(&r, offsetof(struct iommu_test_cmd, check_refs.uptr), &u);
		r.exp = EXP_OK;
		if (!run_rec(t, &r)) {
			explain_pins(b);
			return false;
		}
	}
	return true;
}

/* Close everything, check for leaked pins, start a new log (full) */
static bool reopen(struct thr *t, bool keep)
{
	struct oprec r;
	bool ok;

	memset(&r, 0, offsetof(struct oprec, bytes));
	r.gen = keep ? G_REOPEN_KEEP : G_REOPEN;
	r.handle = keep;
	pthread_rwlock_wrlock(&ctx_lock);
	ok = do_reopen(t, &r);
	if (ok && !keep)
		ok = check_no_pins(t);
	if (ok && !keep && !replaying) {
		pthread_mutex_lock(&log_lock);
		g_nlog = 0;
		g_log_truncated = false;
		pthread_mutex_unlock(&log_lock);
	}
	pthread_rwlock_unlock(&ctx_lock);
	return ok;
}

static bool thread_done(struct thr *t)
{
	if (stopping())
		return true;
	if (t->limit_ops)
		return t->nops >= t->limit_ops;
	return now_ns() >= t->deadline_ns;
}

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	bool ok;
	int g;

	while (!thread_done(t)) {
		pthread_mutex_lock(&pool_lock);
		g = pick_gen(t);
		pthread_mutex_unlock(&pool_lock);
		if (g == G_REOPEN || g == G_REOPEN_KEEP) {
			ok = reopen(t, g == G_REOPEN_KEEP);
		} else {
			pthread_rwlock_rdlock(&ctx_lock);
			ok = do_gen(t, g);
			pthread_rwlock_unlock(&ctx_lock);
		}
		/*
		 * Reopen before the log fills, so a replay starts from a
		 * fresh file; and after a failure (--keep-going), as the
		 * pool no longer matches the kernel.
		 */
		if ((ok && __atomic_load_n(&g_nlog, __ATOMIC_RELAXED) >=
			   LOG_MAX - 64) || (!ok && !stopping()))
			reopen(t, false);
	}
	/* Failure injection is armed per task: disarm before leaving */
	if (t->fail_armed) {
		struct iommu_test_cmd c = {
			.size = sizeof(c), .op = IOMMU_TEST_OP_IOFD_FAIL_NTH,
		};

		pthread_rwlock_rdlock(&ctx_lock);
		ioctl(g_fd, IOMMU_TEST_CMD, &c);
		pthread_rwlock_unlock(&ctx_lock);
		t->fail_armed = false;
	}
	return NULL;
}

/* ------------------------------------------------------------- watchdog */

/*
 * An ioctl that never returns is a deadlock (or a livelock) in the
 * kernel. Say which operation it was, with the log, before the guest's
 * hung-task panic ends everything, then give up.
 */
static void *watchdog(void *arg)
{
	unsigned int i;
	uint64_t b;

	(void)arg;
	for (;;) {
		sleep(1);
		for (i = 0; i < nthreads; i++) {
			b = __atomic_load_n(&threads[i].busy_since,
					    __ATOMIC_RELAXED);
			if (!b || now_ns() - b < watchdog_s * 1000000000ULL)
				continue;
			printf("# STUCK: thread %u (seed %" PRIu64 ") has been in one call for %u s\n",
			       i, threads[i].seed, watchdog_s);
			if (threads[i].cur)
				rec_summary(stdout, "# stuck op: ",
					    threads[i].cur);
			dump_rings(stdout);
			printf("# replay log, lines prefixed '# R| ':\n");
			dump_log(stdout, "# R| ");
			printf("not ok %u - thread %u stuck in the kernel\n",
			       i + 1, i);
			fflush(stdout);
			_exit(3);
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- main */

struct phase {
	unsigned int nthreads;
	uint64_t seed;
};

static bool tap;
static unsigned int tap_n;
static uint64_t tot_errs[NERR], tot_hist[C_MAX + 1][NERR], tot_ops;

static void thread_setup(struct thr *t, unsigned int i, uint64_t seed)
{
	uint8_t *arg = t->arg;

	memset(t, 0, sizeof(*t));
	t->idx = i;
	t->seed = seed;
	t->rng = seed;
	t->arg = arg ? arg : map_guarded(pgsz, pgsz, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1);
	t->scratch = bufs[B_SCRATCH0 + i].p;
}

static bool run_phase(const struct phase *ph, uint64_t ops, uint64_t ns)
{
	uint64_t t0 = now_ns(), end = t0 + ns;
	bool failed = false;
	unsigned int i, e, c;

	nthreads = ph->nthreads;
	for (i = 0; i < nthreads; i++) {
		struct thr *t = &threads[i];

		thread_setup(t, i, ph->seed + i);
		t->limit_ops = ops;
		t->deadline_ns = end;
		/* Alone on the file, the pool is exact: check everything */
		t->oracles = nthreads == 1;
		if (!t->arg) {
			perror("mmap");
			exit(1);
		}
	}
	g_stop = 0;
	g_nlog = 0;
	g_log_truncated = false;
	pool_reset(false);
	g_fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	if (g_fd < 0) {
		perror(IOFD_DEV);
		exit(1);
	}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i].pt, NULL, thread_main,
				   &threads[i])) {
			perror("pthread_create");
			exit(1);
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i].pt, NULL);
	/* The end of a phase is one more close: nothing may stay pinned */
	if (!stopping())
		reopen(&threads[0], false);
	close(g_fd);
	g_fd = -1;

	for (i = 0; i < nthreads; i++) {
		struct thr *t = &threads[i];

		failed |= t->failed;
		tot_ops += t->nops;
		for (e = 0; e < NERR; e++) {
			tot_errs[e] += t->errs[e];
			for (c = 0; c <= C_MAX; c++)
				tot_hist[c][e] += t->hist[c][e];
		}
		if (t->failed && tap)
			printf("# %s\n", t->why);
		printf("%s%s %u - %u thread%s, thread %u, seed %" PRIu64 ": %" PRIu64 " ops%s%s\n",
		       tap ? "" : "# ", t->failed ? "not ok" : "ok", ++tap_n,
		       nthreads, nthreads > 1 ? "s sharing one file" : "", i,
		       t->seed, t->nops, t->oracles ? ", all oracles" : "",
		       !t->failed && stopping() ? " (stopped early)" : "");
	}
	printf("# phase of %u thread(s): %.1f s\n", nthreads,
	       (now_ns() - t0) / 1e9);
	fflush(stdout);
	return !failed && !stopping();
}

static void print_summary(double secs)
{
	unsigned int e, c;

	printf("# %" PRIu64 " ops in %.1f s: %.0f ops/s\n", tot_ops, secs,
	       secs > 0 ? tot_ops / secs : 0);
	printf("# errno histogram:");
	for (e = 0; e < NERR; e++)
		if (tot_errs[e])
			printf(" %s=%" PRIu64, errname(e), tot_errs[e]);
	printf("\n");
	for (c = 0; c < C_MAX; c++) {
		uint64_t n = 0;

		for (e = 0; e < NERR; e++)
			n += tot_hist[c][e];
		if (!n)
			continue;
		printf("#   %-24s %7" PRIu64 ":", cmds[c].name, n);
		for (e = 0; e < NERR; e++)
			if (tot_hist[c][e])
				printf(" %s=%" PRIu64, errname(e),
				       tot_hist[c][e]);
		printf("\n");
	}
}

/*
 * Read a replay log: a file of lines as rec_write() writes them, or a
 * captured guest output, whose first block of "# R| " lines is taken.
 */
static int load_recs(const char *path, struct oprec *recs, unsigned int max,
		     unsigned int *np, unsigned int *maxtid)
{
	unsigned int n = 0, lineno = 0;
	bool prefixed = false, in_block = false;
	char line[8192], *l;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "# R| ", 5))
			prefixed = true;
	rewind(f);
	*maxtid = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		l = line;
		if (prefixed) {
			if (strncmp(line, "# R| ", 5)) {
				if (in_block)
					break;
				continue;
			}
			in_block = true;
			l += 5;
		}
		if (l[0] == '#' || l[0] == '\n')
			continue;
		if (n == max || rec_parse(l, &recs[n]) ||
		    recs[n].tid >= MAX_THREADS) {
			fprintf(stderr, "%s:%u: cannot use this line\n", path,
				lineno);
			fclose(f);
			return -1;
		}
		if (recs[n].tid > *maxtid)
			*maxtid = recs[n].tid;
		n++;
	}
	fclose(f);
	*np = n;
	return 0;
}

/*
 * Expectations that follow from earlier operations, redone from the
 * replay's own pool. False: the check has no basis here, skip it.
 */
static bool replay_expectations(struct thr *t, struct oprec *r)
{
	const struct fixup *x;
	int refs;

	if (r->origin == ORIGIN_REFS) {
		x = rec_fx(r, offsetof(struct iommu_test_cmd, check_refs.uptr));
		if (!x || x->kind != FX_PTR || x->ref < 0 || x->ref >= NBUF)
			return false;
		refs = expected_pins(x->ref, x->add / pgsz);
		if (refs < 0)
			return false;
		((struct iommu_test_cmd *)r->bytes)->check_refs.refs = refs;
		return true;
	}
	if (cmd_of_req(r->req) == C_IOAS_UNMAP) {
		r->exp_w = 0;
		expect_unmap_len(t, r);
	}
	return true;
}

/* Run @n records in this thread, then close all and check for pins */
static bool replay_recs(struct oprec *recs, unsigned int n,
			unsigned int nthr, bool verbose)
{
	bool ok = true, failed = false;
	unsigned int i;

	replaying = true;
	nthreads = nthr;
	if (setup_buffers(nthreads)) {
		perror("buffers");
		exit(2);
	}
	for (i = 0; i < nthreads; i++) {
		thread_setup(&threads[i], i, 0);
		if (!threads[i].arg)
			exit(2);
	}
	pool_reset(false);
	g_fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	if (g_fd < 0) {
		perror(IOFD_DEV);
		exit(2);
	}
	for (i = 0; ok && i < n; i++) {
		struct oprec *r = &recs[i];
		struct thr *t = &threads[r->tid];

		/* Replayed in order, the pool is exact: redo every check */
		t->oracles = true;
		if (r->origin == ORIGIN_FOLLOWUP)
			continue;
		if (r->kind == R_REOPEN) {
			ok = do_reopen(t, r);
			if (ok && !r->handle)
				ok = check_no_pins(t);
		} else if (r->kind == R_CLOSE_ACCESS) {
			ok = run_rec(t, r);
		} else {
			pthread_mutex_lock(&pool_lock);
			if (!replay_expectations(t, r)) {
				pthread_mutex_unlock(&pool_lock);
				continue;
			}
			pthread_mutex_unlock(&pool_lock);
			ok = run_with_post(t, r);
		}
		if (verbose && (r->kind != R_IOCTL || !ok))
			rec_summary(stdout, "# ", &recs[i]);
		if (!ok)
			printf("# replay failed at op %u of %u (s=%" PRIu64 ")\n",
			       i + 1, n, recs[i].seq);
		/* --keep-going: on to the next failure */
		if (!ok && !stopping()) {
			ok = true;
			failed = true;
		}
	}
	if (ok)
		ok = reopen(&threads[0], false);
	return ok && !failed;
}

static struct oprec recs_in[LOG_MAX * 2];

static int replay_file(const char *path, bool verbose)
{
	unsigned int n, maxtid;
	bool ok;

	if (load_recs(path, recs_in, ARRAY_SIZE(recs_in), &n, &maxtid))
		return 2;
	printf("# replaying %u ops of %u thread(s) from %s in one thread\n",
	       n, maxtid + 1, path);
	ok = replay_recs(recs_in, n, maxtid + 1, verbose);
	printf("# replay %s\n", ok ?
	       "ran clean: the failure did not reproduce" :
	       "reproduced a failure");
	return ok ? 0 : 1;
}

/* The kind of a failure: its message up to the first digit */
static void failure_kind(const char *why, char *kind, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && why[i] && (why[i] < '0' || why[i] > '9'); i++)
		kind[i] = why[i];
	kind[i] = 0;
}

/*
 * Replay @n records in a child process (its own buffers, its own file);
 * true if it fails with a failure of @kind (empty: any failure).
 */
static bool min_test(const struct oprec *recs, unsigned int n,
		     unsigned int nthr, const char *kind, char *got,
		     size_t gotlen)
{
	char why[4096] = "", k[128], *line, *save = NULL;
	int pfd[2], status, devnull;
	ssize_t len, got_n = 0;
	bool match = false;
	pid_t pid;

	if (pipe(pfd))
		return false;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		static struct oprec mine[LOG_MAX * 2];

		close(pfd[0]);
		min_pipe = pfd[1];
		/* The kernel log from here on, not the parent's file position */
		if (kmsg_fd >= 0)
			close(kmsg_fd);
		if (taint_fd >= 0)
			close(taint_fd);
		kernel_watch_init();
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		alarm(120);
		memcpy(mine, recs, n * sizeof(*recs));
		_exit(replay_recs(mine, n, nthr, false) ? 0 : 1);
	}
	close(pfd[1]);
	while (got_n < (ssize_t)sizeof(why) - 1 &&
	       (len = read(pfd[0], why + got_n, sizeof(why) - 1 - got_n)) > 0)
		got_n += len;
	close(pfd[0]);
	why[got_n] = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		return false;
	/* The first failure of the kind asked for (or the first at all) */
	for (line = strtok_r(why, "\n", &save); line && !match;
	     line = strtok_r(NULL, "\n", &save)) {
		failure_kind(line, k, sizeof(k));
		match = !kind[0] || !strncmp(k, kind, strlen(kind));
		if (match)
			snprintf(got, gotlen, "%s", line);
	}
	return match;
}

/*
 * --minimize: delta debugging (ddmin) over the records of a replay log,
 * each candidate replayed in a fresh process, until no single record can
 * go without losing the failure. The result is printed and written to
 * FILE.min.
 */
static int minimize(const char *path, const char *want)
{
	static struct oprec cand[LOG_MAX * 2];
	unsigned int n, maxtid, gran = 2, chunk, start, m, i, runs = 0;
	char kind[128], got[512], out[PATH_MAX];
	bool reduced;
	FILE *f;

	if (load_recs(path, recs_in, ARRAY_SIZE(recs_in), &n, &maxtid))
		return 2;
	printf("# minimizing %u ops from %s\n", n, path);
	snprintf(kind, sizeof(kind), "%s", want ? want : "");
	if (!min_test(recs_in, n, maxtid + 1, kind, got, sizeof(got))) {
		printf("# the log does not fail%s%s when replayed: nothing to do\n",
		       kind[0] ? " with " : "", kind);
		return 1;
	}
	if (!kind[0])
		failure_kind(got, kind, sizeof(kind));
	printf("# failure: %s\n", got);
	while (n >= 2) {
		chunk = (n + gran - 1) / gran;
		reduced = false;
		for (start = 0; start < n; start += chunk) {
			m = 0;
			for (i = 0; i < n; i++)
				if (i < start || i >= start + chunk)
					cand[m++] = recs_in[i];
			runs++;
			if (!min_test(cand, m, maxtid + 1, kind, got,
				      sizeof(got)))
				continue;
			memcpy(recs_in, cand, m * sizeof(cand[0]));
			n = m;
			gran = gran > 2 ? gran - 1 : 2;
			reduced = true;
			printf("# %u ops left (%u runs)\n", n, runs);
			break;
		}
		if (reduced)
			continue;
		if (gran >= n)
			break;
		gran = gran * 2 < n ? gran * 2 : n;
	}
	snprintf(out, sizeof(out), "%s.min", path);
	f = fopen(out, "w");
	printf("# minimal log, %u ops (%u runs), also in %s:\n", n, runs, out);
	for (i = 0; i < n; i++) {
		fputs("# M| ", stdout);
		rec_write(stdout, &recs_in[i]);
		rec_summary(stdout, "#    ", &recs_in[i]);
		if (f)
			rec_write(f, &recs_in[i]);
	}
	if (f)
		fclose(f);
	return 0;
}

/*
 * The value of @key (e.g. "iofd.fuzz_seconds=") on the kernel command line
 * into @buf, or NULL: how the test guest's soak runs pass a duration and a
 * seed to a program started without arguments.
 */
static const char *cmdline_value(const char *key, char *buf, size_t len)
{
	char line[4096], *p;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	line[n] = 0;
	for (p = strstr(line, key); p; p = strstr(p + 1, key))
		if (p == line || p[-1] == ' ')
			break;
	if (!p)
		return NULL;
	p += strlen(key);
	p[strcspn(p, "\t\n ")] = 0;
	snprintf(buf, len, "%s", p);
	return buf;
}

static uint64_t parse_seed(const char *v)
{
	return strcmp(v, "random") ? strtoull(v, NULL, 0) :
	       now_ns() ^ ((uint64_t)getpid() << 32);
}

static void print_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--seed N|random] [--ops N | --seconds S] [--threads T]\n"
		"          [--tap] [--replay FILE] [--replay-out FILE] [--watchdog S]\n"
		"          [--keep-going N] [--minimize FILE [--kind TEXT]] [-v]\n"
		"          [--avoid-top-iova] [--fail-weight N]\n"
		"Without arguments: --tap, seed 1, a 1-thread phase of %u ops, then\n"
		"a 2-thread phase of %u ops per thread (make check); with\n"
		"iofd.fuzz_seconds=S [iofd.fuzz_seed=N|random] on the kernel command\n"
		"line, S seconds with that seed (default random; make soak).\n", prog,
		DEFAULT_OPS_ALONE, DEFAULT_OPS_SHARED);
	exit(2);
}

int main(int argc, char **argv)
{
	struct phase phases[2];
	unsigned int nphases, i, threads_arg = 0, maxt;
	uint64_t seed = 1, ops = 0, secs = 0, t0, phase_ops;
	const char *replay_in = NULL, *minimize_in = NULL, *want_kind = NULL;
	pthread_rwlockattr_t ra;
	bool verbose = false;
	pthread_t wd;
	bool ok = true;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pgsz = sysconf(_SC_PAGESIZE);
	tap = argc == 1;
	for (i = 1; i < (unsigned int)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (unsigned int)argc ?
					      argv[i + 1] : NULL;

		if (!strcmp(a, "--tap")) {
			tap = true;
			continue;
		}
		if (!strcmp(a, "-v")) {
			verbose = true;
			continue;
		}
		if (!strcmp(a, "--avoid-top-iova")) {
			avoid_top = true;
			continue;
		}
		if (!v)
			print_usage(argv[0]);
		i++;
		if (!strcmp(a, "--seed"))
			seed = parse_seed(v);
		else if (!strcmp(a, "--ops"))
			ops = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--seconds"))
			secs = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--threads"))
			threads_arg = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--replay"))
			replay_in = v;
		else if (!strcmp(a, "--minimize"))
			minimize_in = v;
		else if (!strcmp(a, "--kind"))
			want_kind = v;
		else if (!strcmp(a, "--replay-out"))
			replay_out = v;
		else if (!strcmp(a, "--watchdog"))
			watchdog_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--keep-going"))
			keep_going = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--fail-weight"))
			gen_weight[G_FAIL_NTH] = strtoul(v, NULL, 0);
		else
			print_usage(argv[0]);
	}
	if (threads_arg > MAX_THREADS)
		print_usage(argv[0]);
	if (argc == 1) {
		char v[64];

		if (cmdline_value("iofd.fuzz_seconds=", v, sizeof(v)))
			secs = strtoull(v, NULL, 0);
		if (cmdline_value("iofd.fuzz_seed=", v, sizeof(v)))
			seed = parse_seed(v);
		else if (secs)
			seed = parse_seed("random");
	}

	pthread_rwlockattr_init(&ra);
	/* Writers (reopen) must not starve behind a stream of ioctls */
	pthread_rwlockattr_setkind_np(&ra,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&ctx_lock, &ra);

	if (tap)
		printf("TAP version 13\n");
	fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("1..0 # SKIP %s: %s\n", IOFD_DEV, strerror(errno));
		return 4;
	}
	{
		struct iommu_test_cmd c = {
			.size = sizeof(c), .op = IOMMU_TEST_OP_IOFD_FAIL_NTH,
		};

		/* Also disarms anything a previous run left for this pid */
		have_mock = !ioctl(fd, IOMMU_TEST_CMD, &c) || errno != ENOTTY;
	}
	close(fd);
	if (watchdog_s && pthread_create(&wd, NULL, watchdog, NULL) == 0)
		pthread_detach(wd);
	kernel_watch_init();
	if (minimize_in)
		return minimize(minimize_in, want_kind);
	replay_verbose = verbose;
	if (replay_in)
		return replay_file(replay_in, verbose);

	if (threads_arg) {
		phases[0] = (struct phase){ threads_arg, seed };
		nphases = 1;
	} else {
		/* Exact oracles alone first, then two threads racing */
		phases[0] = (struct phase){ 1, seed };
		phases[1] = (struct phase){ 2, seed + 1 };
		nphases = 2;
	}
	maxt = 0;
	for (i = 0; i < nphases; i++)
		if (phases[i].nthreads > maxt)
			maxt = phases[i].nthreads;
	if (setup_buffers(maxt)) {
		perror("setting up buffers");
		return 1;
	}
	if (tap) {
		unsigned int plan = 0;

		for (i = 0; i < nphases; i++)
			plan += phases[i].nthreads;
		printf("1..%u\n", plan);
	}
	printf("# iofd-fuzz seed %" PRIu64 ", %s%s, page %lu%s\n", seed,
	       secs ? "time-bounded" : "op-bounded",
	       threads_arg ? "" : " (1 thread, then 2 sharing one file)",
	       pgsz, have_mock ? "" : ", no iofd_mock: test ops get ENOTTY");
	t0 = now_ns();
	for (i = 0; i < nphases; i++) {
		/* After a stop (not after --keep-going failures): skip the rest */
		if (stopping()) {
			unsigned int k;

			for (k = 0; k < phases[i].nthreads; k++)
				printf("%sok %u - # SKIP an earlier phase failed\n",
				       tap ? "" : "# ", ++tap_n);
			continue;
		}
		phase_ops = ops ? ops : phases[i].nthreads == 1 ?
			    DEFAULT_OPS_ALONE : DEFAULT_OPS_SHARED;
		if (!run_phase(&phases[i], secs ? 0 : phase_ops,
			       secs * 1000000000ULL / nphases)) {
			ok = false;
			printf("# reproduce: iofd-fuzz --seed %" PRIu64
			       " --threads %u %s %" PRIu64 "; replay: iofd-fuzz --replay FILE\n",
			       phases[i].seed, phases[i].nthreads,
			       secs ? "--seconds" : "--ops",
			       secs ? secs / nphases : phase_ops);
		}
	}
	/* Leave the global knob as we found it */
	fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		struct iommu_test_cmd c = {
			.size = sizeof(c),
			.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		};

		ioctl(fd, IOMMU_TEST_CMD, &c);
		close(fd);
	}
	print_summary((now_ns() - t0) / 1e9);
	return ok ? 0 : 1;
}
