// Neural-network functions: layers, pooling, normalisation and losses.
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "Common.h"

using namespace bw;

namespace {
at::IntArrayRef Pair(const int64_t* values) { return at::IntArrayRef(values, 2); }

// A convolution with few input channels (an image model's first layer) differentiated with respect to its input: the
// gradient every attack and every double-backprop defense asks for. libtorch sends it to oneDNN's backward-data kernel,
// which on this kind of layer is several times slower than libtorch's own direct (im2col) kernel: LeNet-5's first layer,
// batch 250, 28.8 ms against 3.5 ms; 3 input channels about 2x (docs/BENCHMARKS.md, "Convolution input gradients").
// From 6 input channels on, oneDNN is the faster one, and it is always faster for the forward pass and for the weight
// gradient: those stay as they are.
constexpr int64_t kDirectInputGradientMaxChannels = 3;

bool UseDirectInputGradient(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                            at::IntArrayRef dilation, int64_t groups) {
  const auto sameHost = [&](const at::Tensor& t) {
    return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.layout() == at::kStrided;
  };
  // only where libtorch itself would take oneDNN (float on the CPU with oneDNN on): elsewhere it takes the direct
  // kernel already, or a GPU one
  return at::GradMode::is_enabled() && x.requires_grad() && x.dim() == 4 && weight.dim() == 4 && sameHost(x) &&
         sameHost(weight) && (!bias.has_value() || !bias->defined() || sameHost(*bias)) && groups == 1 &&
         dilation[0] == 1 && dilation[1] == 1 && weight.size(1) <= kDirectInputGradientMaxChannels &&
         x.size(1) == weight.size(1) && at::globalContext().userEnabledMkldnn() && at::hasMKLDNN();
}

struct DirectInputGradientConv2d : public torch::autograd::Function<DirectInputGradientConv2d> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, std::vector<int64_t> stride, std::vector<int64_t> padding) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return at::conv2d(x, weight, bias, stride, padding);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const auto stride = ctx->saved_data["stride"].toIntVector();
    const auto padding = ctx->saved_data["padding"].toIntVector();
    const auto& grad = grads[0];
    at::Tensor gradX, gradWeight, gradBias;
    // both kernels are differentiable, so a create_graph backward (double backprop) records them too
    if (ctx->needs_input_grad(0)) {
      gradX = std::get<0>(at::_slow_conv2d_backward(grad, x, weight, {weight.size(2), weight.size(3)}, stride, padding,
                                                    {true, false, false}));
    }
    const bool needWeight = ctx->needs_input_grad(1);
    const bool needBias = ctx->needs_input_grad(2);
    if (needWeight || needBias) {
      const std::vector<int64_t> biasSizes{weight.size(0)};
      auto parts = at::convolution_backward(grad, x, weight, at::OptionalIntArrayRef(biasSizes),
                                            stride, padding, {1, 1}, /*transposed=*/false, {0, 0}, /*groups=*/1,
                                            {false, needWeight, needBias});
      gradWeight = std::get<1>(parts);
      gradBias = std::get<2>(parts);
    }
    return {gradX, gradWeight, gradBias, at::Tensor(), at::Tensor()};
  }
};

// 2x2 max-pooling with stride 2, the pooling of every model in the zoo. libtorch 1.13 computes every CPU max-pool, with
// or without grad, through max_pool2d_with_indices, a scalar loop over a general window; in LeNet-5's forward plus
// input gradient it was the largest single cost, about a quarter (docs/BENCHMARKS.md, "Max-pooling"). This one reads two
// input rows at a time, four windows per SSE2 vector, and keeps libtorch's exact rule, so values, indices and gradients
// are the same bit for bit: the window is scanned row by row, a later element wins if it is strictly greater or NaN,
// and the index is the element's offset in its input plane (what max_pool2d_with_indices_backward takes). Indices are
// written only when a gradient will need them.
bool UseFastMaxPool(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride, at::IntArrayRef padding,
                    at::IntArrayRef dilation, bool ceilMode) {
  return x.device().is_cpu() && x.layout() == at::kStrided &&
         x.scalar_type() == at::kFloat && (x.dim() == 3 || x.dim() == 4) && x.is_contiguous() && kernel[0] == 2 &&
         kernel[1] == 2 && stride[0] == 2 && stride[1] == 2 && padding[0] == 0 && padding[1] == 0 && dilation[0] == 1 &&
         dilation[1] == 1 && !ceilMode && x.size(-2) >= 2 && x.size(-1) >= 2 &&
         x.size(-2) * x.size(-1) <= std::numeric_limits<int32_t>::max();
}

