#pragma once
/// Writing the files the commands produce (`fmt -i`, `codegen -o`, `tune --out`) so that nothing
/// is ever half written: the text goes to a new temporary file beside the target (a unique name,
/// created with O_EXCL, so a planted file or link there is never followed), is flushed to disk,
/// and only then renamed over the target. A full disk or any other error leaves the target as it
/// was and is reported with the system's reason ("No space left on device").
#include <string>
#include <string_view>

namespace mapsmith::cli {

enum class Replace {
  /// An output file (`-o`, `--out`): created when missing; an existing one keeps its mode; a
  /// symbolic link is written through (its target is replaced).
  Output,
  /// Rewriting a file in place (`fmt -i`): it must exist, be writable, and be neither a symbolic
  /// link nor one of several hard links (replacing it would cut the others off); its mode and
  /// owner are kept.
  InPlace,
};

/// Writes `text` to `path` as described above. Returns an empty string on success, else a
/// one-line message that starts with the path ("m.mapping: cannot write: No space left on
/// device; the file is unchanged").
std::string write_file_safely(const std::string& path, std::string_view text, Replace how);

}  // namespace mapsmith::cli
