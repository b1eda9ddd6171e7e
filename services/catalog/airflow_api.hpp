#pragma once
// What `cairnctl airflow dags` asks Airflow's REST API (v2): the DAGs it parsed and the files it
// could not import. The client signs in as the local emergency account (the FAB auth manager's
// POST /auth/token checks local passwords whatever the browser login is).

#include <string>

#include <nlohmann/json.hpp>

#include "appliance/core/result.hpp"
#include "appliance/host/http_client.hpp"

namespace cairn::catalog {

struct AirflowCredentials {
  std::string baseUrl;  // the API server, "http://127.0.0.1:8080"
  std::string username;
  std::string password;
};

struct DagListing {
  nlohmann::json dags = nlohmann::json::array();          // GET /api/v2/dags "dags"
  nlohmann::json importErrors = nlohmann::json::array();  // GET /api/v2/importErrors "import_errors"
};

// Both lists, every page. kPermission on refused credentials, kUnavailable when the API server
// does not answer or answers 5xx, kInvalidInput on an answer that is not the API's JSON.
Result<DagListing> fetchDagListing(host::HttpClient& http, const AirflowCredentials& credentials);

// The listing as a table of DAGs (id, paused, file, tags) followed by each import error's file
// and the last line of its stack trace (the exception), or "no import errors".
std::string formatDagListing(const DagListing& listing);

// {"dags": [{"dag_id", "paused", "file", "tags"}], "import_errors": [{"file", "error"}]}.
nlohmann::json dagListingToJson(const DagListing& listing);

}  // namespace cairn::catalog
