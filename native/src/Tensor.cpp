// Tensor lifetime, metadata, data transfer, creation and shape operations.
#include <cstring>
#include <sstream>

#include "Common.h"

using namespace bw;

namespace {

c10::optional<at::Generator> GenOf(BwGenerator gen) {
  if (gen == nullptr) return c10::nullopt;
  return G(gen);
}

// Random numbers are drawn on the CPU and then moved, so one seed gives one result on every device.
at::Tensor ToDevice(at::Tensor cpu, int32_t devType, int32_t devIndex) {
  return devType == BW_CPU ? cpu : cpu.to(DeviceOf(devType, devIndex));
}

int64_t FillOutputs(const std::vector<at::Tensor>& parts, BwTensor* outs, int64_t capacity) {
  if (static_cast<int64_t>(parts.size()) > capacity)
    throw std::out_of_range("output capacity " + std::to_string(capacity) + " is smaller than " +
                            std::to_string(parts.size()) + " parts");
  for (size_t i = 0; i < parts.size(); ++i) outs[i] = Wrap(parts[i]);
  return static_cast<int64_t>(parts.size());
}

}  // namespace

extern "C" {

void BwTensor_free(BwTensor t) {
  if (t == nullptr) return;
  delete reinterpret_cast<at::Tensor*>(t);
  liveTensors().fetch_sub(1, std::memory_order_relaxed);
}

int32_t BwTensor_dim(BwTensor t, int64_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(t).dim(); });
}

int32_t BwTensor_shape(BwTensor t, int64_t* buffer, int64_t capacity) {
  return Guard([&] {
    auto sizes = T(t).sizes();
    if (static_cast<int64_t>(sizes.size()) > capacity) throw std::out_of_range("shape buffer too small");
    for (size_t i = 0; i < sizes.size(); ++i) buffer[i] = sizes[i];
  });
}

int32_t BwTensor_dtype(BwTensor t, int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = DTypeCode(T(t).scalar_type()); });
}

int32_t BwTensor_device(BwTensor t, int32_t* type, int32_t* index) {
  return Guard([&] {
    BW_CHECK_OUT(type);
    BW_CHECK_OUT(index);
    auto device = T(t).device();
    *type = device.is_cuda() ? BW_CUDA : BW_CPU;
    *index = device.has_index() ? device.index() : -1;
  });
}

int32_t BwTensor_numel(BwTensor t, int64_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(t).numel(); });
}

int32_t BwTensor_requiresGrad(BwTensor t, int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(t).requires_grad() ? 1 : 0; });
}

int32_t BwTensor_setRequiresGrad_(BwTensor t, int32_t value) {
  return Guard([&] { T(t).set_requires_grad(value != 0); });
}

int32_t BwTensor_isLeaf(BwTensor t, int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(t).is_leaf() ? 1 : 0; });
}

int32_t BwTensor_grad(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = WrapOrNull(T(t).grad()); });
}

int32_t BwTensor_setGrad(BwTensor t, BwTensor grad) {
  return Guard([&] { T(t).mutable_grad() = grad == nullptr ? at::Tensor() : T(grad); });
}

int32_t BwTensor_retainGrad(BwTensor t) {
  return Guard([&] { T(t).retain_grad(); });
}

int32_t BwTensor_sameStorage(BwTensor a, BwTensor b, int32_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(a).is_same(T(b)) ? 1 : 0; });
}

int32_t BwTensor_fromBuffer(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto options = at::TensorOptions().dtype(ScalarTypeOf(dtype));
    auto result = at::empty(Ints(shape, ndim), options);
    if (result.numel() > 0) {
      if (data == nullptr) throw std::invalid_argument("null data pointer");
      std::memcpy(result.data_ptr(), data, result.numel() * result.element_size());
    }
    *out = Wrap(std::move(result));
  });
}

int32_t BwTensor_copyToBuffer(BwTensor t, void* data, int64_t nbytes) {
  return Guard([&] {
    auto cpu = T(t).detach().to(at::kCPU).contiguous();
    int64_t needed = cpu.numel() * cpu.element_size();
    if (nbytes != needed)
      throw std::invalid_argument("buffer has " + std::to_string(nbytes) + " bytes, tensor needs " +
                                  std::to_string(needed));
    if (needed > 0) std::memcpy(data, cpu.data_ptr(), needed);
  });
}

int32_t BwTensor_itemDouble(BwTensor t, double* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(t).item<double>(); });
}

int32_t BwTensor_itemInt64(BwTensor t, int64_t* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = T(t).item<int64_t>(); });
}

int32_t BwTensor_to(BwTensor t, int32_t dtype, int32_t deviceType, int32_t deviceIndex, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(T(t).to(DeviceOf(deviceType, deviceIndex), ScalarTypeOf(dtype)));
  });
}

