// Elementwise math, comparisons, matrix products and in-place updates.
#include <cmath>

#include "Common.h"

using namespace bw;

#define BW_UNARY(name, expr)                                            \
  int32_t BwTensor_##name(BwTensor a, BwTensor* out) {                  \
    return Guard([&] {                                                  \
      BW_CHECK_OUT(out);                                                \
      const at::Tensor& x = T(a);                                       \
      *out = Wrap(expr);                                                \
    });                                                                 \
  }

#define BW_BINARY(name, expr)                                           \
  int32_t BwTensor_##name(BwTensor a, BwTensor b, BwTensor* out) {      \
    return Guard([&] {                                                  \
      BW_CHECK_OUT(out);                                                \
      const at::Tensor& x = T(a);                                       \
      const at::Tensor& y = T(b);                                       \
      *out = Wrap(expr);                                                \
    });                                                                 \
  }

#define BW_SCALAR(name, expr)                                           \
  int32_t BwTensor_##name(BwTensor a, double value, BwTensor* out) {    \
    return Guard([&] {                                                  \
      BW_CHECK_OUT(out);                                                \
      const at::Tensor& x = T(a);                                       \
      *out = Wrap(expr);                                                \
    });                                                                 \
  }

namespace {

at::Tensor Compare(const at::Tensor& x, const at::Tensor& y, int32_t op) {
  switch (op) {
    case 0: return at::eq(x, y);
    case 1: return at::ne(x, y);
    case 2: return at::lt(x, y);
    case 3: return at::le(x, y);
    case 4: return at::gt(x, y);
    case 5: return at::ge(x, y);
    default: throw std::invalid_argument("unknown comparison code " + std::to_string(op));
  }
}

at::Tensor CompareScalar(const at::Tensor& x, double value, int32_t op) {
  switch (op) {
    case 0: return at::eq(x, value);
    case 1: return at::ne(x, value);
    case 2: return at::lt(x, value);
    case 3: return at::le(x, value);
    case 4: return at::gt(x, value);
    case 5: return at::ge(x, value);
    default: throw std::invalid_argument("unknown comparison code " + std::to_string(op));
  }
}

c10::optional<at::Scalar> Bound(const at::Tensor& t, double value, int32_t present) {
  if (!present) return c10::nullopt;
  return ScalarFor(t, value);
}

}  // namespace

extern "C" {

int32_t BwTensor_add(BwTensor a, BwTensor b, double alpha, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::add(T(a), T(b), ScalarFor(at::result_type(T(a), T(b)), alpha))); });
}

int32_t BwTensor_sub(BwTensor a, BwTensor b, double alpha, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::sub(T(a), T(b), ScalarFor(at::result_type(T(a), T(b)), alpha))); });
}

BW_BINARY(mul, at::mul(x, y))
BW_BINARY(div, at::div(x, y))
BW_BINARY(powTensor, at::pow(x, y))
BW_BINARY(minimum, at::minimum(x, y))
BW_BINARY(maximum, at::maximum(x, y))
BW_BINARY(matmul, at::matmul(x, y))
BW_BINARY(bmm, at::bmm(x, y))
BW_BINARY(logicalAnd, at::logical_and(x, y))
BW_BINARY(logicalOr, at::logical_or(x, y))

BW_SCALAR(addScalar, at::add(x, ScalarFor(x, value)))
BW_SCALAR(mulScalar, at::mul(x, ScalarFor(x, value)))
BW_SCALAR(divScalar, at::div(x, value))
BW_SCALAR(rsubScalar, at::rsub(x, ScalarFor(x, value)))
BW_SCALAR(rdivScalar, at::mul(at::reciprocal(x), value))
BW_SCALAR(pow, at::pow(x, value))
BW_SCALAR(leakyRelu, at::leaky_relu(x, value))

