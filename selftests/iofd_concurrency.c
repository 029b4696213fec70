// SPDX-License-Identifier: GPL-2.0
/*
 * Several threads on one /dev/iommu context: mapping and unmapping,
 * racing for the same IOVA, destroying objects that are in use, attaching
 * and detaching mock domains and reading through accesses while the IOAS
 * changes under them, and closing with everything still live.
 *
 * Every worker counts what it got back; the test then asserts that each
 * result is one the uAPI allows for that race, and that no page stays
 * pinned once the context is gone.
 */
#include "iommufd_utils.h"

#define NTHREADS 4

FIXTURE(conc)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
};

FIXTURE_VARIANT(conc)
{
	unsigned int mock_domains;
};

FIXTURE_VARIANT_ADD(conc, no_domain)
{
	.mock_domains = 0,
};

FIXTURE_VARIANT_ADD(conc, mock_domain)
{
	.mock_domains = 1,
};

FIXTURE_SETUP(conc)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	if (variant->mock_domains)
		test_cmd_mock_domain(self->ioas_id, &self->stdev_id,
				     &self->hwpt_id, NULL);
}

FIXTURE_TEARDOWN(conc)
{
	teardown_iommufd(self->fd, _metadata);
}

/* What one worker thread does and what it saw */
struct worker {
	pthread_t thread;
	int fd;
	__u32 ioas_id;
	__u32 id2;
	int access_fd;
	unsigned int idx;
	unsigned int iters;
	pthread_barrier_t *barrier;
	int *stop;
	/* results: successes and failures by errno */
	unsigned int ok;
	unsigned int err_enoent;
	unsigned int err_ebusy;
	unsigned int err_eexist;
	unsigned int err_ebadf;
	unsigned int err_other;
	int other_errno;
	/* per round, for the racing tests */
	int round_ok;
};

static void log_worker(struct __test_metadata *_metadata, const char *name,
		       struct worker *w)
{
	TH_LOG("%s: ok %u, ENOENT %u, EBUSY %u, EEXIST %u, EBADF %u, other %u (last %d)",
	       name, w->ok, w->err_enoent, w->err_ebusy, w->err_eexist,
	       w->err_ebadf, w->err_other, w->other_errno);
}

static void count_result(struct worker *w, int rc)
{
	if (!rc) {
		w->ok++;
		return;
	}
	switch (errno) {
	case ENOENT:
		w->err_enoent++;
		break;
	case EBUSY:
		w->err_ebusy++;
		break;
	case EEXIST:
		w->err_eexist++;
		break;
	case EBADF:
		w->err_ebadf++;
		break;
	default:
		w->err_other++;
		w->other_errno = errno;
		break;
	}
}

static void start_workers(struct __test_metadata *_metadata,
			  struct worker *w, unsigned int n,
			  void *(*fn)(void *))
{
	unsigned int i;

	for (i = 0; i != n; i++)
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, fn, &w[i]));
}

static void join_workers(struct __test_metadata *_metadata, struct worker *w,
			 unsigned int n)
{
	unsigned int i;

	for (i = 0; i != n; i++)
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
}

/* Each thread maps and unmaps its own pages at kernel-chosen IOVAs */
static void *map_unmap_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *va = (uint8_t *)buffer + w->idx * 2 * PAGE_SIZE;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u64 iova, len;
		int rc;

		rc = _test_ioctl_ioas_map(w->fd, w->ioas_id, va,
					  2 * PAGE_SIZE, &iova, MAP_RW);
		count_result(w, rc);
		if (rc)
			continue;
		rc = _test_ioctl_ioas_unmap(w->fd, w->ioas_id, iova,
					    2 * PAGE_SIZE, &len);
		count_result(w, rc);
		if (!rc && len != 2 * PAGE_SIZE)
			w->err_other++;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, threads_map_unmap, 120)
{
	struct worker w[NTHREADS] = {};
	unsigned int i;
	__u64 len = 1;

	for (i = 0; i != NTHREADS; i++) {
		w[i].fd = self->fd;
		w[i].ioas_id = self->ioas_id;
		w[i].idx = i;
		w[i].iters = 300;
	}
	start_workers(_metadata, w, NTHREADS, map_unmap_worker);
	join_workers(_metadata, w, NTHREADS);

	for (i = 0; i != NTHREADS; i++) {
		EXPECT_EQ(2 * w[i].iters, w[i].ok);
		EXPECT_EQ(0, w[i].err_other);
		EXPECT_EQ(0, w[i].err_enoent + w[i].err_eexist + w[i].err_ebusy);
	}
	/* Nothing left behind */
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id, 0,
					    UINT64_MAX, &len));
	ASSERT_EQ(0, len);
	check_refs(buffer, BUFFER_SIZE, 0);
}

