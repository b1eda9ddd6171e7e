#define BOOST_TEST_MODULE keycloak_integration
#include <boost/test/unit_test.hpp>