// one output row: the windows over input rows top and bottom (offset rowOffset in the plane)
template <bool WithIndices>
void MaxPoolRow(const float* top, const float* bottom, int64_t width, int64_t rowOffset, int64_t outWidth, float* out,
                int64_t* indices) {
  int64_t ow = 0;
#if defined(__SSE2__)
  const __m128i one = _mm_set1_epi32(1);
  const __m128i two = _mm_set1_epi32(2);
  const __m128i three = _mm_set1_epi32(3);
  const __m128i lanes = _mm_setr_epi32(0, 2, 4, 6);
  const __m128i below = _mm_set1_epi32(static_cast<int32_t>(width));
  for (; ow + 4 <= outWidth; ow += 4) {
    const __m128 top0 = _mm_loadu_ps(top + 2 * ow), top1 = _mm_loadu_ps(top + 2 * ow + 4);
    const __m128 bottom0 = _mm_loadu_ps(bottom + 2 * ow), bottom1 = _mm_loadu_ps(bottom + 2 * ow + 4);
    const __m128 a = _mm_shuffle_ps(top0, top1, _MM_SHUFFLE(2, 0, 2, 0));  // top-left of four windows
    const __m128 b = _mm_shuffle_ps(top0, top1, _MM_SHUFFLE(3, 1, 3, 1));  // top-right
    const __m128 c = _mm_shuffle_ps(bottom0, bottom1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m128 d = _mm_shuffle_ps(bottom0, bottom1, _MM_SHUFFLE(3, 1, 3, 1));
    __m128 best = a;
    __m128i which = _mm_setzero_si128();
    const auto take = [&](__m128 candidate, __m128i code) {
      const __m128 wins = _mm_or_ps(_mm_cmpgt_ps(candidate, best), _mm_cmpunord_ps(candidate, candidate));
      best = _mm_or_ps(_mm_and_ps(wins, candidate), _mm_andnot_ps(wins, best));
      if constexpr (WithIndices) {
        const __m128i winsInt = _mm_castps_si128(wins);
        which = _mm_or_si128(_mm_and_si128(winsInt, code), _mm_andnot_si128(winsInt, which));
      }
    };
    take(b, one);
    take(c, two);
    take(d, three);
    _mm_storeu_ps(out + ow, best);
    if constexpr (WithIndices) {
      // offset = rowOffset + 2·ow + lane·2 + (which & 1) + (which >> 1)·width
      const __m128i column = _mm_and_si128(which, one);
      const __m128i row = _mm_srli_epi32(which, 1);
      const __m128i rowStep = _mm_and_si128(_mm_sub_epi32(_mm_setzero_si128(), row), below);
      const __m128i offset = _mm_add_epi32(
          _mm_add_epi32(_mm_set1_epi32(static_cast<int32_t>(rowOffset + 2 * ow)), lanes), _mm_add_epi32(column, rowStep));
      // non-negative 32-bit offsets widen to 64 bits with zeros above
      _mm_storeu_si128(reinterpret_cast<__m128i*>(indices + ow), _mm_unpacklo_epi32(offset, _mm_setzero_si128()));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(indices + ow + 2), _mm_unpackhi_epi32(offset, _mm_setzero_si128()));
    }
  }
#endif
  for (; ow < outWidth; ++ow) {
    const float window[4] = {top[2 * ow], top[2 * ow + 1], bottom[2 * ow], bottom[2 * ow + 1]};
    float best = window[0];
    int which = 0;
    for (int k = 1; k < 4; ++k) {
      if (window[k] > best || std::isnan(window[k])) {
        best = window[k];
        which = k;
      }
    }
    out[ow] = best;
    if constexpr (WithIndices) indices[ow] = rowOffset + 2 * ow + (which & 1) + (which >> 1) * width;
  }
}

// Calls row(plane, oh) for every output row oh of every plane of a 2x2/stride-2 pooling over height x width planes,
// in parallel over the planes.
template <typename Row>
void ForEachPoolRow(int64_t planes, int64_t height, int64_t width, const Row& row) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, height * width));
  at::parallel_for(0, planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      for (int64_t oh = 0; oh < height / 2; ++oh) row(plane, oh);
    }
  });
}

