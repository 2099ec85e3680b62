#include "codegen/support.h"

#include <map>
#include <vector>

namespace mapsmith::codegen {

namespace {

// Each piece is C++17 that compiles without warnings under -Wall -Wextra. Pieces are emitted in
// the order of this table, so a piece only uses pieces above it. (The raw strings use the
// delimiter "code", which clang-format leaves alone: it reformats "cpp" ones as C++.)
struct Piece {
  const char* name;
  std::vector<const char*> deps;
  const char* text;
};

// clang-format off
const std::vector<Piece>& pieces() {
  static const std::vector<Piece> table = {
      {"fail", {}, R"code(/// Stops the program: a mapping function did something the mapping language reports as an
/// error (an index out of range, a transformation that does not fit).
[[noreturn]] inline void fail(const std::string& message) {
  std::fprintf(stderr, "mapsmith mapper: %s\n", message.c_str());
  std::abort();
}
)code"},
      {"statement", {}, R"code(/// A statement of the program, for the message of a mapper that stops: its place and its text.
struct Statement {
  const char* place;  // FILE:LINE:COL
  const char* text;
};
/// "FILE:LINE:COL: error: MESSAGE" and the statement under it, as mapsmith check prints one.
inline std::string located(const Statement& s, const std::string& message) {
  return std::string(s.place) + ": error: " + message + "\n  " + s.text;
}
)code"},
      {"tuple", {}, R"code(/// The mapping language's tuples (IPoint, ISpace, extents).
using Tuple = std::vector<coord_t>;
)code"},
      {"floor", {}, R"code(/// Division and remainder that round down, as the mapping language's / and % do.
inline coord_t floor_div(coord_t a, coord_t b) {
  const coord_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
inline coord_t floor_mod(coord_t a, coord_t b) {
  const coord_t r = a % b;
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}
)code"},
      {"tuple_ops", {"floor", "fail"}, R"code(/// Element-wise arithmetic on tuples of equal length.
template <typename Op>
Tuple elementwise(const Tuple& a, const Tuple& b, Op op) {
  if (a.size() != b.size()) fail("arithmetic on tuples of different lengths");
  Tuple out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = op(a[i], b[i]);
  return out;
}
inline Tuple operator+(const Tuple& a, const Tuple& b) {
  return elementwise(a, b, [](coord_t x, coord_t y) { return x + y; });
}
inline Tuple operator-(const Tuple& a, const Tuple& b) {
  return elementwise(a, b, [](coord_t x, coord_t y) { return x - y; });
}
inline Tuple operator*(const Tuple& a, const Tuple& b) {
  return elementwise(a, b, [](coord_t x, coord_t y) { return x * y; });
}
inline Tuple operator/(const Tuple& a, const Tuple& b) { return elementwise(a, b, floor_div); }
inline Tuple operator%(const Tuple& a, const Tuple& b) { return elementwise(a, b, floor_mod); }
inline Tuple operator-(Tuple a) {
  for (coord_t& x : a) x = -x;
  return a;
}
)code"},
      {"slice", {}, R"code(/// t[lo:hi] with Python's rules: negative bounds count from the end, bounds are clamped.
constexpr coord_t kEnd = std::numeric_limits<coord_t>::max();
inline Tuple slice(const Tuple& t, coord_t lo, coord_t hi = kEnd) {
  const coord_t n = static_cast<coord_t>(t.size());
  auto bound = [n](coord_t x) { return std::clamp<coord_t>(x < 0 ? x + n : x, 0, n); };
  lo = bound(lo);
  hi = std::max(lo, bound(hi));
  return Tuple(t.begin() + lo, t.begin() + hi);
}
)code"},
      {"cat", {}, R"code(/// The tuples one after the other: (*a, *b).
inline Tuple cat(std::initializer_list<Tuple> parts) {
  Tuple out;
  for (const Tuple& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
)code"},
      {"volume", {}, R"code(/// The product of the extents.
inline coord_t volume(const Tuple& t) {
  coord_t v = 1;
  for (coord_t x : t) v *= x;
  return v;
}
)code"},
      {"len", {}, R"code(inline coord_t len(const Tuple& t) { return static_cast<coord_t>(t.size()); }
)code"},
      {"map_tuple", {}, R"code(/// tuple(f(x) for x in t).
template <typename F>
Tuple map_tuple(const Tuple& t, F f) {
  Tuple out;
  for (coord_t x : t) out.push_back(f(x));
  return out;
}
)code"},
      {"text", {}, R"code(/// How values print, as the mapping language writes them.
inline std::string text(coord_t v) { return std::to_string(v); }
inline std::string text(int v) { return std::to_string(v); }
inline std::string text(bool v) { return v ? "True" : "False"; }
inline std::string text(const Tuple& t) {
  std::string out = "(";
  for (size_t i = 0; i < t.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(t[i]);
  return out + (t.size() == 1 ? ",)" : ")");
}
inline std::string text(Processor::Kind kind) {
  switch (kind) {
    case Processor::LOC_PROC: return "CPU";
    case Processor::TOC_PROC: return "GPU";
    case Processor::OMP_PROC: return "OMP";
    case Processor::IO_PROC: return "IO";
    case Processor::PY_PROC: return "PY";
    case Processor::PROC_SET: return "PROC";
    case Processor::UTIL_PROC: return "UTIL";
    default: return "?";
  }
}
inline std::string text(Memory::Kind kind) {
  switch (kind) {
    case Memory::SYSTEM_MEM: return "SYSMEM";
    case Memory::GPU_FB_MEM: return "FBMEM";
    case Memory::Z_COPY_MEM: return "ZCMEM";
    case Memory::REGDMA_MEM: return "RDMEM";
    case Memory::SOCKET_MEM: return "SOCKMEM";
    case Memory::NO_MEMKIND: return "VIRTUAL";
    default: return "?";
  }
}
)code"},
      {"at", {"fail", "text"}, R"code(/// t[i], where a negative i counts from the end; `where` is the index's place in the program.
inline coord_t at(const Tuple& t, coord_t i, const char* where) {
  const coord_t n = static_cast<coord_t>(t.size());
  const coord_t j = i < 0 ? i + n : i;
  if (j < 0 || j >= n)
    fail(std::string(where) + ": error: index " + std::to_string(i) +
         " is out of range for the tuple " + text(t) + " of length " + std::to_string(n));
  return t[static_cast<size_t>(j)];
}
)code"},
      {"factors", {}, R"code(/// Exact products for comparing the costs of splits.
__extension__ typedef __int128 Wide;

/// The prime factors of n, smallest first.
inline Tuple prime_factors(coord_t n) {
  Tuple out;
  for (coord_t p = 2; p * p <= n; ++p) {
    while (n % p == 0) {
      out.push_back(p);
      n /= p;
    }
  }
  if (n > 1) out.push_back(n);
  return out;
}
)code"},
      {"balance_factors", {"factors"}, R"code(/// balance_split's extents (dsl.md section 4): each prime factor of n, smallest first, multiplies
/// the smallest extent so far; then the extents are sorted largest first.
inline Tuple balance_split_factors(coord_t n, coord_t k) {
  Tuple f(static_cast<size_t>(k), 1);
  for (coord_t p : prime_factors(n)) *std::min_element(f.begin(), f.end()) *= p;
  std::sort(f.begin(), f.end(), std::greater<coord_t>());
  return f;
}
)code"},
      {"greedy_factors", {"factors"}, R"code(/// greedy_split's extents, Legion's default-mapper heuristic: each prime factor of n, largest
/// first, multiplies the extent i with the largest launch[i] / extent[i] (the first on ties).
inline Tuple greedy_split_factors(coord_t n, const Tuple& launch) {
  Tuple f(launch.size(), 1);
  const Tuple primes = prime_factors(n);
  for (auto p = primes.rbegin(); p != primes.rend(); ++p) {
    size_t best = 0;
    for (size_t i = 1; i < launch.size(); ++i)
      if (Wide(launch[i]) * f[best] > Wide(launch[best]) * f[i]) best = i;
    f[best] *= *p;
  }
  return f;
}
)code"},
      {"auto_factors", {"greedy_factors"}, R"code(/// auto_split's extents: the extents n_i with product n that minimise sum n_i / launch[i]. Ties go
/// to greedy_split's extents, else to the first in the published order (the primes of n largest
/// first, each spread over the dimensions with dimension 0's exponent ascending).
inline Tuple auto_split_factors(coord_t n, const Tuple& launch) {
  // sum n_i / L_i, scaled by D = prod L to stay exact: sum n_i * (D / L_i).
  Wide D = 1;
  for (coord_t l : launch) D *= l;
  auto cost = [&](const Tuple& f) {
    Wide c = 0;
    for (size_t i = 0; i < f.size(); ++i) c += Wide(f[i]) * (D / launch[i]);
    return c;
  };
  std::vector<std::pair<coord_t, int>> powers;  // (prime, exponent), largest prime first
  for (coord_t p : prime_factors(n)) {
    if (!powers.empty() && powers.back().first == p)
      ++powers.back().second;
    else
      powers.emplace_back(p, 1);
  }
  std::reverse(powers.begin(), powers.end());
  Tuple current(launch.size(), 1);
  Tuple best;
  Wide best_cost = 0;
  std::function<void(size_t, size_t, int)> place = [&](size_t pi, size_t dim, int left) {
    if (pi == powers.size()) {
      const Wide c = cost(current);
      if (best.empty() || c < best_cost) {
        best = current;
        best_cost = c;
      }
      return;
    }
    const coord_t p = powers[pi].first;
    if (dim + 1 == current.size()) {  // the last dimension takes what is left
      coord_t power = 1;
      for (int i = 0; i < left; ++i) power *= p;
      current[dim] *= power;
      place(pi + 1, 0, pi + 1 < powers.size() ? powers[pi + 1].second : 0);
      current[dim] /= power;
      return;
    }
    const coord_t saved = current[dim];
    for (int e = 0; e <= left; ++e) {
      place(pi, dim + 1, left - e);
      current[dim] *= p;
    }
    current[dim] = saved;
  };
  if (powers.empty()) return current;
  place(0, 0, powers[0].second);
  const Tuple greedy = greedy_split_factors(n, launch);
  return cost(greedy) == cost(best) ? greedy : best;
}
)code"},
      {"mspace", {"fail", "text"}, nullptr},  // assembled by mspace_code()
      {"text_space", {}, R"code(inline std::string text(const MSpace& m) { return "machine space of size " + text(m.size()); }
)code"},
      {"mapped_task", {}, R"code(/// What a mapping function sees of a task (dsl.md section 3): its point and the extents of its
/// launch, both counted from the launch domain's lower corner, the processor it runs on (once
/// known), and the Legion task.
struct MappedTask {
  Tuple ipoint;
  Tuple ispace;
  Processor processor = Processor::NO_PROC;
  const Task* legion = nullptr;  // null in a sharding functor, which sees only the point
};

/// The view of point `point` of an index launch over `domain` (a single task: empty ones).
inline MappedTask view_of(const Task* task, const DomainPoint& point, const Domain& domain) {
  MappedTask view;
  view.legion = task;
  for (int d = 0; d < domain.get_dim(); ++d) {
    view.ipoint.push_back(point[d] - domain.lo()[d]);
    view.ispace.push_back(domain.hi()[d] - domain.lo()[d] + 1);
  }
  return view;
}
)code"},
      {"text_task", {}, R"code(inline std::string text(const MappedTask& t) {
  return std::string("task ") + (t.legion != nullptr ? t.legion->get_task_name() : "?");
}
)code"},
      {"virtual", {}, R"code(/// VIRTUAL in a Region statement: the region is mapped virtually (no instance).
constexpr Memory::Kind kVirtual = Memory::NO_MEMKIND;
)code"},
      {"constraint_text", {}, R"code(/// A kind of layout constraint as a message names it.
inline const char* constraint_text(LayoutConstraintKind kind) {
  switch (kind) {
    case LEGION_SPECIALIZED_CONSTRAINT: return "specialized (Compact, Exact)";
    case LEGION_MEMORY_CONSTRAINT: return "memory";
    case LEGION_FIELD_CONSTRAINT: return "field";
    case LEGION_ORDERING_CONSTRAINT: return "ordering (SOA, AOS, C_order, F_order)";
    case LEGION_TILING_CONSTRAINT: return "tiling";
    case LEGION_DIMENSION_CONSTRAINT: return "dimension";
    case LEGION_ALIGNMENT_CONSTRAINT: return "alignment (Align)";
    case LEGION_OFFSET_CONSTRAINT: return "offset";
    case LEGION_POINTER_CONSTRAINT: return "pointer";
    case LEGION_PADDING_CONSTRAINT: return "padding";
    default: return "layout";
  }
}
)code"},
      {"in_flight", {}, R"code(/// InstanceLimit's count, kept as the published DSL mapper keeps it: the limited tasks mapped and
/// not finished per originating processor (the processor of the task that launched them), for
/// all the mappers of this process, and the mapper events that select_tasks_to_map calls
/// deferred by a full count wait on.
struct InFlight {
  std::mutex lock;
  std::map<Processor, std::vector<UniqueID>> mapped;
  std::map<Processor, std::vector<MapperEvent>> waiting;
};
inline InFlight& in_flight() {
  static InFlight state;
  return state;
}
)code"},
      {"region_arg", {"statement"}, R"code(/// What the Region statements say for a region argument: the memory kinds in order of
/// preference and the statement that decided; no kinds: none applies.
struct MemoryChoice {
  const Statement* statement = nullptr;
  std::vector<Memory::Kind> kinds;
};

/// A region argument as the statements see it: its index among the task's region requirements
/// and the names it answers to (of its region, of the partition it came from, of its root).
struct RegionArg {
  unsigned index = 0;
  std::vector<std::string> names;
  bool is(const char* name) const {
    return std::find(names.begin(), names.end(), name) != names.end();
  }
};
)code"},
      {"layout", {"statement"}, R"code(/// The layout of an instance (dsl.md section 2, Layout); by default SOA, F_order, no alignment.
class Layout {
 public:
  Layout& soa() { return set(soa_, true); }
  Layout& aos() { return set(soa_, false); }
  Layout& c_order() { return set(c_order_, true); }
  Layout& f_order() { return set(c_order_, false); }
  Layout& compact() { return set(compact_, true); }
  Layout& exact() { return set(exact_, true); }
  Layout& no_align() {
    align_ = 0;
    return *this;
  }
  Layout& align(EqualityKind kind, size_t bytes) {
    align_kind_ = kind;
    align_ = bytes;
    return *this;
  }
  bool is_exact() const { return exact_; }
  /// The Layout statement that decided; null: the default layout.
  const Statement* statement() const { return statement_; }
  Layout& decided_by(const Statement* statement) {
    statement_ = statement;
    return *this;
  }

  /// The constraints of an instance of `req`, with `dims` dimensions, in a memory of `kind`.
  LayoutConstraintSet constraints(const RegionRequirement& req, int dims, Memory::Kind kind) const {
    LayoutConstraintSet out;
    if (req.privilege == LEGION_REDUCE)
      out.add_constraint(SpecializedConstraint(LEGION_AFFINE_REDUCTION_SPECIALIZE, req.redop));
    else if (compact_)
      out.add_constraint(SpecializedConstraint(LEGION_COMPACT_SPECIALIZE, 0, false, exact_));
    else
      out.add_constraint(SpecializedConstraint(LEGION_AFFINE_SPECIALIZE, 0, false, exact_));
    out.add_constraint(MemoryConstraint(kind));
    const std::vector<FieldID> fields(req.privilege_fields.begin(), req.privilege_fields.end());
    out.add_constraint(FieldConstraint(fields, false /*contiguous*/, false /*inorder*/));
    // The first dimension listed varies fastest: x first is F_order, x last is C_order; the
    // fields last is SOA, first is AOS.
    std::vector<DimensionKind> order;
    for (int d = 0; d < dims; ++d)
      order.push_back(static_cast<DimensionKind>(LEGION_DIM_X + (c_order_ ? dims - 1 - d : d)));
    order.insert(soa_ ? order.end() : order.begin(), LEGION_DIM_F);
    out.add_constraint(OrderingConstraint(order, false /*contiguous*/));
    if (align_ > 0)
      for (FieldID f : fields) out.add_constraint(AlignmentConstraint(f, align_kind_, align_));
    return out;
  }

 private:
  Layout& set(bool& flag, bool value) {
    flag = value;
    return *this;
  }
  bool soa_ = true;
  bool c_order_ = false;
  bool compact_ = false;
  bool exact_ = false;
  EqualityKind align_kind_ = LEGION_EQ_EK;
  size_t align_ = 0;  // 0: no alignment constraint
  const Statement* statement_ = nullptr;
};
)code"},
  };
  return table;
}

// The machine space class, with only the transformations the program uses.
std::string mspace_code(const std::set<std::string>& needs) {
  auto has = [&](const char* n) { return needs.count(n) > 0; };
  const bool factored = has("space.balance_split") || has("space.auto_split") ||
                        has("space.decompose") || has("space.greedy_split");
  std::string out = R"code(/// A machine space (dsl.md sections 3 and 4): its extents, and how each full index names a
/// processor of Machine(KIND) = (node, processor of KIND on that node). A transformation returns
/// a new space whose indices it maps to indices of the space it started from.
class MSpace {
 public:
)code";
  if (has("any")) out += R"code(  static constexpr coord_t kAny = -1;  // a wildcard index: m[i, *]

)code";
  out += R"code(  MSpace() = default;
  /// Machine(KIND), where `procs[node][i]` is processor i of KIND on `node`.
  MSpace(const std::vector<std::vector<Processor>>* procs, coord_t per_node)
      : procs_(procs), size_{static_cast<coord_t>(procs->size()), per_node} {}

  const Tuple& size() const { return size_; }
  coord_t size(coord_t d) const { return size_.at(static_cast<size_t>(d < 0 ? d + dims() : d)); }
  coord_t dims() const { return static_cast<coord_t>(size_.size()); }
  coord_t volume() const {
    coord_t v = 1;
    for (coord_t s : size_) v *= s;
    return v;
  }

  /// The processor at a full index.
  Processor operator()(const Tuple& index) const {
    bool inside = index.size() == size_.size();
    for (size_t d = 0; inside && d < index.size(); ++d)
      inside = index[d] >= 0 && index[d] < size_[d];
    if (!inside)
      fail("processor index " + text(index) + " is out of range for size " + text(size_));
    const Tuple base = to_base_ ? to_base_(index) : index;
    return (*procs_)[static_cast<size_t>(base[0])][static_cast<size_t>(base[1])];
  }
  template <typename... I>
  Processor operator()(I... index) const {
    return (*this)(Tuple{static_cast<coord_t>(index)...});
  }
)code";
  if (has("any")) out += R"code(
  /// The processor at `index` with its kAny entries dealt out in turn, the last one fastest.
  /// `turn` is atomic: a sharding functor may call the mapping function from another thread.
  Processor any(Tuple index, std::atomic<coord_t>& turn) const {
    if (index.size() != size_.size()) fail("wrong number of indices for size " + text(size_));
    coord_t n = turn++;
    for (size_t d = index.size(); d-- > 0;) {
      if (index[d] == kAny) {
        index[d] = n % size_[d];
        n /= size_[d];
      }
    }
    return (*this)(index);
  }
)code";
  if (has("index_of")) out += R"code(
  /// The first full index (dimension 0 fastest) that names processor `p`.
  Tuple index_of(Processor p) const {
    Tuple index(size_.size(), 0);
    for (coord_t n = 0; n < volume(); ++n) {
      coord_t rest = n;
      for (size_t d = 0; d < size_.size(); ++d) {
        index[d] = rest % size_[d];
        rest /= size_[d];
      }
      if ((*this)(index) == p) return index;
    }
    fail("the processor is not in the machine space of size " + text(size_));
  }
)code";
  if (has("space.merge")) out += R"code(
  /// merge(d1, d2): d1 and d2 become one dimension, at d1 (d1 - 1 when d2 < d1), d2 fastest.
  MSpace merge(coord_t d1, coord_t d2) const {
    const size_t a = dim(d1, "merge"), b = dim(d2, "merge");
    if (a == b) fail("merge: cannot merge a dimension with itself");
    Tuple size;
    for (size_t i = 0; i < size_.size(); ++i) {
      if (i == a)
        size.push_back(size_[a] * size_[b]);
      else if (i != b)
        size.push_back(size_[i]);
    }
    const size_t merged = a < b ? a : a - 1;
    const coord_t inner = size_[b];
    return derive(size, [=](const Tuple& i) {
      Tuple o = i;
      const coord_t v = o[merged];
      o.erase(o.begin() + merged);
      if (a < b) {
        o.insert(o.begin() + a, v / inner);
        o.insert(o.begin() + b, v % inner);
      } else {
        o.insert(o.begin() + b, v % inner);
        o.insert(o.begin() + a, v / inner);
      }
      return o;
    });
  }
)code";
  if (has("space.split")) out += R"code(
  /// split(d, f): dimension d becomes (f, size[d] / f), the first varying fastest.
  MSpace split(coord_t d, coord_t f) const {
    const size_t a = dim(d, "split");
    if (f < 1 || size_[a] % f != 0)
      fail("split: factor " + std::to_string(f) + " does not divide size " +
           std::to_string(size_[a]) + " of dimension " + std::to_string(d));
    Tuple size = size_;
    size[a] = f;
    size.insert(size.begin() + a + 1, size_[a] / f);
    return derive(size, [=](const Tuple& i) {
      Tuple o = i;
      o[a] += o[a + 1] * f;
      o.erase(o.begin() + a + 1);
      return o;
    });
  }
)code";
  if (has("space.swap")) out += R"code(
  /// swap(d1, d2): the two dimensions trade places.
  MSpace swap(coord_t d1, coord_t d2) const {
    const size_t a = dim(d1, "swap"), b = dim(d2, "swap");
    Tuple size = size_;
    std::swap(size[a], size[b]);
    return derive(size, [=](const Tuple& i) {
      Tuple o = i;
      std::swap(o[a], o[b]);
      return o;
    });
  }
)code";
  if (has("space.slice")) out += R"code(
  /// slice(d, lo, hi): dimension d keeps lo..hi, inclusive.
  MSpace slice(coord_t d, coord_t lo, coord_t hi) const {
    const size_t a = dim(d, "slice");
    if (lo < 0 || lo > hi || hi >= size_[a])
      fail("slice: range " + std::to_string(lo) + ".." + std::to_string(hi) +
           " is not inside dimension " + std::to_string(d));
    Tuple size = size_;
    size[a] = hi - lo + 1;
    return derive(size, [=](const Tuple& i) {
      Tuple o = i;
      o[a] += lo;
      return o;
    });
  }
)code";
  if (has("space.reverse")) out += R"code(
  /// reverse(d): dimension d counts down instead of up.
  MSpace reverse(coord_t d) const {
    const size_t a = dim(d, "reverse");
    const coord_t last = size_[a] - 1;
    return derive(size_, [=](const Tuple& i) {
      Tuple o = i;
      o[a] = last - o[a];
      return o;
    });
  }
)code";
  if (has("space.balance_split")) out += R"code(
  /// balance_split(d, k): dimension d becomes k (2 or 3) dimensions of near-equal extents.
  MSpace balance_split(coord_t d, coord_t k) const {
    const size_t a = dim(d, "balance_split");
    if (k != 2 && k != 3) fail("balance_split: the number of parts must be 2 or 3");
    return factor(a, balance_split_factors(size_[a], k));
  }
)code";
  if (has("space.auto_split") || has("space.decompose")) out += R"code(
  /// auto_split(d, launch): dimension d becomes one dimension per launch dimension, shaped so a
  /// block of the launch has the least surface.
  MSpace auto_split(coord_t d, const Tuple& launch) const {
    const size_t a = dim(d, "auto_split");
    check_launch(launch, "auto_split");
    return factor(a, auto_split_factors(size_[a], launch));
  }
)code";
  if (has("space.decompose")) out += R"code(
  /// decompose(d, launch): Mapple's name for auto_split.
  MSpace decompose(coord_t d, const Tuple& launch) const { return auto_split(d, launch); }
)code";
  if (has("space.greedy_split")) out += R"code(
  /// greedy_split(d, launch): like auto_split, with Legion's default-mapper heuristic.
  MSpace greedy_split(coord_t d, const Tuple& launch) const {
    const size_t a = dim(d, "greedy_split");
    check_launch(launch, "greedy_split");
    return factor(a, greedy_split_factors(size_[a], launch));
  }
)code";
  out += R"code(
 private:
  /// A space of extents `size` whose index i is index to_parent(i) of this one.
  MSpace derive(Tuple size, std::function<Tuple(const Tuple&)> to_parent) const {
    MSpace out;
    out.procs_ = procs_;
    out.size_ = std::move(size);
    const std::function<Tuple(const Tuple&)> to_base = to_base_;
    out.to_base_ = [to_base, to_parent](const Tuple& i) {
      return to_base ? to_base(to_parent(i)) : to_parent(i);
    };
    return out;
  }
)code";
  const bool checks_dims = has("space.merge") || has("space.split") || has("space.swap") ||
                           has("space.slice") || has("space.reverse") || factored;
  if (checks_dims) out += R"code(
  size_t dim(coord_t d, const char* what) const {
    if (d < 0 || d >= dims())
      fail(std::string(what) + ": dimension " + std::to_string(d) + " is not in a " +
           std::to_string(dims()) + "-D space");
    return static_cast<size_t>(d);
  }
)code";
  if (has("space.auto_split") || has("space.decompose") || has("space.greedy_split")) out += R"code(
  static void check_launch(const Tuple& launch, const char* what) {
    if (launch.empty()) fail(std::string(what) + ": the launch domain is empty");
    for (coord_t l : launch)
      if (l < 1) fail(std::string(what) + ": launch extents must be positive");
  }
)code";
  if (factored) out += R"code(
  /// Dimension a becomes the dimensions `factors`, the first varying fastest.
  MSpace factor(size_t a, const Tuple& factors) const {
    Tuple size(size_.begin(), size_.begin() + a);
    size.insert(size.end(), factors.begin(), factors.end());
    size.insert(size.end(), size_.begin() + a + 1, size_.end());
    return derive(size, [=](const Tuple& i) {
      Tuple o(i.begin(), i.begin() + a);
      coord_t v = 0, stride = 1;
      for (size_t j = 0; j < factors.size(); ++j) {
        v += i[a + j] * stride;
        stride *= factors[j];
      }
      o.push_back(v);
      o.insert(o.end(), i.begin() + a + factors.size(), i.end());
      return o;
    });
  }
)code";
  out += R"code(
  const std::vector<std::vector<Processor>>* procs_ = nullptr;
  Tuple size_;
  std::function<Tuple(const Tuple&)> to_base_;  // index -> (node, processor); empty: the identity
};
)code";
  return out;
}
// clang-format on

}  // namespace

