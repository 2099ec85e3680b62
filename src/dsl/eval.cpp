#include "dsl/eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "util/error.h"

namespace mapsmith::dsl {

std::string tuple_text(std::span<const std::int64_t> t) {
  std::string out = "(";
  for (std::size_t i = 0; i < t.size(); ++i)
    out += fmt::format("{}{}", i ? ", " : "", t[i]);
  if (t.size() == 1) out += ',';
  return out + ")";
}

std::string to_string(const Value& v) {
  switch (v.type) {
    case Type::Int:
      return fmt::format("{}", v.i);
    case Type::Bool:
      return v.i ? "True" : "False";
    case Type::Tuple:
      return tuple_text(v.tuple);
    case Type::Space:
      return fmt::format("{} of size {}", v.space->describe(), tuple_text(v.space->size()));
    case Type::Proc:
      return fmt::format("{} {} of node {}", to_string(v.proc.kind), v.proc.local, v.proc.node);
    case Type::Task:
      return fmt::format("task {}", v.task ? v.task->name : "?");
    case Type::ProcKind:
      return std::string(to_string(static_cast<ProcKind>(v.i)));
    case Type::MemKind:
      return std::string(to_string(static_cast<MemKind>(v.i)));
    case Type::Unknown:
      return "?";
  }
  return "?";
}

namespace {

/// An evaluation error: unwinds to the top-level call, which reports it.
struct EvalError {
  std::uint32_t pos;
  std::string message;
  std::string hint;
};

/// Python's floor division and modulo.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  std::int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

}  // namespace

struct Evaluator::Frame {
  std::unordered_map<std::string_view, Value> locals;
};

Evaluator::Evaluator(const Program& program, const ProgramInfo& info, EvalHost& host,
                     Diagnostics& diags, std::int64_t step_budget, std::int64_t total_budget)
    : p_(program),
      info_(info),
      host_(host),
      diags_(diags),
      budget_(step_budget),
      total_budget_(total_budget) {}

void Evaluator::fail(std::uint32_t pos, std::string message, std::string hint) {
  throw EvalError{pos, std::move(message), std::move(hint)};
}

void Evaluator::tick(std::uint32_t pos) {
  if (++steps_ > budget_) {
    fail(pos, fmt::format("evaluation stopped after {} steps{}", budget_, task_context()),
         "the step budget keeps a mapper from hanging the tool; look for unbounded recursion");
  }
  if (++total_ > total_budget_ && total_budget_ > 0) over_total(pos);
}

void Evaluator::over_total(std::uint32_t pos) {
  fail(pos,
       fmt::format("evaluation stopped: the mapper's functions took more than {} steps in all{}",
                   total_budget_, task_context()),
       "the whole mapper has a budget too, so that one mapper cannot stall check, simulate or "
       "tune (a step is an expression evaluated, or a tuple element built or copied); a mapping "
       "function should take tens of steps per point, not thousands");
}

void Evaluator::grow(std::uint32_t pos, std::size_t n) {
  const auto k = static_cast<std::int64_t>(std::min<std::size_t>(n, kMaxTupleElements + 1));
  std::int64_t& count = in_globals_ ? global_elements_ : elements_;
  count += k;
  total_ += k;
  if (count > kMaxTupleElements) {
    fail(pos,
         fmt::format("evaluation stopped: {} built more than {} tuple elements{}",
                     in_globals_ ? "the global variables" : "this call", kMaxTupleElements,
                     task_context()),
         "values are limited in size so that a mapper cannot exhaust the memory; look for a "
         "tuple that doubles on every line or call");
  }
  if (total_ > total_budget_ && total_budget_ > 0) over_total(pos);
}

Value Evaluator::copied(std::uint32_t pos, const Value& v) {
  grow(pos, v.tuple.size());
  return v;
}

std::string Evaluator::task_context() const {
  if (!current_task_) return {};
  return fmt::format(" while mapping task {} at point {}", current_task_->name,
                     tuple_text(current_task_->ipoint));
}

template <typename F>
std::optional<Value> Evaluator::guarded(F&& f) {
  steps_ = 0;
  elements_ = 0;
  depth_ = 0;
  eval_depth_ = 0;
  try {
    return f();
  } catch (const EvalError& e) {
    diags_.error(*p_.source, p_.loc(e.pos), e.message, e.hint);
    return std::nullopt;
  }
}

bool Evaluator::run_globals() {
  in_globals_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{in_globals_};
  for (const Stmt& s : p_.stmts) {
    if (s.kind == StmtKind::Assign) {
      auto v = guarded([&] { return eval(p_.value(s), nullptr); });
      if (!v) return false;
      globals_[p_.name(s).text] = std::move(*v);
    } else if (s.kind == StmtKind::Print) {
      bool ok = guarded([&]() -> Value {
                  run_print(s, nullptr);
                  return Value::of_bool(true);
                }).has_value();
      if (!ok) return false;
    }
  }
  return true;
}

const Value* Evaluator::global(std::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? nullptr : &it->second;
}

std::optional<Value> Evaluator::eval_global_expr(ExprId id) {
  return guarded([&] { return eval(id, nullptr); });
}

std::optional<Value> Evaluator::call(std::string_view function, std::span<const Value> args) {
  const FunctionInfo* f = info_.function(function);
  MAPSMITH_ASSERT(f != nullptr);
  return guarded([&] {
    for (const Value& a : args)
      grow(f->def->begin, a.tuple.size());
    return invoke(*f->def, std::vector<Value>(args.begin(), args.end()), f->def->begin);
  });
}

std::optional<ProcValue> Evaluator::map_point(std::string_view function, const TaskView& task,
                                              ProcKind kind, const Stmt* used_by) {
  const FunctionInfo* f = info_.function(function);
  MAPSMITH_ASSERT(f != nullptr);
  const Stmt& def = *f->def;
  current_task_ = &task;
  // "function 'f', used by the IndexTaskMap at line 9," when the caller says which statement.
  const std::string fn =
      used_by
          ? fmt::format("function '{}', used by the {} at line {},", function,
                        used_by->kind == StmtKind::IndexTaskMap ? "IndexTaskMap" : "SingleTaskMap",
                        p_.loc(*used_by).line)
          : fmt::format("function '{}'", function);
  auto v = guarded([&] {
    Value r = invoke(def, {Value::of_task(&task)}, def.begin);
    // The `return` that produced the value is where to look, not the def.
    if (r.type != Type::Proc) {
      fail(last_return_,
           fmt::format("{} returned {} instead of a processor{}", fn, type_phrase(r.type),
                       task_context()),
           "a mapping function returns a processor: an index into a machine space, m[i, j]");
    }
    if (r.proc.kind != kind) {
      fail(last_return_,
           fmt::format("{} returned a {} processor, but task {} runs on {}", fn,
                       to_string(r.proc.kind), task.name, to_string(kind)),
           fmt::format("index Machine({}) in this function, or change the task's kind with a "
                       "Task statement",
                       to_string(kind)));
    }
    return r;
  });
  current_task_ = nullptr;
  if (!v) return std::nullopt;
  return v->proc;
}

Value Evaluator::invoke(const Stmt& def, std::vector<Value> args, std::uint32_t call_site) {
  if (++depth_ > kMaxCallDepth) {
    fail(call_site,
         fmt::format("function calls nested more than {} deep{}", kMaxCallDepth, task_context()),
         "look for a function that calls itself without end");
  }
  Frame frame;
  ParamList params = p_.params(def);
  for (std::size_t i = 0; i < params.size() && i < args.size(); ++i) {
    Param prm = params[i];
    auto want = param_type(prm.type.text);
    if (want && args[i].type != *want) {
      fail(call_site,
           fmt::format("argument {} of '{}' must be {}, not {}", i + 1, p_.name(def).text,
                       type_phrase(*want), type_phrase(args[i].type)));
    }
    frame.locals[prm.name.text] = std::move(args[i]);
  }
  for (const Stmt& s : p_.body(def)) {
    switch (s.kind) {
      case StmtKind::Assign:
        frame.locals[p_.name(s).text] = eval(p_.value(s), &frame);
        break;
      case StmtKind::Return: {
        Value v = eval(p_.value(s), &frame);
        if (depth_ == 1) last_return_ = s.begin;
        --depth_;
        return v;
      }
      case StmtKind::Print: {
        run_print(s, &frame);
        break;
      }
      default:
        break;
    }
  }
  fail(def.end, fmt::format("function '{}' ended without returning a value", p_.name(def).text));
}

void Evaluator::run_print(const Stmt& s, Frame* frame) {
  std::string line;
  std::size_t arg = 0;
  std::string_view format = p_.format(s);
  std::span<const ExprId> args = p_.args(s);
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '{' && i + 1 < format.size() && format[i + 1] == '}' && arg < args.size()) {
      Value v = eval(args[arg], frame);
      grow(p_.expr(args[arg++]).pos(), v.tuple.size());  // its text is as large again
      line += to_string(v);
      ++i;
    } else {
      line += format[i];
    }
  }
  host_.print(line);
}

