#include <doctest/doctest.h>
#include "lib/base/serial.hpp"
TEST_CASE("serial") { CHECK(dns::serial_lt(1, 2)); }
