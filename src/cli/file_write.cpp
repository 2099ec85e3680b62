#include "cli/file_write.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

namespace mapsmith::cli {

namespace {

std::string why(int err) {
  return std::strerror(err);
}

/// The directory part of `path` ("." for a bare name) and its last component.
std::pair<std::string, std::string> split(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

/// Writes all of `text` to `fd`; 0 or the errno of the failure.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace

std::string write_file_safely(const std::string& path, std::string_view text, Replace how) {
  std::string target = path;
  struct stat st {};
  bool exists = lstat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) return fmt::format("{}: cannot write: {}", path, why(errno));
  if (how == Replace::InPlace) {
    if (!exists) return fmt::format("{}: cannot rewrite: {}", path, why(ENOENT));
    if (S_ISLNK(st.st_mode))
      return fmt::format(
          "{}: not rewritten: it is a symbolic link (run fmt -i on the file it points to)", path);
    if (!S_ISREG(st.st_mode)) return fmt::format("{}: not rewritten: not a regular file", path);
    if (st.st_nlink > 1)
      return fmt::format(
          "{}: not rewritten: it has {} hard links, which a rewrite would separate (print it "
          "with 'mapsmith fmt' instead)",
          path, st.st_nlink);
    // Read-only for us, or marked read-only for everyone (which root, who may write anything,
    // respects too).
    if ((st.st_mode & 0222) == 0 || access(path.c_str(), W_OK) != 0)
      return fmt::format("{}: not rewritten: it is read-only", path);
  } else if (exists && S_ISLNK(st.st_mode)) {
    // An output path that is a link: replace what it points to, as '>' would write to it.
    std::error_code ec;
    const std::filesystem::path real = std::filesystem::weakly_canonical(path, ec);
    if (ec) return fmt::format("{}: cannot write: {}", path, ec.message());
    target = real.string();
    exists = stat(target.c_str(), &st) == 0;
  }
  if (exists && !S_ISREG(st.st_mode) && how == Replace::Output)
    return fmt::format("{}: cannot write: not a regular file", path);

  const auto [dir, name] = split(target);
  // A new name each try, created with O_EXCL: an existing file or link there is never opened.
  // The mode 0666 is narrowed by the umask, as for any new file.
  std::string tmp;
  int fd = -1;
  std::random_device random;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    tmp = fmt::format("{}/.{}.mapsmith-{:08x}", dir, name, random());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0 && errno != EEXIST) return fmt::format("{}: cannot write: {}", path, why(errno));
  }
  if (fd < 0) return fmt::format("{}: cannot write: {}", path, why(EEXIST));
  auto fail = [&](const char* what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fmt::format("{}: {}: {}; the file is unchanged", path, what, why(err));
  };
  if (exists) {
    // Keep the owner (when we may: only root can give a file away) and the mode.
    if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
        fchown(fd, st.st_uid, st.st_gid) != 0 && how == Replace::InPlace)
      return fail("not rewritten: cannot keep its owner", errno);
    if (fchmod(fd, st.st_mode & 07777) != 0) return fail("cannot keep its mode", errno);
  }
  if (int err = write_all(fd, text)) return fail("cannot write", err);
  if (fsync(fd) != 0) return fail("cannot write", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fmt::format("{}: cannot write: {}; the file is unchanged", path, why(err));
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fmt::format("{}: cannot replace: {}; the file is unchanged", path, why(err));
  }
  return {};
}

}  // namespace mapsmith::cli
