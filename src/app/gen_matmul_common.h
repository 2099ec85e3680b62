#pragma once
/// What the six DISTAL matrix-multiply models share (gen_cannon.cpp ... gen_cosma.cpp): DISTAL's
/// block tiling, the matrices A (output), B and C whose atoms are the finest common grid of their
/// partitions, the tasks every `-cuda` program registers, the grid tables of the authors' run
/// script, and the two program shapes (the 2-D hierarchical Cannon/SUMMA/PUMMA family and the flat
/// 3-D Johnson/COSMA family). The sources are digested in shared/design/apps-matmul.md.
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "app/generators.h"

namespace mapsmith::app::gen::matmul {

/// The real programs: Anjiang-Wei/taco, branch distal-pldi-2022.
inline constexpr const char* kRepository =
    "Anjiang-Wei/taco@46ac234161eb55177d70dfdf643516dd0b588b07";

/// Fraction of a GPU's FP64 peak that the leaf cuBLAS DGEMM reaches (an estimate; see
/// docs/apps.md (cannon) "Cost constants").
inline constexpr double kGemmEfficiency = 0.9;

/// The output tile of one thread block of a blocked GEMM kernel, rows and columns: CUTLASS's
/// default SIMT configuration for FP64 on sm_60 (include/cutlass/gemm/device/
/// default_gemm_configuration.h, DefaultGemmConfiguration<OpClassSimt, ...>: 128 x 128 x 8).
/// cuBLAS's own kernels are not public; CUTLASS is NVIDIA's reference for them.
inline constexpr std::int64_t kGemmTile = 128;

/// The GEMM's requirements on A (rows x cols, read and written once), B (rows x k) and C
/// (k x cols) with their declared access: every thread block streams a panel of B and one of C,
/// so B is read once per tile column of A (cols / tile passes) and C once per tile row
/// (rows / tile passes). Sets the access of `reqs` [a, b, c] in place.
void gemm_access(std::vector<Requirement>& reqs, std::int64_t rows, std::int64_t cols);

std::int64_t ceil_div(std::int64_t a, std::int64_t b);

/// A half-open interval of rows or columns.
struct Span {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  bool empty() const { return hi <= lo; }
  std::int64_t size() const { return empty() ? 0 : hi - lo; }
};

/// DISTAL's block tiling: tile `t` of block size `block` inside `parent` covers
/// [parent.lo + t·block, min(parent.lo + (t+1)·block, parent.hi)), empty when its start is past the
/// parent's end.
Span tile(Span parent, std::int64_t block, std::int64_t t);

struct Rect {
  Span rows;
  Span cols;
};

/// Builds one model: regions, partitions given by their pieces' rectangles, tasks, launches.
/// `finish` cuts every matrix into atoms (the grid of every row and column boundary of its
/// partitions) and lists each piece's atoms.
class Builder {
 public:
  explicit Builder(std::string name);

  /// A, B and C: n × n, one 8-byte field "vals" (FID_VAL, named by allocate_tensor_fields).
  void add_matrices(std::int64_t n);
  /// A partition of `region` over `colors` (first dimension fastest); `piece(color)` is the
  /// rectangle of each piece. Throws InputError naming the parameters when a piece is empty.
  void add_partition(std::string name, std::string region, bool disjoint,
                     std::vector<std::int64_t> colors,
                     const std::function<Rect(const std::vector<std::int64_t>&)>& piece);
  TaskId add_task(std::string name, std::vector<Variant> variants, std::vector<RegionArg> args);
  std::size_t add_launch(Launch launch);
  void set_params(std::vector<std::pair<std::string, std::int64_t>> params);
  App& app() { return app_; }
  App finish();

