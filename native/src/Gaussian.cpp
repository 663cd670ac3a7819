// The Gaussian ReLU mean T(μ, s) = E[relu(X)] for X ~ N(μ, s²), as one fused autograd function.
//
//   T(μ, s) = μ·Φ(μ/s) + s·φ(μ/s),   ∂T/∂μ = Φ(μ/s),   ∂T/∂s = φ(μ/s)
//
// (The μ·φ/s and −μ·φ/s terms of the chain rule cancel, which is why both derivatives are so short.)
// At s = 0 the exact limit is used: T = relu(μ), with relu's gradients ∂T/∂μ = 1[μ > 0] and ∂T/∂s = 0
// (also at μ = 0, where the one-sided derivative in s would be φ(0)); no NaN is ever made from s = 0.
//
// On the CPU, for float32 and float64, forward and backward are each one pass over the elements; everything
// else (CUDA, other dtypes, backward under create_graph) uses the composite formula in differentiable ATen
// ops, so that second-order gradients stay exact. Only APIs shared by libtorch 1.13 and 2.x are used.
#include <ATen/ExpandUtils.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "Common.h"

// erfc and exp dominate the cost. Where glibc's libmvec has vector versions of them (x86-64, glibc >= 2.35),
// declaring them lets GCC vectorize the row loops below (given -fno-math-errno and -fno-trapping-math, set for
// this file in CMake), and target_clones picks AVX-512, AVX2 or the SSE2 baseline at load time. Elsewhere the
// loops stay scalar (about 3 to 5 times slower on the CPU, same results).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) && \
    __GLIBC_PREREQ(2, 35)
extern "C" {
__attribute__((__simd__("notinbranch"))) float erfcf(float) noexcept;
__attribute__((__simd__("notinbranch"))) float expf(float) noexcept;
__attribute__((__simd__("notinbranch"))) double erfc(double) noexcept;
__attribute__((__simd__("notinbranch"))) double exp(double) noexcept;
}
#define BW_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BW_VECTOR_CLONES
#endif

using namespace bw;

namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
// erfc and exp cost tens of cycles an element, so chunks smaller than ATen's 32768 already pay off.
constexpr int64_t kGrain = 4096;

std::string ShapeText(at::IntArrayRef sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

void CheckArguments(const at::Tensor& mean, const at::Tensor& stddev) {
  TORCH_CHECK_TYPE(at::isFloatingType(mean.scalar_type()) && at::isFloatingType(stddev.scalar_type()),
                   "gaussian_relu_mean: mean and std must be floating-point tensors, got ", mean.scalar_type(),
                   " and ", stddev.scalar_type());
  TORCH_CHECK_VALUE(at::is_expandable_to(stddev.sizes(), mean.sizes()), "gaussian_relu_mean: std of shape ",
                    ShapeText(stddev.sizes()), " does not broadcast to mean's shape ", ShapeText(mean.sizes()),
                    " (aligned from the right, each dimension of std must be 1 or equal mean's)");
}

// Φ(z) = ½·erfc(−z/√2) rather than ½·(1 + erf(z/√2)): erfc keeps the left tail, which 1 + erf rounds to 0.
template <typename scalar_t>
inline scalar_t Cdf(scalar_t z) {
  return static_cast<scalar_t>(0.5) * std::erfc(-z * static_cast<scalar_t>(kInvSqrt2));
}

template <typename scalar_t>
inline scalar_t Pdf(scalar_t z) {
  return std::exp(static_cast<scalar_t>(-0.5) * z * z) * static_cast<scalar_t>(kInvSqrt2Pi);
}

// ---- composite formula: differentiable ATen ops, any device and dtype ---------------------------------

// Φ(μ/s) and φ(μ/s) with their s = 0 limits. The division uses s = 1 where s = 0, so that neither branch of
// `where` (nor its gradient, which reaches both branches) ever holds a NaN.
std::pair<at::Tensor, at::Tensor> CompositeCdfPdf(const at::Tensor& mean, const at::Tensor& stddev) {
  const auto positive = stddev > 0;
  const auto z = mean / at::where(positive, stddev, at::ones_like(stddev));
  const auto cdf = at::where(positive, 0.5 * at::erfc(z * -kInvSqrt2), (mean > 0).to(z.scalar_type()));
  const auto pdf = at::where(positive, at::exp(-0.5 * z * z) * kInvSqrt2Pi, at::zeros_like(z));
  return {cdf, pdf};
}

at::Tensor CompositeValue(const at::Tensor& mean, const at::Tensor& stddev) {
  const auto positive = stddev > 0;
  const auto z = mean / at::where(positive, stddev, at::ones_like(stddev));
  const auto smooth = mean * (0.5 * at::erfc(z * -kInvSqrt2)) + stddev * (at::exp(-0.5 * z * z) * kInvSqrt2Pi);
  return at::where(positive, smooth, at::relu(mean));
}

// ---- fused CPU kernels -------------------------------------------------------------------------------

// How element i of μ finds its s. Common case: s, less its leading 1s, is μ's trailing shape (s shared over
// the batch), so element i uses s[i % inner]. Any other broadcast materialises s at μ's shape (inner = numel).
struct Layout {
  at::Tensor mean;  // contiguous
  at::Tensor stddev;   // contiguous, `inner` elements
  int64_t inner;
  int64_t outer;
  bool expanded;
};

Layout LayoutOf(const at::Tensor& mean, const at::Tensor& stddev) {
  auto stdSizes = stddev.sizes();
  size_t lead = 0;
  while (lead < stdSizes.size() && stdSizes[lead] == 1) ++lead;
  const auto trailing = stdSizes.slice(lead);
  const auto meanSizes = mean.sizes();
  const bool shared = trailing.size() <= meanSizes.size() &&
                      trailing.equals(meanSizes.slice(meanSizes.size() - trailing.size()));
  Layout layout;
  layout.mean = mean.contiguous();
  layout.expanded = !shared;
  layout.stddev = shared ? stddev.contiguous() : stddev.expand(meanSizes).contiguous();
  layout.inner = std::max<int64_t>(layout.stddev.numel(), 1);
  layout.outer = mean.numel() / layout.inner;
  return layout;
}

template <typename scalar_t>
void CheckNonNegative(const scalar_t* s, int64_t count) {
  for (int64_t j = 0; j < count; ++j) {
    TORCH_CHECK_VALUE(!(s[j] < 0), "gaussian_relu_mean: std must be >= 0, found ", s[j], " at flat index ", j);
  }
}

// One row of n elements, each with its own s: branch-free, so that the loop vectorizes. Where s = 0 the
// division uses 1 and the select takes the relu limit instead.
template <typename scalar_t>
inline __attribute__((always_inline)) void ValueRow(const scalar_t* mu, const scalar_t* s, scalar_t* t, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const scalar_t m = mu[j];
    const scalar_t sd = s[j];
    const scalar_t z = m / (sd > 0 ? sd : scalar_t(1));
    const scalar_t smooth = m * Cdf(z) + sd * Pdf(z);
    t[j] = sd > 0 ? smooth : (m > 0 ? m : scalar_t(0));
  }
}

