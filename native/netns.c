/* Network namespaces and mounts. A short-lived thread changes namespace, so that the process's own threads never
 * do. */
#include "nlkit.h"
#include <net/if.h>

static void *ns_thread(void *arg) {
  NsJob *job = arg;
  if (job->ns_fd >= 0) {
    if (setns(job->ns_fd, CLONE_NEWNET) < 0) { job->err = errno; job->what = "setns"; return NULL; }
  } else {
    if (unshare(CLONE_NEWNET) < 0) { job->err = errno; job->what = "unshare"; return NULL; }
  }
  if (job->file) {
    job->result = open(job->file, O_RDONLY | O_CLOEXEC);
    if (job->result < 0) { job->err = errno; job->what = "open"; }
  } else if (job->domain > 0) {
    job->result = socket(job->domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (job->result < 0) { job->err = errno; job->what = "socket"; }
  } else if (job->protocol >= 0) {
    job->result = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, job->protocol);
    if (job->result < 0) { job->err = errno; job->what = "socket"; }
  } else {
    job->result = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (job->result < 0) { job->err = errno; job->what = "open /proc/thread-self/ns/net"; }
  }
  return NULL;
}

int run_ns_job(NsJob *job) {
  pthread_t t;
  job->result = -1;
  job->err = 0;
  int rc = pthread_create(&t, NULL, ns_thread, job);
  if (rc != 0) { job->err = rc; job->what = "pthread_create"; return -1; }
  pthread_join(t, NULL);
  return job->err ? -1 : 0;
}

/* createNetns(): fd of a fresh, anonymous network namespace. */
napi_value js_create_netns(napi_env env, napi_callback_info info) {
  NsJob job = { .ns_fd = -1, .protocol = -1 };
  if (run_ns_job(&job) < 0) return throw_errno(env, job.what, job.err);
  return number(env, job.result);
}

/* mount(source | null, target, fstype | null, flags, data | null); a null source is passed as "". */
napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  char *source = NULL, *target = NULL, *fstype = NULL, *data = NULL;
  int64_t flags;
  int ok = get_args(env, info, 5, argv, NULL) && arg_string(env, argv[0], "source", 1, &source) &&
           arg_string(env, argv[1], "target", 0, &target) && arg_string(env, argv[2], "fstype", 1, &fstype) &&
           arg_int(env, argv[3], "flags", 0, UINT32_MAX, &flags) && arg_string(env, argv[4], "data", 1, &data);
  int err = ok && mount(source ? source : "", target, fstype, (unsigned long)flags, data) < 0 ? errno : 0;
  free(source);
  free(target);
  free(fstype);
  free(data);
  return err ? throw_errno(env, "mount", err) : NULL;
}

/* umount(target, flags) */
napi_value js_umount(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char *target = NULL;
  int64_t flags;
  int ok = get_args(env, info, 2, argv, NULL) && arg_string(env, argv[0], "target", 0, &target) &&
           arg_int(env, argv[1], "flags", 0, INT32_MAX, &flags);
  int err = ok && umount2(target, (int)flags) < 0 ? errno : 0;
  free(target);
  return err ? throw_errno(env, "umount2", err) : NULL;
}

/* The fd a one-argument call was given, or -1 with an error thrown. */
static int fd_arg(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t fd;
  return get_args(env, info, 1, argv, NULL) && arg_int(env, argv[0], "fd", 0, INT32_MAX, &fd) ? (int)fd : -1;
}

napi_value js_close_fd(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd >= 0 && close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* Move the calling thread into the network namespace behind fd: only for `netns exec`, whose process then spawns
   the command (a child inherits the namespace of the thread that forks it) and does nothing else. */
napi_value js_enter_netns(napi_env env, napi_callback_info info) {
  int fd = fd_arg(env, info);
  if (fd >= 0 && setns(fd, CLONE_NEWNET) < 0) return throw_errno(env, "setns", errno);
  return NULL;
}

/* openInNetns(nsFd, file): an fd of the file opened by a thread inside the namespace, so that what depends on the
   opener's namespace (/proc/thread-self/net/...) is that namespace's. */
napi_value js_open_in_netns(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t ns_fd;
  char *file = NULL;
  if (!get_args(env, info, 2, argv, NULL) || !arg_int(env, argv[0], "fd", 0, INT32_MAX, &ns_fd) ||
      !arg_string(env, argv[1], "file", 0, &file))
    return NULL;
  NsJob job = { .ns_fd = (int)ns_fd, .protocol = -1, .file = file };
  int rc = run_ns_job(&job);
  free(file);
  if (rc < 0) return throw_errno(env, job.what, job.err);
  return number(env, job.result);
}

/* ifreqIoctl(nsFd | null, domain, request, ifreq): ioctl(2) with a struct ifreq on a SOCK_DGRAM socket of the
   domain, made in the namespace (else in the caller's) for this one call, as ip does for SIOCADDMULTI. The ifreq
   is read and written in place. */
napi_value js_ifreq_ioctl(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t ns_fd = -1, domain, request;
  size_t len;
  if (!get_args(env, info, 4, argv, NULL) || (!arg_absent(env, argv[0]) && !arg_int(env, argv[0], "fd", 0, INT32_MAX, &ns_fd)) ||
      !arg_int(env, argv[1], "domain", 1, INT32_MAX, &domain) || !arg_int(env, argv[2], "request", 0, UINT32_MAX, &request))
    return NULL;
  void *ifr = typed_array(env, argv[3], "ifreq", napi_uint8_array, sizeof(struct ifreq), &len);
  if (!ifr) return NULL;
  int fd;
  if (ns_fd >= 0) {
    NsJob job = { .ns_fd = (int)ns_fd, .protocol = -1, .domain = (int)domain };
    if (run_ns_job(&job) < 0) return throw_errno(env, job.what, job.err);
    fd = job.result;
  } else {
    fd = socket((int)domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return throw_errno(env, "socket", errno);
  }
  int err = ioctl(fd, (unsigned long)request, ifr) < 0 ? errno : 0;
  close(fd);
  return err ? throw_errno(env, "ioctl", err) : NULL;
}