/* All threads map the same fixed IOVA each round: one wins */
static void *fixed_race_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u64 iova = MOCK_APERTURE_START;
		int rc;

		pthread_barrier_wait(w->barrier);
		rc = _test_ioctl_ioas_map(w->fd, w->ioas_id,
					  (uint8_t *)buffer +
						  w->idx * PAGE_SIZE,
					  PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW);
		count_result(w, rc);
		w->round_ok = !rc;
		pthread_barrier_wait(w->barrier);
		/* thread 0 checks the round and cleans up */
		if (w->idx == 0) {
			struct worker *all = w;
			unsigned int n, winners = 0;

			for (n = 0; n != NTHREADS; n++)
				winners += all[n].round_ok;
			if (winners != 1)
				all[0].err_other++;
			if (_test_ioctl_ioas_unmap(w->fd, w->ioas_id,
						   MOCK_APERTURE_START,
						   PAGE_SIZE, NULL))
				all[0].err_other++;
		}
		pthread_barrier_wait(w->barrier);
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, threads_fixed_race, 120)
{
	struct worker w[NTHREADS] = {};
	pthread_barrier_t barrier;
	unsigned int i, ok = 0, eexist = 0;

	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, NTHREADS));
	for (i = 0; i != NTHREADS; i++) {
		w[i].fd = self->fd;
		w[i].ioas_id = self->ioas_id;
		w[i].idx = i;
		w[i].iters = 200;
		w[i].barrier = &barrier;
	}
	start_workers(_metadata, w, NTHREADS, fixed_race_worker);
	join_workers(_metadata, w, NTHREADS);
	pthread_barrier_destroy(&barrier);

	for (i = 0; i != NTHREADS; i++) {
		ok += w[i].ok;
		eexist += w[i].err_eexist;
		EXPECT_EQ(0, w[i].err_enoent + w[i].err_ebusy);
	}
	/* Exactly one winner per round, and the rest saw EEXIST */
	EXPECT_EQ(0, w[0].err_other);
	EXPECT_EQ(200, ok);
	EXPECT_EQ(200 * (NTHREADS - 1), eexist);
	check_refs(buffer, BUFFER_SIZE, 0);
}

