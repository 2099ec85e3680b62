#pragma once
/// The syntax tree of a mapping program (dsl.md §1–§3), laid out to cost a few bytes per byte of
/// source: statements and expressions live in flat arrays of the Program and refer to each other
/// and to their lists by index, and names, numbers and places are byte offsets into the source
/// text, which the Program keeps alive. Program::loc turns an offset into a line and a column
/// when a message needs one. Read the tree through Program's accessors: how each node packs its
/// fields is private to the parser and to them.
#include <cstdint>
#include <iterator>
#include <limits>
#include <span>
#include <string>
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

// clang-format off
enum class Op : std::uint8_t {
  None, Neg, Not, Add, Sub, Mul, Div, Mod, Lt, Le, Gt, Ge, Eq, Ne, And, Or,
};
// clang-format on

/// The operator's spelling: "+", "&&", "!".
std::string_view op_text(Op op);

/// One expression: 8 bytes. The place (the byte offset of the token that stands for the
/// expression: the operator of a binary, the '[' of an index, the name of a call or a member)
/// takes 24 bits, which the parser's size limit guarantees. `data` by kind, as Program::child,
/// arity, int_value and name read it: Int the value (kBigInt: read the literal), Bool 0 or 1,
/// Machine the offset of the kind's name, Unary, Unpack and Attr the child; Binary, Cond, Slice
/// and TupleComp where their children start in operands[] (TupleComp's loop variable's offset
/// follows them); Tuple, Index, Call and Method where their number of children, then the
/// children, are in operands[]. Other names are the token at the place.
struct Expr {
  std::uint32_t head = 0;  // pos | op << 24 | kind << 28
  std::uint32_t data = 0;

  /// An Int whose value does not fit in `data`: Program::int_value reads the literal instead.
  static constexpr std::uint32_t kBigInt = 0xFFFFFFFF;

  ExprKind kind() const { return static_cast<ExprKind>(head >> 28); }
  Op op() const { return static_cast<Op>((head >> 24) & 0xF); }
  std::uint32_t pos() const { return head & 0xFFFFFF; }
};

/// A name as written: its text and the byte offset where it starts. The tree stores only the
/// offset; Program makes this view on demand.
struct Name {
  std::string_view text;
  std::uint32_t pos = 0;
};

/// A function parameter as written: `TYPE NAME`.
struct Param {
  Name type;  // int bool IPoint ISpace MSpace Task
  Name name;
};

struct Program;

/// A list a statement keeps as byte offsets in Program::names, read as views made on demand:
/// NameList (one offset per Name) and ParamList (two per Param: the type's, then the name's).
template <typename View, std::size_t Stride>
class OffsetList {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = View;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = View;
    iterator() = default;
    iterator(const Program* p, const std::uint32_t* at) : p_(p), at_(at) {}
    View operator*() const { return read(*p_, at_); }
    iterator& operator++() {
      at_ += Stride;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      at_ += Stride;
      return old;
    }
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    const Program* p_ = nullptr;
    const std::uint32_t* at_ = nullptr;
  };

  OffsetList() = default;
  OffsetList(const Program* p, std::span<const std::uint32_t> offsets) : p_(p), pos_(offsets) {}
  iterator begin() const { return {p_, pos_.data()}; }
  iterator end() const { return {p_, pos_.data() + pos_.size()}; }
  std::size_t size() const { return pos_.size() / Stride; }
  bool empty() const { return pos_.empty(); }
  View operator[](std::size_t i) const { return read(*p_, pos_.data() + Stride * i); }
  View front() const { return (*this)[0]; }
  View back() const { return (*this)[size() - 1]; }

 private:
  static View read(const Program& p, const std::uint32_t* at);

  const Program* p_ = nullptr;
  std::span<const std::uint32_t> pos_;
};
using NameList = OffsetList<Name, 1>;
using ParamList = OffsetList<Param, 2>;

/// `*` or a comma-separated list of task names.
struct TaskSel {
  bool any = false;
  NameList names;
};

/// `*`, a region name, or a 0-based region-requirement index, with the place of that token.
struct RegionSel {
  enum class Kind : std::uint8_t { Any, Named, Index } kind = Kind::Any;
  Name name;  // Named: the region's name
  std::int64_t index = 0;
  std::uint32_t pos = 0;
};

// clang-format off
enum class LayoutWord : std::uint8_t {
  SOA, AOS, C_order, F_order, Compact, Exact, Align, No_Align,
};
// clang-format on
std::string_view to_string(LayoutWord w);

struct LayoutItem {
  LayoutWord word = LayoutWord::SOA;
  Op cmp = Op::None;  // Align only: Eq Ne Lt Le Gt Ge
  std::uint32_t pos = 0;
  std::int64_t value = 0;
};

// clang-format off
enum class StmtKind : std::uint8_t {
  Task, Region, Layout, InstanceLimit, CollectMemory, IndexTaskMap, SingleTaskMap,
  ControlReplicate, Assign, Def, Print, Return,
};
// clang-format on

