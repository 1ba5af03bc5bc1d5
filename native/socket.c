/* The socket object: bind, options, send, recv, and libuv readiness. */
#include "nlkit.h"

#define SCRATCH_LEN (64 * 1024)

/* Marks this addon's socket objects, so that a method called on any other object — another addon's wrapped one
 * included — throws instead of taking its data for a Socket. */
static const napi_type_tag socket_tag = { 0x6e6c6b69742e736fULL, 0x636b65742e746167ULL };

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
  free(s);
}

/* The Socket behind `this` (given in self if wanted), with the call's first argc arguments in argv. */
Socket *unwrap(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, napi_value *self) {
  napi_value this_value;
  bool tagged = false;
  void *data;
  if (!get_args(env, info, argc, argv, &this_value)) return NULL;
  if (napi_check_object_type_tag(env, this_value, &socket_tag, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, this_value, &data) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_THIS", "Value of \"this\" must be of type NativeSocket");
    return NULL;
  }
  if (self) *self = this_value;
  return data;
}

/* As unwrap, for a call that needs the socket open. */
Socket *open_socket(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, const char *what) {
  Socket *s = unwrap(env, info, argc, argv, NULL);
  if (s && s->fd < 0) {
    throw_errno(env, what, EBADF);
    return NULL;
  }
  return s;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t port, groups;
  Socket *s = open_socket(env, info, 2, argv, "bind");
  if (!s || !arg_int(env, argv[0], "portId", 0, UINT32_MAX, &port) ||
      !arg_int(env, argv[1], "groups", 0, UINT32_MAX, &groups))
    return NULL;
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = (uint32_t)port, .nl_groups = (uint32_t)groups };
  if (bind(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0) return throw_errno(env, "bind", errno);
  return NULL;
}

static napi_value js_port_id(napi_env env, napi_callback_info info) {
  Socket *s = open_socket(env, info, 0, NULL, "getsockname");
  if (!s) return NULL;
  struct sockaddr_nl sa;
  socklen_t len = sizeof sa;
  if (getsockname(s->fd, (struct sockaddr *)&sa, &len) < 0) return throw_errno(env, "getsockname", errno);
  return number(env, sa.nl_pid);
}

