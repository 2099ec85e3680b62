#include "machine/space.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "util/error.h"

namespace mapsmith::machine {

/// One link of a space's chain: the space itself (kind, extents) and how its indices map to the
/// previous space's (`prev` is null for a base space).
struct Space::Node {
  enum class Op : std::uint8_t { kBase, kMerge, kSplit, kSwap, kSlice, kReverse, kFactor };
  ProcKind kind = ProcKind::CPU;
  std::vector<std::int64_t> size;
  std::int64_t volume = 0;
  Op op = Op::kBase;
  int a = 0;           // the dimension argument (d or d1)
  int b = 0;           // d2 of merge and swap
  std::int64_t x = 0;  // merge: old size[d2]; split: f; slice: lo; reverse: old size[d] - 1
  std::vector<std::int64_t> strides;  // kFactor: 1, f0, f0*f1, ... (one per new dimension)
  std::string call;                   // "Machine(GPU)" or ".split(0, 2)"
  std::shared_ptr<const Node> prev;
};

namespace {

using Op = Space::Node::Op;

using Int128 = __int128;

/// Prime factors of n >= 1, smallest first, with multiplicity. n <= 2^31, so trial division
/// needs at most ~46000 steps.
std::vector<std::int64_t> prime_factors(std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t p = 2; p * p <= n; ++p) {
    while (n % p == 0) {
      out.push_back(p);
      n /= p;
    }
  }
  if (n > 1) out.push_back(n);
  return out;
}

std::string tuple_text(std::span<const std::int64_t> t) {
  if (t.size() == 1) return fmt::format("({},)", t[0]);
  return fmt::format("({})", fmt::join(t, ", "));
}

bool valid_domain(std::span<const std::int64_t> L) {
  return !L.empty() && std::all_of(L.begin(), L.end(), [](std::int64_t l) { return l > 0; });
}

/// Whether L_a/O_a > L_b/O_b, exactly (L < 2^63 and O <= 2^31, so the products fit in 128 bits).
bool ratio_greater(std::int64_t La, std::int64_t Oa, std::int64_t Lb, std::int64_t Ob) {
  return Int128{La} * Ob > Int128{Lb} * Oa;
}

/// The product of L, or nullopt when it does not fit in an int64.
std::optional<std::int64_t> domain_product(std::span<const std::int64_t> L) {
  std::int64_t prod = 1;
  for (std::int64_t l : L)
    if (__builtin_mul_overflow(prod, l, &prod)) return std::nullopt;
  return prod;
}

struct PrimePower {
  std::int64_t prime;
  int exponent;
};

/// Distinct primes of O with their exponents, largest prime first (the enumeration's outer loop).
std::vector<PrimePower> prime_powers_largest_first(std::int64_t O) {
  std::vector<PrimePower> out;
  for (std::int64_t p : prime_factors(O)) {
    if (!out.empty() && out.back().prime == p)
      ++out.back().exponent;
    else
      out.push_back({p, 1});
  }
  std::reverse(out.begin(), out.end());
  return out;
}

/// How many factorisations auto_split enumerates: prod over primes of C(a + k - 1, k - 1),
/// saturating at kMaxAutoSplitCandidates + 1.
std::int64_t candidate_count(const std::vector<PrimePower>& powers, std::int64_t k) {
  const std::int64_t cap = kMaxAutoSplitCandidates + 1;
  std::int64_t total = 1;
  for (const PrimePower& pp : powers) {
    // C(a + k - 1, a) built as a product of exact binomials C(k - 1 + i, i), i = 1..a.
    std::int64_t c = 1;
    for (std::int64_t i = 1; i <= pp.exponent; ++i) {
      c = c * (k - 1 + i) / i;  // exact: c * (k-1+i) = C(k-1+i, i) * i; a <= 31, k <= 16
      if (c >= cap) return cap;
    }
    total = static_cast<std::int64_t>(std::min<Int128>(Int128{total} * c, cap));
  }
  return total;
}

/// The exact objective sum O_i/L_i scaled by D = prod L: sum O_i * (D / L_i).
Int128 scaled_cost(std::span<const std::int64_t> O, std::span<const std::int64_t> W) {
  Int128 sum = 0;
  for (std::size_t i = 0; i < O.size(); ++i)
    sum += Int128{O[i]} * W[i];
  return sum;
}

/// Walks every factorisation in the published order: for each prime, largest first, every way to
/// spread p^a over the dims, giving dim 0 exponent 0, 1, ..., a and the rest to the later dims the
/// same way. Keeps the first one of least cost.
class Enumerator {
 public:
  Enumerator(std::vector<PrimePower> powers, std::vector<std::int64_t> weights)
      : powers_(std::move(powers)), w_(std::move(weights)), cur_(w_.size(), 1) {}

