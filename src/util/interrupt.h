#pragma once
/// Stopping a long command cleanly on SIGINT (Ctrl-C) or SIGTERM: while an InterruptGuard lives,
/// the first such signal only sets a flag that the command polls between steps (it then prints
/// what it has and exits 128 + the signal's number); the handler is reset by that first signal,
/// so a second one ends the process at once, as if no guard were there.
#include <csignal>

namespace mapsmith {

class InterruptGuard {
 public:
  /// Installs the handlers for SIGINT and SIGTERM and clears the flag.
  InterruptGuard();
  /// Restores the handlers that were there before.
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

/// The signal that arrived while a guard was installed (SIGINT or SIGTERM), or 0.
int interrupt_signal();
/// interrupt_signal() != 0.
inline bool interrupted() {
  return interrupt_signal() != 0;
}
/// "SIGINT", "SIGTERM".
const char* interrupt_name(int signal);

}  // namespace mapsmith
