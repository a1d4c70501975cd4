# Every dependency comes from a Debian 12 package (scripts/install-deps.sh installs them all).
# Found with find_package where Debian ships a CMake config, else pkg-config. Never downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(simdjson REQUIRED)           # libsimdjson-dev
find_package(prometheus-cpp REQUIRED)     # prometheus-cpp-dev
find_package(RocksDB REQUIRED)            # librocksdb-dev
find_package(yaml-cpp REQUIRED)           # libyaml-cpp-dev
find_package(CURL REQUIRED)               # libcurl4-openssl-dev
find_package(OpenSSL REQUIRED)            # libssl-dev (SHA-256 for event ids)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)     # librdkafka-dev
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib) # libcpp-httplib-dev (ats-sim, tests)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)  # libmicrohttpd-dev (the HTTP port)
if(ATS_JEMALLOC)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc) # libjemalloc-dev
endif()

if(ATS_BUILD_TESTS)
  find_package(GTest REQUIRED)            # libgtest-dev, libgmock-dev
  # Debian's python3-jsonschema lives in /usr/bin/python3's dist-packages; a pyenv or venv
  # python3 earlier on PATH would not see it, so prefer the system interpreter.
  find_program(ATS_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT ATS_PYTHON3)
    find_program(ATS_PYTHON3 NAMES python3 REQUIRED)
  endif()
  find_program(ATS_KCAT NAMES kcat)
endif()
if(ATS_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)        # libbenchmark-dev
endif()
