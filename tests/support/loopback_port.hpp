#pragma once
// Ports for test servers on 127.0.0.1.

namespace cairn::testing {

// A port on 127.0.0.1 that was free a moment ago: the kernel's choice for a socket bound to
// port 0, released again. Throws when no socket can be bound.
int freeLoopbackPort();

}  // namespace cairn::testing