Value Evaluator::lookup(const Expr& e, Frame* frame) {
  std::string_view name = p_.name(e);
  if (frame) {
    auto it = frame->locals.find(name);
    if (it != frame->locals.end()) return copied(e.pos(), it->second);
  }
  auto g = globals_.find(name);
  if (g != globals_.end()) return copied(e.pos(), g->second);
  if (auto k = parse_proc_kind(name)) return Value::of_kind(*k);
  if (auto m = parse_mem_kind(name)) return Value::of_kind(*m);
  fail(e.pos(), fmt::format("undefined variable '{}'", name),
       "global variables must be assigned before the statement that uses them runs");
}

std::int64_t Evaluator::want_int(ExprId id, const Value& v, std::string_view what) {
  if (v.type == Type::Int || v.type == Type::Bool) return v.i;
  fail(p_.expr(id).pos(), fmt::format("{} must be an int, not {}", what, type_phrase(v.type)));
}

Value Evaluator::eval(ExprId id, Frame* frame) {
  const Expr& e = p_.expr(id);
  tick(e.pos());
  struct Nesting {
    int& depth;
    ~Nesting() { --depth; }
  } nesting{++eval_depth_};
  if (eval_depth_ > kMaxEvalDepth) {
    fail(e.pos(),
         fmt::format("evaluation nested more than {} levels deep{}", kMaxEvalDepth, task_context()),
         "a function calls itself inside a deeply nested expression; bound the recursion or "
         "split the expression with intermediate variables");
  }
  switch (e.kind()) {
    case ExprKind::Int:
      return Value::of_int(p_.int_value(e));
    case ExprKind::Bool:
      return Value::of_bool(p_.int_value(e) != 0);
    case ExprKind::Name:
      return lookup(e, frame);
    case ExprKind::Machine: {
      auto k = parse_proc_kind(p_.name(e));
      MAPSMITH_ASSERT(k.has_value());
      std::string why;
      SpacePtr s = host_.machine(*k, why);
      if (!s) fail(e.pos(), why);
      return Value::of_space(std::move(s));
    }
    case ExprKind::Tuple: {
      std::vector<std::int64_t> t;
      for (std::uint32_t i = 0, n = p_.arity(e); i < n; ++i) {
        ExprId c = p_.child(e, i);
        Value v = eval(c, frame);
        if (p_.expr(c).kind() == ExprKind::Unpack) {
          grow(e.pos(), v.tuple.size());
          t.insert(t.end(), v.tuple.begin(), v.tuple.end());
        } else {
          grow(e.pos(), 1);
          t.push_back(want_int(c, v, "a tuple element"));
        }
      }
      return Value::of_tuple(std::move(t));
    }
    case ExprKind::Unpack: {
      Value v = eval(p_.child(e, 0), frame);
      if (v.type != Type::Tuple)
        fail(e.pos(),
             fmt::format("only a tuple can be unpacked with '*', not {}", type_phrase(v.type)));
      return v;
    }
    case ExprKind::Wildcard:
      fail(e.pos(), "'*' index outside a machine space index");
    case ExprKind::Unary: {
      Value v = eval(p_.child(e, 0), frame);
      if (e.op() == Op::Not) {
        return Value::of_bool(!want_int(p_.child(e, 0), v, "the operand of '!'"));
      }
      if (v.type == Type::Tuple) {
        for (auto& x : v.tuple)
          x = -x;
        return v;
      }
      std::int64_t x = want_int(p_.child(e, 0), v, "the operand of '-'");
      if (x == std::numeric_limits<std::int64_t>::min()) fail(e.pos(), "integer overflow in '-'");
      return Value::of_int(-x);
    }
    case ExprKind::Binary:
      return eval_binary(e, frame);
    case ExprKind::Cond: {
      Value c = eval(p_.child(e, 0), frame);
      bool t = want_int(p_.child(e, 0), c, "the condition of '?:'") != 0;
      return eval(p_.child(e, t ? 1 : 2), frame);
    }
    case ExprKind::Index:
      return eval_index(e, frame);
    case ExprKind::Slice: {
      Value base = eval(p_.child(e, 0), frame);
      std::vector<std::int64_t> t;
      if (base.type == Type::Tuple)
        t = std::move(base.tuple);
      else if (base.type == Type::Space)
        t = base.space->size();
      else
        fail(e.pos(), fmt::format("cannot slice {}", type_phrase(base.type)));
      auto n = static_cast<std::int64_t>(t.size());
      auto bound = [&](std::uint32_t i, std::int64_t dflt) {
        ExprId b = p_.child(e, i);
        if (b == kNoExpr) return dflt;
        std::int64_t x = want_int(b, eval(b, frame), "a slice bound");
        if (x < 0) x += n;  // Python's rule: negative bounds count from the end
        return std::clamp<std::int64_t>(x, 0, n);
      };
      std::int64_t lo = bound(1, 0), hi = bound(2, n);
      if (hi < lo) hi = lo;
      grow(e.pos(), static_cast<std::size_t>(hi - lo));
      return Value::of_tuple(std::vector<std::int64_t>(t.begin() + lo, t.begin() + hi));
    }
    case ExprKind::Call:
      return eval_call(e, frame);
    case ExprKind::Attr:
    case ExprKind::Method:
      return eval_member(e, frame);
    case ExprKind::TupleComp: {
      Value iter = eval(p_.child(e, 1), frame);
      if (iter.type != Type::Tuple)
        fail(
            p_.expr(p_.child(e, 1)).pos(),
            fmt::format("the sequence after 'in' must be a tuple, not {}", type_phrase(iter.type)));
      Frame inner;
      if (frame) {
        for (const auto& [name, v] : frame->locals)
          grow(e.pos(), v.tuple.size());
        inner.locals = frame->locals;
      }
      std::string_view var = p_.name(e);
      grow(e.pos(), iter.tuple.size());
      std::vector<std::int64_t> out;
      out.reserve(iter.tuple.size());
      for (std::int64_t x : iter.tuple) {
        inner.locals[var] = Value::of_int(x);
        out.push_back(
            want_int(p_.child(e, 0), eval(p_.child(e, 0), &inner), "each element of tuple(...)"));
      }
      return Value::of_tuple(std::move(out));
    }
  }
  MAPSMITH_UNREACHABLE();
}

