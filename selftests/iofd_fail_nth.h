/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fail-nth walker shared by iofd_fail_nth.c and iofd_nest_fail_nth.c.
 *
 * A scenario is a good sequence of ioctls written as a function of a
 * struct fn_run, one FN_STEP() per ioctl. fn_walk() runs it on a fresh
 * context with its 1st, 2nd, 3rd ... failure point failing, until a run
 * goes through without the point firing; each run that fired is one
 * "injected failure walked". Two mechanisms arm the point, one per fixture
 * variant:
 *
 *   iofd   iofd-oot's per-task budget (IOMMU_TEST_OP_IOFD_FAIL_NTH): only
 *          the core's and the mock's own points count. The budget is read
 *          back after every step, so the walker knows the step during which
 *          the point fired.
 *   proc   the kernel's /proc/thread-self/fail-nth, which counts every
 *          should_fail() the task reaches: failslab, fail_page_alloc,
 *          fail_usercopy, and the core's "fail_iofd" attribute. Only on a
 *          kernel with CONFIG_FAULT_INJECTION (the debug kernel); skipped
 *          elsewhere. Reading the file back costs a point itself, so it is
 *          read only once the run failed or ended. fail-nth is checked
 *          before probability, interval and task-filter, so it needs none
 *          of them; but failslab and fail_page_alloc skip GFP_KERNEL and
 *          order-0 allocations by default and print a stack trace per
 *          failure: fn_setup() sets their debugfs knobs (and restores them).
 *
 * iofd.fail_nth=<list> on the kernel command line narrows the walk (see
 * fn_selected()): "iofd.fail_nth=proc" on the debug kernel, where walking
 * both mechanisms is slow; "iofd.fail_nth=proc,map_file" to rerun one
 * scenario.
 *
 * A sequence is a straight list of steps with no error handling. When a
 * step fails because of the injected failure, the injection is disarmed
 * and the step runs again: it must now succeed, and so must the rest of
 * the sequence, checks included. A failure that left anything behind (a
 * reserved range, a pin, an object, a PASID slot) shows up there. Once a
 * run cannot go on (a step failed twice, or without an injected failure),
 * it is dead: FN_STEP() no longer evaluates its expression. FN_CHECK()
 * marks a step that only verifies state; it has no point of its own, so
 * under iofd its failure is a bug.
 *
 * Every run is judged:
 *  - a step failed: the point must have fired during that very step (iofd)
 *    or at least during the run (proc), errno must be set (any is accepted
 *    and counted; iofd points give ENOMEM), its retry and every later step
 *    must succeed (proc, EFAULT: no retry, see fn_step());
 *  - no step failed but the point fired: the failure was absorbed; counted
 *    and reported, with the step (iofd);
 *  - no step failed and the point did not fire: the walk is over;
 *  - closing the access files and the context (in either order, in turns)
 *    releases everything: no page of any buffer the scenarios use stays
 *    pinned (MD_CHECK_REFS 0, from a separate context), VmPin and VmLck
 *    are back at their value before the walk, and so are the number of
 *    mappings of the process and the reference counts of the iofd and
 *    iofd_mock modules (a leaked domain, device or access file holds one);
 *    the nesting scenarios also check the mock's VMID allocator.
 *
 * Output, as TAP comments: one line per scenario,
 *   # fail-nth: scenario <fixture>.<variant>.<name> walked N injected failures
 * and once at the end of the binary
 *   # fail-nth total: N injected failures walked
 */
#ifndef __IOFD_FAIL_NTH_H
#define __IOFD_FAIL_NTH_H

#include <time.h>

#include "iommufd_utils.h"

/* A walk that needs more runs than this never converges: a failure */
#define FN_MAX_NTH 100000
#define FN_MAX_AFDS 8
#define FN_MAX_BUFS 8
#define FN_MAX_ERRNOS 8
#define FN_MAX_ABSORBED 4
/* Seconds per scenario; generous for the proc variant on a debug kernel */
#define FN_TIMEOUT 600

/* Pages of fn_big, a buffer of its own for the larger maps */
#define FN_BIG_PAGES 64

#define FN_PROC_FAIL_NTH "/proc/thread-self/fail-nth"
#define FN_DEBUGFS "/sys/kernel/debug/"

