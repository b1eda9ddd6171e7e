#define BOOST_TEST_MODULE provisioning
#include <boost/test/unit_test.hpp>