/* Map and unmap on one IOAS until it is gone */
static void *map_until_gone_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters && !__atomic_load_n(w->stop, __ATOMIC_ACQUIRE);
	     i++) {
		__u64 iova = MOCK_APERTURE_START;
		int rc;

		rc = _test_ioctl_ioas_map(w->fd, w->ioas_id, buffer, PAGE_SIZE,
					  &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW);
		count_result(w, rc);
		if (rc && errno == ENOENT)
			break;
		rc = _test_ioctl_ioas_unmap(w->fd, w->ioas_id,
					    MOCK_APERTURE_START, PAGE_SIZE,
					    NULL);
		count_result(w, rc);
		if (rc && errno == ENOENT)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, destroy_while_in_use, 120)
{
	struct worker w = {};
	int stop = 0;
	unsigned int busy = 0, tries;
	__u32 ioas_id;
	int rc = -1, err = 0;

	/* A fresh IOAS that no domain holds, busy with another thread */
	test_ioctl_ioas_alloc(&ioas_id);
	w.fd = self->fd;
	w.ioas_id = ioas_id;
	w.iters = 20000;
	w.stop = &stop;
	start_workers(_metadata, &w, 1, map_until_gone_worker);

	for (tries = 0; tries != 100000; tries++) {
		rc = _test_ioctl_destroy(self->fd, ioas_id);
		err = errno;
		if (!rc)
			break;
		/* Only "in use" may stop it */
		if (err != EBUSY)
			break;
		busy++;
		if (tries > 1000)
			usleep(10);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	join_workers(_metadata, &w, 1);
	if (rc) {
		/* The worker finished first; now it must work */
		ASSERT_EQ(EBUSY, err);
		test_ioctl_destroy(ioas_id);
	}
	test_err_destroy(ENOENT, ioas_id);

	/* The worker saw the IOAS, then ENOENT, never anything else */
	EXPECT_EQ(0, w.err_other);
	EXPECT_EQ(0, w.err_eexist);
	EXPECT_LE(w.err_enoent, 1);
	TH_LOG("destroy saw EBUSY %u times, worker did %u ops", busy, w.ok);
	check_refs(buffer, BUFFER_SIZE, 0);
}

/* Everything that keeps an object alive makes DESTROY fail with EBUSY */
TEST_F(conc, destroy_busy)
{
	__u32 ioas_id, hwpt_id, stdev_id, idev_id, auto_hwpt;
	int access_fd;

	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_ioas_map_fixed_id(ioas_id, buffer, PAGE_SIZE,
				     MOCK_APERTURE_START);

	/* An access holds its IOAS */
	test_cmd_create_access(ioas_id, &access_fd, 0);
	test_err_destroy(EBUSY, ioas_id);
	test_cmd_destroy_access(access_fd);

	/* A device holds its HWPT, which holds the IOAS */
	test_cmd_mock_domain(ioas_id, &stdev_id, &auto_hwpt, &idev_id);
	test_cmd_hwpt_alloc(idev_id, ioas_id, 0, &hwpt_id);
	test_err_destroy(EBUSY, ioas_id);
	test_err_destroy(EBUSY, auto_hwpt);
	test_err_destroy(EBUSY, idev_id);
	test_cmd_mock_domain_replace(stdev_id, hwpt_id);
	test_err_destroy(EBUSY, hwpt_id);
	test_err_destroy(ENOENT, auto_hwpt);

	/* Undo in the only order that works */
	test_ioctl_destroy(stdev_id);
	test_err_destroy(EBUSY, ioas_id);
	test_ioctl_destroy(hwpt_id);
	test_ioctl_destroy(ioas_id);
	check_refs(buffer, PAGE_SIZE, 0);
}

/* Several threads destroy the same object: exactly one succeeds */
static void *destroy_race_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		int rc;

		pthread_barrier_wait(w->barrier);
		rc = _test_ioctl_destroy(w->fd,
					 __atomic_load_n(&w->id2, __ATOMIC_ACQUIRE));
		count_result(w, rc);
		pthread_barrier_wait(w->barrier);
		pthread_barrier_wait(w->barrier);
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, destroy_race, 120)
{
	struct worker w[NTHREADS] = {};
	pthread_barrier_t barrier;
	unsigned int i, round, ok = 0, prev_ok = 0;
	const unsigned int rounds = 100;

	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, NTHREADS + 1));
	for (i = 0; i != NTHREADS; i++) {
		w[i].fd = self->fd;
		w[i].iters = rounds;
		w[i].barrier = &barrier;
	}
	start_workers(_metadata, w, NTHREADS, destroy_race_worker);
	for (round = 0; round != rounds; round++) {
		__u32 id;

		test_ioctl_ioas_alloc(&id);
		test_ioctl_ioas_map_fixed_id(id, buffer, PAGE_SIZE,
					     MOCK_APERTURE_START);
		for (i = 0; i != NTHREADS; i++)
			w[i].id2 = id;
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
		for (ok = 0, i = 0; i != NTHREADS; i++)
			ok += w[i].ok;
		/* One of them destroyed it this round */
		EXPECT_EQ(prev_ok + 1, ok);
		prev_ok = ok;
		test_err_destroy(ENOENT, id);
		pthread_barrier_wait(&barrier);
	}
	join_workers(_metadata, w, NTHREADS);
	pthread_barrier_destroy(&barrier);
	for (i = 0; i != NTHREADS; i++) {
		EXPECT_EQ(0, w[i].err_other);
		EXPECT_EQ(0, w[i].err_eexist);
	}
	check_refs(buffer, PAGE_SIZE, 0);
}

