/*
 * bulwark.h: the C ABI over libtorch that Bulwark's C# layer calls.
 *
 * Conventions (see shared DESIGN.md §1):
 *  - every export is Bw<Area>_<op>; in-place ops end in '_';
 *  - every export returns an int32_t status (BW_OK or an error code below) and writes results to
 *    out-parameters, so "error" and "undefined tensor" are never confused;
 *  - on error, BwError_message() returns the libtorch message of the last failure on this thread;
 *  - no C++ exception crosses this boundary.
 *
 * Handles are opaque: a BwTensor owns one at::Tensor reference, a BwGenerator one at::Generator.
 * A null BwTensor passed where a tensor is optional means "none".
 */
#ifndef BULWARK_H
#define BULWARK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define BW_API __declspec(dllexport)
#else
#define BW_API __attribute__((visibility("default")))
#endif

typedef struct BwTensorOpaque* BwTensor;
typedef struct BwGeneratorOpaque* BwGenerator;

enum {
  BW_OK = 0,
  BW_ERROR = 1,           /* c10::Error and anything not listed below */
  BW_INDEX_ERROR = 2,     /* c10::IndexError */
  BW_VALUE_ERROR = 3,     /* c10::ValueError */
  BW_TYPE_ERROR = 4,      /* c10::TypeError */
  BW_NOT_IMPLEMENTED = 5, /* c10::NotImplementedError */
  BW_OUT_OF_MEMORY = 6,   /* c10::OutOfMemoryError, std::bad_alloc */
  BW_STD_EXCEPTION = 7,   /* std::exception */
  BW_UNKNOWN = 8          /* anything else */
};

/* dtype codes (match the C# DType enum) */
enum { BW_UINT8 = 0, BW_INT32 = 3, BW_INT64 = 4, BW_FLOAT32 = 6, BW_FLOAT64 = 7, BW_BOOL = 11 };
/* device type codes */
enum { BW_CPU = 0, BW_CUDA = 1 };
/* loss reductions */
enum { BW_REDUCTION_NONE = 0, BW_REDUCTION_MEAN = 1, BW_REDUCTION_SUM = 2 };

/* ---- errors and runtime ---------------------------------------------------------------- */
BW_API const char* BwError_message(void);
BW_API int32_t BwRuntime_version(const char** out);
BW_API int32_t BwRuntime_setNumThreads(int32_t n);
BW_API int32_t BwRuntime_getNumThreads(int32_t* out);
BW_API int32_t BwRuntime_cudaDeviceCount(int32_t* out);
BW_API int32_t BwRuntime_manualSeed(uint64_t seed);
BW_API int32_t BwRuntime_defaultGeneratorState(BwTensor* out);
BW_API int32_t BwRuntime_setDefaultGeneratorState(BwTensor state);
BW_API int32_t BwRuntime_liveTensors(int64_t* out);

/* ---- generators -------------------------------------------------------------------------- */
BW_API int32_t BwGenerator_create(uint64_t seed, BwGenerator* out);
BW_API void BwGenerator_free(BwGenerator g);
BW_API int32_t BwGenerator_manualSeed(BwGenerator g, uint64_t seed);
BW_API int32_t BwGenerator_initialSeed(BwGenerator g, uint64_t* out);
BW_API int32_t BwGenerator_getState(BwGenerator g, BwTensor* out);
BW_API int32_t BwGenerator_setState(BwGenerator g, BwTensor state);

/* ---- tensor lifetime and metadata ------------------------------------------------------- */
BW_API void BwTensor_free(BwTensor t);
BW_API int32_t BwTensor_dim(BwTensor t, int64_t* out);
BW_API int32_t BwTensor_shape(BwTensor t, int64_t* buffer, int64_t capacity);
BW_API int32_t BwTensor_dtype(BwTensor t, int32_t* out);
BW_API int32_t BwTensor_device(BwTensor t, int32_t* type, int32_t* index);
BW_API int32_t BwTensor_numel(BwTensor t, int64_t* out);
BW_API int32_t BwTensor_requiresGrad(BwTensor t, int32_t* out);
BW_API int32_t BwTensor_setRequiresGrad_(BwTensor t, int32_t value);
BW_API int32_t BwTensor_isLeaf(BwTensor t, int32_t* out);
BW_API int32_t BwTensor_grad(BwTensor t, BwTensor* out); /* *out = NULL when no gradient */
BW_API int32_t BwTensor_setGrad(BwTensor t, BwTensor grad); /* grad NULL clears it */
BW_API int32_t BwTensor_retainGrad(BwTensor t);
BW_API int32_t BwTensor_sameStorage(BwTensor a, BwTensor b, int32_t* out);

