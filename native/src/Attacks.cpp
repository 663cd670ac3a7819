// Kernels of attacks whose composite form makes many passes over large temporaries.
#include <ATen/Parallel.h>

#include "Common.h"

using namespace bw;

namespace {

// The saliency map's pair search, row by row: the features of the domain are gathered first, then every pair p < q of
// them is scored in one pass without temporaries. Within a row the score is computed for all q (vectorisable) and the
// row's maximum taken; only a row that beats the best so far is scanned again for its first arg-max, so that ties go
// to the first pair in row-major order, as a flattened arg-max over the [n, n] score matrix would.
template <typename scalar_t>
void SaliencyPairsKernel(const at::Tensor& alpha, const at::Tensor& beta, const at::Tensor& domain, bool increase,
                         at::Tensor& bestPair, at::Tensor& found) {
  const int64_t rows = alpha.size(0);
  const int64_t n = alpha.size(1);
  const scalar_t* pa = alpha.data_ptr<scalar_t>();
  const scalar_t* pb = beta.data_ptr<scalar_t>();
  const bool* pd = domain.data_ptr<bool>();
  int64_t* pp = bestPair.data_ptr<int64_t>();
  bool* pf = found.data_ptr<bool>();
  const scalar_t sign = increase ? scalar_t(1) : scalar_t(-1);
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<scalar_t> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
    std::vector<int64_t> feature(static_cast<size_t>(n));
    for (int64_t r = begin; r < end; ++r) {
      int64_t m = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (pd[r * n + i]) {
          a[m] = pa[r * n + i] * sign;
          b[m] = pb[r * n + i] * sign;
          feature[m] = i;
          ++m;
        }
      }
      scalar_t best = 0;
      int64_t bestP = 0, bestQ = 0;
      const scalar_t* av = a.data();
      const scalar_t* bv = b.data();
      for (int64_t p = 0; p + 1 < m; ++p) {
        const scalar_t ap = av[p];
        const scalar_t bp = bv[p];
        scalar_t rowBest = 0;
        for (int64_t q = p + 1; q < m; ++q) {
          const scalar_t sumA = ap + av[q];
          const scalar_t sumB = bp + bv[q];
          const scalar_t score = (sumA > 0) & (sumB < 0) ? -(sumA * sumB) : scalar_t(0);
          rowBest = score > rowBest ? score : rowBest;
        }
        if (rowBest > best) {
          for (int64_t q = p + 1; q < m; ++q) {
            const scalar_t sumA = ap + av[q];
            const scalar_t sumB = bp + bv[q];
            if (sumA > 0 && sumB < 0 && -(sumA * sumB) == rowBest) {
              bestQ = q;
              break;
            }
          }
          best = rowBest;
          bestP = p;
        }
      }
      const bool any = best > 0;
      pf[r] = any;
      pp[2 * r] = any ? feature[bestP] : 0;
      pp[2 * r + 1] = any ? feature[bestQ] : 0;
    }
  });
}

}  // namespace

extern "C" {

int32_t BwAttack_saliencyPairs(BwTensor alpha, BwTensor beta, BwTensor domain, int32_t increase, BwTensor* bestPair,
                               BwTensor* found) {
  return Guard([&] {
    BW_CHECK_OUT(bestPair);
    BW_CHECK_OUT(found);
    const auto& a = T(alpha);
    const auto& b = T(beta);
    const auto& d = T(domain);
    TORCH_CHECK_VALUE(a.dim() == 2, "saliency_pairs: alpha must be [rows, features], got ", a.sizes());
    TORCH_CHECK_VALUE(b.sizes() == a.sizes() && d.sizes() == a.sizes(),
                      "saliency_pairs: alpha, beta and domain must have the same shape, got ", a.sizes(), ", ",
                      b.sizes(), " and ", d.sizes());
    TORCH_CHECK_VALUE(at::isFloatingType(a.scalar_type()) && b.scalar_type() == a.scalar_type(),
                      "saliency_pairs: alpha and beta must have the same floating-point dtype");
    TORCH_CHECK_VALUE(d.scalar_type() == at::kBool, "saliency_pairs: domain must be bool");
    TORCH_CHECK_VALUE(a.device().is_cpu() && b.device().is_cpu() && d.device().is_cpu(),
                      "saliency_pairs: CPU tensors only (the caller takes the composite form elsewhere)");
    at::NoGradGuard noGrad;
    const auto ca = a.contiguous();
    const auto cb = b.contiguous();
    const auto cd = d.contiguous();
    auto pairs = at::empty({a.size(0), 2}, a.options().dtype(at::kLong));
    auto any = at::empty({a.size(0)}, a.options().dtype(at::kBool));
    AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "saliency_pairs", [&] {
      SaliencyPairsKernel<scalar_t>(ca, cb, cd, increase != 0, pairs, any);
    });
    *bestPair = Wrap(pairs);
    *found = Wrap(any);
  });
}

}  // extern "C"
