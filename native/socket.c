/* The socket object: bind, options, send, recv, and libuv readiness. */
#include "nlkit.h"

/* The poll handle with the hook that makes environment teardown wait for its close: the close callback is
 * this module's code, which must not run after a worker's copy of the addon is unloaded. */
typedef struct {
  uv_poll_t handle; /* first, so a handle pointer is a box pointer */
  napi_async_cleanup_hook_handle hook;
} PollBox;

static void on_handle_closed(uv_handle_t *h) {
  PollBox *box = (PollBox *)h;
  if (box->hook) napi_remove_async_cleanup_hook(box->hook);
  free(box);
}

static void close_socket(Socket *s, napi_env env);

static void on_env_teardown(napi_async_cleanup_hook_handle hook, void *arg) {
  PollBox *box = arg;
  Socket *s = box->handle.data;
  /* Without a socket the handle is already closing, and its close callback removes the hook. */
  if (s) close_socket(s, NULL);
}

static void stop_poll(Socket *s) {
  if (s->poll && s->polling) {
    uv_poll_stop(s->poll);
    s->polling = 0;
  }
}

static void close_socket(Socket *s, napi_env env) {
  if (s->fd < 0) return;
  if (s->poll) {
    stop_poll(s);
    s->poll->data = NULL;
    uv_close((uv_handle_t *)s->poll, on_handle_closed);
    s->poll = NULL;
  }
  if (s->sender) stop_sender(s);
  if (s->reader) stop_reader(s);
  close(s->fd);
  s->fd = -1;
  if (env && s->callback) { napi_delete_reference(env, s->callback); s->callback = NULL; }
  if (env && s->self) { napi_delete_reference(env, s->self); s->self = NULL; }
  if (env && s->async) { napi_async_destroy(env, s->async); s->async = NULL; }
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  Socket *s = data;
  /* The JS object is gone, so no callback can run: close without touching JS references' targets. */
  close_socket(s, env);
  free(s->scratch);
  free(s);
}

Socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return data;
}

Socket *open_socket(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, const char *what) {
  Socket *s = unwrap(env, info, argc, argv);
  if (s && s->fd < 0) {
    throw_errno(env, what, EBADF);
    return NULL;
  }
  return s;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Socket *s = open_socket(env, info, &argc, argv, "bind");
  if (!s) return NULL;
  int64_t port = 0, groups = 0;
  arg_int(env, argv[0], &port);
  arg_int(env, argv[1], &groups);
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = (uint32_t)port, .nl_groups = (uint32_t)groups };
  if (bind(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0) return throw_errno(env, "bind", errno);
  return NULL;
}

static napi_value js_port_id(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Socket *s = open_socket(env, info, &argc, NULL, "getsockname");
  if (!s) return NULL;
  struct sockaddr_nl sa;
  socklen_t len = sizeof sa;
  if (getsockname(s->fd, (struct sockaddr *)&sa, &len) < 0) return throw_errno(env, "getsockname", errno);
  return number(env, sa.nl_pid);
}

static napi_value js_set_option(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket *s = open_socket(env, info, &argc, argv, "setsockopt");
  if (!s) return NULL;
  int64_t level = 0, name = 0, value = 0;
  arg_int(env, argv[0], &level);
  arg_int(env, argv[1], &name);
  arg_int(env, argv[2], &value);
  int v = (int)value;
  if (setsockopt(s->fd, (int)level, (int)name, &v, sizeof v) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

static napi_value js_get_option(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Socket *s = open_socket(env, info, &argc, argv, "getsockopt");
  if (!s) return NULL;
  int64_t level = 0, name = 0;
  arg_int(env, argv[0], &level);
  arg_int(env, argv[1], &name);
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(s->fd, (int)level, (int)name, &v, &len) < 0) return throw_errno(env, "getsockopt", errno);
  return number(env, v);
}

/* send(buf, portId, groups): one sendto for the whole buffer, however many messages it holds. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Socket *s = open_socket(env, info, &argc, argv, "sendto");
  if (!s) return NULL;
  size_t len;
  void *data = typed_array(env, argv[0], napi_uint8_array, 0, &len, "send: expected a Uint8Array");
  if (!data) return NULL;
  int64_t port = 0, groups = 0;
  arg_int(env, argv[1], &port);
  arg_int(env, argv[2], &groups);
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = (uint32_t)port, .nl_groups = (uint32_t)groups };
  ssize_t n;
  do n = sendto(s->fd, data, len, 0, (struct sockaddr *)&sa, sizeof sa); while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return number(env, -1);
    return throw_errno(env, "sendto", errno);
  }
  return number(env, (double)n);
}

/* The size of the next datagram, learnt without copying it: a peek with MSG_TRUNC returns its full length; or
 * -errno. The kernel sizes dump datagrams by the largest length a reader has asked for (up to 32 KiB), so the
 * socket's first peek offers the 64 KiB scratch; later peeks offer nothing. */
ssize_t next_size(Socket *s) {
  struct iovec iov = { .iov_base = s->scratch, .iov_len = s->scratch ? s->scratch_len : 0 };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;
  do n = recvmsg(s->fd, &mh, MSG_PEEK | MSG_TRUNC); while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  if (s->scratch) {
    free(s->scratch);
    s->scratch = NULL;
    s->scratch_len = 0;
  }
  return n;
}

/* Read the next datagram into data[0, len) — len from next_size — with what recv() reports in info; or -errno. */
ssize_t read_datagram(int fd, void *data, size_t len, uint32_t info[4]) {
  struct sockaddr_nl sa;
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(struct nl_pktinfo)) + CMSG_SPACE(sizeof(int))];
  } control;
  struct iovec iov = { .iov_base = data, .iov_len = len };
  struct msghdr mh = {
    .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.bytes, .msg_controllen = sizeof control.bytes,
  };
  ssize_t n;
  do n = recvmsg(fd, &mh, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  info[0] = sa.nl_pid;
  info[1] = 0;
  info[2] = 0xffffffffu;
  info[3] = (uint32_t)n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_NETLINK) continue;
    if (c->cmsg_type == NETLINK_PKTINFO) {
      struct nl_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      info[1] = pi.group;
    } else if (c->cmsg_type == NETLINK_LISTEN_ALL_NSID) {
      int nsid;
      memcpy(&nsid, CMSG_DATA(c), sizeof nsid);
      info[2] = (uint32_t)nsid;
    }
  }
  return n;
}

