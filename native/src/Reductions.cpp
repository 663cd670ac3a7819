// Reductions over dimensions, order statistics and logical reductions.
#include <cmath>

#include "Common.h"

using namespace bw;

namespace {

std::vector<int64_t> DimsOrAll(const at::Tensor& t, const int64_t* dims, int32_t ndims) {
  std::vector<int64_t> result;
  if (ndims == 0) {
    for (int64_t i = 0; i < t.dim(); ++i) result.push_back(i);
  } else {
    result.assign(dims, dims + ndims);
  }
  return result;
}

}  // namespace

extern "C" {

int32_t BwTensor_sum(BwTensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(ndims == 0 && !keepdim ? T(t).sum() : T(t).sum(DimsOrAll(T(t), dims, ndims), keepdim != 0));
  });
}

int32_t BwTensor_mean(BwTensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(ndims == 0 && !keepdim ? T(t).mean() : T(t).mean(DimsOrAll(T(t), dims, ndims), keepdim != 0));
  });
}

int32_t BwTensor_logsumexp(BwTensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::logsumexp(T(t), DimsOrAll(T(t), dims, ndims), keepdim != 0)); });
}

// p = 0 counts non-zeros, p = +inf is the largest magnitude; dims empty = all dimensions.
int32_t BwTensor_norm(BwTensor t, double p, const int64_t* dims, int32_t ndims, int32_t keepdim, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    c10::optional<at::IntArrayRef> dimRef = c10::nullopt;
    if (ndims > 0) dimRef = at::IntArrayRef(dims, static_cast<size_t>(ndims));
    *out = Wrap(at::linalg_vector_norm(T(t), p, dimRef, keepdim != 0, c10::nullopt));
  });
}

int32_t BwTensor_var(BwTensor t, const int64_t* dims, int32_t ndims, int32_t unbiased, int32_t keepdim, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::var(T(t), at::OptionalIntArrayRef(DimsOrAll(T(t), dims, ndims)), unbiased != 0, keepdim != 0));
  });
}

int32_t BwTensor_maxAll(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).max()); });
}

int32_t BwTensor_minAll(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).min()); });
}

int32_t BwTensor_maxDim(BwTensor t, int64_t dim, int32_t keepdim, BwTensor* values, BwTensor* indices) {
  return Guard([&] {
    BW_CHECK_OUT(values);
    BW_CHECK_OUT(indices);
    auto result = T(t).max(dim, keepdim != 0);
    *values = Wrap(std::get<0>(result));
    *indices = Wrap(std::get<1>(result));
  });
}

int32_t BwTensor_minDim(BwTensor t, int64_t dim, int32_t keepdim, BwTensor* values, BwTensor* indices) {
  return Guard([&] {
    BW_CHECK_OUT(values);
    BW_CHECK_OUT(indices);
    auto result = T(t).min(dim, keepdim != 0);
    *values = Wrap(std::get<0>(result));
    *indices = Wrap(std::get<1>(result));
  });
}

int32_t BwTensor_argmax(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::argmax(T(t), hasDim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0));
  });
}

int32_t BwTensor_argmin(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::argmin(T(t), hasDim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0));
  });
}

int32_t BwTensor_topk(BwTensor t, int64_t k, int64_t dim, int32_t largest, int32_t sorted, BwTensor* values,
                      BwTensor* indices) {
  return Guard([&] {
    BW_CHECK_OUT(values);
    BW_CHECK_OUT(indices);
    auto result = at::topk(T(t), k, dim, largest != 0, sorted != 0);
    *values = Wrap(std::get<0>(result));
    *indices = Wrap(std::get<1>(result));
  });
}

int32_t BwTensor_sort(BwTensor t, int64_t dim, int32_t descending, BwTensor* values, BwTensor* indices) {
  return Guard([&] {
    BW_CHECK_OUT(values);
    BW_CHECK_OUT(indices);
    auto result = at::sort(T(t), dim, descending != 0);
    *values = Wrap(std::get<0>(result));
    *indices = Wrap(std::get<1>(result));
  });
}

int32_t BwTensor_any(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(hasDim ? at::any(T(t), dim, keepdim != 0) : at::any(T(t))); });
}

int32_t BwTensor_all(BwTensor t, int64_t dim, int32_t hasDim, int32_t keepdim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(hasDim ? at::all(T(t), dim, keepdim != 0) : at::all(T(t))); });
}

int32_t BwTensor_cumsum(BwTensor t, int64_t dim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::cumsum(T(t), dim)); });
}

}  // extern "C"