enum fn_mech {
	FN_MECH_IOFD,
	FN_MECH_PROC,
};

static __maybe_unused void *fn_big;
static __maybe_unused size_t fn_big_size;

/* One run of a scenario on a fresh context */
struct fn_run {
	int fd;
	enum fn_mech mech;
	/* proc: /proc/thread-self/fail-nth */
	int nth_fd;
	/* Access files the run made; closed by the walker */
	int afds[FN_MAX_AFDS];
	unsigned int nafds;
	unsigned int steps;
	/* Stop: the rest of the sequence is skipped */
	bool dead;
	/* The point fired (iofd: during fired_step, which then succeeded) */
	bool fired;
	bool fired_ok;
	const char *fired_step;
	int fired_line;
	/* Disarmed after the failure; proc: fired is then known */
	bool disarmed;
	/* The first step that failed; it is being tried again */
	const char *fail_step;
	int fail_line;
	int fail_errno;
	bool fail_check;
	bool retrying;
	/* A step that failed after that: what the failure left behind */
	const char *bad_step;
	int bad_line;
	int bad_errno;
	bool bad_retry;
	/* Set when the walker's own bookkeeping failed */
	const char *broken;
};

struct fn_count {
	int err;
	unsigned int n;
};

/* State of one scenario's walk; the fixture holds it */
struct fn_env {
	enum fn_mech mech;
	const char *prefix;
	bool skip;
	/* A context of its own for MD_CHECK_REFS between runs */
	int check_fd;
	int nth_fd;
	long vm_pin;
	long vm_lck;
	long vmas;
	char maps[8192];
	char maps_now[8192];
	long ref_core;
	long ref_mock;
	/*
	 * Optional: a value the scenario's objects must not change once
	 * closed (an allocator's next ID...), read through the check context
	 */
	int (*probe)(int check_fd, long *val);
	const char *probe_name;
	long probe_base;
	struct { void *p; size_t len; } bufs[FN_MAX_BUFS];
	unsigned int nbufs;
	/* debugfs knobs changed for the proc variant, restored at teardown */
	char saved[16][16];
	bool changed[16];
};

/* Totals over the whole binary: the tests run in forked children */
struct fn_totals {
	unsigned long walked;
	unsigned long scenarios;
};

static struct fn_totals *fn_totals;
static pid_t fn_main_pid;

static void __attribute__((constructor)) fn_init_totals(void)
{
	void *p = mmap(NULL, sizeof(*fn_totals), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	fn_main_pid = getpid();
	fn_totals = p == MAP_FAILED ? NULL : p;
}

/* Once, at the exit of the harness's main process, after every test */
static void __attribute__((destructor)) fn_print_totals(void)
{
	if (!fn_totals || getpid() != fn_main_pid)
		return;
	printf("# fail-nth total: %lu injected failures walked (%lu scenario walks)\n",
	       fn_totals->walked, fn_totals->scenarios);
	fflush(stdout);
}

/* ------------------------------------------------------------ steps */

/*
 * proc: read the count back and set it to 0. Reading goes through a
 * usercopy point: when the count was 1 the read fails instead (EFAULT),
 * and the point that fires is that one, not one of the sequence's. So is
 * writing, but only while the count is not yet 0.
 */
static inline __maybe_unused int fn_proc_disarm(int nth_fd, bool *fired)
{
	char buf[16];
	ssize_t n;
	int i;

	n = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = 0;
		*fired = !strtoul(buf, NULL, 10);
	} else {
		*fired = false;
	}
	for (i = 0; i != 3; i++)
		if (pwrite(nth_fd, "0", 1, 0) == 1)
			return 0;
	return -1;
}

#define FN_AGAIN 1

/*
 * Record the end of a step; @rc is 0 or -1 with errno set. The first
 * failure is recorded, the injection disarmed, and FN_AGAIN returned: the
 * step runs again and must then succeed, as must every later step, or the
 * failure was not clean (it left state behind). Checks are not retried
 * with iofd (they have no point: their failure is a bug); with proc their
 * own allocations and usercopies may have failed.
 */
