#include "tests/chart/helm_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

extern char** environ;

namespace zroute::chart_testing {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// A private HELM_{CONFIG,CACHE,DATA}_HOME, removed when the test binary exits.
class HelmHome {
 public:
  HelmHome() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/zroute-chart-test-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~HelmHome() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const HelmHome& TheHelmHome() {
  static const HelmHome home;
  return home;
}

// The current environment without HELM_* variables, plus a private helm home.
std::vector<std::string> HelmEnvironment(const std::string& home) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "HELM_", 5) != 0) env.emplace_back(*e);
  }
  env.push_back("HELM_CONFIG_HOME=" + home + "/config");
  env.push_back("HELM_CACHE_HOME=" + home + "/cache");
  env.push_back("HELM_DATA_HOME=" + home + "/data");
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

Status Errno(const std::string& what) { return Status::Internal(what + ": " + std::strerror(errno)); }

}  // namespace

std::string SourcePath(const std::string& relative) {
  return std::string(ZROUTE_SOURCE_DIR) + "/" + relative;
}

StatusOr<std::string> FindHelm() {
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && IsExecutableFile(dir + "/helm")) return dir + "/helm";
    }
  }
  if (std::string local = SourcePath("tools/bin/helm"); IsExecutableFile(local)) return local;
  return Status::NotFound(
      "helm is neither on PATH nor at tools/bin/helm: run `make tools` (or "
      "`bash scripts/install-helm.sh tools`)");
}

StatusOr<ProcessResult> RunHelm(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  ZR_ASSIGN_OR_RETURN(std::string helm, FindHelm());
  if (TheHelmHome().path().empty()) return Status::Internal("cannot create a temporary helm home");

  std::vector<std::string> argv_strings{helm};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = HelmEnvironment(TheHelmHome().path());
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);

  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) return Errno("pipe");
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Errno("pipe");
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, helm.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawn_error != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Status::Internal("cannot start " + helm + ": " + std::strerror(spawn_error));
  }

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds{pollfd{out_pipe[0], POLLIN, 0}, pollfd{err_pipe[0], POLLIN, 0}};
  std::array<std::string*, 2> sinks{&result.out, &result.err};
  bool timed_out = false;
  int poll_errno = 0;
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      poll_errno = errno;
      break;
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[65536];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  if (timed_out || poll_errno != 0) ::kill(pid, SIGKILL);

  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) return Errno("waitpid");
  }
  if (timed_out) return Status::DeadlineExceeded("helm did not finish within the timeout");
  if (poll_errno != 0) return Status::Internal(std::string("poll: ") + std::strerror(poll_errno));
  result.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  return result;
}

}  // namespace zroute::chart_testing