std::set<std::string> with_dependencies(std::set<std::string> needs) {
  if (needs.count("space.balance_split")) needs.insert("balance_factors");
  if (needs.count("space.greedy_split")) needs.insert("greedy_factors");
  if (needs.count("space.auto_split") || needs.count("space.decompose"))
    needs.insert("auto_factors");
  if (needs.count("mspace") && needs.count("text")) needs.insert("text_space");
  if (needs.count("text")) needs.insert("text_task");
  bool changed = true;
  while (changed) {
    changed = false;
    for (const Piece& p : pieces()) {
      if (!needs.count(p.name)) continue;
      for (const char* d : p.deps)
        changed = needs.insert(d).second || changed;
    }
  }
  return needs;
}

std::string support_code(const std::set<std::string>& needs) {
  std::string out;
  for (const Piece& p : pieces()) {
    if (!needs.count(p.name)) continue;
    if (!out.empty()) out += "\n";
    out += p.text ? std::string(p.text) : mspace_code(needs);
  }
  // A piece comes whole, and a program may use only some overloads of a function in it (text()
  // of an int, not of a bool): clang warns about unused functions in an anonymous namespace.
  std::string marked;
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t nl = out.find('\n', at);
    nl = nl == std::string::npos ? out.size() : nl + 1;
    std::string_view line(out.data() + at, nl - at);
    if (line.rfind("inline ", 0) == 0)
      marked += "[[maybe_unused]] ";
    else if (line.rfind("[[noreturn]] inline ", 0) == 0)
      marked += "[[maybe_unused]] ";
    marked += line;
    at = nl;
  }
  return marked;
}

}  // namespace mapsmith::codegen
