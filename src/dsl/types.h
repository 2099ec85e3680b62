#pragma once
/// Static types of the mapping language (dsl.md §3) and the tables of properties, methods and
/// built-ins that both the checker and the evaluator use, so the two cannot disagree.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mapsmith::dsl {

enum class Type : std::uint8_t {
  Unknown,  // not known statically (a conditional with mixed branches); checked when evaluated
  Int,
  Bool,
  Tuple,  // also IPoint and ISpace
  Space,  // a machine space (MSpace)
  Proc,   // a processor: a full index into a machine space
  Task,
  ProcKind,
  MemKind,
};

/// "an int", "a tuple", "a machine space": for messages.
std::string_view type_phrase(Type t);
/// "int", "tuple", "MSpace": for messages and signatures.
std::string_view type_name(Type t);

/// A static type with what is known of its shape: a tuple's length or a space's number of
/// dimensions (-1 when unknown).
struct VType {
  Type type = Type::Unknown;
  int len = -1;
  friend bool operator==(const VType&, const VType&) = default;
};

/// The declared parameter types: int bool IPoint ISpace MSpace Task.
std::optional<Type> param_type(std::string_view name);
inline constexpr std::string_view kParamTypeNames[] = {"int",    "bool",   "IPoint",
                                                       "ISpace", "MSpace", "Task"};

/// A property (`x.name`) or method (`x.name(args)`) of a type.
struct Member {
  Type receiver;
  std::string_view name;
  bool is_method;
  std::span<const Type> params;  // methods only
  Type result;
};

/// The member of `receiver` named `name`, if any.
const Member* find_member(Type receiver, std::string_view name);
/// The names of every member of `receiver`, for "did you mean" and hints.
std::string member_list(Type receiver);
std::span<const Member> all_members();

/// The space transformations (dsl.md §4), which all return a space.
bool is_space_transform(std::string_view method);

/// Built-in functions (extension): len, min, max, abs.
struct Builtin {
  std::string_view name;
  std::span<const Type> params;
  Type result;
};
const Builtin* find_builtin(std::string_view name);

}  // namespace mapsmith::dsl
