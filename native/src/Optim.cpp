// Fused optimiser steps: one pass over memory where the composite form takes a dozen.
#include <ATen/Parallel.h>

#include "Common.h"

using namespace bw;

namespace {

void CheckTanhAdamArguments(const std::vector<at::Tensor>& tensors) {
  const auto& w = tensors[0];
  TORCH_CHECK_VALUE(w.dim() >= 1, "tanh_adam_step: w must be a batch [N, ...]");
  for (const auto& t : tensors) {
    TORCH_CHECK_VALUE(t.sizes() == w.sizes(), "tanh_adam_step: every tensor must have w's shape ", w.sizes(), ", got ",
                      t.sizes());
    TORCH_CHECK_VALUE(t.scalar_type() == w.scalar_type() && at::isFloatingType(w.scalar_type()),
                      "tanh_adam_step: every tensor must have w's floating-point dtype");
    TORCH_CHECK_VALUE(t.device() == w.device(), "tanh_adam_step: every tensor must be on w's device");
  }
}

template <typename scalar_t>
void TanhAdamKernel(at::Tensor& w, at::Tensor& first, at::Tensor& second, const at::Tensor& tanhW, const at::Tensor& x,
                    const at::Tensor& adversarial, const at::Tensor& objectiveGradient, double halfWidth, double stepSize,
                    double beta1, double beta2, double epsilon, at::Tensor& distance) {
  const int64_t rows = w.size(0);
  const int64_t cols = rows == 0 ? 0 : w.numel() / rows;
  scalar_t* pw = w.data_ptr<scalar_t>();
  scalar_t* pm = first.data_ptr<scalar_t>();
  scalar_t* pv = second.data_ptr<scalar_t>();
  const scalar_t* pt = tanhW.data_ptr<scalar_t>();
  const scalar_t* px = x.data_ptr<scalar_t>();
  const scalar_t* pa = adversarial.data_ptr<scalar_t>();
  const scalar_t* pg = objectiveGradient.data_ptr<scalar_t>();
  scalar_t* pd = distance.data_ptr<scalar_t>();
  const auto hw = static_cast<scalar_t>(halfWidth);
  const auto lr = static_cast<scalar_t>(stepSize);
  const auto b1 = static_cast<scalar_t>(beta1);
  const auto b2 = static_cast<scalar_t>(beta2);
  const auto c1 = static_cast<scalar_t>(1 - beta1);
  const auto c2 = static_cast<scalar_t>(1 - beta2);
  const auto eps = static_cast<scalar_t>(epsilon);
  at::parallel_for(0, rows, 8, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r * cols;
      double squared = 0;
      for (int64_t j = o; j < o + cols; ++j) {
        const scalar_t difference = pa[j] - px[j];
        squared += static_cast<double>(difference) * difference;
        const scalar_t t = pt[j];
        const scalar_t gradient = (difference * 2 + pg[j]) * ((1 - t * t) * hw);
        const scalar_t m = pm[j] * b1 + gradient * c1;
        const scalar_t v = pv[j] * b2 + gradient * gradient * c2;
        pm[j] = m;
        pv[j] = v;
        pw[j] = pw[j] - lr * (m / (std::sqrt(v) + eps));
      }
      pd[r] = static_cast<scalar_t>(squared);
    }
  });
}

}  // namespace

extern "C" {

int32_t BwOptim_tanhAdamStep(BwTensor w, BwTensor firstMoment, BwTensor secondMoment, BwTensor tanhW, BwTensor inputs,
                             BwTensor adversarial, BwTensor objectiveGradient, double halfWidth, double stepSize,
                             double beta1, double beta2, double epsilon, BwTensor* squaredDistance) {
  return Guard([&] {
    BW_CHECK_OUT(squaredDistance);
    auto& pw = T(w);
    auto& m = T(firstMoment);
    auto& v = T(secondMoment);
    CheckTanhAdamArguments({pw, m, v, T(tanhW), T(inputs), T(adversarial), T(objectiveGradient)});
    TORCH_CHECK_VALUE(!pw.requires_grad() || !at::GradMode::is_enabled(),
                      "tanh_adam_step: w is updated in place and must not require grad");
    const auto rows = pw.size(0);
    const bool fusable = pw.device().is_cpu() && pw.is_contiguous() && m.is_contiguous() && v.is_contiguous();
    if (fusable) {
      at::NoGradGuard noGrad;
      const auto t = T(tanhW).contiguous();
      const auto x = T(inputs).contiguous();
      const auto a = T(adversarial).contiguous();
      const auto g = T(objectiveGradient).contiguous();
      auto distance = at::empty({rows}, pw.options());
      AT_DISPATCH_FLOATING_TYPES(pw.scalar_type(), "tanh_adam_step", [&] {
        TanhAdamKernel<scalar_t>(pw, m, v, t, x, a, g, halfWidth, stepSize, beta1, beta2, epsilon, distance);
      });
      *squaredDistance = Wrap(distance);
      return;
    }
    // the same step as composite operations (GPU tensors, non-contiguous moments)
    at::NoGradGuard noGrad;
    const auto difference = T(adversarial) - T(inputs);
    const auto gradient = (difference * 2 + T(objectiveGradient)) * ((1 - T(tanhW) * T(tanhW)) * halfWidth);
    m.mul_(beta1).add_(gradient, 1 - beta1);
    v.mul_(beta2).add_(gradient * gradient, 1 - beta2);
    pw.sub_(m / (v.sqrt() + epsilon), stepSize);
    *squaredDistance = Wrap(difference.square().flatten(1).sum(1));
  });
}

}  // extern "C"