  std::vector<std::int64_t> run() {
    if (powers_.empty()) return cur_;
    place(0, 0, powers_[0].exponent);
    return best_;
  }

 private:
  void place(std::size_t pi, std::size_t dim, int remaining) {
    if (pi == powers_.size()) {
      Int128 cost = scaled_cost(cur_, w_);
      if (best_.empty() || cost < best_cost_) {
        best_cost_ = cost;
        best_ = cur_;
      }
      return;
    }
    const std::int64_t p = powers_[pi].prime;
    if (dim + 1 == cur_.size()) {
      std::int64_t pow = 1;
      for (int i = 0; i < remaining; ++i)
        pow *= p;
      cur_[dim] *= pow;
      if (pi + 1 < powers_.size())
        place(pi + 1, 0, powers_[pi + 1].exponent);
      else
        place(pi + 1, 0, 0);
      cur_[dim] /= pow;
      return;
    }
    const std::int64_t saved = cur_[dim];
    for (int e = 0; e <= remaining; ++e) {
      place(pi, dim + 1, remaining - e);
      cur_[dim] *= p;
    }
    cur_[dim] = saved;
  }

  std::vector<PrimePower> powers_;
  std::vector<std::int64_t> w_;
  std::vector<std::int64_t> cur_;
  std::vector<std::int64_t> best_;
  Int128 best_cost_ = 0;
};

std::string dim_error(const char* name, std::int64_t d, std::size_t n) {
  std::string msg = fmt::format("{}: dimension {} out of range for a {}-D space", name, d, n);
  if (d < 0) msg += " (dimensions count from 0; negative ones are not allowed)";
  return msg;
}

}  // namespace

namespace {

/// Checks the dimension argument `d` of `name` against `n` dims; on success stores it in `out`.
bool check_dim(const char* name, std::int64_t d, std::size_t n, int& out, std::string& why) {
  if (d < 0 || d >= static_cast<std::int64_t>(n)) {
    why = dim_error(name, d, n);
    return false;
  }
  out = static_cast<int>(d);
  return true;
}

bool check_result_dims(const char* name, std::size_t n, std::string& why) {
  if (n <= kMaxSpaceDims) return true;
  why = fmt::format("{}: the result would have {} dimensions; at most {} are supported", name, n,
                    kMaxSpaceDims);
  return false;
}

/// A new link after `prev` with the same kind and volume (callers adjust what differs).
std::shared_ptr<Space::Node> link(const std::shared_ptr<const Space::Node>& prev, Op op,
                                  std::string call) {
  auto n = std::make_shared<Space::Node>();
  n->kind = prev->kind;
  n->volume = prev->volume;
  n->op = op;
  n->call = std::move(call);
  n->prev = prev;
  return n;
}

/// Replaces dimension `d` of `old` by `factors`.
std::vector<std::int64_t> replace_dim(const std::vector<std::int64_t>& old, int d,
                                      std::span<const std::int64_t> factors) {
  std::vector<std::int64_t> out(old.begin(), old.begin() + d);
  out.insert(out.end(), factors.begin(), factors.end());
  out.insert(out.end(), old.begin() + d + 1, old.end());
  return out;
}

}  // namespace

Space Space::base(ProcKind kind, std::int64_t nodes, std::int64_t per_node) {
  if (nodes < 1)
    throw InputError(fmt::format("Machine({}): the machine has {} nodes; it needs at least one",
                                 to_string(kind), nodes));
  if (per_node < 1)
    throw InputError(fmt::format("Machine({}): the machine has no {} processors", to_string(kind),
                                 to_string(kind)));
  if (nodes > kMaxSpaceVolume / per_node)
    throw InputError(fmt::format(
        "Machine({}): {} nodes x {} processors is more than the {} processors supported",
        to_string(kind), nodes, per_node, kMaxSpaceVolume));
  auto n = std::make_shared<Node>();
  n->kind = kind;
  n->size = {nodes, per_node};
  n->volume = nodes * per_node;
  n->call = fmt::format("Machine({})", to_string(kind));
  return Space(std::move(n));
}