static inline __maybe_unused int fn_step(struct fn_run *r, int rc, bool check,
					 const char *text, int line)
{
	int err = errno;
	__u32 left;

	if (r->dead)
		return -1;
	r->steps++;
	/*
	 * iofd: read the budget back (disarming), re-arm with what is left.
	 * Once it has fired it stays disarmed.
	 */
	if (r->mech == FN_MECH_IOFD && !r->fired) {
		if (_test_cmd_fail_nth(r->fd, 0, &left) ||
		    (left && _test_cmd_fail_nth(r->fd, left, NULL))) {
			r->broken = "IOFD_FAIL_NTH read-back failed";
			r->dead = true;
			return -1;
		}
		if (!left) {
			r->fired = true;
			r->fired_ok = !rc;
			r->fired_step = text;
			r->fired_line = line;
		}
	}
	if (!rc) {
		r->retrying = false;
		return 0;
	}
	if (r->fail_step) {
		/* The retry, or a later step, failed */
		r->dead = true;
		r->bad_step = text;
		r->bad_line = line;
		r->bad_errno = rc == -1 ? err : 0;
		r->bad_retry = r->retrying;
		return -1;
	}
	r->fail_step = text;
	r->fail_line = line;
	r->fail_errno = rc == -1 ? err : 0;
	r->fail_check = check;
	if (r->mech == FN_MECH_PROC) {
		if (fn_proc_disarm(r->nth_fd, &r->fired)) {
			r->broken = "cannot disarm " FN_PROC_FAIL_NTH;
			r->dead = true;
			return -1;
		}
		r->disarmed = true;
	}
	/*
	 * Without an injected failure there is nothing to retry. A failed
	 * usercopy (proc: EFAULT) may be the answer's, once the work is done
	 * and cannot be undone (as upstream: an unmap, a destroy): the run
	 * ends there too, unless it was a check, which changes nothing.
	 */
	if (!r->fired || r->fired_ok || (check && r->mech == FN_MECH_IOFD) ||
	    (!check && r->mech == FN_MECH_PROC && r->fail_errno == EFAULT)) {
		r->dead = true;
		return -1;
	}
	r->retrying = true;
	return FN_AGAIN;
}

