// SPDX-License-Identifier: GPL-2.0-only
/*
 * switchyard guest agent: PID 1 of the harness's initramfs.
 *
 * Mounts proc, sysfs and devtmpfs, runs the set-up and the steps of /script one by
 * one, prints one machine-readable console line per step, and powers the machine off.
 * The host reads the console unbuffered; every line it acts on starts with
 * "SWITCHYARD ".
 *
 * The lines go through /dev/kmsg, one write() each: a printk record of its own, which
 * the console prints whole and in order with the kernel's own messages (a fault logged
 * during a step comes after that step's STEP line). Written to the tty instead, a line
 * is drained by the UART in pieces and a printk can land in the middle of it. The
 * kernel command line has printk.devkmsg=on, so no line is rate limited away. Only if
 * /dev/kmsg cannot be opened do the lines go to stdout.
 *
 * /script, one command per line:
 *   group BDF                 report the device's IOMMU group (set-up, not a step)
 *   serr BDF                  set SERR# enable in the bridge's Bridge Control register
 *   release BDF               unbind whatever driver the device has (set-up, not a step)
 *   expect BDF DRIVER         check that a built-in driver bound the device at boot
 *                             (set-up, not a step)
 *   bind N BDF DRIVER         driver_override + bind
 *   unbind N BDF
 *   raise N BDF               ask the host to inject AER, wait for the aerdrv count
 *   vfio_claim N BDF          type1: container, group, VFIO_GROUP_SET_CONTAINER
 *   vfio_attach N BDF         type1: VFIO_SET_IOMMU
 *   vfio_open N BDF           vfio_claim, then vfio_attach
 *   vfio_close N
 *   write_type N BDF TYPE     write TYPE to the type file of the device's IOMMU group
 *   skip N                    a step the model says cannot happen: not performed
 *   wait_ms MS                deadline for each raise (default 15000)
 *
 * Results:
 *   SWITCHYARD SETUP group BDF N|none           (the group the kernel made at boot)
 *   SWITCHYARD RESULT N ok
 *   SWITCHYARD RESULT N skipped
 *   SWITCHYARD RESULT N errno=E NAME at=WHAT
 *   SWITCHYARD RAISE N BDF                      (the host injects now)
 *   SWITCHYARD RESULT N irq=delivered|none count=BEFORE->AFTER
 *   SWITCHYARD DOMAIN N GROUP TYPE              (sysfs iommu_group/type)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/reboot.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int wait_ms = 15000;
static int vfio_container = -1;
static int vfio_group = -1;
static int kmsg = -1;

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	/* <5>: KERN_NOTICE, above any console log level that prints at all. */
	n = snprintf(line, sizeof(line), "<5>SWITCHYARD ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (kmsg < 0 || write(kmsg, line, n) != n) {
		fwrite(line + 3, 1, n - 3, stdout);
		fflush(stdout);
	}
}

static void fail(int step, int err, const char *what)
{
	say("RESULT %d errno=%d %s at=%s", step, err, strerrorname_np(err) ?
	    strerrorname_np(err) : "E?", what);
}

/* Writes a string to a sysfs file; returns 0 or an errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		err = errno;
	close(fd);
	return err;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sum of every CPU's count on /proc/interrupts lines naming aerdrv. */
static long aer_count(void)
{
	char line[1024];
	long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (!strstr(line, "aerdrv"))
			continue;
		p = strchr(line, ':');
		if (!p)
			continue;
		for (p++;;) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}

static void report_domain(int step, const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX], type[64] = "?";
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return;
	link[n] = '\0';
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", basename(link));
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%63s", type) != 1)
			strcpy(type, "?");
		fclose(f);
	}
	say("DOMAIN %d %s %s", step, basename(link), type);
}

static void do_group(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		say("SETUP group %s none", bdf);
		return;
	}
	link[n] = '\0';
	say("SETUP group %s %s", bdf, basename(link));
}