ProcKind Space::kind() const {
  return node_->kind;
}
const std::vector<std::int64_t>& Space::size() const {
  return node_->size;
}
std::int64_t Space::volume() const {
  return node_->volume;
}
std::size_t Space::dims() const {
  return node_->size.size();
}

std::optional<Space> Space::merge(std::int64_t d1, std::int64_t d2, std::string& why) const {
  const auto& s = node_->size;
  int a = 0, b = 0;
  if (!check_dim("merge", d1, s.size(), a, why) || !check_dim("merge", d2, s.size(), b, why))
    return std::nullopt;
  if (a == b) {
    why = fmt::format("merge: cannot merge dimension {} with itself", a);
    return std::nullopt;
  }
  auto n = link(node_, Op::kMerge, fmt::format(".merge({}, {})", a, b));
  n->a = a;
  n->b = b;
  n->x = s[b];
  for (int i = 0; i < static_cast<int>(s.size()); ++i) {
    if (i == a)
      n->size.push_back(s[a] * s[b]);
    else if (i != b)
      n->size.push_back(s[i]);
  }
  return Space(std::move(n));
}

std::optional<Space> Space::split(std::int64_t d, std::int64_t f, std::string& why) const {
  const auto& s = node_->size;
  int a = 0;
  if (!check_dim("split", d, s.size(), a, why)) return std::nullopt;
  if (f < 1) {
    why = fmt::format("split: factor {} must be positive", f);
    return std::nullopt;
  }
  if (s[a] % f != 0) {
    why = fmt::format("split: factor {} does not divide size {} of dimension {}", f, s[a], a);
    return std::nullopt;
  }
  if (!check_result_dims("split", s.size() + 1, why)) return std::nullopt;
  auto n = link(node_, Op::kSplit, fmt::format(".split({}, {})", a, f));
  n->a = a;
  n->x = f;
  const std::array<std::int64_t, 2> parts = {f, s[a] / f};
  n->size = replace_dim(s, a, parts);
  return Space(std::move(n));
}

std::optional<Space> Space::swap(std::int64_t d1, std::int64_t d2, std::string& why) const {
  const auto& s = node_->size;
  int a = 0, b = 0;
  if (!check_dim("swap", d1, s.size(), a, why) || !check_dim("swap", d2, s.size(), b, why))
    return std::nullopt;
  auto n = link(node_, Op::kSwap, fmt::format(".swap({}, {})", a, b));
  n->a = a;
  n->b = b;
  n->size = s;
  std::swap(n->size[a], n->size[b]);
  return Space(std::move(n));
}

std::optional<Space> Space::slice(std::int64_t d, std::int64_t lo, std::int64_t hi,
                                  std::string& why) const {
  const auto& s = node_->size;
  int a = 0;
  if (!check_dim("slice", d, s.size(), a, why)) return std::nullopt;
  if (lo > hi) {
    why = fmt::format("slice: range {}..{} of dimension {} is empty (lo must be <= hi)", lo, hi, a);
    return std::nullopt;
  }
  if (lo < 0 || hi >= s[a]) {
    why = fmt::format("slice: range {}..{} out of 0..{} for dimension {}", lo, hi, s[a] - 1, a);
    return std::nullopt;
  }
  auto n = link(node_, Op::kSlice, fmt::format(".slice({}, {}, {})", a, lo, hi));
  n->a = a;
  n->x = lo;
  n->size = s;
  n->size[a] = hi - lo + 1;
  n->volume = node_->volume / s[a] * n->size[a];
  return Space(std::move(n));
}

std::optional<Space> Space::reverse(std::int64_t d, std::string& why) const {
  const auto& s = node_->size;
  int a = 0;
  if (!check_dim("reverse", d, s.size(), a, why)) return std::nullopt;
  auto n = link(node_, Op::kReverse, fmt::format(".reverse({})", a));
  n->a = a;
  n->x = s[a] - 1;
  n->size = s;
  return Space(std::move(n));
}

