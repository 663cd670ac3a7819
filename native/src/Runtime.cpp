// Errors, threads, seeds, generators: process-wide state of the runtime.
#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/util/Logging.h>
#include <torch/version.h>

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "Common.h"

namespace bw {

namespace {
thread_local std::string lastError;

// libtorch 1.13 captures and symbolises a C++ backtrace for every c10::Error it constructs (about 12 ms
// each, far more than the failing op); the shim only ever reports what_without_backtrace(), so it
// installs a fetcher that records none. (2.x captures lazily; this keeps it from capturing at all.)
const bool backtracesDisabled = [] {
  c10::SetStackTraceFetcher(std::function<std::string()>([] { return std::string(); }));
  return true;
}();

// An attack or a training loop frees and reallocates the same few-megabyte tensors every step. With glibc's
// defaults, blocks above its (dynamic) mmap threshold go back to the kernel when freed and the heap top is trimmed
// eagerly, so every step paid for fresh zeroed pages (page faults were 5 % of the CPU time of a PGD run on 2
// cores). Keep them: allocations up to 64 MB come from the heap, and up to 256 MB of free heap top stays mapped.
// BULWARK_MALLOC_DEFAULTS=1 keeps glibc's defaults.
const bool mallocTuned = [] {
#if defined(__GLIBC__)
  const char* keep = std::getenv("BULWARK_MALLOC_DEFAULTS");
  if (keep == nullptr || keep[0] != '1') {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    return true;
  }
#endif
  return false;
}();
}  // namespace

void setError(const char* message) { lastError = message == nullptr ? "" : message; }

std::atomic<int64_t>& liveTensors() {
  static std::atomic<int64_t> count{0};
  return count;
}

at::ScalarType ScalarTypeOf(int32_t dtype) {
  switch (dtype) {
    case BW_UINT8: return at::kByte;
    case BW_INT32: return at::kInt;
    case BW_INT64: return at::kLong;
    case BW_FLOAT32: return at::kFloat;
    case BW_FLOAT64: return at::kDouble;
    case BW_BOOL: return at::kBool;
    default: throw std::invalid_argument("unsupported dtype code " + std::to_string(dtype));
  }
}

int32_t DTypeCode(at::ScalarType type) {
  switch (type) {
    case at::kByte: return BW_UINT8;
    case at::kInt: return BW_INT32;
    case at::kLong: return BW_INT64;
    case at::kFloat: return BW_FLOAT32;
    case at::kDouble: return BW_FLOAT64;
    case at::kBool: return BW_BOOL;
    default: return -1 - static_cast<int32_t>(type);
  }
}

at::Device DeviceOf(int32_t type, int32_t index) {
  switch (type) {
    case BW_CPU: return at::Device(at::kCPU);
    case BW_CUDA: return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index < 0 ? 0 : index));
    default: throw std::invalid_argument("unsupported device type code " + std::to_string(type));
  }
}

at::TensorOptions Options(int32_t dtype, int32_t devType, int32_t devIndex) {
  return at::TensorOptions().dtype(ScalarTypeOf(dtype)).device(DeviceOf(devType, devIndex));
}

int64_t ReductionOf(int32_t reduction) {
  switch (reduction) {
    case BW_REDUCTION_NONE: return at::Reduction::None;
    case BW_REDUCTION_MEAN: return at::Reduction::Mean;
    case BW_REDUCTION_SUM: return at::Reduction::Sum;
    default: throw std::invalid_argument("unsupported reduction code " + std::to_string(reduction));
  }
}

}  // namespace bw

using namespace bw;

extern "C" {

const char* BwError_message(void) { return lastError.c_str(); }

int32_t BwRuntime_version(const char** out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = TORCH_VERSION;
  });
}

int32_t BwRuntime_setNumThreads(int32_t n) {
  return Guard([&] {
    if (n < 1) throw std::invalid_argument("thread count must be at least 1, got " + std::to_string(n));
    at::set_num_threads(n);
  });
}

int32_t BwRuntime_getNumThreads(int32_t* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = at::get_num_threads();
  });
}

int32_t BwRuntime_cudaDeviceCount(int32_t* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = at::hasCUDA() ? static_cast<int32_t>(at::detail::getCUDAHooks().getNumGPUs()) : 0;
  });
}

int32_t BwRuntime_manualSeed(uint64_t seed) {
  // the CPU generator and every CUDA device's, as torch.manual_seed: CUDA dropout draws from the latter
  return Guard([&] { at::manual_seed(seed); });
}

int32_t BwRuntime_defaultGeneratorState(BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = Wrap(gen.get_state());
  });
}

int32_t BwRuntime_setDefaultGeneratorState(BwTensor state) {
  return Guard([&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(T(state));
  });
}

int32_t BwRuntime_liveTensors(int64_t* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = liveTensors().load();
  });
}

int32_t BwGenerator_create(uint64_t seed, BwGenerator* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = reinterpret_cast<BwGenerator>(new at::Generator(at::detail::createCPUGenerator(seed)));
  });
}

void BwGenerator_free(BwGenerator g) { delete reinterpret_cast<at::Generator*>(g); }

int32_t BwGenerator_manualSeed(BwGenerator g, uint64_t seed) {
  return Guard([&] {
    std::lock_guard<std::mutex> lock(G(g).mutex());
    G(g).set_current_seed(seed);
  });
}

int32_t BwGenerator_initialSeed(BwGenerator g, uint64_t* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = G(g).current_seed();
  });
}

int32_t BwGenerator_getState(BwGenerator g, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    std::lock_guard<std::mutex> lock(G(g).mutex());
    *out = Wrap(G(g).get_state());
  });
}

int32_t BwGenerator_setState(BwGenerator g, BwTensor state) {
  return Guard([&] {
    std::lock_guard<std::mutex> lock(G(g).mutex());
    G(g).set_state(T(state));
  });
}

}  // extern "C"
