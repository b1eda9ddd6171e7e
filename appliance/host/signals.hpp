#pragma once

namespace cairn::host {

// Blocks SIGINT, SIGQUIT and SIGTERM in the calling thread. A daemon calls it first thing in
// main(), before it starts any thread: every thread inherits the mask, so a termination signal
// reaches Poco's waitForTerminationRequest() (sigwait) instead of another thread.
void blockTerminationSignals();

}  // namespace cairn::host
