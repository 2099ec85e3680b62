#include "util/error.h"

#include <fmt/format.h>

namespace mapsmith {

void internal_failure(const char* file, int line, const char* what) {
  throw InternalError(fmt::format("internal error at {}:{}: assertion failed: {}", file, line, what));
}

}  // namespace mapsmith