BW_UNARY(neg, at::neg(x))
BW_UNARY(exp, at::exp(x))
BW_UNARY(log, at::log(x))
BW_UNARY(log1p, at::log1p(x))
BW_UNARY(sqrt, at::sqrt(x))
BW_UNARY(rsqrt, at::rsqrt(x))
BW_UNARY(abs, at::abs(x))
BW_UNARY(sign, at::sign(x))
BW_UNARY(square, at::square(x))
BW_UNARY(reciprocal, at::reciprocal(x))
BW_UNARY(floor, at::floor(x))
BW_UNARY(ceil, at::ceil(x))
BW_UNARY(round, at::round(x))
BW_UNARY(erf, at::erf(x))
BW_UNARY(sigmoid, at::sigmoid(x))
BW_UNARY(tanh, at::tanh(x))
BW_UNARY(relu, at::relu(x))
BW_UNARY(sin, at::sin(x))
BW_UNARY(cos, at::cos(x))
BW_UNARY(isnan, at::isnan(x))
BW_UNARY(isfinite, at::isfinite(x))
BW_UNARY(logicalNot, at::logical_not(x))

int32_t BwTensor_softplus(BwTensor a, double beta, double threshold, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::softplus(T(a), beta, threshold)); });
}

int32_t BwTensor_softmax(BwTensor a, int64_t dim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::softmax(T(a), dim)); });
}

int32_t BwTensor_logSoftmax(BwTensor a, int64_t dim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::log_softmax(T(a), dim)); });
}

int32_t BwTensor_clamp(BwTensor a, double min, int32_t hasMin, double max, int32_t hasMax, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    if (!hasMin && !hasMax) throw std::invalid_argument("clamp needs at least one bound");
    *out = Wrap(at::clamp(T(a), Bound(T(a), min, hasMin), Bound(T(a), max, hasMax)));
  });
}

int32_t BwTensor_clampTensor(BwTensor a, BwTensor min, BwTensor max, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    if (min == nullptr && max == nullptr) throw std::invalid_argument("clamp needs at least one bound");
    *out = Wrap(at::clamp(T(a), Opt(min), Opt(max)));
  });
}

int32_t BwTensor_compare(BwTensor a, BwTensor b, int32_t op, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(Compare(T(a), T(b), op)); });
}

int32_t BwTensor_compareScalar(BwTensor a, double value, int32_t op, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(CompareScalar(T(a), value, op)); });
}

int32_t BwTensor_equal(BwTensor a, BwTensor b, int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = at::equal(T(a), T(b)) ? 1 : 0; });
}

int32_t BwTensor_allclose(BwTensor a, BwTensor b, double rtol, double atol, int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = at::allclose(T(a), T(b), rtol, atol) ? 1 : 0; });
}

// ---- in place ----------------------------------------------------------------------------------

int32_t BwTensor_add_(BwTensor a, BwTensor b, double alpha) {
  return Guard([&] { T(a).add_(T(b), ScalarFor(T(a), alpha)); });
}
int32_t BwTensor_addScalar_(BwTensor a, double value) { return Guard([&] { T(a).add_(ScalarFor(T(a), value)); }); }
int32_t BwTensor_mul_(BwTensor a, BwTensor b) { return Guard([&] { T(a).mul_(T(b)); }); }
int32_t BwTensor_mulScalar_(BwTensor a, double value) { return Guard([&] { T(a).mul_(ScalarFor(T(a), value)); }); }
int32_t BwTensor_div_(BwTensor a, BwTensor b) { return Guard([&] { T(a).div_(T(b)); }); }
int32_t BwTensor_addcmul_(BwTensor a, BwTensor t1, BwTensor t2, double value) {
  return Guard([&] { T(a).addcmul_(T(t1), T(t2), value); });
}
int32_t BwTensor_addcdiv_(BwTensor a, BwTensor t1, BwTensor t2, double value) {
  return Guard([&] { T(a).addcdiv_(T(t1), T(t2), value); });
}
int32_t BwTensor_clamp_(BwTensor a, double min, int32_t hasMin, double max, int32_t hasMax) {
  return Guard([&] {
    if (!hasMin && !hasMax) throw std::invalid_argument("clamp needs at least one bound");
    T(a).clamp_(Bound(T(a), min, hasMin), Bound(T(a), max, hasMax));
  });
}
int32_t BwTensor_maximum_(BwTensor a, BwTensor b) {
  return Guard([&] { at::maximum_out(T(a), T(a), T(b)); });
}
int32_t BwTensor_sqrt_(BwTensor a) { return Guard([&] { T(a).sqrt_(); }); }
int32_t BwTensor_lerp_(BwTensor a, BwTensor end, double weight) { return Guard([&] { T(a).lerp_(T(end), weight); }); }

}  // extern "C"