namespace {

/// Fills a kFactor link: dimension `d` of `old` becomes `factors`, first one varying fastest.
void set_factors(Space::Node& n, const std::vector<std::int64_t>& old, int d,
                 const std::vector<std::int64_t>& factors) {
  n.a = d;
  std::int64_t stride = 1;
  for (std::int64_t f : factors) {
    n.strides.push_back(stride);
    stride *= f;
  }
  n.size = replace_dim(old, d, factors);
}

}  // namespace

std::optional<Space> Space::balance_split(std::int64_t d, std::int64_t k, std::string& why) const {
  const auto& s = node_->size;
  int a = 0;
  if (!check_dim("balance_split", d, s.size(), a, why)) return std::nullopt;
  if (k != 2 && k != 3) {
    why = fmt::format("balance_split: the number of parts must be 2 or 3, not {}", k);
    return std::nullopt;
  }
  if (!check_result_dims("balance_split", s.size() + static_cast<std::size_t>(k) - 1, why))
    return std::nullopt;
  auto n = link(node_, Op::kFactor, fmt::format(".balance_split({}, {})", a, k));
  set_factors(*n, s, a, balance_split_factors(s[a], k));
  return Space(std::move(n));
}

std::optional<Space> Space::factor_split(const char* name, std::int64_t d,
                                         std::span<const std::int64_t> L, bool greedy,
                                         std::string& why) const {
  const auto& s = node_->size;
  int a = 0;
  if (!check_dim(name, d, s.size(), a, why)) return std::nullopt;
  if (L.empty()) {
    why = fmt::format("{}: the launch domain () is empty; give one extent per dimension", name);
    return std::nullopt;
  }
  for (std::size_t i = 0; i < L.size(); ++i) {
    if (L[i] < 1) {
      why =
          fmt::format("{}: launch domain {} has extent {} at position {}; extents must be positive",
                      name, tuple_text(L), L[i], i);
      return std::nullopt;
    }
  }
  if (!check_result_dims(name, s.size() + L.size() - 1, why)) return std::nullopt;
  if (!greedy) {
    if (!domain_product(L)) {
      why = fmt::format("{}: launch domain {} has more than 2^63 points", name, tuple_text(L));
      return std::nullopt;
    }
    const std::int64_t count =
        candidate_count(prime_powers_largest_first(s[a]), static_cast<std::int64_t>(L.size()));
    if (count > kMaxAutoSplitCandidates) {
      why = fmt::format(
          "{}: too many ways to split size {} over {} dimensions (more than {}); split the "
          "machine into fewer dimensions first",
          name, s[a], L.size(), kMaxAutoSplitCandidates);
      return std::nullopt;
    }
  }
  auto n = link(node_, Op::kFactor, fmt::format(".{}({}, {})", name, a, tuple_text(L)));
  set_factors(*n, s, a, greedy ? greedy_split_factors(s[a], L) : auto_split_factors(s[a], L));
  return Space(std::move(n));
}

std::optional<Space> Space::auto_split(std::int64_t d, std::span<const std::int64_t> L,
                                       std::string& why) const {
  return factor_split("auto_split", d, L, false, why);
}
std::optional<Space> Space::greedy_split(std::int64_t d, std::span<const std::int64_t> L,
                                         std::string& why) const {
  return factor_split("greedy_split", d, L, true, why);
}
std::optional<Space> Space::decompose(std::int64_t d, std::span<const std::int64_t> L,
                                      std::string& why) const {
  return factor_split("decompose", d, L, false, why);
}