/* Attach and detach mock domains while another thread maps */
static void *domain_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u32 stdev_id, hwpt_id;
		int rc;

		rc = _test_cmd_mock_domain(w->fd, w->ioas_id, &stdev_id,
					   &hwpt_id, NULL);
		count_result(w, rc);
		if (rc)
			continue;
		count_result(w, _test_ioctl_destroy(w->fd, stdev_id));
	}
	return NULL;
}

static void *fixed_map_worker(void *arg)
{
	struct worker *w = arg;
	__u64 base = MOCK_APERTURE_START + (w->idx + 1) * 64 * PAGE_SIZE;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u64 iova = base;
		int rc;

		rc = _test_ioctl_ioas_map(w->fd, w->ioas_id,
					  (uint8_t *)buffer + w->idx * PAGE_SIZE,
					  4 * PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW);
		count_result(w, rc);
		if (rc)
			continue;
		count_result(w, _test_ioctl_ioas_unmap(w->fd, w->ioas_id, base,
						       4 * PAGE_SIZE, NULL));
	}
	/* Leave one mapping for the final check */
	{
		__u64 iova = base;

		count_result(w, _test_ioctl_ioas_map(w->fd, w->ioas_id,
						     (uint8_t *)buffer +
							     w->idx * PAGE_SIZE,
						     4 * PAGE_SIZE, &iova,
						     IOMMU_IOAS_MAP_FIXED_IOVA |
							     MAP_RW));
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, domains_while_mapping, 180)
{
	struct worker w[3] = {};
	__u32 stdev_id, hwpt_id;
	unsigned int i;

	w[0].fd = self->fd;
	w[0].ioas_id = self->ioas_id;
	w[0].iters = 150;
	for (i = 1; i != 3; i++) {
		w[i].fd = self->fd;
		w[i].ioas_id = self->ioas_id;
		w[i].idx = i;
		w[i].iters = 300;
	}
	start_workers(_metadata, w, 1, domain_worker);
	start_workers(_metadata, w + 1, 2, fixed_map_worker);
	join_workers(_metadata, w, 3);

	EXPECT_EQ(2 * w[0].iters, w[0].ok);
	for (i = 0; i != 3; i++)
		EXPECT_EQ(0, w[i].err_enoent + w[i].err_ebusy + w[i].err_eexist +
				     w[i].err_other);
	for (i = 1; i != 3; i++)
		EXPECT_EQ(2 * w[i].iters + 1, w[i].ok);

	/* A domain made now holds exactly the two mappings left */
	test_cmd_mock_domain(self->ioas_id, &stdev_id, &hwpt_id, NULL);
	for (i = 1; i != 3; i++)
		test_cmd_check_map(hwpt_id,
				   MOCK_APERTURE_START + (i + 1) * 64 * PAGE_SIZE,
				   4 * PAGE_SIZE,
				   (uint8_t *)buffer + i * PAGE_SIZE);
	if (self->hwpt_id)
		test_cmd_check_map(self->hwpt_id,
				   MOCK_APERTURE_START + 2 * 64 * PAGE_SIZE,
				   4 * PAGE_SIZE,
				   (uint8_t *)buffer + PAGE_SIZE);
	test_ioctl_destroy(stdev_id);
	/* Pages 1..5 are mapped by one or both of the remaining areas */
	check_refs((uint8_t *)buffer + PAGE_SIZE, PAGE_SIZE, 1);
	check_refs((uint8_t *)buffer + 2 * PAGE_SIZE, 3 * PAGE_SIZE, 2);
	check_refs((uint8_t *)buffer + 5 * PAGE_SIZE, PAGE_SIZE, 1);
}

/* Read through an access while another thread unmaps and remaps */
static void *access_rw_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t tmp[128];
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		int rc;

		rc = _test_cmd_access_rw(w->fd, w->access_fd,
					 MOCK_APERTURE_START + 64, sizeof(tmp),
					 tmp, 0);
		count_result(w, rc);
		/* Whatever is read is the buffer's constant pattern */
		if (!rc && (tmp[0] != 0xa5 || tmp[sizeof(tmp) - 1] != 0xa5))
			w->err_other++;
	}
	return NULL;
}