/// One statement: 28 bytes. Its kind and its first and last token are plain fields; the rest is
/// read through Program (tasks, region, proc, kinds, layout, limit, name, value, params, body,
/// format, args). Fields a–d, by kind (names[], operands[] and so on are Program's arrays):
///   selector statements  a: first of names[] holding the task names, then: Region's region,
///                        proc and kinds; Layout's region and proc; InstanceLimit's proc (old
///                        form); CollectMemory's region.  b: number of task names.
///                        Task, Region  c: number of kinds.
///                        Layout  c: first of layout_items[], d: their number.
///                        InstanceLimit  c: offset of the limit.   *TaskMap  c: offset of the name.
///   Assign  c: offset of the name, d: value.   Return  d: value.
///   Print  a: first of operands[] holding the arguments, b: their number, c: offset of the
///          format (after the quote), d: its length.
///   Def  a: first of names[] holding the name, then (type, name) per parameter, b: number of
///        parameters, c: first of body_stmts[], d: their number.
struct Stmt {
  StmtKind kind = StmtKind::Assign;
  std::uint8_t flags = 0;
  std::uint32_t begin = 0;  // byte offset of the first token
  std::uint32_t end = 0;    // byte offset of the last token (';' or '}')
  std::uint32_t a = 0, b = 0, c = 0, d = 0;

  static constexpr std::uint8_t kAnyTask = 1;  // the task selector is '*'
  static constexpr std::uint8_t kAnyProc = 2;  // Region or Layout: the PROC or KIND is '*'
  static constexpr std::uint8_t kOldForm = 4;  // InstanceLimit TASK PROC N
  static constexpr int kRegionShift = 3;       // two bits: RegionSel::Kind

  bool any_task() const { return flags & kAnyTask; }
  bool any_proc() const { return flags & kAnyProc; }
  bool old_form() const { return flags & kOldForm; }
};

/// Which tool's reading of a program applies (dsl.md §5, docs/language.md "Dialects"):
/// mapsmith's (the later of equally specific statements wins), or the published DSL mapper's
/// (its front end's restrictions are warned about, and its lookup order decides).
enum class Dialect : std::uint8_t { Mapsmith, Published };

/// A parsed mapping program. Owns its source, so every name and place stays valid.
struct Program {
  SourcePtr source;
  /// Set by the caller after parsing; the checker, explain, the simulator and both Legion
  /// mappers read it.
  Dialect dialect = Dialect::Mapsmith;
  std::vector<Stmt> stmts;       // the top-level statements, in order
  std::vector<Stmt> body_stmts;  // the statements of every function body
  std::vector<Expr> exprs;
  std::vector<std::uint32_t> operands;  // lists of expressions (children, print arguments)
  std::vector<std::uint32_t> names;     // lists of name offsets (tasks, kinds, parameters)
  std::vector<LayoutItem> layout_items;
  std::vector<Comment> comments;

  // ---- places and words ----
  /// The line and column of a byte offset.
  SourceLoc loc(std::uint32_t pos) const { return source->loc_at(pos); }
  SourceLoc loc(const Name& n) const { return loc(n.pos); }
  /// The name (identifier, or '*') or number written at a byte offset.
  Name name_at(std::uint32_t pos) const;
  /// The value of the integer written at a byte offset.
  std::int64_t int_at(std::uint32_t pos) const;

  // ---- expressions ----
  const Expr& expr(ExprId id) const { return exprs[id]; }
  /// The number of children of `e` (Slice always has 3, some possibly kNoExpr).
  std::uint32_t arity(const Expr& e) const;
  ExprId child(const Expr& e, std::uint32_t i) const;
  /// Int and Bool: the value.
  std::int64_t int_value(const Expr& e) const;
  /// Name, Call, Attr, Method, TupleComp (the loop variable), Machine (the kind): the name.
  std::string_view name(const Expr& e) const { return name_of(e).text; }
  Name name_of(const Expr& e) const;
  SourceLoc loc(const Expr& e) const { return loc(e.pos()); }

  // ---- statements ----
  // Asked of a statement of another kind, each gives what that statement lacks: no tasks, no
  // kinds, region '*', an empty name, no value (kNoExpr), an empty list or format, limit 0.
  /// The task selector of a statement that has one (every kind but Assign, Def, Print, Return).
  TaskSel tasks(const Stmt& s) const;
  /// Task: the processor kinds; Region: the memory kinds.
  NameList kinds(const Stmt& s) const;
  /// Region, Layout, CollectMemory.
  RegionSel region(const Stmt& s) const;
  /// Region's PROC and Layout's KIND ('*' allowed); the old InstanceLimit's PROC.
  Name proc(const Stmt& s) const;
  std::span<const LayoutItem> layout(const Stmt& s) const;
  /// InstanceLimit.
  std::int64_t limit(const Stmt& s) const;
  /// Assign's target, Def's name, *TaskMap's function.
  Name name(const Stmt& s) const;
  /// Assign, Return.
  ExprId value(const Stmt& s) const;
  ParamList params(const Stmt& s) const;
  std::span<const Stmt> body(const Stmt& s) const;
  /// Print: the format string between the quotes, escapes not decoded.
  std::string_view format(const Stmt& s) const;
  std::span<const ExprId> args(const Stmt& s) const;
  SourceLoc loc(const Stmt& s) const { return loc(s.begin); }
};

template <>
inline Name NameList::read(const Program& p, const std::uint32_t* at) {
  return p.name_at(at[0]);
}
template <>
inline Param ParamList::read(const Program& p, const std::uint32_t* at) {
  return Param{p.name_at(at[0]), p.name_at(at[1])};
}

/// A location-free dump of the tree (an S-expression per statement), for tests and
/// `--dump-after parse`: two programs have the same structure when their dumps are equal.
std::string dump_ast(const Program& p);

}  // namespace mapsmith::dsl
