#define BOOST_TEST_MODULE appliance
#include <boost/test/unit_test.hpp>
