// Cannon's algorithm as DISTAL generated it (cannonMM-cuda); the model and what it leaves out are
// described in docs/apps.md (cannon).
#include "app/gen_matmul_common.h"
#include "app/generator_impls.h"

namespace mapsmith::app::gen {

GeneratorInfo cannon_info() {
  return GeneratorInfo{
      "cannon",
      "Cannon's 2-D matrix multiply A = B * C (DISTAL, CUDA): task_7 over a gx x gy node grid "
      "shifts k blocks by (in+jn) each of gx steps, each node splits its tile 2 x 2 over its GPUs "
      "(task_5) and shifts again by (iln+jln) over 2 cuBLAS DGEMM steps (task_4)",
      matmul::hierarchical_2d_params("gy = getgx(ranks), gx = ranks / gy (the authors' run "
                                     "script, x gets the larger extent)"),
      std::string(matmul::kRepository) +
          ": legion/cannonMM/taco-generated.cu, legion/cannonMM/main.cpp"};
}

App cannon(const Params& params, const machine::Machine& machine) {
  return matmul::hierarchical_2d("cannon", matmul::Shift::Cannon, params, machine);
}

}  // namespace mapsmith::app::gen
