#include <iostream>

#include "monitoring/exporter/exporter_app.hpp"

POCO_SERVER_MAIN(cairn::exporter::ExporterApp)
