// Solomonik and Demmel's 2.5-D matrix multiply as DISTAL generated it (solomonikMM-cuda); the
// model and what it leaves out are described in docs/apps.md (solomonik).
#include <fmt/format.h>

#include "app/gen_matmul_common.h"
#include "app/generator_impls.h"
#include "util/error.h"

namespace mapsmith::app::gen {

GeneratorInfo solomonik_info() {
  return GeneratorInfo{
      "solomonik",
      "Solomonik's 2.5-D matrix multiply A = B * C (DISTAL, CUDA): task_5 over rpoc x rpoc x c "
      "GPUs, each running rpoc3 Cannon-shifted cuBLAS DGEMMs (task_4) over its k layer and "
      "reducing into A, between placement launches of A, B and C (task_1..task_3)",
      {matmul::size_param(),
       ParamInfo{"rpoc", 0,
                 "side of each layer's GPU grid (-rpoc); default from the authors' run script by "
                 "total GPUs (rpoc, c, rpoc3): 4 (2,1,2), 8 (2,2,2), 16 (4,1,4), 32 (4,2,4), 64 "
                 "(8,1,8), 128 (8,2,8), 256 (16,1,16), 512 (16,2,16), 1024 (32,1,32); between "
                 "entries the one below, under 4 GPUs (1,1,1)"},
       ParamInfo{"c", 0, "replication factor: layers along k (-c); default: see rpoc"},
       ParamInfo{"rpoc3", 0, "k chunks (Cannon steps) per layer (-rpoc3); default: see rpoc"},
       matmul::iterations_param("11, the first a warm-up")},
      std::string(matmul::kRepository) +
          ": legion/solomonikMM/taco-generated.cu, legion/solomonikMM/main.cpp"};
}

App solomonik(const Params& params, const machine::Machine& machine) {
  using namespace matmul;
  using P = Privilege;
  auto [drpoc, dc, drpoc3] = solomonik_grid(total_gpus(machine));
  const std::int64_t n = param_or(params, "solomonik", "n", default_size(machine), 2147483647);
  const std::int64_t rpoc = param_or(params, "solomonik", "rpoc", drpoc, 1024);
  const std::int64_t c = param_or(params, "solomonik", "c", dc, 1024);
  const std::int64_t rpoc3 = param_or(params, "solomonik", "rpoc3", drpoc3, 1024);
  const std::int64_t iters = iterations(params, "solomonik");
  if (rpoc * rpoc * c * rpoc3 > (1 << 20))
    throw InputError(fmt::format(
        "app solomonik: this grid makes {} GEMM tasks per iteration; the models allow at most {}",
        rpoc * rpoc * c * rpoc3, 1 << 20));

  Builder b("solomonik");
  b.set_params({{"n", n}, {"rpoc", rpoc}, {"c", c}, {"rpoc3", rpoc3}, {"iterations", iters}});
  b.add_matrices(n);
  const Span full{0, n};
  const std::int64_t r = ceil_div(n, rpoc);    // a GPU's tile of A, rows of B, columns of C
  const std::int64_t k = ceil_div(n, c);       // a layer's share of k
  const std::int64_t kc = ceil_div(k, rpoc3);  // one chunk of that share
  auto tr = [&](std::int64_t i) { return tile(full, r, i); };
  auto layer = [&](std::int64_t l) { return tile(full, k, l); };
  // Placement: all three matrices tiled rpoc x rpoc on layer 0.
  for (const char* m : {"A", "B", "C"}) {
    b.add_partition(fmt::format("{}_place", m), m, true, {rpoc, rpoc, 1}, [&](const auto& col) {
      return Rect{tr(col[0]), tr(col[1])};
    });
  }
  // partitionForcomputeLegion, coloured by the rpoc x rpoc x c launch (aliased).
  b.add_partition("A_compute", "A", false, {rpoc, rpoc, c}, [&](const auto& col) {
    return Rect{tr(col[0]), tr(col[1])};
  });
  b.add_partition("B_compute", "B", false, {rpoc, rpoc, c}, [&](const auto& col) {
    return Rect{tr(col[0]), layer(col[2])};
  });
  b.add_partition("C_compute", "C", false, {rpoc, rpoc, c}, [&](const auto& col) {
    return Rect{layer(col[2]), tr(col[1])};
  });
  // task_5's chunks of its layer: B (row tile, layer, chunk), C (layer, chunk, column tile).
  b.add_partition("B_chunk", "B", true, {rpoc, c, rpoc3}, [&](const auto& col) {
    return Rect{tr(col[0]), tile(layer(col[1]), kc, col[2])};
  });
  b.add_partition("C_chunk", "C", true, {c, rpoc3, rpoc}, [&](const auto& col) {
    return Rect{tile(layer(col[0]), kc, col[1]), tr(col[2])};
  });

  CommonTasks common = add_common_tasks(b, "A_place");
  // task_1 is launched WRITE_ONLY (placement) and READ_ONLY (the fold of A): the fold launch
  // carries its own args.
  TaskId t1 = b.add_task("task_1", {ProcKind::GPU}, {arg("A_place", "A", P::Write)});
  TaskId t2 = b.add_task("task_2", {ProcKind::GPU}, {arg("B_place", "B", P::Write)});
  TaskId t3 = b.add_task("task_3", {ProcKind::GPU}, {arg("C_place", "C", P::Write)});
  TaskId t4 = b.add_task("task_4", {gemm_variant()},
                         {arg("A_compute", "A", P::Reduce), arg("B_chunk", "B", P::Read),
                          arg("C_chunk", "C", P::Read)});
  Variant inner(ProcKind::GPU);
  inner.inner = true;
  TaskId t5 = b.add_task("task_5", {inner},
                         {arg("A_compute", "A", P::Reduce), arg("B_compute", "B", P::Read),
                          arg("C_compute", "C", P::Read)});

  const std::vector<std::string> vars{"in", "jn", "kn"};
  const std::vector<ProjectionDim> ijk{proj({var("in")}), proj({var("jn")}), proj({var("kn")})};
  // The Cannon shift inside a layer: chunk (in + jn + k1s) mod rpoc3 at step k1s.
  const ProjectionDim s = proj({var("in"), var("jn"), var("k1s")});
  std::size_t init = add_init_cublas(b, common.init_cublas, machine);
  // The placements wait (fm.wait_all_results()).
  auto placed = [](Launch l) {
    l.wait = true;
    return l;
  };
  std::size_t place_a = b.add_launch(
      placed(index_launch(t1, {rpoc, rpoc, 1}, vars, {req("A", "A_place", ijk, P::Write)})));
  std::size_t place_b = b.add_launch(
      placed(index_launch(t2, {rpoc, rpoc, 1}, vars, {req("B", "B_place", ijk, P::Write)})));
  std::size_t place_c = b.add_launch(
      placed(index_launch(t3, {rpoc, rpoc, 1}, vars, {req("C", "C_place", ijk, P::Write)})));
  std::size_t l5 = b.add_launch(
      index_launch(t5, {rpoc, rpoc, c}, vars,
                   {req("A", "A_compute", ijk, P::Reduce), req("B", "B_compute", ijk, P::Read),
                    req("C", "C_compute", ijk, P::Read)}));
  // cublasDgemm(m = C chunk columns r, n = B chunk rows r, k = chunk depth kc).
  const double gemm_flops =
      2.0 * static_cast<double>(r) * static_cast<double>(r) * static_cast<double>(kc);
  std::vector<Requirement> gemm_reqs = {req("A", "A_compute", ijk, P::Reduce),
                                        req("B", "B_chunk", {ijk[0], ijk[2], s}, P::Read),
                                        req("C", "C_chunk", {ijk[2], s, ijk[1]}, P::Read)};
  gemm_access(gemm_reqs, r, r);
  std::size_t l4 = b.add_launch(single_launch(t4, l5, std::move(gemm_reqs), gemm_flops));
  Launch fold_launch = index_launch(t1, {rpoc, rpoc, 1}, vars, {req("A", "A_place", ijk, P::Read)});
  fold_launch.args = {arg("A_place", "A", P::Read)};
  fold_launch.wait = true;  // placeLegionA(..., READ_ONLY) waits: the end of the timed region
  std::size_t fold = b.add_launch(std::move(fold_launch));
  App& app = b.app();
  app.launches[l5].body = {loop("k1s", rpoc3, {launch_step(l4)})};
  // main.cpp: 11 iterations, the first a warm-up; each times computeLegion and the fold.
  Step timed = loop("i", iters + 1,
                    {launch_step(place_a), launch_step(place_b), launch_step(place_c),
                     launch_step(l5), launch_step(fold)});
  timed.timed = true;
  timed.warmup = 1;
  timed.timed_from = 3;
  app.program = {launch_step(init), std::move(timed)};
  return b.finish();
}

}  // namespace mapsmith::app::gen
