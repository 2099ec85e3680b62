#pragma once
/// Small string helpers: edit distance for "did you mean" hints, file reading.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mapsmith {

/// Edit distance (optimal string alignment: adjacent swaps count 1), case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if it is close enough to be a plausible typo
/// (distance at most max(1, len/3) for words of 2 letters or more, or a case-insensitive match).
/// Ties go to the first candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates);

/// Reads a whole file. Throws InputError("PATH: cannot read: REASON") when it cannot, and
/// InputError when the file is larger than `max_bytes`.
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t{1} << 30);

/// Joins strings with a separator.
std::string join(std::span<const std::string> parts, std::string_view sep);

}  // namespace mapsmith