static napi_value recv_result(napi_env env, int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return number(env, -1);
  if (err == ENOBUFS) return number(env, -3);
  return throw_errno(env, "recvmsg", err);
}

/* recv(info): one whole datagram as a Buffer of its exact size; -1 nothing queued; -3 overrun (ENOBUFS).
 * info[0] sender port, info[1] multicast group (NETLINK_PKTINFO), info[2] nsid or 0xffffffff, info[3] size.
 * While a reader thread reads ahead (readAhead), datagrams come from its queue, in order. */
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket *s = open_socket(env, info, &argc, argv, "recvmsg");
  if (!s) return NULL;
  size_t out_len;
  uint32_t *out = typed_array(env, argv[0], napi_uint32_array, 4, &out_len, "recv: expected a Uint32Array(4)");
  if (!out) return NULL;
  napi_value buf = NULL;
  if (s->reader) {
    Datagram *d = take_read_ahead(s);
    if (d == READ_AHEAD_EMPTY) return number(env, -1);
    if (d) {
      if (d->err) {
        int err = d->err;
        free(d);
        return recv_result(env, err);
      }
      memcpy(out, d->info, sizeof d->info);
      /* The bytes stay where the thread put them: the Buffer frees them when it is collected. */
      if (napi_create_external_buffer(env, d->len, d->data, free_datagram, d, &buf) != napi_ok) {
        free(d);
        return NULL;
      }
      return buf;
    }
  }
  ssize_t n = next_size(s);
  if (n >= 0) {
    void *data;
    CHECK(napi_create_buffer(env, (size_t)n, &data, &buf));
    n = read_datagram(s->fd, data, (size_t)n, out);
  }
  if (n < 0) return recv_result(env, (int)-n);
  return buf;
}

