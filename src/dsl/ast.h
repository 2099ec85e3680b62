#pragma once
/// The syntax tree of a mapping program (dsl.md §1–§3). Expressions live in one flat arena per
/// program and refer to each other by index, so a 10,000-line mapper is a handful of allocations.
/// Names are views into the program's source text, which the Program keeps alive.
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "dsl/source.h"

namespace mapsmith::dsl {

using ExprId = std::uint32_t;
inline constexpr ExprId kNoExpr = std::numeric_limits<ExprId>::max();

enum class ExprKind : std::uint8_t {
  Int,        // value
  Bool,       // value 0/1
  Name,       // name
  Tuple,      // (a, b, ...): children
  Unary,      // op child0
  Binary,     // child0 op child1
  Cond,       // child0 ? child1 : child2
  Index,      // child0[child1, ...]: the index list may hold Unpack and Wildcard
  Slice,      // child0[child1 : child2]; either bound may be kNoExpr
  Call,       // name(children...)
  Attr,       // child0.name
  Method,     // child0.name(child1, ...)
  TupleComp,  // tuple(child0 for name in child1)
  Unpack,     // *child0
  Wildcard,   // a lone '*' in an index list
  Machine,    // Machine(name)
};

enum class Op : std::uint8_t {
  None, Neg, Not, Add, Sub, Mul, Div, Mod, Lt, Le, Gt, Ge, Eq, Ne, And, Or,
};

/// The operator's spelling: "+", "&&", "!".
std::string_view op_text(Op op);

struct Expr {
  ExprKind kind = ExprKind::Int;
  Op op = Op::None;
  SourceLoc loc;
  std::int64_t value = 0;
  std::string_view name;
  std::uint32_t first = 0;  // index of the first child in Program::children
  std::uint32_t count = 0;  // number of children
};

/// A name as written, with its place.
struct Name {
  std::string_view text;
  SourceLoc loc;
};

/// `*` or a comma-separated list of task names.
struct TaskSel {
  bool any = false;
  SourceLoc loc;
  std::vector<Name> names;
};

/// `*`, a region name, or a 0-based region-requirement index.
struct RegionSel {
  enum class Kind : std::uint8_t { Any, Named, Index } kind = Kind::Any;
  Name name;
  std::int64_t index = 0;
  SourceLoc loc;
};

enum class LayoutWord : std::uint8_t { SOA, AOS, C_order, F_order, Compact, Exact, Align, No_Align };
std::string_view to_string(LayoutWord w);

struct LayoutItem {
  LayoutWord word = LayoutWord::SOA;
  Op cmp = Op::None;  // Align only: Eq Ne Lt Le Gt Ge
  std::int64_t value = 0;
  SourceLoc loc;
};

struct Param {
  Name type;  // int bool IPoint ISpace MSpace Task
  Name name;
};

enum class StmtKind : std::uint8_t {
  Task, Region, Layout, InstanceLimit, CollectMemory, IndexTaskMap, SingleTaskMap,
  ControlReplicate, Assign, Def, Print, Return,
};

struct Stmt {
  StmtKind kind = StmtKind::Assign;
  SourceLoc loc;        // the first token
  SourceLoc end;        // the last token (';' or '}')
  TaskSel tasks;        // Task Region Layout InstanceLimit CollectMemory *TaskMap ControlReplicate
  RegionSel region;     // Region Layout CollectMemory
  Name proc;            // Region's PROC and Layout's KIND ("*" allowed); old InstanceLimit's PROC
  std::vector<Name> kinds;  // Task: processor kinds; Region: memory kinds
  std::vector<LayoutItem> layout;
  std::int64_t limit = 0;   // InstanceLimit
  bool old_form = false;    // InstanceLimit TASK PROC N
  Name name;                // Assign target, Def name, *TaskMap function
  ExprId value = kNoExpr;   // Assign, Return
  std::vector<Param> params;      // Def
  std::vector<Stmt> body;         // Def
  std::string_view format;        // Print (between the quotes)
  std::vector<ExprId> args;       // Print
};

/// A parsed mapping program. Owns its source, so every view above stays valid.
struct Program {
  SourcePtr source;
  std::vector<Stmt> stmts;
  std::vector<Expr> exprs;
  std::vector<ExprId> children;
  std::vector<Comment> comments;

  const Expr& expr(ExprId id) const { return exprs[id]; }
  ExprId child(const Expr& e, std::uint32_t i) const { return children[e.first + i]; }
};

/// A location-free dump of the tree (an S-expression per statement), for tests and
/// `--dump-after parse`: two programs have the same structure when their dumps are equal.
std::string dump_ast(const Program& p);

}  // namespace mapsmith::dsl
