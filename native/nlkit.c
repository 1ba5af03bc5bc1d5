/* nlkit's native layer: a netlink socket, libuv readiness, and network namespaces. Everything else is
 * TypeScript. Errors go to JavaScript as negative errnos or thrown Errors with the errno in `errno`; the
 * TypeScript loader turns them into named codes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define SCRATCH_MIN (64 * 1024)

typedef struct {
  int fd;
  uv_poll_t *poll;           /* NULL until poll() */
  napi_env env;
  napi_ref callback;         /* poll callback */
  napi_ref self;             /* keeps the JS object alive while polling */
  napi_async_context async;  /* so async hooks see poll callbacks as one resource */
  unsigned char *scratch;    /* offered by the first peek only (see js_recv), then freed */
  size_t scratch_len;
  int polling;
  int refd;
  struct Sender *sender;     /* started by the first sendQueued */
  struct Reader *reader;     /* started by the first readAhead(true) */
  int reading_ahead;         /* readAhead(true): the reader thread reads, the poll handle rests */
} Socket;

typedef struct Sender Sender;
typedef struct Reader Reader;
static void stop_sender(Socket *s);
static void stop_reader(Socket *s);

/* A datagram the reader thread read ahead, or the error recvmsg gave in its place. */
typedef struct Datagram {
  struct Datagram *next;
  uint32_t info[4];
  int err;
  size_t len;
  unsigned char data[];
} Datagram;

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  napi_value msg, error, code;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_int32(env, err, &code);
  napi_set_named_property(env, error, "errno", code);
  napi_create_string_utf8(env, what, NAPI_AUTO_LENGTH, &code);
  napi_set_named_property(env, error, "syscall", code);
  napi_throw(env, error);
  return NULL;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static int arg_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

/* ---- namespaces: a short-lived thread changes namespace so the process's own threads never do ---- */

typedef struct {
  int ns_fd;       /* namespace to enter, or -1 to create a new one */
  int protocol;    /* >= 0: open a netlink socket there; < 0: return an fd of the new namespace */
  int result;
  int err;
  const char *what;
} NsJob;

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

static int run_ns_job(NsJob *job) {
  pthread_t t;
  job->result = -1;
  job->err = 0;
  int rc = pthread_create(&t, NULL, ns_thread, job);
  if (rc != 0) { job->err = rc; job->what = "pthread_create"; return -1; }
  pthread_join(t, NULL);
  return job->err ? -1 : 0;
}

/* ---- socket ---- */

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

static Socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return data;
}