// grad_μ = g·Φ(z) per element; acc[j] += g·φ(z), summing the rows for s.
template <typename scalar_t, typename acc_t>
inline __attribute__((always_inline)) void GradRow(const scalar_t* mu, const scalar_t* s, const scalar_t* g, scalar_t* gm,
                                                   acc_t* acc, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const scalar_t m = mu[j];
    const scalar_t sd = s[j];
    const scalar_t z = m / (sd > 0 ? sd : scalar_t(1));
    const scalar_t cdf = sd > 0 ? Cdf(z) : (m > 0 ? scalar_t(1) : scalar_t(0));
    const scalar_t pdf = sd > 0 ? Pdf(z) : scalar_t(0);
    gm[j] = g[j] * cdf;
    acc[j] += static_cast<acc_t>(g[j] * pdf);
  }
}

BW_VECTOR_CLONES void ValueRows(const float* mu, const float* s, float* t, int64_t n) { ValueRow(mu, s, t, n); }
BW_VECTOR_CLONES void ValueRows(const double* mu, const double* s, double* t, int64_t n) { ValueRow(mu, s, t, n); }
BW_VECTOR_CLONES void GradRows(const float* mu, const float* s, const float* g, float* gm, double* acc, int64_t n) {
  GradRow(mu, s, g, gm, acc, n);
}
BW_VECTOR_CLONES void GradRows(const double* mu, const double* s, const double* g, double* gm, double* acc, int64_t n) {
  GradRow(mu, s, g, gm, acc, n);
}

template <typename scalar_t>
void ForwardKernel(const Layout& layout, at::Tensor& out) {
  const scalar_t* mu = layout.mean.data_ptr<scalar_t>();
  const scalar_t* s = layout.stddev.data_ptr<scalar_t>();
  scalar_t* t = out.data_ptr<scalar_t>();
  const int64_t inner = layout.inner;
  CheckNonNegative(s, layout.stddev.numel());
  at::parallel_for(0, layout.mean.numel(), kGrain, [&](int64_t begin, int64_t end) {
    // [begin, end) cut into pieces that do not cross the end of a row of s.
    for (int64_t i = begin; i < end;) {
      const int64_t j = i % inner;
      const int64_t n = std::min(inner - j, end - i);
      ValueRows(mu + i, s + j, t + i, n);
      i += n;
    }
  });
}