// the pooled values and, if withIndices, the indices (an undefined tensor otherwise)
std::tuple<at::Tensor, at::Tensor> FastMaxPool2x2(const at::Tensor& x, bool withIndices) {
  const int64_t height = x.size(-2), width = x.size(-1);
  const int64_t outHeight = height / 2, outWidth = width / 2;
  const int64_t planes = x.numel() / (height * width);
  auto outSizes = x.sizes().vec();
  outSizes[outSizes.size() - 2] = outHeight;
  outSizes[outSizes.size() - 1] = outWidth;
  auto out = at::empty(outSizes, x.options());
  auto indices = withIndices ? at::empty(outSizes, x.options().dtype(at::kLong)) : at::Tensor();
  const float* input = x.data_ptr<float>();
  float* output = out.data_ptr<float>();
  int64_t* index = withIndices ? indices.data_ptr<int64_t>() : nullptr;
  ForEachPoolRow(planes, height, width, [&](int64_t plane, int64_t oh) {
    const int64_t o = (plane * outHeight + oh) * outWidth;
    const float* top = input + plane * height * width + 2 * oh * width;
    if (withIndices) {
      MaxPoolRow<true>(top, top + width, width, 2 * oh * width, outWidth, output + o, index + o);
    } else {
      MaxPoolRow<false>(top, top + width, width, 2 * oh * width, outWidth, output + o, nullptr);
    }
  });
  return {out, indices};
}

// The gradient of FastMaxPool2x2 without recording a graph: the windows tile the input, so every element of the input
// gradient is written once — the window's gradient where its maximum was, zero elsewhere (and zero in a last odd row or
// column no window covers) — instead of zero-filling the whole tensor and scattering into it, as libtorch does.
at::Tensor FastMaxPool2x2Backward(const at::Tensor& gradOutput, const at::Tensor& indices, at::IntArrayRef inputSizes) {
  const auto grad = gradOutput.contiguous();
  const int64_t height = inputSizes[inputSizes.size() - 2], width = inputSizes[inputSizes.size() - 1];
  const int64_t outHeight = height / 2, outWidth = width / 2;
  const int64_t planes = grad.numel() / std::max<int64_t>(1, outHeight * outWidth);
  auto gradInput = at::empty(inputSizes, grad.options());
  const float* g = grad.data_ptr<float>();
  const int64_t* index = indices.data_ptr<int64_t>();
  float* gi = gradInput.data_ptr<float>();
  ForEachPoolRow(planes, height, width, [&](int64_t plane, int64_t oh) {
    const int64_t o = (plane * outHeight + oh) * outWidth;
    const int64_t rowOffset = 2 * oh * width;
    float* top = gi + plane * height * width + rowOffset;
    float* bottom = top + width;
    int64_t ow = 0;
#if defined(__SSE2__)
    const __m128i lanes = _mm_setr_epi32(0, 2, 4, 6);
    const __m128i one = _mm_set1_epi32(1);
    const __m128i below = _mm_set1_epi32(static_cast<int32_t>(width));
    const __m128i belowRight = _mm_set1_epi32(static_cast<int32_t>(width + 1));
    for (; ow + 4 <= outWidth; ow += 4) {
      // the four windows' indices (below 2^31: checked before the forward) as 32-bit lanes, relative to each window
      const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(index + o + ow));
      const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(index + o + ow + 2));
      const __m128i index32 =
          _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(low), _mm_castsi128_ps(high), _MM_SHUFFLE(2, 0, 2, 0)));
      const __m128i at =
          _mm_sub_epi32(index32, _mm_add_epi32(_mm_set1_epi32(static_cast<int32_t>(rowOffset + 2 * ow)), lanes));
      const __m128 value = _mm_loadu_ps(g + o + ow);
      const auto where = [&](__m128i offset) { return _mm_and_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(at, offset)), value); };
      const __m128 a = where(_mm_setzero_si128()), b = where(one), c = where(below), d = where(belowRight);
      _mm_storeu_ps(top + 2 * ow, _mm_unpacklo_ps(a, b));
      _mm_storeu_ps(top + 2 * ow + 4, _mm_unpackhi_ps(a, b));
      _mm_storeu_ps(bottom + 2 * ow, _mm_unpacklo_ps(c, d));
      _mm_storeu_ps(bottom + 2 * ow + 4, _mm_unpackhi_ps(c, d));
    }
