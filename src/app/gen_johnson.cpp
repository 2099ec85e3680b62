// Johnson's 3-D matrix multiply as DISTAL generated it (johnsonMM-cuda); the model and what it
// leaves out are described in docs/apps.md (johnson).
#include "app/gen_matmul_common.h"
#include "app/generator_impls.h"

namespace mapsmith::app::gen {

GeneratorInfo johnson_info() {
  return GeneratorInfo{
      "johnson",
      "Johnson's 3-D matrix multiply A = B * C (DISTAL, CUDA): one gdim^3 launch of cuBLAS "
      "DGEMMs (task_4) reducing partial products into A, between placement launches of A, B and "
      "C on the faces of the cube (task_1..task_3)",
      {matmul::size_param(),
       ParamInfo{"gdim", 0,
                 "cube side (-gdim); default from the authors' run script by total GPUs: "
                 "4, 8 -> 2; 16, 32, 64 -> 4; 128 -> 6; 256 -> 7 (between entries the one "
                 "below, under 4 GPUs 1)"},
       matmul::iterations_param("11, the first a warm-up")},
      std::string(matmul::kRepository) +
          ": legion/johnsonMM/taco-generated.cu, legion/johnsonMM/main.cpp"};
}

App johnson(const Params& params, const machine::Machine& machine) {
  const std::int64_t n =
      matmul::param_or(params, "johnson", "n", matmul::default_size(machine), 2147483647);
  const std::int64_t g = matmul::param_or(params, "johnson", "gdim",
                                          matmul::johnson_gdim(matmul::total_gpus(machine)), 1024);
  const std::int64_t iters = matmul::iterations(params, "johnson");
  return matmul::flat_3d("johnson", n, g, g, g, iters,
                         {{"n", n}, {"gdim", g}, {"iterations", iters}}, machine);
}

}  // namespace mapsmith::app::gen
