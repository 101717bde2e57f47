{
  "targets": [
    {
      "target_name": "tsinit",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/spawn.cc",
        "native/spawner.cc",
        "native/events.cc",
        "native/system.cc",
        "native/fds.cc",
        "native/inotify.cc",
        "native/crash.cc",
        "native/memory.cc",
        "native/at.cc",
        "native/notify.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"]
    }
  ]
}
