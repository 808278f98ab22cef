// Every file lawful writes goes through OutputFile: one rule for what an output path may
// be, and one safe way to replace a file (docs/security.md, "Outputs").
//
// The rule, for a path P:
//   - "-" is standard output (when the caller allows it), written as it is;
//   - P that is (or links to) a character device, a FIFO or a socket is written as it
//     is: never replaced, never removed (`-o /dev/null`, `-o /dev/stdout`, a named pipe);
//   - P that is a directory or a block device is refused;
//   - P that is a regular file, or does not exist, is replaced atomically: the data goes
//     to a new temporary beside it, `P.tmp.PID.RANDOM`, created with
//     O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC (it can be neither an existing file nor a
//     link), flushed to disk (fsync), and renamed onto P only when complete; on any
//     failure, and by remove_temporaries_on_signal(), it is removed. An existing P keeps
//     its permissions (not set-user-ID or set-group-ID) and, for root, its owner;
//   - P that is a symbolic link to a regular file is written through: the file the link
//     names is replaced (as above, the temporary beside it) and the link stays a link. A
//     link to nothing is refused, and so is a link in a shared folder (sticky and
//     world-writable, like /tmp) whose owner is neither the caller nor the folder's
//     owner: the kernel's protected_symlinks rule, which a rename would otherwise bypass.
//
// Usage: open(), write() as often as needed, then commit(); anything else (a failure,
// return, an exception) removes the temporary in discard() or the destructor. Nothing here
// installs signal handlers: the program's own handler calls
// remove_temporaries_on_signal() (async-signal-safe) before it ends the process.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lawful::io {

struct OutputOptions {
  bool allow_stdout = false;  // "-" means standard output
  // A write (or the open of a FIFO) that a signal breaks off (EINTR) gives up, and
  // stopped() becomes true, when *stop is non-zero; else it is taken up again. Whoever
  // sets *stop makes sure a signal breaks a blocked call off (cli/cmd_check.cpp arms a
  // timer), so that a reader that never reads cannot hold the process.
  const std::atomic<int>* stop = nullptr;
};

class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() { discard(); }

  // Opens `path` by the rule above; false with error() saying why.
  bool open(const std::string& path, const OutputOptions& options = {});
  // Writes all of `n` bytes (taken up again when a signal breaks a write off); false on
  // an error or when stopped.
  bool write(const void* data, size_t n);
  bool write(std::string_view s) { return write(s.data(), s.size()); }
  // Completes the output: a replaced file is flushed to disk and renamed into place; a
  // stream is closed. False with error() on failure (the temporary is then removed).
  bool commit();
  // Like commit(), but the temporary becomes `other` (a name beside it), not the target.
  bool commit_as(const std::string& other);
  // Closes without completing: the temporary, if any, is removed. Idempotent.
  void discard();

  // From now on, writes ignore `stop` and give up at `deadline` instead (to write out
  // what was promised after a stop, for a while).
  void drain_until(std::chrono::steady_clock::time_point deadline);

  bool is_open() const { return fd_ >= 0; }
  bool replaces() const { return !temporary_.empty(); }  // written through a temporary
  bool stopped() const { return stopped_; }
  uint64_t written() const { return written_; }  // bytes written so far
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }      // for messages
  const std::string& target() const { return target_; }  // the file replaced (links resolved)
  const std::string& temporary() const { return temporary_; }
  int error_number() const { return errno_; }
  // "cannot write NAME: REASON".
  std::string error() const;

 private:
  bool fail(int e);
  bool open_stream(const std::string& path, int flags);
  bool open_temporary();
  bool close_fd();
  void forget_temporary();

  int fd_ = -1;
  bool own_fd_ = false;
  bool stopped_ = false;
  bool draining_ = false;
  int errno_ = 0;
  std::string reason_;  // a reason that is not an errno, or ""
  uint64_t written_ = 0;
  std::string name_;
  std::string target_;
  std::string temporary_;
  int registry_slot_ = -1;
  bool keep_mode_ = false;
  unsigned mode_ = 0;
  unsigned uid_ = 0, gid_ = 0;
  const std::atomic<int>* stop_ = nullptr;
  std::chrono::steady_clock::time_point deadline_{};
};

// Writes `data` to `path` by the rule above; false with `*error` ("cannot write P: ...").
bool write_file(const std::string& path, std::string_view data, std::string* error, const OutputOptions& options = {});

// Whether two output paths would replace the same file (the same existing regular file,
// links followed, or the same name not yet made). Two names of one device or pipe are
// not: writing both is harmless (`-o /dev/null --summary /dev/null`).
bool same_file_replaced(const std::string& a, const std::string& b);

// Removes the temporaries of every OutputFile open in this process. Async-signal-safe
// (unlink only): for a signal handler that then ends the process.
void remove_temporaries_on_signal();

}  // namespace lawful::io
