/* nlkit's native layer — a netlink socket, libuv readiness, threads that let the kernel work while JavaScript
 * runs, and network namespaces — shared between its files. Everything else is TypeScript. Errors go to JavaScript
 * as negative errnos or thrown Errors with the errno in `errno`; the TypeScript loader turns them into named codes.
 * Wrong arguments throw TypeErrors and RangeErrors with Node's codes (nlkit.c), before anything is done.
 *   nlkit.c   the module: its functions, and helpers for arguments and errors
 *   socket.c  the socket object: options, send, recv, poll
 *   sender.c  the sender thread (sendQueued)
 *   reader.c  the reader thread (readAhead)
 *   netns.c   namespaces and mounts */
#ifndef NLKIT_H
#define NLKIT_H

#include <errno.h>
#include <stdio.h>
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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>


#define CHECK(call) do { if ((call) != napi_ok) return throw_napi_failure(env); } while (0)
#define METHOD(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_default, NULL }

typedef struct Sender Sender;
typedef struct Reader Reader;

typedef struct {
  int fd;
  uv_poll_t *poll;           /* NULL until poll() */
  napi_env env;
  napi_ref callback;         /* poll callback */
  napi_ref self;             /* keeps the JS object alive while polling */
  napi_async_context async;  /* so async hooks see poll callbacks as one resource */
  int sized;                 /* the kernel has seen a large enough read (see next_size) */
  int polling;
  int refd;
  Sender *sender;           /* started by the first sendQueued */
  Reader *reader;           /* started by the first readAhead(true) */
  int reading_ahead;         /* readAhead(true): the reader thread reads, the poll handle rests */
} Socket;

/* A datagram the reader thread read ahead, or the error recvmsg gave in its place. */
typedef struct Datagram {
  struct Datagram *next;
  uint32_t info[4];
  int err;
  size_t len;
  unsigned char data[];
} Datagram;

/* nlkit.c */
napi_value throw_errno(napi_env env, const char *what, int err);
napi_value throw_napi_failure(napi_env env);
napi_value number(napi_env env, double v);
int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, napi_value *self);
int arg_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out);
int arg_absent(napi_env env, napi_value v);
int arg_string(napi_env env, napi_value v, const char *name, int nullable, char **out);
int arg_function(napi_env env, napi_value v, const char *name);
void *typed_array(napi_env env, napi_value v, const char *name, napi_typedarray_type type, size_t min, size_t *len);

/* socket.c */
Socket *unwrap(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, napi_value *self);
Socket *open_socket(napi_env env, napi_callback_info info, size_t argc, napi_value *argv, const char *what);
void call_js(Socket *s, const char *event, int err);
void on_poll(uv_poll_t *handle, int status, int events);
ssize_t next_size(Socket *s);
ssize_t read_datagram(int fd, void *data, size_t len, uint32_t info[4]);
int define_socket_class(napi_env env);
napi_value js_open_socket(napi_env env, napi_callback_info info);

/* sender.c */
void stop_sender(Socket *s);
napi_value js_send_queued(napi_env env, napi_callback_info info);

/* reader.c */
extern Datagram read_ahead_empty;
#define READ_AHEAD_EMPTY (&read_ahead_empty)
void stop_reader(Socket *s);
Datagram *take_read_ahead(Socket *s);
void free_datagram(napi_env env, void *data, void *hint);
void announce_read_ahead(Socket *s);
void ref_read_ahead(napi_env env, Socket *s, int ref);
napi_value js_read_ahead(napi_env env, napi_callback_info info);

/* netns.c */
typedef struct {
  int ns_fd;       /* namespace to enter, or -1 to create a new one */
  int protocol;    /* >= 0: open a netlink socket there; < 0: return an fd of the new namespace */
  const char *file; /* non-NULL: open this file there instead (/proc/thread-self/net/... is the namespace's) */
  int domain;      /* > 0: open a SOCK_DGRAM socket of this address family there instead (for ioctls) */
  int result;
  int err;
  const char *what;
} NsJob;

int run_ns_job(NsJob *job);
napi_value js_create_netns(napi_env env, napi_callback_info info);
napi_value js_mount(napi_env env, napi_callback_info info);
napi_value js_umount(napi_env env, napi_callback_info info);
napi_value js_close_fd(napi_env env, napi_callback_info info);
napi_value js_enter_netns(napi_env env, napi_callback_info info);
napi_value js_open_in_netns(napi_env env, napi_callback_info info);
napi_value js_ifreq_ioctl(napi_env env, napi_callback_info info);

#endif