/* ---- data in and out -------------------------------------------------------------------- */
BW_API int32_t BwTensor_fromBuffer(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype,
                                   BwTensor* out);
BW_API int32_t BwTensor_copyToBuffer(BwTensor t, void* data, int64_t nbytes);
BW_API int32_t BwTensor_itemDouble(BwTensor t, double* out);
BW_API int32_t BwTensor_itemInt64(BwTensor t, int64_t* out);
BW_API int32_t BwTensor_to(BwTensor t, int32_t dtype, int32_t deviceType, int32_t deviceIndex, BwTensor* out);
BW_API int32_t BwTensor_clone(BwTensor t, BwTensor* out);
BW_API int32_t BwTensor_contiguous(BwTensor t, BwTensor* out);
BW_API int32_t BwTensor_detach(BwTensor t, BwTensor* out);
BW_API int32_t BwTensor_alias(BwTensor t, BwTensor* out);
BW_API int32_t BwTensor_copy_(BwTensor dst, BwTensor src);
BW_API int32_t BwTensor_zero_(BwTensor t);
BW_API int32_t BwTensor_fill_(BwTensor t, double value);
/* replaces t's data (and so its device/dtype) keeping its identity: how a module moves its parameters */
BW_API int32_t BwTensor_setData_(BwTensor t, BwTensor data);
BW_API int32_t BwTensor_toString(BwTensor t, char* buffer, int64_t capacity, int64_t* needed);

