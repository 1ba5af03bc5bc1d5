/* The reader thread: readAhead(count).
 * In a dump the kernel fills the next datagram inside the reader's recvmsg. While a dump runs, a thread of the
 * socket's own reads up to `count` datagrams ahead, so the kernel works while JavaScript decodes; recv() hands
 * them over in order, and a threadsafe function stands in for the resting poll handle's "readable". */
#include "nlkit.h"

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

Datagram read_ahead_empty;

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
void stop_reader(Socket *s) {
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
Datagram *take_read_ahead(Socket *s) {
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

/* What was read ahead and not yet taken has no readiness of its own (the socket may have nothing left): announce
 * it when polling resumes or reading ahead stops. */
void announce_read_ahead(Socket *s) {
  if (read_ahead_pending(s->reader)) napi_call_threadsafe_function(s->reader->ready, NULL, napi_tsfn_nonblocking);
}

/* While reading ahead, the reader's function keeps the loop alive in the poll handle's place. */
void ref_read_ahead(napi_env env, Socket *s, int ref) {
  if (ref) napi_ref_threadsafe_function(env, s->reader->ready);
  else napi_unref_threadsafe_function(env, s->reader->ready);
}

void free_datagram(napi_env env, void *data, void *hint) { free(hint); }

/* readAhead(count): read up to count datagrams ahead on the reader thread (see above), or stop with 0. Stopping
 * waits until the thread no longer touches the socket; datagrams it already read still come first from recv().
 * Any count from 2**31 - 1 to Infinity means no limit at all. */
napi_value js_read_ahead(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double limit;
  int64_t count = INT32_MAX;
  Socket *s = open_socket(env, info, 1, argv, "readAhead");
  if (!s) return NULL;
  if (napi_get_value_double(env, argv[0], &limit) != napi_ok || !(limit >= INT32_MAX))
    if (!arg_int(env, argv[0], "count", 0, INT32_MAX, &count)) return NULL;
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
    ref_read_ahead(env, s, s->refd);
  } else {
    ref_read_ahead(env, s, 0);
    if (s->poll && s->polling) uv_poll_start(s->poll, UV_READABLE, on_poll);
    announce_read_ahead(s);
  }
  return NULL;
}
