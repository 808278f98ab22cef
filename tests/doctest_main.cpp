// doctest's runner (its main), compiled once for every doctest program of tests/: the
// unit tests, the allocation test and the API's tests.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