static Socket *open_socket(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, const char *what) {
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

/* The data of a typed array of `type` with at least `min` elements (len: how many), or NULL with `message` thrown.
 * An empty array may have no data at all: it gets a pointer to nothing, so NULL always means an error. */
static void *typed_array(napi_env env, napi_value v, napi_typedarray_type type, size_t min, size_t *len, const char *message) {
  static unsigned char nothing;
  napi_typedarray_type actual;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &actual, len, &data, &ab, &offset) != napi_ok || actual != type || *len < min) {
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  return data ? data : &nothing;
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

/* ---- the sender thread: sendQueued(buf, done) ----
 * For NETLINK_ROUTE the kernel applies a request inside the sender's sendto. A thread of the socket's own sends
 * queued buffers in order, so JavaScript goes on (parsing, encoding the next window) while the kernel works, and
 * the kernel never waits for JavaScript between two queued windows. Each buffer is copied on queueing. */
typedef struct SendItem {
  struct SendItem *next;
  napi_ref done;     /* done(bytesSent, errno), called on the JS thread */
  ssize_t sent;
  int err;
  size_t len;
  unsigned char data[];
} SendItem;

struct Sender {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  SendItem *head, *tail;
  int stop;
  int fd;
  napi_env env;
  pthread_t thread;
  napi_threadsafe_function report; /* carries finished items back to the JS thread */
};

static void report_item(napi_env env, napi_value unused, void *context, void *data) {
  SendItem *item = data;
  if (env) {
    napi_value cb, global, argv[2];
    if (napi_get_reference_value(env, item->done, &cb) == napi_ok && cb && napi_get_global(env, &global) == napi_ok) {
      argv[0] = number(env, item->sent < 0 ? -1 : (double)item->sent);
      argv[1] = number(env, item->err);
      napi_call_function(env, global, cb, 2, argv, NULL);
    }
    napi_delete_reference(env, item->done);
  }
  free(item);
}

/* Hand a finished item to the JS thread. Once the environment is closing the function may already be freed:
 * then nothing more is handed over, and the item is dropped here. */
static void report(Sender *q, SendItem *item, int *closing) {
  napi_status status = *closing ? napi_closing : napi_call_threadsafe_function(q->report, item, napi_tsfn_blocking);
  if (status == napi_ok) return;
  if (status == napi_closing) *closing = 1;
  free(item);
}

static void *sender_thread(void *arg) {
  Sender *q = arg;
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  int closing = 0;
  pthread_mutex_lock(&q->lock);
  for (;;) {
    while (!q->head && !q->stop) pthread_cond_wait(&q->wake, &q->lock);
    if (q->stop) break;
    SendItem *item = q->head;
    q->head = item->next;
    if (!q->head) q->tail = NULL;
    pthread_mutex_unlock(&q->lock);
    ssize_t n;
    do n = sendto(q->fd, item->data, item->len, 0, (struct sockaddr *)&sa, sizeof sa); while (n < 0 && errno == EINTR);
    item->sent = n;
    item->err = n < 0 ? errno : 0;
    report(q, item, &closing);
    pthread_mutex_lock(&q->lock);
  }
  /* Stopped: what was not sent never will be; the JS side has already failed it as closed. */
  SendItem *rest = q->head;
  pthread_mutex_unlock(&q->lock);
  while (rest) {
    SendItem *next = rest->next;
    rest->sent = -1;
    rest->err = ECANCELED;
    report(q, rest, &closing);
    rest = next;
  }
  if (!closing) napi_release_threadsafe_function(q->report, napi_tsfn_release);
  return NULL;
}

static void sender_cleanup(void *arg);

static Sender *start_sender(napi_env env, Socket *s) {
  Sender *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  napi_value name;
  if (napi_create_string_utf8(env, "nlkit.sender", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, report_item, &q->report) != napi_ok) {
    free(q);
    return NULL;
  }
  /* The socket's poll handle keeps the loop alive while answers are awaited; this must not. */
  napi_unref_threadsafe_function(env, q->report);
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->wake, NULL);
  q->fd = s->fd;
  q->env = env;
  int rc = pthread_create(&q->thread, NULL, sender_thread, q);
  if (rc != 0) {
    napi_release_threadsafe_function(q->report, napi_tsfn_abort);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    free(q);
    errno = rc;
    return NULL;
  }
  napi_add_env_cleanup_hook(env, sender_cleanup, s);
  return q;
}

/* Waits for a sendto in progress (one window: milliseconds at most), so the fd can be closed behind it and the
 * thread is gone before the environment that its reports go to. */
static void join_sender(Sender *q) {
  pthread_mutex_lock(&q->lock);
  q->stop = 1;
  pthread_cond_signal(&q->wake);
  pthread_mutex_unlock(&q->lock);
  pthread_join(q->thread, NULL);
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->wake);
  free(q);
}

/* An environment torn down with the socket still open (a worker's end): the thread must go before its
 * threadsafe function does. Registered after that function, so it runs first. */
static void sender_cleanup(void *arg) {
  Socket *s = arg;
  Sender *q = s->sender;
  s->sender = NULL;
  if (q) join_sender(q);
}

static void stop_sender(Socket *s) {
  Sender *q = s->sender;
  s->sender = NULL;
  napi_remove_env_cleanup_hook(q->env, sender_cleanup, s);
  join_sender(q);
}

