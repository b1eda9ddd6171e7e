#include "appliance/host/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace cairn::host {

Result<ProcessResult> LocalProcessRunner::run(const std::vector<std::string>& argv,
                                              std::chrono::milliseconds timeout) {
  if (argv.empty()) return makeError(ErrorCode::kInvalidInput, "no program given");
  int pipeFds[2];
  if (pipe2(pipeFds, O_CLOEXEC) != 0) return makeError(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  pid_t pid = 0;
  int spawnError = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipeFds[1]);
  if (spawnError != 0) {
    close(pipeFds[0]);
    return makeError(ErrorCode::kIo, "cannot run " + argv[0] + ": " + std::strerror(spawnError));
  }

  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timedOut = false;
  bool exited = false;
  int status = 0;
  char buffer[8192];
  // Reads until the pipe closes, or until the child has exited and the pipe is drained: a
  // program that leaves a daemon behind (which inherits the pipe) must not block us.
  while (true) {
    if (std::chrono::steady_clock::now() >= deadline) {
      timedOut = true;
      break;
    }
    pollfd fd{pipeFds[0], POLLIN, 0};
    int ready = poll(&fd, 1, 50);
    if (ready > 0) {
      ssize_t n = read(pipeFds[0], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      result.output.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (ready < 0 && errno != EINTR) break;
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
    if (exited) break;
  }
  close(pipeFds[0]);
  if (timedOut) kill(pid, SIGKILL);
  if (!exited) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (timedOut) {
    return makeError(ErrorCode::kTimeout, argv[0] + " did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace cairn::host