/* A step that does something; its failure is expected under injection */
#define FN_STEP(r, expr) fn_run_step(r, expr, false)
/* A step that only checks state: its failure is a bug */
#define FN_CHECK(r, expr) fn_run_step(r, expr, true)
#define fn_run_step(r, expr, check)                                             \
	({                                                                      \
		int __rc;                                                       \
		do {                                                            \
			__rc = (r)->dead ? -1 : (expr);                         \
			__rc = fn_step((r), __rc, check, #expr, __LINE__);      \
		} while (__rc == FN_AGAIN);                                     \
		__rc;                                                           \
	})

/* CREATE_ACCESS whose file the walker closes after the run */
static inline __maybe_unused int fn_create_access(struct fn_run *r, __u32 ioas_id, __u32 flags,
						  int *afd)
{
	int rc;

	assert(r->nafds < FN_MAX_AFDS);
	rc = _test_cmd_create_access(r->fd, ioas_id, afd, flags);
	if (!rc)
		r->afds[r->nafds++] = *afd;
	return rc;
}

/* Destroy an access made by fn_create_access() within the sequence */
static inline __maybe_unused int fn_close_access(struct fn_run *r, int afd)
{
	unsigned int i;

	for (i = 0; i != r->nafds; i++) {
		if (r->afds[i] != afd)
			continue;
		r->afds[i] = r->afds[--r->nafds];
		return close(afd);
	}
	errno = EBADF;
	return -1;
}

/* ------------------------------------------------- sequence helpers */

/* The mock aperture in 1 MiB slots, and pages */
#define FN_IOVA(n) (MOCK_APERTURE_START + (__u64)(n) * 0x100000)
#define FN_PG(n) ((size_t)(n) * PAGE_SIZE)
#define FN_OFF(p, n) ((void *)((uint8_t *)(p) + FN_PG(n)))

/* Charge pins to the process (VmLck) rather than to the user */
static inline __maybe_unused int fn_account_mm(int fd)
{
	return _test_ioctl_set_rlimit_mode(fd, 1);
}

static inline __maybe_unused int fn_map(int fd, __u32 ioas_id, void *va, size_t length,
					__u64 *iova)
{
	return _test_ioctl_ioas_map(fd, ioas_id, va, length, iova, MAP_RW);
}

static inline __maybe_unused int fn_map_fixed(int fd, __u32 ioas_id, void *va, size_t length,
					      __u64 iova)
{
	return _test_ioctl_ioas_map(fd, ioas_id, va, length, &iova,
				    IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW);
}

static inline __maybe_unused int fn_map_file(int fd, __u32 ioas_id, int file_fd, __u64 start,
					     __u64 length, __u64 *iova)
{
	return _test_ioctl_ioas_map_file(fd, ioas_id, file_fd, start, length, iova, MAP_RW);
}

static inline __maybe_unused int fn_map_file_fixed(int fd, __u32 ioas_id, int file_fd,
						   __u64 start, __u64 length, __u64 iova)
{
	return _test_ioctl_ioas_map_file(fd, ioas_id, file_fd, start, length, &iova,
					 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW);
}

static inline __maybe_unused int fn_copy(int fd, __u32 dst_id, __u32 src_id, __u64 src_iova,
					 __u64 length, __u64 *dst_iova)
{
	return _test_ioctl_ioas_copy(fd, dst_id, src_id, src_iova, length, dst_iova, MAP_RW);
}

static inline __maybe_unused int fn_copy_fixed(int fd, __u32 dst_id, __u32 src_id,
					       __u64 src_iova, __u64 length, __u64 dst_iova)
{
	return _test_ioctl_ioas_copy(fd, dst_id, src_id, src_iova, length, &dst_iova,
				     IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW);
}

static inline __maybe_unused int fn_unmap(int fd, __u32 ioas_id, __u64 iova, __u64 length)
{
	return _test_ioctl_ioas_unmap(fd, ioas_id, iova, length, NULL);
}

static inline __maybe_unused int fn_hwpt(int fd, __u32 idev_id, __u32 pt_id, __u32 flags,
					 __u32 *hwpt_id)
{
	return _test_cmd_hwpt_alloc(fd, idev_id, pt_id, flags, hwpt_id,
				    IOMMU_HWPT_DATA_NONE, NULL, 0, 0);
}

/* 0 if IOAS_IOVA_RANGES reports @want ranges, else -1 with EINVAL */
static inline __maybe_unused int fn_check_nranges(int fd, __u32 ioas_id, __u32 want)
{
	struct iommu_iova_range ranges[32];
	__u32 num = 32;

	if (_test_ioctl_iova_ranges(fd, ioas_id, ranges, &num, NULL))
		return -1;
	if (num == want)
		return 0;
	errno = EINVAL;
	return -1;
}

/* 0 if @cond holds, else -1 with EINVAL: a check of a value read back */
static inline __maybe_unused int fn_true(bool cond)
{
	if (cond)
		return 0;
	errno = EINVAL;
	return -1;
}

/* MOCK_DOMAIN_REPLACE; *@hwpt_id, if given, gets the HWPT now used */
static inline __maybe_unused int fn_replace(int fd, __u32 stdev_id, __u32 pt_id, __u32 *hwpt_id)
{
	__u32 got;

	if (_test_cmd_mock_domain_replace(fd, stdev_id, pt_id, &got))
		return -1;
	if (hwpt_id)
		*hwpt_id = got;
	return 0;
}

/* ------------------------------------------------------- environment */

static inline __maybe_unused long fn_module_refcnt(const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	if (access(path, R_OK))
		return -1;
	return (long)iofd_read_ulong(path, 0);
}

/*
 * The mappings of the process (/proc/self/maps) into @buf; returns how
 * many, or -1
 */
static inline __maybe_unused long fn_maps(char *buf, size_t size)
{
	size_t len = 0;
	long lines = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	for (n = 0; n != (ssize_t)len; n++)
		lines += buf[n] == '\n';
	return lines;
}

/* The first line of @now that @before does not have, into @out */
static inline __maybe_unused void fn_maps_new(const char *before, char *now, char *out,
					      size_t size)
{
	char *line, *save;

	snprintf(out, size, "?");
	for (line = strtok_r(now, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(before, line))
			continue;
		snprintf(out, size, "%s", line);
		return;
	}
}

static inline __maybe_unused void fn_add_buf(struct fn_env *env, void *p, size_t len)
{
	assert(env->nbufs < FN_MAX_BUFS);
	env->bufs[env->nbufs].p = p;
	env->bufs[env->nbufs].len = len;
	env->nbufs++;
}

static const char * const fn_proc_knobs[][2] = {
	/* fail-nth only reaches allocations these filters let through */
	{ FN_DEBUGFS "failslab/ignore-gfp-wait", "N" },
	{ FN_DEBUGFS "fail_page_alloc/ignore-gfp-wait", "N" },
	{ FN_DEBUGFS "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ FN_DEBUGFS "fail_page_alloc/min-order", "0" },
	/* verbose 2 (the default) dumps a stack trace per injected failure */
	{ FN_DEBUGFS "failslab/verbose", "0" },
	{ FN_DEBUGFS "fail_page_alloc/verbose", "0" },
	{ FN_DEBUGFS "fail_usercopy/verbose", "0" },
	{ FN_DEBUGFS "fail_futex/verbose", "0" },
	{ FN_DEBUGFS "fail_function/verbose", "0" },
	{ FN_DEBUGFS "fail_iofd/verbose", "0" },
};

static inline __maybe_unused bool fn_write_file(const char *path, const char *val)
{
	ssize_t len = strlen(val);
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, len) == len;
	close(fd);
	return ok;
}

static inline __maybe_unused bool fn_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

static inline __maybe_unused void fn_proc_knobs_set(struct fn_env *env)
{
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(fn_proc_knobs); i++) {
		if (!fn_read_file(fn_proc_knobs[i][0], env->saved[i],
				  sizeof(env->saved[i])))
			continue;
		env->changed[i] = fn_write_file(fn_proc_knobs[i][0],
						fn_proc_knobs[i][1]);
	}
}