// grad_μ = g·Φ(z) at μ's shape and grad_s = Σ over the batch of g·φ(z) at the layout's s shape, in one pass.
template <typename scalar_t>
void BackwardKernel(const Layout& layout, const at::Tensor& grad, at::Tensor& gradMean, at::Tensor& gradStd) {
  using acc_t = double;
  const scalar_t* mu = layout.mean.data_ptr<scalar_t>();
  const scalar_t* s = layout.stddev.data_ptr<scalar_t>();
  const scalar_t* g = grad.data_ptr<scalar_t>();
  scalar_t* gm = gradMean.data_ptr<scalar_t>();
  scalar_t* gs = gradStd.data_ptr<scalar_t>();
  const int64_t inner = layout.inner;
  const int64_t outer = layout.outer;

  // Adds the rows [r0, r1) of columns [j0, j1) into acc[0 .. j1 - j0).
  auto rows = [&](int64_t r0, int64_t r1, int64_t j0, int64_t j1, acc_t* acc) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i = r * inner + j0;
      GradRows(mu + i, s + j0, g + i, gm + i, acc, j1 - j0);
    }
  };

  const int64_t threads = at::get_num_threads();
  if (inner >= 64 * threads) {
    // Wide s: each thread owns whole columns of s and sums its batch itself; no partial sums to merge.
    const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(outer, 1));
    at::parallel_for(0, inner, grain, [&](int64_t j0, int64_t j1) {
      std::vector<acc_t> acc(static_cast<size_t>(j1 - j0), acc_t(0));
      rows(0, outer, j0, j1, acc.data());
      for (int64_t j = j0; j < j1; ++j) gs[j] = static_cast<scalar_t>(acc[j - j0]);
    });
  } else {
    // Narrow s (a scalar, a few features): split the batch, one row of partial sums per chunk.
    const int64_t chunks = std::max<int64_t>(1, std::min(threads, (outer * inner + kGrain - 1) / kGrain));
    std::vector<acc_t> partial(static_cast<size_t>(chunks * inner), acc_t(0));
    at::parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) rows(outer * c / chunks, outer * (c + 1) / chunks, 0, inner, &partial[c * inner]);
    });
    for (int64_t j = 0; j < inner; ++j) {
      acc_t sum = 0;
      for (int64_t c = 0; c < chunks; ++c) sum += partial[c * inner + j];
      gs[j] = static_cast<scalar_t>(sum);
    }
  }
}

bool Fusable(const at::Tensor& mean, const at::Tensor& stddev) {
  const auto type = mean.scalar_type();
  return mean.device().is_cpu() && stddev.device().is_cpu() && type == stddev.scalar_type() &&
         (type == at::kFloat || type == at::kDouble) && mean.layout() == at::kStrided && stddev.layout() == at::kStrided;
}

struct GaussianReluMeanFunction : public torch::autograd::Function<GaussianReluMeanFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& mean, const at::Tensor& stddev) {
    // μ and s only: recomputing z in backward is cheaper than keeping Φ and φ at μ's size.
    ctx->save_for_backward({mean, stddev});
    const Layout layout = LayoutOf(mean, stddev);
    auto out = at::empty_like(layout.mean);
    if (mean.numel() == 0) {
      return out;
    }
    AT_DISPATCH_FLOATING_TYPES(mean.scalar_type(), "gaussian_relu_mean", [&] { ForwardKernel<scalar_t>(layout, out); });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& mean = saved[0];
    const auto& stddev = saved[1];
    const auto& grad = grads[0];
    at::Tensor gradMean;
    at::Tensor gradStd;
    if (at::GradMode::is_enabled()) {
      // create_graph: the gradient must itself be differentiable in μ, s and g.
      const auto cdfPdf = CompositeCdfPdf(mean, stddev);
      gradMean = grad * cdfPdf.first;
      gradStd = at::sum_to(grad * cdfPdf.second, stddev.sizes());
    } else {
      const Layout layout = LayoutOf(mean, stddev);
      const auto g = grad.expand(mean.sizes()).contiguous();
      gradMean = at::empty_like(layout.mean);
      auto gradStdFlat = at::empty_like(layout.stddev);
      if (mean.numel() == 0) {
        gradStdFlat.zero_();
      } else {
        AT_DISPATCH_FLOATING_TYPES(mean.scalar_type(), "gaussian_relu_mean_backward",
                                   [&] { BackwardKernel<scalar_t>(layout, g, gradMean, gradStdFlat); });
      }
      gradStd = layout.expanded ? at::sum_to(gradStdFlat, stddev.sizes()) : gradStdFlat.view(stddev.sizes());
    }
    return {ctx->needs_input_grad(0) ? gradMean : at::Tensor(), ctx->needs_input_grad(1) ? gradStd : at::Tensor()};
  }
};

at::Tensor GaussianReluMean(const at::Tensor& mean, const at::Tensor& stddev) {
  CheckArguments(mean, stddev);
  if (Fusable(mean, stddev)) {
    return GaussianReluMeanFunction::apply(mean, stddev);
  }
  // Checking the sign on a GPU would synchronise with the host, so only host tensors are checked here.
  if (stddev.device().is_cpu()) {
    TORCH_CHECK_VALUE(!(stddev < 0).any().item<bool>(), "gaussian_relu_mean: std must be >= 0");
  }
  const auto type = at::result_type(mean, stddev);
  return CompositeValue(mean.to(type), stddev.to(type));
}

}  // namespace

extern "C" {

int32_t BwNn_gaussianReluMean(BwTensor mean, BwTensor stddev, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(GaussianReluMean(T(mean), T(stddev))); });
}

}  // extern "C"
