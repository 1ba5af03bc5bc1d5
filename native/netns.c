/* Network namespaces and mounts. A short-lived thread changes namespace, so that the process's own threads never
 * do. */
#include "nlkit.h"

static void *ns_thread(void *arg) {
  NsJob *job = arg;
  if (job->ns_fd >= 0) {
    if (setns(job->ns_fd, CLONE_NEWNET) < 0) { job->err = errno; job->what = "setns"; return NULL; }
  } else {
    if (unshare(CLONE_NEWNET) < 0) { job->err = errno; job->what = "unshare"; return NULL; }
  }
  if (job->protocol >= 0) {
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

static int get_string(napi_env env, napi_value v, char *buf, size_t size, int *present) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  *present = t == napi_string;
  if (!*present) return 1;
  size_t len;
  return napi_get_value_string_utf8(env, v, buf, size, &len) == napi_ok;
}

/* mount(source, target, fstype | null, flags, data | null) */
napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char source[4096], target[4096], fstype[64], data[1024];
  int has_source, has_target, has_fstype, has_data;
  int64_t flags = 0;
  get_string(env, argv[0], source, sizeof source, &has_source);
  get_string(env, argv[1], target, sizeof target, &has_target);
  get_string(env, argv[2], fstype, sizeof fstype, &has_fstype);
  arg_int(env, argv[3], &flags);
  get_string(env, argv[4], data, sizeof data, &has_data);
  if (mount(has_source ? source : "", has_target ? target : "", has_fstype ? fstype : NULL, (unsigned long)flags,
            has_data ? data : NULL) < 0)
    return throw_errno(env, "mount", errno);
  return NULL;
}

napi_value js_umount(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char target[4096];
  int has_target;
  int64_t flags = 0;
  get_string(env, argv[0], target, sizeof target, &has_target);
  arg_int(env, argv[1], &flags);
  if (umount2(target, (int)flags) < 0) return throw_errno(env, "umount2", errno);
  return NULL;
}

/* The fd a one-argument call was given; -1 if it is not a number. */
static int fd_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1) arg_int(env, argv[0], &fd);
  return (int)fd;
}

napi_value js_close_fd(napi_env env, napi_callback_info info) {
  if (close(fd_arg(env, info)) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* Move the calling thread into the network namespace behind fd: only for `netns exec`, whose process then spawns
   the command (a child inherits the namespace of the thread that forks it) and does nothing else. */
napi_value js_enter_netns(napi_env env, napi_callback_info info) {
  if (setns(fd_arg(env, info), CLONE_NEWNET) < 0) return throw_errno(env, "setns", errno);
  return NULL;
}