static inline __maybe_unused void fn_proc_knobs_restore(struct fn_env *env)
{
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(fn_proc_knobs); i++)
		if (env->changed[i])
			fn_write_file(fn_proc_knobs[i][0], env->saved[i]);
}

/*
 * Fault @len bytes at @p in, even pages first, then the odd ones. Pages
 * come from the allocator mostly in address order, so no two pages next
 * to each other in the buffer are next to each other in memory: every
 * page is a run of its own when the core maps it into a domain, and the
 * number of failure points of a map does not depend on luck.
 */
static inline __maybe_unused void fn_fault_scattered(void *p, size_t len, int c)
{
	size_t i, n = len / PAGE_SIZE;

	for (i = 0; i < n; i += 2)
		memset(FN_OFF(p, i), c, PAGE_SIZE);
	for (i = 1; i < n; i += 2)
		memset(FN_OFF(p, i), c, PAGE_SIZE);
}

/* buffer, mfd/mfd_buffer (iommufd_utils.h) and fn_big, all scattered */
static inline __maybe_unused void fn_new_buffers(void)
{
	if (buffer && buffer != MAP_FAILED)
		munmap(buffer, BUFFER_SIZE);
	if (mfd_buffer && mfd_buffer != MAP_FAILED)
		munmap(mfd_buffer, BUFFER_SIZE);
	if (mfd >= 0)
		close(mfd);
	mfd = -1;
	buffer = iofd_mmap_aligned(BUFFER_SIZE, HUGEPAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mfd_buffer = iofd_memfd_mmap(BUFFER_SIZE, &mfd);
	fn_big_size = FN_BIG_PAGES * PAGE_SIZE;
	fn_big = mmap(NULL, fn_big_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (buffer != MAP_FAILED)
		fn_fault_scattered(buffer, BUFFER_SIZE, 0);
	if (mfd_buffer != MAP_FAILED)
		fn_fault_scattered(mfd_buffer, BUFFER_SIZE, 0);
	if (fn_big != MAP_FAILED)
		fn_fault_scattered(fn_big, fn_big_size, 0x5a);
}

/*
 * The kernel command line may narrow the walk, for a slow debug kernel or
 * to reproduce one failure: iofd.fail_nth=<list>, comma separated, where
 * "iofd" and "proc" name mechanisms and anything else a scenario. Without
 * a mechanism in the list all mechanisms run, likewise for scenarios.
 * Returns whether @word (of the kind @is_mech) is selected; *@list gets
 * the list, for the SKIP message.
 */
static inline __maybe_unused bool fn_selected(const char *word, bool is_mech, char *list,
					      size_t size)
{
	const char *key = "iofd.fail_nth=";
	char cmdline[4096], *p, *tok, *save;
	bool any = false, hit = false, mech;

	if (!fn_read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		return true;
	for (p = strtok_r(cmdline, " ", &save); p; p = strtok_r(NULL, " ", &save))
		if (!strncmp(p, key, strlen(key)))
			break;
	if (!p)
		return true;
	snprintf(list, size, "%s", p + strlen(key));
	for (tok = strtok_r(p + strlen(key), ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		mech = !strcmp(tok, "iofd") || !strcmp(tok, "proc");
		if (mech != is_mech)
			continue;
		any = true;
		hit |= !strcmp(tok, word);
	}
	return !any || hit;
}

/*
 * Fixture setup: fresh buffers, the check context, the proc knobs. SKIPs
 * (env->skip) when the mechanism is not available or not selected.
 */
static inline __maybe_unused void fn_setup(struct __test_metadata *_metadata,
					   struct fn_env *env, enum fn_mech mech,
					   const char *prefix)
{
	struct rlimit rl = { .rlim_cur = 1UL << 30, .rlim_max = 1UL << 30 };
	char list[64];

	memset(env, 0, sizeof(*env));
	env->mech = mech;
	env->prefix = prefix;
	env->check_fd = -1;
	env->nth_fd = -1;

	fn_new_buffers();
	ASSERT_NE(MAP_FAILED, buffer);
	ASSERT_NE(MAP_FAILED, mfd_buffer);
	ASSERT_NE(MAP_FAILED, fn_big);
	fn_add_buf(env, buffer, BUFFER_SIZE);
	fn_add_buf(env, mfd_buffer, BUFFER_SIZE);
	fn_add_buf(env, fn_big, fn_big_size);

	/*
	 * Charge pins to VmLck too (RLIMIT_MODE 1 in the sequences needs
	 * CAP_SYS_RESOURCE, kept): without CAP_IPC_LOCK nothing bypasses the
	 * accounting, and the limit is high enough for every scenario.
	 */
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, iofd_drop_cap(CAP_IPC_LOCK));

	if (!fn_selected(mech == FN_MECH_IOFD ? "iofd" : "proc", true, list, sizeof(list))) {
		env->skip = true;
		SKIP(return, "not selected by iofd.fail_nth=%s", list);
	}
	if (mech == FN_MECH_PROC) {
		env->nth_fd = open(FN_PROC_FAIL_NTH, O_RDWR);
		if (env->nth_fd < 0) {
			env->skip = true;
			SKIP(return, "%s: %s (kernel without CONFIG_FAULT_INJECTION)",
			     FN_PROC_FAIL_NTH, strerror(errno));
		}
		fn_proc_knobs_set(env);
	}

	env->check_fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, env->check_fd);
}

static inline __maybe_unused void fn_teardown(struct __test_metadata *_metadata,
					      struct fn_env *env)
{
	if (env->check_fd >= 0) {
		/* Scenarios may shrink the global pin batch: restore it */
		EXPECT_EQ(0, _test_cmd_set_temp_memory_limit(env->check_fd, 0));
		EXPECT_EQ(0, close(env->check_fd));
	}
	if (env->nth_fd >= 0) {
		fn_proc_knobs_restore(env);
		close(env->nth_fd);
	}
	if (fn_big && fn_big != MAP_FAILED)
		munmap(fn_big, fn_big_size);
	fn_big = NULL;
}

/* ------------------------------------------------------------- walking */

static inline __maybe_unused int fn_arm(struct fn_env *env, struct fn_run *r,
					unsigned int nth)
{
	char buf[16];
	int len;

	if (env->mech == FN_MECH_IOFD)
		return _test_cmd_fail_nth(r->fd, nth, NULL);
	len = snprintf(buf, sizeof(buf), "%u", nth);
	return pwrite(env->nth_fd, buf, len, 0) == len ? 0 : -1;
}

/* Disarm (unless a failed step did already); *@fired: the point fired */
static inline __maybe_unused int fn_disarm(struct fn_env *env, struct fn_run *r,
					   bool *fired)
{
	__u32 left;

	if (r->disarmed) {
		*fired = r->fired;
		return 0;
	}
	if (env->mech == FN_MECH_PROC)
		return fn_proc_disarm(env->nth_fd, fired);
	if (r->fired) {
		*fired = true;
		return _test_cmd_fail_nth(r->fd, 0, NULL);
	}
	if (_test_cmd_fail_nth(r->fd, 0, &left))
		return -1;
	*fired = !left;
	return 0;
}

static inline __maybe_unused void fn_count_add(struct fn_count *c, int err)
{
	unsigned int i;

	for (i = 0; i != FN_MAX_ERRNOS; i++) {
		if (c[i].n && c[i].err != err)
			continue;
		c[i].err = err;
		c[i].n++;
		return;
	}
}

/* "" when nothing leaked, else what did, in @why */
static inline __maybe_unused void fn_check_clean(struct fn_env *env, char *why, size_t size)
{
	long v;
	unsigned int i;

	why[0] = 0;
	for (i = 0; i != env->nbufs; i++) {
		if (!_test_cmd_check_refs(env->check_fd, env->bufs[i].p,
					  env->bufs[i].len, 0))
			continue;
		snprintf(why, size, "buffer %u (%zu bytes at %p) still pinned: MD_CHECK_REFS 0 says %s",
			 i, env->bufs[i].len, env->bufs[i].p, strerror(errno));
		return;
	}
	v = iofd_vm_pinned_kb();
	if (v != env->vm_pin) {
		snprintf(why, size, "VmPin %ld kB, %ld kB before the walk", v, env->vm_pin);
		return;
	}
	v = iofd_vm_locked_kb();
	if (v != env->vm_lck) {
		snprintf(why, size, "VmLck %ld kB, %ld kB before the walk", v, env->vm_lck);
		return;
	}
	/* MAP_FILE maps the file into the process for a moment */
	v = fn_maps(env->maps_now, sizeof(env->maps_now));
	if (v != env->vmas) {
		char line[128];

		fn_maps_new(env->maps, env->maps_now, line, sizeof(line));
		snprintf(why, size, "%ld mappings in /proc/self/maps, %ld before the walk; new: %s",
			 v, env->vmas, line);
		return;
	}
	v = fn_module_refcnt("iofd");
	if (v != env->ref_core) {
		snprintf(why, size, "iofd module refcnt %ld, %ld before the walk", v,
			 env->ref_core);
		return;
	}
	v = fn_module_refcnt("iofd_mock");
	if (v != env->ref_mock) {
		snprintf(why, size, "iofd_mock module refcnt %ld, %ld before the walk", v,
			 env->ref_mock);
		return;
	}
	v = -1;
	if (env->probe && (env->probe(env->check_fd, &v) || v != env->probe_base))
		snprintf(why, size, "%s %ld, %ld before the walk", env->probe_name, v,
			 env->probe_base);
}

static inline __maybe_unused const char *fn_errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "?";
}

/*
 * Walk @seq; fail the test on the first bad run, or when fewer than
 * @min_walked failures were walked (the scenario no longer reaches its
 * points).
 */
static inline __maybe_unused void fn_walk(struct __test_metadata *_metadata, struct fn_env *env,
					  const char *name, int (*seq)(struct fn_run *r),
					  unsigned int min_walked)
{
	struct fn_count errs[FN_MAX_ERRNOS] = {};
	const char *absorbed_at[FN_MAX_ABSORBED] = {};
	unsigned int nth, walked = 0, absorbed = 0, clean_steps = 0, i;
	char why[512] = "", leak[256], sel[64];
	struct timespec t0, t1;
	struct fn_run r;
	bool fired;

	if (env->skip)
		return;
	if (!fn_selected(name, false, sel, sizeof(sel)))
		SKIP(return, "not selected by iofd.fail_nth=%s", sel);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	env->vm_pin = iofd_vm_pinned_kb();
	env->vm_lck = iofd_vm_locked_kb();
	env->vmas = fn_maps(env->maps, sizeof(env->maps));
	env->ref_core = fn_module_refcnt("iofd");
	env->ref_mock = fn_module_refcnt("iofd_mock");
	if (env->probe)
		ASSERT_EQ(0, env->probe(env->check_fd, &env->probe_base));

	for (nth = 1;; nth++) {
		if (nth == FN_MAX_NTH) {
			snprintf(why, sizeof(why), "no clean run after %u injected failures",
				 walked);
			break;
		}
		memset(&r, 0, sizeof(r));
		r.mech = env->mech;
		r.nth_fd = env->nth_fd;
		r.fd = open(IOFD_DEV, O_RDWR);
		ASSERT_NE(-1, r.fd);
		ASSERT_EQ(0, fn_arm(env, &r, nth));
		seq(&r);
		ASSERT_EQ(0, fn_disarm(env, &r, &fired));

		if (r.broken) {
			snprintf(why, sizeof(why), "walker: %s", r.broken);
		} else if (!r.fail_step && !fired) {
			/* Ran through with the point never reached: done */
			clean_steps = r.steps;
		} else if (!r.fail_step) {
			absorbed++;
			for (i = 0; i != FN_MAX_ABSORBED && absorbed_at[i] &&
				    absorbed_at[i] != r.fired_step; i++)
				;
			if (i != FN_MAX_ABSORBED && r.fired_step)
				absorbed_at[i] = r.fired_step;
		} else if (!fired) {
			snprintf(why, sizeof(why), "line %d: %s failed with %s but no failure was injected",
				 r.fail_line, r.fail_step, fn_errname(r.fail_errno));
		} else if (r.mech == FN_MECH_IOFD && r.fired_ok) {
			snprintf(why, sizeof(why), "the point fired in line %d: %s, which succeeded; then line %d: %s failed with %s",
				 r.fired_line, r.fired_step, r.fail_line, r.fail_step,
				 fn_errname(r.fail_errno));
		} else if (r.fail_check &&
			   (r.mech == FN_MECH_IOFD ||
			    (r.fail_errno != ENOMEM && r.fail_errno != EFAULT))) {
			snprintf(why, sizeof(why), "check at line %d: %s failed with %s",
				 r.fail_line, r.fail_step, fn_errname(r.fail_errno));
		} else if (!r.fail_errno) {
			snprintf(why, sizeof(why), "line %d: %s failed without an errno",
				 r.fail_line, r.fail_step);
		} else if (r.bad_step) {
			snprintf(why, sizeof(why), "after line %d: %s failed with %s (injected) %s line %d: %s failed with %s",
				 r.fail_line, r.fail_step, fn_errname(r.fail_errno),
				 r.bad_retry ? "its retry at" : "the later step at",
				 r.bad_line, r.bad_step, fn_errname(r.bad_errno));
		} else {
			fn_count_add(errs, r.fail_errno);
		}
		if (fired)
			walked++;

		/*
		 * An access file holds the context: close it first or last,
		 * in turns
		 */
		if (nth & 1)
			ASSERT_EQ(0, close(r.fd));
		for (i = 0; i != r.nafds; i++)
			ASSERT_EQ(0, close(r.afds[i]));
		if (!(nth & 1))
			ASSERT_EQ(0, close(r.fd));

		fn_check_clean(env, leak, sizeof(leak));
		if (leak[0] && !why[0])
			snprintf(why, sizeof(why), "after the run failing at line %d: %s (%s): %s",
				 r.fail_line, r.fail_step ? r.fail_step : "(none)",
				 r.fail_step ? fn_errname(r.fail_errno) : "-", leak);
		if (why[0] || (!r.fail_step && !fired))
			break;
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# fail-nth: scenario %s.%s walked %u injected failures\n",
	       env->prefix, name, walked);
	printf("#   %s.%s: %.1f s; clean run %u steps; errnos:", env->prefix, name,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, clean_steps);
	for (i = 0; i != FN_MAX_ERRNOS && errs[i].n; i++)
		printf(" %s %u", fn_errname(errs[i].err), errs[i].n);
	printf("; absorbed %u", absorbed);
	for (i = 0; i != FN_MAX_ABSORBED && absorbed_at[i]; i++)
		printf("%s%s", i ? ", " : " at ", absorbed_at[i]);
	printf("\n");
	fflush(stdout);
	if (fn_totals) {
		__atomic_fetch_add(&fn_totals->walked, walked, __ATOMIC_RELAXED);
		__atomic_fetch_add(&fn_totals->scenarios, 1, __ATOMIC_RELAXED);
	}

	if (why[0]) {
		TH_LOG("fail-nth %s.%s, N = %u: %s", env->prefix, name, nth, why);
		_metadata->passed = 0;
		return;
	}
	ASSERT_LE(min_walked, walked);
}

#endif
