#define BOOST_TEST_MODULE monitoring_logship
#include <boost/test/unit_test.hpp>
