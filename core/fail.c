// SPDX-License-Identifier: GPL-2.0
/*
 * Failure injection at every allocation and pin point of the core.
 *
 * Debian's kernel has no CONFIG_FAULT_INJECTION, so the points count down a
 * per-task budget that a test arms with IOMMU_TEST_OP_IOFD_FAIL_NTH: the
 * n-th point the task reaches fails, once.  Tasks are identified by pid and
 * start time so a recycled pid never inherits a stale budget.  When the
 * kernel does have fault injection, the points also consult the
 * "fail_iofd" attribute in debugfs, so failslab-style runs cover them.
 */
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/fault-inject.h>
#include <linux/debugfs.h>
#include "iofd_private.h"

struct iofd_fail_budget {
	struct list_head node;
	pid_t pid;
	u64 start_time;
	unsigned int remaining;
};

/* Armed budgets; the list is tiny (one entry per test task) */
static LIST_HEAD(iofd_fail_budgets);
static DEFINE_SPINLOCK(iofd_fail_lock);
static atomic_t iofd_fail_armed = ATOMIC_INIT(0);

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(fail_iofd);
static struct dentry *fail_iofd_dir;
#endif

static struct iofd_fail_budget *iofd_fail_find(void)
{
	struct iofd_fail_budget *b;

	lockdep_assert_held(&iofd_fail_lock);
	list_for_each_entry(b, &iofd_fail_budgets, node)
		if (b->pid == current->pid &&
		    b->start_time == current->start_time)
			return b;
	return NULL;
}

int iofd_fail_nth_set(unsigned int nth)
{
	struct iofd_fail_budget *b, *new;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	spin_lock(&iofd_fail_lock);
	b = iofd_fail_find();
	if (!b && nth) {
		b = new;
		new = NULL;
		b->pid = current->pid;
		b->start_time = current->start_time;
		list_add(&b->node, &iofd_fail_budgets);
		atomic_inc(&iofd_fail_armed);
	}
	if (b && !nth) {
		list_del(&b->node);
		atomic_dec(&iofd_fail_armed);
		kfree(b);
	} else if (b) {
		b->remaining = nth;
	}
	spin_unlock(&iofd_fail_lock);
	kfree(new);
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_fail_nth_set);

unsigned int iofd_fail_nth_remaining(void)
{
	struct iofd_fail_budget *b;
	unsigned int remaining = 0;

	spin_lock(&iofd_fail_lock);
	b = iofd_fail_find();
	if (b)
		remaining = b->remaining;
	spin_unlock(&iofd_fail_lock);
	return remaining;
}
EXPORT_SYMBOL_GPL(iofd_fail_nth_remaining);

/* Called at each injection point; true means "fail this one" */
bool iofd_should_fail(void)
{
	struct iofd_fail_budget *b;
	bool fail = false;

#ifdef CONFIG_FAULT_INJECTION
	if (should_fail(&fail_iofd, 1))
		return true;
#endif
	if (likely(!atomic_read(&iofd_fail_armed)))
		return false;
	spin_lock(&iofd_fail_lock);
	b = iofd_fail_find();
	if (b && b->remaining) {
		b->remaining--;
		fail = !b->remaining;
	}
	spin_unlock(&iofd_fail_lock);
	return fail;
}
EXPORT_SYMBOL_GPL(iofd_should_fail);

int iofd_fail_init(void)
{
#ifdef CONFIG_FAULT_INJECTION
	fail_iofd_dir = fault_create_debugfs_attr("fail_iofd", NULL,
						  &fail_iofd);
	if (IS_ERR(fail_iofd_dir))
		fail_iofd_dir = NULL;
#endif
	return 0;
}

void iofd_fail_exit(void)
{
	struct iofd_fail_budget *b, *tmp;

#ifdef CONFIG_FAULT_INJECTION
	debugfs_remove_recursive(fail_iofd_dir);
#endif
	spin_lock(&iofd_fail_lock);
	list_for_each_entry_safe(b, tmp, &iofd_fail_budgets, node) {
		list_del(&b->node);
		kfree(b);
	}
	atomic_set(&iofd_fail_armed, 0);
	spin_unlock(&iofd_fail_lock);
}
