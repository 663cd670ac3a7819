// Neural-network functions: layers, pooling, normalisation and losses.
#include "Common.h"

using namespace bw;

namespace {
at::IntArrayRef Pair(const int64_t* values) { return at::IntArrayRef(values, 2); }
}  // namespace

extern "C" {

int32_t BwNn_linear(BwTensor x, BwTensor weight, BwTensor bias, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::linear(T(x), T(weight), Opt(bias))); });
}

int32_t BwNn_conv2d(BwTensor x, BwTensor weight, BwTensor bias, const int64_t* stride, const int64_t* padding,
                    const int64_t* dilation, int64_t groups, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::conv2d(T(x), T(weight), Opt(bias), Pair(stride), Pair(padding), Pair(dilation), groups));
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