#endif
    for (; ow < outWidth; ++ow) {
      const int64_t at = index[o + ow] - rowOffset - 2 * ow;  // 0, 1, width or width + 1
      const float value = g[o + ow];
      top[2 * ow] = at == 0 ? value : 0.0f;
      top[2 * ow + 1] = at == 1 ? value : 0.0f;
      bottom[2 * ow] = at == width ? value : 0.0f;
      bottom[2 * ow + 1] = at == width + 1 ? value : 0.0f;
    }
    if (width % 2 != 0) top[width - 1] = bottom[width - 1] = 0.0f;
    // a last odd row belongs to no window
    if (height % 2 != 0 && oh == outHeight - 1) std::fill(bottom + width, bottom + 2 * width, 0.0f);
  });
  return gradInput;
}

struct FastMaxPool2d : public torch::autograd::Function<FastMaxPool2d> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x) {
    auto [out, indices] = FastMaxPool2x2(x, /*withIndices=*/true);
    ctx->save_for_backward({indices});
    ctx->saved_data["sizes"] = x.sizes().vec();
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto indices = ctx->get_saved_variables()[0];
    const auto sizes = ctx->saved_data["sizes"].toIntVector();
    if (!at::GradMode::is_enabled()) return {FastMaxPool2x2Backward(grads[0], indices, sizes)};
    // a create_graph backward (double backprop) records libtorch's own backward, which is differentiable in its
    // gradient argument; it reads only the sizes and layout of the input it is given
    const auto input = at::empty(sizes, grads[0].options());
    return {at::max_pool2d_with_indices_backward(grads[0], input, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, indices)};
  }
};

// Batch norm in training mode, differentiated twice: what double backprop through a batch-norm network (Ross &
// Doshi-Velez's MNIST model) asks for. libtorch 1.13's double backward of batch norm is some thirty elementwise passes
// over the activations; in that model's regularized step it was 29 % of the time (docs/BENCHMARKS.md, "Batch norm's
// double backward"). The forward and the first backward stay libtorch's own kernels (the same values bit for bit); the
// backward of the backward is one pass for five per-channel sums and one pass writing both gradients.
//
// Per channel, over its N values: x̂ = (x − μ)·r with r = 1/√(σ² + ε), g the output's gradient,
//   dx = γ·r·P(g), dγ = Σ g·x̂, dβ = Σ g, where P(v) = v − mean(v) − x̂·mean(v·x̂).
// With u, a, b the gradients flowing back into dx, dγ and dβ, and S = Σ u·dx + a·dγ + b·dβ:
//   ∂S/∂g = γ·r·P(u) + a·x̂ + b
//   ∂S/∂γ = r·N·K, where K = mean(u·g) − mean(u)·mean(g) − mean(g·x̂)·mean(u·x̂)
//   ∂S/∂x = −γ·r²·(x̂·K + P(g)·mean(u·x̂) + P(u)·mean(g·x̂)) + a·r·P(g)
// (∂r/∂x = −r²·x̂/N and ∂(Σ v·x̂)/∂x = r·P(v) for any v that does not depend on x.)
bool UseFusedBatchNorm(const at::Tensor& x, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias,
                       bool training) {
  const auto dense = [&](const at::Tensor& t) {
    return t.device().is_cpu() && t.layout() == at::kStrided && t.scalar_type() == x.scalar_type();
  };
  const auto requiresGrad = [](const c10::optional<at::Tensor>& t) { return t.has_value() && t->defined() && t->requires_grad(); };
  return training && at::GradMode::is_enabled() && (x.requires_grad() || requiresGrad(weight) || requiresGrad(bias)) &&
         x.dim() >= 2 && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble) && dense(x) &&
         weight.has_value() && weight->defined() && dense(*weight) && bias.has_value() && bias->defined() && dense(*bias);
}