void call_js(Socket *s, const char *event, int err) {
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, self, argv[2], result;
  if (s->callback && napi_get_reference_value(env, s->callback, &cb) == napi_ok &&
      napi_get_reference_value(env, s->self, &self) == napi_ok) {
    napi_create_string_utf8(env, event, NAPI_AUTO_LENGTH, &argv[0]);
    napi_create_int32(env, err, &argv[1]);
    if (napi_make_callback(env, s->async, self, cb, 2, argv, &result) == napi_pending_exception) {
      /* A throwing callback is an uncaught exception, as with any event-loop callback. */
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

void on_poll(uv_poll_t *handle, int status, int events) {
  Socket *s = handle->data;
  if (!s || s->fd < 0) return;
  if (status < 0) {
    /* POLLERR: libuv has stopped the handle. Read (and so clear) the socket error, report it, poll on. */
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    s->polling = 0;
    if (s->poll) {
      if (!s->reading_ahead) uv_poll_start(s->poll, UV_READABLE, on_poll);
      s->polling = 1;
    }
    if (err != 0) call_js(s, err == ENOBUFS ? "overrun" : "error", err);
    return;
  }
  if (events & UV_READABLE) call_js(s, "readable", 0);
}

static napi_value js_poll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok || napi_unwrap(env, self, &data) != napi_ok) return NULL;
  Socket *s = data;
  if (s->fd < 0) return throw_errno(env, "poll", EBADF);
  if (!s->poll) {
    uv_loop_t *loop;
    CHECK(napi_get_uv_event_loop(env, &loop));
    PollBox *box = calloc(1, sizeof *box);
    if (!box) return throw_errno(env, "poll", ENOMEM);
    int rc = uv_poll_init(loop, &box->handle, s->fd);
    if (rc < 0) { free(box); return throw_errno(env, "uv_poll_init", -rc); }
    if (napi_add_async_cleanup_hook(env, on_env_teardown, box, &box->hook) != napi_ok) {
      uv_close((uv_handle_t *)&box->handle, on_handle_closed);
      return throw_errno(env, "poll", ENOMEM);
    }
    box->handle.data = s;
    s->poll = &box->handle;
    if (!s->refd) uv_unref((uv_handle_t *)s->poll);
  }
  if (s->callback) napi_delete_reference(env, s->callback);
  CHECK(napi_create_reference(env, argv[0], 1, &s->callback));
  if (!s->self) CHECK(napi_create_reference(env, self, 1, &s->self));
  if (!s->async) {
    napi_value name;
    CHECK(napi_create_string_utf8(env, "nlkit.NativeSocket", NAPI_AUTO_LENGTH, &name));
    CHECK(napi_async_init(env, self, name, &s->async));
  }
  s->env = env;
  if (s->reading_ahead) {
    s->polling = 1;
    announce_read_ahead(s);
    return NULL;
  }
  int rc = uv_poll_start(s->poll, UV_READABLE, on_poll);
  if (rc < 0) return throw_errno(env, "uv_poll_start", -rc);
  s->polling = 1;
  return NULL;
}

static napi_value js_pause(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  stop_poll(s);
  /* A paused socket nobody holds may be collected (and so closed); poll() takes both references again. */
  if (s->self) { napi_delete_reference(env, s->self); s->self = NULL; }
  if (s->callback) { napi_delete_reference(env, s->callback); s->callback = NULL; }
  return NULL;
}

static napi_value set_ref(napi_env env, napi_callback_info info, int ref) {
  size_t argc = 0;
  Socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  s->refd = ref;
  if (s->poll) {
    if (ref) uv_ref((uv_handle_t *)s->poll);
    else uv_unref((uv_handle_t *)s->poll);
  }
  if (s->reading_ahead) ref_read_ahead(env, s, ref);
  return NULL;
}

static napi_value js_ref(napi_env env, napi_callback_info info) { return set_ref(env, info, 1); }
static napi_value js_unref(napi_env env, napi_callback_info info) { return set_ref(env, info, 0); }

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Socket *s = unwrap(env, info, &argc, NULL);
  if (s) close_socket(s, env);
  return NULL;
}

static napi_value js_fd(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Socket *s = unwrap(env, info, &argc, NULL);
  return s ? number(env, s->fd) : NULL;
}

/* openSocket(protocol, netnsPath | null, netnsFd): a NativeSocket object. */
napi_value js_open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t protocol = 0, ns_fd = -1;
  arg_int(env, argv[0], &protocol);
  napi_valuetype t;
  char path[4096];
  int own_ns_fd = -1;
  napi_typeof(env, argv[1], &t);
  if (t == napi_string) {
    size_t len;
    napi_get_value_string_utf8(env, argv[1], path, sizeof path, &len);
    own_ns_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (own_ns_fd < 0) {
      int err = errno;
      throw_errno(env, "open", err);
      napi_value error, p;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok &&
          napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p) == napi_ok) {
        napi_set_named_property(env, error, "path", p);
        napi_throw(env, error);
      }
      return NULL;
    }
    ns_fd = own_ns_fd;
  } else {
    napi_typeof(env, argv[2], &t);
    if (t == napi_number) {
      arg_int(env, argv[2], &ns_fd);
      if (ns_fd < 0) return throw_errno(env, "setns", EBADF);
    }
  }
  int fd;
  if (ns_fd >= 0) {
    NsJob job = { .ns_fd = (int)ns_fd, .protocol = (int)protocol };
    int rc = run_ns_job(&job);
    if (own_ns_fd >= 0) close(own_ns_fd);
    if (rc < 0) return throw_errno(env, job.what, job.err);
    fd = job.result;
  } else {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, (int)protocol);
    if (fd < 0) return throw_errno(env, "socket", errno);
  }
  int one = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, &one, sizeof one);
  Socket *s = calloc(1, sizeof *s);
  unsigned char *scratch = malloc(SCRATCH_MIN);
  if (!s || !scratch) { free(s); free(scratch); close(fd); return throw_errno(env, "socket", ENOMEM); }
  s->fd = fd;
  s->scratch = scratch;
  s->scratch_len = SCRATCH_MIN;
  s->refd = 1;
  s->env = env;
  napi_value obj;
  napi_property_descriptor props[] = {
    METHOD("bind", js_bind),
    METHOD("portId", js_port_id),
    METHOD("setOption", js_set_option),
    METHOD("getOption", js_get_option),
    METHOD("send", js_send),
    METHOD("sendQueued", js_send_queued),
    METHOD("readAhead", js_read_ahead),
    METHOD("recv", js_recv),
    METHOD("poll", js_poll),
    METHOD("pause", js_pause),
    METHOD("ref", js_ref),
    METHOD("unref", js_unref),
    METHOD("close", js_close),
    { "fd", NULL, NULL, js_fd, NULL, NULL, napi_default, NULL },
  };
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_define_properties(env, obj, sizeof props / sizeof props[0], props));
  if (napi_wrap(env, obj, s, finalize_socket, NULL, NULL) != napi_ok) {
    close(fd);
    free(scratch);
    free(s);
    return NULL;
  }
  return obj;
}
