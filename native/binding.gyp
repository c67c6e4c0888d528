{
  "targets": [
    {
      "target_name": "pfw_capture",
      "sources": ["src/pfw_capture.c"],
      "libraries": ["-lpcap", "-lpthread"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
