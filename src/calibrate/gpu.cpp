#include "calibrate/gpu.h"

#include <fmt/format.h>

#ifdef MAPSMITH_HAVE_CUDA
#include <cuda_runtime_api.h>

#include <algorithm>
#endif

namespace mapsmith::calibrate {

#ifndef MAPSMITH_HAVE_CUDA

void measure_gpu(Figures& f, const Options&) {
  f.gpu_note = "not measured: this mapsmith was built without CUDA";
}

#else

namespace {

/// Bytes per second of the best of `repeats` copies of `bytes` between pinned host memory and
/// the device, timed with CUDA events.
double copy_rate(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, int repeats) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  float best_ms = 0;
  for (int r = 0; r < repeats; ++r) {
    cudaEventRecord(a);
    cudaMemcpy(dst, src, bytes, kind);
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    if (ms > 0 && (best_ms == 0 || ms < best_ms)) best_ms = ms;
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return best_ms > 0 ? static_cast<double>(bytes) / (best_ms * 1e-3) : 0;
}

}  // namespace

void measure_gpu(Figures& f, const Options& o) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    f.gpu_note = "not measured: no CUDA device";
    return;
  }
  const std::size_t bytes = static_cast<std::size_t>(std::max<std::uint64_t>(o.bytes, 1 << 20));
  void* host = nullptr;
  void* dev = nullptr;
  if (cudaMallocHost(&host, bytes) != cudaSuccess || cudaMalloc(&dev, bytes) != cudaSuccess) {
    if (host) cudaFreeHost(host);
    f.gpu_note = "not measured: cannot allocate pinned or device memory";
    return;
  }
  f.pcie_h2d = copy_rate(dev, host, bytes, cudaMemcpyHostToDevice, std::max(1, o.repeats));
  f.pcie_d2h = copy_rate(host, dev, bytes, cudaMemcpyDeviceToHost, std::max(1, o.repeats));
  cudaFree(dev);
  cudaFreeHost(host);
  f.gpu_note =
      "PCIe copies measured; zero-copy gathers and atomics need kernels and are not "
      "measured (docs/simulator.md section 14 gives the H100 figures)";
}

#endif

}  // namespace mapsmith::calibrate