static napi_value js_set_option(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t level, name, value;
  Socket *s = open_socket(env, info, 3, argv, "setsockopt");
  if (!s || !arg_int(env, argv[0], "level", INT32_MIN, INT32_MAX, &level) ||
      !arg_int(env, argv[1], "name", INT32_MIN, INT32_MAX, &name) ||
      !arg_int(env, argv[2], "value", INT32_MIN, INT32_MAX, &value))
    return NULL;
  int v = (int)value;
  if (setsockopt(s->fd, (int)level, (int)name, &v, sizeof v) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

static napi_value js_get_option(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int64_t level, name;
  Socket *s = open_socket(env, info, 2, argv, "getsockopt");
  if (!s || !arg_int(env, argv[0], "level", INT32_MIN, INT32_MAX, &level) ||
      !arg_int(env, argv[1], "name", INT32_MIN, INT32_MAX, &name))
    return NULL;
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(s->fd, (int)level, (int)name, &v, &len) < 0) return throw_errno(env, "getsockopt", errno);
  return number(env, v);
}

/* send(buf, portId, groups): one sendto for the whole buffer, however many messages it holds. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t len;
  void *data;
  int64_t port, groups;
  Socket *s = open_socket(env, info, 3, argv, "sendto");
  if (!s || !(data = typed_array(env, argv[0], "buf", napi_uint8_array, 0, &len)) ||
      !arg_int(env, argv[1], "portId", 0, UINT32_MAX, &port) || !arg_int(env, argv[2], "groups", 0, UINT32_MAX, &groups))
    return NULL;
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
 * -errno. The kernel sizes dump datagrams by the largest length a reader has asked for (up to 32 KiB), so until
 * a peek has found a datagram, each offers a 64 KiB scratch buffer, which lives for that peek only: a socket that
 * never receives holds none, open or closed. Later peeks offer nothing. */
ssize_t next_size(Socket *s) {
  size_t len = s->sized ? 0 : SCRATCH_LEN;
  void *scratch = len ? malloc(len) : NULL;
  if (len && !scratch) return -ENOMEM;
  struct iovec iov = { .iov_base = scratch, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;
  do n = recvmsg(s->fd, &mh, MSG_PEEK | MSG_TRUNC); while (n < 0 && errno == EINTR);
  int err = errno;
  free(scratch);
  if (n < 0) return -err;
  s->sized = 1;
  return n;
}

/* Read the next datagram into data[0, len) — len from next_size — with what recv() reports in info; or -errno. */
ssize_t read_datagram(int fd, void *data, size_t len, uint32_t info[4]) {
  struct sockaddr_nl sa;
  union {
    struct cmsghdr align;
    /* NETLINK_PKTINFO, NETLINK_LISTEN_ALL_NSID, and SCM_CREDENTIALS should SO_PASSCRED be set */
    char bytes[CMSG_SPACE(sizeof(struct nl_pktinfo)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
  } control;
  struct iovec iov = { .iov_base = data, .iov_len = len };
  struct msghdr mh = {
    .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.bytes, .msg_controllen = sizeof control.bytes,
  };
  ssize_t n;
  do n = recvmsg(fd, &mh, 0); while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  /* Cut short — the datagram (should a datagram other than the one peeked at arrive here) or its control data (an
   * option made the kernel add some not foreseen above) — it is not what was sent, so it is an error. */
  if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return -EMSGSIZE;
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
  napi_value argv[1];
  size_t out_len;
  uint32_t *out;
  Socket *s = open_socket(env, info, 1, argv, "recvmsg");
  if (!s || !(out = typed_array(env, argv[0], "info", napi_uint32_array, 4, &out_len))) return NULL;
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
      /* The bytes stay where the thread put them: the Buffer frees them when it is collected. Where Node allows
       * no external buffers, they are copied. Any other failure may have handed d to free_datagram already. */
      napi_status status = napi_create_external_buffer(env, d->len, d->data, free_datagram, d, &buf);
      if (status == napi_no_external_buffers_allowed) {
        status = napi_create_buffer_copy(env, d->len, d->data, NULL, &buf);
        free(d);
      }
      return status == napi_ok ? buf : throw_napi_failure(env);
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
  napi_value argv[1], self;
  Socket *s = unwrap(env, info, 1, argv, &self);
  if (!s) return NULL;
  if (s->fd < 0) return throw_errno(env, "poll", EBADF);
  if (!arg_function(env, argv[0], "callback")) return NULL;
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
  /* The new callback is held before the old one is let go, so a failure leaves the socket as it was. */
  napi_ref callback;
  CHECK(napi_create_reference(env, argv[0], 1, &callback));
  if (s->callback) napi_delete_reference(env, s->callback);
  s->callback = callback;
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
  Socket *s = unwrap(env, info, 0, NULL, NULL);
  if (!s) return NULL;
  stop_poll(s);
  /* A paused socket nobody holds may be collected (and so closed); poll() takes both references again. */
  if (s->self) { napi_delete_reference(env, s->self); s->self = NULL; }
  if (s->callback) { napi_delete_reference(env, s->callback); s->callback = NULL; }
  return NULL;
}

static napi_value set_ref(napi_env env, napi_callback_info info, int ref) {
  Socket *s = unwrap(env, info, 0, NULL, NULL);
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
  Socket *s = unwrap(env, info, 0, NULL, NULL);
  if (s) close_socket(s, env);
  return NULL;
}

static napi_value js_fd(napi_env env, napi_callback_info info) {
  Socket *s = unwrap(env, info, 0, NULL, NULL);
  return s ? number(env, s->fd) : NULL;
}

/* JavaScript can reach the constructor (socket.constructor), but what `new` makes there is no socket: only
 * wrap_socket wraps and tags one, and every method refuses anything else (ERR_INVALID_THIS). */
static napi_value construct(napi_env env, napi_callback_info info) {
  napi_value self;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  return self;
}

static void free_class(napi_env env, void *data, void *hint) { napi_delete_reference(env, data); }

/* The class of sockets, one per environment (a worker has its own): their methods live on its prototype, made
 * once, rather than on each socket. */
int define_socket_class(napi_env env) {
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
  /* Set on the prototype rather than given to napi_define_class, whose methods V8 guards with a signature check
   * ("Illegal invocation", no code): unwrap's check gives Node's ERR_INVALID_THIS. */
  napi_value cls, prototype;
  napi_ref ref;
  if (napi_define_class(env, "NativeSocket", NAPI_AUTO_LENGTH, construct, NULL, 0, NULL, &cls) != napi_ok ||
      napi_get_named_property(env, cls, "prototype", &prototype) != napi_ok ||
      napi_define_properties(env, prototype, sizeof props / sizeof props[0], props) != napi_ok ||
      napi_create_reference(env, cls, 1, &ref) != napi_ok)
    return 0;
  if (napi_set_instance_data(env, ref, free_class, NULL) != napi_ok) {
    napi_delete_reference(env, ref);
    return 0;
  }
  return 1;
}

/* The object for a new socket's fd. On failure the fd is closed, and nothing is left behind. */
static napi_value wrap_socket(napi_env env, int fd) {
  Socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, "socket", ENOMEM);
  }
  s->fd = fd;
  s->refd = 1;
  s->env = env;
  void *cls_ref;
  napi_value cls, obj;
  if (napi_get_instance_data(env, &cls_ref) != napi_ok || napi_get_reference_value(env, cls_ref, &cls) != napi_ok ||
      napi_new_instance(env, cls, 0, NULL, &obj) != napi_ok || napi_type_tag_object(env, obj, &socket_tag) != napi_ok ||
      napi_wrap(env, obj, s, finalize_socket, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    return throw_napi_failure(env);
  }
  return obj;
}

/* The error for a namespace path that would not open, naming the path. */
static napi_value throw_open_error(napi_env env, int err, const char *path) {
  napi_value error, p;
  throw_errno(env, "open", err);
  if (napi_get_and_clear_last_exception(env, &error) == napi_ok &&
      napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p) == napi_ok) {
    napi_set_named_property(env, error, "path", p);
    napi_throw(env, error);
  }
  return NULL;
}

/* openSocket(protocol, netnsPath | null, netnsFd | null): a NativeSocket object, in the namespace at the path or
 * behind the fd (not both), else in the caller's. */
napi_value js_open_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int64_t protocol, ns_fd = -1;
  char *path;
  if (!get_args(env, info, 3, argv, NULL) || !arg_int(env, argv[0], "protocol", 0, INT32_MAX, &protocol) ||
      !arg_string(env, argv[1], "path", 1, &path))
    return NULL;
  if (!arg_absent(env, argv[2])) {
    if (path) {
      free(path);
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "openSocket: give a namespace path or fd, not both");
      return NULL;
    }
    if (!arg_int(env, argv[2], "fd", 0, INT32_MAX, &ns_fd)) return NULL;
  }
  int own_ns_fd = -1;
  if (path) {
    own_ns_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (own_ns_fd < 0) throw_open_error(env, errno, path);
    free(path);
    if (own_ns_fd < 0) return NULL;
    ns_fd = own_ns_fd;
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
  if (setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", err);
  }
  return wrap_socket(env, fd);
}