static napi_value js_send_queued(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Socket *s = open_socket(env, info, &argc, argv, "sendto");
  if (!s) return NULL;
  size_t len;
  void *data = typed_array(env, argv[0], napi_uint8_array, 0, &len, "sendQueued: expected a Uint8Array");
  if (!data) return NULL;
  if (!s->sender && !(s->sender = start_sender(env, s))) return throw_errno(env, "sender thread", errno ? errno : ENOMEM);
  SendItem *item = malloc(sizeof *item + len);
  if (!item) return throw_errno(env, "sendto", ENOMEM);
  item->next = NULL;
  item->len = len;
  memcpy(item->data, data, len);
  if (napi_create_reference(env, argv[1], 1, &item->done) != napi_ok) { free(item); return NULL; }
  Sender *q = s->sender;
  pthread_mutex_lock(&q->lock);
  if (q->tail) q->tail->next = item;
  else q->head = item;
  q->tail = item;
  pthread_cond_signal(&q->wake);
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

/* recv(info): one whole datagram as a new Buffer; -1 nothing queued; -3 overrun (ENOBUFS).
 * info[0] sender port, info[1] multicast group (NETLINK_PKTINFO), info[2] nsid or 0xffffffff, info[3] size. */
/* The size of the next datagram, learnt without copying it: a peek with MSG_TRUNC returns its full length; or
 * -errno. The kernel sizes dump datagrams by the largest length a reader has asked for (up to 32 KiB), so the
 * socket's first peek offers the 64 KiB scratch; later peeks offer nothing. */
static ssize_t next_size(Socket *s) {
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
static ssize_t read_datagram(int fd, void *data, size_t len, uint32_t info[4]) {
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

/* ---- the reader thread: readAhead(count) ----
 * In a dump the kernel fills the next datagram inside the reader's recvmsg. While a dump runs, a thread of the
 * socket's own reads up to `count` datagrams ahead, so the kernel works while JavaScript decodes; recv() hands
 * them over in order, and a threadsafe function stands in for the resting poll handle's "readable". */

struct Reader {
  pthread_mutex_t lock;
  pthread_cond_t wake;     /* to the thread: room in the queue, or run/stop changed */
  pthread_cond_t parked;   /* to the JS thread: the thread no longer touches the socket */
  Datagram *head, *tail;
  int queued;
  int limit;               /* datagrams to read ahead at most */
  int run;                 /* JS wants reading ahead */
  int reading;             /* the thread may be using the socket */
  int stop;
  int kick;                /* eventfd: wakes the thread out of poll() */
  Socket *socket;
  pthread_t thread;
  napi_threadsafe_function ready;
  Socket **target;         /* ready's context: the socket, or NULL once it is closed (freed with ready) */
};

static Datagram read_ahead_empty;
#define READ_AHEAD_EMPTY (&read_ahead_empty)

static ssize_t next_size(Socket *s);
static ssize_t read_datagram(int fd, void *data, size_t len, uint32_t info[4]);
static void call_js(Socket *s, const char *event, int err);

static void *reader_thread(void *arg) {
  Reader *r = arg;
  Socket *s = r->socket;
  int closing = 0;
  pthread_mutex_lock(&r->lock);
  for (;;) {
    while (!r->stop && (!r->run || r->queued >= r->limit)) {
      r->reading = 0;
      pthread_cond_broadcast(&r->parked);
      pthread_cond_wait(&r->wake, &r->lock);
    }
    if (r->stop) break;
    r->reading = 1;
    pthread_mutex_unlock(&r->lock);
    struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = r->kick, .events = POLLIN } };
    Datagram *d = NULL;
    if (poll(p, 2, -1) > 0) {
      if (p[1].revents & POLLIN) {
        uint64_t v;
        if (read(r->kick, &v, sizeof v) < 0) v = 0;
      } else {
        ssize_t n = next_size(s);
        if (n >= 0) {
          d = malloc(sizeof *d + (size_t)n);
          n = d ? read_datagram(s->fd, d->data, (size_t)n, d->info) : -ENOMEM;
        }
        if (n == -EAGAIN) {
          free(d);
          d = NULL;
        } else if (n < 0) {
          if (!d) d = malloc(sizeof *d);
          if (d) d->err = (int)-n, d->len = 0;
        } else d->err = 0, d->len = (size_t)n;
      }
    }
    pthread_mutex_lock(&r->lock);
    if (d) {
      d->next = NULL;
      int was_empty = !r->head;
      if (r->tail) r->tail->next = d;
      else r->head = d;
      r->tail = d;
      r->queued++;
      /* Past an unexpected error, read no further: recv() reports it, and JS decides. */
      if (d->err && d->err != ENOBUFS) r->run = 0;
      if (was_empty && !closing && napi_call_threadsafe_function(r->ready, NULL, napi_tsfn_nonblocking) == napi_closing) closing = 1;
    }
  }
  r->reading = 0;
  pthread_cond_broadcast(&r->parked);
  pthread_mutex_unlock(&r->lock);
  if (!closing) napi_release_threadsafe_function(r->ready, napi_tsfn_release);
  return NULL;
}

static void on_ready(napi_env env, napi_value unused, void *context, void *data) {
  Socket *s = *(Socket **)context;
  if (env && s && s->fd >= 0 && s->polling) call_js(s, "readable", 0);
}

static void free_target(napi_env env, void *data, void *hint) { free(hint); }

static void reader_cleanup(void *arg) {
  Socket *s = arg;
  if (s->reader) stop_reader(s);
}

static Reader *start_reader(napi_env env, Socket *s) {
  Reader *r = calloc(1, sizeof *r);
  Socket **target = malloc(sizeof *target);
  napi_value name;
  if (!r || !target) goto fail;
  *target = s;
  r->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->kick < 0) goto fail;
  if (napi_create_string_utf8(env, "nlkit.reader", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, target, free_target, target, on_ready, &r->ready) != napi_ok) {
    close(r->kick);
    goto fail;
  }
  /* js_read_ahead refs it while reading ahead, as the poll handle is ref'd while polling. */
  napi_unref_threadsafe_function(env, r->ready);
  r->target = target;
  r->socket = s;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->wake, NULL);
  pthread_cond_init(&r->parked, NULL);
  int rc = pthread_create(&r->thread, NULL, reader_thread, r);
  if (rc != 0) {
    napi_release_threadsafe_function(r->ready, napi_tsfn_abort);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->wake);
    pthread_cond_destroy(&r->parked);
    close(r->kick);
    free(r);
    errno = rc;
    return NULL;
  }
  napi_add_env_cleanup_hook(env, reader_cleanup, s);
  return r;