static void *remap_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u64 iova = MOCK_APERTURE_START;

		count_result(w, _test_ioctl_ioas_unmap(w->fd, w->ioas_id,
						       MOCK_APERTURE_START,
						       PAGE_SIZE, NULL));
		count_result(w, _test_ioctl_ioas_map(
					w->fd, w->ioas_id, buffer, PAGE_SIZE,
					&iova,
					IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, access_rw_while_unmapping, 120)
{
	struct worker w[2] = {};
	int access_fd;

	memset(buffer, 0xa5, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, MOCK_APERTURE_START);
	test_cmd_create_access(self->ioas_id, &access_fd, 0);

	w[0].fd = w[1].fd = self->fd;
	w[0].ioas_id = w[1].ioas_id = self->ioas_id;
	w[0].access_fd = access_fd;
	w[0].iters = 2000;
	w[1].iters = 500;
	start_workers(_metadata, &w[0], 1, access_rw_worker);
	start_workers(_metadata, &w[1], 1, remap_worker);
	join_workers(_metadata, w, 2);
	log_worker(_metadata, "access", &w[0]);
	log_worker(_metadata, "remap", &w[1]);

	/* Reads either found the page or found nothing */
	EXPECT_EQ(w[0].iters, w[0].ok + w[0].err_enoent);
	EXPECT_EQ(0, w[0].err_other);
	/* The remapper was never refused */
	EXPECT_EQ(2 * w[1].iters, w[1].ok);
	/* Once quiet, the access reads the page again */
	{
		uint8_t tmp[16];

		test_cmd_access_rw(access_fd, MOCK_APERTURE_START, sizeof(tmp),
				   tmp, 0);
		ASSERT_EQ(0xa5, tmp[0]);
	}
	test_cmd_destroy_access(access_fd);
	check_refs(buffer, PAGE_SIZE, 1);
}

/* Pin through an access while another thread unmaps and remaps */
static void *access_pin_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u32 pages_id;
		int rc;

		rc = _test_cmd_access_pages(w->fd, w->access_fd,
					    MOCK_APERTURE_START, PAGE_SIZE,
					    buffer, 0, &pages_id);
		count_result(w, rc);
		if (rc)
			continue;
		/* The unmap may already have taken it away */
		rc = _test_cmd_destroy_access_pages(w->fd, w->access_fd,
						    pages_id);
		if (rc && errno != ENOENT)
			w->err_other++;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, access_pin_while_unmapping, 120)
{
	struct worker w[2] = {};
	int access_fd;

	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, MOCK_APERTURE_START);
	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);

	w[0].fd = w[1].fd = self->fd;
	w[0].ioas_id = w[1].ioas_id = self->ioas_id;
	w[0].access_fd = access_fd;
	w[0].iters = 1000;
	w[1].iters = 500;
	start_workers(_metadata, &w[0], 1, access_pin_worker);
	start_workers(_metadata, &w[1], 1, remap_worker);
	join_workers(_metadata, w, 2);
	log_worker(_metadata, "access", &w[0]);
	log_worker(_metadata, "remap", &w[1]);

	EXPECT_EQ(w[0].iters, w[0].ok + w[0].err_enoent);
	EXPECT_EQ(0, w[0].err_other);
	EXPECT_EQ(2 * w[1].iters, w[1].ok);
	/* Once quiet, the access pins the page again */
	{
		__u32 pages_id;

		test_cmd_access_pages(access_fd, MOCK_APERTURE_START, PAGE_SIZE,
				      buffer, 0, &pages_id);
		test_cmd_destroy_access_pages(access_fd, pages_id);
	}
	test_cmd_destroy_access(access_fd);
	check_refs(buffer, PAGE_SIZE, 1);
	test_ioctl_ioas_unmap(MOCK_APERTURE_START, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 0);
}

/* Replace the mock device's domain while another thread maps */
static void *replace_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i != w->iters; i++)
		count_result(w, _test_cmd_mock_domain_replace(
					w->fd, w->id2,
					(i & 1) ? w->ioas_id : (__u32)w->access_fd,
					NULL));
	return NULL;
}

