#include "appliance/host/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace cairn::host {

void blockTerminationSignals() {
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGINT);
  sigaddset(&termination, SIGQUIT);
  sigaddset(&termination, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &termination, nullptr);
}

}  // namespace cairn::host
