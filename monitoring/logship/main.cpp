#include <iostream>

#include "monitoring/logship/logshipd_app.hpp"

POCO_SERVER_MAIN(cairn::logship::LogshipdApp)