// The double backward with differentiable ATen ops: taken when the double backward itself is to be differentiated
// (a third derivative), so that it records a graph.
std::vector<at::Tensor> BatchNormDoubleBackwardComposite(const at::Tensor& x, const at::Tensor& g, const at::Tensor& weight,
                                                         const at::Tensor& u, const at::Tensor& a, const at::Tensor& b,
                                                         double eps) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); d++) dims.push_back(d);
  std::vector<int64_t> shape(x.dim(), 1);
  shape[1] = x.size(1);
  const auto n = static_cast<double>(x.numel() / x.size(1));
  const auto mean = [&](const at::Tensor& t) { return t.mean(dims, /*keepdim=*/true); };
  const auto mu = mean(x);
  const auto r = at::rsqrt((x - mu).square().mean(dims, true) + eps);
  const auto xhat = (x - mu) * r;
  const auto gamma = weight.reshape(shape);
  const auto gMean = mean(g), gx = mean(g * xhat);
  const auto pg = g - gMean - xhat * gx;
  const auto uu = u.defined() ? u : at::zeros_like(x);
  const auto uMean = mean(uu), ux = mean(uu * xhat);
  const auto pu = uu - uMean - xhat * ux;
  const auto k = mean(uu * g) - uMean * gMean - gx * ux;
  auto gradX = -gamma * r.square() * (xhat * k + pg * ux + pu * gx);
  auto gradG = gamma * r * pu;
  if (a.defined()) {
    gradX = gradX + a.reshape(shape) * r * pg;
    gradG = gradG + a.reshape(shape) * xhat;
  }
  if (b.defined()) gradG = gradG + b.reshape(shape);
  return {gradG, gradX, (r * k).sum(dims) * n};
}

template <typename S>
void BatchNormDoubleBackwardKernel(const at::Tensor& x, const at::Tensor& g, const at::Tensor& weight,
                                   const at::Tensor& mean, const at::Tensor& invstd, const at::Tensor& u,
                                   const at::Tensor& a, const at::Tensor& b, at::Tensor& gradG, at::Tensor& gradX,
                                   at::Tensor& gradWeight) {
  const int64_t batch = x.size(0), channels = x.size(1), inner = x.numel() / (batch * channels);
  const S* xs = x.data_ptr<S>();
  const S* gs = g.data_ptr<S>();
  const S* us = u.defined() ? u.data_ptr<S>() : nullptr;
  const auto meanD = mean.to(at::kDouble).contiguous(), invstdD = invstd.to(at::kDouble).contiguous();
  const auto weightD = weight.to(at::kDouble).contiguous();
  const auto aD = a.defined() ? a.to(at::kDouble).contiguous() : at::Tensor();
  const auto bD = b.defined() ? b.to(at::kDouble).contiguous() : at::Tensor();
  S* ggs = gradG.defined() ? gradG.data_ptr<S>() : nullptr;
  S* gxs = gradX.defined() ? gradX.data_ptr<S>() : nullptr;
  double* gws = gradWeight.defined() ? gradWeight.data_ptr<double>() : nullptr;
  const double n = static_cast<double>(batch * inner);
  at::parallel_for(0, channels, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const double mu = meanD.data_ptr<double>()[c], r = invstdD.data_ptr<double>()[c];
      const double gamma = weightD.data_ptr<double>()[c];
      const double ac = aD.defined() ? aD.data_ptr<double>()[c] : 0.0;
      const double bc = bD.defined() ? bD.data_ptr<double>()[c] : 0.0;
      double sumU = 0, sumG = 0, sumUX = 0, sumGX = 0, sumUG = 0;
      for (int64_t i = 0; i < batch; i++) {
        const int64_t offset = (i * channels + c) * inner;
        for (int64_t j = 0; j < inner; j++) {
          const double xhat = (static_cast<double>(xs[offset + j]) - mu) * r, gv = gs[offset + j];
          sumG += gv;
          sumGX += gv * xhat;
          if (us != nullptr) {
            const double uv = us[offset + j];
            sumU += uv;
            sumUX += uv * xhat;
            sumUG += uv * gv;
          }
        }
      }
      const double gMean = sumG / n, gx = sumGX / n, uMean = sumU / n, ux = sumUX / n;
      const double k = sumUG / n - uMean * gMean - gx * ux;
      if (gws != nullptr) gws[c] = r * n * k;
      const double gr = gamma * r, gr2 = gamma * r * r;
      for (int64_t i = 0; i < batch; i++) {
        const int64_t offset = (i * channels + c) * inner;
        for (int64_t j = 0; j < inner; j++) {
          const double xhat = (static_cast<double>(xs[offset + j]) - mu) * r, gv = gs[offset + j];
          const double uv = us != nullptr ? static_cast<double>(us[offset + j]) : 0.0;
          const double pg = gv - gMean - xhat * gx, pu = uv - uMean - xhat * ux;
          if (ggs != nullptr) ggs[offset + j] = static_cast<S>(gr * pu + ac * xhat + bc);
          if (gxs != nullptr) gxs[offset + j] = static_cast<S>(-gr2 * (xhat * k + pg * ux + pu * gx) + ac * r * pg);
        }
      }
    }
  });
}

