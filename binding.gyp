{
  "targets": [
    {
      "target_name": "nlkit",
      "sources": ["native/nlkit.c", "native/socket.c", "native/sender.c", "native/reader.c", "native/netns.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
