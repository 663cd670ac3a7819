// Backward passes, gradients of gradients, and the grad mode switch.
#include <c10/core/GradMode.h>

#include "Common.h"

using namespace bw;

namespace {

std::vector<at::Tensor> GradOutputs(const BwTensor* handles, int64_t count) {
  std::vector<at::Tensor> result;
  if (handles == nullptr) return result;
  result.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) result.push_back(handles[i] == nullptr ? at::Tensor() : T(handles[i]));
  return result;
}

}  // namespace

extern "C" {

int32_t BwAutograd_backward(const BwTensor* outputs, const BwTensor* gradOutputs, int32_t count, int32_t retainGraph,
                            int32_t createGraph) {
  return Guard([&] {
    torch::autograd::backward(Tensors(outputs, count), GradOutputs(gradOutputs, count),
                              retainGraph ? c10::optional<bool>(true) : c10::optional<bool>(c10::nullopt),
                              createGraph != 0);
  });
}

int32_t BwAutograd_grad(const BwTensor* outputs, const BwTensor* gradOutputs, int32_t outputCount,
                        const BwTensor* inputs, int32_t inputCount, int32_t retainGraph, int32_t createGraph,
                        int32_t allowUnused, BwTensor* outs) {
  return Guard([&] {
    BW_CHECK_OUT(outs);
    auto grads = torch::autograd::grad(Tensors(outputs, outputCount), Tensors(inputs, inputCount),
                                       GradOutputs(gradOutputs, outputCount),
                                       retainGraph ? c10::optional<bool>(true) : c10::optional<bool>(c10::nullopt),
                                       createGraph != 0, allowUnused != 0);
    for (size_t i = 0; i < grads.size(); ++i) outs[i] = WrapOrNull(grads[i]);
  });
}

int32_t BwAutograd_setGradEnabled(int32_t enabled) {
  return Guard([&] { c10::GradMode::set_enabled(enabled != 0); });
}

int32_t BwAutograd_isGradEnabled(int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = c10::GradMode::is_enabled() ? 1 : 0; });
}

}  // extern "C"
