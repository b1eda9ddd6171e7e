#include <iostream>

#include "services/supervisor/supervisord_app.hpp"

POCO_SERVER_MAIN(cairn::supervisor::SupervisordApp)
