// Safe outputs; see output_file.h.
#include "runtime/io/output_file.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace lawful::io {

namespace {

// The temporaries open in this process, for remove_temporaries_on_signal(). A slot is
// free (0), being filled (1), or holds a temporary's name (2). Zero-initialised static
// storage, with no constructor to run: a struct of a state with an initialiser and a
// name had GCC write each of the 16 states at start-up, one page apart (16 page faults
// in every process). A name's page is touched only when a temporary is opened.
constexpr int kMaxPending = 16;
std::atomic<int> g_pending_state[kMaxPending];
char g_pending_path[kMaxPending][PATH_MAX];
static_assert(std::atomic<int>::is_always_lock_free, "read from a signal handler");

int remember(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kMaxPending; ++i) {
    int expected = 0;
    if (!g_pending_state[i].compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_pending_path[i], path.c_str(), path.size() + 1);
    g_pending_state[i].store(2);
    return i;
  }
  return -1;  // more than 16 at once: still removed on failure, just not on a signal
}

void forget(int slot) {
  if (slot >= 0) g_pending_state[slot].store(0);
}

std::string directory_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string unpredictable_suffix() {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r)) {
    // No entropy yet (early boot): the exclusive open still makes a guessed name harmless.
    r = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) * 0x9e3779b97f4a7c15ull;
  }
  return fmt::format("{:08x}", static_cast<uint32_t>(r ^ (r >> 32)));
}

// The kernel's protected_symlinks rule: in a sticky, world-writable folder, a link is
// followed only if its owner is the caller or the folder's owner.
bool link_may_be_followed(const std::string& link, const struct stat& link_st) {
  struct stat dir;
  if (::stat(directory_of(link).c_str(), &dir) != 0) return false;
  bool shared = (dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH);
  return !shared || link_st.st_uid == ::geteuid() || link_st.st_uid == dir.st_uid;
}

}  // namespace

void remove_temporaries_on_signal() {
  for (int i = 0; i < kMaxPending; ++i)
    if (g_pending_state[i].load() == 2) ::unlink(g_pending_path[i]);
}

bool OutputFile::fail(int e) {
  if (errno_ == 0 && reason_.empty()) errno_ = e ? e : EIO;
  return false;
}

std::string OutputFile::error() const {
  return fmt::format("cannot write {}: {}", name_, reason_.empty() ? std::strerror(errno_ ? errno_ : EIO) : reason_);
}

bool OutputFile::open(const std::string& path, const OutputOptions& options) {
  discard();
  stop_ = options.stop;
  stopped_ = draining_ = false;
  errno_ = 0;
  reason_.clear();
  written_ = 0;
  name_ = path;
  target_.clear();
  if (options.allow_stdout && path == "-") {
    name_ = "standard output";
    fd_ = STDOUT_FILENO;
    own_fd_ = false;
    return true;
  }
  // What the path is, links followed (as the kernel does, /dev/stdout included).
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
      return open_stream(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (S_ISDIR(st.st_mode)) return fail(EISDIR);
    if (!S_ISREG(st.st_mode)) {
      reason_ = "not a file, a character device or a pipe (lawful writes to no other kind)";
      return false;
    }
  } else if (errno != ENOENT) {
    return fail(errno);
  }
  // A regular file, or nothing: find the file to replace, following links one by one.
  std::string p = path;
  for (int hops = 0;; ++hops) {
    struct stat lst;
    if (::lstat(p.c_str(), &lst) != 0) {
      if (errno != ENOENT) return fail(errno);
      if (hops > 0) {
        reason_ = fmt::format("a symbolic link to {}, which does not exist (lawful creates no file through a link)", p);
        return false;
      }
      keep_mode_ = false;
      break;
    }
    if (!S_ISLNK(lst.st_mode)) {
      if (!S_ISREG(lst.st_mode)) {
        // Changed since the stat above.
        reason_ = "changed while being opened";
        return false;
      }
      keep_mode_ = true;
      mode_ = lst.st_mode & 01777;  // not set-user-ID or set-group-ID on new contents
      uid_ = lst.st_uid;
      gid_ = lst.st_gid;
      break;
    }
    if (hops == 40) return fail(ELOOP);
    if (!link_may_be_followed(p, lst)) {
      reason_ = fmt::format("{} is a symbolic link in a shared folder, owned by someone else (not followed)", p);
      return false;
    }
    std::string to(PATH_MAX, '\0');
    ssize_t n = ::readlink(p.c_str(), to.data(), to.size());
    if (n < 0) return fail(errno);
    if (static_cast<size_t>(n) >= to.size()) return fail(ENAMETOOLONG);
    to.resize(static_cast<size_t>(n));
    p = to.front() == '/' ? to : directory_of(p) + "/" + to;
  }
  target_ = p;
  return open_temporary();
}

