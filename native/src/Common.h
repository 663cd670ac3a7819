// Shared plumbing of the shim: handle conversion and the one exception guard that wraps every export.
#pragma once

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "bulwark.h"

namespace bw {

void setError(const char* message);
std::atomic<int64_t>& liveTensors();

inline at::Tensor& T(BwTensor handle) {
  if (handle == nullptr) throw std::invalid_argument("null tensor handle");
  return *reinterpret_cast<at::Tensor*>(handle);
}

// An optional tensor argument: a null handle means "none".
inline c10::optional<at::Tensor> Opt(BwTensor handle) {
  if (handle == nullptr) return c10::nullopt;
  return *reinterpret_cast<at::Tensor*>(handle);
}

inline BwTensor Wrap(at::Tensor tensor) {
  liveTensors().fetch_add(1, std::memory_order_relaxed);
  return reinterpret_cast<BwTensor>(new at::Tensor(std::move(tensor)));
}

// An output that may be undefined (e.g. a gradient that was never computed) becomes a null handle.
inline BwTensor WrapOrNull(at::Tensor tensor) { return tensor.defined() ? Wrap(std::move(tensor)) : nullptr; }

inline at::Generator& G(BwGenerator handle) { return *reinterpret_cast<at::Generator*>(handle); }

// Every scalar crosses the C ABI as a double. For an integer tensor a whole value is meant as an integer,
// as Python's `x + 1` is: so an int64 counter can be stepped in place and `x + 1` stays int64. (An op's
// alpha goes by the type of its result: two int64 tensors must add with an integer alpha.) Bool tensors
// keep the double, so that `mask * 1.0` still gives floats.
inline at::Scalar ScalarFor(at::ScalarType type, double value) {
  const bool whole = std::nearbyint(value) == value && std::fabs(value) < 9.2e18;
  return at::isIntegralType(type, /*includeBool=*/false) && whole ? at::Scalar(static_cast<int64_t>(value))
                                                                  : at::Scalar(value);
}

inline at::Scalar ScalarFor(const at::Tensor& t, double value) { return ScalarFor(t.scalar_type(), value); }

at::ScalarType ScalarTypeOf(int32_t dtype);
int32_t DTypeCode(at::ScalarType type);
at::Device DeviceOf(int32_t type, int32_t index);
at::TensorOptions Options(int32_t dtype, int32_t devType, int32_t devIndex);
int64_t ReductionOf(int32_t reduction);

inline at::IntArrayRef Ints(const int64_t* values, int64_t count) {
  return count == 0 ? at::IntArrayRef() : at::IntArrayRef(values, static_cast<size_t>(count));
}

inline std::vector<at::Tensor> Tensors(const BwTensor* handles, int64_t count) {
  std::vector<at::Tensor> tensors;
  tensors.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) tensors.push_back(T(handles[i]));
  return tensors;
}

// Runs body and turns every C++ exception into a status code plus a thread-local message.
// Most specific first; c10 messages are taken without their C++ backtrace.
template <typename Body>
int32_t Guard(Body&& body) noexcept {
  try {
    body();
    return BW_OK;
  } catch (const c10::OutOfMemoryError& e) {
    setError(e.what_without_backtrace());
    return BW_OUT_OF_MEMORY;
  } catch (const c10::IndexError& e) {
    setError(e.what_without_backtrace());
    return BW_INDEX_ERROR;
  } catch (const c10::ValueError& e) {
    setError(e.what_without_backtrace());
    return BW_VALUE_ERROR;
  } catch (const c10::TypeError& e) {
    setError(e.what_without_backtrace());
    return BW_TYPE_ERROR;
  } catch (const c10::NotImplementedError& e) {
    setError(e.what_without_backtrace());
    return BW_NOT_IMPLEMENTED;
  } catch (const c10::Error& e) {
    setError(e.what_without_backtrace());
    return BW_ERROR;
  } catch (const std::bad_alloc& e) {
    setError("out of memory (std::bad_alloc)");
    return BW_OUT_OF_MEMORY;
  } catch (const std::invalid_argument& e) {
    setError(e.what());
    return BW_VALUE_ERROR;
  } catch (const std::out_of_range& e) {
    setError(e.what());
    return BW_INDEX_ERROR;
  } catch (const std::exception& e) {
    setError(e.what());
    return BW_STD_EXCEPTION;
  } catch (...) {
    setError("unknown native exception");
    return BW_UNKNOWN;
  }
}

}  // namespace bw

#define BW_CHECK_OUT(p) \
  if ((p) == nullptr) throw std::invalid_argument("null output pointer")