// The first backward of training-mode batch norm as a function of (g, x, γ), so that its own backward is ours.
struct BatchNormBackwardFunction : public torch::autograd::Function<BatchNormBackwardFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const at::Tensor& g,
                                                const at::Tensor& x, const at::Tensor& weight, const at::Tensor& mean,
                                                const at::Tensor& invstd, double eps) {
    ctx->save_for_backward({g, x, weight, mean, invstd});
    ctx->saved_data["eps"] = eps;
    auto [gradX, gradWeight, gradBias] = at::native_batch_norm_backward(
        g, x, weight, c10::nullopt, c10::nullopt, mean, invstd, /*train=*/true, eps, {true, true, true});
    return {gradX, gradWeight, gradBias};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &g = saved[0], &x = saved[1], &weight = saved[2], &mean = saved[3], &invstd = saved[4];
    const auto eps = ctx->saved_data["eps"].toDouble();
    const auto &u = grads[0], &a = grads[1], &b = grads[2];
    const bool needG = ctx->needs_input_grad(0), needX = ctx->needs_input_grad(1), needWeight = ctx->needs_input_grad(2);
    if (at::GradMode::is_enabled()) {
      auto parts = BatchNormDoubleBackwardComposite(x, g, weight, u, a, b, eps);
      return {needG ? parts[0] : at::Tensor(), needX ? parts[1] : at::Tensor(), needWeight ? parts[2] : at::Tensor(),
              at::Tensor(), at::Tensor(), at::Tensor()};
    }
    const auto xc = x.contiguous(), gc = g.contiguous();
    const auto uc = u.defined() ? u.contiguous() : at::Tensor();
    auto gradG = needG ? at::empty_like(xc) : at::Tensor();
    auto gradX = needX ? at::empty_like(xc) : at::Tensor();
    auto gradWeight = needWeight ? at::empty({x.size(1)}, x.options().dtype(at::kDouble)) : at::Tensor();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "bulwark_batch_norm_double_backward", [&] {
      BatchNormDoubleBackwardKernel<scalar_t>(xc, gc, weight, mean, invstd, uc, a, b, gradG, gradX, gradWeight);
    });
    return {gradG, gradX, gradWeight.defined() ? gradWeight.to(weight.scalar_type()) : at::Tensor(), at::Tensor(),
            at::Tensor(), at::Tensor()};
  }
};

struct FusedBatchNorm : public torch::autograd::Function<FusedBatchNorm> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, const c10::optional<at::Tensor>& runningMean,
                            const c10::optional<at::Tensor>& runningVar, double momentum, double eps) {
    // the running statistics are optional arguments: a custom function cannot take an undefined tensor
    auto [out, mean, invstd] = at::native_batch_norm(x, weight, bias, runningMean, runningVar, /*training=*/true,
                                                     momentum, eps);
    ctx->save_for_backward({x, weight, mean, invstd});
    ctx->saved_data["eps"] = eps;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto eps = ctx->saved_data["eps"].toDouble();
    auto parts = BatchNormBackwardFunction::apply(grads[0], saved[0], saved[1], saved[2], saved[3], eps);
    return {ctx->needs_input_grad(0) ? parts[0] : at::Tensor(), ctx->needs_input_grad(1) ? parts[1] : at::Tensor(),
            ctx->needs_input_grad(2) ? parts[2] : at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

extern "C" {

int32_t BwNn_linear(BwTensor x, BwTensor weight, BwTensor bias, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::linear(T(x), T(weight), Opt(bias))); });
}