int32_t BwTensor_clone(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).clone()); });
}

int32_t BwTensor_contiguous(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).contiguous()); });
}

int32_t BwTensor_detach(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).detach()); });
}

int32_t BwTensor_alias(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t)); });
}

int32_t BwTensor_copy_(BwTensor dst, BwTensor src) {
  return Guard([&] { T(dst).copy_(T(src)); });
}

int32_t BwTensor_zero_(BwTensor t) {
  return Guard([&] { T(t).zero_(); });
}

int32_t BwTensor_fill_(BwTensor t, double value) {
  return Guard([&] { T(t).fill_(value); });
}

int32_t BwTensor_setData_(BwTensor t, BwTensor data) {
  return Guard([&] { T(t).set_data(T(data)); });
}

int32_t BwTensor_toString(BwTensor t, char* buffer, int64_t capacity, int64_t* needed) {
  return Guard([&] {
    BW_CHECK_OUT(needed);
    std::ostringstream stream;
    stream << T(t);
    auto text = stream.str();
    *needed = static_cast<int64_t>(text.size()) + 1;
    if (buffer != nullptr && capacity >= *needed) std::memcpy(buffer, text.c_str(), text.size() + 1);
  });
}

// ---- creation ----------------------------------------------------------------------------------

int32_t BwTensor_zeros(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::zeros(Ints(shape, ndim), Options(dtype, devType, devIndex))); });
}

int32_t BwTensor_ones(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::ones(Ints(shape, ndim), Options(dtype, devType, devIndex))); });
}

int32_t BwTensor_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::empty(Ints(shape, ndim), Options(dtype, devType, devIndex))); });
}

int32_t BwTensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype, int32_t devType, int32_t devIndex,
                      BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    *out = Wrap(at::full(Ints(shape, ndim), value, Options(dtype, devType, devIndex)));
  });
}

int32_t BwTensor_randn(const int64_t* shape, int32_t ndim, BwGenerator gen, int32_t dtype, int32_t devType,
                       int32_t devIndex, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto cpu = at::randn(Ints(shape, ndim), GenOf(gen), Options(dtype, BW_CPU, -1));
    *out = Wrap(ToDevice(cpu, devType, devIndex));
  });
}

int32_t BwTensor_rand(const int64_t* shape, int32_t ndim, BwGenerator gen, int32_t dtype, int32_t devType,
                      int32_t devIndex, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto cpu = at::rand(Ints(shape, ndim), GenOf(gen), Options(dtype, BW_CPU, -1));
    *out = Wrap(ToDevice(cpu, devType, devIndex));
  });
}

int32_t BwTensor_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, BwGenerator gen, int32_t dtype,
                         int32_t devType, int32_t devIndex, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto cpu = at::randint(low, high, Ints(shape, ndim), GenOf(gen), Options(dtype, BW_CPU, -1));
    *out = Wrap(ToDevice(cpu, devType, devIndex));
  });
}

int32_t BwTensor_randperm(int64_t n, BwGenerator gen, int32_t devType, int32_t devIndex, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto cpu = at::randperm(n, GenOf(gen), Options(BW_INT64, BW_CPU, -1));
    *out = Wrap(ToDevice(cpu, devType, devIndex));
  });
}

int32_t BwTensor_bernoulli(BwTensor probabilities, BwGenerator gen, BwTensor* out) {
  return Guard([&] {
    BW_CHECK_OUT(out);
    auto& p = T(probabilities);
    auto cpu = at::bernoulli(p.detach().to(at::kCPU), GenOf(gen));
    *out = Wrap(cpu.to(p.device()));
  });
}

int32_t BwTensor_arange(double start, double end, double step, int32_t dtype, int32_t devType, int32_t devIndex,
                        BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::arange(start, end, step, Options(dtype, devType, devIndex))); });
}

int32_t BwTensor_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t devType, int32_t devIndex,
                          BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::linspace(start, end, steps, Options(dtype, devType, devIndex))); });
}

int32_t BwTensor_eye(int64_t n, int64_t m, int32_t dtype, int32_t devType, int32_t devIndex, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::eye(n, m, Options(dtype, devType, devIndex))); });
}

int32_t BwTensor_oneHot(BwTensor labels, int64_t numClasses, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::one_hot(T(labels), numClasses)); });
}

int32_t BwTensor_normal_(BwTensor t, double mean, double std, BwGenerator gen) {
  return Guard([&] {
    auto& target = T(t);
    if (target.is_cpu()) {
      target.normal_(mean, std, GenOf(gen));
    } else {
      auto cpu = at::empty(target.sizes(), target.options().device(at::kCPU));
      cpu.normal_(mean, std, GenOf(gen));
      target.copy_(cpu);
    }
  });
}

