// SUMMA as DISTAL generated it (summaMM-cuda); the model and what it leaves out are described in
// docs/apps.md (summa).
#include "app/gen_matmul_common.h"
#include "app/generator_impls.h"

namespace mapsmith::app::gen {

GeneratorInfo summa_info() {
  return GeneratorInfo{
      "summa",
      "SUMMA 2-D matrix multiply A = B * C (DISTAL, CUDA): task_7 over a gx x gy node grid walks "
      "the k blocks in order (every node of a row reads the same B panel, of a column the same C "
      "panel), each node splits its tile 2 x 2 over its GPUs (task_5), 2 cuBLAS DGEMM steps each "
      "(task_4)",
      matmul::hierarchical_2d_params("gx = getgx(ranks), gy = ranks / gx (the authors' run "
                                     "script)"),
      std::string(matmul::kRepository) +
          ": legion/summaMM/taco-generated.cu, legion/summaMM/main.cpp"};
}

App summa(const Params& params, const machine::Machine& machine) {
  return matmul::hierarchical_2d("summa", matmul::Shift::Summa, params, machine);
}

}  // namespace mapsmith::app::gen
