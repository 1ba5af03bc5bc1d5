/* The module: the functions it exports, and helpers every file uses for arguments and errors. */
#include "nlkit.h"

napi_value throw_errno(napi_env env, const char *what, int err) {
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

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

int arg_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

/* The data of a typed array of `type` with at least `min` elements (len: how many), or NULL with `message` thrown.
 * An empty array may have no data at all: it gets a pointer to nothing, so NULL always means an error. */
void *typed_array(napi_env env, napi_value v, napi_typedarray_type type, size_t min, size_t *len, const char *message) {
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    METHOD("openSocket", js_open_socket),
    METHOD("createNetns", js_create_netns),
    METHOD("mount", js_mount),
    METHOD("umount", js_umount),
    METHOD("closeFd", js_close_fd),
    METHOD("enterNetns", js_enter_netns),
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
