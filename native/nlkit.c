/* The module: the functions it exports, and helpers every file uses for arguments and errors. Arguments are
 * checked before anything else happens, and a wrong one throws as Node's own functions do: a TypeError or
 * RangeError with a `code` (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, ...) naming the argument. Extra arguments are
 * ignored, and missing ones are undefined, as for any JavaScript function. */
#include "nlkit.h"
#include <math.h>

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

/* A failed N-API call: its exception if it left one, else an Error saying what failed — never a silent
 * undefined. */
napi_value throw_napi_failure(napi_env env) {
  const napi_extended_error_info *e = NULL;
  char text[256];
  snprintf(text, sizeof text, "nlkit: N-API call failed: %s",
           napi_get_last_error_info(env, &e) == napi_ok && e && e->error_message ? e->error_message : "unknown error");
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) napi_throw_error(env, NULL, text);
  return NULL;
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

/* The argument values of a call: the first n (undefined where missing) and `this`. */
int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, napi_value *self) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, self, NULL) != napi_ok) {
    throw_napi_failure(env);
    return 0;
  }
  return 1;
}

/* What a wrong argument was, for messages: "undefined", "null" or "type string". */
static const char *received(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "type boolean";
    case napi_number: return "type number";
    case napi_string: return "type string";
    case napi_symbol: return "type symbol";
    case napi_function: return "type function";
    case napi_bigint: return "type bigint";
    default: return "type object";
  }
}

static int throw_type(napi_env env, napi_value v, const char *name, const char *expected) {
  char text[256];
  snprintf(text, sizeof text, "The \"%s\" argument must be %s. Received %s", name, expected, received(env, v));
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", text);
  return 0;
}

static int is_type(napi_env env, napi_value v, napi_valuetype type) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && t == type;
}

/* A number as JavaScript prints it, near enough: NaN, Infinity, 1.5, 4294967299. */
static void format_number(double d, char *buf, size_t size) {
  if (isnan(d)) snprintf(buf, size, "NaN");
  else if (isinf(d)) snprintf(buf, size, d > 0 ? "Infinity" : "-Infinity");
  else {
    snprintf(buf, size, "%.15g", d);
    if (strtod(buf, NULL) != d) snprintf(buf, size, "%.17g", d);
  }
}

/* An integer argument in [min, max]. A number that is not one — a fraction, NaN, 2**32 + fd — is refused rather
 * than rounded or wrapped into range. */
int arg_int(napi_env env, napi_value v, const char *name, int64_t min, int64_t max, int64_t *out) {
  double d;
  if (!is_type(env, v, napi_number) || napi_get_value_double(env, v, &d) != napi_ok)
    return throw_type(env, v, name, "of type number");
  if (d != trunc(d) || d < (double)min || d > (double)max) {
    char text[256], num[32];
    format_number(d, num, sizeof num);
    snprintf(text, sizeof text, "The value of \"%s\" is out of range. It must be an integer >= %lld and <= %lld. Received %s",
             name, (long long)min, (long long)max, num);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", text);
    return 0;
  }
  *out = (int64_t)d;
  return 1;
}

/* null or undefined: an optional argument left out. */
int arg_absent(napi_env env, napi_value v) {
  return is_type(env, v, napi_null) || is_type(env, v, napi_undefined);
}

/* A string argument as a new C string (free it), or NULL for null or undefined when `nullable`. The whole string
 * is taken, whatever its length; one with a NUL inside is refused, as the system call would see only its start. */
int arg_string(napi_env env, napi_value v, const char *name, int nullable, char **out) {
  *out = NULL;
  if (nullable && arg_absent(env, v)) return 1;
  size_t len;
  if (!is_type(env, v, napi_string) || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
    return throw_type(env, v, name, nullable ? "of type string or null" : "of type string");
  char *s = malloc(len + 1);
  if (!s) {
    throw_errno(env, name, ENOMEM);
    return 0;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) {
    char text[256];
    snprintf(text, sizeof text, "The argument '%s' must be a string without null bytes", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", text);
    free(s);
    return 0;
  }
  *out = s;
  return 1;
}

int arg_function(napi_env env, napi_value v, const char *name) {
  return is_type(env, v, napi_function) ? 1 : throw_type(env, v, name, "of type function");
}

/* The data of a typed array of `type` with at least `min` elements (len: how many), or NULL with an error thrown.
 * An empty array may have no data at all: it gets a pointer to nothing, so NULL always means an error. */
void *typed_array(napi_env env, napi_value v, const char *name, napi_typedarray_type type, size_t min, size_t *len) {
  static unsigned char nothing;
  const char *type_name = type == napi_uint8_array ? "an instance of Uint8Array" : "an instance of Uint32Array";
  bool is_array = false;
  napi_typedarray_type actual;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is_array) != napi_ok || !is_array ||
      napi_get_typedarray_info(env, v, &actual, len, &data, &ab, &offset) != napi_ok || actual != type) {
    throw_type(env, v, name, type_name);
    return NULL;
  }
  if (*len < min) {
    char text[256];
    snprintf(text, sizeof text, "The length of \"%s\" is out of range. It must be >= %zu. Received %zu", name, min, *len);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", text);
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
    METHOD("openInNetns", js_open_in_netns),
    METHOD("ifreqIoctl", js_ifreq_ioctl),
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  if (!define_socket_class(env)) return throw_napi_failure(env);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