Value Evaluator::eval_binary(const Expr& e, Frame* frame) {
  ExprId l = p_.child(e, 0), r = p_.child(e, 1);
  if (e.op() == Op::And || e.op() == Op::Or) {
    bool a = want_int(l, eval(l, frame), "an operand of '&&'/'||'") != 0;
    if (e.op() == Op::And && !a) return Value::of_bool(false);
    if (e.op() == Op::Or && a) return Value::of_bool(true);
    return Value::of_bool(want_int(r, eval(r, frame), "an operand of '&&'/'||'") != 0);
  }
  Value a = eval(l, frame);
  Value b = eval(r, frame);
  if (e.op() == Op::Eq || e.op() == Op::Ne) {
    bool eq;
    if (a.type == Type::Tuple && b.type == Type::Tuple)
      eq = a.tuple == b.tuple;
    else if (a.type == Type::Proc && b.type == Type::Proc)
      eq = a.proc == b.proc;
    else if (a.type == Type::Space && b.type == Type::Space)
      eq = a.space == b.space;
    else if (a.type == Type::Task && b.type == Type::Task)
      eq = a.task == b.task;
    else if ((a.type == Type::Int || a.type == Type::Bool) &&
             (b.type == Type::Int || b.type == Type::Bool))
      eq = a.i == b.i;  // the checker lets a bool compare with an int, as True == 1
    else
      eq = a.type == b.type && a.i == b.i;
    return Value::of_bool(e.op() == Op::Eq ? eq : !eq);
  }
  auto arith = [&](std::int64_t x, std::int64_t y) -> std::int64_t {
    std::int64_t out = 0;
    switch (e.op()) {
      case Op::Add:
        if (__builtin_add_overflow(x, y, &out)) fail(e.pos(), "integer overflow in '+'");
        return out;
      case Op::Sub:
        if (__builtin_sub_overflow(x, y, &out)) fail(e.pos(), "integer overflow in '-'");
        return out;
      case Op::Mul:
        if (__builtin_mul_overflow(x, y, &out)) fail(e.pos(), "integer overflow in '*'");
        return out;
      case Op::Div:
      case Op::Mod:
        if (y == 0) {
          fail(e.pos(),
               fmt::format("{} by zero{}", e.op() == Op::Div ? "division" : "modulo",
                           task_context()),
               "guard the divisor, for example with max(d, 1)");
        }
        if (x == std::numeric_limits<std::int64_t>::min() && y == -1)
          fail(e.pos(), "integer overflow in '/'");
        return e.op() == Op::Div ? floor_div(x, y) : floor_mod(x, y);
      default:
        MAPSMITH_UNREACHABLE();
    }
  };
  switch (e.op()) {
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      std::int64_t x = want_int(l, a, "an operand of a comparison");
      std::int64_t y = want_int(r, b, "an operand of a comparison");
      bool v = e.op() == Op::Lt   ? x < y
               : e.op() == Op::Le ? x <= y
               : e.op() == Op::Gt ? x > y
                                  : x >= y;
      return Value::of_bool(v);
    }
    default:
      break;
  }
  if (a.type == Type::Tuple || b.type == Type::Tuple) {
    if (a.type != Type::Tuple || b.type != Type::Tuple) {
      fail(e.pos(),
           fmt::format("'{}' between {} and {}", op_text(e.op()), type_phrase(a.type),
                       type_phrase(b.type)),
           "arithmetic takes two ints or two tuples of equal length");
    }
    if (a.tuple.size() != b.tuple.size()) {
      fail(e.pos(), fmt::format("'{}' on tuples of different lengths: {} and {}", op_text(e.op()),
                                tuple_text(a.tuple), tuple_text(b.tuple)));
    }
    for (std::size_t i = 0; i < a.tuple.size(); ++i)
      a.tuple[i] = arith(a.tuple[i], b.tuple[i]);
    return a;
  }
  return Value::of_int(arith(want_int(l, a, "an operand"), want_int(r, b, "an operand")));
}