 private:
  App app_;
  std::vector<std::vector<Rect>> rects_;  // per partition, per piece
};

// ---- Small constructors that keep the generators readable. ----

RegionArg arg(std::string partition, std::string root, Privilege p);
Term var(std::string name, std::int64_t coef = 1);
ProjectionDim proj(std::vector<Term> terms, std::int64_t offset = 0);
Requirement req(std::string region, std::string partition, std::vector<ProjectionDim> projection,
                Privilege p);
Launch index_launch(TaskId task, std::vector<std::int64_t> domain,
                    std::vector<std::string> point_vars, std::vector<Requirement> reqs,
                    double flops = 0);
Launch single_launch(TaskId task, std::size_t parent, std::vector<Requirement> reqs,
                     double flops = 0);
Step launch_step(std::size_t launch);
Step loop(std::string var, std::int64_t count, std::vector<Step> body);

/// The leaf GEMM task_4: a GPU variant only, which needs row-major (C_order) instances.
Variant gemm_variant();
/// `top_level` (LOC and OMP variants), `init_cublas` (GPU), `taco_fill` and `taco_validate` (CPU,
/// OMP and GPU), registered by every program; the fill and validate arguments answer to A and
/// the partition `place_a` (see docs/apps.md (cannon) on why one name).
struct CommonTasks {
  TaskId top = 0;
  TaskId init_cublas = 0;
  TaskId fill = 0;
  TaskId validate = 0;
};
CommonTasks add_common_tasks(Builder& b, const std::string& place_a);

/// The 1-D index launch of init_cublas over every GPU of the machine (at least one point).
std::size_t add_init_cublas(Builder& b, TaskId init_cublas, const machine::Machine& m);

// ---- Parameters. ----

std::int64_t total_gpus(const machine::Machine& m);
/// 10000·√nodes rounded down to even (the run script's weak scaling, from a one-node size of
/// 10000 as in the paper's `--size 10000`).
std::int64_t default_size(const machine::Machine& m);
/// The value of `name`, or `fallback` when absent or 0 (0 means "derived from the machine");
/// InputError when it exceeds `max`.
std::int64_t param_or(const Params& p, std::string_view app, std::string_view name,
                      std::int64_t fallback, std::int64_t max);
/// `iterations`: the timed iterations, at least 1, at most 1000 (default 10, as the real programs).
std::int64_t iterations(const Params& p, std::string_view app);
ParamInfo size_param();
ParamInfo iterations_param(std::string_view real_loop);

/// benchmark_lassen.py's getgx: √procs for a perfect square, else nearestSquare(procs / 2).
std::int64_t getgx(std::int64_t procs);
/// The run script's table of Johnson's gdim by total GPU count; counts between entries take the
/// entry below, fewer than 4 GPUs take 1.
std::int64_t johnson_gdim(std::int64_t gpus);
/// The run script's (rpoc, c, rpoc3) by total GPU count, likewise; fewer than 4 GPUs: (1, 1, 1).
std::tuple<std::int64_t, std::int64_t, std::int64_t> solomonik_grid(std::int64_t gpus);
/// The run script's COSMA (gx, gy, gz) by total GPU count, likewise; 1 GPU: (1, 1, 1).
std::tuple<std::int64_t, std::int64_t, std::int64_t> cosma_grid(std::int64_t gpus);

// ---- The two program shapes. ----

/// How the 2-D hierarchical programs pick the k block: Cannon shifts by (in+jn) at both levels,
/// PUMMA by in at the node level only, SUMMA not at all.
enum class Shift { Cannon, Summa, Pumma };
App hierarchical_2d(std::string name, Shift shift, const Params& params,
                    const machine::Machine& machine);
std::vector<ParamInfo> hierarchical_2d_params(std::string_view grid_rule);

/// Johnson (gx = gy = gz = gdim) and COSMA: one flat 3-D launch of GEMMs reducing into A.
App flat_3d(std::string name, std::int64_t n, std::int64_t gx, std::int64_t gy, std::int64_t gz,
            std::int64_t iterations, std::vector<std::pair<std::string, std::int64_t>> params,
            const machine::Machine& machine);

}  // namespace mapsmith::app::gen::matmul
