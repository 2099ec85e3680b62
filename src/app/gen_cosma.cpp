// COSMA's decomposition as DISTAL generated it (cosma-cuda); the model and what it leaves out are
// described in docs/apps.md (cosma).
#include "app/gen_matmul_common.h"
#include "app/generator_impls.h"

namespace mapsmith::app::gen {

GeneratorInfo cosma_info() {
  return GeneratorInfo{
      "cosma",
      "COSMA-style 3-D matrix multiply A = B * C (DISTAL, CUDA): one gx x gy x gz launch of "
      "cuBLAS DGEMMs (task_4) reducing partial products into A along z, between placement "
      "launches of A, B and C (task_1..task_3); the grid is chosen from the processor count",
      {matmul::size_param(),
       ParamInfo{"gx", 0,
                 "grid extent along A's rows (-gx); default from the authors' run script by total "
                 "GPUs: 1 (1,1,1), 2 (2,1,1), 4 (1,2,2), 8 (2,2,2), 16 (2,2,4), 32 (2,4,4), 64 "
                 "(4,4,4), 128 (4,4,8), 256 (4,8,8), 512 (8,8,8); between entries the one below"},
       ParamInfo{"gy", 0, "grid extent along A's columns (-gy); default: see gx"},
       ParamInfo{"gz", 0, "grid extent along k, the reduction dimension (-gz); default: see gx"},
       matmul::iterations_param("11, the first a warm-up")},
      std::string(matmul::kRepository) + ": legion/cosma/taco-generated.cu, legion/cosma/main.cpp"};
}

App cosma(const Params& params, const machine::Machine& machine) {
  auto [dx, dy, dz] = matmul::cosma_grid(matmul::total_gpus(machine));
  const std::int64_t n =
      matmul::param_or(params, "cosma", "n", matmul::default_size(machine), 2147483647);
  const std::int64_t gx = matmul::param_or(params, "cosma", "gx", dx, 1024);
  const std::int64_t gy = matmul::param_or(params, "cosma", "gy", dy, 1024);
  const std::int64_t gz = matmul::param_or(params, "cosma", "gz", dz, 1024);
  const std::int64_t iters = matmul::iterations(params, "cosma");
  return matmul::flat_3d("cosma", n, gx, gy, gz, iters,
                         {{"n", n}, {"gx", gx}, {"gy", gy}, {"gz", gz}, {"iterations", iters}},
                         machine);
}

}  // namespace mapsmith::app::gen