TEST_F_TIMEOUT(conc, replace_while_mapping, 180)
{
	struct worker w[2] = {};
	__u32 stdev_id, idev_id, hwpt_id, hwpt2;

	/* The device alternates between the auto domain and hwpt2 */
	test_cmd_mock_domain(self->ioas_id, &stdev_id, &hwpt_id, &idev_id);
	test_cmd_hwpt_alloc(idev_id, self->ioas_id, 0, &hwpt2);

	w[0].fd = w[1].fd = self->fd;
	w[0].ioas_id = w[1].ioas_id = self->ioas_id;
	w[0].id2 = stdev_id;
	w[0].access_fd = hwpt2;
	w[0].iters = 200;
	w[1].idx = 1;
	w[1].iters = 300;
	start_workers(_metadata, &w[0], 1, replace_worker);
	start_workers(_metadata, &w[1], 1, fixed_map_worker);
	join_workers(_metadata, w, 2);

	EXPECT_EQ(w[0].iters, w[0].ok);
	EXPECT_EQ(2 * w[1].iters + 1, w[1].ok);
	EXPECT_EQ(0, w[0].err_other + w[1].err_other);
	/* Both tables hold the mapping that was left */
	test_cmd_check_map(hwpt2, MOCK_APERTURE_START + 2 * 64 * PAGE_SIZE,
			   4 * PAGE_SIZE, (uint8_t *)buffer + PAGE_SIZE);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(hwpt2);
}

/* Each thread works on a context of its own */
static void *own_context_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *va = (uint8_t *)buffer + w->idx * 2 * PAGE_SIZE;
	unsigned int i;

	for (i = 0; i != w->iters; i++) {
		__u32 ioas_id = 0, stdev_id = 0, hwpt_id = 0;
		__u64 iova = 0;
		int fd;

		fd = open(IOFD_DEV, O_RDWR);
		if (fd < 0) {
			w->err_other++;
			continue;
		}
		count_result(w, _test_ioctl_ioas_alloc(fd, &ioas_id));
		/* Domain first, so the kernel picks an IOVA it can take */
		count_result(w, _test_cmd_mock_domain(fd, ioas_id, &stdev_id,
						      &hwpt_id, NULL));
		count_result(w, _test_ioctl_ioas_map(fd, ioas_id, va,
						     2 * PAGE_SIZE, &iova,
						     MAP_RW));
		count_result(w, _test_cmd_check_map(fd, hwpt_id, iova,
						    2 * PAGE_SIZE, va));
		/* Close with everything in place */
		if (close(fd))
			w->err_other++;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, parallel_contexts, 180)
{
	struct worker w[NTHREADS] = {};
	unsigned int i;

	for (i = 0; i != NTHREADS; i++) {
		w[i].idx = i;
		w[i].iters = 50;
	}
	start_workers(_metadata, w, NTHREADS, own_context_worker);
	join_workers(_metadata, w, NTHREADS);
	for (i = 0; i != NTHREADS; i++) {
		EXPECT_EQ(4 * w[i].iters, w[i].ok);
		EXPECT_EQ(0, w[i].err_other);
	}
	check_refs(buffer, BUFFER_SIZE, 0);
}

/* Issue ioctls until the descriptor goes away */
static void *until_closed_worker(void *arg)
{
	struct worker *w = arg;
	uint8_t *va = (uint8_t *)buffer + w->idx * 2 * PAGE_SIZE;

	while (true) {
		__u64 iova;
		int rc;

		rc = _test_ioctl_ioas_map(w->fd, w->ioas_id, va, 2 * PAGE_SIZE,
					  &iova, MAP_RW);
		count_result(w, rc);
		if (rc && errno == EBADF)
			break;
		if (rc)
			continue;
		rc = _test_ioctl_ioas_unmap(w->fd, w->ioas_id, iova,
					    2 * PAGE_SIZE, NULL);
		count_result(w, rc);
		if (rc && errno == EBADF)
			break;
		if (w->ok > 200000)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, close_while_threads_run, 120)
{
	struct worker w[NTHREADS] = {};
	unsigned int i;
	int fd;

	/* A context of its own, so the fixture's stays for the teardown */
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	for (i = 0; i != NTHREADS; i++) {
		w[i].fd = fd;
		w[i].idx = i;
		ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &w[i].ioas_id));
	}
	start_workers(_metadata, w, NTHREADS, until_closed_worker);
	usleep(200 * 1000);
	/* Pulled from under them; nothing else opens a file meanwhile */
	ASSERT_EQ(0, close(fd));
	join_workers(_metadata, w, NTHREADS);

	for (i = 0; i != NTHREADS; i++) {
		EXPECT_EQ(1, w[i].err_ebadf);
		EXPECT_EQ(0, w[i].err_other + w[i].err_enoent + w[i].err_eexist);
	}
	/* Maps made just before the close were released with the context */
	check_refs(buffer, BUFFER_SIZE, 0);
}

