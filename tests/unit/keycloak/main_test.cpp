#define BOOST_TEST_MODULE keycloak
#include <boost/test/unit_test.hpp>