Value Evaluator::eval_index(const Expr& e, Frame* frame) {
  Value base = eval(p_.child(e, 0), frame);
  if (base.type == Type::Tuple) {
    std::int64_t i = want_int(p_.child(e, 1), eval(p_.child(e, 1), frame), "an index");
    auto n = static_cast<std::int64_t>(base.tuple.size());
    std::int64_t j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) {
      fail(e.pos(), fmt::format("index {} is out of range for the tuple {} of length {}{}", i,
                                tuple_text(base.tuple), n, task_context()));
    }
    return Value::of_int(base.tuple[static_cast<std::size_t>(j)]);
  }
  if (base.type != Type::Space)
    fail(e.pos(), fmt::format("cannot index {}", type_phrase(base.type)));
  const std::vector<std::int64_t>& size = base.space->size();
  std::vector<std::int64_t> idx;
  std::vector<std::size_t> wild;
  for (std::uint32_t i = 1, n = p_.arity(e); i < n; ++i) {
    ExprId c = p_.child(e, i);
    const Expr& cx = p_.expr(c);
    if (cx.kind() == ExprKind::Wildcard) {
      wild.push_back(idx.size());
      idx.push_back(0);
      continue;
    }
    Value v = eval(c, frame);
    if (cx.kind() == ExprKind::Unpack)
      idx.insert(idx.end(), v.tuple.begin(), v.tuple.end());
    else
      idx.push_back(want_int(c, v, "an index"));
  }
  if (idx.size() != size.size()) {
    fail(e.pos(),
         fmt::format("{} has {} dimension{} of size {} but was indexed with {} value{}{}",
                     base.space->describe(), size.size(), size.size() == 1 ? "" : "s",
                     tuple_text(size), idx.size(), idx.size() == 1 ? "" : "s", task_context()),
         "give one index per dimension");
  }
  // Wildcards pick round-robin among the processors of the partial index, per expression.
  if (!wild.empty()) {
    std::int64_t n = round_robin_[static_cast<ExprId>(&e - p_.exprs.data())]++;
    for (auto it = wild.rbegin(); it != wild.rend(); ++it) {
      std::int64_t s = size[*it];
      idx[*it] = n % s;
      n /= s;
    }
  }
  for (std::size_t d = 0; d < idx.size(); ++d) {
    if (idx[d] < 0 || idx[d] >= size[d]) {
      fail(e.pos(),
           fmt::format("processor index {} is out of range for {} of size {}: index {} of "
                       "dimension {} is not in 0..{}{}",
                       tuple_text(idx), base.space->describe(), tuple_text(size), idx[d], d,
                       size[d] - 1, task_context()),
           "wrap the index with '%' the size of that dimension, e.g. m[i % m.size[0], 0]");
    }
  }
  return Value::of_proc(base.space->at(idx));
}