static void do_serr(const char *bdf)
{
	char path[PATH_MAX];
	unsigned char ctl[2];
	int fd;

	/* Bridge Control (0x3e) bit 1: SERR# enable, which firmware would set. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, ctl, 2, 0x3e) != 2) {
		say("SETUP serr %s errno=%d", bdf, errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	ctl[0] |= 0x02;
	if (pwrite(fd, ctl, 2, 0x3e) != 2)
		say("SETUP serr %s errno=%d", bdf, errno);
	close(fd);
}

static int do_release(const char *bdf)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (stat(path, &st))
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	return write_file(path, bdf);
}

static void do_bind(int step, const char *bdf, const char *driver)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	err = write_file(path, driver);
	if (err) {
		fail(step, err, "driver_override");
		return;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", driver);
	err = write_file(path, bdf);
	if (err) {
		fail(step, err, "bind");
		return;
	}
	say("RESULT %d ok", step);
}

static void do_unbind(int step, const char *bdf)
{
	int err = do_release(bdf);

	if (err)
		fail(step, err, "unbind");
	else
		say("RESULT %d ok", step);
}

static void do_raise(int step, const char *bdf)
{
	long before = aer_count(), after = before, deadline;

	say("RAISE %d %s", step, bdf);
	deadline = now_ms() + wait_ms;
	while (now_ms() < deadline) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		after = aer_count();
		if (after > before)
			break;
		nanosleep(&ts, NULL);
	}
	say("RESULT %d irq=%s count=%ld->%ld", step,
	    after > before ? "delivered" : "none", before, after);
}

/* VFIO_GROUP_SET_CONTAINER: the DMA-ownership claim. Returns 0 or the errno. */
static int vfio_claim(int step, const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fail(step, errno, "iommu_group");
		return errno;
	}
	link[n] = '\0';
	vfio_container = open("/dev/vfio/vfio", O_RDWR);
	if (vfio_container < 0) {
		fail(step, errno, "open-container");
		return errno;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	vfio_group = open(path, O_RDWR);
	if (vfio_group < 0) {
		fail(step, errno, "open-group");
		return errno;
	}
	if (ioctl(vfio_group, VFIO_GROUP_SET_CONTAINER, &vfio_container)) {
		fail(step, errno, "VFIO_GROUP_SET_CONTAINER");
		return errno;
	}
	return 0;
}

/* VFIO_SET_IOMMU: type1 attaches its paging domain, then installs the MSI cookie. */
static int vfio_attach(int step)
{
	if (ioctl(vfio_container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fail(step, errno, "VFIO_SET_IOMMU");
		return errno;
	}
	return 0;
}

static void do_vfio_claim(int step, const char *bdf)
{
	if (!vfio_claim(step, bdf))
		say("RESULT %d ok", step);
}

static void do_vfio_attach(int step)
{
	if (!vfio_attach(step))
		say("RESULT %d ok", step);
}

static void do_vfio_open(int step, const char *bdf)
{
	if (!vfio_claim(step, bdf) && !vfio_attach(step))
		say("RESULT %d ok", step);
}

/* Set-up: a built-in driver must have bound the device before userspace ran. */
static void do_expect(const char *bdf, const char *driver)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		say("SETUP expect %s %s found=none", bdf, driver);
		return;
	}
	link[n] = '\0';
	if (strcmp(basename(link), driver))
		say("SETUP expect %s %s found=%s", bdf, driver, basename(link));
}

/* The group's sysfs type file: iommu_group_store_type() switches the default domain. */
static void do_write_type(int step, const char *bdf, const char *type)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	int err;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		fail(step, errno, "iommu_group");
		return;
	}
	link[n] = '\0';
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", basename(link));
	err = write_file(path, type);
	if (err)
		fail(step, err, "type");
	else
		say("RESULT %d ok", step);
}

static void do_vfio_close(int step)
{
	if (vfio_group >= 0)
		close(vfio_group);
	if (vfio_container >= 0)
		close(vfio_container);
	vfio_group = -1;
	vfio_container = -1;
	say("RESULT %d ok", step);
}

static void run_script(FILE *script)
{
	char line[512], verb[32], bdf[64], arg[64];
	int step;

	while (fgets(line, sizeof(line), script)) {
		arg[0] = '\0';
		if (sscanf(line, "group %63s", bdf) == 1) {
			do_group(bdf);
		} else if (sscanf(line, "serr %63s", bdf) == 1) {
			do_serr(bdf);
		} else if (sscanf(line, "release %63s", bdf) == 1) {
			int err = do_release(bdf);

			if (err)
				say("SETUP release %s errno=%d", bdf, err);
		} else if (sscanf(line, "expect %63s %63s", bdf, arg) == 2) {
			do_expect(bdf, arg);
		} else if (sscanf(line, "wait_ms %d", &wait_ms) == 1) {
			continue;
		} else if (sscanf(line, "skip %d", &step) == 1) {
			say("STEP %d skip", step);
			say("RESULT %d skipped", step);
		} else if (sscanf(line, "%31s %d %63s %63s", verb, &step, bdf, arg) >= 2) {
			say("STEP %d %s", step, verb);
			if (!strcmp(verb, "bind"))
				do_bind(step, bdf, arg);
			else if (!strcmp(verb, "unbind"))
				do_unbind(step, bdf);
			else if (!strcmp(verb, "raise"))
				do_raise(step, bdf);
			else if (!strcmp(verb, "vfio_open"))
				do_vfio_open(step, bdf);
			else if (!strcmp(verb, "vfio_claim"))
				do_vfio_claim(step, bdf);
			else if (!strcmp(verb, "vfio_attach"))
				do_vfio_attach(step);
			else if (!strcmp(verb, "vfio_close"))
				do_vfio_close(step);
			else if (!strcmp(verb, "write_type"))
				do_write_type(step, bdf, arg);
			else
				fail(step, EINVAL, verb);
			if (strcmp(verb, "vfio_close") && bdf[0])
				report_domain(step, bdf);
		}
	}
}

int main(void)
{
	FILE *script;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	script = fopen("/script", "r");
	if (!script) {
		say("FATAL no /script: errno=%d", errno);
	} else {
		say("READY");
		run_script(script);
		fclose(script);
	}
	say("DONE");
	sync();
	reboot(LINUX_REBOOT_CMD_POWER_OFF);
	return 0;
}