fail:
  free(r);
  free(target);
  errno = ENOMEM;
  return NULL;
}

static void kick_reader(Reader *r) {
  uint64_t one = 1;
  if (write(r->kick, &one, sizeof one) < 0) { /* the counter is already set: the thread wakes anyway */ }
}

/* Closing: the thread is joined (a recvmsg in progress returns at once: the socket is non-blocking), and what it
 * read and nobody took is dropped with the socket. */
static void stop_reader(Socket *s) {
  Reader *r = s->reader;
  s->reader = NULL;
  s->reading_ahead = 0;
  napi_remove_env_cleanup_hook(s->env, reader_cleanup, s);
  *r->target = NULL;
  pthread_mutex_lock(&r->lock);
  r->stop = 1;
  pthread_cond_signal(&r->wake);
  pthread_mutex_unlock(&r->lock);
  kick_reader(r);
  pthread_join(r->thread, NULL);
  for (Datagram *d = r->head, *next; d; d = next) {
    next = d->next;
    free(d);
  }
  close(r->kick);
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->wake);
  pthread_cond_destroy(&r->parked);
  free(r);
}

/* The next datagram read ahead; READ_AHEAD_EMPTY when the thread is reading but has none yet; NULL when the
 * thread rests and nothing is left, so that recv() reads the socket itself. */
static Datagram *take_read_ahead(Socket *s) {
  Reader *r = s->reader;
  pthread_mutex_lock(&r->lock);
  Datagram *d = r->head;
  if (d) {
    r->head = d->next;
    if (!r->head) r->tail = NULL;
    if (r->queued-- == r->limit) pthread_cond_signal(&r->wake);
  } else if (r->run || r->reading) d = READ_AHEAD_EMPTY;
  pthread_mutex_unlock(&r->lock);
  return d;
}

static int read_ahead_pending(Reader *r) {
  pthread_mutex_lock(&r->lock);
  int pending = r->head != NULL;
  pthread_mutex_unlock(&r->lock);
  return pending;
}

static void free_datagram(napi_env env, void *data, void *hint) { free(hint); }

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

static void call_js(Socket *s, const char *event, int err) {
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

static void on_poll(uv_poll_t *handle, int status, int events) {
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
    if (read_ahead_pending(s->reader)) napi_call_threadsafe_function(s->reader->ready, NULL, napi_tsfn_nonblocking);
    return NULL;
  }
  int rc = uv_poll_start(s->poll, UV_READABLE, on_poll);
  if (rc < 0) return throw_errno(env, "uv_poll_start", -rc);
  s->polling = 1;
  return NULL;
}