bool Space::contains(std::span<const std::int64_t> index) const {
  const auto& s = node_->size;
  if (index.size() != s.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (index[i] < 0 || index[i] >= s[i]) return false;
  return true;
}

std::array<std::int64_t, 2> Space::to_base(std::span<const std::int64_t> index) const {
  MAPSMITH_ASSERT(contains(index));
  // Rewrite the index link by link, from this space back to the base; every space in the chain
  // has at most kMaxSpaceDims dims, so one fixed buffer holds each intermediate index.
  std::array<std::int64_t, kMaxSpaceDims> cur{};
  std::size_t n = index.size();
  std::copy(index.begin(), index.end(), cur.begin());
  const auto erase = [&](std::size_t pos, std::size_t count) {
    for (std::size_t i = pos; i + count < n; ++i)
      cur[i] = cur[i + count];
    n -= count;
  };
  const auto insert = [&](std::size_t pos, std::int64_t v) {
    for (std::size_t i = n; i > pos; --i)
      cur[i] = cur[i - 1];
    cur[pos] = v;
    ++n;
  };
  for (const Node* node = node_.get(); node->op != Op::kBase; node = node->prev.get()) {
    const auto a = static_cast<std::size_t>(node->a);
    const auto b = static_cast<std::size_t>(node->b);
    switch (node->op) {
      case Op::kMerge: {
        // new[m] = old[d1] * size[d2] + old[d2], m = d1 if d1 < d2 else d1 - 1.
        const std::size_t m = a < b ? a : a - 1;
        const std::int64_t v = cur[m];
        erase(m, 1);
        const std::int64_t hi_part = v / node->x, lo_part = v % node->x;
        if (a < b) {
          insert(a, hi_part);
          insert(b, lo_part);
        } else {
          insert(b, lo_part);
          insert(a, hi_part);
        }
        break;
      }
      case Op::kSplit:
        cur[a] += cur[a + 1] * node->x;
        erase(a + 1, 1);
        break;
      case Op::kSwap:
        std::swap(cur[a], cur[b]);
        break;
      case Op::kSlice:
        cur[a] += node->x;
        break;
      case Op::kReverse:
        cur[a] = node->x - cur[a];
        break;
      case Op::kFactor: {
        std::int64_t v = 0;
        for (std::size_t j = 0; j < node->strides.size(); ++j)
          v += cur[a + j] * node->strides[j];
        cur[a] = v;
        erase(a + 1, node->strides.size() - 1);
        break;
      }
      case Op::kBase:
        break;
    }
  }
  MAPSMITH_ASSERT(n == 2);
  return {cur[0], cur[1]};
}

std::string Space::describe() const {
  std::vector<const Node*> chain;
  for (const Node* node = node_.get(); node; node = node->prev.get())
    chain.push_back(node);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    out += (*it)->call;
  return out;
}

std::vector<std::int64_t> balance_split_factors(std::int64_t O, std::int64_t k) {
  MAPSMITH_ASSERT(O >= 1 && O <= kMaxSpaceVolume && (k == 2 || k == 3));
  std::vector<std::int64_t> f(static_cast<std::size_t>(k), 1);
  for (std::int64_t p : prime_factors(O))
    *std::min_element(f.begin(), f.end()) *= p;
  std::sort(f.begin(), f.end(), std::greater<>());
  return f;
}

std::vector<std::int64_t> greedy_split_factors(std::int64_t O, std::span<const std::int64_t> L) {
  MAPSMITH_ASSERT(O >= 1 && O <= kMaxSpaceVolume && valid_domain(L));
  std::vector<std::int64_t> f(L.size(), 1);
  std::vector<std::int64_t> primes = prime_factors(O);
  for (auto it = primes.rbegin(); it != primes.rend(); ++it) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < L.size(); ++i)
      if (ratio_greater(L[i], f[i], L[best], f[best])) best = i;
    f[best] *= *it;
  }
  return f;
}

std::vector<std::int64_t> auto_split_factors(std::int64_t O, std::span<const std::int64_t> L) {
  MAPSMITH_ASSERT(O >= 1 && O <= kMaxSpaceVolume && valid_domain(L));
  const std::optional<std::int64_t> D = domain_product(L);
  MAPSMITH_ASSERT(D.has_value());
  std::vector<PrimePower> powers = prime_powers_largest_first(O);
  MAPSMITH_ASSERT(candidate_count(powers, static_cast<std::int64_t>(L.size())) <=
                  kMaxAutoSplitCandidates);
  // Compare sum O_i/L_i exactly as sum O_i * (D/L_i): D < 2^63 and O_i <= 2^31, so each term
  // is below 2^94 and at most 16 of them fit easily in 128 bits.
  std::vector<std::int64_t> weights;
  for (std::int64_t l : L)
    weights.push_back(*D / l);
  std::vector<std::int64_t> first_best = Enumerator(std::move(powers), weights).run();
  std::vector<std::int64_t> greedy = greedy_split_factors(O, L);
  if (scaled_cost(greedy, weights) == scaled_cost(first_best, weights)) return greedy;
  return first_best;
}

}  // namespace mapsmith::machine
