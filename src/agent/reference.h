#pragma once
/// The language reference the agent puts in its system prompt: the parts of docs/language.md
/// marked `<!-- llm-reference:begin -->` ... `<!-- llm-reference:end -->` (the statements, the
/// expressions, the machine-space transformations and the resolution rules), embedded at build
/// time so that the page stays the one source.
#include <string_view>

namespace mapsmith::agent {

std::string_view language_reference();

}  // namespace mapsmith::agent