Value Evaluator::eval_call(const Expr& e, Frame* frame) {
  std::vector<Value> args;
  const std::string_view name = p_.name(e);
  for (std::uint32_t i = 0, n = p_.arity(e); i < n; ++i) {
    ExprId c = p_.child(e, i);
    Value v = eval(c, frame);
    if (p_.expr(c).kind() == ExprKind::Unpack) {
      grow(e.pos(), v.tuple.size());
      for (std::int64_t x : v.tuple)
        args.push_back(Value::of_int(x));
    } else {
      args.push_back(std::move(v));
    }
  }
  if (const FunctionInfo* f = info_.function(name)) {
    const Stmt& def = *f->def;
    std::size_t params = p_.params(def).size();
    if (args.size() != params) {
      fail(e.pos(),
           fmt::format("function '{}' takes {} argument{}, but {} {} given", name, params,
                       params == 1 ? "" : "s", args.size(), args.size() == 1 ? "was" : "were"));
    }
    return invoke(def, std::move(args), e.pos());
  }
  auto want_n = [&](std::size_t n) {
    if (args.size() != n)
      fail(e.pos(),
           fmt::format("built-in function '{}' takes {} argument{}", name, n, n == 1 ? "" : "s"));
  };
  auto int_arg = [&](std::size_t i) {
    if (args[i].type != Type::Int && args[i].type != Type::Bool)
      fail(e.pos(), fmt::format("argument {} of '{}' must be an int, not {}", i + 1, name,
                                type_phrase(args[i].type)));
    return args[i].i;
  };
  if (name == "len") {
    want_n(1);
    if (args[0].type == Type::Tuple)
      return Value::of_int(static_cast<std::int64_t>(args[0].tuple.size()));
    if (args[0].type == Type::Space)
      return Value::of_int(static_cast<std::int64_t>(args[0].space->size().size()));
    fail(e.pos(),
         fmt::format("len() takes a tuple or a machine space, not {}", type_phrase(args[0].type)));
  }
  if (name == "min" || name == "max") {
    want_n(2);
    std::int64_t a = int_arg(0), b = int_arg(1);
    return Value::of_int(name == "min" ? std::min(a, b) : std::max(a, b));
  }
  if (name == "abs") {
    want_n(1);
    std::int64_t a = int_arg(0);
    if (a == std::numeric_limits<std::int64_t>::min()) fail(e.pos(), "integer overflow in abs()");
    return Value::of_int(a < 0 ? -a : a);
  }
  fail(e.pos(), fmt::format("undefined function '{}'", name));
}

