#pragma once
// The service catalog: which containers run the appliance's services, rendered from the spec.
// Pure: spec and secrets in, values and a Bundle out. The Bundle holds
//   /etc/cairn/rendered/containers.json  (sensitive, 0600; read by cairn-supervisord)
//   /etc/cairn/rendered/postgres/initdb/10-cairn-databases.sh  (no secret; mounted into postgres)
// Secret values appear only in container env, never in labels or commands.

#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"
#include "services/catalog/container.hpp"

namespace cairn::catalog {

inline constexpr const char* kContainersPath = "/etc/cairn/rendered/containers.json";
inline constexpr const char* kPostgresInitPath = "/etc/cairn/rendered/postgres/initdb/10-cairn-databases.sh";

// Every enabled service with its containers, in dependency order, and the named volumes they use.
// Dependencies on disabled services are left out. Throws std::out_of_range when `secrets` lacks a
// secret of secretKinds() (fillMissing() was not run).
ContainerSet buildContainerSet(const spec::Spec& spec, const secrets::Secrets& secrets);

// `services` reordered so that each comes after everything it depends on, keeping the given order
// where the dependencies allow; edges to services not in the list are dropped. Throws
// std::logic_error naming the services on a dependency cycle.
std::vector<Service> orderByDependencies(std::vector<Service> services);

// containers.json and, when PostgreSQL is enabled, its init script with a syntax check.
bundle::Bundle renderCatalog(const spec::Spec& spec, const secrets::Secrets& secrets);

}  // namespace cairn::catalog
