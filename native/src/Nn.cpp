// Neural-network functions: layers, pooling, normalisation and losses.
#include <torch/csrc/autograd/custom_function.h>

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
    *out = Wrap(at::max_pool2d(T(x), Pair(kernel), Pair(stride), Pair(padding), Pair(dilation), ceilMode != 0));
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
    *out = Wrap(at::batch_norm(T(x), Opt(weight), Opt(bias), Opt(runningMean), Opt(runningVar), training != 0, momentum,
                               eps, /*cudnn_enabled=*/true));
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
