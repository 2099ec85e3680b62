#include "agent/reference.h"

namespace mapsmith::agent {

std::string_view language_reference() {
  static constexpr std::string_view kReference =
#include "agent/language_reference.inc"
      ;
  return kReference;
}

}  // namespace mapsmith::agent