bool OutputFile::open_stream(const std::string& path, int flags) {
  for (;;) {
    fd_ = ::open(path.c_str(), flags);
    if (fd_ >= 0) break;
    if (errno != EINTR) return fail(errno);
    // A FIFO with no reader waits in open(); a stop breaks it off.
    if (stop_ && stop_->load()) {
      stopped_ = true;
      return false;
    }
  }
  own_fd_ = true;
  struct stat st;
  if (::fstat(fd_, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
    // Replaced by a file between the stat and the open: never written over in place.
    reason_ = "changed while being opened";
    close_fd();
    return false;
  }
  return true;
}

bool OutputFile::open_temporary() {
  std::string dir = directory_of(target_);
  std::string base = target_.substr(target_.rfind('/') == std::string::npos ? 0 : target_.rfind('/') + 1);
  // The name must fit the folder's limit on names (255 bytes) with its suffix.
  if (base.size() > 200) base = ".lawful";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = fmt::format("{}/{}.tmp.{}.{}", dir, base, static_cast<long>(::getpid()), unpredictable_suffix());
    // A signal between the file's creation and its registration would leave it behind:
    // the usual ones wait until it is registered (in this thread; the commands that
    // remove temporaries on a signal write them from one thread).
    sigset_t stops, before;
    sigemptyset(&stops);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&stops, sig);
    pthread_sigmask(SIG_BLOCK, &stops, &before);
    fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    int open_errno = errno;
    if (fd_ >= 0) registry_slot_ = remember(name);
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    if (fd_ < 0) {
      if (open_errno == EEXIST || open_errno == EINTR) continue;
      return fail(open_errno);
    }
    own_fd_ = true;
    temporary_ = name;
    if (keep_mode_) {
      if (::geteuid() == 0) {
        int ignored = ::fchown(fd_, uid_, gid_);  // best effort: the mode matters more
        (void)ignored;
      }
      if (::fchmod(fd_, mode_) != 0) {
        fail(errno);
        discard();
        return false;
      }
    }
    return true;
  }
  return fail(EEXIST);
}

bool OutputFile::write(const void* data, size_t n) {
  if (fd_ < 0 || errno_ || !reason_.empty() || stopped_) return false;
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno != EINTR) return fail(errno);
      // Broken off by a signal: given up if it was a stop (or the drain is over).
      if (draining_ ? std::chrono::steady_clock::now() >= deadline_ : (stop_ && stop_->load())) {
        stopped_ = true;
        return false;
      }
      continue;
    }
    p += w;
    n -= static_cast<size_t>(w);
    written_ += static_cast<uint64_t>(w);
  }
  return true;
}

void OutputFile::drain_until(std::chrono::steady_clock::time_point deadline) {
  draining_ = true;
  stopped_ = false;
  deadline_ = deadline;
}

bool OutputFile::close_fd() {
  bool ok = true;
  if (own_fd_ && fd_ >= 0 && ::close(fd_) != 0 && errno != EINTR) ok = fail(errno);
  fd_ = -1;
  own_fd_ = false;
  return ok;
}

void OutputFile::forget_temporary() {
  forget(registry_slot_);
  registry_slot_ = -1;
  temporary_.clear();
}

bool OutputFile::commit() { return commit_as(target_); }

bool OutputFile::commit_as(const std::string& other) {
  bool ok = errno_ == 0 && reason_.empty() && !stopped_ && fd_ >= 0;
  if (!replaces()) {
    if (fd_ == STDOUT_FILENO && !own_fd_) return ok;
    return close_fd() && ok;
  }
  if (ok && ::fsync(fd_) != 0) ok = fail(errno);
  ok = close_fd() && ok;
  if (ok && ::rename(temporary_.c_str(), other.c_str()) != 0) ok = fail(errno);
  if (!ok) {
    discard();
    return false;
  }
  forget_temporary();
  // The rename itself made durable (best effort: not every file system can).
  int dir = ::open(directory_of(other).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return true;
}

void OutputFile::discard() {
  close_fd();
  if (!temporary_.empty()) {
    ::unlink(temporary_.c_str());
    forget_temporary();
  }
}

bool same_file_replaced(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  bool ea = ::stat(a.c_str(), &sa) == 0, eb = ::stat(b.c_str(), &sb) == 0;
  if (ea && eb) return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ea || eb) return false;
  // Neither exists yet: the same name, once made absolute and normal.
  auto normal = [](const std::string& p) {
    char cwd[PATH_MAX];
    std::string abs = !p.empty() && p[0] == '/' ? p : std::string(::getcwd(cwd, sizeof cwd) ? cwd : "") + "/" + p;
    std::string out;
    size_t i = 0;
    while (i < abs.size()) {
      size_t j = abs.find('/', i);
      if (j == std::string::npos) j = abs.size();
      std::string part = abs.substr(i, j - i);
      if (part == "..") {
        size_t k = out.rfind('/');
        out.resize(k == std::string::npos ? 0 : k);
      } else if (!part.empty() && part != ".") {
        out += "/" + part;
      }
      i = j + 1;
    }
    return out;
  };
  return normal(a) == normal(b);
}

bool write_file(const std::string& path, std::string_view data, std::string* error, const OutputOptions& options) {
  OutputFile f;
  if (f.open(path, options) && f.write(data) && f.commit()) return true;
  if (error) *error = f.error();
  return false;
}

}  // namespace lawful::io
