/* The sender thread: sendQueued(buf, done).
 * For NETLINK_ROUTE the kernel applies a request inside the sender's sendto. A thread of the socket's own sends
 * queued buffers in order, so JavaScript goes on (parsing, encoding the next window) while the kernel works, and
 * the kernel never waits for JavaScript between two queued windows. Each buffer is copied on queueing. */
#include "nlkit.h"

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

void stop_sender(Socket *s) {
  Sender *q = s->sender;
  s->sender = NULL;
  napi_remove_env_cleanup_hook(q->env, sender_cleanup, s);
  join_sender(q);
}

napi_value js_send_queued(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t len;
  void *data;
  Socket *s = open_socket(env, info, 2, argv, "sendto");
  if (!s || !(data = typed_array(env, argv[0], "buf", napi_uint8_array, 0, &len)) || !arg_function(env, argv[1], "done"))
    return NULL;
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
