#pragma once

namespace cairn::host {

// Sends every Poco logger to stderr (systemd puts it in the journal) as
// "2026-01-01T00:00:00.000Z Warning component: message". A daemon calls it once, first in main();
// loggers created before the call keep their channel.
void logToStderr();

}  // namespace cairn::host
