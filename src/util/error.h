#pragma once
/// Errors shared by every module.
///
/// A user mistake (a malformed machine file, an unknown preset) is an `InputError`: its message
/// says where and what, and only cli/ turns it into an exit code. A broken invariant of our own is
/// `MAPSMITH_ASSERT`, which names the C++ location: that is a bug in mapsmith, not in the input.
#include <stdexcept>
#include <string>

namespace mapsmith {

/// Bad input from the user: the message is complete and printable as is ("m.json: $.nodes: ...").
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A broken internal invariant.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void internal_failure(const char* file, int line, const char* what);

}  // namespace mapsmith

/// Marks a point the code can never reach (after a switch over every enumerator).
#define MAPSMITH_UNREACHABLE() ::mapsmith::internal_failure(__FILE__, __LINE__, "unreachable")

#define MAPSMITH_ASSERT(cond)                                             \
  do {                                                                    \
    if (!(cond)) ::mapsmith::internal_failure(__FILE__, __LINE__, #cond); \
  } while (0)