/* readAhead(count): read up to count datagrams ahead on the reader thread (see above), or stop with 0. Stopping
 * waits until the thread no longer touches the socket; datagrams it already read still come first from recv(). */
static napi_value js_read_ahead(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Socket *s = open_socket(env, info, &argc, argv, "readAhead");
  if (!s) return NULL;
  int64_t count = 0;
  arg_int(env, argv[0], &count);
  bool on = count > 0;
  if (on && !s->reader && !(s->reader = start_reader(env, s))) return throw_errno(env, "reader thread", errno);
  Reader *r = s->reader;
  if (!r) return NULL;
  pthread_mutex_lock(&r->lock);
  if (on) r->limit = count > INT32_MAX ? INT32_MAX : (int)count;
  pthread_cond_signal(&r->wake);
  if (on == (bool)s->reading_ahead) {
    pthread_mutex_unlock(&r->lock);
    return NULL;
  }
  s->env = env;
  s->reading_ahead = on;
  r->run = on;
  if (!on) {
    pthread_mutex_unlock(&r->lock);
    kick_reader(r);
    pthread_mutex_lock(&r->lock);
    while (r->reading) pthread_cond_wait(&r->parked, &r->lock);
  }
  pthread_mutex_unlock(&r->lock);
  if (on) {
    if (s->poll && s->polling) uv_poll_stop(s->poll);
    if (s->refd) napi_ref_threadsafe_function(env, r->ready);
  } else {
    napi_unref_threadsafe_function(env, r->ready);
    if (s->poll && s->polling) uv_poll_start(s->poll, UV_READABLE, on_poll);
    /* What was read ahead and not yet taken has no readiness of its own to announce it. */
    if (read_ahead_pending(r)) napi_call_threadsafe_function(r->ready, NULL, napi_tsfn_nonblocking);
  }
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
  if (s->reading_ahead) {
    if (ref) napi_ref_threadsafe_function(env, s->reader->ready);
    else napi_unref_threadsafe_function(env, s->reader->ready);
  }
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
static napi_value js_open_socket(napi_env env, napi_callback_info info) {
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
    { "bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL },
    { "portId", NULL, js_port_id, NULL, NULL, NULL, napi_default, NULL },
    { "setOption", NULL, js_set_option, NULL, NULL, NULL, napi_default, NULL },
    { "getOption", NULL, js_get_option, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL },
    { "sendQueued", NULL, js_send_queued, NULL, NULL, NULL, napi_default, NULL },
    { "readAhead", NULL, js_read_ahead, NULL, NULL, NULL, napi_default, NULL },
    { "recv", NULL, js_recv, NULL, NULL, NULL, napi_default, NULL },
    { "poll", NULL, js_poll, NULL, NULL, NULL, napi_default, NULL },
    { "pause", NULL, js_pause, NULL, NULL, NULL, napi_default, NULL },
    { "ref", NULL, js_ref, NULL, NULL, NULL, napi_default, NULL },
    { "unref", NULL, js_unref, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
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

/* createNetns(): fd of a fresh, anonymous network namespace. */
static napi_value js_create_netns(napi_env env, napi_callback_info info) {
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
static napi_value js_mount(napi_env env, napi_callback_info info) {
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

static napi_value js_umount(napi_env env, napi_callback_info info) {
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

static napi_value js_close_fd(napi_env env, napi_callback_info info) {
  if (close(fd_arg(env, info)) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* Move the calling thread into the network namespace behind fd: only for `netns exec`, whose process then spawns
   the command (a child inherits the namespace of the thread that forks it) and does nothing else. */
static napi_value js_enter_netns(napi_env env, napi_callback_info info) {
  if (setns(fd_arg(env, info), CLONE_NEWNET) < 0) return throw_errno(env, "setns", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "openSocket", NULL, js_open_socket, NULL, NULL, NULL, napi_default, NULL },
    { "createNetns", NULL, js_create_netns, NULL, NULL, NULL, napi_default, NULL },
    { "mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL },
    { "umount", NULL, js_umount, NULL, NULL, NULL, napi_default, NULL },
    { "closeFd", NULL, js_close_fd, NULL, NULL, NULL, napi_default, NULL },
    { "enterNetns", NULL, js_enter_netns, NULL, NULL, NULL, napi_default, NULL },
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
