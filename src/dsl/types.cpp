#include "dsl/types.h"

#include <array>
#include <string>

namespace mapsmith::dsl {

std::string_view type_phrase(Type t) {
  switch (t) {
    case Type::Unknown:
      return "a value";
    case Type::Int:
      return "an int";
    case Type::Bool:
      return "a bool";
    case Type::Tuple:
      return "a tuple";
    case Type::Space:
      return "a machine space";
    case Type::Proc:
      return "a processor";
    case Type::Task:
      return "a task";
    case Type::ProcKind:
      return "a processor kind";
    case Type::MemKind:
      return "a memory kind";
  }
  return "a value";
}

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Unknown:
      return "any";
    case Type::Int:
      return "int";
    case Type::Bool:
      return "bool";
    case Type::Tuple:
      return "tuple";
    case Type::Space:
      return "MSpace";
    case Type::Proc:
      return "processor";
    case Type::Task:
      return "Task";
    case Type::ProcKind:
      return "processor kind";
    case Type::MemKind:
      return "memory kind";
  }
  return "any";
}

std::optional<Type> param_type(std::string_view name) {
  if (name == "int") return Type::Int;
  if (name == "bool") return Type::Bool;
  if (name == "IPoint" || name == "ISpace") return Type::Tuple;
  if (name == "MSpace") return Type::Space;
  if (name == "Task") return Type::Task;
  return std::nullopt;
}

namespace {

constexpr Type kInt1[] = {Type::Int};
constexpr Type kInt2[] = {Type::Int, Type::Int};
constexpr Type kInt3[] = {Type::Int, Type::Int, Type::Int};
constexpr Type kIntTuple[] = {Type::Int, Type::Tuple};
constexpr Type kSpace1[] = {Type::Space};
constexpr Type kMem1[] = {Type::MemKind};
constexpr Type kTuple1[] = {Type::Tuple};

const std::array<Member, 20> kMembers = {{
    // machine spaces
    {Type::Space, "size", false, {}, Type::Tuple},
    {Type::Space, "volume", false, {}, Type::Int},
    {Type::Space, "len", false, {}, Type::Int},
    {Type::Space, "merge", true, kInt2, Type::Space},
    {Type::Space, "split", true, kInt2, Type::Space},
    {Type::Space, "swap", true, kInt2, Type::Space},
    {Type::Space, "slice", true, kInt3, Type::Space},
    {Type::Space, "reverse", true, kInt1, Type::Space},
    {Type::Space, "balance_split", true, kInt2, Type::Space},
    {Type::Space, "auto_split", true, kIntTuple, Type::Space},
    {Type::Space, "greedy_split", true, kIntTuple, Type::Space},
    {Type::Space, "decompose", true, kIntTuple, Type::Space},
    // tasks
    {Type::Task, "ipoint", false, {}, Type::Tuple},
    {Type::Task, "ispace", false, {}, Type::Tuple},
    {Type::Task, "parent", false, {}, Type::Task},
    {Type::Task, "processor", true, kSpace1, Type::Tuple},
    // tuples (IPoint, ISpace)
    {Type::Tuple, "size", false, {}, Type::Tuple},
    {Type::Tuple, "volume", false, {}, Type::Int},
    {Type::Tuple, "len", false, {}, Type::Int},
    // processors
    {Type::Proc, "has", true, kMem1, Type::Bool},
}};

const std::array<Builtin, 4> kBuiltins = {{
    {"len", kTuple1, Type::Int},
    {"min", kInt2, Type::Int},
    {"max", kInt2, Type::Int},
    {"abs", kInt1, Type::Int},
}};

}  // namespace

const Member* find_member(Type receiver, std::string_view name) {
  for (const Member& m : kMembers)
    if (m.receiver == receiver && m.name == name) return &m;
  return nullptr;
}

std::string member_list(Type receiver) {
  std::string out;
  for (const Member& m : kMembers) {
    if (m.receiver != receiver) continue;
    if (!out.empty()) out += ", ";
    out += m.name;
    if (m.is_method) out += "()";
  }
  return out;
}

std::span<const Member> all_members() {
  return kMembers;
}

bool is_space_transform(std::string_view method) {
  const Member* m = find_member(Type::Space, method);
  return m && m->is_method;
}

const Builtin* find_builtin(std::string_view name) {
  for (const Builtin& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

}  // namespace mapsmith::dsl