/* ---- creation ----------------------------------------------------------------------------- */
BW_API int32_t BwTensor_zeros(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_ones(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
/* random creation draws on the CPU from `gen` (NULL: the default generator) and then moves to the
 * device, so a seed gives the same numbers on every device */
BW_API int32_t BwTensor_randn(const int64_t* shape, int32_t ndim, BwGenerator gen, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_rand(const int64_t* shape, int32_t ndim, BwGenerator gen, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, BwGenerator gen, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_randperm(int64_t n, BwGenerator gen, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_bernoulli(BwTensor probabilities, BwGenerator gen, BwTensor* out);
BW_API int32_t BwTensor_arange(double start, double end, double step, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_eye(int64_t n, int64_t m, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out);
BW_API int32_t BwTensor_oneHot(BwTensor labels, int64_t numClasses, BwTensor* out);
BW_API int32_t BwTensor_normal_(BwTensor t, double mean, double std, BwGenerator gen);
BW_API int32_t BwTensor_uniform_(BwTensor t, double low, double high, BwGenerator gen);

/* ---- shape -------------------------------------------------------------------------------- */
BW_API int32_t BwTensor_view(BwTensor t, const int64_t* shape, int32_t ndim, BwTensor* out);
BW_API int32_t BwTensor_reshape(BwTensor t, const int64_t* shape, int32_t ndim, BwTensor* out);
BW_API int32_t BwTensor_flatten(BwTensor t, int64_t startDim, int64_t endDim, BwTensor* out);
BW_API int32_t BwTensor_permute(BwTensor t, const int64_t* dims, int32_t ndim, BwTensor* out);
BW_API int32_t BwTensor_transpose(BwTensor t, int64_t dim0, int64_t dim1, BwTensor* out);
BW_API int32_t BwTensor_squeeze(BwTensor t, int64_t dim, int32_t allDims, BwTensor* out);
BW_API int32_t BwTensor_unsqueeze(BwTensor t, int64_t dim, BwTensor* out);
BW_API int32_t BwTensor_expand(BwTensor t, const int64_t* shape, int32_t ndim, BwTensor* out);
BW_API int32_t BwTensor_repeat(BwTensor t, const int64_t* repeats, int32_t ndim, BwTensor* out);
BW_API int32_t BwTensor_cat(const BwTensor* tensors, int32_t count, int64_t dim, BwTensor* out);
BW_API int32_t BwTensor_stack(const BwTensor* tensors, int32_t count, int64_t dim, BwTensor* out);
BW_API int32_t BwTensor_narrow(BwTensor t, int64_t dim, int64_t start, int64_t length, BwTensor* out);
BW_API int32_t BwTensor_slice(BwTensor t, int64_t dim, int64_t start, int64_t end, int64_t step, BwTensor* out);
BW_API int32_t BwTensor_select(BwTensor t, int64_t dim, int64_t index, BwTensor* out);
BW_API int32_t BwTensor_indexSelect(BwTensor t, int64_t dim, BwTensor index, BwTensor* out);
BW_API int32_t BwTensor_gather(BwTensor t, int64_t dim, BwTensor index, BwTensor* out);
BW_API int32_t BwTensor_scatter(BwTensor t, int64_t dim, BwTensor index, BwTensor src, BwTensor* out);
BW_API int32_t BwTensor_scatterValue(BwTensor t, int64_t dim, BwTensor index, double value, BwTensor* out);
BW_API int32_t BwTensor_maskedFill(BwTensor t, BwTensor mask, double value, BwTensor* out);
BW_API int32_t BwTensor_where(BwTensor condition, BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_chunk(BwTensor t, int64_t chunks, int64_t dim, BwTensor* outs, int64_t capacity, int64_t* count);
BW_API int32_t BwTensor_split(BwTensor t, int64_t splitSize, int64_t dim, BwTensor* outs, int64_t capacity, int64_t* count);
BW_API int32_t BwTensor_maskedSelect(BwTensor t, BwTensor mask, BwTensor* out);
/* a copy of t whose rows `index` along dim are replaced by source's rows */
BW_API int32_t BwTensor_indexCopy(BwTensor t, int64_t dim, BwTensor index, BwTensor source, BwTensor* out);
BW_API int32_t BwTensor_nonzero(BwTensor t, BwTensor* out);

/* ---- elementwise math ------------------------------------------------------------------- */
BW_API int32_t BwTensor_add(BwTensor a, BwTensor b, double alpha, BwTensor* out);
BW_API int32_t BwTensor_sub(BwTensor a, BwTensor b, double alpha, BwTensor* out);
BW_API int32_t BwTensor_mul(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_div(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_addScalar(BwTensor a, double value, BwTensor* out);
BW_API int32_t BwTensor_mulScalar(BwTensor a, double value, BwTensor* out);
BW_API int32_t BwTensor_divScalar(BwTensor a, double value, BwTensor* out);
BW_API int32_t BwTensor_rsubScalar(BwTensor a, double value, BwTensor* out); /* value - a */
BW_API int32_t BwTensor_rdivScalar(BwTensor a, double value, BwTensor* out); /* value / a */
BW_API int32_t BwTensor_pow(BwTensor a, double exponent, BwTensor* out);
BW_API int32_t BwTensor_powTensor(BwTensor a, BwTensor exponent, BwTensor* out);
BW_API int32_t BwTensor_neg(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_exp(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_log(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_log1p(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_sqrt(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_rsqrt(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_abs(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_sign(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_square(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_reciprocal(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_floor(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_ceil(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_round(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_erf(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_sigmoid(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_tanh(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_relu(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_sin(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_cos(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_isnan(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_isfinite(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_logicalNot(BwTensor a, BwTensor* out);
BW_API int32_t BwTensor_logicalAnd(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_logicalOr(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_leakyRelu(BwTensor a, double slope, BwTensor* out);
BW_API int32_t BwTensor_softplus(BwTensor a, double beta, double threshold, BwTensor* out);
BW_API int32_t BwTensor_softmax(BwTensor a, int64_t dim, BwTensor* out);
BW_API int32_t BwTensor_logSoftmax(BwTensor a, int64_t dim, BwTensor* out);
/* clamp: hasMin/hasMax select which bounds apply */
BW_API int32_t BwTensor_clamp(BwTensor a, double min, int32_t hasMin, double max, int32_t hasMax, BwTensor* out);
BW_API int32_t BwTensor_clampTensor(BwTensor a, BwTensor min, BwTensor max, BwTensor* out);
BW_API int32_t BwTensor_minimum(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_maximum(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_matmul(BwTensor a, BwTensor b, BwTensor* out);
BW_API int32_t BwTensor_bmm(BwTensor a, BwTensor b, BwTensor* out);
/* comparisons; op: 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge */
BW_API int32_t BwTensor_compare(BwTensor a, BwTensor b, int32_t op, BwTensor* out);
BW_API int32_t BwTensor_compareScalar(BwTensor a, double value, int32_t op, BwTensor* out);
BW_API int32_t BwTensor_equal(BwTensor a, BwTensor b, int32_t* out);
BW_API int32_t BwTensor_allclose(BwTensor a, BwTensor b, double rtol, double atol, int32_t* out);

/* in place */
BW_API int32_t BwTensor_add_(BwTensor a, BwTensor b, double alpha);
BW_API int32_t BwTensor_addScalar_(BwTensor a, double value);
BW_API int32_t BwTensor_mul_(BwTensor a, BwTensor b);
BW_API int32_t BwTensor_mulScalar_(BwTensor a, double value);
BW_API int32_t BwTensor_div_(BwTensor a, BwTensor b);
BW_API int32_t BwTensor_addcmul_(BwTensor a, BwTensor t1, BwTensor t2, double value);
BW_API int32_t BwTensor_addcdiv_(BwTensor a, BwTensor t1, BwTensor t2, double value);
BW_API int32_t BwTensor_clamp_(BwTensor a, double min, int32_t hasMin, double max, int32_t hasMax);
BW_API int32_t BwTensor_maximum_(BwTensor a, BwTensor b); /* a = max(a, b) */
BW_API int32_t BwTensor_sqrt_(BwTensor a);
BW_API int32_t BwTensor_lerp_(BwTensor a, BwTensor end, double weight);

/* ---- reductions ---------------------------------------------------------------------------
 * dims NULL/ndims 0 reduces over every dimension */
BW_API int32_t BwTensor_sum(BwTensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_mean(BwTensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_logsumexp(BwTensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_norm(BwTensor t, double p, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_var(BwTensor t, const int64_t* dims, int32_t ndims, int32_t unbiased, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_maxAll(BwTensor t, BwTensor* out);
BW_API int32_t BwTensor_minAll(BwTensor t, BwTensor* out);
BW_API int32_t BwTensor_maxDim(BwTensor t, int64_t dim, int32_t keepdim, BwTensor* values, BwTensor* indices);
BW_API int32_t BwTensor_minDim(BwTensor t, int64_t dim, int32_t keepdim, BwTensor* values, BwTensor* indices);
BW_API int32_t BwTensor_argmax(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_argmin(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_topk(BwTensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, BwTensor* values, BwTensor* indices);
BW_API int32_t BwTensor_sort(BwTensor t, int64_t dim, int32_t descending, BwTensor* values, BwTensor* indices);
BW_API int32_t BwTensor_any(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_all(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out);
BW_API int32_t BwTensor_cumsum(BwTensor t, int64_t dim, BwTensor* out);

/* ---- neural-network functions ----------------------------------------------------------- */
BW_API int32_t BwNn_linear(BwTensor x, BwTensor weight, BwTensor bias, BwTensor* out);
BW_API int32_t BwNn_conv2d(BwTensor x, BwTensor weight, BwTensor bias, const int64_t* stride, const int64_t* padding,
                           const int64_t* dilation, int64_t groups, BwTensor* out);
BW_API int32_t BwNn_convTranspose2d(BwTensor x, BwTensor weight, BwTensor bias, const int64_t* stride,
                                    const int64_t* padding, const int64_t* outputPadding, int64_t groups,
                                    const int64_t* dilation, BwTensor* out);
BW_API int32_t BwNn_maxPool2d(BwTensor x, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                              const int64_t* dilation, int32_t ceilMode, BwTensor* out);
BW_API int32_t BwNn_avgPool2d(BwTensor x, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                              int32_t ceilMode, int32_t countIncludePad, BwTensor* out);
BW_API int32_t BwNn_adaptiveAvgPool2d(BwTensor x, const int64_t* outputSize, BwTensor* out);
BW_API int32_t BwNn_batchNorm(BwTensor x, BwTensor weight, BwTensor bias, BwTensor runningMean, BwTensor runningVar,
                              int32_t training, double momentum, double eps, BwTensor* out);
BW_API int32_t BwNn_dropout(BwTensor x, double p, int32_t training, BwTensor* out);
BW_API int32_t BwNn_crossEntropy(BwTensor logits, BwTensor target, BwTensor weight, int32_t reduction,
                                 int64_t ignoreIndex, double labelSmoothing, BwTensor* out);
BW_API int32_t BwNn_nllLoss(BwTensor logProbs, BwTensor target, BwTensor weight, int32_t reduction, int64_t ignoreIndex,
                            BwTensor* out);
BW_API int32_t BwNn_binaryCrossEntropyWithLogits(BwTensor logits, BwTensor target, BwTensor weight, int32_t reduction,
                                                 BwTensor* out);
BW_API int32_t BwNn_mseLoss(BwTensor input, BwTensor target, int32_t reduction, BwTensor* out);
BW_API int32_t BwNn_klDiv(BwTensor input, BwTensor target, int32_t reduction, int32_t logTarget, BwTensor* out);
/* E[relu(X)] for X ~ N(mean, stddev²), elementwise; stddev (>= 0) broadcasts to mean's shape, the result has mean's */
BW_API int32_t BwNn_gaussianReluMean(BwTensor mean, BwTensor stddev, BwTensor* out);

/* ---- fused optimiser steps ----------------------------------------------------------------- */
/* One Adam step (TensorFlow's epsilon placement) on w, for x' = low + halfWidth*(tanh(w) + 1), minimising
   ||x' - x||^2 + phi(x'), given tanhW = tanh(w), x' (adversarial) and d phi/d x' (objectiveGradient), all of w's shape
   [N, ...]: w, firstMoment and secondMoment are updated in place; squaredDistance [N] is ||x' - x||^2 per sample.
   stepSize is Adam's bias-corrected lr_t. */
BW_API int32_t BwOptim_tanhAdamStep(BwTensor w, BwTensor firstMoment, BwTensor secondMoment, BwTensor tanhW,
                                    BwTensor inputs, BwTensor adversarial, BwTensor objectiveGradient, double halfWidth,
                                    double stepSize, double beta1, double beta2, double epsilon,
                                    BwTensor* squaredDistance);

/* ---- attack kernels ------------------------------------------------------------------------ */
/* The saliency map's pair search (JSMA), per row of alpha, beta [rows, n] (same floating dtype) and domain (bool,
   [rows, n]), CPU only: with s = +1 (increase) or -1, A = s*(alpha_p + alpha_q) and B = s*(beta_p + beta_q), the pair
   p < q of domain features with A > 0 and B < 0 that maximises -A*B (ties to the first in row-major order). bestPair
   [rows, 2] int64 holds (p, q), found [rows] bool whether any pair qualified ((0, 0) where none did). */
BW_API int32_t BwAttack_saliencyPairs(BwTensor alpha, BwTensor beta, BwTensor domain, int32_t increase,
                                      BwTensor* bestPair, BwTensor* found);

/* ---- autograd ------------------------------------------------------------------------------ */
/* gradOutputs may be NULL (all ones-like for scalars) or contain NULL entries */
BW_API int32_t BwAutograd_backward(const BwTensor* outputs, const BwTensor* gradOutputs, int32_t count,
                                   int32_t retainGraph, int32_t createGraph);
/* outs[i] is NULL for an input that the outputs do not depend on (allowUnused) */
BW_API int32_t BwAutograd_grad(const BwTensor* outputs, const BwTensor* gradOutputs, int32_t outputCount,
                               const BwTensor* inputs, int32_t inputCount, int32_t retainGraph, int32_t createGraph,
                               int32_t allowUnused, BwTensor* outs);
BW_API int32_t BwAutograd_setGradEnabled(int32_t enabled);
BW_API int32_t BwAutograd_isGradEnabled(int32_t* out);

#ifdef __cplusplus
}
#endif

#endif /* BULWARK_H */