Value Evaluator::eval_member(const Expr& e, Frame* frame) {
  Value recv = eval(p_.child(e, 0), frame);
  std::vector<Value> args;
  for (std::uint32_t i = 1, n = p_.arity(e); i < n; ++i)
    args.push_back(eval(p_.child(e, i), frame));
  const std::string_view name = p_.name(e);
  switch (recv.type) {
    case Type::Space: {
      const std::vector<std::int64_t>& size = recv.space->size();
      if (name == "size") {
        grow(e.pos(), size.size());
        return Value::of_tuple(size);
      }
      if (name == "len") return Value::of_int(static_cast<std::int64_t>(size.size()));
      if (name == "volume") {
        std::int64_t v = 1;
        for (std::int64_t s : size)
          v *= s;
        return Value::of_int(v);
      }
      std::vector<std::int64_t> ints;
      std::vector<std::int64_t> tuple;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i].type == Type::Tuple)
          tuple = std::move(args[i].tuple);
        else
          ints.push_back(want_int(p_.child(e, static_cast<std::uint32_t>(i + 1)), args[i],
                                  fmt::format("argument {} of '{}'", i + 1, name)));
      }
      std::string why;
      SpacePtr s = recv.space->transform(name, ints, tuple, why);
      if (!s) {
        fail(e.pos(), fmt::format("cannot apply {} to {} of size {}: {}", name,
                                  recv.space->describe(), tuple_text(size), why));
      }
      return Value::of_space(std::move(s));
    }
    case Type::Task: {
      const TaskView& t = *recv.task;
      if (name == "ipoint" || name == "ispace") {
        const std::vector<std::int64_t>& v = name == "ipoint" ? t.ipoint : t.ispace;
        grow(e.pos(), v.size());
        return Value::of_tuple(v);
      }
      if (name == "parent") {
        if (!t.parent) fail(e.pos(), fmt::format("task {} has no parent task", t.name));
        return Value::of_task(t.parent);
      }
      if (name == "processor") {
        if (args.size() != 1 || args[0].type != Type::Space)
          fail(e.pos(), "processor() takes one machine space");
        if (!t.has_processor) fail(e.pos(), fmt::format("task {} has no processor yet", t.name));
        const SpaceValue& sp = *args[0].space;
        const std::vector<std::int64_t>& size = sp.size();
        std::int64_t volume = 1;
        for (std::int64_t s : size)
          volume *= s;
        std::vector<std::int64_t> idx(size.size(), 0);
        for (std::int64_t n = 0; n < volume; ++n) {
          tick(e.pos());
          std::int64_t rest = n;
          for (std::size_t d = 0; d < size.size(); ++d) {
            idx[d] = rest % size[d];
            rest /= size[d];
          }
          if (sp.kind() == t.processor.kind && sp.at(idx) == t.processor)
            return Value::of_tuple(idx);
        }
        fail(e.pos(), fmt::format("the processor of task {} ({} {} of node {}) is not in {}",
                                  t.name, to_string(t.processor.kind), t.processor.local,
                                  t.processor.node, sp.describe()));
      }
      break;
    }
    case Type::Tuple: {
      if (name == "size") return recv;
      if (name == "len") return Value::of_int(static_cast<std::int64_t>(recv.tuple.size()));
      if (name == "volume") {
        std::int64_t v = 1;
        for (std::int64_t s : recv.tuple)
          if (__builtin_mul_overflow(v, s, &v)) fail(e.pos(), "integer overflow in volume");
        return Value::of_int(v);
      }
      break;
    }
    case Type::Proc: {
      if (name == "has") {
        if (args.size() != 1 || args[0].type != Type::MemKind)
          fail(e.pos(), "has() takes one memory kind, for example has(FBMEM)");
        return Value::of_bool(host_.has_memory(recv.proc, static_cast<MemKind>(args[0].i)));
      }
      break;
    }
    default:
      break;
  }
  fail(e.pos(), fmt::format("{} has no {} '{}'", type_phrase(recv.type),
                            e.kind() == ExprKind::Method ? "method" : "property", name));
}

}  // namespace mapsmith::dsl
