#include "common/util/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace zroute {

Subprocess::~Subprocess() { Stop(); }

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(other.pid_), exit_status_(other.exit_status_), stop_grace_(other.stop_grace_) {
  other.pid_ = -1;
}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = other.pid_;
    exit_status_ = other.exit_status_;
    stop_grace_ = other.stop_grace_;
    other.pid_ = -1;
  }
  return *this;
}

StatusOr<Subprocess> Subprocess::Start(SubprocessOptions options) {
  if (options.argv.empty()) return Status::InvalidArgument("subprocess: empty argv");
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return Status::Internal(std::string("pipe2: ") + std::strerror(errno));
  int log_fd = -1;
  if (!options.log_file.empty()) {
    log_fd = open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      close(report[0]);
      close(report[1]);
      return Status::Internal("opening " + options.log_file + ": " + std::strerror(errno));
    }
  }
  std::vector<char*> argv;
  for (auto& a : options.argv) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    setpgid(0, 0);
    // If the owner dies without stopping us (killed by a test timeout), die too.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the parent may block signals for sigwait
    execv(argv[0], argv.data());
    int err = errno;
    ssize_t ignored = write(report[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent, so Signal() works before the child runs
  close(report[1]);
  if (log_fd >= 0) close(log_fd);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == sizeof child_errno) {
    waitpid(pid, nullptr, 0);
    return Status::NotFound("cannot run " + options.argv[0] + ": " + std::strerror(child_errno));
  }
  Subprocess p;
  p.pid_ = pid;
  p.stop_grace_ = options.stop_grace;
  return p;
}

bool Subprocess::Reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    // Whatever the child forked shares its group: make sure none of it outlives it.
    kill(-pid_, SIGKILL);
    exit_status_ = r == pid_ ? status : -1;
    pid_ = -1;
    return true;
  }
  return false;
}

bool Subprocess::running() { return pid_ > 0 && !Reap(false); }

void Subprocess::Signal(int signal) {
  if (running()) kill(-pid_, signal);
}

StatusOr<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return Status::DeadlineExceeded("process still running");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling waitpid: no child-exit fd to wait on
  }
  return exit_status_;
}

int Subprocess::Stop() {
  if (pid_ <= 0) return exit_status_;
  Signal(SIGTERM);
  if (!Wait(stop_grace_).ok()) return Kill();
  return exit_status_;
}

int Subprocess::Kill() {
  if (pid_ <= 0) return exit_status_;
  kill(-pid_, SIGKILL);
  Reap(true);
  return exit_status_;
}

StatusOr<std::string> WaitForFile(const std::string& path, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      if (!text.empty() && text.back() == '\n') return text;
    }
    if (std::chrono::steady_clock::now() >= deadline) return Status::DeadlineExceeded("no file " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace zroute