TEST_F(conc, close_with_everything_live)
{
	__u32 ioas[3], stdev_id, stdev_id2, idev_id, hwpt_id, pages_id;
	__u64 iova, dst;
	int fd, access_fd;
	unsigned int i;

	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	for (i = 0; i != 3; i++)
		ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas[i]));

	/* Maps, a file map, copies, all inside the mock aperture */
	iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas[0], buffer, BUFFER_SIZE,
					  &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	dst = MOCK_APERTURE_START;
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(fd, ioas[1], mfd, 0, BUFFER_SIZE,
					       &dst,
					       IOMMU_IOAS_MAP_FIXED_IOVA |
						       MAP_RW));
	ASSERT_EQ(0, _test_ioctl_ioas_copy(fd, ioas[2], ioas[0], iova,
					   BUFFER_SIZE, &dst,
					   IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	dst = MOCK_APERTURE_START + BUFFER_SIZE;
	ASSERT_EQ(0, _test_ioctl_ioas_copy(fd, ioas[2], ioas[0],
					   iova + PAGE_SIZE, PAGE_SIZE, &dst,
					   IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	/* Domains: automatic, explicit, two devices */
	ASSERT_EQ(0, _test_cmd_mock_domain(fd, ioas[0], &stdev_id, NULL,
					   &idev_id));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(fd, idev_id, ioas[2],
					  IOMMU_HWPT_ALLOC_NEST_PARENT,
					  &hwpt_id, IOMMU_HWPT_DATA_NONE, NULL,
					  0, 0));
	ASSERT_EQ(0, _test_cmd_mock_domain(fd, hwpt_id, &stdev_id2, NULL,
					   NULL));
	ASSERT_EQ(0, _test_cmd_add_reserved(fd, ioas[1], 0, PAGE_SIZE));
	/* An access with pages pinned */
	ASSERT_EQ(0, _test_cmd_create_access(fd, ioas[0], &access_fd,
					     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES));
	ASSERT_EQ(0, _test_cmd_access_pages(fd, access_fd, iova, BUFFER_SIZE,
					    buffer, 0, &pages_id));
	ASSERT_EQ(0, _test_cmd_check_refs(fd, buffer, BUFFER_SIZE, 1));
	ASSERT_EQ(0, _test_cmd_check_refs(fd, mfd_buffer, BUFFER_SIZE, 1));

	/* Close the context first, the access after it */
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, close(access_fd));
	check_refs(buffer, BUFFER_SIZE, 0);
	check_refs(mfd_buffer, BUFFER_SIZE, 0);
}

TEST_F_TIMEOUT(conc, many_objects, 120)
{
	enum { N = 300 };
	__u32 *ids = calloc(N, sizeof(*ids));
	unsigned int i, j;

	ASSERT_NE(NULL, ids);
	for (i = 0; i != N; i++) {
		test_ioctl_ioas_alloc(&ids[i]);
		test_ioctl_ioas_map_fixed_id(ids[i],
					     (uint8_t *)buffer +
						     (i % BUFFER_PAGES) * PAGE_SIZE,
					     PAGE_SIZE, MOCK_APERTURE_START);
	}
	/* Page k is mapped by every IOAS i with i % BUFFER_PAGES == k */
	check_refs(buffer, (N % BUFFER_PAGES) * PAGE_SIZE,
		   N / BUFFER_PAGES + 1);
	check_refs((uint8_t *)buffer + (N % BUFFER_PAGES) * PAGE_SIZE,
		   (BUFFER_PAGES - N % BUFFER_PAGES) * PAGE_SIZE,
		   N / BUFFER_PAGES);
	/* Destroy in a scrambled order */
	for (i = 0; i != N; i++) {
		j = (i * 7919) % N;
		test_ioctl_destroy(ids[j]);
	}
	for (i = 0; i != N; i++)
		test_err_destroy(ENOENT, ids[i]);
	check_refs(buffer, BUFFER_SIZE, 0);
	free(ids);
}

TEST_HARNESS_MAIN