int32_t BwTensor_uniform_(BwTensor t, double low, double high, BwGenerator gen) {
  return Guard([&] {
    auto& target = T(t);
    if (target.is_cpu()) {
      target.uniform_(low, high, GenOf(gen));
    } else {
      auto cpu = at::empty(target.sizes(), target.options().device(at::kCPU));
      cpu.uniform_(low, high, GenOf(gen));
      target.copy_(cpu);
    }
  });
}

// ---- shape -----------------------------------------------------------------------------------

int32_t BwTensor_view(BwTensor t, const int64_t* shape, int32_t ndim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).view(Ints(shape, ndim))); });
}

int32_t BwTensor_reshape(BwTensor t, const int64_t* shape, int32_t ndim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).reshape(Ints(shape, ndim))); });
}

int32_t BwTensor_flatten(BwTensor t, int64_t startDim, int64_t endDim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).flatten(startDim, endDim)); });
}

int32_t BwTensor_permute(BwTensor t, const int64_t* dims, int32_t ndim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).permute(Ints(dims, ndim))); });
}

int32_t BwTensor_transpose(BwTensor t, int64_t dim0, int64_t dim1, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).transpose(dim0, dim1)); });
}

int32_t BwTensor_squeeze(BwTensor t, int64_t dim, int32_t allDims, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(allDims ? T(t).squeeze() : T(t).squeeze(dim)); });
}

int32_t BwTensor_unsqueeze(BwTensor t, int64_t dim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).unsqueeze(dim)); });
}

int32_t BwTensor_expand(BwTensor t, const int64_t* shape, int32_t ndim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).expand(Ints(shape, ndim))); });
}

int32_t BwTensor_repeat(BwTensor t, const int64_t* repeats, int32_t ndim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).repeat(Ints(repeats, ndim))); });
}

int32_t BwTensor_cat(const BwTensor* tensors, int32_t count, int64_t dim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::cat(Tensors(tensors, count), dim)); });
}

int32_t BwTensor_stack(const BwTensor* tensors, int32_t count, int64_t dim, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::stack(Tensors(tensors, count), dim)); });
}

int32_t BwTensor_narrow(BwTensor t, int64_t dim, int64_t start, int64_t length, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).narrow(dim, start, length)); });
}

int32_t BwTensor_slice(BwTensor t, int64_t dim, int64_t start, int64_t end, int64_t step, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).slice(dim, start, end, step)); });
}

int32_t BwTensor_select(BwTensor t, int64_t dim, int64_t index, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).select(dim, index)); });
}

int32_t BwTensor_indexSelect(BwTensor t, int64_t dim, BwTensor index, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).index_select(dim, T(index))); });
}

int32_t BwTensor_gather(BwTensor t, int64_t dim, BwTensor index, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).gather(dim, T(index))); });
}

int32_t BwTensor_scatter(BwTensor t, int64_t dim, BwTensor index, BwTensor src, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).scatter(dim, T(index), T(src))); });
}

int32_t BwTensor_scatterValue(BwTensor t, int64_t dim, BwTensor index, double value, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).scatter(dim, T(index), value)); });
}

int32_t BwTensor_maskedFill(BwTensor t, BwTensor mask, double value, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).masked_fill(T(mask), value)); });
}

int32_t BwTensor_where(BwTensor condition, BwTensor a, BwTensor b, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(at::where(T(condition), T(a), T(b))); });
}

int32_t BwTensor_chunk(BwTensor t, int64_t chunks, int64_t dim, BwTensor* outs, int64_t capacity, int64_t* count) {
  return Guard([&] {
    BW_CHECK_OUT(count);
    *count = FillOutputs(T(t).chunk(chunks, dim), outs, capacity);
  });
}

int32_t BwTensor_split(BwTensor t, int64_t splitSize, int64_t dim, BwTensor* outs, int64_t capacity, int64_t* count) {
  return Guard([&] {
    BW_CHECK_OUT(count);
    *count = FillOutputs(T(t).split(splitSize, dim), outs, capacity);
  });
}

int32_t BwTensor_indexCopy(BwTensor t, int64_t dim, BwTensor index, BwTensor source, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).index_copy(dim, T(index), T(source))); });
}

int32_t BwTensor_maskedSelect(BwTensor t, BwTensor mask, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).masked_select(T(mask))); });
}

int32_t BwTensor_nonzero(BwTensor t, BwTensor* out) {
  return Guard([&] { BW_CHECK_OUT(out); *out = Wrap(T(t).nonzero()); });
}

}  // extern "C"