int32_t BwNn_conv2d(BwTensor x, BwTensor weight, BwTensor bias, const int64_t* stride, const int64_t* padding,
                    const int64_t* dilation, int64_t groups, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    const auto b = Opt(bias);
    if (UseDirectInputGradient(T(x), T(weight), b, Pair(dilation), groups)) {
      // a custom function takes defined tensors only: no bias is a zero bias that needs no gradient (adding it changes
      // no value)
      const auto biasOrZero = b.has_value() && b->defined() ? *b : at::zeros({T(weight).size(0)}, T(weight).options());
      *out = Wrap(DirectInputGradientConv2d::apply(T(x), T(weight), biasOrZero, Pair(stride).vec(), Pair(padding).vec()));
    } else {
      *out = Wrap(at::conv2d(T(x), T(weight), b, Pair(stride), Pair(padding), Pair(dilation), groups));
    }
  });
}

int32_t BwNn_convTranspose2d(BwTensor x, BwTensor weight, BwTensor bias, const int64_t* stride, const int64_t* padding,
                             const int64_t* outputPadding, int64_t groups, const int64_t* dilation, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::conv_transpose2d(T(x), T(weight), Opt(bias), Pair(stride), Pair(padding), Pair(outputPadding), groups,
                                     Pair(dilation)));
  });
}

int32_t BwNn_maxPool2d(BwTensor x, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                       const int64_t* dilation, int32_t ceilMode, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    if (UseFastMaxPool(T(x), Pair(kernel), Pair(stride), Pair(padding), Pair(dilation), ceilMode != 0)) {
      *out = at::GradMode::is_enabled() && T(x).requires_grad() ? Wrap(FastMaxPool2d::apply(T(x)))
                                                                : Wrap(std::get<0>(FastMaxPool2x2(T(x), /*withIndices=*/false)));
    } else {
      *out = Wrap(at::max_pool2d(T(x), Pair(kernel), Pair(stride), Pair(padding), Pair(dilation), ceilMode != 0));
    }
  });
}

int32_t BwNn_avgPool2d(BwTensor x, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                       int32_t ceilMode, int32_t countIncludePad, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::avg_pool2d(T(x), Pair(kernel), Pair(stride), Pair(padding), ceilMode != 0, countIncludePad != 0));
  });
}

int32_t BwNn_adaptiveAvgPool2d(BwTensor x, const int64_t* outputSize, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::adaptive_avg_pool2d(T(x), Pair(outputSize))); });
}

int32_t BwNn_batchNorm(BwTensor x, BwTensor weight, BwTensor bias, BwTensor runningMean, BwTensor runningVar,
                       int32_t training, double momentum, double eps, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    if (UseFusedBatchNorm(T(x), Opt(weight), Opt(bias), training != 0)) {
      *out = Wrap(FusedBatchNorm::apply(T(x), T(weight), T(bias), Opt(runningMean), Opt(runningVar), momentum, eps));
    } else {
      *out = Wrap(at::batch_norm(T(x), Opt(weight), Opt(bias), Opt(runningMean), Opt(runningVar), training != 0, momentum,
                                 eps, /*cudnn_enabled=*/true));
    }
  });
}

int32_t BwNn_dropout(BwTensor x, double p, int32_t training, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::dropout(T(x), p, training != 0)); });
}

int32_t BwNn_crossEntropy(BwTensor logits, BwTensor target, BwTensor weight, int32_t reduction, int64_t ignoreIndex,
                          double labelSmoothing, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::cross_entropy_loss(T(logits), T(target), Opt(weight), ReductionOf(reduction), ignoreIndex,
                                       labelSmoothing));
  });
}

int32_t BwNn_nllLoss(BwTensor logProbs, BwTensor target, BwTensor weight, int32_t reduction, int64_t ignoreIndex,
                     BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::nll_loss_nd(T(logProbs), T(target), Opt(weight), ReductionOf(reduction), ignoreIndex));
  });
}

int32_t BwNn_binaryCrossEntropyWithLogits(BwTensor logits, BwTensor target, BwTensor weight, int32_t reduction,
                                          BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::binary_cross_entropy_with_logits(T(logits), T(target), Opt(weight), c10::nullopt,
                                                     ReductionOf(reduction)));
  });
}

int32_t BwNn_mseLoss(BwTensor input, BwTensor target, int32_t reduction, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::mse_loss(T(input), T(target), ReductionOf(reduction))); });
}

int32_t BwNn_klDiv(BwTensor input, BwTensor target, int32_t reduction, int32_t logTarget, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::kl_div(T(input), T(target), ReductionOf(reduction), logTarget != 0));
  });
}

}  // extern "C"
