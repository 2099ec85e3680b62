// PUMMA as DISTAL generated it (pummaMM-cuda); the model and what it leaves out are described in
// docs/apps.md (pumma).
#include "app/gen_matmul_common.h"
#include "app/generator_impls.h"

namespace mapsmith::app::gen {

GeneratorInfo pumma_info() {
  return GeneratorInfo{
      "pumma",
      "PUMMA 2-D matrix multiply A = B * C (DISTAL, CUDA): task_7 over a gx x gy node grid "
      "rotates the k blocks by the node row in, each node splits its tile 2 x 2 over its GPUs "
      "(task_5), 2 cuBLAS DGEMM steps each in k order (task_4)",
      matmul::hierarchical_2d_params("gx = getgx(ranks), gy = ranks / gx (the authors' run "
                                     "script)"),
      std::string(matmul::kRepository) +
          ": legion/pummaMM/taco-generated.cu, legion/pummaMM/main.cpp"};
}

App pumma(const Params& params, const machine::Machine& machine) {
  return matmul::hierarchical_2d("pumma", matmul::Shift::Pumma, params, machine);
}

}  // namespace mapsmith::app::gen
